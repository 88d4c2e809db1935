#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

	if (stat(dir, &st) < 0)
		return -errno;
	return ldb_master_open_env(dir, MDB_RDONLY, ldb_schema_open, out);
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
	while (fcntl(fd, F_SETLKW, &lk) < 0 && errno == EINTR)
		;
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

int ldb_master_open_env(const char *dir, unsigned env_flags,
                        int (*open_tables)(MDB_txn *txn, struct ldb_dbis *dbis),
                        struct ldb_master **out)
{
	struct ldb_master *m;
	MDB_txn *txn;
	int r;

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
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(m->env, dir, env_flags, 0600));
	if (r < 0)
		goto fail_env;

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
