/* ldb_verify() on real snapshots, and on copies patched into shapes that
 * liblmdb 0.9.24 mis-reads: an empty duplicate sub-page (mdb_cursor_first
 * takes node 0 of it, at whatever offset the bytes after its header hold)
 * and a branch page with one child (mdb_page_search_root asserts
 * NUMKEYS > 1, aborting the process). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "write/master.h"
#include "write/publish.h"
#include "write/validate.h"
#include "store/mdb-errno.h"
#include "store/verify.h"
#include "write/tables.h"
#include "tests/unit/tap.h"

#define PAGEHDRSZ 16
#define P_BRANCH  0x01
#define P_LEAF    0x02
#define P_SUBP    0x40
#define F_DUPDATA 0x04

static char dir[] = "/tmp/ldb-verify-XXXXXX";

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int put(MDB_txn *txn, struct ldb_master *m, const char *host, const char *addr)
{
	struct ldb_lease l = {0};
	int fam;

	if (ldb_parse_addr(addr, &fam, l.addr) < 0)
		return -EINVAL;
	l.family = (uint8_t)fam;
	l.hostname = ldb_str_from(host);
	return ldb_lease_put(txn, &m->dbis, &l);
}

/* Publish a snapshot named name holding "host1" at two addresses (its name
 * index entry becomes a sub-page of two duplicates) and extra more leases,
 * and read it into memory. */
static uint8_t *build(const char *name, unsigned extra, size_t *size)
{
	char mdir[64], path[64];
	struct ldb_master *m;
	uint8_t *buf = NULL;
	struct stat st;
	MDB_txn *txn;
	FILE *f;
	int r;

	snprintf(mdir, sizeof(mdir), "%s/master-%s", dir, name);
	snprintf(path, sizeof(path), "%s/run/%s", dir, name);
	if (ldb_master_open_writable(mdir, &m) < 0)
		return NULL;
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0)
		goto out;
	r = put(txn, m, "host1", "10.0.0.1");
	if (r == 0)
		r = put(txn, m, "host1", "10.0.0.2");
	for (unsigned i = 0; i < extra && r == 0; i++) {
		char host[32], addr[32];

		snprintf(host, sizeof(host), "extra%u", i);
		snprintf(addr, sizeof(addr), "10.1.%u.%u", i / 250, i % 250 + 1);
		r = put(txn, m, host, addr);
	}
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(txn));
	else
		mdb_txn_abort(txn);
	if (r == 0)
		r = ldb_publish(m, path, ldb_master_txn(m));
	if (r == 0 && (f = fopen(path, "rb"))) {
		if (fstat(fileno(f), &st) == 0 && (buf = malloc((size_t)st.st_size)) &&
		    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)st.st_size;
		fclose(f);
	}
out:
	ldb_master_close(m);
	return buf;
}

/* The node of key in a dupsort table whose data is a sub-page. */
static uint8_t *find_subpage(uint8_t *buf, size_t size, const char *key)
{
	size_t klen = strlen(key);

	for (size_t off = 0; off + 8 + klen + PAGEHDRSZ <= size; off += 2) {
		uint8_t *n = buf + off;

		if (get16(n + 4) == F_DUPDATA && get16(n + 6) == klen &&
		    memcmp(n + 8, key, klen) == 0 &&
		    (get16(n + 8 + klen + 10) & ~0x10) == (P_LEAF | P_SUBP))
			return n + 8 + klen;
	}
	return NULL;
}

/* A branch page (one carrying its own page number) with at least two
 * children. */
static uint8_t *find_branch(uint8_t *buf, size_t size)
{
	uint32_t psize;

	memcpy(&psize, buf + PAGEHDRSZ + 24, sizeof(psize));
	if (psize < 512)
		return NULL;
	for (uint64_t pg = 2; (pg + 1) * psize <= size; pg++) {
		uint8_t *p = buf + pg * psize;

		if (get64(p) == pg && get16(p + 10) == P_BRANCH &&
		    get16(p + 12) >= PAGEHDRSZ + 2 * 2)
			return p;
	}
	return NULL;
}

