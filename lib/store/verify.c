/*
 * The on-disk format of liblmdb 0.9 (64-bit pgno_t), as its readers use it:
 * two meta pages, then pages of a fixed size, each with a 16-byte header
 * (pgno, pad, flags, lower/upper or an overflow page count) and an array of
 * 2-byte node offsets; nodes are 8-byte headers (lo, hi, flags, ksize),
 * then key, then data.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "store/schema.h"
#include "store/verify.h"

#define PAGEHDRSZ           16u
#define NODESIZE            8u
#define P_BRANCH            0x01
#define P_LEAF              0x02
#define P_OVERFLOW          0x04
#define P_META              0x08
#define P_LEAF2             0x20
#define P_SUBP              0x40
#define F_BIGDATA           0x01
#define F_SUBDATA           0x02
#define F_DUPDATA           0x04
#define MDB_MAGIC           0xBEEFC0DEu
#define MDB_DATA_VER        1u
#define MAXKEYSIZE          511u
#define MAXDEPTH            32u
#define DBSIZE              48u /* MDB_db */
#define P_INVALID           UINT64_MAX
#define MDB_INTEGERKEY_FLAG 0x08
#define MDB_NOSUBDIR_FLAG   0x4000
#define P_DIRTYMASK         0x10 /* P_DIRTY, never set on disk but harmless */

struct walk {
	const uint8_t *map;
	size_t size;
	uint64_t psize, npages; /* pages the file holds */
	uint64_t budget;        /* pages left to visit: a cycle runs out */
};

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

struct db {
	uint16_t flags, depth;
	uint64_t root;
};

static struct db read_db(const uint8_t *p)
{
	return (struct db){u16(p + 4), u16(p + 6), u64(p + 40)};
}

/* What a tree holds, which decides what its leaf nodes may be. */
enum kind {
	K_MAIN,  /* the main tree: one node per named table */
	K_PLAIN, /* a table without duplicates: key -> data */
	K_DUPS,  /* a MDB_DUPSORT table: data, a sub-page or a sub-tree */
	K_VALS,  /* duplicates: keys only */
};

/* The tables lease-db creates (store/schema.c) must have their own flags.
 * A table this version does not know (a newer writer added it: a
 * compatible change) is walked like ours, as long as it is a plain or a
 * duplicates table; any other flags (integer keys, fixed-size or reversed
 * duplicates) change how liblmdb reads it and are refused. The flags
 * stored in the file are the ones the table was opened with. */
static int table_kind(const uint8_t *name, size_t len, uint16_t flags, enum kind *kind)
{
	for (size_t i = 0; i < LDB_NTABLES; i++) {
		const struct ldb_table *t = &ldb_tables[i];

		if (strlen(t->name) != len || memcmp(t->name, name, len) != 0)
			continue;
		if (flags != t->flags)
			return -EBADMSG;
		*kind = (t->flags & MDB_DUPSORT) ? K_DUPS : K_PLAIN;
		return 0;
	}
	if (flags != 0 && flags != MDB_DUPSORT)
		return -EBADMSG;
	*kind = flags ? K_DUPS : K_PLAIN;
	return 0;
}

static int page(struct walk *w, uint64_t pgno, unsigned depth, enum kind kind);
static int tree(struct walk *w, struct db d, enum kind kind);
static int nodes(struct walk *w, const uint8_t *p, size_t len, unsigned flags, unsigned depth,
                 enum kind kind);

static int overflow(struct walk *w, const uint8_t *node, uint16_t ksize, uint64_t dsize,
                    size_t room)
{
	uint64_t pg, pages;
	const uint8_t *ov;

	if ((size_t)NODESIZE + ksize + 8 > room)
		return -EBADMSG;
	pg = u64(node + NODESIZE + ksize);
	if (pg < 2 || pg >= w->npages)
		return -EBADMSG;
	ov = w->map + pg * w->psize;
	pages = u32(ov + 12);
	if (!(u16(ov + 10) & P_OVERFLOW) || pages == 0 || pages > w->npages - pg ||
	    dsize > pages * w->psize - PAGEHDRSZ)
		return -EBADMSG;
	return 0;
}

