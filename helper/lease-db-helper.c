/*
 * lease-db-helper: dnsmasq's --dhcp-script. Records add/old/del events in
 * the master database, publishes a snapshot for the NSS modules, and
 * prints the stored leases back to dnsmasq on init.
 *
 * Exit status: 0 done (or action ignored), 1 usage, 2 invalid input
 * (nothing changed), 3 database or publishing failure.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "lib/event.h"
#include "lib/master.h"
#include "lib/paths.h"
#include "lib/publish.h"

#define PROG "lease-db-helper"

enum { EXIT_USAGE = 1, EXIT_INVALID = 2, EXIT_DB = 3 };

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " add|old|del MAC|DUID ADDRESS [HOSTNAME]\n"
	           "       " PROG " init\n"
	           "       " PROG " --help | --version\n"
	           "\n"
	           "dnsmasq's --dhcp-script: records DHCP leases for the leasedb NSS module.\n"
	           "Other actions are ignored. Lease details come from DNSMASQ_* variables.\n"
	           "\n"
	           "Environment:\n"
	           "  LEASE_DB_DIR       master database directory (default " LDB_MASTER_DIR ")\n"
	           "  LEASE_DB_SNAPSHOT  published snapshot (default " LDB_SNAPSHOT_PATH ")\n");
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static void die_db(const char *what, int r)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(-r));
}

/* Fields dnsmasq leaves out on some calls keep their stored value; they
 * are copied because the put below may rewrite the page they live on. */
struct kept {
	char iface[LDB_IFNAME_MAX + 1];
	char mac[LDB_MAC_MAX + 1];
};

static int keep_stored(MDB_txn *txn, struct ldb_master *m, struct ldb_event *ev, struct kept *k)
{
	struct ldb_lease old;
	int r;

	if (ev->have_iface && ev->have_mac)
		return 0;
	r = ldb_db_get(txn, &m->dbis, ev->lease.family, ev->lease.addr, &old);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!ev->have_iface) {
		r = ldb_str_copy(k->iface, sizeof(k->iface), old.iface);
		ev->lease.iface = ldb_str_from(k->iface);
	}
	if (r == 0 && !ev->have_mac && ldb_str_copy(k->mac, sizeof(k->mac), old.mac) == 0)
		ev->lease.mac = ldb_str_from(k->mac);
	return r;
}

static int apply(struct ldb_master *m, struct ldb_event *ev, uint64_t *txnid)
{
	struct kept k;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0)
		return r;
	*txnid = mdb_txn_id(txn);
	if (ev->action == LDB_ACTION_DEL) {
		r = ldb_db_del(txn, &m->dbis, ev->lease.family, ev->lease.addr);
		if (r == -ENOENT)
			r = 0;
	} else {
		r = keep_stored(txn, m, ev, &k);
		if (r == 0)
			r = ldb_db_put(txn, &m->dbis, &ev->lease);
		if (r == 0 && ev->server_duid.len)
			r = ldb_db_meta_put(txn, &m->dbis, "server-duid", ev->server_duid);
	}
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

struct init_ctx {
	struct ldb_str iface; /* empty: every lease */
	int family;
	FILE *out;
};

static int print_lease(const struct ldb_lease *l, void *p)
{
	struct init_ctx *c = p;
	char addr[INET6_ADDRSTRLEN];

	if (l->family != c->family)
		return 0;
	if (c->iface.len &&
	    (l->iface.len != c->iface.len || memcmp(l->iface.p, c->iface.p, c->iface.len) != 0))
		return 0;
	if (!inet_ntop(l->family, l->addr, addr, sizeof(addr)))
		return -errno;
	fprintf(c->out, "%" PRId64 " ", l->expiry);
	if (l->family == AF_INET)
		fprintf(c->out, "%.*s", (int)l->mac.len, l->mac.p);
	else
		fprintf(c->out, "%s%" PRIu32, (l->flags & LDB_LEASE_TEMPORARY) ? "T" : "", l->iaid);
	fprintf(c->out, " %s %.*s %.*s\n", addr, (int)(l->hostname.len ? l->hostname.len : 1),
	        l->hostname.len ? l->hostname.p : "*",
	        (int)(l->client_id.len ? l->client_id.len : 1),
	        l->client_id.len ? l->client_id.p : "*");
	return 0;
}

/* dnsmasq's lease-file format: IPv4 leases, the server DUID, IPv6 leases. */
static int print_init(struct ldb_master *m, const struct ldb_event *ev)
{
	struct init_ctx c = {ev->lease.iface, AF_INET, stdout};
	struct ldb_str duid;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_db_foreach(txn, &m->dbis, print_lease, &c);
	if (r == 0) {
		r = ldb_db_meta_get(txn, &m->dbis, "server-duid", &duid);
		if (r == 0)
			printf("duid %.*s\n", (int)duid.len, duid.p);
		if (r == -ENOENT)
			r = 0;
	}
	c.family = AF_INET6;
	if (r == 0)
		r = ldb_db_foreach(txn, &m->dbis, print_lease, &c);
	mdb_txn_abort(txn);
	if (r == 0 && (fflush(stdout) == EOF || ferror(stdout)))
		r = -EIO;
	return r;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct ldb_master *m = NULL;
	struct ldb_event ev;
	char err[512];
	uint64_t txnid = 0;
	int c, r;

	/* '+': stop at the action, so nothing dnsmasq passes is an option. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	r = ldb_event_parse(argc - optind, argv + optind, env_get, &ev, err, sizeof(err));
	if (r == -E2BIG) {
		fprintf(stderr, PROG ": %s\n", err);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INVALID;
	}
	if (ev.action == LDB_ACTION_IGNORE)
		return 0;

	r = ldb_master_open(ldb_master_dir(), true, &m);
	if (r < 0) {
		fprintf(stderr, PROG ": master database %s: %s\n", ldb_master_dir(), strerror(-r));
		return EXIT_DB;
	}
	if (ev.action == LDB_ACTION_INIT) {
		r = print_init(m, &ev);
		if (r < 0)
			die_db("init", r);
		txnid = ldb_master_txn(m);
	} else {
		r = apply(m, &ev, &txnid);
		if (r < 0)
			die_db("recording the lease", r);
	}
	if (r == 0) {
		r = ldb_publish(m, ldb_snapshot_path(), txnid);
		if (r < 0)
			fprintf(stderr, PROG ": publishing %s: %s\n", ldb_snapshot_path(),
			        strerror(-r));
	}
	ldb_master_close(m);
	return r < 0 ? EXIT_DB : 0;
}
