#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "write/dirs.h"

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

void ldb_secure_dir_why(const char *path, int r, char *buf, size_t size)
{
	struct stat st;
	int n = 0;

	if (r == -ELOOP) {
		snprintf(buf, size, "%s is a symbolic link: use the directory itself", path);
		return;
	}
	if (r == -ENOTDIR) {
		snprintf(buf, size, "%s is not a directory: remove it or point elsewhere", path);
		return;
	}
	if (r != -EPERM || lstat(path, &st) < 0) {
		snprintf(buf, size, "%s: %s", path, strerror(-r));
		return;
	}
	n = snprintf(buf, size, "%s", path);
	if (n >= 0 && (size_t)n < size && st.st_uid != geteuid())
		n += snprintf(buf + n, size - (size_t)n,
		              " belongs to uid %u, not to uid %u that runs this: chown %u %s (or "
		              "run as its owner)",
		              (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
	if (n >= 0 && (size_t)n < size && (st.st_mode & (S_IWGRP | S_IWOTH)))
		snprintf(buf + n, size - (size_t)n,
		         "%s has mode %04o, writable by others: chmod go-w %s",
		         st.st_uid != geteuid() ? "; and it" : "", (unsigned)(st.st_mode & 07777),
		         path);
}

bool ldb_dir_foreign_owner(const char *path, mode_t forbidden, uid_t *owner)
{
	struct stat st;

	if (geteuid() != 0 || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid == 0 ||
	    (st.st_mode & forbidden))
		return false;
	*owner = st.st_uid;
	return true;
}
