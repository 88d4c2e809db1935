#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/mdb-errno.h"
#include "write/failure.h"
#include "write/master.h"
#include "write/report.h"
#include "write/tables.h"
#include "write/status.h"
#include "write/transaction.h"

#define PROG "lease-db-helper"

/* Report a failure of the master; returns it, explained. */
static int fail_db(const struct ldb_master *m, const char *what, int r)
{
	r = ldb_master_write_errno(m->dir, r);
	ldb_report_error("%s: %s", what, strerror(-r));
	return r;
}

/* Leases of the event's address, when dnsmasq named no interface. */
struct at_addr {
	const struct ldb_event *ev;
	size_t n, matching;
	struct ldb_event_kept any, match; /* the last one seen, the last matching */
};

/* Is l the event's client? IPv4: its MAC; IPv6: its DUID and IAID. */
static bool same_client(const struct ldb_event *ev, const struct ldb_lease *l)
{
	const struct ldb_lease *e = &ev->lease;

	if (e->family == AF_INET)
		return ldb_str_eq(e->mac, l->mac);
	return ldb_str_eq(e->client_id, l->client_id) && e->iaid == l->iaid &&
	       (e->flags & LDB_LEASE_HAS_IAID) == (l->flags & LDB_LEASE_HAS_IAID);
}

static int copy_kept(struct ldb_event_kept *k, const struct ldb_lease *l)
{
	int r = ldb_str_copy(k->iface, sizeof(k->iface), l->iface);

	if (r == 0 && ldb_str_copy(k->mac, sizeof(k->mac), l->mac) < 0)
		k->mac[0] = '\0';
	return r;
}

static int count_at_addr(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct at_addr *a = p;
	int r;

	(void)key;
	a->n++;
	r = copy_kept(&a->any, l);
	if (r == 0 && same_client(a->ev, l)) {
		a->matching++;
		r = copy_kept(&a->match, l);
	}
	return r;
}

static void use_kept(struct ldb_event *ev, struct ldb_event_kept *dst,
                     const struct ldb_event_kept *src)
{
	*dst = *src;
	ev->lease.iface = ldb_str_from(dst->iface);
	if (!ev->have_mac && dst->mac[0])
		ev->lease.mac = ldb_str_from(dst->mac);
}

/* Which lease the event is about. A lease is its address on its interface
 * (the bridge). dnsmasq leaves the interface out on some calls (startup,
 * del) and libvirt then gives VIR_BRIDGE_NAME; with neither, the lease is
 * the one at the address whose client (MAC, or DUID and IAID) is the
 * event's, else the only one at the address, else none yet (recorded
 * without an interface). Several and no way to tell: 1, and the event
 * changes no lease. Fields dnsmasq leaves out (an IPv6 lease's MAC) keep
 * their stored value. */
static int resolve(MDB_txn *txn, struct ldb_master *m, struct ldb_event *ev,
                   struct ldb_event_kept *k)
{
	struct ldb_lease old;
	struct at_addr a = {.ev = ev};
	int r;

	if (ev->have_iface) {
		if (ev->have_mac)
			return 0;
		r = ldb_lease_get(txn, &m->dbis, ev->lease.family, ev->lease.addr, ev->lease.iface,
		                  &old);
		/* Or the same lease, recorded before its interface was known. */
		if (r == -ENOENT)
			r = ldb_lease_get(txn, &m->dbis, ev->lease.family, ev->lease.addr,
			                  LDB_STR_NULL, &old);
		if (r == -ENOENT)
			return 0;
		if (r == 0 && ldb_str_copy(k->mac, sizeof(k->mac), old.mac) == 0)
			ev->lease.mac = ldb_str_from(k->mac);
		return r;
	}
	r = ldb_lease_foreach_addr(txn, &m->dbis, ev->lease.family, ev->lease.addr, count_at_addr,
	                           &a);
	if (r < 0)
		return r;
	if (a.matching == 1)
		use_kept(ev, k, &a.match);
	else if (a.n == 1)
		use_kept(ev, k, &a.any);
	else if (a.n > 1)
		return 1;
	return 0;
}

/* A lease recorded while its interface was unknown is the same lease as
 * the one an event now names with its interface: it goes. */
static int drop_unnamed(MDB_txn *txn, struct ldb_master *m, const struct ldb_event *ev)
{
	int r;

	if (ev->lease.iface.len == 0)
		return 0;
	r = ldb_lease_del(txn, &m->dbis, ev->lease.family, ev->lease.addr, LDB_STR_NULL);
	return r == -ENOENT ? 0 : r;
}

static int record(MDB_txn *txn, struct ldb_master *m, struct ldb_event *ev,
                  struct ldb_event_kept *k)
{
	int r;

	if (ev->action == LDB_ACTION_INIT)
		return 0;
	r = resolve(txn, m, ev, k);
	if (r == 1) {
		fprintf(stderr,
		        PROG ": %s %s: leased on several interfaces and the event names none "
		             "(DNSMASQ_INTERFACE, VIR_BRIDGE_NAME); no lease changed\n",
		        ev->action == LDB_ACTION_DEL ? "del" : "add/old",
		        ev->addr_text ? ev->addr_text : "");
		return 0;
	}
	if (r == 0 && ev->action == LDB_ACTION_DEL) {
		r = ldb_lease_del(txn, &m->dbis, ev->lease.family, ev->lease.addr, ev->lease.iface);
		if (r == -ENOENT)
			r = 0;
	} else if (r == 0) {
		r = ldb_lease_put(txn, &m->dbis, &ev->lease);
	}
	if (r == 0)
		r = drop_unnamed(txn, m, ev);
	return r;
}

