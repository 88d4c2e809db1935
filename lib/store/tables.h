/* Reading the tables of one database (master, base or delta). */
#ifndef LDB_STORE_TABLES_H
#define LDB_STORE_TABLES_H

#include <lmdb.h>
#include <stdint.h>

#include "core/record.h"
#include "core/str.h"
#include "store/schema.h"

/* Read one lease by address and interface; its strings point into the
 * map. -ENOENT if absent. */
int ldb_lease_get(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
                  struct ldb_str iface, struct ldb_lease *out);

/* Read one lease by its key (ldb_leasekey()). */
int ldb_lease_get_key(MDB_txn *txn, const struct ldb_dbis *dbis, const MDB_val *key,
                      struct ldb_lease *out);

/* Decode a lease table entry and check it against its key (the key is the
 * truth: a record disagreeing with it is corrupt, -EBADMSG). */
int ldb_lease_decode(const struct ldb_dbis *dbis, const MDB_val *key, const MDB_val *val,
                     struct ldb_lease *out);

/* A metadata value; -ENOENT if absent. */
int ldb_meta_get(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str *val);

/* Call fn for every key/value of a table in key order; a non-zero return
 * stops the walk and is returned (-ENOENT excepted). */
int ldb_table_walk(MDB_txn *txn, MDB_dbi dbi,
                   int (*fn)(const MDB_val *key, const MDB_val *val, void *ctx), void *ctx);

/* Call fn for every lease in key order (address, then interface); a
 * non-zero return stops the walk and is returned. A record that does not
 * decode stops it with its error. */
int ldb_lease_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                      int (*fn)(const struct ldb_lease *l, void *ctx), void *ctx);

/* The same with each lease's key. */
int ldb_lease_foreach_key(MDB_txn *txn, const struct ldb_dbis *dbis,
                          int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                          void *ctx);

/* Call fn for every lease of one address (on every interface), in key
 * order; as ldb_lease_foreach_key() otherwise. */
int ldb_lease_foreach_addr(MDB_txn *txn, const struct ldb_dbis *dbis, int family,
                           const uint8_t *addr,
                           int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                           void *ctx);

/* Call fn with each value stored under key in a dupsort table. */
int ldb_table_foreach_dup(MDB_txn *txn, MDB_dbi dbi, struct ldb_str key,
                          int (*fn)(const MDB_val *val, void *ctx), void *ctx);

#endif
