#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "db.h"
#include "name.h"

static int open_one(MDB_txn *txn, const char *name, unsigned flags, bool create, MDB_dbi *dbi)
{
	return ldb_mdb_errno(mdb_dbi_open(txn, name, flags | (create ? MDB_CREATE : 0), dbi));
}

int ldb_db_open(MDB_txn *txn, bool create, struct ldb_dbis *dbis)
{
	struct ldb_str v;
	int r;

	r = open_one(txn, "meta", 0, create, &dbis->meta);
	if (r == 0)
		r = open_one(txn, "lease", 0, create, &dbis->lease);
	if (r == 0)
		r = open_one(txn, "name", MDB_DUPSORT, create, &dbis->name);
	if (r == 0)
		r = open_one(txn, "mac", MDB_DUPSORT, create, &dbis->mac);
	if (r == 0)
		r = open_one(txn, "guest", MDB_DUPSORT, create, &dbis->guest);
	if (r == 0)
		r = open_one(txn, "guestmac", MDB_DUPSORT, create, &dbis->guestmac);
	if (r == 0)
		r = open_one(txn, "pending", 0, create, &dbis->pending);
	if (r == 0)
		r = open_one(txn, "changed", 0, create, &dbis->changed);
	if (r == -ENOENT || r == -EINVAL)
		return -EBADMSG; /* a table is missing or has other flags */
	if (r < 0)
		return r;

	r = ldb_db_meta_get(txn, dbis, LDB_META_FORMAT, &v);
	if (r == -ENOENT && create) {
		uint8_t ver[4] = {LDB_FORMAT_VERSION, 0, 0, 0};

		return ldb_db_meta_put(txn, dbis, LDB_META_FORMAT,
		                       (struct ldb_str){(char *)ver, 4});
	}
	if (r == -ENOENT)
		return -EBADMSG;
	if (r < 0)
		return r;
	if (v.len != 4)
		return -EBADMSG;
	if (memcmp(v.p, (uint8_t[4]){LDB_FORMAT_VERSION, 0, 0, 0}, 4) != 0)
		return -EPROTONOSUPPORT;
	return 0;
}

int ldb_db_get(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
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

/* Index keys are folded so lookups need no case-insensitive scan. */
static int index_key(struct ldb_str s, char buf[LDB_NAME_MAX + 1], MDB_val *k)
{
	if (s.len == 0 || s.len > LDB_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	k->mv_data = buf;
	k->mv_size = s.len;
	return 0;
}

static int index_del(MDB_txn *txn, MDB_dbi dbi, struct ldb_str s, MDB_val *addrkey)
{
	char buf[LDB_NAME_MAX + 1];
	MDB_val k;
	int r;

	if (s.len == 0)
		return 0;
	r = index_key(s, buf, &k);
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_del(txn, dbi, &k, addrkey));
	return r == -ENOENT ? 0 : r;
}

static int index_put(MDB_txn *txn, MDB_dbi dbi, struct ldb_str s, MDB_val *addrkey)
{
	char buf[LDB_NAME_MAX + 1];
	MDB_val k;
	int r;

	if (s.len == 0)
		return 0;
	r = index_key(s, buf, &k);
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_put(txn, dbi, &k, addrkey, MDB_NODUPDATA));
	return r == -EEXIST ? 0 : r;
}

/* The old record's strings point into a page that the deletes below may
 * recycle within this transaction, so copy them first. */
static int unindex(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *old,
                   MDB_val *k)
{
	char host[LDB_HOSTNAME_MAX + 1], mac[LDB_MAC_MAX + 1];
	int r;

	r = ldb_str_copy(host, sizeof(host), old->hostname);
	if (r == 0)
		r = ldb_str_copy(mac, sizeof(mac), old->mac);
	if (r == 0)
		r = index_del(txn, dbis->name, ldb_str_from(host), k);
	if (r == 0)
		r = index_del(txn, dbis->mac, ldb_str_from(mac), k);
	return r;
}

/* Remember which leases changed since the last full snapshot, so the next
 * publication can be a small delta. */
static int mark_pending(MDB_txn *txn, const struct ldb_dbis *dbis, MDB_val *k)
{
	MDB_val v = {1, "1"};

	return ldb_mdb_errno(mdb_put(txn, dbis->pending, k, &v, 0));
}

int ldb_db_put(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l)
{
	uint8_t kb[LDB_ADDRKEY_MAX];
	MDB_val k = {ldb_addrkey(l->family, l->addr, kb), kb}, v;
	struct ldb_lease old;
	int r;

	r = ldb_db_get(txn, dbis, l->family, l->addr, &old);
	if (r == 0)
		r = unindex(txn, dbis, &old, &k);
	else if (r == -ENOENT)
		r = 0;
	if (r < 0)
		return r;

	v.mv_size = ldb_record_size(l);
	r = ldb_mdb_errno(mdb_put(txn, dbis->lease, &k, &v, MDB_RESERVE));
	if (r < 0)
		return r;
	r = ldb_record_encode(l, v.mv_data, v.mv_size);
	if (r < 0)
		return r;
	r = index_put(txn, dbis->name, l->hostname, &k);
	if (r == 0)
		r = index_put(txn, dbis->mac, l->mac, &k);
	return r < 0 ? r : mark_pending(txn, dbis, &k);
}

