/* Publishing policy: whether the next publication is a new base or a
 * delta over the published one. A pure decision, apart from reading the
 * limits; the mechanism is write/publish.c. */
#ifndef LDB_WRITE_PUBLISH_POLICY_H
#define LDB_WRITE_PUBLISH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/counter.h"

/* What the publisher knows when it decides. */
struct ldb_publish_facts {
	size_t leases;              /* in the master */
	size_t pending;             /* changed since the master's last base */
	uint64_t base_id;           /* the master's last base, 0: never made */
	uint64_t published_base_id; /* the counter file's */
	bool base_on_disk;          /* the base file is there, a regular file */
	bool same_source;           /* published from this master, not ahead of it
	                               (ldb_source_compare(): CURRENT or BEHIND) */
};

struct ldb_publish_limits {
	size_t min_leases;  /* below this, always a base */
	size_t max_pending; /* above this, a base */
	size_t divisor;     /* and above leases / divisor (0 counts as 1) */
};

/* The defaults (4,096 leases, 512 changes, an eighth), lowered through
 * LEASE_DB_DELTA_MIN, LEASE_DB_DELTA_MAX and LEASE_DB_DELTA_DIV (read with
 * secure_getenv(); the tests use them to run every suite with deltas). */
void ldb_publish_limits_get(struct ldb_publish_limits *lim);

/* Whether the published snapshot already holds master transaction
 * need_txn, so nothing needs copying: it came from this master (state,
 * from ldb_source_compare(), CURRENT or BEHIND), its transaction pub_txn is
 * need_txn or newer, and the base file is there. need_txn 0: always
 * publish. */
bool ldb_publish_covered(enum ldb_source_state state, uint64_t pub_txn, uint64_t need_txn,
                         bool base_on_disk);

/* A delta when the snapshot came from this master, the master is large
 * enough, the base on disk is the one the master names, and few enough
 * leases changed since; otherwise a base. The cost of a delta grows with
 * the changes since the base, a base with the whole database. */
bool ldb_publish_wants_delta(const struct ldb_publish_facts *f,
                             const struct ldb_publish_limits *lim);

#endif