static void test_empty_subpage(void)
{
	size_t size = 0;
	uint8_t *buf = build("dups", 0, &size), *sp;

	if (!ok(buf != NULL, "snapshot with a duplicated name published")) {
		printf("# %s\n", strerror(errno));
		return;
	}
	is_int(ldb_verify(buf, size), 0, "the valid snapshot passes");
	sp = find_subpage(buf, size, "host1");
	if (ok(sp != NULL, "host1's two addresses are a sub-page")) {
		is_int((get16(sp + 12) - PAGEHDRSZ) / 2, 2, "the sub-page holds two nodes");
		/* No nodes left; node 0's offset, which liblmdb still reads,
		 * points 64 KB on. */
		put16(sp + 12, PAGEHDRSZ);
		put16(sp + PAGEHDRSZ, 0xfffe);
		is_int(ldb_verify(buf, size), -EBADMSG, "an empty sub-page is refused");
	}
	free(buf);
}

static void test_one_child_branch(void)
{
	size_t size = 0;
	uint8_t *buf = build("many", 400, &size), *bp;

	if (!ok(buf != NULL, "snapshot with 400 leases published")) {
		printf("# %s\n", strerror(errno));
		return;
	}
	is_int(ldb_verify(buf, size), 0, "the valid snapshot with branch pages passes");
	bp = find_branch(buf, size);
	if (ok(bp != NULL, "it has a branch page with two or more children")) {
		put16(bp + 12, PAGEHDRSZ + 2);
		is_int(ldb_verify(buf, size), -EBADMSG, "a branch page with one child is refused");
	}
	free(buf);
}

/* Publish a snapshot whose master has, besides lease-db's tables, a table
 * "future" (as a newer version might add) opened with flags, holding a key
 * "future-key" with two values; read it into memory. */
static uint8_t *build_future(const char *name, unsigned flags, size_t *size)
{
	char mdir[64], path[64];
	struct ldb_master *m;
	uint8_t *buf = NULL;
	struct stat st;
	MDB_txn *txn;
	MDB_dbi dbi;
	FILE *f;
	int r;

	snprintf(mdir, sizeof(mdir), "%s/master-%s", dir, name);
	snprintf(path, sizeof(path), "%s/copy-%s", dir, name);
	if (ldb_master_open_writable(mdir, &m) < 0)
		return NULL;
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r < 0)
		goto out;
	r = put(txn, m, "host1", "10.0.0.1");
	if (r == 0)
		r = ldb_mdb_errno(mdb_dbi_open(txn, "future", flags | MDB_CREATE, &dbi));
	for (int i = 0; i < 2 && r == 0; i++) {
		MDB_val k = {10, "future-key"}, v = {5, i ? "val-1" : "val-0"};

		if (flags & MDB_INTEGERKEY)
			k = (MDB_val){sizeof(unsigned), &flags};
		r = ldb_mdb_errno(mdb_put(txn, dbi, &k, &v, 0));
	}
	if (r == 0)
		r = ldb_mdb_errno(mdb_txn_commit(txn));
	else
		mdb_txn_abort(txn);
	/* Copied as the publisher copies, but not published: the publisher
	 * verifies, which is what is tested here. */
	if (r == 0 && (f = fopen(path, "w+b"))) {
		if (mdb_env_copyfd2(m->env, fileno(f), MDB_CP_COMPACT) == 0 &&
		    fstat(fileno(f), &st) == 0 && (buf = malloc((size_t)st.st_size)) &&
		    pread(fileno(f), buf, (size_t)st.st_size, 0) != (ssize_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)st.st_size;
		fclose(f);
	}
out:
	ldb_master_close(m);
	return buf;
}

/* The main tree's node naming table: its MDB_db record. */
static uint8_t *find_table(uint8_t *buf, size_t size, const char *table)
{
	size_t klen = strlen(table);

	for (size_t off = 0; off + 8 + klen + 48 <= size; off += 2) {
		uint8_t *n = buf + off;

		if (get16(n + 4) == 0x02 /* F_SUBDATA */ && get16(n + 6) == klen &&
		    get16(n) == 48 && memcmp(n + 8, table, klen) == 0)
			return n + 8 + klen;
	}
	return NULL;
}

/* Compatible changes: a table this version does not know is accepted and
 * walked; known tables must still have their own flags. */
