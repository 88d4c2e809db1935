#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/tables.h"
#include "store/verify.h"

/* Address space only: LMDB grows the file as pages are written. */
#define MASTER_MAPSIZE (SIZE_MAX > 0xffffffffu ? ((size_t)4 << 30) : ((size_t)256 << 20))

int ldb_master_open_readonly(const char *dir, struct ldb_master **out)
{
	struct stat st;

	int r;

	if (stat(dir, &st) < 0)
		return -errno;
	/* The tools' reads (lease-db-dump --master, --check): the whole file,
	 * at a few milliseconds per 100,000 leases, before liblmdb reads it. */
	r = ldb_master_verify(dir);
	if (r < 0)
		return r;
	r = ldb_master_open_env(dir, MDB_RDONLY, ldb_schema_open, out);
	/* No lock file can be allocated: no writer can open the master either
	 * (each needs it), so a read without a reader slot reads pages no one
	 * reuses. */
	if (r == -ENOSPC || r == -EDQUOT)
		r = ldb_master_open_env(dir, MDB_RDONLY | MDB_NOLOCK, ldb_schema_open, out);
	return r;
}

int ldb_master_open_nowrite(const char *dir, struct ldb_master **out)
{
	int r = ldb_master_open_readonly(dir, out);

	if (r == -EACCES || r == -EPERM)
		r = ldb_master_open_env(dir, MDB_RDONLY | MDB_NOLOCK, ldb_schema_open, out);
	return r;
}

bool ldb_master_read_stable(struct ldb_master *m, uint64_t txn)
{
	uint64_t now = ldb_master_txn(m);

	return now != 0 && now <= txn + 1;
}

int ldb_master_id(MDB_txn *txn, const struct ldb_dbis *dbis, uint8_t id[LDB_MASTER_ID_SIZE])
{
	struct ldb_str v;
	int r = ldb_meta_get(txn, dbis, LDB_META_MASTER_ID, &v);

	if (r < 0)
		return r;
	if (v.len != LDB_MASTER_ID_SIZE)
		return -EBADMSG;
	memcpy(id, v.p, LDB_MASTER_ID_SIZE);
	return 0;
}

void ldb_master_source(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_counter_source *s)
{
	struct ldb_str v;

	memset(s, 0, sizeof(*s));
	s->txn = mdb_txn_id(txn);
	if (ldb_master_id(txn, dbis, s->master_id) < 0)
		memset(s->master_id, 0, sizeof(s->master_id));
	if (ldb_meta_get(txn, dbis, LDB_META_PUBLICATION, &v) == 0 && v.len == sizeof(s->mark))
		memcpy(s->mark, v.p, sizeof(s->mark));
}

/* The snapshots' rule on the data file: its meta pages must be readable
 * and every page they claim inside the file. */
static int check_data(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return ldb_verify_meta(fd, (size_t)st.st_size);
}

/* Wait while an opener that found no master holds liblmdb's exclusive
 * lock (byte 0 of lock.mdb, F_WRLCK) to write the first meta pages, as
 * liblmdb's own second opener waits. The lock goes with the descriptor,
 * before liblmdb opens the file itself: closing any descriptor of it
 * drops the process's locks on it, liblmdb's too, so this must not run
 * while the process has this master open. */
#define WAIT_CREATOR_STEP_NS 20000000L /* 20 ms */
#define WAIT_CREATOR_POLLS   150       /* 3 s: liblmdb writes two pages */

static void wait_creator(const char *dir)
{
	struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	/* Bounded: a process stuck holding the lock (or holding it on
	 * purpose) must not stall the helper, and dnsmasq with it; after the
	 * wait the file is judged as it is. */
	for (int i = 0; i < WAIT_CREATOR_POLLS; i++) {
		if (fcntl(fd, F_SETLK, &lk) == 0 || (errno != EAGAIN && errno != EACCES))
			break;
		nanosleep(&(struct timespec){0, WAIT_CREATOR_STEP_NS}, NULL);
	}
	close(fd);
}

int ldb_master_check(const char *dir)
{
	char path[PATH_MAX];
	int fd, r;

	r = ldb_master_data_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* none: liblmdb makes a fresh one */
	r = check_data(fd);
	/* Being created, or a commit grew the file after our size was taken
	 * (its pages are written before its meta page): look again once no
	 * creator holds the lock. The file never shrinks by itself. */
	if (r == -EBADMSG) {
		wait_creator(dir);
		r = check_data(fd);
	}
	close(fd);
	return r == -EBADMSG ? -EUCLEAN : r;
}

int ldb_master_verify(const char *dir)
{
	char path[PATH_MAX];
	struct stat st, again;
	uint64_t before, after;
	void *map;
	int fd, r;

	r = ldb_master_check(dir);
	if (r < 0)
		return r;
	r = ldb_master_data_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* A writer may commit during the walk: grow the file past the
	 * mapping (its pages first, then the meta page naming them) and, two
	 * commits on, reuse pages of the tree being walked. A failed walk
	 * counts only when neither the newest transaction nor the size
	 * changed under it; otherwise it is taken again. */
	for (int i = 0; i < 8; i++) {
		if (fstat(fd, &st) < 0) {
			r = -errno;
			break;
		}
		if (st.st_size == 0) {
			r = -EBADMSG;
			break;
		}
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			r = -errno;
			break;
		}
		before = ldb_verify_txnid(map, (size_t)st.st_size);
		r = ldb_verify_master(map, (size_t)st.st_size);
		after = ldb_verify_txnid(map, (size_t)st.st_size);
		munmap(map, (size_t)st.st_size);
		if (r == 0 ||
		    (before == after && fstat(fd, &again) == 0 && again.st_size == st.st_size))
			break;
	}
	close(fd);
	return r == -EBADMSG ? -EUCLEAN : r;
}

