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
	                                  .base_on_disk = true};
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
