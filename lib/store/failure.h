/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helper's failure records: meta "failure:<iface>" (LDB_META_FAILURE)
 * holds when and why the last event on an interface failed, written by
 * the helper in a transaction of its own after the event's failed
 * (write/failure.h), removed by the next event on that interface that
 * succeeds. lease-db-dump --check reads them. The value is text:
 * "<unix time> <txn> <data txn> <message>". */
#ifndef LDB_STORE_FAILURE_H
#define LDB_STORE_FAILURE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/record.h"
#include "core/str.h"
#include "store/schema.h"

/* The longest message kept (longer ones are cut). */
#define LDB_FAILURE_MESSAGE_MAX 1024

/* Room for a key and for an encoded value. */
#define LDB_FAILURE_KEY_MAX   (sizeof(LDB_META_FAILURE) - 1 + LDB_IFNAME_MAX + 1)
#define LDB_FAILURE_VALUE_MAX (3 * 21 + LDB_FAILURE_MESSAGE_MAX + 1)

struct ldb_failure {
	struct ldb_str iface; /* empty: the event named no interface */
	int64_t time;         /* when it failed, seconds since the epoch */
	uint64_t txn;         /* the master transaction that recorded it */
	/* The master's last transaction before txn that was not a failure
	 * record: what a fresh snapshot must contain while failures are the
	 * master's only changes since (they are never published for them). */
	uint64_t data_txn;
	struct ldb_str message; /* may hold any byte but NUL */
	/* The value does not decode: only iface is known, message holds the
	 * raw value (cut to LDB_FAILURE_MESSAGE_MAX). */
	bool malformed;
};

/* "failure:<iface>" into buf (NUL-terminated); -ENAMETOOLONG for an iface
 * longer than LDB_IFNAME_MAX. */
int ldb_failure_key(struct ldb_str iface, char *buf, size_t size);

/* Encode f (its iface is the key's) into buf, message cut to
 * LDB_FAILURE_MESSAGE_MAX; *len is the value's length. */
int ldb_failure_encode(const struct ldb_failure *f, char *buf, size_t size, size_t *len);

/* Decode one meta entry; -EBADMSG when the key is not a failure key or
 * the value is malformed. Strings point into key and val. */
int ldb_failure_decode(const MDB_val *key, const MDB_val *val, struct ldb_failure *out);

/* Call fn for each failure record, in key order (the general one first);
 * a non-zero return stops the walk and is returned. A malformed record is
 * passed with malformed set, never skipped. */
int ldb_failure_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                        int (*fn)(const struct ldb_failure *f, void *ctx), void *ctx);

/* The transaction a snapshot must contain to hold every change of the
 * master up to last (a committed transaction's id): last itself, unless
 * last only recorded a failure. */
int ldb_failure_data_txn(MDB_txn *txn, const struct ldb_dbis *dbis, uint64_t last,
                         uint64_t *data_txn);

#endif
