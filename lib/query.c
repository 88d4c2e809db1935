#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "name.h"
#include "query.h"

static bool expired(int64_t expiry, int64_t now)
{
	return expiry != 0 && expiry < now;
}

void ldb_addrs_free(struct ldb_addrs *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

int ldb_addrs_add(struct ldb_addrs *a, const struct ldb_lease *l, int64_t now)
{
	size_t alen = l->family == AF_INET ? 4 : 16;

	if (expired(l->expiry, now))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		struct ldb_addr *x = &a->v[i];

		if (x->family == l->family && memcmp(x->addr, l->addr, alen) == 0) {
			if (x->expiry != 0 && (l->expiry == 0 || l->expiry > x->expiry))
				x->expiry = l->expiry;
			return 0;
		}
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct ldb_addr *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].family = l->family;
	memset(a->v[a->n].addr, 0, 16);
	memcpy(a->v[a->n].addr, l->addr, alen);
	a->v[a->n].expiry = l->expiry;
	a->n++;
	return 0;
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct ldb_addr *a = pa, *b = pb;
	/* Map 0 (infinite) above every real time; compare, never subtract. */
	uint64_t ea = a->expiry == 0 ? UINT64_MAX : (uint64_t)a->expiry;
	uint64_t eb = b->expiry == 0 ? UINT64_MAX : (uint64_t)b->expiry;

	if (ea != eb)
		return ea > eb ? -1 : 1;
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

void ldb_addrs_sort(struct ldb_addrs *a)
{
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(a->v[0]), cmp_addr);
}

struct name_ctx {
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
	struct ldb_str domain; /* empty: any */
	int want;
	int64_t now;
	struct ldb_addrs *out;
};

static int add_key(const MDB_val *key, void *p)
{
	struct name_ctx *c = p;
	struct ldb_lease l;
	uint8_t addr[16];
	int family, r;

	r = ldb_addrkey_parse(key->mv_data, key->mv_size, &family, addr);
	if (r < 0)
		return r;
	if (!(c->want & (family == AF_INET ? LDB_WANT_INET : LDB_WANT_INET6)))
		return 0;
	r = ldb_db_get(c->txn, c->dbis, family, addr, &l);
	if (r == -ENOENT)
		return -EBADMSG; /* an index entry without its lease */
	if (r < 0)
		return r;
	if (c->domain.len && !ldb_name_equal(c->domain, l.domain))
		return 0;
	return ldb_addrs_add(c->out, &l, c->now);
}

int ldb_query_name(MDB_txn *txn, const struct ldb_dbis *dbis, const char *name, int want,
                   int64_t now, struct ldb_addrs *out)
{
	char folded[LDB_NAME_MAX + 1];
	struct name_ctx c = {txn, dbis, LDB_STR_NULL, want, now, out};
	struct ldb_str q, host;
	int n, r;

	n = ldb_name_fold(name, folded);
	if (n < 0)
		return 0; /* not a name any lease can have */
	q = (struct ldb_str){folded, (size_t)n};

	if (q.len <= LDB_HOSTNAME_MAX && !memchr(q.p, '.', q.len)) {
		r = ldb_db_foreach_dup(txn, dbis->name, q, add_key, &c);
	} else if (ldb_name_split(q, &host, &c.domain)) {
		r = ldb_db_foreach_dup(txn, dbis->name, host, add_key, &c);
	} else {
		r = 0;
	}
	if (r < 0)
		return r;
	ldb_addrs_sort(out);
	return 0;
}

static int add_mac(const MDB_val *mac, void *p)
{
	struct name_ctx *c = p;

	return ldb_db_foreach_dup(c->txn, c->dbis->mac, (struct ldb_str){mac->mv_data, mac->mv_size},
				  add_key, c);
}

int ldb_query_guest(MDB_txn *txn, const struct ldb_dbis *dbis, const char *name, int want,
		    int64_t now, struct ldb_addrs *out)
{
	char folded[LDB_NAME_MAX + 1];
	struct name_ctx c = {txn, dbis, LDB_STR_NULL, want, now, out};
	struct ldb_str q, host;
	int n, r;

	n = ldb_name_fold(name, folded);
	if (n < 0)
		return 0;
	q = (struct ldb_str){folded, (size_t)n};
	/* Domain names may contain dots themselves: the whole name first. */
	r = ldb_db_foreach_dup(txn, dbis->guest, q, add_mac, &c);
	if (r == 0 && out->n == 0 && ldb_name_split(q, &host, &c.domain))
		r = ldb_db_foreach_dup(txn, dbis->guest, host, add_mac, &c);
	if (r < 0)
		return r;
	ldb_addrs_sort(out);
	return 0;
}

static int first_val(const MDB_val *v, void *p)
{
	struct ldb_str *s = p;

	s->p = v->mv_data;
	s->len = v->mv_size;
	return 1;
}

int ldb_query_guest_of(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l,
		       struct ldb_str *domain)
{
	int r;

	*domain = LDB_STR_NULL;
	r = ldb_db_foreach_dup(txn, dbis->guestmac, l->mac, first_val, domain);
	if (r < 0)
		return r;
	return domain->len ? 0 : -ENOENT;
}

int ldb_query_addr(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                   int64_t now, struct ldb_lease *out)
{
	int r = ldb_db_get(txn, dbis, family, addr, out);

	if (r < 0)
		return r;
	if (expired(out->expiry, now) || out->hostname.len == 0)
		return -ENOENT;
	return 0;
}
