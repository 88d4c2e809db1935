#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "core/record.h"
#include "write/validate.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
}

/* "hh:hh:..." with count octets in [min, max]; copies lower-case to out.
 * Well formed but longer than max: -ERANGE, out holding the first max.
 * cut: one ':' may end it. */
static int colon_hex_cut(const char *s, unsigned min, unsigned max, bool cut, char *out)
{
	unsigned octets = 0;

	for (;;) {
		if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
			return -EINVAL;
		if (++octets <= max) {
			if (octets > 1)
				*out++ = ':';
			*out++ = lower(s[0]);
			*out++ = lower(s[1]);
		}
		s += 2;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return -EINVAL;
		if (cut && *s == '\0')
			break;
	}
	*out = '\0';
	if (octets > max)
		return -ERANGE;
	return octets < min ? -EINVAL : 0;
}

static int colon_hex(const char *s, unsigned min, unsigned max, char *out)
{
	return colon_hex_cut(s, min, max, false, out);
}

int ldb_parse_mac(const char *s, char *out)
{
	int r;

	/* dnsmasq prefixes the ARP type ("20-...") to anything but a 6-octet
	 * Ethernet address. */
	if (hexval(s[0]) >= 0 && hexval(s[1]) >= 0 && s[2] == '-') {
		out[0] = lower(s[0]);
		out[1] = lower(s[1]);
		out[2] = '-';
		r = colon_hex(s + 3, 1, 16, out + 3);
	} else {
		r = colon_hex(s, 6, 6, out);
	}
	return r == -ERANGE ? -EINVAL : r;
}

int ldb_parse_hexid(const char *s, unsigned max_octets, char *out)
{
	return colon_hex(s, 1, max_octets, out);
}

int ldb_parse_duid(const char *s, char *out)
{
	return colon_hex_cut(s, 1, LDB_CLIENTID_MAX_OCTETS, true, out);
}

int ldb_parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, addr) != 1)
			return -EINVAL;
		*family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, addr) != 1)
			return -EINVAL;
		*family = AF_INET;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int ldb_parse_expiry(const char *s, int64_t *out)
{
	uint64_t v;
	int r = parse_u64(s, INT64_MAX, &v);

	if (r == 0)
		*out = (int64_t)v;
	return r;
}

int ldb_parse_iaid(const char *s, uint32_t *iaid, int *temporary)
{
	uint64_t v;
	int r;

	*temporary = *s == 'T';
	r = parse_u64(s + *temporary, UINT32_MAX, &v);
	if (r == 0)
		*iaid = (uint32_t)v;
	return r;
}

int ldb_parse_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LDB_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '/')
			return -EINVAL;
	return 0;
}
