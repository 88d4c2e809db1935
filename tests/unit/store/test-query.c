/* The queries (store/query.c) over a view: name rules, expiry, families,
 * order, libvirt domain names, and a delta over a base. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "store/mdb-errno.h"
#include "store/query.h"
#include "tests/unit/tap.h"
#include "write/master.h"
#include "write/tables.h"

#define NOW 1000000

static int put_on(MDB_txn *txn, struct ldb_master *m, const char *iface, const char *host,
                  const char *domain, const char *addr, const char *mac, int64_t expiry)
{
	struct ldb_lease l = {0};
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, addr, l.addr) != 1)
		return -EINVAL;
	l.family = (uint8_t)family;
	l.hostname = ldb_str_from(host);
	l.domain = ldb_str_from(domain);
	l.mac = ldb_str_from(mac);
	l.iface = ldb_str_from(iface);
	l.expiry = expiry;
	return ldb_lease_put(txn, &m->dbis, &l);
}

static int put(MDB_txn *txn, struct ldb_master *m, const char *host, const char *domain,
               const char *addr, const char *mac, int64_t expiry)
{
	return put_on(txn, m, "br0", host, domain, addr, mac, expiry);
}

/* The reverse lookup's answer: "hostname@interface", or the error. */
static const char *by_addr(const struct ldb_view *v, const char *text)
{
	static char out[128];
	uint8_t addr[16] = {0};
	struct ldb_lease l;
	int r;

	inet_pton(AF_INET, text, addr);
	r = ldb_query_addr(v, AF_INET, addr, NOW, &l);
	if (r < 0)
		snprintf(out, sizeof(out), "%s", strerror(-r));
	else
		snprintf(out, sizeof(out), "%.*s@%.*s", (int)l.hostname.len, l.hostname.p,
		         (int)l.iface.len, l.iface.p);
	return out;
}

/* The answer as text: "addr addr ...", in the order given. */
static const char *text(const struct ldb_addrs *a)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		char s[64];

		inet_ntop(a->v[i].family, a->v[i].addr, s, sizeof(s));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", s);
	}
	return buf;
}

static const char *by_name(const struct ldb_view *v, const char *name, int want)
{
	struct ldb_addrs a = {0};
	static char out[512];
	int r = ldb_query_name(v, name, "self", want, NOW, &a);

	snprintf(out, sizeof(out), "%s", r < 0 ? strerror(-r) : text(&a));
	ldb_addrs_free(&a);
	return out;
}

static const char *by_guest(const struct ldb_view *v, const char *name)
{
	struct ldb_addrs a = {0};
	static char out[512];
	int r = ldb_query_guest(v, name, "self", LDB_WANT_INET | LDB_WANT_INET6, NOW, &a);

	snprintf(out, sizeof(out), "%s", r < 0 ? strerror(-r) : text(&a));
	ldb_addrs_free(&a);
	return out;
}

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!ok(strcmp(g_, w_) == 0, __VA_ARGS__))                                         \
			printf("# got '%s', want '%s'\n", g_, w_);                                 \
	} while (0)

