/* Upgrading a master in place (write/migrate.c): a master of layout 1
 * (leases keyed by address alone, as v0.1.0 wrote it), built here with
 * LMDB directly, is read as it is, migrated in one write transaction (an
 * aborted migration leaves it untouched, the next open migrates it),
 * and then keeps two leases of one address apart. A master of a newer
 * layout is refused and left alone. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "core/name.h"
#include "store/mdb-errno.h"
#include "store/query.h"
#include "store/tables.h"
#include "tests/unit/tap.h"
#include "write/master.h"
#include "write/migrate.h"
#include "write/tables.h"

#define NOW 1000000

struct old_lease {
	const char *addr, *iface, *host, *mac;
};

/* What v0.1.0 stored: address keys, records with their interface. */
static const struct old_lease old_leases[] = {
    {"192.168.122.3", "virbr0", "alpha", "52:54:00:00:00:03"},
    {"192.168.122.4", "", "nowhere", "52:54:00:00:00:04"},
    {"fd00::6", "virbr1", "six", "52:54:00:00:00:06"},
};
#define NOLD (sizeof(old_leases) / sizeof(old_leases[0]))

static int put_raw(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};

	return ldb_mdb_errno(mdb_put(txn, dbi, &key, &val, 0));
}

/* A layout 1 master in dir, written the way v0.1.0 wrote it. */
static int build_old(const char *dir, const unsigned char format[4])
{
	static const struct {
		const char *name;
		unsigned flags;
	} tables[] = {{"meta", 0},          {"lease", 0},           {"name", MDB_DUPSORT},
	              {"mac", MDB_DUPSORT}, {"guest", MDB_DUPSORT}, {"guestmac", MDB_DUPSORT},
	              {"pending", 0},       {"changed", 0}};
	MDB_dbi dbi[8];
	MDB_env *env;
	MDB_txn *txn;
	uint64_t base_id = 42;
	char cmd[256];
	int r;

	snprintf(cmd, sizeof(cmd), "mkdir -p -m 0700 '%s'", dir);
	if (system(cmd) != 0)
		return -EIO;
	r = ldb_mdb_errno(mdb_env_create(&env));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(env, 12));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(env, dir, 0, 0600));
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(env, NULL, 0, &txn));
	if (r < 0)
		goto out;
	for (size_t i = 0; i < 8 && r == 0; i++)
		r = ldb_mdb_errno(
		    mdb_dbi_open(txn, tables[i].name, tables[i].flags | MDB_CREATE, &dbi[i]));
	if (r == 0)
		r = put_raw(txn, dbi[0], "format", 6, format, 4);
	if (r == 0)
		r = put_raw(txn, dbi[0], "base-id", 7, &base_id, sizeof(base_id));
	for (size_t i = 0; i < NOLD && r == 0; i++) {
		struct ldb_lease l = {0};
		uint8_t key[LDB_ADDRKEY_MAX], rec[512];
		char folded[LDB_NAME_MAX + 1];
		size_t kl;
		int fam = strchr(old_leases[i].addr, ':') ? AF_INET6 : AF_INET, n;

		inet_pton(fam, old_leases[i].addr, l.addr);
		l.family = (uint8_t)fam;
		l.iface = ldb_str_from(old_leases[i].iface);
		l.hostname = ldb_str_from(old_leases[i].host);
		l.mac = ldb_str_from(old_leases[i].mac);
		l.expiry = 0;
		kl = ldb_addrkey(fam, l.addr, key);
		n = ldb_record_encode(&l, rec, sizeof(rec));
		r = n < 0 ? n : put_raw(txn, dbi[1], key, kl, rec, (size_t)n);
		if (r == 0) {
			n = ldb_name_index_key(l.hostname, folded);
			r = n < 0 ? n : put_raw(txn, dbi[2], folded, (size_t)n, key, kl);
		}
		if (r == 0) {
			n = ldb_name_index_key(l.mac, folded);
			r = n < 0 ? n : put_raw(txn, dbi[3], folded, (size_t)n, key, kl);
		}
		if (r == 0)
			r = put_raw(txn, dbi[6], key, kl, "1", 1);
	}
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(txn));
	else
		mdb_txn_abort(txn);
out:
	mdb_env_close(env);
	return r;
}

/* The layout, the number of leases and of pending keys, and whether the
 * master names a base, read with LMDB directly. */
struct shape {
	unsigned char format[4];
	size_t leases, pending, short_keys;
	int has_base_id;
};

