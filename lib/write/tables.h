/* Writing the tables: leases with their index entries, guests, meta. Only
 * the helper's side links this (the NSS modules must not). */
#ifndef LDB_WRITE_TABLES_H
#define LDB_WRITE_TABLES_H

#include <lmdb.h>
#include <stdint.h>

#include "core/record.h"
#include "store/tables.h"

/* Open (and create) every table; a new database gets the format version,
 * an existing one is checked as ldb_schema_open() checks it. */
int ldb_schema_create(MDB_txn *txn, struct ldb_dbis *dbis);

/* Insert or replace the lease at l->addr, keeping every index in step, and
 * mark the address pending for the next delta. */
int ldb_lease_put(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l);

/* Remove the lease at addr and its index entries; -ENOENT if absent. */
int ldb_lease_del(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr);

int ldb_meta_put(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str val);

/* Record that a libvirt domain owns a MAC, in both directions. */
int ldb_guest_put(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str domain,
                  struct ldb_str mac);

/* Forget every domain -> MAC entry (before reloading libvirt's .macs). */
int ldb_guest_clear(MDB_txn *txn, const struct ldb_dbis *dbis);

#endif
