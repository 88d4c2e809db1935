#include "config.h"

#include <errno.h>
#include <stdbool.h>
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

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none:
 * no overlong form, no surrogate, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int ldb_str_sanitize(char *dst, size_t size, struct ldb_str s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, n = 0;

	if (size == 0)
		return -ENOSPC;
	while (i < s.len) {
		uint32_t cp = 0;
		size_t len = utf8_len(p + i, s.len - i, &cp);
		bool escape = len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);

		if (len == 0)
			len = 1;
		if (n + (escape ? 4 * len : len) >= size) {
			dst[n] = '\0';
			return -ENOSPC;
		}
		for (size_t j = 0; j < len; j++, i++) {
			if (escape) {
				dst[n++] = '\\';
				dst[n++] = 'x';
				dst[n++] = hex[p[i] >> 4];
				dst[n++] = hex[p[i] & 0xf];
			} else {
				dst[n++] = (char)p[i];
			}
		}
	}
	dst[n] = '\0';
	return 0;
}
