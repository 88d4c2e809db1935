/* Opening a published snapshot as an untrusted, read-only reader. */
#ifndef LDB_SNAPSHOT_H
#define LDB_SNAPSHOT_H

#include <lmdb.h>
#include <sys/types.h>

#include "db.h"

struct ldb_snapshot {
	MDB_env *env;
	struct ldb_dbis dbis;
	dev_t dev; /* identity of the file generation we mapped */
	ino_t ino;
};

/* Open path MDB_RDONLY|MDB_NOLOCK|MDB_NOSUBDIR, mapping only its size.
 * -ENOENT: no snapshot; -EPERM: not trusted (owner or mode); -EINVAL: not a
 * regular file; -EBADMSG: not a valid lease-db snapshot. */
int ldb_snapshot_open(const char *path, struct ldb_snapshot **out);
void ldb_snapshot_close(struct ldb_snapshot *s);

#endif
