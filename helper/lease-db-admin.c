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
 * master to rebuild, no master to change, an invalid interface name, no
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
#include "write/status.h"
#include "write/tables.h"
#include "write/validate.h"

#define PROG "lease-db-admin"

enum { EXIT_USAGE = 1, EXIT_REFUSED = 2, EXIT_DB = 3 };

struct opts {
	bool dry_run, without_snapshot;
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
	        "  forget IF        remove every lease of interface IF (a network that is gone)\n"
	        "  sync-guests      read libvirt's .macs files into the guest index now\n"
	        "\n"
	        "  -n, --dry-run            say what would be done, change nothing\n"
	        "  -S, --without-snapshot   rebuild: ignore the published snapshot\n"
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
	fprintf(stderr, PROG ": %s %s: %s: %s\n", what, dir, strerror(-r), why);
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

/* One <bridge>.status file of libvirt's lease directory. */
struct status {
	char bridge[LDB_IFNAME_MAX + 1];
	json_object *arr;
	struct timespec mtime;
	size_t in_snapshot; /* the snapshot's leases on this bridge */
	bool use;           /* its leases are the bridge's truth */
};

struct sources {
	const char *lv; /* libvirt's lease directory, or NULL */
	struct status *st;
	size_t nst;
	struct ldb_snapshot *snap; /* NULL: none */
	struct ldb_view v;
	struct timespec published; /* newest of base and delta */
};

static bool newer(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static struct status *status_of(struct sources *s, struct ldb_str iface)
{
	for (size_t i = 0; i < s->nst; i++)
		if (ldb_str_eq(iface, ldb_str_from(s->st[i].bridge)))
			return &s->st[i];
	return NULL;
}

static void sources_free(struct sources *s)
{
	for (size_t i = 0; i < s->nst; i++)
		json_object_put(s->st[i].arr);
	free(s->st);
	if (s->snap) {
		ldb_snapshot_end(&s->v);
		ldb_snapshot_close(s->snap);
	}
}

static int load_status(struct sources *s)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!s->lv)
		return 0;
	d = opendir(s->lv);
	if (!d)
		return fail("reading", s->lv, -errno);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char bridge[NAME_MAX + 1], err[PATH_MAX + 200];
		struct status *st, *grown;
		struct stat sb;

		if (n <= 7 || n - 7 > LDB_IFNAME_MAX || strcmp(de->d_name + n - 7, ".status") != 0)
			continue;
		memcpy(bridge, de->d_name, n - 7);
		bridge[n - 7] = '\0';
		if (ldb_parse_ifname(bridge) < 0 || fstatat(dirfd(d), de->d_name, &sb, 0) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		grown = realloc(s->st, (s->nst + 1) * sizeof(*s->st));
		if (!grown) {
			r = fail("reading", s->lv, -ENOMEM);
			break;
		}
		s->st = grown;
		st = &s->st[s->nst];
		memset(st, 0, sizeof(*st));
		memcpy(st->bridge, bridge, n - 7 + 1);
		st->mtime = sb.st_mtim;
		if (ldb_status_load(s->lv, bridge, &st->arr, err, sizeof(err)) < 0) {
			errmsg("%s: not used\n", err);
			continue;
		}
		s->nst++;
	}
	closedir(d);
	return r;
}

static int count_on_bridge(const struct ldb_lease *l, void *p)
{
	struct status *st = status_of(p, l->iface);

	if (st)
		st->in_snapshot++;
	return 0;
}

static int open_sources(const struct opts *o, struct sources *s)
{
	const char *path = ldb_snapshot_path();
	char dpath[PATH_MAX];
	struct stat sb;
	int r;

	s->lv = libvirt_dir();
	r = load_status(s);
	if (r)
		return r;
	if (o->without_snapshot)
		return 0;
	r = ldb_snapshot_open(path, &s->snap);
	if (r == -ENOENT) {
		s->snap = NULL;
		printf("no published snapshot at %s\n", path);
		return 0;
	}
	if (r < 0) {
		s->snap = NULL;
		errmsg("published snapshot %s: %s; to rebuild from libvirt's .status files "
		       "alone, add --without-snapshot\n",
		       path, r == -EPERM ? "not trusted (owner or permissions)" : strerror(-r));
		return EXIT_DB;
	}
	r = ldb_snapshot_begin(s->snap, &s->v);
	if (r < 0) {
		ldb_snapshot_close(s->snap);
		s->snap = NULL;
		return fail("reading the published snapshot", path, r);
	}
	if (stat(path, &sb) == 0)
		s->published = sb.st_mtim;
	if (ldb_delta_path(path, dpath, sizeof(dpath)) == 0 && s->v.dtxn && stat(dpath, &sb) == 0 &&
	    newer(sb.st_mtim, s->published))
		s->published = sb.st_mtim;
	r = ldb_view_foreach(&s->v, count_on_bridge, s);
	return r < 0 ? fail("reading the published snapshot", path, r) : 0;
}