int main(void)
{
	char dir[] = "/tmp/ldb-test-query.XXXXXX", path[128];
	const int both = LDB_WANT_INET | LDB_WANT_INET6;
	struct ldb_master *m, *d;
	struct ldb_view v = {0};
	struct ldb_lease l;
	struct ldb_str dom;
	uint8_t addr[16] = {0};
	MDB_txn *txn;
	int r;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp failed\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/base", dir);
	r = ldb_master_open_writable(path, &m);
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r == 0)
		r = put(txn, m, "alpha", "lan.test", "10.0.0.1", "52:54:00:00:00:01", NOW + 10);
	if (r == 0) /* newer expiry: first */
		r = put(txn, m, "Alpha", "", "fd00::1", "52:54:00:00:00:01", NOW + 20);
	if (r == 0) /* infinite: newest of all */
		r = put(txn, m, "alpha", "", "10.0.0.2", "52:54:00:00:00:02", 0);
	if (r == 0)
		r = put(txn, m, "alpha", "", "10.0.0.3", "52:54:00:00:00:03", NOW - 1);
	if (r == 0)
		r = put(txn, m, "localhost", "", "10.0.0.4", "52:54:00:00:00:04", 0);
	if (r == 0)
		r = put(txn, m, "self", "", "10.0.0.5", "52:54:00:00:00:05", 0);
	/* libvirt domain "db" owns ...:06; a guest at ...:07 claims "db". */
	if (r == 0)
		r = put(txn, m, "db", "", "10.0.0.6", "52:54:00:00:00:06", 0);
	if (r == 0)
		r = put(txn, m, "db", "", "10.0.0.7", "52:54:00:00:00:07", 0);
	if (r == 0)
		r = put(txn, m, "gone", "", "10.0.0.9", "52:54:00:00:00:09", 0);
	/* The same address on two networks (libvirt's tests/nssdata has
	 * 192.168.122.3 on virbr0 and virbr1): two leases. */
	if (r == 0)
		r = put_on(txn, m, "br0", "twin-a", "", "10.0.1.1", "52:54:00:00:01:a1", NOW + 10);
	if (r == 0)
		r = put_on(txn, m, "br1", "twin-b", "", "10.0.1.1", "52:54:00:00:01:b1", NOW + 20);
	if (r == 0)
		r = put_on(txn, m, "br1", "twin", "", "10.0.1.2", "52:54:00:00:02:b1", 0);
	if (r == 0)
		r = put_on(txn, m, "br0", "twin", "", "10.0.1.2", "52:54:00:00:02:a1", 0);
	if (r == 0)
		r = put_on(txn, m, "br0", "inf", "", "10.0.1.3", "52:54:00:00:03:a1", 0);
	if (r == 0)
		r = put_on(txn, m, "br1", "fin", "", "10.0.1.3", "52:54:00:00:03:b1", NOW + 50);
	if (r == 0)
		r = put_on(txn, m, "br0", "old-a", "", "10.0.1.4", "52:54:00:00:04:a1", NOW - 5);
	if (r == 0)
		r = put_on(txn, m, "br1", "live-b", "", "10.0.1.4", "52:54:00:00:04:b1", NOW + 5);
	if (r == 0)
		r = ldb_guest_put(txn, &m->dbis, ldb_str_from("db"),
		                  ldb_str_from("52:54:00:00:00:06"));
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &v.txn));
	if (r < 0) {
		printf("Bail out! cannot build the test database: %s\n", strerror(-r));
		return 1;
	}
	v.dbis = &m->dbis;

	is_str(by_name(&v, "alpha", both), "10.0.0.2 fd00::1 10.0.0.1",
	       "name: every unexpired address, infinite first, then newest expiry");
	is_str(by_name(&v, "ALPHA.", both), "10.0.0.2 fd00::1 10.0.0.1",
	       "name: case-insensitive, trailing dot ignored");
	is_str(by_name(&v, "alpha", LDB_WANT_INET), "10.0.0.2 10.0.0.1", "name: IPv4 only");
	is_str(by_name(&v, "alpha", LDB_WANT_INET6), "fd00::1", "name: IPv6 only");
	is_str(by_name(&v, "alpha.lan.test", both), "10.0.0.1",
	       "name: host.domain answers only the lease with that domain");
	is_str(by_name(&v, "alpha.other.test", both), "", "name: another domain answers nothing");
	is_str(by_name(&v, "localhost", both), "", "name: a reserved name answers nothing");
	is_str(by_name(&v, "self", both), "", "name: this host's own name answers nothing");
	is_str(by_name(&v, "db", both), "10.0.0.6",
	       "name: a libvirt domain name only with that domain's MACs");
	is_str(by_name(&v, "nobody", both), "", "name: an unknown name answers nothing");
	is_str(by_name(&v, "bad name", both), "", "name: not a name answers nothing");
	is_str(by_guest(&v, "db"), "10.0.0.6", "guest: the domain's MAC's leases");
	is_str(by_guest(&v, "DB.lan.test"), "",
	       "guest: host.domain needs a lease with that domain");
	is_str(by_guest(&v, "localhost"), "", "guest: reserved names answer nothing");

	inet_pton(AF_INET, "10.0.0.6", addr);
	ok(ldb_query_addr(&v, AF_INET, addr, NOW, &l) == 0 && l.hostname.len == 2,
	   "addr: the lease at an address");
	ok(ldb_query_guest_of(&v, &l, &dom) == 0 && dom.len == 2 && memcmp(dom.p, "db", 2) == 0,
	   "guest_of: the domain owning the lease's MAC");
	inet_pton(AF_INET, "10.0.0.3", addr);
	is_int(ldb_query_addr(&v, AF_INET, addr, NOW, &l), -ENOENT,
	       "addr: an expired lease is none");
	inet_pton(AF_INET, "10.0.0.8", addr);
	is_int(ldb_query_addr(&v, AF_INET, addr, NOW, &l), -ENOENT, "addr: no lease, none");

	is_str(by_name(&v, "twin-a", both), "10.0.1.1",
	       "two networks: the lease on one interface answers its name");
	is_str(by_name(&v, "twin-b", both), "10.0.1.1",
	       "two networks: the lease on the other interface, same address, answers its own");
	is_str(by_name(&v, "twin", both), "10.0.1.2",
	       "two networks: one name on both, the address once");
	is_str(by_addr(&v, "10.0.1.1"), "twin-b@br1",
	       "two networks: reverse lookup answers the newest expiry");
	is_str(by_addr(&v, "10.0.1.3"), "inf@br0",
	       "two networks: reverse lookup, infinite counts as newest");
	is_str(by_addr(&v, "10.0.1.2"), "twin@br0",
	       "two networks: reverse lookup, equal expiries: the first interface by name");
	is_str(by_addr(&v, "10.0.1.4"), "live-b@br1",
	       "two networks: reverse lookup skips the expired one");

	/* A delta over this base: deletes 10.0.0.9, adds "gone" elsewhere. */
	snprintf(path, sizeof(path), "%s/delta", dir);
	r = ldb_master_open_writable(path, &d);
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(d->env, NULL, 0, &txn));
	if (r == 0)
		r = put(txn, d, "gone", "", "10.0.0.10", "52:54:00:00:00:0a", 0);
	for (int i = 9; r == 0 && i <= 10; i++) {
		uint8_t kb[LDB_LEASEKEY_MAX];
		MDB_val k = {0, kb}, one = {1, "1"};

		inet_pton(AF_INET, "10.0.0.0", addr);
		addr[3] = (uint8_t)i;
		k.mv_size = ldb_leasekey(AF_INET, addr, ldb_str_from("br0"), kb);
		r = ldb_mdb_errno(mdb_put(txn, d->dbis.changed, &k, &one, 0));
	}
	/* ... and deletes 10.0.1.1 on br1, not on br0. */
	if (r == 0) {
		uint8_t kb[LDB_LEASEKEY_MAX];
		MDB_val k = {0, kb}, one = {1, "1"};

		inet_pton(AF_INET, "10.0.1.1", addr);
		k.mv_size = ldb_leasekey(AF_INET, addr, ldb_str_from("br1"), kb);
		r = ldb_mdb_errno(mdb_put(txn, d->dbis.changed, &k, &one, 0));
	}
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(d->env, NULL, MDB_RDONLY, &v.dtxn));
	if (r < 0) {
		printf("Bail out! cannot build the delta: %s\n", strerror(-r));
		return 1;
	}
	v.ddbis = &d->dbis;
	is_str(by_name(&v, "gone", both), "10.0.0.10",
	       "delta: its lease answers, the base's lease it deletes does not");
	is_str(by_name(&v, "alpha", both), "10.0.0.2 fd00::1 10.0.0.1",
	       "delta: base leases it does not cover still answer");
	is_str(by_guest(&v, "db"), "", "delta: its (empty) guest tables replace the base's");
	is_str(by_name(&v, "twin-b", both), "",
	       "delta: deleting an address on one interface removes that lease");
	is_str(by_name(&v, "twin-a", both), "10.0.1.1",
	       "delta: ... and keeps the same address on the other interface");
	is_str(by_addr(&v, "10.0.1.1"), "twin-a@br0",
	       "delta: the reverse lookup answers from the lease left");

	mdb_txn_abort(v.dtxn);
	mdb_txn_abort(v.txn);
	ldb_master_close(d);
	ldb_master_close(m);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