/* One leaf node, allowed what its tree's kind allows. */
static int leaf(struct walk *w, const uint8_t *node, size_t room, enum kind kind)
{
	uint16_t nflags = u16(node + 4), ksize = u16(node + 6);
	uint64_t dsize = u16(node) | (uint64_t)u16(node + 2) << 16;
	const uint8_t *data = node + NODESIZE + ksize;
	enum kind sub;
	struct db d;
	int r;

	if (kind == K_VALS) /* duplicate values are keys with no data */
		return nflags || dsize ? -EBADMSG : 0;
	if (nflags == F_BIGDATA && kind != K_MAIN)
		return overflow(w, node, ksize, dsize, room);
	if ((size_t)NODESIZE + ksize + dsize > room)
		return -EBADMSG;
	switch (nflags) {
	case 0:
		return kind == K_MAIN ? -EBADMSG : 0;
	case F_SUBDATA: /* a named table */
		if (kind != K_MAIN || dsize != DBSIZE)
			return -EBADMSG;
		d = read_db(data);
		r = table_kind(node + NODESIZE, ksize, d.flags, &sub);
		return r < 0 ? r : tree(w, d, sub);
	case F_SUBDATA | F_DUPDATA: /* a key's duplicates, as a sub-tree */
		if (kind != K_DUPS || dsize != DBSIZE)
			return -EBADMSG;
		d = read_db(data);
		return d.flags ? -EBADMSG : tree(w, d, K_VALS);
	case F_DUPDATA: /* a key's duplicates, as a sub-page */
		if (kind != K_DUPS || dsize < PAGEHDRSZ ||
		    (u16(data + 10) & ~(P_DIRTYMASK)) != (P_LEAF | P_SUBP))
			return -EBADMSG;
		return nodes(w, data, dsize, P_LEAF, 1, K_VALS);
	default:
		return -EBADMSG;
	}
}

/* Nodes of one page or sub-page (at p, len bytes), kind P_LEAF/P_BRANCH. */
static int nodes(struct walk *w, const uint8_t *p, size_t len, unsigned flags, unsigned depth,
                 enum kind kind)
{
	uint16_t lower = u16(p + 12), upper = u16(p + 14);
	unsigned n;

	if (lower < PAGEHDRSZ || lower > upper || upper > len || (lower - PAGEHDRSZ) % 2)
		return -EBADMSG;
	n = (lower - PAGEHDRSZ) / 2;
	/* liblmdb takes node 0 of a leaf or sub-page it lands on without
	 * counting (mdb_cursor_first, the sibling step of mdb_cursor_next), so
	 * an empty one sends it to whatever offset follows the header; and it
	 * asserts (abort()) that a branch page it descends has two children
	 * (mdb_page_search_root). liblmdb never writes either: an empty table
	 * has no root, a key's last duplicate goes with its node, a root
	 * branch left with one child is collapsed. */
	if (n < ((flags & P_BRANCH) ? 2u : 1u))
		return -EBADMSG;
	for (unsigned i = 0; i < n; i++) {
		uint16_t off = u16(p + PAGEHDRSZ + 2 * i);
		const uint8_t *node = p + off;
		uint16_t ksize;
		int r;

		if (off < upper || off % 2 || (size_t)off + NODESIZE > len)
			return -EBADMSG;
		ksize = u16(node + 6);
		if (ksize > MAXKEYSIZE || (size_t)off + NODESIZE + ksize > len)
			return -EBADMSG;
		if (flags & P_BRANCH)
			/* The child page number takes lo, hi and flags. */
			r = page(w,
			         u16(node) | (uint64_t)u16(node + 2) << 16 |
			             (uint64_t)u16(node + 4) << 32,
			         depth - 1, kind);
		else
			r = leaf(w, node, len - off, kind);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One page of a tree: inside the file, its own number in its header,
 * branch pages down to leaves at exactly the recorded depth. */
static int page(struct walk *w, uint64_t pgno, unsigned depth, enum kind kind)
{
	const uint8_t *p;
	uint16_t flags;

	if (depth == 0 || depth > MAXDEPTH || pgno < 2 || pgno >= w->npages)
		return -EBADMSG;
	if (w->budget-- == 0)
		return -EBADMSG; /* more pages than the file: a cycle */
	p = w->map + pgno * w->psize;
	flags = u16(p + 10);
	if (u64(p) != pgno || (depth == 1 ? flags != P_LEAF : flags != P_BRANCH))
		return -EBADMSG;
	return nodes(w, p, w->psize, flags, depth, kind);
}

static int tree(struct walk *w, struct db d, enum kind kind)
{
	if (d.root == P_INVALID)
		return d.depth == 0 ? 0 : -EBADMSG; /* an empty table */
	return page(w, d.root, d.depth, kind);
}

#define METAHEAD (PAGEHDRSZ + 136) /* page header + MDB_meta */

/* What a tree's record (an MDB_db) claims, checked against the file
 * without reading a page: an empty tree has no root, no depth, no entry
 * and no page; any other has its root among the pages after the meta
 * pages (last_pg the last one), a depth a cursor can hold, at least one
 * entry and one leaf page, a branch page per level above the leaves, and
 * no more pages than the file has. */
static int db_head(const uint8_t *db, uint64_t last_pg)
{
	uint64_t branch = u64(db + 8), leaves = u64(db + 16), ovf = u64(db + 24);
	uint64_t entries = u64(db + 32), root = u64(db + 40);
	uint16_t depth = u16(db + 6);

	if (root == P_INVALID)
		return depth == 0 && entries == 0 && branch == 0 && leaves == 0 && ovf == 0
		           ? 0
		           : -EBADMSG;
	if (root < 2 || root > last_pg || depth == 0 || depth > MAXDEPTH || entries == 0 ||
	    leaves == 0 || branch < (uint64_t)depth - 1u || branch > last_pg || leaves > last_pg ||
	    ovf > last_pg || branch + leaves + ovf > last_pg - 1)
		return -EBADMSG;
	return 0;
}

/* The meta page liblmdb will use, checked as liblmdb reads it (meta 1
 * sits one page size, from meta 0, after meta 0) plus what it trusts: a
 * sane page size (it divides by it) and pages that exist. pg[i] holds the
 * first METAHEAD bytes of meta page i. */
static int pick_meta(const uint8_t *pg[2], size_t file_size, const uint8_t **out, uint64_t *psize)
{
	uint64_t ps = u32(pg[0] + PAGEHDRSZ + 24);

	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) || file_size < 2 * ps)
		return -EBADMSG;
	for (int i = 0; i < 2; i++) {
		const uint8_t *m = pg[i] + PAGEHDRSZ;

		if (!(u16(pg[i] + 10) & P_META) || u32(m) != MDB_MAGIC ||
		    u32(m + 4) != MDB_DATA_VER || u32(m + 24) != ps)
			return -EBADMSG;
	}
	*out = pg[u64(pg[1] + PAGEHDRSZ + 128) > u64(pg[0] + PAGEHDRSZ + 128)] + PAGEHDRSZ;
	/* No fixed mapping address, no flags on the main tree (liblmdb would
	 * give it duplicate handling it never set up), and in the free tree's
	 * slot only the environment flags lease-db's writers use. */
	if (u64(*out + 8) != 0 || u16(*out + 72 + 4) != 0 ||
	    (u16(*out + 24 + 4) & ~(MDB_INTEGERKEY_FLAG | MDB_NOSUBDIR_FLAG)))
		return -EBADMSG;
	/* mm_last_pg: every page the meta claims must be in the file. */
	if (u64(*out + 120) < 1 || u64(*out + 120) >= file_size / ps)
		return -EBADMSG;
	/* The free tree (writers read it to reuse pages) and the main tree
	 * (every open reads it for the named tables): liblmdb takes their
	 * roots and depths as they are (an assertion on root > 1, then a
	 * fault on a page outside the map). */
	if (db_head(*out + 24, u64(*out + 120)) < 0 || db_head(*out + 72, u64(*out + 120)) < 0)
		return -EBADMSG;
	*psize = ps;
	return 0;
}

