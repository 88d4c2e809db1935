#include "config.h"

#include <stdlib.h>

#include "write/publish-policy.h"

#define DELTA_MIN 4096
#define DELTA_MAX 512
#define DELTA_DIV 8

static size_t tunable(const char *name, size_t def)
{
	const char *s = secure_getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 10);
	return *end ? def : (size_t)v;
}

void ldb_publish_limits_get(struct ldb_publish_limits *lim)
{
	lim->min_leases = tunable("LEASE_DB_DELTA_MIN", DELTA_MIN);
	lim->max_pending = tunable("LEASE_DB_DELTA_MAX", DELTA_MAX);
	lim->divisor = tunable("LEASE_DB_DELTA_DIV", DELTA_DIV);
}

bool ldb_publish_covered(enum ldb_source_state state, uint64_t pub_txn, uint64_t need_txn,
                         bool base_on_disk)
{
	return need_txn != 0 && base_on_disk && pub_txn >= need_txn &&
	       (state == LDB_SOURCE_CURRENT || state == LDB_SOURCE_BEHIND);
}

bool ldb_publish_wants_delta(const struct ldb_publish_facts *f,
                             const struct ldb_publish_limits *lim)
{
	return f->same_source && f->leases >= lim->min_leases && f->base_id != 0 &&
	       f->published_base_id == f->base_id && f->pending <= lim->max_pending &&
	       f->pending <= f->leases / (lim->divisor ? lim->divisor : 1) && f->base_on_disk;
}