/*
 * The order that keeps the master and <bridge>.status in agreement
 * (doc/libvirt.md, "When something fails"):
 *   1. in the write transaction: import the file if someone else wrote
 *      it, record the event, update the bridge's status records;
 *   2. write the new file to a temporary name, fsync it, and note its
 *      identity in the transaction;
 *   3. commit the master;
 *   4. rename the temporary file over <bridge>.status.
 * A failure up to 3 aborts the transaction and unlinks the temporary
 * file: neither changed. A failed rename (4) leaves the master one event
 * ahead of the file in place, which is the file the master noted before
 * (its "previous" identity): the next event or init recognises it as
 * its own and writes the current one, instead of importing it.
 */
static int event_transaction(struct ldb_master *m, struct ldb_event *ev, struct ldb_event_kept *k,
                             const struct ldb_libvirt_target *lv, bool locked, uint64_t *txnid)
{
	struct ldb_status st;
	char err[PATH_MAX + 200];
	bool have_status = false, write_status = false, records_only = false;
	MDB_txn *txn;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0) {
		r = fail_db(m, "master database", r);
		return r;
	}
	*txnid = mdb_txn_id(txn);
	/* Undone with the rest if the event fails after all. */
	r = ldb_failure_clear(txn, &m->dbis, ev->lease.iface);
	if (r < 0) {
		r = fail_db(m, "clearing the last failure", r);
		goto fail;
	}
	if (lv->bridge && !lv->dir) {
		/* The directory is missing (moved, not mounted yet): the
		 * bridge's records follow the event all the same, so the file
		 * written when it is back lists what the master does. */
		r = ldb_status_begin(&st, txn, &m->dbis, "", lv->bridge);
		if (r < 0) {
			r = fail_db(m, "the status file's records", r);
			goto fail;
		}
		have_status = st.have_state;
		records_only = true;
	} else if (lv->bridge) {
		r = ldb_status_begin(&st, txn, &m->dbis, lv->dir, lv->bridge);
		if (r < 0) {
			r = fail_db(m, "the status file's records", r);
			goto fail;
		}
		have_status = true;
		/* The replaced file is kept beside the master and written over
		 * next time: only under status.lock, or a helper could write
		 * over the file another one is about to exchange into place. */
		st.spare_dir = locked ? m->dir : NULL;
		/* Taking over from libvirt's helper, or back after it ran:
		 * the file is the truth for its bridge. */
		err[0] = '\0';
		r = ldb_status_sync(&st, err, sizeof(err));
		if (r < 0 && err[0]) {
			ldb_report_error("%s", err);
			goto fail;
		}
		if (r < 0) {
			r = fail_db(m, "importing the status file", r);
			goto fail;
		}
	}
	if (lv->dir) {
		r = ldb_guests_sync(txn, &m->dbis, lv->dir);
		if (r < 0)
			fprintf(stderr, PROG ": %s: reading .macs files: %s\n", lv->dir,
			        strerror(-r));
	}

	r = record(txn, m, ev, k);
	if (r < 0) {
		r = fail_db(m, "recording the lease", r);
		goto fail;
	}
	if (have_status && ev->action != LDB_ACTION_INIT) {
		r = ldb_status_record(&st, ev);
		if (r < 0) {
			r = fail_db(m, "the status file's records", r);
			goto fail;
		}
		write_status = !records_only;
	}
	/* init writes the file only when the file in place lacks events
	 * (a failed rename, a file set aside, leases it never had). */
	if (have_status && !records_only && (write_status || st.stale)) {
		r = ldb_status_prepare(&st);
		if (r < 0) {
			ldb_report_error("%s: %s; master and status file left unchanged", st.path,
			                 strerror(-r));
			goto fail;
		}
		write_status = true;
	}
	r = ldb_mdb_errno(mdb_txn_commit(txn));
	if (r < 0) {
		r = ldb_master_write_errno(m->dir, r);
		ldb_report_error("committing to the master database %s: %s%s", m->dir, strerror(-r),
		                 write_status ? "; master and status file left unchanged" : "");
		if (write_status)
			ldb_status_discard(&st);
		return r;
	}
	if (write_status) {
		r = ldb_status_install(&st);
		if (r < 0) {
			ldb_report_error("%s: renaming the new file into place: %s; the master has "
			                 "the event and the next event on %s writes the file",
			                 st.path, strerror(-r), lv->bridge);
			return 1;
		}
	}
	return 0;

fail:
	if (write_status)
		ldb_status_discard(&st);
	mdb_txn_abort(txn);
	return r;
}

int ldb_event_transaction(struct ldb_master *m, struct ldb_event *ev, struct ldb_event_kept *k,
                          const struct ldb_libvirt_target *lv, uint64_t *txnid)
{
	int lock = lv->bridge && m->dir ? ldb_status_lock(m->dir) : -1;
	int r = event_transaction(m, ev, k, lv, lock >= 0, txnid);

	if (lock >= 0)
		close(lock);
	return r;
}
