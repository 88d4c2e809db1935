#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/files.h"
#include "store/mdb-errno.h"
#include "store/verify.h"
#include "write/counter.h"
#include "write/dirs.h"
#include "write/master.h"
#include "write/publish-policy.h"
#include "write/publish.h"
#include "write/tables.h"

#define TMP_PREFIX "."

static int lock_publish(const char *dir)
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/publish.lock", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return r;
		}
	}
	return fd;
}

/* Temporary files only exist under the publish lock, so any found while we
 * hold it were left by a writer that died. */
static void remove_stale(int dfd, const char *base)
{
	size_t plen = strlen(TMP_PREFIX), blen = strlen(base);
	int fd = dup(dfd);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d); /* the dup shares its offset with earlier scans */
	while ((de = readdir(d))) {
		const char *n = de->d_name, *rest = n + plen + blen;

		if (strncmp(n, TMP_PREFIX, plen) != 0 || strncmp(n + plen, base, blen) != 0)
			continue;
		/* ".<base>[.gen|.delta].XXXXXX" */
		if (strncmp(rest, LDB_COUNTER_SUFFIX ".", strlen(LDB_COUNTER_SUFFIX ".")) == 0)
			rest += strlen(LDB_COUNTER_SUFFIX);
		else if (strncmp(rest, LDB_DELTA_SUFFIX ".", strlen(LDB_DELTA_SUFFIX ".")) == 0)
			rest += strlen(LDB_DELTA_SUFFIX);
		if (rest[0] == '.' && strlen(rest) == 7)
			unlinkat(dfd, n, 0);
	}
	closedir(d);
}

/* mkostemp() in the snapshot's directory; name gets the file's base name. */
static int open_tmp(const char *dir, const char *base, char name[NAME_MAX + 1])
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/%s%s.XXXXXX", dir, TMP_PREFIX, base);
	if (n < 0 || (size_t)n >= sizeof(path) || strlen(base) + 8 > NAME_MAX)
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	strcpy(name, path + strlen(dir) + 1);
	return fd;
}

/* pwrite() all of buf at off, through short writes and signals. */
static int write_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Make sure every byte of the counter file has storage before it is
 * mapped: a store through a shared mapping into a hole that the
 * filesystem cannot back (it is full) is a SIGBUS, not an error. An
 * existing file that is not fully allocated (one an older helper made
 * with ftruncate() and died writing) gets its blocks from
 * posix_fallocate(), or, where the filesystem has no fallocate and
 * glibc's emulation gives up (EOPNOTSUPP), by writing its bytes back. */
static int allocate_counter(int fd)
{
	char buf[LDB_COUNTER_SIZE];
	struct stat st;
	size_t done = 0;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_blocks * 512 >= LDB_COUNTER_SIZE)
		return 0;
	r = posix_fallocate(fd, 0, LDB_COUNTER_SIZE);
	if (r != EOPNOTSUPP && r != ENOSYS && r != EINVAL)
		return -r;
	for (done = 0; done < sizeof(buf);) {
		ssize_t n = pread(fd, buf + done, sizeof(buf) - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return write_all(fd, buf, sizeof(buf), 0);
}

/* Map the counter file read-write, creating it (temp file + rename) when it
 * is missing or not ours; an existing one is never truncated because
 * readers keep it mapped. A new one is written out whole (magic, nothing
 * published) before the rename, so it never has a hole and readers never
 * see it without its magic. */
static int map_counter_writable(int dfd, const char *dir, const char *name,
                                struct ldb_counter **out)
{
	char tmp[NAME_MAX + 1];
	union {
		struct ldb_counter c;
		char bytes[LDB_COUNTER_SIZE];
	} init = {0};
	struct stat st;
	void *p;
	int fd, r;

	fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    !(st.st_mode & 022) && st.st_size == LDB_COUNTER_SIZE) {
			r = allocate_counter(fd);
			if (r == 0)
				goto map;
			close(fd);
			return r;
		}
		close(fd);
	} else if (errno != ENOENT && errno != ELOOP) {
		return -errno;
	}

	fd = open_tmp(dir, name, tmp);
	if (fd < 0)
		return fd;
	ldb_counter_init(&init.c);
	r = write_all(fd, init.bytes, sizeof(init.bytes), 0);
	if (r == 0 && (fchmod(fd, 0644) < 0 || renameat(dfd, tmp, dfd, name) < 0))
		r = -errno;
	if (r < 0) {
		close(fd);
		unlinkat(dfd, tmp, 0);
		return r;
	}
map:
	p = mmap(NULL, LDB_COUNTER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	*out = p;
	ldb_counter_init(*out);
	return 0;
}

