/* Where the database lives, and who may be trusted to have put it there. */
#ifndef LDB_PATHS_H
#define LDB_PATHS_H

#include <stdbool.h>
#include <sys/stat.h>

/* Compiled-in defaults, overridden through secure_getenv() only, so a
 * setuid program never follows a caller's variables. */
const char *ldb_master_dir(void);
const char *ldb_snapshot_path(void);

/* The counter file published beside a snapshot: "<snapshot>.gen". */
int ldb_gen_path(const char *snapshot, char *buf, size_t size);

/* The delta published over a snapshot: "<snapshot>.delta". */
int ldb_delta_path(const char *snapshot, char *buf, size_t size);

/* A published file is trusted when it is a regular file owned by root or
 * by the effective user and writable by nobody else. -EPERM otherwise. */
int ldb_trusted_file(const struct stat *st);

/* Make sure a directory the writer uses is safe: create it with mode if it
 * is missing, refuse a symlink, a non-directory, another owner than the
 * effective user, or any of the forbidden mode bits. */
int ldb_secure_dir(const char *path, mode_t mode, mode_t forbidden);

#endif
