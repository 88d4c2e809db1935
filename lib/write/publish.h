/* Publishing mechanism: immutable snapshots of the master for
 * unprivileged readers (base or delta: write/publish-policy.h decides). */
#ifndef LDB_WRITE_PUBLISH_H
#define LDB_WRITE_PUBLISH_H

#include <stdint.h>

#include "store/master.h"

/* Make the snapshot at path contain at least master transaction need_txn:
 * a compacting copy to a temporary file in the same directory, fdatasync,
 * rename over the old snapshot, then a bump of the generation counter.
 * Serialised by a lock in the master's directory; when another writer has
 * already published a copy that includes need_txn, nothing is copied. */
int ldb_publish(struct ldb_master *m, const char *path, uint64_t need_txn);

#endif
