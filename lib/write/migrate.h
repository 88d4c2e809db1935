/* Upgrading the master's table layout in place. */
#ifndef LDB_WRITE_MIGRATE_H
#define LDB_WRITE_MIGRATE_H

#include <lmdb.h>

#include "store/schema.h"

/* Open (and create) every table of the master in txn, a write
 * transaction, and bring it to LDB_LAYOUT_VERSION: a new database gets it,
 * an older layout is migrated step by step, all in txn, so the upgrade is
 * committed whole or not at all (a helper killed on the way leaves the
 * old master, and the next one starts again). A migrated master names no
 * base (meta base-id removed, pending emptied), so its next publication
 * is a full snapshot. -EPROTONOSUPPORT for a layout newer than this
 * program knows; dbis->layout is set. */
int ldb_master_upgrade(MDB_txn *txn, struct ldb_dbis *dbis);

#endif
