/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lease-db-admin: the administrator's commands on the master database.
 *   rebuild      a damaged master, from the published snapshot and libvirt's
 *                .status and .macs files
 *   forget IF    every lease of an interface (a network that is gone)
 *   sync-guests  libvirt's .macs files into the guest index (libvirt hook)
 * Each one publishes what it changed.
 *
 * Exit status: 0 done, 1 usage, 2 refused (nothing to do as asked: a sound
 * master to rebuild without --force, no master to change, an invalid interface name, no
 * libvirt directory),
 * 3 database, file or publishing failure.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"
#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/snapshot.h"
#include "write/dirs.h"
#include "write/forget.h"
#include "write/libvirt.h"
#include "write/master.h"
#include "write/publish.h"
#include "write/rebuild.h"
#include "write/status.h"
#include "write/tables.h"
#include "write/validate.h"

#define PROG "lease-db-admin"

enum { EXIT_USAGE = 1, EXIT_REFUSED = 2, EXIT_DB = 3 };

struct opts {
	bool dry_run, without_snapshot, force;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: " PROG " [OPTION]... rebuild\n"
	        "       " PROG " [OPTION]... forget INTERFACE\n"
	        "       " PROG " [OPTION]... sync-guests\n"
	        "Administer lease-db's master database; every command publishes what it changed.\n"
	        "\n"
	        "  rebuild          move a damaged master aside and build a new one from the\n"
	        "                   published snapshot and libvirt's .status and .macs files\n"
	        "                   (never their hostnames)\n"
	        "  forget IF        remove every lease of interface IF (a network that is gone)\n"
	        "  sync-guests      read libvirt's .macs files into the guest index now\n"
	        "\n"
	        "  -n, --dry-run            say what would be done, change nothing\n"
	        "  -S, --without-snapshot   rebuild: ignore the published snapshot\n"
	        "  -f, --force              rebuild: rebuild a master found sound too\n"
	        "  -h, --help               show this help\n"
	        "  -V, --version            show the version\n"
	        "\n"
	        "Exit status: 0 done, 1 usage, 2 refused (nothing to do as asked), 3 database,\n"
	        "file or publishing failure.\n"
	        "\n"
	        "Environment:\n"
	        "  LEASE_DB_DIR          master database directory (default " LDB_MASTER_DIR ")\n"
	        "  LEASE_DB_SNAPSHOT     published snapshot (default " LDB_SNAPSHOT_PATH ")\n"
	        "  LEASE_DB_LIBVIRT_DIR  libvirt's lease directory (default " LDB_LIBVIRT_DIR
	        ", \"none\": off)\n");
}

/* A message on stderr, after whatever stdout holds: both often go to the
 * same terminal or file, and a note must follow the lines it is about. */
__attribute__((format(printf, 1, 2))) static void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* An argument quoted back to the user: made safe to print. */
static const char *shown(const char *arg, char *buf, size_t size)
{
	(void)ldb_str_sanitize(buf, size, ldb_str_from(arg));
	return buf;
}

static int fail(const char *what, const char *file, int r)
{
	errmsg("%s%s%s: %s\n", what, file ? " " : "", file ? file : "", strerror(-r));
	return EXIT_DB;
}

/* fail() for opening the master in dir: a directory the writer's checks
 * refused is named with the check and its fix. */
static int fail_master_dir(const char *what, const char *dir, int r)
{
	char why[PATH_MAX + 256];

	if (r != -EPERM && r != -ELOOP && r != -ENOTDIR)
		return fail(what, dir, r);
	ldb_secure_dir_why(dir, r, why, sizeof(why));
	errmsg("%s %s: %s: %s\n", what, dir, strerror(-r), why);
	return EXIT_DB;
}

/* Open the master to change it: a damaged one is named with the way back. */
static int open_master(struct ldb_master **m)
{
	char data[PATH_MAX];
	struct stat st;
	int r;

	/* Opening to write would create a master: an empty one that init
	 * would hand to dnsmasq. */
	r = ldb_master_data_path(ldb_master_dir(), data, sizeof(data));
	if (r == 0 && lstat(data, &st) < 0 && errno == ENOENT) {
		errmsg("no master database %s (no lease recorded yet); nothing to do\n", data);
		return EXIT_REFUSED;
	}
	r = ldb_master_open_writable(ldb_master_dir(), m);
	if (r == -EUCLEAN) {
		errmsg("master database %s/%s is damaged (empty, truncated or not an LMDB "
		       "file): rebuild it first with `%s`\n",
		       ldb_master_dir(), LDB_MASTER_DATA, LDB_MASTER_RECOVERY);
		return EXIT_DB;
	}
	if (r < 0)
		return fail_master_dir("master database", ldb_master_dir(), r);
	return 0;
}

