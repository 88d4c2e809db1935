/* Packing answers into the caller's buffer, as glibc's NSS interface
 * wants: the size is computed first, then the buffer is filled. */
#ifndef LDB_READ_PACK_H
#define LDB_READ_PACK_H

#include <netdb.h>
#include <nss.h>
#include <stddef.h>

#include "store/query.h"

/* A struct hostent for one family: every address of a (already filtered
 * to af) in order, name as h_name, alias (may be NULL) as the only alias.
 * -ERANGE when buflen is too small; *canonp (if not NULL) gets h_name. */
int ldb_pack_hostent(const char *name, const char *alias, int af, const struct ldb_addrs *a,
                     struct hostent *he, char *buf, size_t buflen, char **canonp);

/* A gaih_addrtuple list for gethostbyname4_r. If *pat is not NULL the first
 * tuple is copied into it, as nscd expects. -ERANGE when too small. */
int ldb_pack_gaih(const char *name, const struct ldb_addrs *a, struct gaih_addrtuple **pat,
                  char *buf, size_t buflen);

#endif