static void test_unknown_tables(void)
{
	size_t size = 0;
	uint8_t *buf, *db, *sp;

	buf = build_future("future", 0, &size);
	if (ok(buf != NULL, "copy with an unknown plain table made")) {
		is_int(ldb_verify(buf, size), 0, "an unknown plain table is accepted");
		db = find_table(buf, size, "lease");
		if (ok(db != NULL, "the lease table's record found")) {
			put16(db + 4, MDB_DUPSORT);
			is_int(ldb_verify(buf, size), -EBADMSG,
			       "a known table with other flags is still refused");
		}
		free(buf);
	}
	buf = build_future("future-dups", MDB_DUPSORT, &size);
	if (ok(buf != NULL, "copy with an unknown duplicates table made")) {
		is_int(ldb_verify(buf, size), 0, "an unknown duplicates table is accepted");
		sp = find_subpage(buf, size, "future-key");
		if (ok(sp != NULL, "its key's two values are a sub-page")) {
			put16(sp + 12, PAGEHDRSZ);
			put16(sp + PAGEHDRSZ, 0xfffe);
			is_int(ldb_verify(buf, size), -EBADMSG,
			       "the unknown table is walked: its empty sub-page is refused");
		}
		free(buf);
	}
	buf = build_future("future-int", MDB_INTEGERKEY, &size);
	if (ok(buf != NULL, "copy with an unknown integer-key table made")) {
		is_int(ldb_verify(buf, size), -EBADMSG,
		       "an unknown table with other flags (integer keys) is refused");
		free(buf);
	}
}

/* The meta page liblmdb uses: the one with the higher transaction id. */
static uint8_t *current_meta(uint8_t *buf)
{
	uint32_t psize;

	memcpy(&psize, buf + PAGEHDRSZ + 24, sizeof(psize));
	return get64(buf + psize + PAGEHDRSZ + 128) > get64(buf + PAGEHDRSZ + 128)
	           ? buf + psize + PAGEHDRSZ
	           : buf + PAGEHDRSZ;
}

/* ldb_verify_meta() (what each event runs on the master) on a copy. */
static int meta_only(const uint8_t *buf, size_t size)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "%s/meta-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	r = write(fd, buf, size) == (ssize_t)size ? ldb_verify_meta(fd, size) : -EIO;
	close(fd);
	unlink(path);
	return r;
}

/* The tree records (MDB_db) of the meta page, which liblmdb trusts as they
 * are: a root page number of 0 or 1 is its assertion 'root > 1', one past
 * the file a fault. */
static void test_tree_records(void)
{
	static const struct {
		size_t db, field; /* offsets in the meta page, in the MDB_db */
		uint64_t value;
		unsigned width;
		const char *what;
	} cases[] = {
	    {72, 40, 0, 8, "main tree root page 0"},
	    {72, 40, 1, 8, "main tree root page 1"},
	    {72, 40, 1u << 30, 8, "main tree root past the last page"},
	    {72, 6, 0, 2, "main tree depth 0 with a root"},
	    {72, 6, 40, 2, "main tree deeper than a cursor goes"},
	    {72, 32, 0, 8, "main tree with a root and no entry"},
	    {72, 16, 0, 8, "main tree with a root and no leaf page"},
	    {72, 16, 1u << 30, 8, "main tree with more leaf pages than the file"},
	    {24, 40, 1, 8, "free tree root page 1"},
	    {24, 40, 1u << 30, 8, "free tree root past the last page"},
	};
	size_t size = 0;
	uint8_t *good = build("records", 0, &size), *buf;

	if (!ok(good != NULL, "snapshot for the tree records built"))
		return;
	is_int(ldb_verify(good, size), 0, "the snapshot as published passes");
	is_int(meta_only(good, size), 0, "... and its meta check");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *f;

		buf = malloc(size);
		if (!buf)
			break;
		memcpy(buf, good, size);
		f = current_meta(buf) + cases[i].db + cases[i].field;
		if (cases[i].width == 2)
			put16(f, (uint16_t)cases[i].value);
		else
			memcpy(f, &cases[i].value, sizeof(cases[i].value));
		is_int(ldb_verify(buf, size), -EBADMSG, cases[i].what);
		is_int(meta_only(buf, size), -EBADMSG, "... and by the meta check alone");
		free(buf);
	}
	/* An empty tree claims nothing. */
	buf = malloc(size);
	if (buf) {
		uint64_t none = UINT64_MAX, one = 1;
		uint8_t *db;

		memcpy(buf, good, size);
		db = current_meta(buf) + 72;
		memcpy(db + 40, &none, sizeof(none));
		put16(db + 6, 0);
		memcpy(db + 32, &one, sizeof(one));
		is_int(ldb_verify(buf, size), -EBADMSG, "an empty main tree with an entry");
		is_int(meta_only(buf, size), -EBADMSG, "... and by the meta check alone");
		free(buf);
	}
	free(good);
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	test_empty_subpage();
	test_one_child_branch();
	test_unknown_tables();
	test_tree_records();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
