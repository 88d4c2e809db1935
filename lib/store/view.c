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

int ldb_view_get_key(const struct ldb_view *v, const MDB_val *key, struct ldb_lease *out)
{
	int r = ldb_view_overridden(v, key);

	if (r < 0)
		return r;
	return r ? ldb_lease_get_key(v->dtxn, v->ddbis, key, out)
	         : ldb_lease_get_key(v->txn, v->dbis, key, out);
}

struct view_walk {
	const struct ldb_view *v;
	int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx);
	int (*plain)(const struct ldb_lease *l, void *ctx);
	void *ctx;
};

static int call(struct view_walk *w, const MDB_val *key, const struct ldb_lease *l)
{
	return w->fn ? w->fn(key, l, w->ctx) : w->plain(l, w->ctx);
}

static int walk_base(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct view_walk *w = p;
	int r = ldb_view_overridden(w->v, key);

	return r != 0 ? (r < 0 ? r : 0) : call(w, key, l);
}

static int walk_delta(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	return call(p, key, l);
}

int ldb_view_foreach(const struct ldb_view *v, int (*fn)(const struct ldb_lease *l, void *ctx),
                     void *ctx)
{
	struct view_walk w = {v, NULL, fn, ctx};
	int r = ldb_lease_foreach_key(v->txn, v->dbis, walk_base, &w);

	if (r == 0 && v->dtxn)
		r = ldb_lease_foreach_key(v->dtxn, v->ddbis, walk_delta, &w);
	return r;
}

int ldb_view_foreach_addr(const struct ldb_view *v, int family, const uint8_t *addr,
                          int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                          void *ctx)
{
	struct view_walk w = {v, fn, NULL, ctx};
	int r = ldb_lease_foreach_addr(v->txn, v->dbis, family, addr, walk_base, &w);

	if (r == 0 && v->dtxn)
		r = ldb_lease_foreach_addr(v->dtxn, v->ddbis, family, addr, walk_delta, &w);
	return r;
}
