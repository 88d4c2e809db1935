/* Opening a published snapshot as an untrusted, read-only reader. */
#ifndef LDB_SNAPSHOT_H
#define LDB_SNAPSHOT_H

#include <lmdb.h>
#include <sys/types.h>

#include "db.h"

struct ldb_snapshot {
	MDB_env *env; /* the base: <path> */
	struct ldb_dbis dbis;
	dev_t dev; /* identity of the file generation we mapped */
	ino_t ino;
	MDB_env *denv; /* the delta over it: <path>.delta, or NULL */
	struct ldb_dbis ddbis;
	dev_t ddev; /* identity of the delta file seen at open, 0 if none */
	ino_t dino;
};

/* Open path (and its delta, when it belongs to this base), each
 * MDB_RDONLY|MDB_NOLOCK|MDB_NOSUBDIR and mapping only its size.
 * -ENOENT: no snapshot; -EPERM: not trusted (owner or mode); -EINVAL: not a
 * regular file; -EBADMSG: not a valid lease-db snapshot. An untrusted or
 * invalid delta fails the open too. */
int ldb_snapshot_open(const char *path, struct ldb_snapshot **out);
void ldb_snapshot_close(struct ldb_snapshot *s);

/* Read transactions on both files, as a view for the query functions. */
int ldb_snapshot_begin(const struct ldb_snapshot *s, struct ldb_view *v);
void ldb_snapshot_end(struct ldb_view *v);

#endif