/* The writer walks what it wrote before anyone can open it, so readers
 * that find exactly this file (identity in the counter file) skip the walk:
 * verification is paid once per file here, not by every process. */
static int verify_fd(int fd)
{
	struct stat st;
	void *map;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0)
		return -EBADMSG;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = ldb_verify(map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
	return r;
}

/* Finish a file written to tmp (r: how writing it went): make it 0644 and
 * durable, verify it, rename it over name and tell its identity as it is
 * now in place (the rename changes its ctime). On any failure the
 * temporary file is removed and the published one left alone. Consumes
 * fd. */
static int put_in_place(int dfd, int fd, const char *tmp, const char *name, int r,
                        struct ldb_fileid *id)
{
	struct stat st;

	if (r == 0 && (fchmod(fd, 0644) < 0 || fdatasync(fd) < 0))
		r = -errno;
	if (r == 0)
		r = verify_fd(fd);
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	ldb_fileid_from_stat(&st, id);
	/* Persist the rename where the directory is not on tmpfs. */
	(void)fsync(dfd);
	return 0;
}

/* The full copy, of the master as src (new_base()'s mark) names it: the
 * copy reads the latest transaction, which is src's unless another writer
 * committed since; then the copy shows a state the mark does not name, and
 * the mark is left out (all zero: the next publication is a new base). */
static int copy_snapshot(struct ldb_master *m, int dfd, const char *dir, const char *base,
                         struct ldb_counter_source *src, struct ldb_fileid *id)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	fd = open_tmp(dir, base, tmp);
	if (fd < 0)
		return fd;
	r = ldb_mdb_errno(mdb_env_copyfd2(m->env, fd, MDB_CP_COMPACT));
	if (r == 0 && ldb_master_txn(m) != src->txn)
		memset(src->mark, 0, sizeof(src->mark));
	return put_in_place(dfd, fd, tmp, base, r, id);
}

struct plan {
	size_t leases, pending;
	uint64_t base_id;               /* 0: never made */
	struct ldb_counter_source self; /* the master: identity, mark, latest transaction */
};

static int read_plan(struct ldb_master *m, struct plan *p)
{
	MDB_stat st;
	MDB_txn *txn;
	struct ldb_str v;
	int r;

	memset(p, 0, sizeof(*p));
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	ldb_master_source(txn, &m->dbis, &p->self);
	r = ldb_mdb_errno(mdb_stat(txn, m->dbis.lease, &st));
	p->leases = st.ms_entries;
	if (r == 0)
		r = ldb_mdb_errno(mdb_stat(txn, m->dbis.pending, &st));
	p->pending = st.ms_entries;
	if (r == 0 && ldb_meta_get(txn, &m->dbis, LDB_META_BASE_ID, &v) == 0 &&
	    v.len == sizeof(p->base_id))
		memcpy(&p->base_id, v.p, sizeof(p->base_id));
	mdb_txn_abort(txn);
	return r;
}

/* Mark the master with a new publication mark (meta publication) in txn,
 * whose id the publication records: src gets the master's state as the
 * publication will show it. */
static int mark_publication(struct ldb_master *m, MDB_txn *txn, struct ldb_counter_source *src)
{
	ldb_master_source(txn, &m->dbis, src);
	ldb_master_new_id(src->mark);
	return ldb_meta_put(txn, &m->dbis, LDB_META_PUBLICATION,
	                    (struct ldb_str){(const char *)src->mark, sizeof(src->mark)});
}

/* Name the coming full copy, mark the master (src) and start counting
 * changes afresh. */
static int new_base(struct ldb_master *m, uint64_t *id, struct ldb_counter_source *src)
{
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0)
		return r;
	*id = mdb_txn_id(txn);
	r = ldb_meta_put(txn, &m->dbis, LDB_META_BASE_ID,
	                 (struct ldb_str){(const char *)id, sizeof(*id)});
	if (r == 0)
		r = mark_publication(m, txn, src);
	if (r == 0)
		r = ldb_mdb_errno(mdb_drop(txn, m->dbis.pending, 0));
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

struct delta_fill {
	struct ldb_master *m;
	MDB_txn *mt, *dt;
	struct ldb_dbis dd;
};

static int copy_guest(const MDB_val *k, const MDB_val *v, void *p)
{
	struct delta_fill *f = p;

	return ldb_guest_put(f->dt, &f->dd, (struct ldb_str){k->mv_data, k->mv_size},
	                     (struct ldb_str){v->mv_data, v->mv_size});
}

/* One pending lease key: its lease as the master has it now, unless it was
 * deleted; either way the delta covers it. */
