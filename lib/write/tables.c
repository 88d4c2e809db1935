#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/name.h"
#include "store/mdb-errno.h"
#include "write/tables.h"

/* Index keys are folded (ldb_name_index_key()) so lookups need no
 * case-insensitive scan. */
static int index_key(struct ldb_str s, char buf[LDB_NAME_MAX + 1], MDB_val *k)
{
	int n = ldb_name_index_key(s, buf);

	if (n < 0)
		return n;
	k->mv_data = buf;
	k->mv_size = (size_t)n;
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

int ldb_lease_put(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l)
{
	uint8_t kb[LDB_LEASEKEY_MAX];
	MDB_val k = {ldb_leasekey_of(l, kb), kb}, v;
	struct ldb_lease old;
	int r;

	if (k.mv_size == 0 || (l->family != AF_INET && l->family != AF_INET6))
		return -EINVAL;
	if (dbis->layout != LDB_LAYOUT_VERSION)
		return -EPROTONOSUPPORT; /* never write one layout's keys into another */
	r = ldb_lease_get_key(txn, dbis, &k, &old);
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

int ldb_lease_del(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                  struct ldb_str iface)
{
	uint8_t kb[LDB_LEASEKEY_MAX];
	MDB_val k = {ldb_leasekey(family, addr, iface, kb), kb};
	struct ldb_lease old;
	int r;

	if (k.mv_size == 0)
		return -ENOENT;
	if (dbis->layout != LDB_LAYOUT_VERSION)
		return -EPROTONOSUPPORT;
	r = ldb_lease_get_key(txn, dbis, &k, &old);
	if (r < 0)
		return r;
	r = unindex(txn, dbis, &old, &k);
	if (r == 0)
		r = ldb_mdb_errno(mdb_del(txn, dbis->lease, &k, NULL));
	return r < 0 ? r : mark_pending(txn, dbis, &k);
}

struct reindex {
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
};

static int reindex_one(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	const struct reindex *x = p;
	MDB_val k = *key;
	int r;

	r = index_put(x->txn, x->dbis->name, l->hostname, &k);
	return r < 0 ? r : index_put(x->txn, x->dbis->mac, l->mac, &k);
}

int ldb_lease_reindex(MDB_txn *txn, const struct ldb_dbis *dbis)
{
	struct reindex x = {txn, dbis};
	int r = ldb_mdb_errno(mdb_drop(txn, dbis->name, 0));

	if (r == 0)
		r = ldb_mdb_errno(mdb_drop(txn, dbis->mac, 0));
	return r < 0 ? r : ldb_lease_foreach_key(txn, dbis, reindex_one, &x);
}

int ldb_guest_put(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str domain,
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

int ldb_guest_clear(MDB_txn *txn, const struct ldb_dbis *dbis)
{
	int r = ldb_mdb_errno(mdb_drop(txn, dbis->guest, 0));

	return r < 0 ? r : ldb_mdb_errno(mdb_drop(txn, dbis->guestmac, 0));
}

int ldb_meta_put(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str val)
{
	MDB_val k = {strlen(key), (void *)key}, v = {val.len, (void *)val.p};

	return ldb_mdb_errno(mdb_put(txn, dbis->meta, &k, &v, 0));
}

int ldb_schema_put_layout(MDB_txn *txn, struct ldb_dbis *dbis, unsigned layout)
{
	const char v[4] = {(char)(layout & 0xff), (char)((layout >> 8) & 0xff),
	                   (char)((layout >> 16) & 0xff), (char)((layout >> 24) & 0xff)};
	int r = ldb_meta_put(txn, dbis, LDB_META_FORMAT, (struct ldb_str){v, sizeof(v)});

	if (r == 0)
		dbis->layout = layout;
	return r;
}

int ldb_schema_open_or_init(MDB_txn *txn, struct ldb_dbis *dbis)
{
	int r;

	r = ldb_schema_open_tables(txn, MDB_CREATE, dbis);
	if (r == 0)
		r = ldb_schema_layout(txn, dbis, &dbis->layout);
	if (r == -ENOENT)
		return ldb_schema_put_layout(txn, dbis, LDB_LAYOUT_VERSION);
	return r;
}

int ldb_schema_create(MDB_txn *txn, struct ldb_dbis *dbis)
{
	int r = ldb_schema_open_or_init(txn, dbis);

	if (r == 0 && dbis->layout != LDB_LAYOUT_VERSION)
		r = -EPROTONOSUPPORT;
	return r;
}
