/*
 * lease-db-helper: dnsmasq's --dhcp-script. Records add/old/del events in
 * the master database, publishes a snapshot for the NSS modules, and
 * prints the stored leases back to dnsmasq on init.
 *
 * Exit status: 0 done (or action ignored; a field lease-db does not
 * serve is left out of the lease, with a warning), 1 usage, 2 a lease
 * that cannot be identified (MAC or client DUID, address, expiry or
 * interface invalid; nothing changed), 3 database or publishing failure.
 * init exits 0 whenever it could read the master (dnsmasq does not start
 * otherwise), with a warning for what it could not record or publish.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "store/files.h"
#include "store/mdb-errno.h"
#include "store/snapshot.h"
#include "store/tables.h"
#include "write/dirs.h"
#include "write/failure.h"
#include "write/master.h"
#include "write/publish.h"
#include "write/rebuild.h"
#include "write/report.h"
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

/* dnsmasq's lease-file format: IPv4 leases, the server DUID, IPv6 leases,
 * from one view (the master's read transaction, or the published
 * snapshot), written to out. */
static int print_leases(const struct ldb_view *v, const struct ldb_event *ev, FILE *out)
{
	struct init_ctx c = {.iface = ev->lease.iface, .family = AF_INET, .out = out};
	int r;

	r = ldb_view_foreach(v, print_lease, &c);
	if (r == 0)
		r = ldb_view_foreach(v, find_duid, &c);
	if (r == 1) {
		fprintf(out, "duid %.*s\n", (int)c.duid.len, c.duid.p);
		r = 0;
	}
	c.family = AF_INET6;
	if (r == 0)
		r = ldb_view_foreach(v, print_lease, &c);
	return r;
}

static int print_master(struct ldb_master *m, const struct ldb_event *ev, FILE *out,
                        uint64_t *txnid)
{
	struct ldb_view v = {.dbis = &m->dbis};
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &v.txn));
	if (r < 0)
		return r;
	*txnid = mdb_txn_id(v.txn);
	r = print_leases(&v, ev, out);
	mdb_txn_abort(v.txn);
	return r;
}

/* A master opened without a reader slot (unlocked, see
 * ldb_master_open_nowrite()) is read into memory and printed only once no
 * writer elsewhere can have reused a page the read saw; a locked one is
 * printed at once. */
static int print_init(struct ldb_master *m, const struct ldb_event *ev, bool unlocked)
{
	uint64_t txnid = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int r = -EAGAIN;

	/* Read whole before printing: a read liblmdb fails half way
	 * (MDB_CORRUPTED, MDB_PAGE_NOTFOUND) leaves nothing printed, and init
	 * gives the snapshot's leases instead. */
	for (int i = 0; i < (unlocked ? 16 : 1) && r == -EAGAIN; i++) {
		mem = open_memstream(&buf, &len);
		if (!mem)
			return -errno;
		txnid = 0;
		r = print_master(m, ev, mem, &txnid);
		if (fclose(mem) == EOF && r == 0)
			r = -errno;
		/* A page reused under the read makes it fail as well as lie
		 * (MDB_PAGE_NOTFOUND, MDB_CORRUPTED, a record that does not
		 * decode): either way an unstable read is taken again. */
		if (unlocked && r != -ENOMEM && !ldb_master_read_stable(m, txnid))
			r = -EAGAIN;
		if (r == 0 && fwrite(buf, 1, len, stdout) != len)
			r = -EIO;
		free(buf);
		buf = NULL;
	}
	if (r == 0 && (fflush(stdout) == EOF || ferror(stdout)))
		r = -EIO;
	return r;
}

static bool master_exists(void)
{
	char data[PATH_MAX];
	struct stat st;

	return ldb_master_data_path(ldb_master_dir(), data, sizeof(data)) < 0 ||
	       lstat(data, &st) == 0 || errno != ENOENT;
}

/* No master, but a published snapshot that came from one (a deleted
 * master directory, a bad restore, /var/lib not mounted): a new empty
 * master would hand dnsmasq no lease and publish that, so the new master
 * is built from the snapshot first (names and leases from it alone:
 * write/rebuild.h), with one warning line. Administrators who mean to
 * start afresh remove the snapshot too (see lease-db-admin(8)). A failure
 * (printed) leaves things as they were and is returned: the event is
 * refused rather than start an empty master over the snapshot's leases,
 * and init gives dnsmasq the snapshot's leases. */
