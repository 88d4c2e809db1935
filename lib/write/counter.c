#include "config.h"

#include <stddef.h>

#include "write/counter.h"

#define LOAD(p)     LDB_COUNTER_LOAD(p)
#define STORE(p, v) LDB_COUNTER_STORE(p, v)

void ldb_counter_init(struct ldb_counter *g)
{
	if (g->magic == LDB_COUNTER_MAGIC)
		return;
	g->gen = 0;
	g->txn = 0;
	STORE(&g->magic, LDB_COUNTER_MAGIC);
}

void ldb_counter_set_base(struct ldb_counter *g, uint64_t base_id)
{
	STORE(&g->base, base_id);
}

/* Field by field: readers copy under seq and discard a torn copy. */
static void store_id(struct ldb_fileid *dst, const struct ldb_fileid *src)
{
	__atomic_store_n(&dst->dev, src->dev, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->ino, src->ino, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->size, src->size, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->ctime_sec, src->ctime_sec, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->ctime_nsec, src->ctime_nsec, __ATOMIC_RELAXED);
}

void ldb_counter_publish(struct ldb_counter *g, const struct ldb_counter_source *src,
                         const struct ldb_fileid *base, const struct ldb_fileid *delta)
{
	static const struct ldb_fileid none;

	STORE(&g->seq, LOAD(&g->seq) | 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (base)
		store_id(&g->vbase, base);
	store_id(&g->vdelta, delta ? delta : &none);
	for (size_t i = 0; i < LDB_MASTER_ID_SIZE; i++) {
		__atomic_store_n(&g->master_id[i], src->master_id[i], __ATOMIC_RELAXED);
		__atomic_store_n(&g->mark[i], src->mark[i], __ATOMIC_RELAXED);
	}
	__atomic_store_n(&g->txn, src->txn, __ATOMIC_RELAXED);
	STORE(&g->seq, LOAD(&g->seq) + 1);
	__atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
}
