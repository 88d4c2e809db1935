/* The generation counter published beside a snapshot. The writer bumps it
 * in place after each rename; readers map it read-only, so noticing a new
 * snapshot costs one memory load instead of a stat(). */
#ifndef LDB_GEN_H
#define LDB_GEN_H

#include <stdint.h>

#define LDB_GEN_MAGIC UINT64_C(0x314e45474244454c) /* "LEDBGEN1" */
#define LDB_GEN_SIZE  4096                         /* never truncated or resized */

struct ldb_gen {
	uint64_t magic;
	uint64_t gen;  /* bumped after every rename of the snapshot */
	uint64_t txn;  /* master transaction the snapshot contains at least */
	uint64_t base; /* base-id of the published full snapshot */
};

#endif
