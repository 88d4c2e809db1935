#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "store/mdb-errno.h"
#include "store/files.h"
#include "store/snapshot.h"
#include "store/verify.h"

#define SNAP_FLAGS (MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS | MDB_NORDAHEAD)

/* A publication renames files while we open them; each attempt is cheap
 * (nothing is walked before the pair is known to be consistent), so a
 * stream of publications is outlasted rather than reported. */
#define OPEN_ATTEMPTS 64

/* Every file open in this process. Callers serialise opens and closes. */
static struct ldb_file *live;
/* Environments given up because their descriptor was taken over: kept
 * reachable (a deliberate, bounded leak, not a lost one), from a page of
 * our own that stays mapped after glibc unloads the module. */
#define MAX_ABANDONED 500
struct abandoned {
	unsigned n;
	struct ldb_file *f[MAX_ABANDONED];
};
static struct abandoned *abandoned;

/* LeakSanitizer does not look into such a page; tell it, when it is
 * there, that the environment is kept on purpose. */
extern void __lsan_ignore_object(const void *p) __attribute__((weak));

static void abandon(struct ldb_file *f)
{
	if (__lsan_ignore_object)
		__lsan_ignore_object(f);
	if (!abandoned) {
		void *p = mmap(NULL, sizeof(*abandoned), PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			abandoned = p;
	}
	if (abandoned && abandoned->n < MAX_ABANDONED)
		abandoned->f[abandoned->n++] = f;
}

/* Refuse FIFOs, devices, directories and symlinks before LMDB opens
 * anything (opening a FIFO would block the caller for ever), and meta
 * pages liblmdb would trip over while opening (it divides by the page
 * size it reads there). */
static int check_path(const char *path, struct stat *st)
{
	struct stat now;
	int fd, r;

	if (lstat(path, st) < 0)
		return -errno;
	r = ldb_trusted_file(st);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (fstat(fd, &now) < 0)
		r = -errno;
	else if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		r = -EAGAIN; /* replaced since the lstat() */
	else
		r = ldb_verify_meta(fd, (size_t)now.st_size);
	close(fd);
	return r;
}

/* The process's page size, which is also the one lease-db's writer uses:
 * a file with another one is not ours, and insisting on it lets us find
 * liblmdb's mapping (below). */
static size_t os_page(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

/* liblmdb has no call that returns its map address, yet a file whose
 * descriptor a daemon took over must still be unmapped without
 * mdb_env_close() (which would close the daemon's descriptor). Any value
 * liblmdb returns points into a page of the map, and every page starts
 * with its own number, so the map begins that many pages earlier. */
static int find_map(struct ldb_file *f, const void *inside, size_t psize)
{
	uintptr_t pg = (uintptr_t)inside & ~(uintptr_t)(psize - 1);
	uint64_t pgno;

	memcpy(&pgno, (const void *)pg, sizeof(pgno));
	if (pgno > pg / psize || pgno * psize + psize > f->maplen)
		return -EBADMSG;
	f->map = (void *)(pg - pgno * psize);
	/* Page 0 is a meta page (verified before anything was searched). */
	memcpy(&pgno, f->map, sizeof(pgno));
	if (pgno != 0 || !(((const uint8_t *)f->map)[10] & 0x08)) {
		f->map = NULL;
		return -EBADMSG;
	}
	return 0;
}

/* Unique among the files open in this process (heap addresses), and below
 * 2^31 so that any filesystem accepts it as an offset. */
static off_t fd_tag(const struct ldb_file *f)
{
	return (off_t)(((uintptr_t)f >> 4) & 0x7fffffff) + 1;
}

/* After LMDB opened the file itself: is it the one we checked, trusted,
 * and long enough for every page the meta page claims? A shorter file
 * would turn a lookup into SIGBUS. */
static int check_opened(struct ldb_file *f, const struct stat *pre, const struct ldb_fileid *vouch,
                        uid_t vouch_uid)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat st;
	int r;

	r = ldb_mdb_errno(mdb_env_get_fd(f->env, &f->fd));
	if (r < 0)
		return r;
	/* liblmdb 0.9.24 opens without O_CLOEXEC. */
	if (fcntl(f->fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	if (st.st_dev != pre->st_dev || st.st_ino != pre->st_ino)
		return -EAGAIN;
	r = ldb_trusted_file(&st);
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_env_info(f->env, &info));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_stat(f->env, &ms));
	if (r < 0)
		return r;
	if (ms.ms_psize != os_page())
		return -EBADMSG;
	f->maplen = ((size_t)info.me_last_pgno + 1) * (size_t)ms.ms_psize;
	if ((unsigned long long)st.st_size < f->maplen)
		return -EBADMSG;
	ldb_fileid_from_stat(&st, &f->id);
	/* A ctime without nanoseconds (ext4 with small inodes, vfat) may not
	 * change when the file is written within the second it was published:
	 * such a file is walked, whoever vouches for it. */
	f->vouched = vouch && st.st_uid == vouch_uid && f->id.ctime_nsec != 0 &&
	             ldb_fileid_equal(&f->id, vouch);
	/* Tag the open file description with an offset only this file uses
	 * (liblmdb reads with pread() only): the other NSS module, or a
	 * daemon, opening the same file under the same number later does not
	 * carry it. */
	if (lseek(f->fd, fd_tag(f), SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* liblmdb follows page numbers and offsets without checking them; a file
 * nobody we trust verified must be walked before it is searched. The file
 * is immutable, so a second mapping of it shows the same bytes. Uses the
 * descriptor liblmdb opened a moment ago. */
static int verify(struct ldb_file *f)
{
	void *map;
	int r;

	if (f->vouched)
		return 0;
	map = mmap(NULL, f->maplen, PROT_READ, MAP_SHARED, f->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = ldb_verify(map, f->maplen);
	munmap(map, f->maplen);
	return r;
}

/* Tables and format, and where liblmdb mapped the file: from a key,
 * which always sits in a leaf page whose number the walk checked (a value
 * may sit in an overflow page, whose header the walk does not check). */
static int open_tables(struct ldb_file *f)
{
	MDB_val k = {strlen(LDB_META_FORMAT), (void *)LDB_META_FORMAT}, v;
	MDB_cursor *c;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_schema_open(txn, &f->dbis);
	if (r == 0)
		r = ldb_mdb_errno(mdb_cursor_open(txn, f->dbis.meta, &c));
	if (r == 0) {
		r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_KEY));
		if (r == 0)
			r = find_map(f, k.mv_data, os_page());
		mdb_cursor_close(c);
	}
	if (r < 0) {
		mdb_txn_abort(txn);
		return r == -ENOENT ? -EBADMSG : r;
	}
	/* Only a committed read transaction keeps its table handles. */
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

/* Is liblmdb's descriptor still the file we opened? A daemon may have
 * closed it and opened its own file under the same number. */
static bool fd_is_ours(const struct ldb_file *f)
{
	struct stat st;
	int fl;

	if (f->fd < 0)
		return false;
	for (const struct ldb_file *o = live; o; o = o->next)
		if (o != f && o->fd == f->fd)
			return false; /* the number now belongs to a newer file of ours */
	fl = fcntl(f->fd, F_GETFD);
	if (fl < 0 || !(fl & FD_CLOEXEC))
		return false;
	fl = fcntl(f->fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
		return false;
	if (lseek(f->fd, 0, SEEK_CUR) != fd_tag(f))
		return false;
	return fstat(f->fd, &st) == 0 && (uint64_t)st.st_dev == f->id.dev &&
	       (uint64_t)st.st_ino == f->id.ino;
}

static void file_close(struct ldb_file *f)
{
	for (struct ldb_file **pp = &live; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	if (fd_is_ours(f)) {
		mdb_env_close(f->env);
		free(f);
		return;
	}
	if (f->map)
		munmap(f->map, f->maplen);
	f->map = NULL;
	f->fd = -1;
	f->next = NULL;
	abandon(f);
}

static void file_unref(struct ldb_file *f)
{
	if (f && --f->refs == 0)
		file_close(f);
}

/* One file: trust checks before and after LMDB opens it. Not yet walked
 * nor searched: that waits until the pair is known to be consistent. */
static int file_open(const char *path, const struct ldb_fileid *vouch, uid_t vouch_uid,
                     struct ldb_file **out)
{
	struct ldb_file *f;
	struct stat st;
	int r;

	r = check_path(path, &st);
	if (r < 0)
		return r;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->refs = 1;
	r = ldb_mdb_errno(mdb_env_create(&f->env));
	if (r < 0) {
		free(f);
		return r;
	}
	r = ldb_mdb_errno(mdb_env_set_maxdbs(f->env, LDB_MAXDBS));
	/* A map size of 1 is rounded up to the data size: map only the file. */
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_set_mapsize(f->env, 1));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(f->env, path, SNAP_FLAGS, 0));
	if (r == 0)
		r = check_opened(f, &st, vouch, vouch_uid);
	if (r < 0) {
		/* Nothing but this function has seen the descriptor yet. */
		mdb_env_close(f->env);
		free(f);
		if (r == -EINVAL || r == -ENOENT)
			return lstat(path, &st) < 0 ? -EAGAIN : -EBADMSG;
		return r;
	}
	f->next = live;
	live = f;
	*out = f;
	return 0;
}

static int base_id(const struct ldb_file *f, uint64_t *id)
{
	struct ldb_str v;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_meta_get(txn, &f->dbis, LDB_META_BASE_ID, &v);
	if (r == 0 && v.len != sizeof(*id))
		r = -EBADMSG;
	if (r == 0)
		memcpy(id, v.p, sizeof(*id));
	mdb_txn_abort(txn);
	return r;
}

void ldb_snapshot_close(struct ldb_snapshot *s)
{
	if (!s)
		return;
	file_unref(s->delta);
	file_unref(s->base);
	free(s);
}

/* One attempt at a consistent base + delta pair. */
static int open_pair(const char *path, const struct ldb_counter *gen, uid_t gen_owner,
                     const struct ldb_snapshot *prev, struct ldb_snapshot **out)
{
	struct ldb_counter_reading gv = {0};
	const struct ldb_fileid *vb = NULL, *vd = NULL;
	char dpath[PATH_MAX];
	struct ldb_snapshot *s;
	struct ldb_fileid now;
	struct stat st;
	bool fresh_base = true;
	uint64_t bid, did;
	int r;

	r = ldb_delta_path(path, dpath, sizeof(dpath));
	if (r < 0)
		return r;
	if (gen) {
		ldb_counter_read(gen, &gv);
		if (gv.valid) {
			vb = &gv.vbase;
			vd = &gv.vdelta;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->gen = gv.gen;

	/* The base a long-running reader already has, if it is still the
	 * one on disk: a delta publication then costs only the delta. */
	if (prev && lstat(path, &st) == 0) {
		ldb_fileid_from_stat(&st, &now);
		if (ldb_fileid_equal(&now, &prev->base->id)) {
			s->base = prev->base;
			s->base->refs++;
			fresh_base = false;
		}
	}
	if (!s->base) {
		r = file_open(path, vb, gen_owner, &s->base);
		if (r < 0)
			goto fail;
	}
	r = file_open(dpath, vd, gen_owner, &s->delta);
	if (r == -ENOENT) {
		r = 0;
	} else if (r == 0) {
		s->delta_seen = s->delta->id;
	} else {
		goto fail;
	}
	/* Renames between our opens: try again, nothing walked yet. */
	if (gen && ldb_counter_generation(gen) != gv.gen) {
		r = -EAGAIN;
		goto fail;
	}
	if (fresh_base) {
		r = verify(s->base);
		if (r == 0)
			r = open_tables(s->base);
		if (r < 0)
			goto fail;
	}
	if (s->delta) {
		r = verify(s->delta);
		if (r == 0)
			r = open_tables(s->delta);
		if (r < 0)
			goto fail;
		/* A delta is used only when it was made for this base; a stale
		 * one (the base was just replaced) is ignored. */
		if (base_id(s->base, &bid) < 0 || base_id(s->delta, &did) < 0 || did != bid) {
			file_unref(s->delta);
			s->delta = NULL;
		}
	}
	*out = s;
	return 0;
fail:
	ldb_snapshot_close(s);
	return r;
}

int ldb_snapshot_reopen(const char *path, const struct ldb_counter *gen, uid_t gen_owner,
                        const struct ldb_snapshot *prev, struct ldb_snapshot **out)
{
	int r = -EAGAIN;

	for (int i = 0; i < OPEN_ATTEMPTS && r == -EAGAIN; i++)
		r = open_pair(path, gen, gen_owner, prev, out);
	return r;
}

int ldb_snapshot_open(const char *path, struct ldb_snapshot **out)
{
	const struct ldb_counter *gen = NULL;
	uid_t owner = 0;
	dev_t dev;
	ino_t ino;
	int r;

	/* Without a trusted counter file every file is walked, and the pair
	 * is taken as found. */
	if (ldb_counter_map(path, &gen, &owner, &dev, &ino) < 0)
		gen = NULL;
	r = ldb_snapshot_reopen(path, gen, owner, NULL, out);
	ldb_counter_unmap(gen);
	return r;
}

static bool same_id(const char *path, const struct ldb_fileid *id)
{
	struct ldb_fileid now;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT && id->ino == 0 && id->dev == 0;
	ldb_fileid_from_stat(&st, &now);
	return ldb_fileid_equal(&now, id);
}

bool ldb_snapshot_unchanged(const char *path, const struct ldb_snapshot *s)
{
	char dpath[PATH_MAX];

	return same_id(path, &s->base->id) && ldb_delta_path(path, dpath, sizeof(dpath)) == 0 &&
	       same_id(dpath, &s->delta_seen);
}

int ldb_snapshot_begin(const struct ldb_snapshot *s, struct ldb_view *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->dbis = &s->base->dbis;
	v->ddbis = s->delta ? &s->delta->dbis : NULL;
	r = ldb_mdb_errno(mdb_txn_begin(s->base->env, NULL, MDB_RDONLY, &v->txn));
	if (r == 0 && s->delta) {
		r = ldb_mdb_errno(mdb_txn_begin(s->delta->env, NULL, MDB_RDONLY, &v->dtxn));
		if (r < 0)
			mdb_txn_abort(v->txn);
	}
	return r;
}

void ldb_snapshot_end(struct ldb_view *v)
{
	if (v->dtxn)
		mdb_txn_abort(v->dtxn);
	mdb_txn_abort(v->txn);
}
