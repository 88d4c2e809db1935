/* Publishing policy: whether the next publication is a new base or a
 * delta over the published one. A pure decision, apart from reading the
 * limits; the mechanism is write/publish.c. */
#ifndef LDB_WRITE_PUBLISH_POLICY_H
#define LDB_WRITE_PUBLISH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the publisher knows when it decides. */
struct ldb_publish_facts {
	size_t leases;              /* in the master */
	size_t pending;             /* changed since the master's last base */
	uint64_t base_id;           /* the master's last base, 0: never made */
	uint64_t published_base_id; /* the counter file's */
	bool base_on_disk;          /* the base file is there, a regular file */
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

/* A delta when the master is large enough, the base on disk is the one the
 * master names, and few enough leases changed since; otherwise a base. The
 * cost of a delta grows with the changes since the base, a base with the
 * whole database. */
bool ldb_publish_wants_delta(const struct ldb_publish_facts *f,
                             const struct ldb_publish_limits *lim);

#endif
