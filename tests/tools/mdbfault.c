/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LD_PRELOAD shim for tests/init-unstable.sh: in the second read-only
 * transaction a process begins (init's read of the leases; the first is the
 * open's), the first cursor read fails with MDB_PAGE_NOTFOUND, and the next
 * mdb_env_info() reports two more commits than there were: what a read
 * without a reader slot meets when a writer elsewhere reuses its pages.
 * Built by the test itself (cc -shared). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <lmdb.h>

static int ro_txns, faulted, told;

int mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn)
{
	int (*real)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **) =
	    (int (*)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **))dlsym(RTLD_NEXT,
	                                                                   "mdb_txn_begin");

	if (flags & MDB_RDONLY)
		ro_txns++;
	return real(env, parent, flags, txn);
}

int mdb_cursor_get(MDB_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op op)
{
	int (*real)(MDB_cursor *, MDB_val *, MDB_val *, MDB_cursor_op) =
	    (int (*)(MDB_cursor *, MDB_val *, MDB_val *, MDB_cursor_op))dlsym(RTLD_NEXT,
	                                                                      "mdb_cursor_get");

	if (ro_txns == 2 && !faulted) {
		faulted = 1;
		return MDB_PAGE_NOTFOUND;
	}
	return real(c, k, v, op);
}

int mdb_env_info(MDB_env *env, MDB_envinfo *info)
{
	int (*real)(MDB_env *, MDB_envinfo *) =
	    (int (*)(MDB_env *, MDB_envinfo *))dlsym(RTLD_NEXT, "mdb_env_info");
	int r = real(env, info);

	if (r == 0 && faulted && !told) {
		told = 1;
		info->me_last_txnid += 2;
	}
	return r;
}
