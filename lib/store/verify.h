/* Structural check of an LMDB file before a reader trusts LMDB with it. */
#ifndef LDB_STORE_VERIFY_H
#define LDB_STORE_VERIFY_H

#include <stddef.h>

/* Walk every B-tree the readers can reach (the main tree, every named
 * table, every duplicate sub-tree and sub-page, overflow runs) in a file
 * mapped at map with size bytes, checking that each page number, page
 * header, node offset and size stays inside the file, each tree is a
 * tree, and pages hold the node counts liblmdb assumes (leaves and
 * sub-pages at least one, branch pages at least two). liblmdb trusts all of these and would fault
 * on a bad one. -EBADMSG on the first inconsistency. */
int ldb_verify(const void *map, size_t size);

/* Only the two meta pages of the open file fd of file_size bytes: what
 * liblmdb reads, and divides by, while opening. */
int ldb_verify_meta(int fd, size_t file_size);

#endif
