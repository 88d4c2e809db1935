/* String slices: how lease-db reads text it does not own. */
#ifndef LDB_CORE_STR_H
#define LDB_CORE_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A byte string that is not NUL-terminated; views point into argv, the
 * environment or an LMDB map, so records are never copied to be read. */
struct ldb_str {
	const char *p;
	size_t len;
};

#define LDB_STR_NULL ((struct ldb_str){NULL, 0})

static inline struct ldb_str ldb_str_from(const char *s)
{
	return (struct ldb_str){s, s ? strlen(s) : 0};
}

/* Byte-for-byte equal (interfaces, client ids; names compare with
 * ldb_name_equal()). */
static inline int ldb_str_eq(struct ldb_str a, struct ldb_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Copy a slice into a NUL-terminated buffer; -ENAMETOOLONG if it does not fit. */
int ldb_str_copy(char *dst, size_t size, struct ldb_str s);

/* Untrusted text (a guest's value, a file or process name, a record of the
 * master) made safe to print on a terminal or in a log: every byte that is
 * not part of valid UTF-8, every C0 control, DEL and every C1 control
 * (U+0080..U+009F, which a terminal obeys like ESC) becomes \xHH, for each
 * of its bytes; the rest is copied. Escaped, not dropped: what was there
 * stays visible. Idempotent: its output passes through unchanged. Room for
 * the worst case: 4 * s.len + 1. Cut before an escape or character that
 * does not fit, always NUL-terminated; -ENOSPC when cut. */
#define LDB_STR_SANITIZED_MAX(len) (4 * (len) + 1)
int ldb_str_sanitize(char *dst, size_t size, struct ldb_str s);

#endif
