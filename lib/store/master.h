/* The private master database: a normal LMDB environment in a root-only
 * directory. Here: opening it to read (lease-db-dump --master, --check);
 * the helper opens it to write through write/master.h. */
#ifndef LDB_STORE_MASTER_H
#define LDB_STORE_MASTER_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/counter.h"
#include "store/schema.h"

struct ldb_master {
	MDB_env *env;
	struct ldb_dbis dbis;
	char *dir;
};

/* The way back from a damaged master, for the messages that refuse it. */
#define LDB_MASTER_RECOVERY "lease-db-admin rebuild"

/* Check the master's data file in dir the way snapshots are checked before
 * liblmdb touches them (store/verify.h, ldb_verify_meta()): 0 when it is
 * sound or missing (a fresh master), -EUCLEAN when it is damaged
 * (truncated, empty, not an LMDB file), another negative errno when it
 * cannot be read. ldb_master_open_env() calls it first. */
int ldb_master_check(const char *dir);

/* ldb_master_check(), then a walk of every tree of the data file
 * (store/verify.h, ldb_verify_master(): the snapshots' full check, and the
 * free tree) before liblmdb reads a page of it: 0 sound or missing,
 * -EUCLEAN damaged. Reads the whole file (init, rebuild; not per event). */
int ldb_master_verify(const char *dir);

/* Open the master in dir read-only, after ldb_master_verify(): -ENOENT
 * when there is no master, -EUCLEAN when it is damaged. */
int ldb_master_open_readonly(const char *dir, struct ldb_master **out);

/* Open the master read-only where this process cannot write its lock
 * file: liblmdb goes on without it on a read-only filesystem (EROFS), and
 * where it cannot be opened for another reason (EACCES, EPERM) the master
 * is opened MDB_NOLOCK. Either way this process is in no reader table: a
 * writer on another mount of the same filesystem may reuse the pages a
 * read transaction reads, from the second transaction committed after it
 * on. Check each read with ldb_master_read_stable(). */
int ldb_master_open_nowrite(const char *dir, struct ldb_master **out);

/* After reading in a transaction with id txn: true when at most one
 * transaction committed since it began, so no page it read was reused
 * (liblmdb frees a snapshot's pages for reuse from the third write
 * transaction after it on). */
bool ldb_master_read_stable(struct ldb_master *m, uint64_t txn);

/* The master's identity (meta master-id): -ENOENT when it has none (an
 * older helper's master, not yet opened by this one), -EBADMSG when it is
 * malformed. */
int ldb_master_id(MDB_txn *txn, const struct ldb_dbis *dbis, uint8_t id[LDB_MASTER_ID_SIZE]);

/* The master's state as txn sees it, to compare with the counter file's
 * (ldb_source_compare()): its identity and last publication mark (each
 * all zero when it has none or a malformed one) and txn's id. */
void ldb_master_source(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_counter_source *s);

/* Open the environment in dir with env_flags and its tables through
 * open_tables (ldb_schema_open, or the writer's ldb_schema_create). The
 * caller has checked the directory. -EUCLEAN: the data file is damaged
 * (ldb_master_check()), and liblmdb was never given it. */
int ldb_master_open_env(const char *dir, unsigned env_flags,
                        int (*open_tables)(MDB_txn *txn, struct ldb_dbis *dbis),
                        struct ldb_master **out);

void ldb_master_close(struct ldb_master *m);

/* The master's latest committed transaction id (0 if unknown). */
uint64_t ldb_master_txn(struct ldb_master *m);

#endif
