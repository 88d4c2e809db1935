/* Writing the tables: leases with their index entries, guests, meta. Only
 * the helper's side links this (the NSS modules must not). */
#ifndef LDB_WRITE_TABLES_H
#define LDB_WRITE_TABLES_H

#include <lmdb.h>
#include <stdint.h>

#include "core/record.h"
#include "store/tables.h"

/* Open every table, creating what is missing; a new database gets the
 * current layout. dbis->layout tells the layout found. */
int ldb_schema_open_or_init(MDB_txn *txn, struct ldb_dbis *dbis);

/* The same, and an existing database must have the current layout
 * (LDB_LAYOUT_VERSION; -EPROTONOSUPPORT otherwise: the master's older
 * layouts are migrated by write/migrate.h first). */
int ldb_schema_create(MDB_txn *txn, struct ldb_dbis *dbis);

/* Record the layout version in meta and in dbis. */
int ldb_schema_put_layout(MDB_txn *txn, struct ldb_dbis *dbis, unsigned layout);

/* Insert or replace the lease l (keyed by its address and interface),
 * keeping every index in step, and mark its key pending for the next
 * delta. Only into a database of the current layout. */
int ldb_lease_put(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l);

/* Remove the lease at addr on iface and its index entries; -ENOENT if
 * absent. Leases of the same address on other interfaces stay. */
int ldb_lease_del(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                  struct ldb_str iface);

/* Rebuild the name and mac indexes from the lease table. */
int ldb_lease_reindex(MDB_txn *txn, const struct ldb_dbis *dbis);

int ldb_meta_put(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str val);

/* Record that a libvirt domain owns a MAC, in both directions. */
int ldb_guest_put(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str domain,
                  struct ldb_str mac);

/* Forget every domain -> MAC entry (before reloading libvirt's .macs). */
int ldb_guest_clear(MDB_txn *txn, const struct ldb_dbis *dbis);

#endif
