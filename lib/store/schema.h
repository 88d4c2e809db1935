/* The database layout shared by the master and the published snapshots:
 * the one list of tables, used to open them and by the verifier, and the
 * meta keys. */
#ifndef LDB_STORE_SCHEMA_H
#define LDB_STORE_SCHEMA_H

#include <lmdb.h>
#include <stddef.h>

/* The table layout's version, meta "format" (u32, little-endian). Bump it
 * for a change older readers would misread (a new key shape, a changed
 * meaning); add a migration from the previous one (write/migrate.c). A
 * new table or a new trailing record field is not such a change. See
 * doc/design.md, "Format versions and upgrades".
 *   1  lease keyed by address (v0.1.0)
 *   2  lease keyed by address and interface (ldb_leasekey()) */
#define LDB_LAYOUT_VERSION 2

/* The oldest layout readers still answer from (a snapshot published by
 * the previous helper, until the new one publishes). */
#define LDB_LAYOUT_READ_MIN 1

struct ldb_dbis {
	MDB_dbi lease;    /* lease key (address + interface) -> record */
	MDB_dbi name;     /* folded hostname -> lease keys (dupsort) */
	MDB_dbi mac;      /* MAC -> lease keys (dupsort) */
	MDB_dbi guest;    /* folded libvirt domain name -> MACs (dupsort) */
	MDB_dbi guestmac; /* MAC -> libvirt domain names (dupsort) */
	MDB_dbi pending;  /* master: lease keys changed since the last base */
	MDB_dbi changed;  /* delta: every lease key it covers (a lease or a deletion) */
	MDB_dbi meta;     /* "format" -> u32 layout, and the writer's bookkeeping */
	unsigned layout;  /* the database's layout version (not a table) */
};

/* One table: its name, its LMDB flags (as stored in the file, so the
 * verifier compares them too) and where its handle goes. */
struct ldb_table {
	const char *name;
	unsigned flags;
	size_t dbi; /* offset in struct ldb_dbis */
};

#define LDB_NTABLES 8
extern const struct ldb_table ldb_tables[LDB_NTABLES];

/* Room for every table, with some to spare (a newer layout's tables are
 * never opened, so they need none). */
#define LDB_MAXDBS 12

/* Meta key holding the format version (u32); every lease-db database has it. */
#define LDB_META_FORMAT "format"

/* Meta key naming the full snapshot a delta belongs to (u64). */
#define LDB_META_BASE_ID "base-id"

/* Meta keys about one interface are "<what>:<interface>" (the first
 * separator ends <what>): forgetting an interface (write/forget.h,
 * lease-db-admin forget) removes every one of them. */
#define LDB_META_IFACE_SEP ':'

/* Meta key prefix: "imported:<bridge>" marks a bridge whose libvirt
 * .status file has been imported into the master. */
#define LDB_META_IMPORTED "imported:"

/* Meta key prefix: "status:<bridge>" holds what the helper keeps about
 * the bridge's libvirt .status file (write/status.c: the next record's
 * sequence number, IPv6 record counts, the identity of the file it last
 * wrote and of the one before). */
#define LDB_META_STATUS "status:"

/* Meta key: the signature (names, sizes, mtimes, inodes) of the .macs
 * files last loaded into the guest tables. */
#define LDB_META_MACS_SIGNATURE "macs-signature"

/* Meta key: the master's identity, LDB_MASTER_ID_SIZE random bytes made
 * with the master (or given to an older master on the helper's first
 * open). A base snapshot carries it as a copy of the master's meta; the
 * counter file records it with each publication, so a replaced master is
 * told apart from the one the snapshot came from (store/counter.h). */
#define LDB_META_MASTER_ID "master-id"
#define LDB_MASTER_ID_SIZE 16

/* Meta key: the last publication's mark, LDB_MASTER_ID_SIZE random bytes
 * the publisher writes into the master in the transaction its snapshot
 * shows (write/publish.c); the counter file records it beside the
 * transaction id. A master restored from a backup can reach the very
 * transaction id a snapshot of its lost history was published at, never
 * its mark: (master-id, mark, transaction) names one state of one
 * master. */
#define LDB_META_PUBLICATION "publication"

/* Meta key prefix: "failure:<iface>" holds the helper's last failed event
 * on that interface ("failure:" alone: an event that named none) until
 * the next success (store/failure.h has the value's format). */
#define LDB_META_FAILURE "failure:"

/* Open every table (flags: 0, or MDB_CREATE for the writer) into dbis.
 * -EBADMSG when a table is missing or has other flags. */
int ldb_schema_open_tables(MDB_txn *txn, unsigned flags, struct ldb_dbis *dbis);

/* The layout version in meta (dbis->meta must be open) into *layout:
 * -ENOENT when there is none, -EBADMSG for a malformed one. */
int ldb_schema_layout(MDB_txn *txn, const struct ldb_dbis *dbis, unsigned *layout);

/* Open every table of an existing database for reading and check its
 * layout: dbis->layout is set; -EPROTONOSUPPORT when the layout is newer
 * than LDB_LAYOUT_VERSION or older than LDB_LAYOUT_READ_MIN, -EBADMSG when
 * it is not a lease-db database. Tables it does not know are left alone.
 * Reads only. */
int ldb_schema_open(MDB_txn *txn, struct ldb_dbis *dbis);

#endif