static int shape_of(const char *dir, struct shape *s)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, lease, pending;
	MDB_cursor *c;
	MDB_val k = {6, "format"}, v;
	MDB_stat st;
	int r;

	memset(s, 0, sizeof(*s));
	r = ldb_mdb_errno(mdb_env_create(&env));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(env, 12));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(env, dir, MDB_RDONLY, 0600));
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		goto out;
	r = ldb_mdb_errno(mdb_dbi_open(txn, "meta", 0, &meta));
	if (r == 0)
		r = ldb_mdb_errno(mdb_dbi_open(txn, "lease", 0, &lease));
	if (r == 0)
		r = ldb_mdb_errno(mdb_dbi_open(txn, "pending", 0, &pending));
	if (r == 0)
		r = ldb_mdb_errno(mdb_get(txn, meta, &k, &v));
	if (r == 0 && v.mv_size == 4)
		memcpy(s->format, v.mv_data, 4);
	k = (MDB_val){7, "base-id"};
	if (r == 0)
		s->has_base_id = mdb_get(txn, meta, &k, &v) == 0;
	if (r == 0)
		r = ldb_mdb_errno(mdb_stat(txn, lease, &st));
	s->leases = st.ms_entries;
	if (r == 0)
		r = ldb_mdb_errno(mdb_stat(txn, pending, &st));
	s->pending = st.ms_entries;
	if (r == 0)
		r = ldb_mdb_errno(mdb_cursor_open(txn, lease, &c));
	if (r == 0) {
		int op = MDB_FIRST;

		while (mdb_cursor_get(c, &k, &v, op) == 0) {
			op = MDB_NEXT;
			if (k.mv_size == 5 || k.mv_size == 17)
				s->short_keys++;
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
out:
	mdb_env_close(env);
	return r;
}

/* "hostname@interface" answering a reverse lookup of text, or the error. */
static const char *by_addr(const struct ldb_view *v, const char *text)
{
	static char out[128];
	uint8_t addr[16] = {0};
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET, r;
	struct ldb_lease l;

	inet_pton(fam, text, addr);
	r = ldb_query_addr(v, fam, addr, NOW, &l);
	if (r < 0)
		snprintf(out, sizeof(out), "%s", strerror(-r));
	else
		snprintf(out, sizeof(out), "%.*s@%.*s", (int)l.hostname.len, l.hostname.p,
		         (int)l.iface.len, l.iface.p);
	return out;
}

static const char *by_name(const struct ldb_view *v, const char *name)
{
	static char out[256];
	struct ldb_addrs a = {0};
	size_t n = 0;
	int r = ldb_query_name(v, name, "self", LDB_WANT_INET | LDB_WANT_INET6, NOW, &a);

	out[0] = '\0';
	if (r < 0)
		snprintf(out, sizeof(out), "%s", strerror(-r));
	for (size_t i = 0; r == 0 && i < a.n; i++) {
		char s[64];

		inet_ntop(a.v[i].family, a.v[i].addr, s, sizeof(s));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? " " : "", s);
	}
	ldb_addrs_free(&a);
	return out;
}

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!ok(strcmp(g_, w_) == 0, __VA_ARGS__))                                         \
			printf("# got '%s', want '%s'\n", g_, w_);                                 \
	} while (0)

/* Queries through a read-only open of the master (lease-db-dump --master,
 * and any reader of a snapshot of that layout). */
static void check_reads(const char *dir, const char *when)
{
	struct ldb_master *m;
	struct ldb_view v = {0};
	int r = ldb_master_open_readonly(dir, &m);

	if (!ok(r == 0, "%s: the master opens read-only", when)) {
		printf("# %s\n", strerror(-r));
		return;
	}
	if (mdb_txn_begin(m->env, NULL, MDB_RDONLY, &v.txn) == 0) {
		v.dbis = &m->dbis;
		is_str(by_name(&v, "alpha"), "192.168.122.3", "%s: alpha resolves", when);
		is_str(by_name(&v, "nowhere"), "192.168.122.4",
		       "%s: a lease without an interface resolves", when);
		is_str(by_name(&v, "six"), "fd00::6", "%s: an IPv6 lease resolves", when);
		is_str(by_addr(&v, "192.168.122.3"), "alpha@virbr0", "%s: reverse lookup", when);
		is_str(by_addr(&v, "fd00::6"), "six@virbr1", "%s: IPv6 reverse lookup", when);
		mdb_txn_abort(v.txn);
	}
	ldb_master_close(m);
}

