/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The counter file's source (store/counter.h): a reader takes the master
 * identity, the publication mark and the transaction of one publication,
 * never one's identity with another's transaction, while the writer
 * publishes as fast as it can (review of issue 11 point 6: the
 * transaction was stored and loaded outside the sequence counter). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tap.h"
#include "write/counter.h"

#define ROUNDS 20000000

static struct ldb_counter *g;
static volatile int done;

/* Publication k: identity and mark every byte k, transaction k. */
static void *writer(void *arg)
{
	struct ldb_counter_source src;

	(void)arg;
	for (uint64_t k = 1; k <= ROUNDS; k++) {
		memset(src.master_id, (int)(k & 0x7f) + 1, sizeof(src.master_id));
		memset(src.mark, (int)(k & 0x7f) + 1, sizeof(src.mark));
		src.txn = k;
		ldb_counter_publish(g, &src, NULL, NULL);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool consistent(const struct ldb_counter_source *s)
{
	uint8_t want = (uint8_t)((s->txn & 0x7f) + 1);

	for (size_t i = 0; i < LDB_MASTER_ID_SIZE; i++)
		if (s->master_id[i] != want || s->mark[i] != want)
			return false;
	return true;
}

int main(void)
{
	unsigned long reads = 0, torn = 0, retried = 0;
	struct ldb_counter_source s;
	pthread_t t;

	g = aligned_alloc(4096, LDB_COUNTER_SIZE);
	if (!g) {
		printf("1..0 # SKIP out of memory\n");
		return 0;
	}
	memset(g, 0, LDB_COUNTER_SIZE);
	ldb_counter_init(g);
	if (pthread_create(&t, NULL, writer, NULL) != 0) {
		printf("1..0 # SKIP no thread\n");
		return 0;
	}
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		ldb_counter_source(g, &s);
		reads++;
		if (s.txn == 0)
			continue;
		if (s.master_id[0] == 0xff) { /* the writer kept changing it */
			retried++;
			continue;
		}
		if (!consistent(&s))
			torn++;
	}
	pthread_join(t, NULL);
	ok(reads > 1000, "%lu readings while %d publications were made", reads, ROUNDS);
	is_int((int)torn, 0, "no reading mixes two publications (%lu given up as busy)", retried);
	ldb_counter_source(g, &s);
	ok(s.txn == ROUNDS && consistent(&s), "the last publication read whole");
	free(g);
	return tap_done();
}
