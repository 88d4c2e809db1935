/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The master's identity (meta master-id, write/master.c) and reading a
 * master without a reader slot (store/master.c): an identity is made with
 * the master and kept, two masters get two; an unlocked read transaction
 * is stable until the second commit after it began. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mdb-errno.h"
#include "tests/unit/tap.h"
#include "write/master.h"
#include "write/tables.h"

static int id_of(struct ldb_master *m, uint8_t id[LDB_MASTER_ID_SIZE])
{
	MDB_txn *txn;
	int r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn));

	if (r < 0)
		return r;
	r = ldb_master_id(txn, &m->dbis, id);
	mdb_txn_abort(txn);
	return r;
}

static int commit_one(struct ldb_master *m, const char *val)
{
	MDB_txn *txn;
	int r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));

	if (r < 0)
		return r;
	r = ldb_meta_put(txn, &m->dbis, "test", ldb_str_from(val));
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

int main(void)
{
	static const uint8_t zero[LDB_MASTER_ID_SIZE];
	uint8_t id1[LDB_MASTER_ID_SIZE], id2[LDB_MASTER_ID_SIZE], id3[LDB_MASTER_ID_SIZE];
	char dir[] = "/tmp/ldb-test-master.XXXXXX", m1[64], m2[64], cmd[128];
	struct ldb_master *m, *ro;
	MDB_txn *txn;
	uint64_t t;
	int r;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	snprintf(m1, sizeof(m1), "%s/m1", dir);
	snprintf(m2, sizeof(m2), "%s/m2", dir);

	r = ldb_master_open_writable(m1, &m);
	if (!ok(r == 0, "a new master")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	is_int(id_of(m, id1), 0, "... has an identity");
	ok(memcmp(id1, zero, sizeof(zero)) != 0, "... not all zero");
	t = ldb_master_txn(m);
	ldb_master_close(m);
	r = ldb_master_open_writable(m1, &m);
	is_int(r == 0 ? id_of(m, id2) : r, 0, "reopened");
	ok(memcmp(id1, id2, sizeof(id1)) == 0, "... the same identity");
	ok(ldb_master_txn(m) == t, "... and no write to keep it");

	r = ldb_master_open_writable(m2, &ro);
	is_int(r == 0 ? id_of(ro, id3) : r, 0, "another master");
	ok(memcmp(id1, id3, sizeof(id1)) != 0, "... another identity");
	if (r == 0)
		ldb_master_close(ro);

	/* Unlocked, as init opens a master it cannot write: the writer does
	 * not see this reader, so its pages are safe only until the second
	 * commit after the read began. */
	r = ldb_master_open_env(m1, MDB_RDONLY | MDB_NOLOCK, ldb_schema_open, &ro);
	if (!ok(r == 0, "opened without lock beside the writer")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	r = ldb_mdb_errno(mdb_txn_begin(ro->env, NULL, MDB_RDONLY, &txn));
	is_int(r, 0, "a read transaction");
	t = r == 0 ? mdb_txn_id(txn) : 0;
	ok(ldb_master_read_stable(ro, t), "stable with no commit since");
	is_int(commit_one(m, "one"), 0, "a commit");
	ok(ldb_master_read_stable(ro, t), "stable after one commit (its pages not yet reusable)");
	is_int(commit_one(m, "two"), 0, "a second commit");
	ok(!ldb_master_read_stable(ro, t), "not stable after the second: read again");
	if (r == 0)
		mdb_txn_abort(txn);
	ldb_master_close(ro);
	ldb_master_close(m);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
