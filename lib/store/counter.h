/* The snapshot counter: the file published beside a snapshot
 * ("<snapshot>.gen", see store/files.h), the one home of its format. The writer bumps it in place
 * after each publication; readers map it read-only, so noticing a new snapshot costs one memory
 * load instead of a stat(). It also records the identity of the files the writer verified before
 * publishing them, so a reader can trust those without walking them again. */
#ifndef LDB_STORE_COUNTER_H
#define LDB_STORE_COUNTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "store/schema.h"

#define LDB_COUNTER_MAGIC UINT64_C(0x314e45474244454c) /* "LEDBGEN1" */
#define LDB_COUNTER_SIZE  4096                         /* never truncated or resized */

/* Loads and stores of the shared mapping: the writer changes it in place
 * while readers read it. */
#define LDB_COUNTER_LOAD(p)     __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define LDB_COUNTER_STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

/* A file's full identity. Any write to a file changes its ctime, and an
 * inode number can be reused once the file is gone, so identity is never
 * the inode number alone. All zero: no file. */
struct ldb_fileid {
	uint64_t dev, ino, size;
	int64_t ctime_sec, ctime_nsec;
};

struct ldb_counter {
	uint64_t magic;
	uint64_t gen;  /* bumped after every publication (after its renames) */
	uint64_t txn;  /* master transaction the snapshot contains at least */
	uint64_t base; /* base-id of the published full snapshot */
	/* Below: written under seq, odd while the writer is changing it. */
	uint64_t seq;
	struct ldb_fileid vbase;  /* the base the writer verified and published */
	struct ldb_fileid vdelta; /* the delta likewise; zero when there is none */
	/* The master the published snapshot came from (meta master-id); all
	 * zero: unknown (a counter written before masters had an identity). */
	uint8_t master_id[LDB_MASTER_ID_SIZE];
	/* The publication's mark in that master (meta publication); all zero:
	 * none (an older writer's counter, or a copy whose exact transaction
	 * is unknown). Added after master_id: an older reader, which never
	 * looks past it, reads a newer file, and a newer reader reads an
	 * older file's zeros (the file is LDB_COUNTER_SIZE bytes either way). */
	uint8_t mark[LDB_MASTER_ID_SIZE];
	/* txn (above) is written under seq too since the mark came: a reader
	 * takes (master_id, mark, txn) from one publication. */
};

/* Where a snapshot came from, or a master's state to compare with it:
 * which master, the publication's mark, and the master transaction (the
 * snapshot contains at least). */
struct ldb_counter_source {
	uint8_t master_id[LDB_MASTER_ID_SIZE];
	uint8_t mark[LDB_MASTER_ID_SIZE];
	uint64_t txn;
};

/* How the published snapshot stands to a master now at transaction txn. A
 * master's transaction ids only grow, and the counter is bumped only after
 * the master committed what was published, so a snapshot "ahead" of a
 * master with its identity came from a copy of it that was later replaced
 * by an older one (a restored backup). Only CURRENT (and BEHIND, for a
 * change it already holds) means the snapshot shows this master. */
enum ldb_source_state {
	LDB_SOURCE_CURRENT,  /* this master, its latest transaction */
	LDB_SOURCE_BEHIND,   /* this master, an older transaction */
	LDB_SOURCE_AHEAD,    /* this master's identity, a newer transaction: restored */
	LDB_SOURCE_DIVERGED, /* this master's identity, not its mark: a state the
	                        master's history no longer holds (restored from a
	                        backup), or a publication that failed after it
	                        marked the master */
	LDB_SOURCE_OTHER,    /* another master (deleted and created again, replaced) */
};

/* What a reader learns from the counter file at one moment. */
struct ldb_counter_reading {
	uint64_t gen;
	struct ldb_fileid vbase, vdelta;
	bool valid; /* false: no consistent reading (the writer kept changing it) */
};

void ldb_fileid_from_stat(const struct stat *st, struct ldb_fileid *id);
bool ldb_fileid_equal(const struct ldb_fileid *a, const struct ldb_fileid *b);

/* Map the counter file of a snapshot read-only: a trusted regular file (see
 * ldb_trusted_file()) of LDB_COUNTER_SIZE bytes, with blocks behind it (a
 * sparse one is refused: see counter.c) and the magic. Its owner is
 * returned in *owner: only files owned by the same user are vouched for by
 * it. The descriptor is closed before returning. -ENOENT, -EPERM, -EBADMSG. */
int ldb_counter_map(const char *snapshot, const struct ldb_counter **out, uid_t *owner, dev_t *dev,
                    ino_t *ino);
void ldb_counter_unmap(const struct ldb_counter *g);

/* The generation alone: one memory load. */
uint64_t ldb_counter_generation(const struct ldb_counter *g);

/* The master transaction the published snapshot contains at least. */
uint64_t ldb_counter_txn(const struct ldb_counter *g);

/* The base-id of the published full snapshot. */
uint64_t ldb_counter_base(const struct ldb_counter *g);

/* The published snapshot's source, read consistently. */
void ldb_counter_source(const struct ldb_counter *g, struct ldb_counter_source *s);

/* Compare the published snapshot's source with a master's state (its
 * identity and mark, all zero when it has none, and its latest
 * transaction: ldb_master_source()). */
enum ldb_source_state ldb_source_compare(const struct ldb_counter_source *pub,
                                         const struct ldb_counter_source *master);

/* A consistent reading of the counter and the identities it vouches for. */
void ldb_counter_read(const struct ldb_counter *g, struct ldb_counter_reading *v);

/* The writer's side is in write/counter.h. */

#endif
