#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/name.h"
#include "store/query.h"
#include "store/tables.h"

void ldb_addrs_free(struct ldb_addrs *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

int ldb_addrs_add(struct ldb_addrs *a, const struct ldb_lease *l, int64_t now)
{
	size_t alen = l->family == AF_INET ? 4 : 16;

	if (ldb_lease_expired(l->expiry, now))
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

/* The guest tables are complete in a delta, so they come from one place. */
static void guest_tables(const struct ldb_view *v, MDB_txn **txn, const struct ldb_dbis **dbis)
{
	*txn = v->dtxn ? v->dtxn : v->txn;
	*dbis = v->dtxn ? v->ddbis : v->dbis;
}

static int found(const MDB_val *val, void *p)
{
	(void)val;
	(void)p;
	return 1;
}

/* Is name a libvirt domain name? 1 yes, 0 no, or a negative errno. */
static int is_guest(const struct ldb_view *v, struct ldb_str name)
{
	const struct ldb_dbis *gd;
	MDB_txn *gt;

	guest_tables(v, &gt, &gd);
	return ldb_table_foreach_dup(gt, gd->guest, name, found, NULL);
}

static int same_mac(const MDB_val *val, void *p)
{
	const struct ldb_str *mac = p;

	return ldb_name_equal((struct ldb_str){val->mv_data, val->mv_size}, *mac) ? 1 : 0;
}

/* Does libvirt give domain this MAC? 1 yes, 0 no, or a negative errno. */
static int owns(const struct ldb_view *v, struct ldb_str domain, struct ldb_str mac)
{
	const struct ldb_dbis *gd;
	MDB_txn *gt;

	if (mac.len == 0)
		return 0;
	guest_tables(v, &gt, &gd);
	return ldb_table_foreach_dup(gt, gd->guest, domain, same_mac, &mac);
}

void ldb_name_query_init(const char *name, const char *self, struct ldb_name_query *q)
{
	struct ldb_str all, host, domain;
	int n;

	memset(q, 0, sizeof(*q));
	n = ldb_name_fold(name, q->name);
	if (n < 0)
		return; /* not a name any lease can have */
	all = (struct ldb_str){q->name, (size_t)n};
	if (!memchr(all.p, '.', all.len))
		host = all;
	else if (!ldb_name_split(all, &host, &domain))
		return;
	/* The rule the helper records names by: nothing else is answered,
	 * whatever a lease claims. */
	if (!ldb_name_served(host, self))
		return;
	q->len = all.len;
	q->host_len = host.len;
}

/* Domain names may contain dots themselves: the whole name counts, and
 * the host part of host.domain. Looked up only once a lease has the
 * queried hostname, so a miss (every DNS name) costs nothing here. */
static int find_guests(const struct ldb_view *v, struct ldb_name_query *q)
{
	int r;

	r = is_guest(v, (struct ldb_str){q->name, q->len});
	if (r < 0)
		return r;
	q->name_guest = r;
	if (q->host_len != q->len) {
		r = is_guest(v, (struct ldb_str){q->name, q->host_len});
		if (r < 0)
			return r;
		q->host_guest = r;
	}
	q->guests_known = true;
	return 0;
}

int ldb_name_query_match(const struct ldb_view *v, struct ldb_name_query *q,
                         const struct ldb_lease *l)
{
	struct ldb_str all = {q->name, q->len}, host = {q->name, q->host_len};
	int r;

	if (q->len == 0 || !ldb_name_equal(host, l->hostname))
		return 0;
	if (q->host_len != q->len &&
	    !ldb_name_equal((struct ldb_str){all.p + host.len + 1, all.len - host.len - 1},
	                    l->domain))
		return 0;
	if (!q->guests_known) {
		r = find_guests(v, q);
		if (r < 0)
			return r;
	}
	if (q->name_guest) {
		r = owns(v, all, l->mac);
		if (r <= 0)
			return r;
	}
	if (q->host_guest) {
		r = owns(v, host, l->mac);
		if (r <= 0)
			return r;
	}
	return 1;
}

struct name_ctx {
	const struct ldb_view *v;
	MDB_txn *txn; /* where the index entry was found */
	const struct ldb_dbis *dbis;
	bool base;                 /* entries from the base: skip what the delta overrides */
	struct ldb_name_query *nq; /* hostname module: what a lease must answer */
	struct ldb_str domain;     /* guest module: the lease's domain; empty: any */
	int want;
	int64_t now;
	struct ldb_addrs *out;
};

static int add_key(const MDB_val *key, void *p)
{
	struct name_ctx *c = p;
	struct ldb_lease l;
	struct ldb_str iface;
	uint8_t addr[16];
	int family, r;

	r = ldb_leasekey_parse(key->mv_data, key->mv_size, &family, addr, &iface);
	if (r < 0)
		return r;
	if (!(c->want & (family == AF_INET ? LDB_WANT_INET : LDB_WANT_INET6)))
		return 0;
	if (c->base) {
		r = ldb_view_overridden(c->v, key);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	r = ldb_lease_get_key(c->txn, c->dbis, key, &l);
	if (r == -ENOENT)
		return -EBADMSG; /* an index entry without its lease */
	if (r < 0)
		return r;
	if (c->nq) {
		r = ldb_name_query_match(c->v, c->nq, &l);
		if (r <= 0)
			return r;
	}
	if (c->domain.len && !ldb_name_equal(c->domain, l.domain))
		return 0;
	return ldb_addrs_add(c->out, &l, c->now);
}

/* fn over the values under key in table (name or mac), delta then base. */
static int each_index(struct name_ctx *c, size_t table, struct ldb_str key,
                      int (*fn)(const MDB_val *val, void *ctx))
{
	int r = 0;

	if (c->v->dtxn) {
		c->txn = c->v->dtxn;
		c->dbis = c->v->ddbis;
		c->base = false;
		r = ldb_table_foreach_dup(c->txn, *(const MDB_dbi *)((const char *)c->dbis + table),
		                          key, fn, c);
	}
	if (r < 0)
		return r;
	c->txn = c->v->txn;
	c->dbis = c->v->dbis;
	c->base = c->v->dtxn != NULL;
	return ldb_table_foreach_dup(c->txn, *(const MDB_dbi *)((const char *)c->dbis + table), key,
	                             fn, c);
}

int ldb_query_name(const struct ldb_view *v, const char *name, const char *self, int want,
                   int64_t now, struct ldb_addrs *out)
{
	struct ldb_name_query q;
	struct name_ctx c = {.v = v, .nq = &q, .want = want, .now = now, .out = out};
	int r;

	ldb_name_query_init(name, self, &q);
	if (q.len == 0)
		return 0;
	r = each_index(&c, offsetof(struct ldb_dbis, name), (struct ldb_str){q.name, q.host_len},
	               add_key);
	if (r < 0)
		return r;
	ldb_addrs_sort(out);
	return 0;
}

static int add_mac(const MDB_val *mac, void *p)
{
	struct name_ctx *c = p;
	struct name_ctx m = *c;

	return each_index(&m, offsetof(struct ldb_dbis, mac),
	                  (struct ldb_str){mac->mv_data, mac->mv_size}, add_key);
}

int ldb_query_guest(const struct ldb_view *v, const char *name, const char *self, int want,
                    int64_t now, struct ldb_addrs *out)
{
	char folded[LDB_NAME_MAX + 1];
	struct name_ctx c = {.v = v, .want = want, .now = now, .out = out};
	const struct ldb_dbis *gd;
	struct ldb_str q, host;
	MDB_txn *gt;
	int n, r;

	n = ldb_name_fold(name, folded);
	if (n < 0)
		return 0;
	q = (struct ldb_str){folded, (size_t)n};
	if (ldb_name_reserved(q, self))
		return 0;
	guest_tables(v, &gt, &gd);
	/* Domain names may contain dots themselves: the whole name first. */
	r = ldb_table_foreach_dup(gt, gd->guest, q, add_mac, &c);
	if (r == 0 && out->n == 0 && ldb_name_split(q, &host, &c.domain))
		r = ldb_table_foreach_dup(gt, gd->guest, host, add_mac, &c);
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

int ldb_query_guest_of(const struct ldb_view *v, const struct ldb_lease *l, struct ldb_str *domain)
{
	const struct ldb_dbis *gd;
	MDB_txn *gt;
	int r;

	*domain = LDB_STR_NULL;
	guest_tables(v, &gt, &gd);
	r = ldb_table_foreach_dup(gt, gd->guestmac, l->mac, first_val, domain);
	if (r < 0)
		return r;
	return domain->len ? 0 : -ENOENT;
}

/* The lease answering a reverse lookup: the same address may be leased on
 * several interfaces; the unexpired one with the newest expiry answers
 * (infinite counting as newest), on a tie the first in key order. */
struct addr_pick {
	int64_t now;
	struct ldb_lease *out;
	uint8_t key[LDB_LEASEKEY_MAX];
	size_t keylen; /* 0: none yet */
};

static bool newer(int64_t a, int64_t b)
{
	/* Map 0 (infinite) above every real time. */
	uint64_t ua = a == 0 ? UINT64_MAX : (uint64_t)a, ub = b == 0 ? UINT64_MAX : (uint64_t)b;

	return ua > ub;
}

static int key_cmp(const MDB_val *k, const uint8_t *b, size_t blen)
{
	size_t n = k->mv_size < blen ? k->mv_size : blen;
	int c = memcmp(k->mv_data, b, n);

	return c ? c : (k->mv_size > blen) - (k->mv_size < blen);
}

static int pick_addr(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct addr_pick *a = p;

	if (ldb_lease_expired(l->expiry, a->now) || key->mv_size > sizeof(a->key))
		return 0;
	if (a->keylen && !newer(l->expiry, a->out->expiry) &&
	    (l->expiry != a->out->expiry || key_cmp(key, a->key, a->keylen) > 0))
		return 0;
	*a->out = *l;
	memcpy(a->key, key->mv_data, key->mv_size);
	a->keylen = key->mv_size;
	return 0;
}

int ldb_query_addr(const struct ldb_view *v, int family, const uint8_t *addr, int64_t now,
                   struct ldb_lease *out)
{
	struct addr_pick a = {.now = now, .out = out};
	int r = ldb_view_foreach_addr(v, family, addr, pick_addr, &a);

	if (r < 0)
		return r;
	return a.keylen ? 0 : -ENOENT;
}
