#include "config.h"

#include <errno.h>
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
