/* Opening the master to write: the helper's side of store/master.h. */
#ifndef LDB_WRITE_MASTER_H
#define LDB_WRITE_MASTER_H

#include "store/master.h"

/* Open the master in dir, creating the directory (0700) and the database
 * when missing, and migrating an older layout in place
 * (ldb_master_upgrade(), in the open's write transaction); -EPROTONOSUPPORT
 * for a newer one. The directory must belong to the effective user with no
 * group/other write bit. */
int ldb_master_open_writable(const char *dir, struct ldb_master **out);

#endif