static int rebuild_missing(void)
{
	struct ldb_rebuild_opts o = {.snapshot_only = true};
	const char *dir = ldb_master_dir(), *snap = ldb_snapshot_path();
	char aside[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	if (master_exists() || !ldb_rebuild_snapshot_has_master(snap))
		return 0;
	o.report = open_memstream(&text, &len);
	if (!o.report)
		return -errno;
	r = ldb_rebuild(dir, &o, false, aside, sizeof(aside));
	if (fclose(o.report) != 0 && r == 0)
		r = -errno;
	if (r == 0) {
		/* One line in dnsmasq's log. */
		for (size_t i = 0; i < len; i++)
			if (text[i] == '\n')
				text[i] = i + 1 < len ? ';' : '\0';
		fprintf(stderr,
		        PROG
		        ": warning: no master database in %s, but the published snapshot %s came "
		        "from one: rebuilt the master from it (%s)\n",
		        dir, snap, text);
	}
	free(text);
	/* -EEXIST: another helper's rebuild (or creation) got there first. */
	return r == -EEXIST ? 0 : r;
}

/* A damaged master must not keep dnsmasq from starting: init hands it the
 * leases the published snapshot holds (the last ones lookups saw), changes
 * nothing and exits 0. Every other event is refused until the master is
 * rebuilt. */
static int init_from_snapshot(const struct ldb_event *ev)
{
	struct ldb_snapshot *snap = NULL;
	struct ldb_view v;
	int r;

	r = ldb_snapshot_open(ldb_snapshot_path(), &snap);
	if (r == -ENOENT) {
		fprintf(stderr, PROG ": init: no published snapshot %s either: no lease to give\n",
		        ldb_snapshot_path());
		return 0;
	}
	if (r == 0)
		r = ldb_snapshot_begin(snap, &v);
	if (r == 0) {
		r = print_leases(&v, ev, stdout);
		ldb_snapshot_end(&v);
	}
	ldb_snapshot_close(snap);
	/* Even then dnsmasq starts: without its leases rather than not at all. */
	if (r < 0) {
		fprintf(stderr,
		        PROG ": init: reading the published snapshot %s: %s; no lease given\n",
		        ldb_snapshot_path(), strerror(-r));
		return 0;
	}
	fprintf(stderr, PROG ": init: gave dnsmasq the leases of the published snapshot %s\n",
	        ldb_snapshot_path());
	return 0;
}

/* The master in dir could not be read (why): the snapshot's leases. */
static int init_unreadable(const struct ldb_event *ev, const char *dir, const char *why)
{
	fprintf(stderr,
	        PROG ": master database %s/%s cannot be read: %s; dnsmasq gets the published "
	             "snapshot's leases; make it readable or rebuild it with `%s`\n",
	        dir, LDB_MASTER_DATA, why, LDB_MASTER_RECOVERY);
	return init_from_snapshot(ev);
}

/* init: dnsmasq starts only when this exits 0, so whatever cannot be
 * recorded (libvirt's .status import) or published is a warning; only a
 * master that cannot be read (or a newer layout) is exit 3. */
static int run_init(struct ldb_event *ev)
{
	const char *dir = ldb_master_dir(), *snap = ldb_snapshot_path();
	struct ldb_master *m = NULL;
	struct ldb_libvirt_target lv;
	struct ldb_event_kept kept;
	char why[PATH_MAX + 64];
	uint64_t txnid = 0;
	uid_t owner;
	int r, rw_err;

	if (rebuild_missing() < 0) {
		fprintf(stderr,
		        PROG ": warning: no master database in %s and none can be made there from "
		             "the published snapshot (above): dnsmasq gets the snapshot's leases; "
		             "nothing is recorded until one can be (see lease-db-admin(8))\n",
		        dir);
		return init_from_snapshot(ev);
	}
	/* Once per dnsmasq start, the whole master is walked as a snapshot
	 * is before liblmdb reads a page of it: a tree liblmdb would fault
	 * on (an assertion, SIGSEGV, SIGBUS) must not keep dnsmasq from
	 * starting. Events check only the meta pages (ldb_master_check()). */
	r = ldb_master_verify(dir);
	if (r == -EUCLEAN)
		return init_unreadable(ev, dir,
		                       "damaged (empty, truncated, not an LMDB file, or a "
		                       "tree liblmdb would fault on)");
	r = ldb_master_open_init(dir, &m, &rw_err);
	if (r == -ENOENT && rw_err == -EPERM &&
	    ldb_dir_foreign_owner(dir, S_IWGRP | S_IWOTH, &owner)) {
		fprintf(stderr,
		        PROG ": master database directory %s belongs to uid %u (dnsmasq's "
		             "--dhcp-scriptuser runs events as that user) and holds no master yet: "
		             "no lease to give\n",
		        dir, (unsigned)owner);
		return 0;
	}
	if (r == -ENOENT) {
		fprintf(stderr,
		        PROG ": warning: no master database in %s and none can be made there: "
		             "dnsmasq starts with no leases; nothing is recorded until it is "
		             "writable\n",
		        dir);
		return 0;
	}
	if (r == -EUCLEAN)
		return init_unreadable(ev, dir, "damaged (empty, truncated or not an LMDB file)");
	if (r == -EPROTONOSUPPORT) {
		ldb_report_error(
		    "master database %s was written by a newer lease-db (its layout "
		    "is newer than %d, the newest this helper knows); refusing to read "
		    "it: install that version again",
		    dir, LDB_LAYOUT_VERSION);
		return EXIT_DB;
	}
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR) {
		ldb_secure_dir_why(dir, r, why, sizeof(why));
		ldb_report_error("master database directory refused: %s", why);
		return EXIT_DB;
	}
	if (r < 0)
		return init_unreadable(ev, dir, strerror(-r));
	if (rw_err == -EPERM && ldb_dir_foreign_owner(dir, S_IWGRP | S_IWOTH, &owner)) {
		fprintf(stderr,
		        PROG ": master database %s belongs to uid %u (dnsmasq's --dhcp-scriptuser "
		             "runs events as that user): printing its leases read-only; that "
		             "user's events record and publish\n",
		        dir, (unsigned)owner);
	} else if (rw_err) {
		fprintf(stderr,
		        PROG ": warning: master database %s cannot be written (%s): printing its "
		             "leases read-only; nothing recorded or published, and add/old/del "
		             "fail until it is writable\n",
		        dir, strerror(-rw_err));
	} else {
		lv = ldb_libvirt_target_of(ev);
		if (ldb_event_transaction(m, ev, &kept, &lv, &txnid) < 0)
			fprintf(stderr,
			        PROG ": warning: init could not record in %s (above); printing the "
			             "leases the master holds\n",
			        dir);
	}
	r = print_init(m, ev, rw_err != 0);
	if (r < 0) {
		/* Nothing printed yet (print_init() prints whole reads only). */
		ldb_master_close(m);
		if (r == -EIO)
			return EXIT_DB; /* stdout itself failed */
		return init_unreadable(ev, dir, strerror(-r));
	}
	if (!rw_err) {
		/* Always a publication (need_txn 0), as before: restarting dnsmasq
		 * is how an administrator gets a damaged snapshot replaced. */
		r = ldb_publish_why(m, snap, 0, why, sizeof(why));
		if (r < 0)
			fprintf(stderr,
			        PROG ": warning: publishing %s: %s: %s; lookups answer from the "
			             "previous snapshot until an event publishes\n",
			        snap, why, strerror(-r));
	}
	ldb_master_close(m);
	return 0;
}

