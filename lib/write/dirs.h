/* The directories the writer puts files in. */
#ifndef LDB_WRITE_DIRS_H
#define LDB_WRITE_DIRS_H

#include <sys/stat.h>

/* Make sure a directory the writer uses is safe: create it with mode if it
 * is missing, refuse a symlink, a non-directory, another owner than the
 * effective user, or any of the forbidden mode bits. */
int ldb_secure_dir(const char *path, mode_t mode, mode_t forbidden);

#endif