int ldb_verify_meta(int fd, size_t file_size)
{
	uint8_t a[METAHEAD], b[METAHEAD];
	const uint8_t *pg[2] = {a, b}, *meta;
	uint64_t psize;

	if (file_size < 2 * 512 || pread(fd, a, sizeof(a), 0) != (ssize_t)sizeof(a))
		return -EBADMSG;
	psize = u32(a + PAGEHDRSZ + 24);
	if (psize < 512 || psize > 65536 || file_size < 2 * psize ||
	    pread(fd, b, sizeof(b), (off_t)psize) != (ssize_t)sizeof(b))
		return -EBADMSG;
	return pick_meta(pg, file_size, &meta, &psize);
}

static int verify(const void *map, size_t size, bool with_free)
{
	struct walk w = {map, size, 0, 0, 0};
	const uint8_t *pg[2], *meta;
	uint64_t ps;
	int r;

	if (size < 2 * 512)
		return -EBADMSG;
	ps = u32(w.map + PAGEHDRSZ + 24);
	if (ps < 512 || ps > 65536 || size < 2 * ps)
		return -EBADMSG;
	pg[0] = w.map;
	pg[1] = w.map + ps;
	r = pick_meta(pg, size, &meta, &w.psize);
	if (r < 0)
		return r;
	w.npages = u64(meta + 120) + 1;
	w.budget = w.npages;
	r = tree(&w, read_db(meta + 24 + DBSIZE), K_MAIN);
	/* The free tree: transaction ids to lists of page numbers, plain
	 * records (long lists on overflow pages). */
	if (r == 0 && with_free)
		r = tree(&w, read_db(meta + 24), K_PLAIN);
	return r;
}

int ldb_verify(const void *map, size_t size)
{
	return verify(map, size, false);
}

int ldb_verify_master(const void *map, size_t size)
{
	return verify(map, size, true);
}

uint64_t ldb_verify_txnid(const void *map, size_t size)
{
	const uint8_t *p = map;
	uint64_t ps, a, b;

	if (size < 2 * 512)
		return 0;
	ps = u32(p + PAGEHDRSZ + 24);
	if (ps < 512 || ps > 65536 || size < 2 * ps)
		return 0;
	a = u64(p + PAGEHDRSZ + 128);
	b = u64(p + ps + PAGEHDRSZ + 128);
	return a > b ? a : b;
}
