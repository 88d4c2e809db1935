#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "store/mdb-errno.h"
#include "store/tables.h"
#include "write/migrate.h"
#include "write/tables.h"

/* Layout 1 -> 2: leases were keyed by address alone; now by address and
 * interface (ldb_leasekey()). Every record carries its interface already,
 * so each key gets it appended, and the name and mac indexes, whose values
 * are lease keys, are rebuilt. Keys only grow, and a key with its
 * interface sorts right after the address key it came from, so the walk
 * continues after the key it just wrote. */
static int rekey_v1(MDB_txn *txn, struct ldb_dbis *dbis)
{
	uint8_t pos[LDB_LEASEKEY_MAX];
	size_t poslen = 0, bufsize = 0;
	void *buf = NULL;
	MDB_cursor *c;
	int r;

	r = ldb_mdb_errno(mdb_cursor_open(txn, dbis->lease, &c));
	if (r < 0)
		return r;
	for (;;) {
		uint8_t nk[LDB_LEASEKEY_MAX];
		MDB_val k = {poslen, pos}, v, nkey;
		struct ldb_lease l;

		r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, poslen ? MDB_SET_RANGE : MDB_FIRST));
		if (r == 0 && poslen && k.mv_size == poslen && memcmp(k.mv_data, pos, poslen) == 0)
			r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_NEXT));
		if (r < 0)
			break;
		/* A layout 1 key: the address alone, which the record repeats. */
		r = ldb_lease_decode(dbis, &k, &v, &l);
		if (r < 0)
			break;
		nkey = (MDB_val){ldb_leasekey_of(&l, nk), nk};
		if (nkey.mv_size == 0) {
			r = -EBADMSG;
			break;
		}
		if (nkey.mv_size != k.mv_size) {
			/* The record lives in the page the delete may free. */
			if (v.mv_size > bufsize) {
				void *nb = realloc(buf, v.mv_size);

				if (!nb) {
					r = -ENOMEM;
					break;
				}
				buf = nb;
				bufsize = v.mv_size;
			}
			memcpy(buf, v.mv_data, v.mv_size);
			v.mv_data = buf;
			r = ldb_mdb_errno(mdb_cursor_del(c, 0));
			if (r == 0)
				r = ldb_mdb_errno(
				    mdb_put(txn, dbis->lease, &nkey, &v, MDB_NOOVERWRITE));
			if (r < 0)
				break;
		}
		memcpy(pos, nkey.mv_data, nkey.mv_size);
		poslen = nkey.mv_size;
	}
	mdb_cursor_close(c);
	free(buf);
	if (r != -ENOENT)
		return r;
	dbis->layout = 2;
	return ldb_lease_reindex(txn, dbis);
}

/* steps[i] migrates layout i + 1 to i + 2. */
static int (*const steps[LDB_LAYOUT_VERSION - 1])(MDB_txn *, struct ldb_dbis *) = {
    rekey_v1,
};

int ldb_master_upgrade(MDB_txn *txn, struct ldb_dbis *dbis)
{
	MDB_val k = {strlen(LDB_META_BASE_ID), (void *)LDB_META_BASE_ID};
	int r;

	r = ldb_schema_open_or_init(txn, dbis);
	if (r < 0)
		return r;
	if (dbis->layout > LDB_LAYOUT_VERSION)
		return -EPROTONOSUPPORT;
	if (dbis->layout == LDB_LAYOUT_VERSION)
		return 0;
	while (dbis->layout < LDB_LAYOUT_VERSION) {
		unsigned from = dbis->layout;

		r = steps[from - 1](txn, dbis);
		if (r < 0)
			return r;
		dbis->layout = from + 1;
	}
	/* The published base and its delta have the old layout: never
	 * publish a delta over them. */
	r = ldb_mdb_errno(mdb_drop(txn, dbis->pending, 0));
	if (r == 0)
		r = ldb_mdb_errno(mdb_del(txn, dbis->meta, &k, NULL));
	if (r == -ENOENT)
		r = 0;
	return r < 0 ? r : ldb_schema_put_layout(txn, dbis, LDB_LAYOUT_VERSION);
}
