#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/tables.h"

/* Address space only: LMDB grows the file as pages are written. */
#define MASTER_MAPSIZE (SIZE_MAX > 0xffffffffu ? ((size_t)4 << 30) : ((size_t)256 << 20))

int ldb_master_open_readonly(const char *dir, struct ldb_master **out)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	return ldb_master_open_env(dir, MDB_RDONLY, ldb_schema_open, out);
}

int ldb_master_open_nowrite(const char *dir, struct ldb_master **out)
{
	int r = ldb_master_open_readonly(dir, out);

	if (r == -EACCES || r == -EPERM)
		r = ldb_master_open_env(dir, MDB_RDONLY | MDB_NOLOCK, ldb_schema_open, out);
	return r;
}

bool ldb_master_read_stable(struct ldb_master *m, uint64_t txn)
{
	uint64_t now = ldb_master_txn(m);

	return now != 0 && now <= txn + 1;
}

int ldb_master_id(MDB_txn *txn, const struct ldb_dbis *dbis, uint8_t id[LDB_MASTER_ID_SIZE])
{
	struct ldb_str v;
	int r = ldb_meta_get(txn, dbis, LDB_META_MASTER_ID, &v);

	if (r < 0)
		return r;
	if (v.len != LDB_MASTER_ID_SIZE)
		return -EBADMSG;
	memcpy(id, v.p, LDB_MASTER_ID_SIZE);
	return 0;
}

int ldb_master_open_env(const char *dir, unsigned env_flags,
                        int (*open_tables)(MDB_txn *txn, struct ldb_dbis *dbis),
                        struct ldb_master **out)
{
	struct ldb_master *m;
	MDB_txn *txn;
	int r;

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
		r = ldb_mdb_errno(mdb_env_open(m->env, dir, env_flags, 0600));
	if (r < 0)
		goto fail_env;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, env_flags & MDB_RDONLY, &txn));
	if (r < 0)
		goto fail_env;
	r = open_tables(txn, &m->dbis);
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

uint64_t ldb_master_txn(struct ldb_master *m)
{
	MDB_envinfo info;

	if (mdb_env_info(m->env, &info) != 0)
		return 0;
	return info.me_last_txnid;
}
