/* Name rules, their only home: what a hostname may be, how a query is
 * normalised, how names are folded for the indexes and compared, and which
 * names are reserved. libc only. */
#ifndef LDB_CORE_NAME_H
#define LDB_CORE_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"
#include "core/str.h"

/* Longest query name accepted, without the trailing dot. */
#define LDB_NAME_MAX 253

/* One label as dnsmasq accepts a client's hostname: 1-63 letters, digits,
 * '-' and '_', starting with a letter or digit ("my_vm" and "trailing-"
 * are labels; "-x", "_x", "a.b", "a b" and anything non-ASCII are not). */
bool ldb_name_valid_label(struct ldb_str s);

/* A domain name of such labels separated by single dots, at most 253. */
bool ldb_name_valid_domain(struct ldb_str s);

/* Normalise a query: drop one trailing dot, fold ASCII to lower case.
 * out must hold LDB_NAME_MAX + 1 bytes. Returns the length, or -EINVAL for
 * an empty, overlong or NUL/space-containing name. */
int ldb_name_fold(const char *name, char out[LDB_NAME_MAX + 1]);

/* The query as it is answered (h_name): one trailing dot dropped, case
 * kept. out must hold LDB_NAME_MAX + 1 bytes. Returns the length, or
 * -EINVAL for an empty or overlong name. */
int ldb_name_canonical(const char *name, char out[LDB_NAME_MAX + 1]);

/* The key a name (hostname, libvirt domain name, MAC) has in an index
 * table: ASCII folded to lower case, so lookups need no case-insensitive
 * scan. out must hold LDB_NAME_MAX + 1 bytes (not NUL-terminated).
 * Returns the length, or -EINVAL for an empty or overlong name. */
int ldb_name_index_key(struct ldb_str s, char out[LDB_NAME_MAX + 1]);

/* ASCII case-insensitive equality of two slices. */
bool ldb_name_equal(struct ldb_str a, struct ldb_str b);

/* This host's own name, its first label folded to lower case, or "". */
void ldb_self_name(char out[LDB_HOSTNAME_MAX + 1]);

/* Names no lease may take, whatever it or libvirt says: localhost and its
 * variants (localhost.localdomain, localhost4, localhost6, ip6-localhost,
 * ip6-loopback), wpad, isatap, and this host's own name (self, as from
 * ldb_self_name()), short or fully qualified. Only the part before the
 * first dot counts, ASCII case-insensitively. Every check of a name
 * against this list, in the helper and the modules, goes through here. */
bool ldb_name_reserved(struct ldb_str name, const char *self);

/* The served-name rule: may a lease answer to this hostname? A valid
 * label (ldb_name_valid_label()) that is not reserved
 * (ldb_name_reserved()). The helper records only such names, and the
 * modules and lease-db-dump answer only such names. */
bool ldb_name_served(struct ldb_str host, const char *self);

/* Split a folded query at its first dot: "host.lan.test" gives host
 * "host" and domain "lan.test"; false when there is no dot. */
bool ldb_name_split(struct ldb_str name, struct ldb_str *host, struct ldb_str *domain);

#endif
