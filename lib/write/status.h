/* libvirt's <bridge>.status file, kept from the master. The master holds
 * each bridge's status records as libvirt's helper would write them (the
 * record's text, in file order), so an event rewrites the file without
 * reading or parsing it; the identity of the file last written tells
 * whether someone else (libvirt's own helper) wrote it since, and then it
 * is imported again as the truth for that bridge. See doc/libvirt.md. */
#ifndef LDB_WRITE_STATUS_H
#define LDB_WRITE_STATUS_H

#include <lmdb.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/schema.h"
#include "write/event.h"

/* A file as far as telling it apart goes: a rewrite by anyone makes a new
 * inode with a new modification time; a rename keeps all four. */
struct ldb_status_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns;
};

/* What the master keeps per bridge (meta "status:<bridge>"). */
struct ldb_status_state {
	uint64_t next;                /* sequence number of the next record */
	uint32_t v6_duid;             /* IPv6 records with a server DUID */
	uint32_t v6_noduid;           /* IPv6 records without one */
	struct ldb_status_id written; /* the file the last event wrote */
	struct ldb_status_id prev;    /* the file in place when it was written (its
	                               * rename may have failed, or several) */
};

/* One bridge's .status within one write transaction. */
struct ldb_status {
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
	MDB_dbi rec;  /* "status": <bridge> NUL <u64 seq, big-endian> -> flags + text */
	MDB_dbi byip; /* "status-ip": <bridge> NUL <ip-address text> -> seqs (dupsort) */
	const char *dir, *bridge;
	struct ldb_status_state st;
	bool have_state;             /* the master has kept this bridge's file before */
	bool stale;                  /* the file in place is not the one the master describes */
	struct ldb_status_id ondisk; /* the file in place (zero: none), by ldb_status_sync() */
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	bool tmp_made; /* tmp holds the next file, not yet renamed */
	/* Set by the caller after ldb_status_begin(): a directory of the
	 * writer's own (the master's) where the file replaced last time is
	 * kept, to be written over by the next event; NULL: none. */
	const char *spare_dir;
	char spare[PATH_MAX];
	bool spare_made; /* spare holds the next file, not yet exchanged */
};

/* Open the status tables (creating them) and the bridge's state. */
int ldb_status_begin(struct ldb_status *s, MDB_txn *txn, const struct ldb_dbis *dbis,
                     const char *dir, const char *bridge);

/* Make the master's view of the bridge's .status current: when the file is
 * not one this master wrote (libvirt's helper ran, or the master never
 * kept it), it is parsed and becomes the bridge's records, and its leases
 * replace the bridge's leases in the master (on the very first import
 * they are added to them). 1 when imported, 0 when the master's view
 * stands, -EBADMSG with err when the file is not a JSON array of objects,
 * or another negative errno. */
int ldb_status_sync(struct ldb_status *s, char *err, size_t errlen);

/* Apply an add/old/del to the bridge's records as libvirt's helper does:
 * drop the records with the event's ip-address, fill in missing IPv6
 * server DUIDs, append the new record. */
int ldb_status_record(struct ldb_status *s, const struct ldb_event *ev);

/* Write the records to a file not yet visible (fsync'd, mode 0644): the
 * spare (the file replaced by the last event, written over in place, when
 * nobody has it open any more and it is on <bridge>.status's filesystem),
 * else a new temporary file beside <bridge>.status; and note its identity
 * in the master. Nothing is visible until
 * ldb_status_install(), which the caller runs only once the master's
 * transaction has committed; ldb_status_discard() otherwise. */
int ldb_status_prepare(struct ldb_status *s);
int ldb_status_install(struct ldb_status *s);
void ldb_status_discard(struct ldb_status *s);

/* Forget what the master keeps of bridge's .status (its records, the
 * identity of the file, the import marker), for an administrator dropping
 * an interface: a later event starts from the file as libvirt left it. */
int ldb_status_forget(MDB_txn *txn, const struct ldb_dbis *dbis, const char *bridge);

/* The spare's name beside the master: "<bridge>" LDB_STATUS_SPARE_SUFFIX. */
#define LDB_STATUS_SPARE_SUFFIX ".status.spare"

/* Helpers that keep .status files hold this lock from before their write
 * transaction until their rename: otherwise a helper that committed first
 * could rename its (older) file over a later one's. Without the lock (its
 * file cannot be created) the next event still puts the file right.
 * <master_dir>/status.lock; a descriptor to close, or -1 when it cannot
 * be taken. */
int ldb_status_lock(const char *master_dir);

/* Remove a bridge's spare (lease-db-admin forget), under the lock. */
int ldb_status_spare_drop(const char *master_dir, const char *bridge);

#endif
