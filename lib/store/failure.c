/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/failure.h"
#include "store/mdb-errno.h"

#define PREFIX_LEN (sizeof(LDB_META_FAILURE) - 1)

int ldb_failure_key(struct ldb_str iface, char *buf, size_t size)
{
	int n;

	if (iface.len > LDB_IFNAME_MAX)
		return -ENAMETOOLONG;
	n = snprintf(buf, size, LDB_META_FAILURE "%.*s", (int)iface.len, iface.len ? iface.p : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ldb_failure_encode(const struct ldb_failure *f, char *buf, size_t size, size_t *len)
{
	size_t mlen =
	    f->message.len < LDB_FAILURE_MESSAGE_MAX ? f->message.len : LDB_FAILURE_MESSAGE_MAX;
	int n = snprintf(buf, size, "%" PRId64 " %" PRIu64 " %" PRIu64 " %.*s", f->time, f->txn,
	                 f->data_txn, (int)mlen, mlen ? f->message.p : "");

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	*len = (size_t)n;
	return 0;
}

/* One decimal number and the space after it, from a slice. */
static int number(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s == end || *s < '0' || *s > '9')
		return -EBADMSG;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (s == end || *s != ' ')
		return -EBADMSG;
	*p = s + 1;
	*out = v;
	return 0;
}

int ldb_failure_decode(const MDB_val *key, const MDB_val *val, struct ldb_failure *out)
{
	const char *p = val->mv_data, *end = p + val->mv_size;
	uint64_t t;
	int r;

	memset(out, 0, sizeof(*out));
	if (key->mv_size < PREFIX_LEN || key->mv_size > PREFIX_LEN + LDB_IFNAME_MAX ||
	    memcmp(key->mv_data, LDB_META_FAILURE, PREFIX_LEN) != 0)
		return -EBADMSG;
	out->iface =
	    (struct ldb_str){(const char *)key->mv_data + PREFIX_LEN, key->mv_size - PREFIX_LEN};
	r = number(&p, end, &t);
	if (r == 0)
		r = number(&p, end, &out->txn);
	if (r == 0)
		r = number(&p, end, &out->data_txn);
	if (r < 0 || t > INT64_MAX || memchr(p, '\0', (size_t)(end - p)))
		return -EBADMSG;
	out->time = (int64_t)t;
	out->message = (struct ldb_str){p, (size_t)(end - p)};
	return 0;
}

int ldb_failure_foreach(MDB_txn *txn, const struct ldb_dbis *dbis,
                        int (*fn)(const struct ldb_failure *f, void *ctx), void *ctx)
{
	MDB_cursor *c;
	MDB_val k = {PREFIX_LEN, LDB_META_FAILURE}, v;
	int r, op = MDB_SET_RANGE;

	r = ldb_mdb_errno(mdb_cursor_open(txn, dbis->meta, &c));
	if (r < 0)
		return r;
	while ((r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, op))) == 0) {
		struct ldb_failure f;

		op = MDB_NEXT;
		if (k.mv_size < PREFIX_LEN || memcmp(k.mv_data, LDB_META_FAILURE, PREFIX_LEN) != 0)
			break;
		if (ldb_failure_decode(&k, &v, &f) < 0) {
			/* Still a failure on record: shown, not hidden. */
			memset(&f, 0, sizeof(f));
			f.iface = (struct ldb_str){(const char *)k.mv_data + PREFIX_LEN,
			                           k.mv_size - PREFIX_LEN};
			f.message = (struct ldb_str){(const char *)v.mv_data,
			                             v.mv_size < LDB_FAILURE_MESSAGE_MAX
			                                 ? v.mv_size
			                                 : LDB_FAILURE_MESSAGE_MAX};
			f.malformed = true;
		}
		r = fn(&f, ctx);
		if (r != 0)
			break;
	}
	mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}

struct find_txn {
	uint64_t txn, data_txn;
	int found;
};

static int find_txn(const struct ldb_failure *f, void *p)
{
	struct find_txn *w = p;

	if (f->txn != w->txn || f->txn == 0)
		return 0;
	w->data_txn = f->data_txn;
	w->found = 1;
	return 1;
}

int ldb_failure_data_txn(MDB_txn *txn, const struct ldb_dbis *dbis, uint64_t last,
                         uint64_t *data_txn)
{
	/* A failure record changes one key and nothing else, so the record
	 * written by transaction last is still there (nothing came after it)
	 * when last was one; it names the data transaction before it. */
	struct find_txn w = {.txn = last};
	int r = ldb_failure_foreach(txn, dbis, find_txn, &w);

	if (r < 0)
		return r;
	*data_txn = w.found ? w.data_txn : last;
	return 0;
}
