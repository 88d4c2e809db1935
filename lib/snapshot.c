#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "paths.h"
#include "snapshot.h"

#define SNAP_FLAGS (MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS | MDB_NORDAHEAD)

/* After LMDB opened the file itself: is it the one we checked, trusted, and
 * long enough for every page the meta page claims? A shorter file would
 * turn a lookup into SIGBUS. */
static int check_mapped(MDB_env *env, const struct stat *pre)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat st;
	int fd, r;

	r = ldb_mdb_errno(mdb_env_get_fd(env, &fd));
	if (r < 0)
		return r;
	/* liblmdb 0.9.24 opens without O_CLOEXEC. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != pre->st_dev || st.st_ino != pre->st_ino)
		return -EAGAIN;
	r = ldb_trusted_file(&st);
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_env_info(env, &info));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_stat(env, &ms));
	if (r < 0)
		return r;
	if ((unsigned long long)st.st_size <
	    ((unsigned long long)info.me_last_pgno + 1) * ms.ms_psize)
		return -EBADMSG;
	return 0;
}

int ldb_snapshot_open(const char *path, struct ldb_snapshot **out)
{
	struct ldb_snapshot *s;
	struct stat st;
	MDB_txn *txn;
	int r;

	/* Refuse FIFOs, devices, directories and symlinks before LMDB opens
	 * anything: opening a FIFO would block the caller for ever. */
	if (lstat(path, &st) < 0)
		return -errno;
	r = ldb_trusted_file(&st);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	r = ldb_mdb_errno(mdb_env_create(&s->env));
	if (r < 0)
		goto fail_free;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(s->env, LDB_MAXDBS));
	/* A map size of 1 is rounded up to the data size: map only the file. */
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_set_mapsize(s->env, 1));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(s->env, path, SNAP_FLAGS, 0));
	if (r == 0)
		r = check_mapped(s->env, &st);
	if (r < 0)
		goto fail_env;

	r = ldb_mdb_errno(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		goto fail_env;
	r = ldb_db_open(txn, false, &s->dbis);
	if (r < 0) {
		mdb_txn_abort(txn);
		goto fail_env;
	}
	/* Only a committed read transaction keeps its table handles. */
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0)
		goto fail_env;
	*out = s;
	return 0;

fail_env:
	mdb_env_close(s->env);
fail_free:
	free(s);
	/* A file LMDB rejects is as invalid as a bad layout. */
	if (r == -EINVAL || r == -ENOENT)
		r = -EBADMSG;
	return r;
}

void ldb_snapshot_close(struct ldb_snapshot *s)
{
	if (!s)
		return;
	mdb_env_close(s->env);
	free(s);
}
