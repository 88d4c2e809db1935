/* The publishing policy (write/publish-policy.c): base or delta, as a pure
 * decision over what the publisher knows, and the limits it reads. */
#include "config.h"

#include <stdlib.h>

#include "tests/unit/tap.h"
#include "write/publish-policy.h"

/* A situation where a delta is due: every test below changes one fact. */
static struct ldb_publish_facts due(void)
{
	return (struct ldb_publish_facts){.leases = 10000,
	                                  .pending = 100,
	                                  .base_id = 42,
	                                  .published_base_id = 42,
	                                  .base_on_disk = true,
	                                  .same_source = true};
}

int main(void)
{
	const struct ldb_publish_limits lim = {
	    .min_leases = 4096, .max_pending = 512, .divisor = 8};
	struct ldb_publish_limits got;
	struct ldb_publish_facts f;

	f = due();
	ok(ldb_publish_wants_delta(&f, &lim), "a delta when every condition holds");
	f.leases = 4095;
	ok(!ldb_publish_wants_delta(&f, &lim), "a base below the lease minimum");
	f.leases = 4096;
	ok(ldb_publish_wants_delta(&f, &lim), "a delta at exactly the lease minimum");
	f = due();
	f.base_id = 0;
	f.published_base_id = 0;
	ok(!ldb_publish_wants_delta(&f, &lim), "a base when the master never made one");
	f = due();
	f.published_base_id = 41;
	ok(!ldb_publish_wants_delta(&f, &lim), "a base when the published base is another one");
	f = due();
	f.base_on_disk = false;
	ok(!ldb_publish_wants_delta(&f, &lim), "a base when the base file is gone");
	f = due();
	f.same_source = false;
	ok(!ldb_publish_wants_delta(&f, &lim),
	   "a base when the snapshot came from another master or a newer copy of it");
	f = due();
	f.pending = 512;
	ok(ldb_publish_wants_delta(&f, &lim), "a delta at exactly the change maximum");
	f.pending = 513;
	ok(!ldb_publish_wants_delta(&f, &lim), "a base above the change maximum");
	f = due();
	f.leases = 5000;
	f.pending = 5000 / 8 + 1;
	ok(!ldb_publish_wants_delta(&f, (&(struct ldb_publish_limits){4096, 1000, 8})),
	   "a base when more than an eighth changed, under the maximum");
	f.pending = 5000 / 8;
	ok(ldb_publish_wants_delta(&f, (&(struct ldb_publish_limits){4096, 1000, 8})),
	   "a delta at exactly an eighth");
	f = due();
	f.pending = f.leases;
	ok(ldb_publish_wants_delta(&f, (&(struct ldb_publish_limits){1, 100000, 0})),
	   "divisor 0 counts as 1: every lease changed is still a delta");
	f.pending = f.leases + 1;
	ok(!ldb_publish_wants_delta(&f, (&(struct ldb_publish_limits){1, 100000, 0})),
	   "divisor 0: more changes than leases is a base");

	/* Coalescing: only a copy of this very master covers a change. */
	ok(ldb_publish_covered(LDB_SOURCE_CURRENT, 10, 10, true), "covered: this master, same txn");
	ok(ldb_publish_covered(LDB_SOURCE_BEHIND, 10, 9, true),
	   "covered: this master moved on, the snapshot holds the change");
	ok(!ldb_publish_covered(LDB_SOURCE_BEHIND, 10, 11, true), "not covered: an older txn");
	ok(!ldb_publish_covered(LDB_SOURCE_OTHER, 100, 5, true),
	   "not covered: another master's higher txn (a master deleted and made again)");
	ok(!ldb_publish_covered(LDB_SOURCE_AHEAD, 100, 5, true),
	   "not covered: this master's identity ahead of it (restored from a backup)");
	ok(!ldb_publish_covered(LDB_SOURCE_CURRENT, 10, 10, false), "not covered: no base file");
	ok(!ldb_publish_covered(LDB_SOURCE_CURRENT, 10, 0, true), "need_txn 0: always publish");

	/* Where a snapshot comes from: identity first, then the txn, then the
	 * publication's mark. */
	{
		struct ldb_counter_source pub = {.master_id = {1, 2, 3}, .mark = {7}, .txn = 50};
		struct ldb_counter_source same = {.master_id = {1, 2, 3}, .mark = {7}, .txn = 50};
		struct ldb_counter_source other = same, restored = same;

		other.master_id[2] = 4;
		restored.mark[0] = 8; /* a backup that caught up to txn 50 */
		ok(ldb_source_compare(&pub, &same) == LDB_SOURCE_CURRENT, "source: current");
		same.txn = 60;
		ok(ldb_source_compare(&pub, &same) == LDB_SOURCE_BEHIND, "source: behind");
		same.txn = 40;
		ok(ldb_source_compare(&pub, &same) == LDB_SOURCE_AHEAD,
		   "source: ahead of its master (restored)");
		ok(ldb_source_compare(&pub, &other) == LDB_SOURCE_OTHER,
		   "source: another master, whatever its txn");
		ok(ldb_source_compare(&pub, &restored) == LDB_SOURCE_DIVERGED,
		   "source: this master at the same txn, another mark (restored): diverged");
		restored.txn = 60;
		ok(ldb_source_compare(&pub, &restored) == LDB_SOURCE_DIVERGED,
		   "... and later: still diverged");
		ok(!ldb_publish_covered(LDB_SOURCE_DIVERGED, 50, 50, true),
		   "diverged covers nothing");
	}

	unsetenv("LEASE_DB_DELTA_MIN");
	unsetenv("LEASE_DB_DELTA_MAX");
	unsetenv("LEASE_DB_DELTA_DIV");
	ldb_publish_limits_get(&got);
	ok(got.min_leases == 4096 && got.max_pending == 512 && got.divisor == 8,
	   "defaults: 4096 leases, 512 changes, an eighth");
	setenv("LEASE_DB_DELTA_MIN", "2", 1);
	setenv("LEASE_DB_DELTA_MAX", "7", 1);
	setenv("LEASE_DB_DELTA_DIV", "1", 1);
	ldb_publish_limits_get(&got);
	ok(got.min_leases == 2 && got.max_pending == 7 && got.divisor == 1,
	   "LEASE_DB_DELTA_{MIN,MAX,DIV} set the limits");
	setenv("LEASE_DB_DELTA_MIN", "2x", 1);
	setenv("LEASE_DB_DELTA_MAX", "", 1);
	ldb_publish_limits_get(&got);
	ok(got.min_leases == 4096 && got.max_pending == 512,
	   "a value that is not a number keeps the default");
	return tap_done();
}
