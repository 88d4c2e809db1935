/* Opening the master to write: the helper's side of store/master.h. */
#ifndef LDB_WRITE_MASTER_H
#define LDB_WRITE_MASTER_H

#include "store/master.h"

/* Open the master in dir, creating the directory (0700) and the database
 * when missing, and migrating an older layout in place
 * (ldb_master_upgrade(), in the open's write transaction); -EPROTONOSUPPORT
 * for a newer one. A master without an identity (meta master-id: a new
 * one, or an older helper's) gets a random one in the same transaction.
 * The directory must belong to the effective user with no group/other
 * write bit. */
int ldb_master_open_writable(const char *dir, struct ldb_master **out);

/* LDB_MASTER_ID_SIZE bytes no other master or publication has (an
 * identity, a publication mark): random, never blocking. */
void ldb_master_new_id(uint8_t id[LDB_MASTER_ID_SIZE]);

/* For init, which must print the leases whenever the master can be read:
 * the writable open, else, when the directory is the writer's own but the
 * master cannot be written (a read-only filesystem, a full one, a lock
 * file it may not open), ldb_master_open_nowrite(). *rw_err gets the
 * writable open's error (0 when it succeeded: the master is writable).
 * -ENOENT when there is no master and none can be made. Run as root on a
 * directory that passes ldb_secure_dir()'s checks but belongs to another
 * user (dnsmasq's --dhcp-scriptuser runs events as that user, init as
 * root): read without LMDB's lock file (MDB_NOLOCK), nothing created in
 * it, *rw_err -EPERM. A directory that fails the other checks and a newer
 * layout are refused as for the writable open. */
int ldb_master_open_init(const char *dir, struct ldb_master **out, int *rw_err);

/* liblmdb turns a short write into EIO: when the filesystem of dir is
 * (now) full, that is what happened, and r becomes -ENOSPC. */
int ldb_master_write_errno(const char *dir, int r);

#endif
