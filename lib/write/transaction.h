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
 * helpers: the .macs files are reloaded when they changed; with a bridge
 * (lv->bridge), its libvirt status file is imported when the master did
 * not write it (write/status.h); the lease is put or deleted (init changes
 * no lease); and the bridge's status file is rewritten from the master,
 * to a temporary file before the commit and renamed into place after it.
 * Nothing (master or status file) changes unless the commit succeeds.
 * *txnid gets the transaction's id, for ldb_publish(). Failures are
 * reported on stderr; returns 0, 1 when the master committed but the new
 * status file could not be renamed into place (the next event does it),
 * or a negative errno (nothing changed). */
int ldb_event_transaction(struct ldb_master *m, struct ldb_event *ev, struct ldb_event_kept *kept,
                          const struct ldb_libvirt_target *lv, uint64_t *txnid);

#endif
