#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/files.h"

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

const char *ldb_libvirt_dir(bool *explicit)
{
	const char *s = secure_getenv("LEASE_DB_LIBVIRT_DIR");

	*explicit = s != NULL;
	if (!s)
		s = LDB_LIBVIRT_DIR;
	if (*s == '\0' || strcmp(s, "none") == 0)
		return NULL;
	return s;
}

int ldb_master_data_path(const char *dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/" LDB_MASTER_DATA, dir);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int ldb_counter_path(const char *snapshot, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s" LDB_COUNTER_SUFFIX, snapshot);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int ldb_delta_path(const char *snapshot, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s" LDB_DELTA_SUFFIX, snapshot);

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