/* Which source speaks for each bridge with a .status file: the file when
 * it is newer than the published snapshot (the helper rewrites it in the
 * event's transaction, before publishing: it holds events a failed
 * publication left out, or libvirt's own helper's) or when the snapshot
 * has no lease on that bridge; otherwise the snapshot, which holds what
 * the file holds and the fields it lacks (the lease's domain). */
static void decide(struct sources *s)
{
	for (size_t i = 0; i < s->nst; i++) {
		struct status *st = &s->st[i];

		st->use = !s->snap || st->in_snapshot == 0 || newer(st->mtime, s->published);
	}
}

struct build {
	struct sources *s;
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
	size_t from_snapshot, guests;
};

/* Every lease of the snapshot, even on bridges whose file is used: the
 * file then replaces them, and an imported lease keeps only the name the
 * snapshot (the master) held for it, never one only .status has. */
static int put_snapshot_lease(const struct ldb_lease *l, void *p)
{
	struct build *b = p;

	b->from_snapshot++;
	return ldb_lease_put(b->txn, b->dbis, l);
}

static int put_guest(const MDB_val *k, const MDB_val *v, void *p)
{
	struct build *b = p;

	b->guests++;
	return ldb_guest_put(b->txn, b->dbis, (struct ldb_str){k->mv_data, k->mv_size},
	                     (struct ldb_str){v->mv_data, v->mv_size});
}

/* Fill the new master's first transaction from the sources. */
static int fill(struct build *b)
{
	struct sources *s = b->s;
	json_object *none;
	int r = 0;

	if (s->snap)
		r = ldb_view_foreach(&s->v, put_snapshot_lease, b);
	if (r < 0)
		return fail("copying the published snapshot's leases", NULL, r);
	printf("%zu lease%s from the published snapshot %s\n", b->from_snapshot,
	       b->from_snapshot == 1 ? "" : "s", s->snap ? ldb_snapshot_path() : "(none)");
	none = json_object_new_array();
	if (!none)
		return fail("importing", NULL, -ENOMEM);
	for (size_t i = 0; i < s->nst && r >= 0; i++) {
		struct status *st = &s->st[i];

		/* Imported either way: the master then holds what the file
		 * holds, as after the bridge's first event. */
		r = ldb_status_import(b->txn, b->dbis, st->use ? st->arr : none, st->bridge,
		                      st->use);
		if (r >= 0 && st->use)
			printf("%s/%s.status: %d lease%s imported (%s)\n", s->lv, st->bridge, r,
			       r == 1 ? "" : "s",
			       st->in_snapshot ? "the file is newer than the snapshot"
			                       : "the snapshot has no lease on this bridge");
		else if (r >= 0)
			printf("%s/%s.status: older than the snapshot, whose %zu lease%s on %s are "
			       "kept\n",
			       s->lv, st->bridge, st->in_snapshot, st->in_snapshot == 1 ? "" : "s",
			       st->bridge);
	}
	json_object_put(none);
	if (r < 0)
		return fail("importing .status files", s->lv, r);
	if (s->lv) {
		r = ldb_guests_sync(b->txn, b->dbis, s->lv);
		if (r < 0)
			return fail("reading .macs files in", s->lv, r);
		printf("guest index: from the .macs files in %s\n", s->lv);
	} else if (s->snap) {
		r = s->v.dtxn ? ldb_table_walk(s->v.dtxn, s->v.ddbis->guest, put_guest, b)
		              : ldb_table_walk(s->v.txn, s->v.dbis->guest, put_guest, b);
		if (r < 0)
			return fail("copying the snapshot's guest index", NULL, r);
		printf("guest index: %zu entr%s from the published snapshot\n", b->guests,
		       b->guests == 1 ? "y" : "ies");
	}
	return 0;
}

/* Build a master in dir (empty, ours) from the sources. */
static int build(struct sources *s, const char *dir)
{
	struct build b = {.s = s};
	struct ldb_master *m;
	MDB_txn *txn;
	int r, ex;

	r = ldb_master_open_writable(dir, &m);
	if (r < 0)
		return fail_master_dir("creating a master in", dir, r);
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		ex = fail("creating a master in", dir, r);
		goto out;
	}
	b.txn = txn;
	b.dbis = &m->dbis;
	ex = fill(&b);
	if (ex) {
		mdb_txn_abort(txn);
		goto out;
	}
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_sync(m->env, 1));
	if (r < 0)
		ex = fail("writing the new master in", dir, r);
out:
	ldb_master_close(m);
	return ex;
}

