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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "store/files.h"
#include "store/mdb-errno.h"
#include "store/tables.h"
#include "write/master.h"
#include "write/publish.h"
#include "write/transaction.h"

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

static void fail_db(const char *what, int r)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(-r));
}

struct init_ctx {
	struct ldb_str iface; /* empty: every lease */
	int family;
	FILE *out;
	struct ldb_str duid; /* out: first IPv6 lease's server DUID */
	char duidbuf[LDB_HEXID_MAX + 1];
};

static bool on_iface(const struct init_ctx *c, const struct ldb_lease *l)
{
	return c->iface.len == 0 ||
	       (l->iface.len == c->iface.len && memcmp(l->iface.p, c->iface.p, c->iface.len) == 0);
}

static int find_duid(const struct ldb_lease *l, void *p)
{
	struct init_ctx *c = p;

	if (l->family != AF_INET6 || !on_iface(c, l) || l->server_duid.len == 0)
		return 0;
	if (ldb_str_copy(c->duidbuf, sizeof(c->duidbuf), l->server_duid) < 0)
		return -EBADMSG;
	c->duid = ldb_str_from(c->duidbuf);
	return 1;
}

static int print_lease(const struct ldb_lease *l, void *p)
{
	struct init_ctx *c = p;
	char addr[INET6_ADDRSTRLEN];

	if (l->family != c->family)
		return 0;
	if (!on_iface(c, l))
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
	struct init_ctx c = {.iface = ev->lease.iface, .family = AF_INET, .out = stdout};
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_lease_foreach(txn, &m->dbis, print_lease, &c);
	if (r == 0)
		r = ldb_lease_foreach(txn, &m->dbis, find_duid, &c);
	if (r == 1) {
		printf("duid %.*s\n", (int)c.duid.len, c.duid.p);
		r = 0;
	}
	c.family = AF_INET6;
	if (r == 0)
		r = ldb_lease_foreach(txn, &m->dbis, print_lease, &c);
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
	struct ldb_libvirt_target lv;
	struct ldb_event ev;
	struct ldb_event_kept kept; /* ev may point into it: lives as long as ev */
	char err[512];
	uint64_t txnid = 0;
	bool status_late = false;
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
	if (ev.reserved)
		fprintf(stderr,
		        PROG ": hostname '%s' is reserved (see lease-db-helper(8)); "
		             "lease recorded without it\n",
		        ev.reserved);

	r = ldb_master_open_writable(ldb_master_dir(), &m);
	if (r == -EPROTONOSUPPORT) {
		fprintf(stderr,
		        PROG ": master database %s was written by a newer lease-db (its layout is "
		             "newer than %d, the newest this helper knows); refusing to change it: "
		             "install that version again\n",
		        ldb_master_dir(), LDB_LAYOUT_VERSION);
		return EXIT_DB;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": master database %s: %s\n", ldb_master_dir(), strerror(-r));
		return EXIT_DB;
	}
	lv = ldb_libvirt_target_of(&ev);
	r = ldb_event_transaction(m, &ev, &kept, &lv, &txnid);
	/* Committed, .status not renamed: publish, then fail. */
	status_late = r > 0;
	if (r > 0)
		r = 0;
	if (r == 0 && ev.action == LDB_ACTION_INIT) {
		r = print_init(m, &ev);
		if (r < 0)
			fail_db("init", r);
	}
	if (r == 0) {
		r = ldb_publish(m, ldb_snapshot_path(), txnid);
		if (r < 0)
			fprintf(stderr, PROG ": publishing %s: %s\n", ldb_snapshot_path(),
			        strerror(-r));
	}
	ldb_master_close(m);
	return r < 0 || status_late ? EXIT_DB : 0;
}
