/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forgetting an interface: every lease on it and what the master keeps
 * about it, for a network that is gone (lease-db-admin forget). */
#ifndef LDB_WRITE_FORGET_H
#define LDB_WRITE_FORGET_H

#include <lmdb.h>
#include <stddef.h>

#include "core/record.h"
#include "store/schema.h"

/* In txn, a write transaction: call each (may be NULL) with every lease on
 * iface, then delete them (ldb_lease_del(), so the next delta covers them)
 * and every meta key about iface ("<what>:<iface>", store/schema.h). The
 * counts go to *leases and *keys. */
int ldb_iface_forget(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str iface,
                     int (*each)(const struct ldb_lease *l, void *ctx), void *ctx, size_t *leases,
                     size_t *keys);

#endif
