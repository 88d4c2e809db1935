/* A lookup's read transaction on the per-process cached snapshot the NSS
 * modules share. */
#ifndef LDB_READ_LOOKUP_H
#define LDB_READ_LOOKUP_H

#include <lmdb.h>

#include "store/view.h"

struct ldb_lookup {
	struct ldb_view view;
	void *slot;      /* private to read/lookup.c */
	int cancelstate; /* the caller's, restored by ldb_lookup_end() */
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
int ldb_lookup_begin(const char *path, struct ldb_lookup *rd);
void ldb_lookup_end(struct ldb_lookup *rd);

#endif
