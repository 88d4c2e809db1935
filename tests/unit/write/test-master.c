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
#include <sys/socket.h>
#include <sys/stat.h>

#include "store/counter.h"
#include "store/mdb-errno.h"
#include "tests/unit/tap.h"
#include "write/master.h"
#include "write/publish.h"
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

/* A layout 1 master (leases keyed by address alone, no identity) whose
 * second lease has a damaged key, as an older helper's master after a bad
 * restore: migrating it must fail. */
static int make_damaged_v1(struct ldb_master *m)
{
	static const char *const names[2] = {"one", "two"};
	MDB_txn *txn;
	MDB_val mid = {strlen(LDB_META_MASTER_ID), (void *)LDB_META_MASTER_ID};
	int r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));

	for (int i = 0; r == 0 && i < 2; i++) {
		struct ldb_lease l = {
		    .family = AF_INET,
		    .expiry = 0,
		    .addr = {10, 0, 0, (uint8_t)(i + 1)},
		    .mac = ldb_str_from(i ? "52:54:00:00:00:02" : "52:54:00:00:00:01"),
		    .hostname = ldb_str_from(names[i]),
		    .iface = ldb_str_from("br0")};
		uint8_t key[LDB_LEASEKEY_MAX + 2] = {0}, rec[512];
		MDB_val k = {ldb_leasekey_of(&l, key), key}, v;

		r = ldb_lease_put(txn, &m->dbis, &l);
		if (r == 0)
			r = ldb_mdb_errno(mdb_get(txn, m->dbis.lease, &k, &v));
		if (r == 0 && v.mv_size > sizeof(rec))
			r = -E2BIG;
		if (r < 0)
			break;
		memcpy(rec, v.mv_data, v.mv_size);
		v.mv_data = rec;
		r = ldb_mdb_errno(mdb_del(txn, m->dbis.lease, &k, NULL));
		/* Layout 1: the address key alone; the damaged one has two
		 * bytes too many. */
		k.mv_size = ldb_addrkey(AF_INET, l.addr, key);
		if (i) {
			key[k.mv_size++] = 0;
			key[k.mv_size++] = 0;
		}
		if (r == 0)
			r = ldb_mdb_errno(mdb_put(txn, m->dbis.lease, &k, &v, 0));
	}
	if (r == 0)
		r = ldb_schema_put_layout(txn, &m->dbis, 1);
	if (r == 0)
		r = ldb_mdb_errno(mdb_del(txn, m->dbis.meta, &mid, NULL));
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return ldb_mdb_errno(mdb_txn_commit(txn));
}

/* The published counter's generation and transaction (0, 0: none). */
static void published(const char *snap, uint64_t *gen, uint64_t *txn)
{
	const struct ldb_counter *g;
	uid_t owner;
	dev_t dev;
	ino_t ino;

	*gen = *txn = 0;
	if (ldb_counter_map(snap, &g, &owner, &dev, &ino) < 0)
		return;
	*gen = ldb_counter_generation(g);
	*txn = ldb_counter_txn(g);
	ldb_counter_unmap(g);
}

/* A master restored from a backup and brought by new commits to exactly
 * the transaction id a snapshot of its lost history was published at:
 * the publication that needs that transaction must not take the snapshot
 * for its own (review of issue 11 point 6). */