static int run(int argc, char *argv[])
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
	char err[512], why[PATH_MAX + 64];
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
		ldb_report_error("%s", err);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (r < 0) {
		ldb_report_error("%s", err);
		return EXIT_INVALID;
	}
	if (ev.action == LDB_ACTION_IGNORE)
		return 0;
	/* One line, and the lease is recorded: dnsmasq keeps handing out
	 * this address whatever lease-db thinks of the client's fields. */
	if (ev.ndropped && ev.action != LDB_ACTION_DEL) {
		ldb_event_dropped_text(&ev, err, sizeof(err));
		fprintf(stderr, PROG ": %s %s: lease recorded; %s (see lease-db-helper(8))\n",
		        argv[optind], ev.addr_text, err);
	}

	if (ev.action == LDB_ACTION_INIT)
		return run_init(&ev);

	r = rebuild_missing();
	if (r < 0) {
		ldb_report_error("no master database in %s, and rebuilding it from the published "
		                 "snapshot %s failed (above): the lease is not recorded; see "
		                 "lease-db-admin(8) to rebuild it or start afresh",
		                 ldb_master_dir(), ldb_snapshot_path());
		return EXIT_DB;
	}
	r = ldb_master_open_writable(ldb_master_dir(), &m);
	if (r == -EPROTONOSUPPORT) {
		ldb_report_error(
		    "master database %s was written by a newer lease-db (its layout is "
		    "newer than %d, the newest this helper knows); refusing to change it: "
		    "install that version again",
		    ldb_master_dir(), LDB_LAYOUT_VERSION);
		return EXIT_DB;
	}
	if (r == -EUCLEAN) {
		ldb_report_error(
		    "master database %s/%s is damaged (empty, truncated or not an LMDB "
		    "file); refusing to use it: rebuild it with `%s`",
		    ldb_master_dir(), LDB_MASTER_DATA, LDB_MASTER_RECOVERY);
		return EXIT_DB;
	}
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR) {
		ldb_secure_dir_why(ldb_master_dir(), r, why, sizeof(why));
		ldb_report_error("master database directory refused: %s; the lease is not recorded",
		                 why);
		return EXIT_DB;
	}
	if (r < 0) {
		ldb_report_error(
		    "master database %s: %s%s", ldb_master_dir(), strerror(-r),
		    r == -EROFS || r == -EACCES
		        ? ": the lease is not recorded; make the master writable (init "
		          "still prints the leases it holds)"
		    : r == -ENOSPC || r == -EDQUOT
		        ? ": the lease is not recorded; free space on its filesystem (init "
		          "still prints the leases it holds)"
		    : r == -EBADMSG
		        ? ": liblmdb finds it corrupt; the lease is not recorded; rebuild "
		          "it with `" LDB_MASTER_RECOVERY "`"
		        : "");
		return EXIT_DB;
	}
	lv = ldb_libvirt_target_of(&ev);
	r = ldb_event_transaction(m, &ev, &kept, &lv, &txnid);
	/* Committed, .status not renamed: publish, then fail. */
	status_late = r > 0;
	if (r > 0)
		r = 0;
	if (r == 0) {
		r = ldb_publish_why(m, ldb_snapshot_path(), txnid, why, sizeof(why));
		if (r < 0)
			ldb_report_error("publishing %s: %s: %s", ldb_snapshot_path(), why,
			                 strerror(-r));
	}
	ldb_master_close(m);
	return r < 0 || status_late ? EXIT_DB : 0;
}

