#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "paths.h"
#include "snapshot.h"
#include "verify.h"

#define SNAP_FLAGS (MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS | MDB_NORDAHEAD)

/* After LMDB opened the file itself: is it the one we checked, trusted, and
 * long enough for every page the meta page claims? A shorter file would
 * turn a lookup into SIGBUS. */
static int check_mapped(MDB_env *env, const struct stat *pre)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat st;
	size_t len;
	void *map;
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
	/* liblmdb follows page numbers and offsets without checking them;
	 * a damaged file must be refused before it is searched. The file is
	 * immutable, so a second mapping of it shows the same bytes. */
	len = ((size_t)info.me_last_pgno + 1) * (size_t)ms.ms_psize;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = ldb_verify(map, len);
	munmap(map, len);
	return r;
}

/* One file: trust checks before and after LMDB opens it, tables, format. */
static int open_one(const char *path, const struct stat *st, MDB_env **envp, struct ldb_dbis *dbis)
{
	MDB_env *env;
	MDB_txn *txn;
	struct stat now;
	int r;

	r = ldb_mdb_errno(mdb_env_create(&env));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_env_set_maxdbs(env, LDB_MAXDBS));
	/* A map size of 1 is rounded up to the data size: map only the file. */
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_set_mapsize(env, 1));
	if (r == 0)
		r = ldb_mdb_errno(mdb_env_open(env, path, SNAP_FLAGS, 0));
	if (r == 0)
		r = check_mapped(env, st);
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		goto fail;
	r = ldb_db_open(txn, false, dbis);
	if (r < 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	/* Only a committed read transaction keeps its table handles. */
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0)
		goto fail;
	*envp = env;
	return 0;
fail:
	mdb_env_close(env);
	/* Replaced or removed while we opened it: a publication raced us. */
	if (lstat(path, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return -EAGAIN;
	/* A file LMDB rejects is as invalid as a bad layout. */
	return (r == -EINVAL || r == -ENOENT) ? -EBADMSG : r;
}

/* Refuse FIFOs, devices, directories and symlinks before LMDB opens
 * anything (opening a FIFO would block the caller for ever), and meta
 * pages liblmdb would trip over while opening (it divides by the page
 * size it reads there). */
static int check_path(const char *path, struct stat *st)
{
	int fd, r;

	if (lstat(path, st) < 0)
		return -errno;
	r = ldb_trusted_file(st);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = ldb_verify_meta(fd, (size_t)st->st_size);
	close(fd);
	return r;
}

static int base_id(MDB_env *env, const struct ldb_dbis *dbis, uint64_t *id)
{
	struct ldb_str v;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	if (r < 0)
		return r;
	r = ldb_db_meta_get(txn, dbis, LDB_META_BASE_ID, &v);
	if (r == 0 && v.len != sizeof(*id))
		r = -EBADMSG;
	if (r == 0)
		memcpy(id, v.p, sizeof(*id));
	mdb_txn_abort(txn);
	return r;
}

/* The delta is used only when it was made for this base; a stale one (the
 * base was just replaced) is ignored until the next publication. */
static int open_delta(const char *path, struct ldb_snapshot *s)
{
	char dpath[PATH_MAX];
	uint64_t bid, did;
	struct stat st;
	int r;

	r = ldb_delta_path(path, dpath, sizeof(dpath));
	if (r < 0)
		return r;
	r = check_path(dpath, &st);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	s->ddev = st.st_dev;
	s->dino = st.st_ino;
	if (base_id(s->env, &s->dbis, &bid) < 0)
		return 0;
	r = open_one(dpath, &st, &s->denv, &s->ddbis);
	if (r < 0)
		return r;
	if (base_id(s->denv, &s->ddbis, &did) < 0 || did != bid) {
		mdb_env_close(s->denv);
		s->denv = NULL;
	}
	return 0;
}

int ldb_snapshot_open(const char *path, struct ldb_snapshot **out)
{
	struct ldb_snapshot *s;
	struct stat st;
	int r;

	r = check_path(path, &st);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	r = open_one(path, &st, &s->env, &s->dbis);
	if (r < 0) {
		free(s);
		return r;
	}
	r = open_delta(path, s);
	if (r < 0) {
		ldb_snapshot_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void ldb_snapshot_close(struct ldb_snapshot *s)
{
	if (!s)
		return;
	if (s->denv)
		mdb_env_close(s->denv);
	mdb_env_close(s->env);
	free(s);
}

int ldb_snapshot_begin(const struct ldb_snapshot *s, struct ldb_view *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->dbis = &s->dbis;
	v->ddbis = s->denv ? &s->ddbis : NULL;
	r = ldb_mdb_errno(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &v->txn));
	if (r == 0 && s->denv) {
		r = ldb_mdb_errno(mdb_txn_begin(s->denv, NULL, MDB_RDONLY, &v->dtxn));
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
