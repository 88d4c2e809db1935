#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "read/pack.h"
#include "tests/unit/tap.h"

#define POISON 0xa5
#define GUARD  64

static struct ldb_addr storage[40];

static struct ldb_addrs make(int family, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&storage[i], 0, sizeof(storage[i]));
		storage[i].family = (uint8_t)(family ? family : (i % 2 ? AF_INET6 : AF_INET));
		storage[i].addr[0] = storage[i].family == AF_INET ? 10 : 0xfd;
		storage[i].addr[3] = (uint8_t)(i + 1);
		storage[i].addr[15] = (uint8_t)(i + 1);
	}
	return (struct ldb_addrs){storage, n, n};
}

static int untouched(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != POISON)
			return 0;
	return 1;
}

/* Sizes 0, 1, 2, ... until success: every short one must fail with ERANGE
 * and write nothing; the first success must write nothing past buflen. */
static void sweep_hostent(int af, size_t n, size_t misalign)
{
	static unsigned char raw[4096 + GUARD + 8];
	struct ldb_addrs a = make(af, n);
	size_t alen = af == AF_INET ? 4 : 16, len;
	int bad = 0, r = -ERANGE;
	struct hostent he;
	char *canon = NULL;

	for (len = 0; len <= 4096; len++) {
		char *buf = (char *)raw + misalign;

		memset(raw, POISON, sizeof(raw));
		r = ldb_pack_hostent("guest", n > 1 ? "alias" : NULL, af, &a, &he, buf, len,
		                     &canon);
		if (r == 0) {
			if (!untouched((unsigned char *)buf + len, GUARD))
				bad++;
			break;
		}
		if (r != -ERANGE || !untouched(raw, sizeof(raw)))
			bad++;
	}
	is_int(r, 0, "hostent af=%d n=%zu misalign=%zu: packs at %zu bytes", af, n, misalign, len);
	is_int(bad, 0, "... ERANGE without a write below that, nothing written past buflen");
	if (r == 0) {
		int good = strcmp(he.h_name, "guest") == 0 && canon == he.h_name &&
		           he.h_addrtype == af && he.h_length == (int)alen &&
		           ((uintptr_t)he.h_addr_list % sizeof(char *)) == 0;
		for (size_t i = 0; i < n; i++)
			good &= memcmp(he.h_addr_list[i], storage[i].addr, alen) == 0;
		good &= he.h_addr_list[n] == NULL;
		good &= n > 1 ? (strcmp(he.h_aliases[0], "alias") == 0 && !he.h_aliases[1])
		              : he.h_aliases[0] == NULL;
		ok(good, "... every field and address correct, lists NULL-terminated and aligned");
	}
}

static void sweep_gaih(size_t n, size_t misalign, int preset)
{
	static unsigned char raw[4096 + GUARD + 8];
	struct ldb_addrs a = make(0, n);
	struct gaih_addrtuple first, *pat = NULL, *t;
	size_t len, count = 0;
	int bad = 0, r = -ERANGE, good = 1;

	for (len = 0; len <= 4096; len++) {
		char *buf = (char *)raw + misalign;

		memset(raw, POISON, sizeof(raw));
		pat = preset ? &first : NULL;
		r = ldb_pack_gaih("guest", &a, &pat, buf, len);
		if (r == 0) {
			if (!untouched((unsigned char *)buf + len, GUARD))
				bad++;
			break;
		}
		if (r != -ERANGE || !untouched(raw, sizeof(raw)))
			bad++;
	}
	is_int(r, 0, "gaih n=%zu misalign=%zu preset=%d: packs at %zu bytes", n, misalign, preset,
	       len);
	is_int(bad, 0, "... ERANGE without a write below that, nothing written past buflen");
	if (preset)
		good &= pat == &first;
	for (t = pat; t; t = t->next, count++) {
		good &= count < n && strcmp(t->name, "guest") == 0 &&
		        t->family == storage[count].family &&
		        memcmp(t->addr, storage[count].addr, 16) == 0 && t->scopeid == 0;
		if (!good)
			break;
	}
	ok(good && count == n, "... %zu tuples in order with names", count);
}

int main(void)
{
	struct ldb_addrs none = {storage, 0, 0};
	struct gaih_addrtuple *pat = NULL;
	char buf[64];

	for (size_t mis = 0; mis < 8; mis += 3) {
		sweep_hostent(AF_INET, 1, mis);
		sweep_hostent(AF_INET, 40, mis);
		sweep_hostent(AF_INET6, 1, mis);
		sweep_hostent(AF_INET6, 40, mis);
		sweep_gaih(1, mis, 0);
		sweep_gaih(40, mis, 0);
		sweep_gaih(40, mis, 1);
	}
	is_int(ldb_pack_gaih("x", &none, &pat, buf, sizeof(buf)), -ENOENT,
	       "an empty list is not packed");
	return tap_done();
}
