/* What readers see: a base database and, when present, a small delta
 * published over it: for the lease keys it covers, its leases replace the
 * base's and the ones it lacks are deleted; its guest tables replace the
 * base's. The master is a view with no delta. */
#ifndef LDB_STORE_VIEW_H
#define LDB_STORE_VIEW_H

#include <lmdb.h>
#include <stdint.h>

#include "store/tables.h"

struct ldb_view {
	MDB_txn *txn;
	const struct ldb_dbis *dbis;
	MDB_txn *dtxn; /* NULL: no delta */
	const struct ldb_dbis *ddbis;
};

/* ldb_lease_get_key() through a view. */
int ldb_view_get_key(const struct ldb_view *v, const MDB_val *key, struct ldb_lease *out);

/* Does the delta replace or delete this lease key? */
int ldb_view_overridden(const struct ldb_view *v, const MDB_val *key);

/* ldb_lease_foreach() through a view: base leases not overridden, then the
 * delta's. */
int ldb_view_foreach(const struct ldb_view *v, int (*fn)(const struct ldb_lease *l, void *ctx),
                     void *ctx);

/* ldb_lease_foreach_addr() through a view: every lease of one address, on
 * any interface; the base's not overridden, then the delta's. */
int ldb_view_foreach_addr(const struct ldb_view *v, int family, const uint8_t *addr,
                          int (*fn)(const MDB_val *key, const struct ldb_lease *l, void *ctx),
                          void *ctx);

#endif
