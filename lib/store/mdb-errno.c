#include "config.h"

#include <errno.h>
#include <lmdb.h>

#include "store/mdb-errno.h"

int ldb_mdb_errno(int rc)
{
	if (rc == 0)
		return 0;
	if (rc > 0)
		return -rc;
	switch (rc) {
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
		return -EAGAIN;
	case MDB_KEYEXIST:
		return -EEXIST;
	default:
		/* MDB_CORRUPTED, MDB_INVALID, MDB_VERSION_MISMATCH, ... */
		return -EBADMSG;
	}
}