static int publish(struct ldb_master *m, uint64_t txnid)
{
	int r = ldb_publish(m, ldb_snapshot_path(), txnid);

	if (r < 0) {
		errmsg("the master changed, but publishing %s failed: %s (the next "
		       "change publishes it)\n",
		       ldb_snapshot_path(), strerror(-r));
		return EXIT_DB;
	}
	return 0;
}

/* libvirt's lease directory, when it is switched on and there. */
static const char *libvirt_dir(void)
{
	struct stat st;
	bool explicit;
	const char *dir = ldb_libvirt_dir(&explicit);

	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* --- forget ------------------------------------------------------------- */

static int show_lease(const struct ldb_lease *l, void *ctx)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(l->family, l->addr, addr, sizeof(addr)))
		return -errno;
	printf("%s %s %.*s %.*s\n", *(const char **)ctx, addr, (int)l->mac.len, l->mac.p,
	       (int)l->hostname.len, l->hostname.p);
	return 0;
}

static int cmd_forget(const struct opts *o, const char *iface)
{
	const char *verb = o->dry_run ? "would forget" : "forgetting";
	struct ldb_master *m = NULL;
	char path[PATH_MAX];
	const char *lv;
	size_t leases, keys;
	uint64_t txnid;
	MDB_txn *txn;
	int r, ex;

	if (ldb_parse_ifname(iface) < 0) {
		char buf[LDB_STR_SANITIZED_MAX(64)];

		errmsg("forget: '%s' is not an interface name\n", shown(iface, buf, sizeof(buf)));
		return EXIT_REFUSED;
	}
	ex = open_master(&m);
	if (ex)
		return ex;
	/* The helpers' write transaction: events wait for us, and we for them. */
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		ex = fail("master database", m->dir, r);
		goto out;
	}
	txnid = mdb_txn_id(txn);
	r = ldb_iface_forget(txn, &m->dbis, ldb_str_from(iface), show_lease, &verb, &leases, &keys);
	if (r < 0) {
		mdb_txn_abort(txn);
		ex = fail("forgetting", iface, r);
		goto out;
	}
	if (o->dry_run || (leases == 0 && keys == 0)) {
		mdb_txn_abort(txn);
	} else {
		r = ldb_mdb_errno(mdb_txn_commit(txn));
		if (r < 0) {
			ex = fail("committing to", m->dir, r);
			goto out;
		}
	}
	/* The spare copy of its .status beside the master goes too. */
	if (!o->dry_run && (r = ldb_status_spare_drop(m->dir, iface)) < 0)
		errmsg("forget: removing the spare of %s.status in %s: %s\n", iface, m->dir,
		       strerror(-r));
	printf("%s %s: %zu lease%s, %zu bookkeeping entr%s\n",
	       o->dry_run ? "would forget" : "forgot", iface, leases, leases == 1 ? "" : "s", keys,
	       keys == 1 ? "y" : "ies");
	lv = libvirt_dir();
	if (lv && snprintf(path, sizeof(path), "%s/%s.status", lv, iface) < (int)sizeof(path) &&
	    access(path, F_OK) == 0)
		errmsg("note: %s is still there: the next event on %s imports its leases "
		       "again\n",
		       path, iface);
	if (!o->dry_run && (leases || keys))
		ex = publish(m, txnid);
out:
	ldb_master_close(m);
	return ex;
}

/* --- sync-guests -------------------------------------------------------- */

static int cmd_sync_guests(const struct opts *o)
{
	const char *lv = libvirt_dir();
	struct ldb_master *m = NULL;
	uint64_t txnid;
	MDB_txn *txn;
	int r, ex;

	if (!lv) {
		bool explicit;
		const char *d = ldb_libvirt_dir(&explicit);

		errmsg("sync-guests: libvirt's lease directory %s%s\n",
		       d ? d : "is switched off (LEASE_DB_LIBVIRT_DIR)", d ? " is not there" : "");
		return EXIT_REFUSED;
	}
	ex = open_master(&m);
	if (ex)
		return ex;
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		ex = fail("master database", m->dir, r);
		goto out;
	}
	txnid = mdb_txn_id(txn);
	r = ldb_guests_sync(txn, &m->dbis, lv);
	if (r < 0) {
		mdb_txn_abort(txn);
		ex = fail("reading .macs files in", lv, r);
		goto out;
	}
	if (r == 0 || o->dry_run) {
		mdb_txn_abort(txn);
		printf("%s: the .macs files %s\n", lv,
		       r == 0 ? "are unchanged since they were last read"
		              : "changed: would reload the guest index");
		/* Unchanged here, but a failed publication may have left the
		 * snapshot behind: publishing coalesces when it is not. */
		if (r == 0 && !o->dry_run)
			ex = publish(m, ldb_master_txn(m));
		goto out;
	}
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0) {
		ex = fail("committing to", m->dir, r);
		goto out;
	}
	printf("%s: guest index reloaded from the .macs files\n", lv);
	ex = publish(m, txnid);
