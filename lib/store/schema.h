/* The database layout shared by the master and the published snapshots:
 * the one list of tables, used to open them and by the verifier, and the
 * meta keys. */
#ifndef LDB_STORE_SCHEMA_H
#define LDB_STORE_SCHEMA_H

#include <lmdb.h>
#include <stddef.h>

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

/* One table: its name, its LMDB flags (as stored in the file, so the
 * verifier compares them too) and where its handle goes. */
struct ldb_table {
	const char *name;
	unsigned flags;
	size_t dbi; /* offset in struct ldb_dbis */
};

#define LDB_NTABLES 8
extern const struct ldb_table ldb_tables[LDB_NTABLES];

/* Room for every table, with some to spare. */
#define LDB_MAXDBS 12

/* Meta key holding the format version (u32); every lease-db database has it. */
#define LDB_META_FORMAT "format"

/* Meta key naming the full snapshot a delta belongs to (u64). */
#define LDB_META_BASE_ID "base-id"

/* Meta key prefix: "imported:<bridge>" marks a bridge whose libvirt
 * .status file has been imported into the master. */
#define LDB_META_IMPORTED "imported:"

/* Meta key: the signature (names, sizes, mtimes, inodes) of the .macs
 * files last loaded into the guest tables. */
#define LDB_META_MACS_SIGNATURE "macs-signature"

/* Open every table (flags: 0, or MDB_CREATE for the writer) into dbis.
 * -EBADMSG when a table is missing or has other flags. */
int ldb_schema_open_tables(MDB_txn *txn, unsigned flags, struct ldb_dbis *dbis);

/* The format version value, as the meta table stores it. */
extern const unsigned char ldb_schema_format[4];

/* The format version in meta: 0, -ENOENT when there is none,
 * -EPROTONOSUPPORT for another version, -EBADMSG for a malformed one. */
int ldb_schema_check_format(MDB_txn *txn, const struct ldb_dbis *dbis);

/* Open every table of an existing database and check its format version:
 * -EPROTONOSUPPORT when it has another version, -EBADMSG when it is not a
 * lease-db database. Reads only. */
int ldb_schema_open(MDB_txn *txn, struct ldb_dbis *dbis);

#endif
