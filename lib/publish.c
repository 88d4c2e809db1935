#include "config.h"

#include <dirent.h>
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

#include "gen.h"
#include "paths.h"
#include "publish.h"

#define TMP_PREFIX "."

uint64_t ldb_master_txn(struct ldb_master *m)
{
	MDB_envinfo info;

	if (mdb_env_info(m->env, &info) != 0)
		return 0;
	return info.me_last_txnid;
}

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
		const char *n = de->d_name;

		if (strncmp(n, TMP_PREFIX, plen) == 0 && strncmp(n + plen, base, blen) == 0 &&
		    n[plen + blen] == '.' && strlen(n + plen + blen) == 7)
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

/* Map the counter file read-write, creating it (temp file + rename) when it
 * is missing or not ours; an existing one is never truncated because
 * readers keep it mapped. */
static int map_gen(int dfd, const char *dir, const char *name, struct ldb_gen **out)
{
	char tmp[NAME_MAX + 1];
	struct stat st;
	void *p;
	int fd, r;

	fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    !(st.st_mode & 022) && st.st_size == LDB_GEN_SIZE)
			goto map;
		close(fd);
	} else if (errno != ENOENT && errno != ELOOP) {
		return -errno;
	}

	fd = open_tmp(dir, name, tmp);
	if (fd < 0)
		return fd;
	if (fchmod(fd, 0644) < 0 || ftruncate(fd, LDB_GEN_SIZE) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		r = -errno;
		close(fd);
		unlinkat(dfd, tmp, 0);
		return r;
	}
map:
	p = mmap(NULL, LDB_GEN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	*out = p;
	if ((*out)->magic != LDB_GEN_MAGIC) {
		(*out)->gen = 0;
		(*out)->txn = 0;
		__atomic_store_n(&(*out)->magic, LDB_GEN_MAGIC, __ATOMIC_RELEASE);
	}
	return 0;
}

static int copy_snapshot(struct ldb_master *m, int dfd, const char *dir, const char *base,
                         uint64_t *txn)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	fd = open_tmp(dir, base, tmp);
	if (fd < 0)
		return fd;
	/* The copy below reads a transaction at least this new. */
	*txn = ldb_master_txn(m);
	if (fchmod(fd, 0644) < 0) {
		r = -errno;
		goto fail;
	}
	r = ldb_mdb_errno(mdb_env_copyfd2(m->env, fd, MDB_CP_COMPACT));
	if (r < 0)
		goto fail;
	if (fdatasync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		r = -errno;
		goto fail;
	}
	/* Persist the rename where the directory is not on tmpfs. */
	(void)fsync(dfd);
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return r;
}

int ldb_publish(struct ldb_master *m, const char *path, uint64_t need_txn)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], genname[NAME_MAX + 1];
	struct ldb_gen *gen = NULL;
	const char *dir, *base;
	struct stat st;
	uint64_t txn = 0;
	int lockfd, dfd, r, n;

	if (strlen(path) >= sizeof(dirbuf))
		return -ENAMETOOLONG;
	strcpy(dirbuf, path);
	strcpy(basebuf, path);
	dir = dirname(dirbuf);
	base = basename(basebuf);
	n = snprintf(genname, sizeof(genname), "%s.gen", base);
	if (n < 0 || (size_t)n >= sizeof(genname) || *base == '\0' || *base == '.')
		return -EINVAL;

	lockfd = lock_publish(m->dir);
	if (lockfd < 0)
		return lockfd;
	r = ldb_secure_dir(dir, 0755, S_IWGRP | S_IWOTH);
	if (r < 0)
		goto out_lock;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		r = -errno;
		goto out_lock;
	}
	remove_stale(dfd, base);
	remove_stale(dfd, genname);
	r = map_gen(dfd, dir, genname, &gen);
	if (r < 0)
		goto out_dir;

	/* Coalesce: a writer that queued behind us may find its change already
	 * published by our copy. */
	if (__atomic_load_n(&gen->txn, __ATOMIC_ACQUIRE) >= need_txn && need_txn != 0 &&
	    fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		goto out_gen;

	r = copy_snapshot(m, dfd, dir, base, &txn);
	if (r < 0)
		goto out_gen;
	__atomic_store_n(&gen->txn, txn, __ATOMIC_RELEASE);
	__atomic_add_fetch(&gen->gen, 1, __ATOMIC_RELEASE);

out_gen:
	munmap(gen, LDB_GEN_SIZE);
out_dir:
	close(dfd);
out_lock:
	close(lockfd);
	return r;
}
