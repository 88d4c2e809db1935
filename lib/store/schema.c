#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/record.h"
#include "store/mdb-errno.h"
#include "store/schema.h"
#include "store/tables.h"

#define TABLE(n, f)                                                                                \
	{                                                                                          \
#n, f, offsetof(struct ldb_dbis, n)                                                \
	}

const struct ldb_table ldb_tables[LDB_NTABLES] = {
    TABLE(meta, 0),          TABLE(lease, 0),           TABLE(name, MDB_DUPSORT),
    TABLE(mac, MDB_DUPSORT), TABLE(guest, MDB_DUPSORT), TABLE(guestmac, MDB_DUPSORT),
    TABLE(pending, 0),       TABLE(changed, 0),
};

const unsigned char ldb_schema_format[4] = {LDB_FORMAT_VERSION, 0, 0, 0};

int ldb_schema_open_tables(MDB_txn *txn, unsigned flags, struct ldb_dbis *dbis)
{
	for (size_t i = 0; i < LDB_NTABLES; i++) {
		MDB_dbi *dbi = (MDB_dbi *)((char *)dbis + ldb_tables[i].dbi);
		int r = ldb_mdb_errno(
		    mdb_dbi_open(txn, ldb_tables[i].name, ldb_tables[i].flags | flags, dbi));

		if (r == -ENOENT || r == -EINVAL)
			return -EBADMSG; /* a table is missing or has other flags */
		if (r < 0)
			return r;
	}
	return 0;
}

int ldb_schema_check_format(MDB_txn *txn, const struct ldb_dbis *dbis)
{
	struct ldb_str v;
	int r;

	r = ldb_meta_get(txn, dbis, LDB_META_FORMAT, &v);
	if (r < 0)
		return r;
	if (v.len != sizeof(ldb_schema_format))
		return -EBADMSG;
	if (memcmp(v.p, ldb_schema_format, sizeof(ldb_schema_format)) != 0)
		return -EPROTONOSUPPORT;
	return 0;
}

int ldb_schema_open(MDB_txn *txn, struct ldb_dbis *dbis)
{
	int r;

	r = ldb_schema_open_tables(txn, 0, dbis);
	if (r == 0)
		r = ldb_schema_check_format(txn, dbis);
	return r == -ENOENT ? -EBADMSG : r;
}
