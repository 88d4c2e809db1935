/* Opening a published snapshot as an untrusted, read-only reader: the one
 * open path of the NSS modules and lease-db-dump. */
#ifndef LDB_STORE_SNAPSHOT_H
#define LDB_STORE_SNAPSHOT_H

#include <lmdb.h>
#include <stdbool.h>
#include <sys/types.h>

#include "store/view.h"
#include "store/counter.h"

/* One published LMDB file, mapped; shared by the snapshots that use it. */
struct ldb_file {
	MDB_env *env;
	struct ldb_dbis dbis;
	struct ldb_fileid id; /* what we opened and checked */
	int fd;               /* liblmdb's descriptor, ours only while id matches it */
	void *map;            /* liblmdb's mapping of it, maplen bytes */
	size_t maplen;
	bool vouched; /* the writer's verification was trusted, not ours */
	unsigned refs;
	struct ldb_file *next; /* every open file: no two may claim one descriptor */
};

struct ldb_snapshot {
	struct ldb_file *base;  /* <path> */
	struct ldb_file *delta; /* <path>.delta, when it belongs to this base */
	/* What the directory held at open time, for the identity checks. */
	struct ldb_fileid delta_seen; /* zero: no delta file */
	uint64_t gen;                 /* counter reading the pair is consistent with */
};

/* Open path and its delta (when it was made for this base), each
 * MDB_RDONLY|MDB_NOLOCK|MDB_NOSUBDIR, mapping only its size, after the
 * same trust checks. The counter file, when present and trusted, makes the
 * pair consistent (the open is retried while a publication moves it) and
 * vouches for files the writer verified; any other file is walked by
 * ldb_verify() first. -ENOENT: no snapshot; -EPERM: not trusted (owner or
 * mode); -EINVAL: not a regular file; -EBADMSG: not a valid lease-db
 * snapshot; -EAGAIN: publications kept racing the open. Not thread-safe:
 * callers serialise opens and closes. */
int ldb_snapshot_open(const char *path, struct ldb_snapshot **out);

/* The same with the counter file already mapped (gen, owned by gen_owner;
 * gen NULL: none), reusing prev's base when it is still the file on disk,
 * so a reader pays for the delta only. */
int ldb_snapshot_reopen(const char *path, const struct ldb_counter *gen, uid_t gen_owner,
                        const struct ldb_snapshot *prev, struct ldb_snapshot **out);

/* Are base and delta on disk still exactly the files this snapshot saw
 * (full identity, so a file changed in place or a reused inode number
 * counts as changed)? */
bool ldb_snapshot_unchanged(const char *path, const struct ldb_snapshot *s);

/* Unmaps, and closes liblmdb's descriptors only while they still are the
 * files we opened: a process that closed them and reuses the numbers keeps
 * its own files (the environment is then abandoned, a small leak). */
void ldb_snapshot_close(struct ldb_snapshot *s);

/* Read transactions on both files, as a view for the query functions. */
int ldb_snapshot_begin(const struct ldb_snapshot *s, struct ldb_view *v);
void ldb_snapshot_end(struct ldb_view *v);

#endif