int ldb_db_del(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr)
{
	uint8_t kb[LDB_ADDRKEY_MAX];
	MDB_val k = {ldb_addrkey(family, addr, kb), kb};
	struct ldb_lease old;
	int r;

	r = ldb_db_get(txn, dbis, family, addr, &old);
	if (r < 0)
		return r;
	r = unindex(txn, dbis, &old, &k);
	if (r == 0)
		r = ldb_mdb_errno(mdb_del(txn, dbis->lease, &k, NULL));
	return r < 0 ? r : mark_pending(txn, dbis, &k);
}

int ldb_db_guest_put(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str domain,
                     struct ldb_str mac)
{
	char dk[LDB_NAME_MAX + 1], mk[LDB_NAME_MAX + 1];
	MDB_val kd, km;
	int r;

	r = index_key(domain, dk, &kd);
	if (r == 0)
		r = index_key(mac, mk, &km);
	if (r == 0)
		r = ldb_mdb_errno(mdb_put(txn, dbis->guest, &kd, &km, MDB_NODUPDATA));
	if (r == 0 || r == -EEXIST)
		r = ldb_mdb_errno(mdb_put(txn, dbis->guestmac, &km, &kd, MDB_NODUPDATA));
	return r == -EEXIST ? 0 : r;
}

int ldb_db_guest_clear(MDB_txn *txn, const struct ldb_dbis *dbis)
{
	int r = ldb_mdb_errno(mdb_drop(txn, dbis->guest, 0));

	return r < 0 ? r : ldb_mdb_errno(mdb_drop(txn, dbis->guestmac, 0));
}

int ldb_db_meta_get(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str *val)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int r = ldb_mdb_errno(mdb_get(txn, dbis->meta, &k, &v));

	if (r < 0)
		return r;
	val->p = v.mv_data;
	val->len = v.mv_size;
	return 0;
}

int ldb_db_meta_put(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str val)
{
	MDB_val k = {strlen(key), (void *)key}, v = {val.len, (void *)val.p};

	return ldb_mdb_errno(mdb_put(txn, dbis->meta, &k, &v, 0));
}

int ldb_db_walk(MDB_txn *txn, MDB_dbi dbi,
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

int ldb_db_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                   int (*fn)(const struct ldb_lease *l, void *ctx), void *ctx)
{
	struct decode_walk w = {fn, ctx};

	return ldb_db_walk(txn, dbis->lease, decode_one, &w);
}

int ldb_view_overridden(const struct ldb_view *v, const MDB_val *key)
{
	MDB_val k = *key, d;
	int r;

	if (!v->dtxn)
		return 0;
	r = ldb_mdb_errno(mdb_get(v->dtxn, v->ddbis->changed, &k, &d));
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

int ldb_view_get(const struct ldb_view *v, int family, const uint8_t *addr, struct ldb_lease *out)
{
	uint8_t kb[LDB_ADDRKEY_MAX];
	MDB_val k = {ldb_addrkey(family, addr, kb), kb};
	int r = ldb_view_overridden(v, &k);

	if (r < 0)
		return r;
	return r ? ldb_db_get(v->dtxn, v->ddbis, family, addr, out)
	         : ldb_db_get(v->txn, v->dbis, family, addr, out);
}

struct view_walk {
	const struct ldb_view *v;
	int (*fn)(const struct ldb_lease *l, void *ctx);
	void *ctx;
};

static int walk_base(const struct ldb_lease *l, void *p)
{
	struct view_walk *w = p;
	uint8_t kb[LDB_ADDRKEY_MAX];
	MDB_val k = {ldb_addrkey(l->family, l->addr, kb), kb};
	int r = ldb_view_overridden(w->v, &k);

	return r != 0 ? (r < 0 ? r : 0) : w->fn(l, w->ctx);
}

int ldb_view_foreach(const struct ldb_view *v, int (*fn)(const struct ldb_lease *l, void *ctx),
                     void *ctx)
{
	struct view_walk w = {v, fn, ctx};
	int r = ldb_db_foreach(v->txn, v->dbis, walk_base, &w);

	if (r == 0 && v->dtxn)
		r = ldb_db_foreach(v->dtxn, v->ddbis, fn, ctx);
	return r;
}

int ldb_db_foreach_dup(MDB_txn *txn, MDB_dbi dbi, struct ldb_str key,
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
