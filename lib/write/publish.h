/* Publishing mechanism: immutable snapshots of the master for
 * unprivileged readers (base or delta: write/publish-policy.h decides). */
#ifndef LDB_WRITE_PUBLISH_H
#define LDB_WRITE_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "store/master.h"

/* Make the snapshot at path contain at least master transaction need_txn:
 * a compacting copy to a temporary file in the same directory, fdatasync,
 * rename over the old snapshot, then a bump of the generation counter.
 * Serialised by a lock in the master's directory; when another writer has
 * already published a copy of this same master (its identity, meta
 * master-id, recorded in the counter file) that includes need_txn, nothing
 * is copied. A snapshot from another master, or from this master's
 * identity at a transaction it has not reached (a restored backup), is
 * replaced by a new base. */
int ldb_publish(struct ldb_master *m, const char *path, uint64_t need_txn);

/* The same; on failure why (whysize bytes) names what failed: the file or
 * directory and the step ("the counter file /run/lease-db/leases.mdb.gen"). */
int ldb_publish_why(struct ldb_master *m, const char *path, uint64_t need_txn, char *why,
                    size_t whysize);

#endif