static int copy_pending(const MDB_val *k, const MDB_val *v, void *p)
{
	struct delta_fill *f = p;
	MDB_val key = *k, one = {1, "1"};
	struct ldb_lease l;
	struct ldb_str iface;
	uint8_t addr[16];
	int family, r;

	(void)v;
	r = ldb_leasekey_parse(k->mv_data, k->mv_size, &family, addr, &iface);
	if (r == 0)
		r = ldb_lease_get_key(f->mt, &f->m->dbis, k, &l);
	if (r == 0)
		r = ldb_lease_put(f->dt, &f->dd, &l);
	if (r == 0 || r == -ENOENT)
		r = ldb_mdb_errno(mdb_put(f->dt, f->dd.changed, &key, &one, 0));
	return r;
}

/* Commit the transaction that marks the master for a delta. Its meta page
 * need not reach the disk at once (MDB_NOMETASYNC: integrity kept, and the
 * next commit syncs it): a crash that loses the mark leaves a master whose
 * mark differs from the counter's, which only republishes. One flush per
 * delta instead of two. */
static int commit_mark(MDB_env *env, MDB_txn *txn)
{
	unsigned flags = 0;
	int r;

	if (mdb_env_get_flags(env, &flags) != 0 || (flags & MDB_NOMETASYNC))
		return ldb_mdb_errno(mdb_txn_commit(txn));
	mdb_env_set_flags(env, MDB_NOMETASYNC, 1);
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	mdb_env_set_flags(env, MDB_NOMETASYNC, 0);
	return r;
}

/* The delta's content: every pending address and the whole guest tables,
 * read in the write transaction that marks the master (src), so the delta
 * shows exactly the state src names. */
static int fill_delta(struct ldb_master *m, MDB_env *denv, uint64_t base_id,
                      struct ldb_counter_source *src, bool *in_master)
{
	struct delta_fill f = {.m = m};
	int r;

	*in_master = true;
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &f.mt));
	if (r < 0)
		return r;
	r = mark_publication(m, f.mt, src);
	if (r < 0)
		goto out_mt;
	*in_master = false;
	r = ldb_mdb_errno(mdb_txn_begin(denv, NULL, 0, &f.dt));
	if (r < 0)
		goto out_mt;
	r = ldb_schema_create(f.dt, &f.dd);
	if (r == 0)
		r = ldb_meta_put(f.dt, &f.dd, LDB_META_BASE_ID,
		                 (struct ldb_str){(const char *)&base_id, sizeof(base_id)});
	if (r == 0)
		r = ldb_table_walk(f.mt, m->dbis.pending, copy_pending, &f);
	if (r == 0)
		r = ldb_table_walk(f.mt, m->dbis.guest, copy_guest, &f);
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(f.dt));
	else
		mdb_txn_abort(f.dt);
	if (r == 0) {
		*in_master = true;
		return commit_mark(m->env, f.mt);
	}
out_mt:
	mdb_txn_abort(f.mt);
	return r;
}

static int write_delta(struct ldb_master *m, int dfd, const char *dir, const char *base,
                       const struct plan *p, struct ldb_counter_source *src, struct ldb_fileid *id,
                       bool *in_master)
{
	char tmp[NAME_MAX + 1], path[PATH_MAX], dname[NAME_MAX + 1];
	MDB_env *denv;
	int fd, r;

	*in_master = false;
	r = ldb_delta_path(base, dname, sizeof(dname));
	if (r < 0)
		return r;
	fd = open_tmp(dir, dname, tmp);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "%s/%s", dir, tmp);
	r = ldb_mdb_errno(mdb_env_create(&denv));
	if (r < 0)
		return put_in_place(dfd, fd, tmp, dname, r, id);
	r = ldb_mdb_errno(mdb_env_set_maxdbs(denv, LDB_MAXDBS));
	if (r == 0)
		r = ldb_mdb_errno(
		    mdb_env_set_mapsize(denv, ((size_t)64 << 20) + p->pending * (size_t)8192));
	/* One writer under the publish lock, durability by put_in_place(). */
	if (r == 0)
		r = ldb_mdb_errno(
		    mdb_env_open(denv, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644));
	if (r == 0)
		r = fill_delta(m, denv, p->base_id, src, in_master);
	mdb_env_close(denv);
	return put_in_place(dfd, fd, tmp, dname, r, id);
}

/* A new base: the master names it (a commit to the master), then the copy
 * is written; why says which failed. */
static int publish_full(struct ldb_master *m, int dfd, const char *dir, const char *base,
                        struct ldb_counter *gen, struct ldb_counter_source *src,
                        struct ldb_fileid *fid, char *why, size_t whysize)
{
	uint64_t id;
	int r;