/* liblmdb 0.9's lock file for maxreaders readers (mdb_env_setup_locks():
 * (maxreaders - 1) reader slots of one cache line after the MDB_txninfo
 * header of three, with POSIX robust mutexes on Linux): 8192 bytes for the
 * default 126. A bigger file liblmdb takes as it is (more slots); a smaller
 * one it would ftruncate() to this, sparse. tests/unit/write/test-master.c
 * checks the figure against the liblmdb in use. */
#define LOCK_SLOT    64
#define LOCK_HEADER  (3 * LOCK_SLOT)
#define LOCK_SIZE(n) (((size_t)(n)-1) * LOCK_SLOT + LOCK_HEADER)

/* liblmdb makes its lock file with ftruncate() and writes its header
 * through a shared mapping of it (even for MDB_RDONLY): on a full
 * filesystem that store is a SIGBUS, not an error. So the file gets its
 * blocks first: -ENOSPC or -EDQUOT when the filesystem cannot give them.
 * Where the file cannot be made at all (read-only filesystem, no
 * permission) liblmdb says so itself: 0. An existing file is allocated at
 * its own size, never resized (other processes have it mapped). */
static int lock_file_ready(const char *dir, MDB_env *env)
{
	char path[PATH_MAX];
	unsigned readers = 0;
	struct stat st;
	off_t want;
	int fd, n, r;

	n = snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return errno == ENOSPC || errno == EDQUOT ? -errno : 0;
	r = mdb_env_get_maxreaders(env, &readers) == 0 && readers > 0 ? 0 : -EINVAL;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && !S_ISREG(st.st_mode))
		r = -EINVAL;
	if (r < 0)
		goto out;
	want = st.st_size > 0 ? st.st_size : (off_t)LOCK_SIZE(readers);
	if ((off_t)st.st_blocks * 512 < want) {
		r = -posix_fallocate(fd, 0, want);
		/* No fallocate here and none emulated: liblmdb as before. */
		if (r == -EOPNOTSUPP || r == -ENOSYS || r == -EINVAL)
			r = 0;
	}
out:
	close(fd);
	return r;
}

/* A data file this process's failed open just made (liblmdb creates it,
 * then cannot write its meta pages: a full filesystem) is empty or holds
 * part of them, and such a master is refused as damaged for ever after.
 * It is removed, but
 * only while no process has the environment open: liblmdb's exclusive
 * lock (byte 0 of lock.mdb) is free only then, and a creator holds it
 * until its meta pages are written. Called after this process closed its
 * environment (closing a descriptor drops its locks on the file). */
static void discard_unborn(const char *dir)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	char path[PATH_MAX];
	int fd, dfd, n;

	n = snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fcntl(fd, F_SETLK, &lk) == 0 && ldb_master_data_path(dir, path, sizeof(path)) == 0) {
		dfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (dfd >= 0 && check_data(dfd) == -EBADMSG)
			unlink(path);
		if (dfd >= 0)
			close(dfd);
	}
	close(fd);
}

int ldb_master_open_env(const char *dir, unsigned env_flags,
                        int (*open_tables)(MDB_txn *txn, struct ldb_dbis *dbis),
                        struct ldb_master **out)
{
	char path[PATH_MAX];
	struct ldb_master *m;
	struct stat st;
	MDB_txn *txn;
	bool fresh;
	int r;

	r = ldb_master_data_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	fresh = !(env_flags & MDB_RDONLY) && lstat(path, &st) < 0 && errno == ENOENT;
	/* liblmdb maps whatever the file holds and faults (SIGBUS) on pages
	 * past its end; a 0-byte file it would take for a new database. */
	r = ldb_master_check(dir);
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->dir = strdup(dir);
	if (!m->dir) {
		r = -ENOMEM;
		goto fail_free;
	}
	r = ldb_mdb_errno(mdb_env_create(&m->env));
	if (r < 0)
		goto fail_dir;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(m->env, LDB_MAXDBS));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_set_mapsize(m->env, MASTER_MAPSIZE));
	if (r == 0 && !(env_flags & MDB_NOLOCK))
		r = lock_file_ready(dir, m->env);
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(m->env, dir, env_flags, 0600));
	if (r < 0) {
		mdb_env_close(m->env);
		if (fresh)
			discard_unborn(dir);
		goto fail_dir;
	}

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, env_flags & MDB_RDONLY, &txn));
	if (r < 0)
		goto fail_env;
	r = open_tables(txn, &m->dbis);
	if (r < 0) {
		mdb_txn_abort(txn);
		goto fail_env;
	}
	/* Committing keeps the table handles valid for later transactions. */
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0)
		goto fail_env;
	*out = m;
	return 0;

fail_env:
	mdb_env_close(m->env);
fail_dir:
	free(m->dir);
fail_free:
	free(m);
	return r;
}

void ldb_master_close(struct ldb_master *m)
{
	if (!m)
		return;
	mdb_env_close(m->env);
	free(m->dir);
	free(m);
}

uint64_t ldb_master_txn(struct ldb_master *m)
{
	MDB_envinfo info;

	if (mdb_env_info(m->env, &info) != 0)
		return 0;
	return info.me_last_txnid;
}
