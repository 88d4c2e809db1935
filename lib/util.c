#include "config.h"

#include <errno.h>
#include <lmdb.h>

#include "util.h"

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

int ldb_str_copy(char *dst, size_t size, struct ldb_str s)
{
	if (s.len >= size)
		return -ENAMETOOLONG;
	if (s.len)
		memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	return 0;
}
