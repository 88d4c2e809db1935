/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Put one raw entry into the master's meta table, as no helper would:
 * for tests of what readers make of a record they cannot decode.
 *
 *   metaput MASTER_DIR KEY VALUE
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store/mdb-errno.h"
#include "write/master.h"

int main(int argc, char *argv[])
{
	struct ldb_master *m;
	MDB_txn *t;
	MDB_val k, v;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: metaput MASTER_DIR KEY VALUE\n");
		return 2;
	}
	r = ldb_master_open_writable(argv[1], &m);
	if (r < 0) {
		fprintf(stderr, "metaput: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	k = (MDB_val){strlen(argv[2]), argv[2]};
	v = (MDB_val){strlen(argv[3]), argv[3]};
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &t));
	if (r == 0) {
		r = ldb_mdb_errno(mdb_put(t, m->dbis.meta, &k, &v, 0));
		if (r == 0)
			r = ldb_mdb_errno(mdb_txn_commit(t));
		else
			mdb_txn_abort(t);
	}
	ldb_master_close(m);
	if (r < 0)
		fprintf(stderr, "metaput: %s\n", strerror(-r));
	return r < 0;
}