int main(void)
{
	static const unsigned char v1[4] = {1, 0, 0, 0}, v99[4] = {99, 0, 0, 0};
	char dir[] = "/tmp/ldb-test-migrate.XXXXXX", mdir[64], newer[64], cmd[128];
	struct ldb_master *m;
	struct ldb_dbis dbis;
	struct ldb_lease l;
	struct shape s;
	MDB_txn *txn;
	uint8_t a[16] = {0};
	uint64_t t;
	int r;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	snprintf(mdir, sizeof(mdir), "%s/master", dir);
	snprintf(newer, sizeof(newer), "%s/newer", dir);
	r = build_old(mdir, v1);
	if (r < 0) {
		printf("Bail out! cannot build a layout 1 master: %s\n", strerror(-r));
		return 1;
	}
	r = shape_of(mdir, &s);
	ok(r == 0 && s.format[0] == 1 && s.short_keys == NOLD,
	   "layout 1 master built: format 1, %zu address-only keys", s.short_keys);

	check_reads(mdir, "layout 1, before migrating");

	/* The migration is one write transaction: aborted, nothing of it
	 * remains (a helper killed mid-migration). */
	{
		MDB_env *env;

		r = ldb_mdb_errno(mdb_env_create(&env));
		if (r == 0)
			r = ldb_mdb_errno(mdb_env_set_maxdbs(env, LDB_MAXDBS));
		if (r == 0)
			r = ldb_mdb_errno(mdb_env_open(env, mdir, 0, 0600));
		if (r == 0)
			r = ldb_mdb_errno(mdb_txn_begin(env, NULL, 0, &txn));
		if (r == 0) {
			is_int(ldb_master_upgrade(txn, &dbis), 0, "migration inside a transaction");
			is_int(dbis.layout, LDB_LAYOUT_VERSION, "... reaches the current layout");
			mdb_txn_abort(txn);
		} else {
			printf("# %s\n", strerror(-r));
		}
		mdb_env_close(env);
	}
	ok(shape_of(mdir, &s) == 0 && s.format[0] == 1 && s.short_keys == NOLD &&
	       s.pending == NOLD && s.has_base_id,
	   "aborted migration: the master is still layout 1, keys, pending and base-id as they "
	   "were");

	/* The helper's open migrates. */
	r = ldb_master_open_writable(mdir, &m);
	if (!ok(r == 0, "open for writing migrates")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	is_int(m->dbis.layout, LDB_LAYOUT_VERSION, "migrated: the current layout");
	ldb_master_close(m);
	ok(shape_of(mdir, &s) == 0 && s.format[0] == LDB_LAYOUT_VERSION && s.format[1] == 0,
	   "migrated: meta format is %d", LDB_LAYOUT_VERSION);
	is_int((long long)s.leases, NOLD, "migrated: every lease kept");
	is_int((long long)s.short_keys, 1,
	       "migrated: only the lease without an interface keeps an address-only key");
	is_int((long long)s.pending, 0, "migrated: nothing pending (old-layout keys)");
	ok(!s.has_base_id, "migrated: no base named, so the next publication is a full base");
	check_reads(mdir, "migrated");

	r = ldb_master_open_writable(mdir, &m);
	if (!ok(r == 0, "reopened")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	t = ldb_master_txn(m);
	ldb_master_close(m);
	r = ldb_master_open_writable(mdir, &m);
	ok(r == 0 && ldb_master_txn(m) == t, "a migrated master is not migrated again");

	/* Keyed by interface now: the same address on virbr1 is another lease. */
	inet_pton(AF_INET, "192.168.122.3", a);
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r == 0) {
		struct ldb_lease n = {0};

		n.family = AF_INET;
		memcpy(n.addr, a, 4);
		n.iface = ldb_str_from("virbr1");
		n.hostname = ldb_str_from("beta");
		r = ldb_lease_put(txn, &m->dbis, &n);
		is_int(r, 0, "after migrating: the same address put on another interface");
		ok(ldb_lease_get(txn, &m->dbis, AF_INET, a, ldb_str_from("virbr0"), &l) == 0 &&
		       l.hostname.len == 5,
		   "after migrating: the migrated lease on virbr0 is still there");
		is_int(ldb_lease_del(txn, &m->dbis, AF_INET, a, ldb_str_from("virbr1")), 0,
		       "after migrating: del on virbr1");
		ok(ldb_lease_get(txn, &m->dbis, AF_INET, a, ldb_str_from("virbr0"), &l) == 0,
		   "after migrating: del on virbr1 leaves virbr0's lease");
		mdb_txn_abort(txn);
	}
	ldb_master_close(m);

	/* A master newer than this program: refused, not touched. */
	r = build_old(newer, v99);
	if (r < 0) {
		printf("Bail out! cannot build a layout 99 master: %s\n", strerror(-r));
		return 1;
	}
	is_int(ldb_master_open_writable(newer, &m), -EPROTONOSUPPORT,
	       "a newer layout: the writer refuses it");
	is_int(ldb_master_open_readonly(newer, &m), -EPROTONOSUPPORT,
	       "a newer layout: readers refuse it (UNAVAIL, never misread)");
	ok(shape_of(newer, &s) == 0 && s.format[0] == 99 && s.short_keys == NOLD && s.has_base_id &&
	       s.pending == NOLD,
	   "a newer layout: left as it was");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
