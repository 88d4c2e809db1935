/* The process-wide cached snapshot used by the NSS modules. */
#ifndef LDB_CACHE_H
#define LDB_CACHE_H

#include "snapshot.h"

/* A snapshot to read, current as of this call: a newly published one is
 * noticed through the generation counter, a replaced file otherwise within
 * a second. The caller holds a reference until ldb_cache_release(), so an
 * environment is never closed under a reader. Safe across threads and
 * fork(). Errors as ldb_snapshot_open(). */
int ldb_cache_acquire(const char *path, struct ldb_snapshot **out);
void ldb_cache_release(struct ldb_snapshot *s);

#endif
