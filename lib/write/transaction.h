/* The event transaction: one dnsmasq event recorded in the master as one
 * LMDB write transaction, together with libvirt's files. */
#ifndef LDB_WRITE_TRANSACTION_H
#define LDB_WRITE_TRANSACTION_H

#include <stdint.h>

#include "core/record.h"
#include "store/master.h"
#include "write/event.h"
#include "write/libvirt.h"

/* Fields dnsmasq leaves out on some calls (the interface, an IPv6 lease's
 * MAC) keep their stored value; they are copied here because the put may
 * rewrite the page they live on. ev may point into it afterwards: it must
 * live as long as ev. */
struct ldb_event_kept {
	char iface[LDB_IFNAME_MAX + 1];
	char mac[LDB_MAC_MAX + 1];
};

/* Record ev in the master in one write transaction, which also serialises
 * helpers: on the bridge's first event its libvirt status file (lv->bridge)
 * is imported, the .macs files are reloaded when they changed, the lease is
 * put or deleted (init changes no lease), and the status file is rewritten
 * before the commit. Nothing (master or status file) changes unless all of
 * it succeeds. *txnid gets the transaction's id, for ldb_publish().
 * Failures are reported on stderr; returns 0 or a negative errno. */
int ldb_event_transaction(struct ldb_master *m, struct ldb_event *ev, struct ldb_event_kept *kept,
                          const struct ldb_libvirt_target *lv, uint64_t *txnid);

#endif
