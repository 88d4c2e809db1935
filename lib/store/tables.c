#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "store/mdb-errno.h"
#include "store/tables.h"

int ldb_lease_decode(const struct ldb_dbis *dbis, const MDB_val *key, const MDB_val *val,
                     struct ldb_lease *out)
{
	struct ldb_str iface;
	uint8_t addr[16];
	int family, r;

	r = ldb_leasekey_parse(key->mv_data, key->mv_size, &family, addr, &iface);
	if (r == 0)
		r = ldb_record_decode(val->mv_data, val->mv_size, out);
	if (r < 0)
		return r;
	if (out->family != family || memcmp(out->addr, addr, family == AF_INET ? 4 : 16) != 0)
		return -EBADMSG;
	/* Layout 1 keyed by address alone; since layout 2 the interface is
	 * part of the key. */
	if (dbis->layout >= 2 &&
	    (iface.len != out->iface.len || memcmp(iface.p, out->iface.p, iface.len) != 0))
		return -EBADMSG;
	if (dbis->layout < 2 && iface.len != 0)
		return -EBADMSG;
	return 0;
}

int ldb_lease_get_key(MDB_txn *txn, const struct ldb_dbis *dbis, const MDB_val *key,
                      struct ldb_lease *out)
{
	MDB_val k = *key, v;
	int r;

	r = ldb_mdb_errno(mdb_get(txn, dbis->lease, &k, &v));
	return r < 0 ? r : ldb_lease_decode(dbis, key, &v, out);
}

int ldb_lease_get(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                  struct ldb_str iface, struct ldb_lease *out)
{
	uint8_t kb[LDB_LEASEKEY_MAX];
	MDB_val k = {ldb_leasekey(family, addr, iface, kb), kb};

	if (k.mv_size == 0 || (dbis->layout < 2 && iface.len))
		return -ENOENT;
	return ldb_lease_get_key(txn, dbis, &k, out);
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
	const struct ldb_dbis *dbis;
	int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx);
	void *ctx;
};

static int decode_one(const MDB_val *k, const MDB_val *v, void *p)
{
	struct decode_walk *w = p;
	struct ldb_lease l;
	int r;

	r = ldb_lease_decode(w->dbis, k, v, &l);
	return r < 0 ? r : w->fn(k, &l, w->ctx);
}

int ldb_lease_foreach_key(MDB_txn *txn, const struct ldb_dbis *dbis,
                          int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                          void *ctx)
{
	struct decode_walk w = {dbis, fn, ctx};

	return ldb_table_walk(txn, dbis->lease, decode_one, &w);
}

struct plain_walk {
	int (*fn)(const struct ldb_lease *l, void *ctx);
	void *ctx;
};

static int plain_one(const MDB_val *k, const struct ldb_lease *l, void *p)
{
	struct plain_walk *w = p;

	(void)k;
	return w->fn(l, w->ctx);
}

int ldb_lease_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                      int (*fn)(const struct ldb_lease *l, void *ctx), void *ctx)
{
	struct plain_walk w = {fn, ctx};

	return ldb_lease_foreach_key(txn, dbis, plain_one, &w);
}

int ldb_lease_foreach_addr(MDB_txn *txn, const struct ldb_dbis *dbis, int family,
                           const uint8_t *addr,
                           int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                           void *ctx)
{
	uint8_t kb[LDB_ADDRKEY_MAX];
	size_t alen = ldb_addrkey(family, addr, kb);
	MDB_val k = {alen, kb}, v;
	MDB_cursor *c;
	int r;

	r = ldb_mdb_errno(mdb_cursor_open(txn, dbis->lease, &c));
	if (r < 0)
		return r;
	/* Every key of this address starts with its address key, and sorts
	 * from it on (a shorter key sorts first). */
	r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
	while (r == 0 && k.mv_size >= alen && memcmp(k.mv_data, kb, alen) == 0) {
		struct ldb_lease l;

		r = ldb_lease_decode(dbis, &k, &v, &l);
		if (r == 0)
			r = fn(&k, &l, ctx);
		if (r != 0)
			break;
		r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_NEXT));
	}
	mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
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
