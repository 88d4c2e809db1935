/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/counter.h"
#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/snapshot.h"
#include "store/tables.h"
#include "write/dirs.h"
#include "write/libvirt.h"
#include "write/master.h"
#include "write/rebuild.h"
#include "write/tables.h"
#include "write/validate.h"

#define PROG        program_invocation_short_name
#define SCRATCH_PRE ".rebuild."

static int fail(const char *what, const char *file, int r)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", PROG, what, file ? " " : "", file ? file : "",
	        strerror(-r));
	return r;
}

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
	FILE *report;
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

/* libvirt's lease directory, when it is switched on and there. */
static const char *libvirt_dir(void)
{
	struct stat st;
	bool explicit;
	const char *dir = ldb_libvirt_dir(&explicit);

	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* A .status record's hostname is what the client supplied, accepted by
 * dnsmasq or not (libvirt's helper writes DNSMASQ_SUPPLIED_HOSTNAME too):
 * never a name to serve. */
static void drop_hostnames(json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);

		if (json_object_is_type(o, json_type_object))
			json_object_object_del(o, ldb_lease_fields[LDB_FIELD_HOSTNAME].json);
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
			fprintf(stderr, "%s: %s: not used\n", PROG, err);
			continue;
		}
		drop_hostnames(st->arr);
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

static int open_sources(const struct ldb_rebuild_opts *o, struct sources *s)
{
	const char *path = ldb_snapshot_path();
	char dpath[PATH_MAX];
	struct stat sb;
	int r;

	s->report = o->report;
	s->lv = o->snapshot_only ? NULL : libvirt_dir();
	r = load_status(s);
	if (r)
		return r;
	if (o->without_snapshot)
		return 0;
	r = ldb_snapshot_open(path, &s->snap);
	if (r == -ENOENT) {
		s->snap = NULL;
		fprintf(s->report, "no published snapshot at %s\n", path);
		return 0;
	}
	if (r < 0) {
		s->snap = NULL;
		fprintf(stderr,
		        "%s: published snapshot %s: %s; to rebuild from libvirt's .status files "
		        "alone, use lease-db-admin rebuild --without-snapshot\n",
		        PROG, path,
		        r == -EPERM ? "not trusted (owner or permissions)" : strerror(-r));
		return r;
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
	size_t from_snapshot, guests, names;
};

static int put_snapshot_lease(const struct ldb_lease *l, void *p)
{
	struct build *b = p;
	const struct status *st = status_of(b->s, l->iface);

	if (st && st->use)
		return 0;
	b->from_snapshot++;
	return ldb_lease_put(b->txn, b->dbis, l);
}

/* Copy a lease's strings (which may point into pages the next write
 * moves) into buf. */
static int lease_copy(struct ldb_lease *l, char *buf, size_t size)
{
	for (int f = 0; f < LDB_NFIELDS; f++) {
		struct ldb_str *s = (struct ldb_str *)((char *)l + ldb_lease_fields[f].offset);

		if (s->len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, s->p, s->len);
		buf[s->len] = '\0';
		s->p = buf;
		buf += s->len + 1;
		size -= s->len + 1;
	}
	return 0;
}

/* A lease a .status file gave back without its name keeps the name the
 * snapshot (what dnsmasq accepted) had for the same client. */
static int name_from_snapshot(const struct ldb_lease *sl, void *p)
{
	struct build *b = p;
	const struct status *st = status_of(b->s, sl->iface);
	char buf[2048];
	struct ldb_lease l;
	int r;

	if (!st || !st->use || sl->hostname.len == 0)
		return 0;
	r = ldb_lease_get(b->txn, b->dbis, sl->family, sl->addr, sl->iface, &l);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (l.hostname.len || !ldb_str_eq(l.mac, sl->mac) ||
	    !ldb_str_eq(l.client_id, sl->client_id))
		return 0;
	r = lease_copy(&l, buf, sizeof(buf));
	if (r < 0)
		return r;
	l.hostname = sl->hostname;
	if (l.domain.len == 0)
		l.domain = sl->domain;
	b->names++;
	return ldb_lease_put(b->txn, b->dbis, &l);
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
	fprintf(s->report, "%zu lease%s from the published snapshot %s\n", b->from_snapshot,
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
			fprintf(s->report,
			        "%s/%s.status: %d lease%s imported (%s), without its names\n",
			        s->lv, st->bridge, r, r == 1 ? "" : "s",
			        st->in_snapshot ? "the file is newer than the snapshot"
			                        : "the snapshot has no lease on this bridge");
		else if (r >= 0)
			fprintf(
			    s->report,
			    "%s/%s.status: older than the snapshot, whose %zu lease%s on %s are "
			    "kept\n",
			    s->lv, st->bridge, st->in_snapshot, st->in_snapshot == 1 ? "" : "s",
			    st->bridge);
	}
	json_object_put(none);
	if (r < 0)
		return fail("importing .status files", s->lv, r);
	if (s->snap && s->nst) {
		r = ldb_view_foreach(&s->v, name_from_snapshot, b);
		if (r < 0)
			return fail("taking names from the published snapshot", NULL, r);
		if (b->names)
			fprintf(s->report, "%zu name%s of those from the published snapshot\n",
			        b->names, b->names == 1 ? "" : "s");
	}
	if (s->lv) {
		r = ldb_guests_sync(b->txn, b->dbis, s->lv);
		if (r < 0)
			return fail("reading .macs files in", s->lv, r);
		fprintf(s->report, "guest index: from the .macs files in %s\n", s->lv);
	} else if (s->snap) {
		r = s->v.dtxn ? ldb_table_walk(s->v.dtxn, s->v.ddbis->guest, put_guest, b)
		              : ldb_table_walk(s->v.txn, s->v.dbis->guest, put_guest, b);
		if (r < 0)
			return fail("copying the snapshot's guest index", NULL, r);
		fprintf(s->report, "guest index: %zu entr%s from the published snapshot\n",
		        b->guests, b->guests == 1 ? "y" : "ies");
	}
	return 0;
}

/* Build a master in dir (empty, ours) from the sources. */
static int build(struct sources *s, const char *dir)
{
	struct build b = {.s = s};
	struct ldb_master *m;
	MDB_txn *txn;
	int r;

	r = ldb_master_open_writable(dir, &m);
	if (r < 0)
		return fail("creating a master in", dir, r);
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		fail("creating a master in", dir, r);
		goto out;
	}
	b.txn = txn;
	b.dbis = &m->dbis;
	r = fill(&b);
	if (r < 0) {
		mdb_txn_abort(txn);
		goto out;
	}
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_sync(m->env, 1));
	r = ldb_master_write_errno(dir, r);
	if (r < 0)
		fail("writing the new master in", dir, r);
out:
	ldb_master_close(m);
	return r;
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

void ldb_rebuild_clean(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, SCRATCH_PRE, strlen(SCRATCH_PRE)) != 0 ||
		    strlen(de->d_name) != strlen(SCRATCH_PRE) + 6 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		/* A running rebuild holds its directory's lock until it is done. */
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			remove_master_dir(path);
			fprintf(stderr, "%s: removed %s, left by a rebuild that did not finish\n",
			        PROG, path);
		}
		close(fd);
	}
	closedir(d);
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

