/* Structural check of an LMDB file before a reader trusts LMDB with it. */
#ifndef LDB_STORE_VERIFY_H
#define LDB_STORE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/* Walk every B-tree the readers can reach (the main tree, every named
 * table, every duplicate sub-tree and sub-page, overflow runs) in a file
 * mapped at map with size bytes, checking that each page number, page
 * header, node offset and size stays inside the file, each tree is a
 * tree, and pages hold the node counts liblmdb assumes (leaves and
 * sub-pages at least one, branch pages at least two). liblmdb trusts all of these and would fault
 * on a bad one. -EBADMSG on the first inconsistency. */
int ldb_verify(const void *map, size_t size);

/* ldb_verify() and the free tree too: what a writer reads (to reuse
 * pages) as well as what readers read. For the master. */
int ldb_verify_master(const void *map, size_t size);

/* The newest meta page's transaction id (the one liblmdb uses), 0 when
 * the meta pages cannot be read: a walk of a live file is trusted only
 * when it did not change during the walk. */
uint64_t ldb_verify_txnid(const void *map, size_t size);

/* Only the two meta pages of the open file fd of file_size bytes: what
 * liblmdb reads, and divides by, while opening, and the chosen meta
 * page's records of the free and main trees (root page inside the file,
 * depth, entry and page counts consistent): no page of a tree is read. */
int ldb_verify_meta(int fd, size_t file_size);

#endif
