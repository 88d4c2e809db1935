/* The private master database: a normal LMDB environment in a root-only
 * directory, opened by the helper and admin tools only. */
#ifndef LDB_MASTER_H
#define LDB_MASTER_H

#include <lmdb.h>
#include <stdbool.h>

#include "db.h"

struct ldb_master {
	MDB_env *env;
	struct ldb_dbis dbis;
	char *dir;
};

/* Open the master in dir. Writable: the directory is created (0700) when
 * missing and must belong to the effective user with no group/other write
 * bit. Read-only: -ENOENT when there is no master. */
int ldb_master_open(const char *dir, bool writable, struct ldb_master **out);
void ldb_master_close(struct ldb_master *m);

#endif
