/* The writer's side of the snapshot counter (format: store/counter.h). One
 * writer, under the publish lock, changes the mapping readers read. */
#ifndef LDB_WRITE_COUNTER_H
#define LDB_WRITE_COUNTER_H

#include <stdint.h>

#include "store/counter.h"

/* A freshly created (zero) or foreign mapping: give it the magic, with
 * nothing published yet. */
void ldb_counter_init(struct ldb_counter *g);

/* Name the full snapshot about to be published. */
void ldb_counter_set_base(struct ldb_counter *g, uint64_t base_id);

/* Record what was verified and renamed into place and where it came from
 * (src: master identity, publication mark, transaction), then bump the
 * generation. delta NULL: a new base, and no delta applies any more. */
void ldb_counter_publish(struct ldb_counter *g, const struct ldb_counter_source *src,
                         const struct ldb_fileid *base, const struct ldb_fileid *delta);

#endif
