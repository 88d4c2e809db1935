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

#include "verify.h"

#define PAGEHDRSZ    16u
#define NODESIZE     8u
#define P_BRANCH     0x01
#define P_LEAF       0x02
#define P_OVERFLOW   0x04
#define P_META       0x08
#define P_LEAF2      0x20
#define P_SUBP       0x40
#define F_BIGDATA    0x01
#define F_SUBDATA    0x02
#define F_DUPDATA    0x04
#define MDB_MAGIC    0xBEEFC0DEu
#define MDB_DATA_VER 1u
#define MAXKEYSIZE   511u
#define MAXDEPTH     32u
#define DBSIZE       48u /* MDB_db */
#define P_INVALID    UINT64_MAX
#define P_DIRTYMASK  0x10 /* P_DIRTY, never set on disk but harmless */

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

static int page(struct walk *w, uint64_t pgno, unsigned depth, bool dupvals);
static int tree(struct walk *w, struct db d, bool dupvals);

/* Nodes of one page or sub-page (at p, len bytes), kind P_LEAF/P_BRANCH. */
static int nodes(struct walk *w, const uint8_t *p, size_t len, unsigned flags, unsigned depth,
                 bool sub, bool dupvals)
{
	uint16_t lower = u16(p + 12), upper = u16(p + 14);
	unsigned n;

	if (lower < PAGEHDRSZ || lower > upper || upper > len || (lower - PAGEHDRSZ) % 2)
		return -EBADMSG;
	n = (lower - PAGEHDRSZ) / 2;
	if (n == 0 && !sub)
		return -EBADMSG;
	for (unsigned i = 0; i < n; i++) {
		uint16_t off = u16(p + PAGEHDRSZ + 2 * i);
		const uint8_t *node = p + off;
		uint16_t nflags, ksize;
		uint64_t dsize;
		int r;

		if (off < upper || off % 2 || (size_t)off + NODESIZE > len)
			return -EBADMSG;
		nflags = u16(node + 4);
		ksize = u16(node + 6);
		if (ksize > MAXKEYSIZE || (size_t)off + NODESIZE + ksize > len)
			return -EBADMSG;
		if (flags & P_BRANCH) {
			/* The child page number takes lo, hi and flags. */
			r = page(w,
			         u16(node) | (uint64_t)u16(node + 2) << 16 | (uint64_t)nflags << 32,
			         depth - 1, dupvals);
			if (r < 0)
				return r;
			continue;
		}
		dsize = u16(node) | (uint64_t)u16(node + 2) << 16;
		if (nflags & ~(F_BIGDATA | F_SUBDATA | F_DUPDATA))
			return -EBADMSG;
		if (sub || dupvals) {
			/* Duplicate values are keys with no data. */
			if (nflags || dsize)
				return -EBADMSG;
			continue;
		}
		if (nflags & F_BIGDATA) {
			uint64_t pg, pages;
			const uint8_t *ov;

			if (nflags != F_BIGDATA || (size_t)off + NODESIZE + ksize + 8 > len)
				return -EBADMSG;
			pg = u64(node + NODESIZE + ksize);
			if (pg < 2 || pg >= w->npages)
				return -EBADMSG;
			ov = w->map + pg * w->psize;
			pages = u32(ov + 12);
			if (!(u16(ov + 10) & P_OVERFLOW) || pages == 0 || pages > w->npages - pg ||
			    dsize > pages * w->psize - PAGEHDRSZ)
				return -EBADMSG;
			continue;
		}
		if ((size_t)off + NODESIZE + ksize + dsize > len)
			return -EBADMSG;
		if (nflags & F_SUBDATA) {
			/* A named table (in the main tree) or a duplicate sub-tree. */
			if (dsize != DBSIZE)
				return -EBADMSG;
			r = tree(w, read_db(node + NODESIZE + ksize), (nflags & F_DUPDATA) != 0);
			if (r < 0)
				return r;
		} else if (nflags & F_DUPDATA) {
			const uint8_t *sp = node + NODESIZE + ksize;

			if (dsize < PAGEHDRSZ ||
			    (u16(sp + 10) & ~(P_DIRTYMASK)) != (P_LEAF | P_SUBP))
				return -EBADMSG;
			r = nodes(w, sp, dsize, P_LEAF, 1, true, true);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* One page of a tree: inside the file, its own number in its header,
 * branch pages down to leaves at exactly the recorded depth. */
static int page(struct walk *w, uint64_t pgno, unsigned depth, bool dupvals)
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
	return nodes(w, p, w->psize, flags, depth, false, dupvals);
}

static int tree(struct walk *w, struct db d, bool dupvals)
{
	if (d.root == P_INVALID)
		return d.depth == 0 ? 0 : -EBADMSG; /* an empty table */
	return page(w, d.root, d.depth, dupvals);
}

#define METAHEAD (PAGEHDRSZ + 136) /* page header + MDB_meta */

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
	/* mm_last_pg: every page the meta claims must be in the file. */
	if (u64(*out + 120) < 1 || u64(*out + 120) >= file_size / ps)
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

int ldb_verify(const void *map, size_t size)
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
	return tree(&w, read_db(meta + 24 + DBSIZE), false);
}
