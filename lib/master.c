#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "master.h"
#include "paths.h"

/* Address space only: LMDB grows the file as pages are written. */
#define MASTER_MAPSIZE (SIZE_MAX > 0xffffffffu ? ((size_t)4 << 30) : ((size_t)256 << 20))

int ldb_master_open(const char *dir, bool writable, struct ldb_master **out)
{
	struct ldb_master *m;
	MDB_txn *txn;
	struct stat st;
	int r;

	if (writable) {
		r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);
		if (r < 0)
			return r;
	} else if (stat(dir, &st) < 0) {
		return -errno;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->dir = strdup(dir);
	if (!m->dir) {
		r = -ENOMEM;
		goto fail_free;
	}
	r = ldb_mdb_errno(mdb_env_create(&m->env));
	if (r < 0)
		goto fail_dir;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(m->env, LDB_MAXDBS));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_set_mapsize(m->env, MASTER_MAPSIZE));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(m->env, dir, writable ? 0 : MDB_RDONLY, 0600));
	if (r < 0)
		goto fail_env;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, writable ? 0 : MDB_RDONLY, &txn));
	if (r < 0)
		goto fail_env;
	r = ldb_db_open(txn, writable, &m->dbis);
	if (r < 0) {
		mdb_txn_abort(txn);
		goto fail_env;
	}
	/* Committing keeps the table handles valid for later transactions. */
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0)
		goto fail_env;
	*out = m;
	return 0;

fail_env:
	mdb_env_close(m->env);
fail_dir:
	free(m->dir);
fail_free:
	free(m);
	return r;
}

void ldb_master_close(struct ldb_master *m)
{
	if (!m)
		return;
	mdb_env_close(m->env);
	free(m->dir);
	free(m);
}
