/* The event transaction (write/transaction.c): one dnsmasq event, one
 * write transaction on the master, with libvirt's status file imported
 * and kept. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "store/mdb-errno.h"
#include "store/tables.h"
#include "tests/unit/tap.h"
#include "tests/unit/write/fake-env.h"
#include "write/master.h"
#include "write/status.h"
#include "write/transaction.h"

static struct ldb_master *m;
static struct ldb_event ev;
static struct ldb_event_kept kept;

/* Parse "action args..." with env and run the transaction. */
static int event(const struct ldb_libvirt_target *lv, const char **env, int nargs,
                 char *const *args, uint64_t *txnid)
{
	static const struct ldb_libvirt_target none;
	char err[256];
	uint64_t id = 0;
	int r;

	fake_env = env;
	r = ldb_event_parse(nargs, args, getenv_fake, &ev, err, sizeof(err));
	if (r < 0) {
		printf("# parse: %s\n", err);
		return r;
	}
	r = ldb_event_transaction(m, &ev, &kept, lv ? lv : &none, &id);
	if (txnid)
		*txnid = id;
	return r;
}

/* The stored lease at text on iface, its fields copied out; -ENOENT if
 * none. */
struct stored {
	char host[64], mac[64], iface[16];
};

static int stored(const char *iface, const char *text, struct stored *s)
{
	struct ldb_lease l;
	uint8_t addr[16] = {0};
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	MDB_txn *txn;
	int r;

	inet_pton(family, text, addr);
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_lease_get(txn, &m->dbis, family, addr, ldb_str_from(iface), &l);
	if (r == 0 && s)
		r = ldb_str_copy(s->host, sizeof(s->host), l.hostname) ||
		    ldb_str_copy(s->mac, sizeof(s->mac), l.mac) ||
		    ldb_str_copy(s->iface, sizeof(s->iface), l.iface);
	mdb_txn_abort(txn);
	return r;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/ldb-test-transaction.XXXXXX", mdir[64], lvdir[64], path[128];
	const char *env_v4[] = {"DNSMASQ_INTERFACE=br0", "DNSMASQ_LEASE_EXPIRES=0", NULL};
	const char *env_noif[] = {"DNSMASQ_LEASE_EXPIRES=0", NULL};
	const char *env_v6[] = {"DNSMASQ_INTERFACE=br0", "DNSMASQ_LEASE_EXPIRES=0",
	                        "DNSMASQ_IAID=7", "DNSMASQ_MAC=52:54:00:00:00:06", NULL};
	const char *env_v6_nomac[] = {"DNSMASQ_INTERFACE=br0", "DNSMASQ_LEASE_EXPIRES=0",
	                              "DNSMASQ_IAID=7", NULL};
	const char *env_lv[] = {"DNSMASQ_INTERFACE=virbr0", "DNSMASQ_LEASE_EXPIRES=0", NULL};
	struct ldb_libvirt_target lv;
	struct stored s;
	uint64_t t1, t2, before;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	snprintf(mdir, sizeof(mdir), "%s/master", dir);
	snprintf(lvdir, sizeof(lvdir), "%s/libvirt", dir);
	if (ldb_master_open_writable(mdir, &m) < 0) {
		printf("Bail out! cannot create a master in %s\n", mdir);
		return 1;
	}

	is_int(event(NULL, env_v4, 4, (char *[]){"add", "52:54:00:00:00:01", "10.0.0.1", "alpha"},
	             &t1),
	       0, "add: recorded");
	ok(stored("br0", "10.0.0.1", &s) == 0 && strcmp(s.host, "alpha") == 0 &&
	       strcmp(s.mac, "52:54:00:00:00:01") == 0 && strcmp(s.iface, "br0") == 0,
	   "add: the lease has the event's hostname, MAC and interface");
	ok(t1 != 0 && ldb_master_txn(m) == t1,
	   "add: one write transaction, the one whose id is returned (%llu)",
	   (unsigned long long)t1);

	is_int(event(NULL, env_noif, 4, (char *[]){"old", "52:54:00:00:00:01", "10.0.0.1", "beta"},
	             &t2),
	       0, "old without DNSMASQ_INTERFACE: recorded");
	ok(stored("br0", "10.0.0.1", &s) == 0 && strcmp(s.host, "beta") == 0 &&
	       strcmp(s.iface, "br0") == 0,
	   "old without DNSMASQ_INTERFACE: new hostname, the stored interface kept");
	is_int(t2, t1 + 1, "old: the next write transaction, exactly one");

	is_int(event(NULL, env_v6, 4, (char *[]){"add", "00:01:02", "fd00::6", "gamma"}, NULL), 0,
	       "IPv6 add with DNSMASQ_MAC: recorded");
	is_int(
	    event(NULL, env_v6_nomac, 4, (char *[]){"old", "00:01:02", "fd00::6", "gamma"}, NULL),
	    0, "IPv6 old without DNSMASQ_MAC: recorded");
	ok(stored("br0", "fd00::6", &s) == 0 && strcmp(s.mac, "52:54:00:00:00:06") == 0,
	   "IPv6 old without DNSMASQ_MAC: the stored MAC kept");

	before = ldb_master_txn(m);
	is_int(event(NULL, env_v4, 1, (char *[]){"init"}, NULL), 0, "init: no error");
	ok(stored("br0", "10.0.0.1", NULL) == 0 && stored("br0", "fd00::6", NULL) == 0,
	   "init: every lease still there");

	is_int(event(NULL, env_v4, 3, (char *[]){"del", "52:54:00:00:00:01", "10.0.0.1"}, NULL), 0,
	       "del: done");
	is_int(stored("br0", "10.0.0.1", NULL), -ENOENT, "del: the lease is gone");
	ok(stored("br0", "fd00::6", NULL) == 0, "del: other leases stay");
	is_int(event(NULL, env_v4, 3, (char *[]){"del", "52:54:00:00:00:09", "10.0.0.9"}, NULL), 0,
	       "del of an address with no lease: not an error");
	/* LMDB commits a write transaction that changed nothing without a new
	 * transaction id: init and the del of nothing leave no trace. */
	is_int(ldb_master_txn(m), before + 1,
	       "only the del that removed a lease wrote to the master");

	/* The same address on two interfaces: two leases. */
	{
		const char *br0[] = {"DNSMASQ_INTERFACE=br0", "DNSMASQ_LEASE_EXPIRES=0", NULL};
		const char *br1[] = {"DNSMASQ_INTERFACE=br1", "DNSMASQ_LEASE_EXPIRES=0", NULL};
		const char *vir1[] = {"VIR_BRIDGE_NAME=br1", "DNSMASQ_LEASE_EXPIRES=0", NULL};

		is_int(event(NULL, br0, 4,
		             (char *[]){"add", "52:54:00:00:07:a0", "10.0.7.1", "seven-a"}, NULL),
		       0, "two interfaces: add on br0");
		is_int(event(NULL, br1, 4,
		             (char *[]){"add", "52:54:00:00:07:b1", "10.0.7.1", "seven-b"}, NULL),
		       0, "two interfaces: add of the same address on br1");
		ok(stored("br0", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-a") == 0,
		   "two interfaces: br0's lease kept");
		ok(stored("br1", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-b") == 0,
		   "two interfaces: br1's lease beside it");
		is_int(event(NULL, br1, 4,
		             (char *[]){"old", "52:54:00:00:07:b1", "10.0.7.1", "seven-b2"}, NULL),
		       0, "two interfaces: old on br1");
		ok(stored("br0", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-a") == 0,
		   "two interfaces: old on br1 leaves br0's lease alone");
		ok(stored("br1", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-b2") == 0,
		   "two interfaces: old on br1 changes br1's");
		is_int(event(NULL, env_noif, 4,
		             (char *[]){"old", "52:54:00:00:07:a0", "10.0.7.1", "seven-a2"}, NULL),
		       0, "two interfaces: old naming no interface");
		ok(stored("br0", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-a2") == 0 &&
		       stored("br1", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-b2") == 0,
		   "two interfaces: ... changes the lease whose MAC it names, only that one");
		is_int(stored("", "10.0.7.1", NULL), -ENOENT,
		       "two interfaces: ... and records no third, interface-less lease");
		is_int(event(NULL, env_noif, 3, (char *[]){"del", "52:54:00:00:07:ff", "10.0.7.1"},
		             NULL),
		       0, "two interfaces: del naming no interface and neither client");
		ok(stored("br0", "10.0.7.1", NULL) == 0 && stored("br1", "10.0.7.1", NULL) == 0,
		   "two interfaces: ... deletes neither (no way to tell which)");
		is_int(
		    event(NULL, br0, 3, (char *[]){"del", "52:54:00:00:07:a0", "10.0.7.1"}, NULL),
		    0, "two interfaces: del on br0");
		is_int(stored("br0", "10.0.7.1", NULL), -ENOENT,
		       "two interfaces: br0's lease gone");
		ok(stored("br1", "10.0.7.1", &s) == 0 && strcmp(s.host, "seven-b2") == 0,
		   "two interfaces: del on br0 never touches br1's");
		is_int(
		    event(NULL, vir1, 3, (char *[]){"del", "52:54:00:00:07:b1", "10.0.7.1"}, NULL),
		    0, "two interfaces: del on br1 named by VIR_BRIDGE_NAME");
		is_int(stored("br1", "10.0.7.1", NULL), -ENOENT,
		       "two interfaces: br1's lease gone");

		/* A lease recorded before its interface was known. */
		is_int(event(NULL, env_noif, 4,
		             (char *[]){"old", "52:54:00:00:08:00", "10.0.8.1", "eight"}, NULL),
		       0, "no interface yet: recorded");
		ok(stored("", "10.0.8.1", NULL) == 0, "no interface yet: without one");
		is_int(event(NULL, br0, 4,
		             (char *[]){"old", "52:54:00:00:08:00", "10.0.8.1", "eight"}, NULL),
		       0, "no interface yet: then an event naming it");
		ok(stored("br0", "10.0.8.1", NULL) == 0 && stored("", "10.0.8.1", NULL) == -ENOENT,
		   "no interface yet: the lease moved to its interface, none left behind");
		is_int(event(NULL, env_noif, 3, (char *[]){"del", "52:54:00:00:08:00", "10.0.8.1"},
		             NULL),
		       0, "no interface: del of the only lease at the address");
		is_int(stored("br0", "10.0.8.1", NULL), -ENOENT, "no interface: ... deletes it");

		/* IPv6: DNSMASQ_MAC left out as the lease moves to its interface. */
		{
			const char *v6_noif[] = {"DNSMASQ_LEASE_EXPIRES=0", "DNSMASQ_IAID=8",
			                         "DNSMASQ_MAC=52:54:00:00:08:06", NULL};
			const char *v6_br0[] = {"DNSMASQ_INTERFACE=br0", "DNSMASQ_LEASE_EXPIRES=0",
			                        "DNSMASQ_IAID=8", NULL};

			is_int(event(NULL, v6_noif, 4,
			             (char *[]){"old", "00:01:08", "fd00::8", "eight6"}, NULL),
			       0, "no interface yet, IPv6: recorded with its MAC");
			is_int(event(NULL, v6_br0, 4,
			             (char *[]){"old", "00:01:08", "fd00::8", "eight6"}, NULL),
			       0, "no interface yet, IPv6: then an event naming it, without a MAC");
			ok(stored("br0", "fd00::8", &s) == 0 &&
			       strcmp(s.mac, "52:54:00:00:08:06") == 0 &&
			       stored("", "fd00::8", NULL) == -ENOENT,
			   "no interface yet, IPv6: moved to its interface with its stored MAC");
		}
	}

	/* libvirt: the bridge's status file is imported on its first event. */
	if (mkdir(lvdir, 0755) < 0) {
		printf("Bail out! mkdir %s\n", lvdir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/virbr0.status", lvdir);
	write_file(path, "[{\"ip-address\": \"192.168.122.3\", \"mac-address\": "
	                 "\"52:54:00:00:00:03\", \"hostname\": \"imported\", "
	                 "\"expiry-time\": 0}]\n");
	lv = (struct ldb_libvirt_target){lvdir, "virbr0"};
	is_int(event(&lv, env_lv, 4,
	             (char *[]){"add", "52:54:00:00:00:04", "192.168.122.4", "fresh"}, NULL),
	       0, "libvirt: first event on the bridge recorded");
	/* Without the file's name: .status also holds names dnsmasq refused. */
	ok(stored("virbr0", "192.168.122.3", &s) == 0 && strcmp(s.host, "") == 0 &&
	       strcmp(s.iface, "virbr0") == 0,
	   "libvirt: the status file's lease imported, on the bridge, without its name");
	ok(stored("virbr0", "192.168.122.4", NULL) == 0, "libvirt: the event's lease recorded too");
	is_int(event(&lv, env_lv, 3, (char *[]){"del", "52:54:00:00:00:03", "192.168.122.3"}, NULL),
	       0, "libvirt: del of the imported lease");
	is_int(event(&lv, env_lv, 4,
	             (char *[]){"old", "52:54:00:00:00:04", "192.168.122.4", "fresh"}, NULL),
	       0, "libvirt: a later event on the bridge");
	is_int(stored("virbr0", "192.168.122.3", NULL), -ENOENT,
	       "libvirt: imported once only (the deleted lease does not come back)");

	/* Another bridge's status file with an address virbr0 also has: the
	 * takeover keeps both. */
	{
		const char *env_lv1[] = {"DNSMASQ_INTERFACE=virbr1", "DNSMASQ_LEASE_EXPIRES=0",
		                         NULL};
		char path1[160];

		snprintf(path1, sizeof(path1), "%s/virbr1.status", lvdir);
		write_file(path1, "[{\"ip-address\": \"192.168.122.4\", \"mac-address\": "
		                  "\"52:54:00:00:01:04\", \"hostname\": \"other-net\", "
		                  "\"expiry-time\": 0}]\n");
		lv = (struct ldb_libvirt_target){lvdir, "virbr1"};
		is_int(event(&lv, env_lv1, 4,
		             (char *[]){"add", "52:54:00:00:01:05", "192.168.122.5", "v1"}, NULL),
		       0, "libvirt: first event on a second bridge");
		ok(stored("virbr1", "192.168.122.4", &s) == 0 && strcmp(s.host, "") == 0,
		   "libvirt: its status file's lease imported on virbr1");
		ok(stored("virbr0", "192.168.122.4", &s) == 0 && strcmp(s.host, "fresh") == 0,
		   "libvirt: virbr0's lease at the same address kept beside it");
		lv = (struct ldb_libvirt_target){lvdir, "virbr0"};
	}

	/* Forgetting a bridge's status file: the next event imports it as if
	 * it were the first time. */
	{
		MDB_txn *txn;
		struct ldb_str v;
		int r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));

		if (r == 0)
			r = ldb_status_forget(txn, &m->dbis, "virbr0");
		if (r == 0)
			r = ldb_mdb_errno(mdb_txn_commit(txn));
		is_int(r, 0, "libvirt: forget virbr0's status file");
		r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));
		ok(r == 0 && ldb_meta_get(txn, &m->dbis, LDB_META_STATUS "virbr0", &v) == -ENOENT &&
		       ldb_meta_get(txn, &m->dbis, LDB_META_IMPORTED "virbr0", &v) == -ENOENT &&
		       ldb_meta_get(txn, &m->dbis, LDB_META_STATUS "virbr1", &v) == 0,
		   "libvirt: ... its state is gone, virbr1's kept");
		if (r == 0)
			mdb_txn_abort(txn);
		write_file(path, "[{\"ip-address\": \"192.168.122.9\", \"mac-address\": "
		                 "\"52:54:00:00:00:09\", \"hostname\": \"after\", "
		                 "\"expiry-time\": 0}]\n");
		is_int(event(&lv, env_lv, 4,
		             (char *[]){"add", "52:54:00:00:00:0a", "192.168.122.10", "ten"}, NULL),
		       0, "libvirt: an event after forgetting");
		ok(stored("virbr0", "192.168.122.9", &s) == 0 && strcmp(s.host, "") == 0 &&
		       stored("virbr0", "192.168.122.4", NULL) == 0,
		   "libvirt: ... imports the file again (as a first import: added)");
	}

	/* A status file that is not a JSON array: moved aside, the event
	 * recorded, the file written anew. */
	write_file(path, "{not json");
	ok(event(&lv, env_lv, 4, (char *[]){"add", "52:54:00:00:00:05", "192.168.122.5", "late"},
	         NULL) == 0,
	   "libvirt: an invalid status file does not fail the event");
	is_int(stored("virbr0", "192.168.122.5", NULL), 0, "libvirt: ... which is recorded");
	{
		char aside[300];

		snprintf(aside, sizeof(aside), "%s.invalid", path);
		ok(access(aside, F_OK) == 0, "libvirt: ... and the invalid file kept aside");
	}

	ldb_master_close(m);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
