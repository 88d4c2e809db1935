/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/mdb-errno.h"
#include "store/tables.h"
#include "write/forget.h"
#include "write/status.h"
#include "write/tables.h"

/* Keys to delete once the walk that found them is over (deleting under a
 * walking cursor would skip entries). */
struct keys {
	struct ldb_str iface;
	int (*each)(const struct ldb_lease *l, void *ctx);
	void *ctx;
	MDB_val *v;
	size_t n, cap;
};

static int keep(struct keys *k, const MDB_val *key)
{
	void *copy;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		MDB_val *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	copy = malloc(key->mv_size ? key->mv_size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, key->mv_data, key->mv_size);
	k->v[k->n++] = (MDB_val){key->mv_size, copy};
	return 0;
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].mv_data);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}

static int lease_on(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct keys *k = p;
	int r;

	if (!ldb_str_eq(l->iface, k->iface))
		return 0;
	if (k->each) {
		r = k->each(l, k->ctx);
		if (r < 0)
			return r;
	}
	return keep(k, key);
}

/* "<what>:<iface>": the part after the first separator is the interface. */
static int meta_on(const MDB_val *key, const MDB_val *val, void *p)
{
	struct keys *k = p;
	const char *s = key->mv_data, *sep = memchr(s, LDB_META_IFACE_SEP, key->mv_size);
	size_t rest;

	(void)val;
	if (!sep)
		return 0;
	rest = key->mv_size - (size_t)(sep + 1 - s);
	if (rest != k->iface.len || memcmp(sep + 1, k->iface.p, rest) != 0)
		return 0;
	return keep(k, key);
}

int ldb_iface_forget(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str iface,
                     int (*each)(const struct ldb_lease *l, void *ctx), void *ctx, size_t *leases,
                     size_t *keys)
{
	struct keys k = {.iface = iface, .each = each, .ctx = ctx};
	char iface_z[LDB_IFNAME_MAX + 1];
	int r;

	*leases = *keys = 0;
	if (iface.len == 0 || ldb_str_copy(iface_z, sizeof(iface_z), iface) < 0)
		return -EINVAL;
	r = ldb_lease_foreach_key(txn, dbis, lease_on, &k);
	for (size_t i = 0; r == 0 && i < k.n; i++) {
		struct ldb_str ifc;
		uint8_t addr[16];
		int family;

		r = ldb_leasekey_parse(k.v[i].mv_data, k.v[i].mv_size, &family, addr, &ifc);
		if (r == 0)
			r = ldb_lease_del(txn, dbis, family, addr, iface);
	}
	*leases = k.n;
	keys_free(&k);
	if (r < 0)
		return r;
	r = ldb_table_walk(txn, dbis->meta, meta_on, &k);
	for (size_t i = 0; r == 0 && i < k.n; i++)
		r = ldb_mdb_errno(mdb_del(txn, dbis->meta, &k.v[i], NULL));
	*keys = k.n;
	keys_free(&k);
	/* The bridge's .status records too, or the next event on a network
	 * defined again with that bridge would write them back. */
	if (r == 0)
		r = ldb_status_forget(txn, dbis, iface_z);
	return r;
}
