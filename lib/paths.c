#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

const char *ldb_master_dir(void)
{
	const char *s = secure_getenv("LEASE_DB_DIR");

	return s && *s ? s : LDB_MASTER_DIR;
}

const char *ldb_snapshot_path(void)
{
	const char *s = secure_getenv("LEASE_DB_SNAPSHOT");

	return s && *s ? s : LDB_SNAPSHOT_PATH;
}

int ldb_gen_path(const char *snapshot, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.gen", snapshot);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int ldb_delta_path(const char *snapshot, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.delta", snapshot);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int ldb_trusted_file(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return -EPERM;
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return 0;
}

int ldb_secure_dir(const char *path, mode_t mode, mode_t forbidden)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & forbidden))
		return -EPERM;
	return 0;
}
