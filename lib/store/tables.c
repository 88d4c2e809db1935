#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "store/mdb-errno.h"
#include "store/tables.h"

int ldb_lease_get(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                  struct ldb_lease *out)
{
	uint8_t kb[LDB_ADDRKEY_MAX];
	MDB_val k = {ldb_addrkey(family, addr, kb), kb}, v;
	int r;

	r = ldb_mdb_errno(mdb_get(txn, dbis->lease, &k, &v));
	if (r < 0)
		return r;
	r = ldb_record_decode(v.mv_data, v.mv_size, out);
	if (r < 0)
		return r;
	/* The key is the truth; a record disagreeing with it is corrupt. */
	if (out->family != family || memcmp(out->addr, addr, family == AF_INET ? 4 : 16) != 0)
		return -EBADMSG;
	return 0;
}

int ldb_meta_get(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str *val)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int r = ldb_mdb_errno(mdb_get(txn, dbis->meta, &k, &v));

	if (r < 0)
		return r;
	val->p = v.mv_data;
	val->len = v.mv_size;
	return 0;
}

int ldb_table_walk(MDB_txn *txn, MDB_dbi dbi,
                   int (*fn)(const MDB_val *key, const MDB_val *val, void *ctx), void *ctx)
{
	MDB_cursor *c;
	MDB_val k, v;
	int r, op = MDB_FIRST;

	r = ldb_mdb_errno(mdb_cursor_open(txn, dbi, &c));
	if (r < 0)
		return r;
	while ((r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, op))) == 0) {
		op = MDB_NEXT;
		r = fn(&k, &v, ctx);
		if (r != 0)
			break;
	}
	mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}

struct decode_walk {
	int (*fn)(const struct ldb_lease *l, void *ctx);
	void *ctx;
};

static int decode_one(const MDB_val *k, const MDB_val *v, void *p)
{
	struct decode_walk *w = p;
	struct ldb_lease l;
	int r;

	(void)k;
	r = ldb_record_decode(v->mv_data, v->mv_size, &l);
	return r < 0 ? r : w->fn(&l, w->ctx);
}

int ldb_lease_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                      int (*fn)(const struct ldb_lease *l, void *ctx), void *ctx)
{
	struct decode_walk w = {fn, ctx};

	return ldb_table_walk(txn, dbis->lease, decode_one, &w);
}

int ldb_table_foreach_dup(MDB_txn *txn, MDB_dbi dbi, struct ldb_str key,
                          int (*fn)(const MDB_val *val, void *ctx), void *ctx)
{
	MDB_cursor *c;
	MDB_val k = {key.len, (void *)key.p}, v;
	int r;

	if (key.len == 0 || key.len > 511)
		return 0;
	r = ldb_mdb_errno(mdb_cursor_open(txn, dbi, &c));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_KEY));
	while (r == 0) {
		r = fn(&v, ctx);
		if (r != 0)
			break;
		r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP));
	}
	mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}
