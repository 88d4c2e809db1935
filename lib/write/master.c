#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "write/dirs.h"
#include "write/master.h"
#include "write/migrate.h"
#include "write/tables.h"

/* Unique, not secret: it only has to differ from the identity of the
 * master a published snapshot came from. Never blocks (init runs at boot,
 * maybe before the kernel's pool is ready): without getrandom() bytes,
 * the clocks and the pid. */
void ldb_master_new_id(uint8_t id[LDB_MASTER_ID_SIZE])
{
	struct timespec rt, mono;
	uint64_t mix[2];

	if (getrandom(id, LDB_MASTER_ID_SIZE, GRND_NONBLOCK) == LDB_MASTER_ID_SIZE)
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	mix[0] = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	mix[1] = ((uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec) ^
	         ((uint64_t)getpid() << 40);
	memcpy(id, mix, LDB_MASTER_ID_SIZE);
}

/* The tables, the layout, and the master's identity. */
static int open_tables(MDB_txn *txn, struct ldb_dbis *dbis)
{
	uint8_t id[LDB_MASTER_ID_SIZE];
	int r = ldb_master_upgrade(txn, dbis);

	/* Any failure of the upgrade (a damaged record: -EBADMSG) aborts the
	 * whole transaction: never an identity over a half-migrated layout. */
	if (r < 0)
		return r;
	r = ldb_master_id(txn, dbis, id);
	if (r == -ENOENT || r == -EBADMSG) {
		ldb_master_new_id(id);
		r = ldb_meta_put(txn, dbis, LDB_META_MASTER_ID,
		                 (struct ldb_str){(const char *)id, sizeof(id)});
	}
	return r;
}

int ldb_master_open_writable(const char *dir, struct ldb_master **out)
{
	int r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);

	return r < 0 ? r : ldb_master_open_env(dir, 0, open_tables, out);
}

int ldb_master_open_init(const char *dir, struct ldb_master **out, int *rw_err)
{
	struct stat st;
	uid_t owner;
	int r;

	*rw_err = 0;
	r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);
	/* mkdir() says EEXIST before EROFS or ENOSPC: a missing directory it
	 * could not make (read-only or full filesystem, no permission, no
	 * quota) means there is no master. */
	if (r == -EROFS || r == -EACCES || r == -ENOSPC || r == -EDQUOT)
		return lstat(dir, &st) < 0 && errno == ENOENT ? -ENOENT : r;
	/* Root's init, the events run by another user (dnsmasq's
	 * --dhcp-scriptuser): that user's master is read as it is, without
	 * LMDB's lock file, which root must neither create nor take over. */
	if (r == -EPERM && ldb_dir_foreign_owner(dir, S_IWGRP | S_IWOTH, &owner)) {
		*rw_err = r;
		return ldb_master_open_env(dir, MDB_RDONLY | MDB_NOLOCK, ldb_schema_open, out);
	}
	if (r < 0)
		return r;
	r = ldb_master_open_env(dir, 0, open_tables, out);
	/* A damaged master (-EUCLEAN) is no better read-only. */
	if (r == 0 || r == -EPROTONOSUPPORT || r == -EUCLEAN)
		return r;
	*rw_err = r;
	return ldb_master_open_nowrite(dir, out);
}

/* Free space under which a failed write is taken for a full filesystem. */
#define FULL_BELOW (256 * 1024)

int ldb_master_write_errno(const char *dir, int r)
{
	struct statvfs sv;

	if (r == -EIO && dir && statvfs(dir, &sv) == 0 &&
	    (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) * sv.f_frsize < FULL_BELOW)
		return -ENOSPC;
	return r;
}
