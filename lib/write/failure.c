/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "store/failure.h"
#include "store/mdb-errno.h"
#include "write/failure.h"
#include "write/tables.h"

int ldb_failure_record(struct ldb_master *m, struct ldb_str iface, int64_t now, const char *message)
{
	char key[LDB_FAILURE_KEY_MAX], val[LDB_FAILURE_VALUE_MAX];
	struct ldb_failure f = {.iface = iface, .time = now, .message = ldb_str_from(message)};
	size_t len;
	MDB_txn *txn;
	int r;

	r = ldb_failure_key(iface, key, sizeof(key));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0)
		return r;
	f.txn = mdb_txn_id(txn);
	/* The record is bookkeeping, not data: a snapshot that holds what
	 * came before it is still fresh (lease-db-dump --check). */
	r = ldb_failure_data_txn(txn, &m->dbis, f.txn - 1, &f.data_txn);
	if (r == 0)
		r = ldb_failure_encode(&f, val, sizeof(val), &len);
	if (r == 0)
		r = ldb_meta_put(txn, &m->dbis, key, (struct ldb_str){val, len});
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

static int del_key(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str iface)
{
	char key[LDB_FAILURE_KEY_MAX];
	MDB_val k;
	int r = ldb_failure_key(iface, key, sizeof(key));

	if (r < 0)
		return r;
	k = (MDB_val){strlen(key), key};
	r = ldb_mdb_errno(mdb_del(txn, dbis->meta, &k, NULL));
	return r == -ENOENT ? 0 : r;
}

int ldb_failure_clear(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str iface)
{
	int r = 0;

	if (iface.len)
		r = del_key(txn, dbis, iface);
	if (r == 0)
		r = del_key(txn, dbis, LDB_STR_NULL);
	return r;
}
