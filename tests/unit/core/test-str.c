/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ldb_str_sanitize: the one rule for untrusted text on a terminal. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"
#include "tests/unit/tap.h"

static const char *san(const char *in, size_t len, size_t size, int *r)
{
	static char out[256];

	*r = ldb_str_sanitize(out, size, (struct ldb_str){in, len});
	return out;
}

#define SAME(in, want, what)                                                                       \
	do {                                                                                       \
		int r_;                                                                            \
		const char *g_ = san(in, sizeof(in) - 1, 256, &r_);                                \
		if (!ok(r_ == 0 && strcmp(g_, want) == 0, what))                                   \
			printf("# got '%s', want '%s'\n", g_, want);                               \
	} while (0)

int main(void)
{
	char twice[256];
	const char *g;
	int r;

	SAME("guest-1 my_vm", "guest-1 my_vm", "plain ASCII copied");
	SAME("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "valid UTF-8 copied (é, €, an emoji)");
	SAME("\xc5\x91", "\xc5\x91", "a character whose last byte is 0x91 copied (ő)");
	SAME("a\x1b]0;x\x07z", "a\\x1b]0;x\\x07z", "C0 controls (ESC, BEL) escaped");
	SAME("a\x7f", "a\\x7f", "DEL escaped");
	SAME("\x9b"
	     "31m",
	     "\\x9b31m", "a C1 control as a byte (CSI 0x9b) escaped");
	SAME("\xc2\x9b"
	     "2J",
	     "\\xc2\\x9b2J", "U+009B (CSI) in UTF-8 escaped, both bytes");
	SAME("\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0",
	     "U+0080..U+009F escaped, U+00A0 kept");
	SAME("\xc0\x9b\xe0\x80\x80\xed\xa0\x80", "\\xc0\\x9b\\xe0\\x80\\x80\\xed\\xa0\\x80",
	     "overlong forms and surrogates escaped byte by byte");
	SAME("\xff\xfe\xc3", "\\xff\\xfe\\xc3",
	     "bytes that are no UTF-8 escaped, a cut sequence too");
	SAME("a\0b", "a\\x00b", "NUL escaped, the rest kept");
	g = san("\x1b[2J\xc2\x9b", 6, 256, &r);
	strcpy(twice, g);
	g = san(twice, strlen(twice), 256, &r);
	ok(r == 0 && strcmp(g, twice) == 0, "idempotent: its output passes unchanged");
	g = san("abc\x1b", 4, 6, &r);
	ok(r == -ENOSPC && strcmp(g, "abc") == 0, "cut before an escape that does not fit: '%s'",
	   g);
	g = san("ab\xc3\xa9", 4, 4, &r);
	ok(r == -ENOSPC && strcmp(g, "ab") == 0, "cut before a character that does not fit");
	g = san("\x1b\x1b", 2, LDB_STR_SANITIZED_MAX(2), &r);
	ok(r == 0 && strlen(g) == 8, "LDB_STR_SANITIZED_MAX holds the worst case");
	return tap_done();
}
