/* lease-db-dump --check: the administrator's self-check. */
#ifndef LDB_CHECK_H
#define LDB_CHECK_H

#include <stdbool.h>

/* Run every check, print one line each (or JSON), return the number of
 * failed checks. */
int ldb_check_run(bool json);

#endif
