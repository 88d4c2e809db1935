/* The process-wide cached snapshot used by the NSS modules. */
#ifndef LDB_CACHE_H
#define LDB_CACHE_H

#include <lmdb.h>

#include "db.h"

struct ldb_read {
	struct ldb_view view;
	void *slot;      /* private to cache.c */
	int cancelstate; /* the caller's, restored by ldb_cache_end() */
};

/* A read transaction on the snapshot at path, current as of this call: a
 * newly published snapshot is noticed through the generation counter, a
 * file replaced or changed by other means within a second. The common case
 * takes no lock, makes no system call and allocates nothing; an environment
 * is closed only when no lookup holds it. Uses no thread-local storage and
 * no fork handlers, so it works in static programs and in children forked
 * while other threads were looking names up. Thread cancellation is held
 * off from begin to end: a thread cancelled in an open() or close() of the
 * slow path would leave the lock held and a slot taken for ever. Errors as
 * ldb_snapshot_open(). */
int ldb_cache_begin(const char *path, struct ldb_read *rd);
void ldb_cache_end(struct ldb_read *rd);

#endif
