#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "store/mdb-errno.h"
#include "write/tables.h"
#include "write/transaction.h"

#define PROG "lease-db-helper"

static void fail_db(const char *what, int r)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(-r));
}

static int keep_stored(MDB_txn *txn, struct ldb_master *m, struct ldb_event *ev,
                       struct ldb_event_kept *k)
{
	struct ldb_lease old;
	int r;

	if (ev->have_iface && ev->have_mac)
		return 0;
	r = ldb_lease_get(txn, &m->dbis, ev->lease.family, ev->lease.addr, &old);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!ev->have_iface) {
		r = ldb_str_copy(k->iface, sizeof(k->iface), old.iface);
		ev->lease.iface = ldb_str_from(k->iface);
	}
	if (r == 0 && !ev->have_mac && ldb_str_copy(k->mac, sizeof(k->mac), old.mac) == 0)
		ev->lease.mac = ldb_str_from(k->mac);
	return r;
}

int ldb_event_transaction(struct ldb_master *m, struct ldb_event *ev, struct ldb_event_kept *k,
                          const struct ldb_libvirt_target *lv, uint64_t *txnid)
{
	json_object *status = NULL;
	char err[PATH_MAX + 200];
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		fail_db("master database", r);
		return r;
	}
	*txnid = mdb_txn_id(txn);
	if (lv->bridge) {
		r = ldb_status_load(lv->dir, lv->bridge, &status, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			goto fail;
		}
		/* Taking over from libvirt's helper: keep the leases it had. */
		if (ldb_status_imported(txn, &m->dbis, lv->bridge) <= 0) {
			r = ldb_status_import(txn, &m->dbis, status, lv->bridge);
			if (r < 0) {
				fail_db("importing the status file", r);
				goto fail;
			}
		}
	}
	if (lv->dir) {
		r = ldb_guests_sync(txn, &m->dbis, lv->dir);
		if (r < 0)
			fprintf(stderr, PROG ": %s: reading .macs files: %s\n", lv->dir,
			        strerror(-r));
	}

	r = 0;
	if (ev->action == LDB_ACTION_DEL) {
		r = ldb_lease_del(txn, &m->dbis, ev->lease.family, ev->lease.addr);
		if (r == -ENOENT)
			r = 0;
	} else if (ev->action != LDB_ACTION_INIT) {
		r = keep_stored(txn, m, ev, k);
		if (r == 0)
			r = ldb_lease_put(txn, &m->dbis, &ev->lease);
	}
	if (r < 0) {
		fail_db("recording the lease", r);
		goto fail;
	}
	if (lv->bridge && ev->action != LDB_ACTION_INIT) {
		r = ldb_status_apply(status, ev);
		if (r == 0)
			r = ldb_status_write(lv->dir, lv->bridge, status);
		if (r < 0) {
			fprintf(stderr, PROG ": %s/%s.status: %s\n", lv->dir, lv->bridge,
			        strerror(-r));
			goto fail;
		}
	}
	json_object_put(status);
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0)
		fail_db("committing", r);
	return r;

fail:
	json_object_put(status);
	mdb_txn_abort(txn);
	return r;
}
