/* The process-wide cached snapshot used by the NSS modules. */
#ifndef LDB_CACHE_H
#define LDB_CACHE_H

#include <lmdb.h>

#include "snapshot.h"

struct ldb_read {
	struct ldb_snapshot *snap;
	struct ldb_view view;
};

/* A read transaction on the snapshot at path, current as of this call: a
 * newly published snapshot is noticed through the generation counter, a
 * file replaced by other means within a second. Each thread keeps its own
 * reference and reset transaction, so the common case takes no lock, makes
 * no system call and allocates nothing; an environment is closed only when
 * no thread holds it. Safe across fork(). Errors as ldb_snapshot_open(). */
int ldb_cache_begin(const char *path, struct ldb_read *rd);
void ldb_cache_end(struct ldb_read *rd);

#endif