	snprintf(why, whysize, "starting a new snapshot in the master %s", m->dir);
	r = new_base(m, &id, src);
	if (r < 0)
		return r;
	snprintf(why, whysize, "writing the snapshot %s/%s", dir, base);
	r = copy_snapshot(m, dfd, dir, base, src, fid);
	if (r < 0)
		return r;
	ldb_counter_set_base(gen, id);
	return 0;
}

int ldb_publish(struct ldb_master *m, const char *path, uint64_t need_txn)
{
	char why[PATH_MAX + 64];

	return ldb_publish_why(m, path, need_txn, why, sizeof(why));
}

int ldb_publish_why(struct ldb_master *m, const char *path, uint64_t need_txn, char *why,
                    size_t whysize)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], genname[NAME_MAX + 1], dname[NAME_MAX + 1];
	struct ldb_counter *gen = NULL;
	struct ldb_counter_source pub, made;
	enum ldb_source_state src;
	struct ldb_fileid fid;
	const char *dir, *base;
	struct ldb_publish_limits lim;
	struct ldb_publish_facts facts;
	struct plan plan;
	struct stat st;
	bool delta, on_disk, in_master;
	int lockfd, dfd, r;

	snprintf(why, whysize, "%s", path);
	if (strlen(path) >= sizeof(dirbuf))
		return -ENAMETOOLONG;
	strcpy(dirbuf, path);
	strcpy(basebuf, path);
	dir = dirname(dirbuf);
	base = basename(basebuf);
	if (ldb_counter_path(base, genname, sizeof(genname)) < 0 ||
	    ldb_delta_path(base, dname, sizeof(dname)) < 0 || *base == '\0' || *base == '.')
		return -EINVAL;

	snprintf(why, whysize, "the publish lock %s/publish.lock", m->dir);
	lockfd = lock_publish(m->dir);
	if (lockfd < 0)
		return lockfd;
	snprintf(why, whysize, "the snapshot directory %s", dir);
	r = ldb_secure_dir(dir, 0755, S_IWGRP | S_IWOTH);
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR) {
		char how[PATH_MAX + 128];

		ldb_secure_dir_why(dir, r, how, sizeof(how));
		snprintf(why, whysize, "the snapshot directory: %s", how);
	}
	if (r < 0)
		goto out_lock;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		r = -errno;
		goto out_lock;
	}
	remove_stale(dfd, base);
	snprintf(why, whysize, "the counter file %s/%s", dir, genname);
	r = map_counter_writable(dfd, dir, genname, &gen);
	if (r < 0)
		goto out_dir;

	snprintf(why, whysize, "reading the master %s", m->dir);
	r = read_plan(m, &plan);
	if (r < 0)
		goto out_gen;
	ldb_counter_source(gen, &pub);
	on_disk = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	/* Coalesce: a writer that queued behind us may find its change already
	 * published by our copy, but only by a copy of this very master. */
	src = ldb_source_compare(&pub, &plan.self);
	if (ldb_publish_covered(src, pub.txn, need_txn, on_disk))
		goto out_gen;

	facts = (struct ldb_publish_facts){
	    .leases = plan.leases,
	    .pending = plan.pending,
	    .base_id = plan.base_id,
	    .published_base_id = ldb_counter_base(gen),
	    .base_on_disk = on_disk,
	    .same_source = src == LDB_SOURCE_CURRENT || src == LDB_SOURCE_BEHIND,
	};
	ldb_publish_limits_get(&lim);
	delta = ldb_publish_wants_delta(&facts, &lim);
	if (delta) {
		r = write_delta(m, dfd, dir, base, &plan, &made, &fid, &in_master);
		if (in_master)
			snprintf(why, whysize, "marking the master %s for the delta", m->dir);
		else
			snprintf(why, whysize, "writing the delta %s/%s", dir, dname);
	} else {
		r = publish_full(m, dfd, dir, base, gen, &made, &fid, why, whysize);
	}
	if (r < 0)
		goto out_gen;
	ldb_counter_publish(gen, &made, delta ? NULL : &fid, delta ? &fid : NULL);
	/* The previous base's delta no longer applies (readers ignore it: its
	 * base-id differs). Removed only after the bump, so a reader that
	 * opened the old base cannot find its delta gone without noticing. */
	snprintf(why, whysize, "removing the old delta %s/%s", dir, dname);
	if (!delta && unlinkat(dfd, dname, 0) < 0 && errno != ENOENT)
		r = -errno;

out_gen:
	munmap(gen, LDB_COUNTER_SIZE);
out_dir:
	close(dfd);
out_lock:
	close(lockfd);
	return r;
}
