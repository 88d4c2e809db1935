#include "config.h"

#include <errno.h>

#include "store/mdb-errno.h"
#include "store/view.h"

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
	return r ? ldb_lease_get(v->dtxn, v->ddbis, family, addr, out)
	         : ldb_lease_get(v->txn, v->dbis, family, addr, out);
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
	int r = ldb_lease_foreach(v->txn, v->dbis, walk_base, &w);

	if (r == 0 && v->dtxn)
		r = ldb_lease_foreach(v->dtxn, v->ddbis, fn, ctx);
	return r;
}
