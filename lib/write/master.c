#include "config.h"

#include <sys/stat.h>

#include "write/dirs.h"
#include "write/master.h"
#include "write/migrate.h"

int ldb_master_open_writable(const char *dir, struct ldb_master **out)
{
	int r = ldb_secure_dir(dir, 0700, S_IWGRP | S_IWOTH);

	return r < 0 ? r : ldb_master_open_env(dir, 0, ldb_master_upgrade, out);
}
