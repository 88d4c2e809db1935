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

int ldb_schema_layout(MDB_txn *txn, const struct ldb_dbis *dbis, unsigned *layout)
{
	struct ldb_str v;
	const uint8_t *p;
	int r;

	r = ldb_meta_get(txn, dbis, LDB_META_FORMAT, &v);
	if (r < 0)
		return r;
	if (v.len != 4)
		return -EBADMSG;
	p = (const uint8_t *)v.p;
	*layout =
	    (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
	return *layout == 0 ? -EBADMSG : 0;
}

int ldb_schema_open(MDB_txn *txn, struct ldb_dbis *dbis)
{
	int r;

	/* The layout first: a newer one may have other tables. */
	r = ldb_mdb_errno(mdb_dbi_open(txn, "meta", 0, &dbis->meta));
	if (r == 0)
		r = ldb_schema_layout(txn, dbis, &dbis->layout);
	if (r == -ENOENT || r == -EINVAL)
		return -EBADMSG;
	if (r < 0)
		return r;
	if (dbis->layout > LDB_LAYOUT_VERSION || dbis->layout < LDB_LAYOUT_READ_MIN)
		return -EPROTONOSUPPORT;
	return ldb_schema_open_tables(txn, 0, dbis);
}
