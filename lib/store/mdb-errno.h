/* LMDB's return codes as the negative errno values lease-db returns. */
#ifndef LDB_STORE_MDB_ERRNO_H
#define LDB_STORE_MDB_ERRNO_H

/* Map an LMDB return code (errno value or MDB_* code) to a negative errno. */
int ldb_mdb_errno(int rc);

#endif
