/* Where the files live: the master's directory, the snapshot family
 * (base, "<base>.delta", counter "<base>.gen": the only place their names
 * are spelled), and who may be trusted to have put a published file there. */
#ifndef LDB_STORE_FILES_H
#define LDB_STORE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Compiled-in defaults, overridden through secure_getenv() only, so a
 * setuid program never follows a caller's variables. */
const char *ldb_master_dir(void);
const char *ldb_snapshot_path(void);

/* libvirt's lease directory (its <bridge>.status and <network>.macs
 * files), or NULL when switched off (configured without one, or
 * LEASE_DB_LIBVIRT_DIR set to "" or "none"). *explicit tells whether
 * LEASE_DB_LIBVIRT_DIR named it. */
const char *ldb_libvirt_dir(bool *explicit);

/* The master's LMDB data file, in its directory (liblmdb's own name). */
#define LDB_MASTER_DATA "data.mdb"

/* "<dir>/data.mdb". -ENAMETOOLONG when it does not fit. */
int ldb_master_data_path(const char *dir, char *buf, size_t size);

#define LDB_COUNTER_SUFFIX ".gen"
#define LDB_DELTA_SUFFIX   ".delta"

/* The counter file published beside a snapshot: "<snapshot>.gen" (a path
 * or a bare file name). -ENAMETOOLONG when it does not fit. */
int ldb_counter_path(const char *snapshot, char *buf, size_t size);

/* The delta published over a snapshot: "<snapshot>.delta". */
int ldb_delta_path(const char *snapshot, char *buf, size_t size);

/* A published file is trusted when it is a regular file owned by root or
 * by the effective user and writable by nobody else. -EPERM otherwise. */
int ldb_trusted_file(const struct stat *st);

#endif