static void restored_catches_up(const char *dir)
{
	char m4[64], snap[64], cmd[256];
	struct ldb_master *m;
	uint64_t gen, gen0, ptxn, t;
	int r;

	snprintf(m4, sizeof(m4), "%s/m4", dir);
	snprintf(snap, sizeof(snap), "%s/run/leases.mdb", dir);
	r = ldb_master_open_writable(m4, &m);
	if (r == 0) {
		r = commit_one(m, "kept");
		if (r == 0)
			r = ldb_publish(m, snap, 0);
		ldb_master_close(m);
	}
	snprintf(cmd, sizeof(cmd), "cp '%s/data.mdb' '%s/backup.mdb'", m4, dir);
	if (r == 0 && system(cmd) != 0)
		r = -EIO;
	if (r == 0)
		r = ldb_master_open_writable(m4, &m);
	if (r == 0) {
		for (int i = 0; r == 0 && i < 3; i++)
			r = commit_one(m, "lost");
		if (r == 0)
			r = ldb_publish(m, snap, ldb_master_txn(m));
		ldb_master_close(m);
	}
	published(snap, &gen0, &ptxn);
	if (!ok(r == 0 && ptxn > 0, "a master published, backed up, changed, published again")) {
		printf("# %s\n", strerror(-r));
		return;
	}
	snprintf(cmd, sizeof(cmd),
	         "cp '%s/backup.mdb' '%s/data.mdb.new' && mv '%s/data.mdb.new' '%s/data.mdb'", dir,
	         m4, m4, m4);
	r = system(cmd) == 0 ? ldb_master_open_writable(m4, &m) : -EIO;
	if (!ok(r == 0, "the backup restored")) {
		printf("# %s\n", strerror(-r));
		return;
	}
	while (r == 0 && ldb_master_txn(m) < ptxn)
		r = commit_one(m, "new");
	t = ldb_master_txn(m);
	ok(r == 0 && t == ptxn,
	   "the restored master caught up to the published transaction (%llu, published %llu)",
	   (unsigned long long)t, (unsigned long long)ptxn);
	is_int(ldb_publish(m, snap, t), 0, "... a publication that needs it");
	published(snap, &gen, &ptxn);
	ok(gen > gen0, "... publishes: the snapshot of the lost history is not this master's");
	ldb_master_close(m);
}

int main(void)
{
	static const uint8_t zero[LDB_MASTER_ID_SIZE];
	uint8_t id1[LDB_MASTER_ID_SIZE], id2[LDB_MASTER_ID_SIZE], id3[LDB_MASTER_ID_SIZE];
	char dir[] = "/tmp/ldb-test-master.XXXXXX", m1[64], m2[64], m3[64], cmd[128];
	struct ldb_master *m, *ro;
	struct stat st;
	MDB_txn *txn;
	uint64_t t;
	int r;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	snprintf(m1, sizeof(m1), "%s/m1", dir);
	snprintf(m2, sizeof(m2), "%s/m2", dir);
	snprintf(m3, sizeof(m3), "%s/m3", dir);

	r = ldb_master_open_writable(m1, &m);
	if (!ok(r == 0, "a new master")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	is_int(id_of(m, id1), 0, "... has an identity");
	ok(memcmp(id1, zero, sizeof(zero)) != 0, "... not all zero");
	t = ldb_master_txn(m);
	ldb_master_close(m);
	/* The lock file was allocated before liblmdb mapped it, at the size
	 * liblmdb wants: had it wanted more, it would have grown the file
	 * sparse (a SIGBUS on a full filesystem). */
	snprintf(cmd, sizeof(cmd), "%s/lock.mdb", m1);
	r = stat(cmd, &st) < 0 ? -errno : 0;
	is_int(r, 0, "... has a lock file");
	ok(r == 0 && st.st_size > 0 && (off_t)st.st_blocks * 512 >= st.st_size,
	   "... with a block behind every byte (%lld bytes, %lld blocks)", (long long)st.st_size,
	   (long long)st.st_blocks);
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

	/* A failed layout migration is refused as it is, never committed
	 * half done with an identity. */
	r = ldb_master_open_writable(m3, &m);
	if (r == 0) {
		r = make_damaged_v1(m);
		t = ldb_master_txn(m);
		ldb_master_close(m);
	}
	if (!ok(r == 0, "a layout 1 master with a damaged lease key")) {
		printf("Bail out! %s\n", strerror(-r));
		return 1;
	}
	r = ldb_master_open_writable(m3, &m);
	is_int(r, -EBADMSG, "... the writable open fails: Bad message");
	if (r == 0)
		ldb_master_close(m);
	r = ldb_master_open_env(m3, MDB_RDONLY, ldb_schema_open, &ro);
	is_int(r, 0, "... opened read-only");
	if (r == 0) {
		ok(ldb_master_txn(ro) == t, "... nothing committed");
		is_int(ro->dbis.layout, 1, "... still layout 1");
		is_int(id_of(ro, id3), -ENOENT, "... and no identity");
		ldb_master_close(ro);
	}

	restored_catches_up(dir);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
