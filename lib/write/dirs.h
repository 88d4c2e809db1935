/* The directories the writer puts files in. */
#ifndef LDB_WRITE_DIRS_H
#define LDB_WRITE_DIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Make sure a directory the writer uses is safe: create it with mode if it
 * is missing, refuse a symlink, a non-directory, another owner than the
 * effective user, or any of the forbidden mode bits. */
int ldb_secure_dir(const char *path, mode_t mode, mode_t forbidden);

/* After ldb_secure_dir() refused path with r (-EPERM, -ELOOP, -ENOTDIR):
 * which check failed and the way to satisfy it, for a message ("belongs to
 * uid 65534, not to uid 0 that runs this: chown 0 DIR"). Other errors:
 * strerror(). */
void ldb_secure_dir_why(const char *path, int r, char *buf, size_t size);

/* For root's init: path passes every check but belongs to another user
 * than root (the user dnsmasq's --dhcp-scriptuser runs events as), in
 * *owner. Such a master is read without writing anything in it. */
bool ldb_dir_foreign_owner(const char *path, mode_t forbidden, uid_t *owner);

#endif
