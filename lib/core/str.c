#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"

int ldb_str_copy(char *dst, size_t size, struct ldb_str s)
{
	if (s.len >= size)
		return -ENAMETOOLONG;
	if (s.len)
		memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	return 0;
}