/* What liblmdb and publishing leave in a master directory. */
static void remove_master_dir(const char *dir)
{
	static const char *const files[] = {LDB_MASTER_DATA, "lock.mdb", "publish.lock"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[i]) < (int)sizeof(path))
			unlink(path);
	rmdir(dir);
}

/* liblmdb's lock file records the last transaction id of the data file it
 * was made for, and an opener that finds another process holding it (a
 * helper checking the damaged file, for a moment) takes it as it is. No
 * process has the damaged master open (none gets past the check), so it
 * goes before the new data file comes: the first opener makes a new one. */
static int drop_lock_file(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/lock.mdb", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Put the new data file in place of the damaged one, which stays beside it
 * under a name of its own; there is never a moment without a master. With
 * none there, only when none appeared meanwhile. */
static int swap_in(const char *dir, const char *newdir, bool exists, char *aside, size_t size)
{
	char data[PATH_MAX], fresh[PATH_MAX], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int r = 0, dfd;

	if (ldb_master_data_path(dir, data, sizeof(data)) < 0 ||
	    ldb_master_data_path(newdir, fresh, sizeof(fresh)) < 0)
		return -ENAMETOOLONG;
	if (exists) {
		if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
			return -EINVAL;
		/* A name of its own, even for a second rebuild within the second. */
		for (int n = 0; r == 0; n++) {
			if (snprintf(aside, size, n ? "%s.damaged-%s.%d" : "%s.damaged-%s", data,
			             stamp, n) >= (int)size)
				return -ENAMETOOLONG;
			if (link(data, aside) == 0)
				break;
			if (errno != EEXIST || n == 99)
				r = -errno;
		}
		if (r == 0)
			r = drop_lock_file(dir);
		if (r == 0 && rename(fresh, data) < 0)
			r = -errno;
	} else {
		r = drop_lock_file(dir);
		if (r == 0 && link(fresh, data) < 0)
			r = -errno;
	}
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int cmd_rebuild(const struct opts *o)
{
	const char *dir = ldb_master_dir();
	struct sources s = {0};
	char data[PATH_MAX], tmp[PATH_MAX], aside[PATH_MAX] = "";
	struct ldb_master *m;
	struct stat sb;
	bool exists;
	int r, ex;

	if (ldb_master_data_path(dir, data, sizeof(data)) < 0)
		return fail("master database", dir, -ENAMETOOLONG);
	exists = lstat(data, &sb) == 0;
	r = ldb_master_check(dir);
	if (r == 0 && exists) {
		errmsg("master database %s is sound: nothing to rebuild\n", data);
		return EXIT_REFUSED;
	}
	if (r < 0 && r != -EUCLEAN)
		return fail("master database", data, r);
	printf("master database %s: %s\n", data,
	       exists ? "damaged (empty, truncated or not an LMDB file)" : "missing");

	ex = open_sources(o, &s);
	if (ex)
		goto out;
	decide(&s);
	/* Dry run: the same build, in a scratch directory that goes away. */
	if (o->dry_run) {
		const char *t = getenv("TMPDIR");

		r = snprintf(tmp, sizeof(tmp), "%s/lease-db-rebuild.XXXXXX", t && *t ? t : "/tmp");
	} else {
		r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);
		if (r < 0) {
			ex = fail("master directory", dir, r);
			goto out;
		}
		r = snprintf(tmp, sizeof(tmp), "%s/.rebuild.XXXXXX", dir);
	}
	if (r < 0 || (size_t)r >= sizeof(tmp) || !mkdtemp(tmp)) {
		ex = fail("making a directory like", tmp, r < 0 ? r : -errno);
		goto out;
	}
	ex = build(&s, tmp);
	if (ex || o->dry_run) {
		remove_master_dir(tmp);
		if (!ex)
			printf("dry run: nothing changed; without --dry-run, %s would be %s\n",
			       data, exists ? "moved aside and replaced" : "created");
		goto out;
	}
	r = swap_in(dir, tmp, exists, aside, sizeof(aside));
	remove_master_dir(tmp);
	if (r == -EEXIST && !exists) {
		errmsg("a master appeared at %s meanwhile; left alone\n", data);
		ex = EXIT_DB;
		goto out;
	}
	if (r < 0) {
		ex = fail("putting the new master in place at", data, r);
		goto out;
	}
	if (aside[0])
		printf("the damaged master is kept as %s\n", aside);
	printf("new master in place at %s\n", data);
	sources_free(&s);
	memset(&s, 0, sizeof(s));
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
out:
	sources_free(&s);
	return ex;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"without-snapshot", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	char buf[LDB_STR_SANITIZED_MAX(64)];
	struct opts o = {0};
	const char *cmd;
	int c, nargs;

	/* getopt would echo a refused option as it is: said here instead. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nShV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = true;
			break;
		case 'S':
			o.without_snapshot = true;
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
