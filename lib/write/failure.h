/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recording the helper's failed events in the master and clearing them
 * when the interface's next event succeeds (the record: store/failure.h). */
#ifndef LDB_WRITE_FAILURE_H
#define LDB_WRITE_FAILURE_H

#include <lmdb.h>
#include <stdint.h>

#include "core/str.h"
#include "store/master.h"

/* Record that an event on iface (empty: it named none) failed at now with
 * message, in a write transaction of its own: the event's own transaction
 * has been aborted by then. Replaces the interface's previous record. */
int ldb_failure_record(struct ldb_master *m, struct ldb_str iface, int64_t now,
                       const char *message);

/* Inside a successful event's transaction: forget iface's failure record
 * and the general one (an event naming no interface), since the helper
 * works again. Missing records are fine. */
int ldb_failure_clear(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str iface);

#endif