/* A failed event is recorded in the master, with its interface and its
 * message, for lease-db-dump --check (until that interface's next event
 * succeeds): in a transaction of its own, since the event's was aborted,
 * and only when the master can be written at all. */
static void record_failure(void)
{
	struct ldb_master *m;
	const char *iface;

	if (ldb_event_iface(env_get, &iface) < 0)
		iface = NULL; /* recorded as an event that named no interface */
	/* Never a new master for a failure: an empty one would stand for
	 * the leases a missing master held (and stop the next event from
	 * rebuilding it from the snapshot). */
	if (!master_exists() || ldb_master_open_writable(ldb_master_dir(), &m) < 0)
		return;
	(void)ldb_failure_record(m, ldb_str_from(iface), (int64_t)time(NULL), ldb_report_last());
	ldb_master_close(m);
}

/* Each event checks only the master's meta pages (ldb_master_check():
 * cheap, and what liblmdb reads to open it); init walks it whole
 * (ldb_master_verify(), a few milliseconds per 100,000 leases, once per
 * dnsmasq start). A tree page damaged since (a disk error, a bad restore
 * of one block) can still make liblmdb fault or assert in an event:
 * then the helper says which file and the way back, and exits 3 as for
 * any database failure, rather than dying of the signal. liblmdb commits
 * nothing of an event that did not finish. */
static char fatal_msg[PATH_MAX + 256];
static size_t fatal_len;

static void on_fatal(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, fatal_msg, fatal_len) < 0)
		_exit(EXIT_DB);
	_exit(EXIT_DB);
}

static void arm_fatal(void)
{
	struct sigaction sa = {.sa_handler = on_fatal, .sa_flags = SA_RESETHAND};
	int n;

	n = snprintf(fatal_msg, sizeof(fatal_msg),
	             PROG ": fatal fault reading the master database %s/%s: its pages are "
	                  "damaged (events check only its meta pages; init and `%s` check it "
	                  "whole); rebuild it with `%s`\n",
	             ldb_master_dir(), LDB_MASTER_DATA, LDB_MASTER_RECOVERY, LDB_MASTER_RECOVERY);
	if (n < 0)
		return;
	fatal_len = (size_t)n < sizeof(fatal_msg) ? (size_t)n : sizeof(fatal_msg) - 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

int main(int argc, char *argv[])
{
	int rc;

	arm_fatal();
	rc = run(argc, argv);

	if (rc == EXIT_INVALID || rc == EXIT_DB)
		record_failure();
	return rc;
}
