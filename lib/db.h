/* Database layout shared by the master and the published snapshots. */
#ifndef LDB_DB_H
#define LDB_DB_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "record.h"

struct ldb_dbis {
	MDB_dbi lease;    /* address key -> record */
	MDB_dbi name;     /* folded hostname -> address keys (dupsort) */
	MDB_dbi mac;      /* MAC -> address keys (dupsort) */
	MDB_dbi guest;    /* folded libvirt domain name -> MACs (dupsort) */
	MDB_dbi guestmac; /* MAC -> libvirt domain names (dupsort) */
	MDB_dbi pending;  /* master: address keys changed since the last base */
	MDB_dbi changed;  /* delta: every address key it covers (a lease or a deletion) */
	MDB_dbi meta;     /* "format" -> u32, and the writer's bookkeeping */
};

#define LDB_MAXDBS 12

/* Meta key holding the format version (u32); every lease-db database has it. */
#define LDB_META_FORMAT "format"

/* Meta key naming the full snapshot a delta belongs to (u64). */
#define LDB_META_BASE_ID "base-id"

/* What readers see: a base database and, when present, a small delta
 * published over it: for the addresses it covers, its leases replace the
 * base's and the ones it lacks are deleted; its guest tables replace the
 * base's. The master is a view with no delta. */
struct ldb_view {
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
	MDB_txn *dtxn; /* NULL: no delta */
	const struct ldb_dbis *ddbis;
};

/* ldb_db_get() through a view. */
int ldb_view_get(const struct ldb_view *v, int family, const uint8_t *addr, struct ldb_lease *out);

/* Does the delta replace or delete this address key? */
int ldb_view_overridden(const struct ldb_view *v, const MDB_val *key);

/* ldb_db_foreach() through a view: base leases not overridden, then the
 * delta's. */
int ldb_view_foreach(const struct ldb_view *v, int (*fn)(const struct ldb_lease *l, void *ctx),
                     void *ctx);

/* Open (create=true: and create) every table, checking the format version.
 * -EPROTONOSUPPORT when the database has another version, -EBADMSG when it
 * is not a lease-db database. */
int ldb_db_open(MDB_txn *txn, bool create, struct ldb_dbis *dbis);

/* Read one lease by address; its strings point into the map. */
int ldb_db_get(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr,
               struct ldb_lease *out);

/* Insert or replace the lease at l->addr, keeping every index in step. */
int ldb_db_put(MDB_txn *txn, const struct ldb_dbis *dbis, const struct ldb_lease *l);

/* Remove the lease at addr and its index entries; -ENOENT if absent. */
int ldb_db_del(MDB_txn *txn, const struct ldb_dbis *dbis, int family, const uint8_t *addr);

/* A metadata value; -ENOENT if absent. */
int ldb_db_meta_get(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key,
                    struct ldb_str *val);
int ldb_db_meta_put(MDB_txn *txn, const struct ldb_dbis *dbis, const char *key, struct ldb_str val);

/* Call fn for every key/value of a table in key order; a non-zero return
 * stops the walk and is returned (-ENOENT excepted). */
int ldb_db_walk(MDB_txn *txn, MDB_dbi dbi,
                int (*fn)(const MDB_val *key, const MDB_val *val, void *ctx), void *ctx);

/* Call fn for every lease in address order; a non-zero return stops the walk
 * and is returned. A record that does not decode stops it with its error. */
int ldb_db_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                   int (*fn)(const struct ldb_lease *l, void *ctx), void *ctx);

/* Record that a libvirt domain owns a MAC, in both directions. */
int ldb_db_guest_put(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_str domain,
                     struct ldb_str mac);

/* Forget every domain -> MAC entry (before reloading libvirt's .macs). */
int ldb_db_guest_clear(MDB_txn *txn, const struct ldb_dbis *dbis);

/* Call fn with each value stored under key in a dupsort table. */
int ldb_db_foreach_dup(MDB_txn *txn, MDB_dbi dbi, struct ldb_str key,
                       int (*fn)(const MDB_val *val, void *ctx), void *ctx);

#endif