int ldb_rebuild(const char *dir, const struct ldb_rebuild_opts *o, bool exists, char *aside,
                size_t asize)
{
	struct sources s = {0};
	char tmp[PATH_MAX], data[PATH_MAX];
	int r, lfd = -1, dfd = -1;

	aside[0] = '\0';
	if (!o->dry_run) {
		r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);
		if (r < 0) {
			fail("master directory", dir, r);
			goto out;
		}
		/* One rebuild at a time in dir (helpers finding the master
		 * missing at once, an administrator's): the second finds the
		 * first's master and leaves it, and its lock file, alone. */
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
			r = fail("locking the master directory", dir, -errno);
			goto out;
		}
		if (!exists && ldb_master_data_path(dir, data, sizeof(data)) == 0 &&
		    access(data, F_OK) == 0) {
			r = -EEXIST;
			goto out;
		}
	}
	r = open_sources(o, &s);
	if (r < 0)
		goto out;
	decide(&s);
	/* Dry run: the same build, in a scratch directory that goes away. */
	if (o->dry_run) {
		const char *t = getenv("TMPDIR");

		r = snprintf(tmp, sizeof(tmp), "%s/lease-db-rebuild.XXXXXX", t && *t ? t : "/tmp");
	} else {
		ldb_rebuild_clean(dir);
		r = snprintf(tmp, sizeof(tmp), "%s/" SCRATCH_PRE "XXXXXX", dir);
	}
	if (r < 0 || (size_t)r >= sizeof(tmp) || !mkdtemp(tmp)) {
		r = fail("making a directory like", tmp, r < 0 ? r : -errno);
		goto out;
	}
	/* Ours while we build: ldb_rebuild_clean() leaves it alone. */
	lfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd >= 0)
		(void)flock(lfd, LOCK_EX);
	r = build(&s, tmp);
	if (r < 0 || o->dry_run) {
		remove_master_dir(tmp);
		if (r == 0 && ldb_master_data_path(dir, data, sizeof(data)) == 0)
			fprintf(o->report,
			        "dry run: nothing changed; without --dry-run, %s would be %s\n",
			        data, exists ? "moved aside and replaced" : "created");
		goto out;
	}
	r = swap_in(dir, tmp, exists, aside, asize);
	remove_master_dir(tmp);
	if (r == -EEXIST && !exists)
		goto out;
	if (r < 0 && ldb_master_data_path(dir, data, sizeof(data)) == 0)
		fail("putting the new master in place at", data, r);
out:
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	sources_free(&s);
	return r;
}

bool ldb_rebuild_snapshot_has_master(const char *snapshot)
{
	static const uint8_t none[LDB_MASTER_ID_SIZE];
	const struct ldb_counter *g;
	struct ldb_counter_source src;
	struct ldb_snapshot *snap;
	uid_t owner;
	dev_t dev;
	ino_t ino;

	if (ldb_counter_map(snapshot, &g, &owner, &dev, &ino) < 0)
		return false;
	ldb_counter_source(g, &src);
	ldb_counter_unmap(g);
	if (owner != geteuid() || memcmp(src.master_id, none, sizeof(none)) == 0)
		return false;
	if (ldb_snapshot_open(snapshot, &snap) < 0)
		return false;
	ldb_snapshot_close(snap);
	return true;
}