out:
	ldb_master_close(m);
	return ex;
}

/* --- rebuild ------------------------------------------------------------ */

/* Whether liblmdb itself can read every lease of a master the verifier
 * passed: 0, or its error (MDB_CORRUPTED, MDB_PAGE_NOTFOUND: -EBADMSG). */
static int count_lease(const struct ldb_lease *l, void *p)
{
	(void)l;
	++*(size_t *)p;
	return 0;
}

static int read_all(const char *dir)
{
	struct ldb_master *m;
	struct ldb_view v;
	size_t n = 0;
	int r;

	r = ldb_master_open_nowrite(dir, &m);
	if (r < 0)
		return r;
	v = (struct ldb_view){.dbis = &m->dbis};
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &v.txn));
	if (r == 0) {
		r = ldb_view_foreach(&v, count_lease, &n);
		mdb_txn_abort(v.txn);
	}
	ldb_master_close(m);
	return r;
}

static int cmd_rebuild(const struct opts *o)
{
	const char *dir = ldb_master_dir();
	struct ldb_rebuild_opts ro = {
	    .dry_run = o->dry_run, .without_snapshot = o->without_snapshot, .report = stdout};
	char data[PATH_MAX], aside[PATH_MAX] = "";
	const char *state;
	struct ldb_master *m;
	struct stat sb;
	bool exists;
	int r, ex;

	if (ldb_master_data_path(dir, data, sizeof(data)) < 0)
		return fail("master database", dir, -ENAMETOOLONG);
	exists = lstat(data, &sb) == 0;
	/* Damaged: what the snapshots' verifier finds (every page of every
	 * tree), or what liblmdb finds reading every lease. */
	r = exists ? ldb_master_verify(dir) : 0;
	if (r == 0 && exists) {
		r = read_all(dir);
		if (r == -EBADMSG || r == -ENOENT)
			r = -EUCLEAN;
	}
	if (r < 0 && r != -EUCLEAN)
		return fail("master database", data, r);
	if (r == 0 && exists && !o->force) {
		errmsg("master database %s is sound: nothing to rebuild (--force rebuilds it "
		       "anyway)\n",
		       data);
		return EXIT_REFUSED;
	}
	state = !exists  ? "missing"
	        : r == 0 ? "sound, rebuilt as asked (--force)"
	                 : "damaged (truncated, not an LMDB file, or a tree "
	                   "liblmdb cannot read)";
	printf("master database %s: %s\n", data, state);

	r = ldb_rebuild(dir, &ro, exists, aside, sizeof(aside));
	if (r == -EEXIST && !exists) {
		errmsg("a master appeared at %s meanwhile; left alone\n", data);
		return EXIT_DB;
	}
	if (r < 0)
		return EXIT_DB;
	if (o->dry_run)
		return 0;
	if (aside[0])
		printf("the %s master is kept as %s\n", o->force ? "old" : "damaged", aside);
	printf("new master in place at %s\n", data);
	ex = open_master(&m);
	if (ex)
		return ex;
	/* Whatever the counter file says (it counted another master's
	 * transactions), this master is published now, whole. */
	ex = publish(m, 0);
	if (!ex)
		printf("published %s\n", ldb_snapshot_path());
	ldb_master_close(m);
	return ex;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'}, {"without-snapshot", no_argument, NULL, 'S'},
	    {"force", no_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	char buf[LDB_STR_SANITIZED_MAX(64)];
	struct opts o = {0};
	const char *cmd;
	int c, nargs;

	/* getopt would echo a refused option as it is: said here instead. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nSfhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = true;
			break;
		case 'S':
			o.without_snapshot = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			/* A short option may stand inside a bundle: named alone. */
			if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
				errmsg("bad option '-%s'\n",
				       shown((char[]){(char)optopt, '\0'}, buf, sizeof(buf)));
			else
				errmsg("bad option '%s'\n",
				       shown(argv[optind - 1], buf, sizeof(buf)));
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		errmsg("no command\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	if (strcmp(cmd, "rebuild") == 0 && nargs == 0)
		return cmd_rebuild(&o);
	if (strcmp(cmd, "forget") == 0 && nargs == 1)
		return cmd_forget(&o, argv[optind + 1]);
	if (strcmp(cmd, "sync-guests") == 0 && nargs == 0)
		return cmd_sync_guests(&o);
	errmsg("unknown command or wrong arguments: '%s'\n", shown(cmd, buf, sizeof(buf)));
	usage(stderr);
	return EXIT_USAGE;
}
