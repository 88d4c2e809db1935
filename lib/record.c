#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "record.h"

/*
 * Layout, all integers little-endian:
 *   u8 version, u8 family, u8 flags, u8 reserved(0), u32 iaid, i64 expiry,
 *   u8 addr[16], then six strings (mac, hostname, domain, iface, client_id,
 *   server_duid) each as u16 length + bytes, no NUL.
 */
#define HEADER_SIZE 32
#define NSTRINGS    6

static const size_t str_max[NSTRINGS] = {
    LDB_MAC_MAX, LDB_HOSTNAME_MAX, LDB_DOMAIN_MAX, LDB_IFNAME_MAX, LDB_HEXID_MAX, LDB_HEXID_MAX,
};

static void strings_of(const struct ldb_lease *l, const struct ldb_str *out[NSTRINGS])
{
	out[0] = &l->mac;
	out[1] = &l->hostname;
	out[2] = &l->domain;
	out[3] = &l->iface;
	out[4] = &l->client_id;
	out[5] = &l->server_duid;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

size_t ldb_record_size(const struct ldb_lease *l)
{
	const struct ldb_str *s[NSTRINGS];
	size_t n = HEADER_SIZE;

	strings_of(l, s);
	for (int i = 0; i < NSTRINGS; i++)
		n += 2 + s[i]->len;
	return n;
}

int ldb_record_encode(const struct ldb_lease *l, void *buf, size_t size)
{
	const struct ldb_str *s[NSTRINGS];
	uint8_t *p = buf;
	size_t need = ldb_record_size(l);

	if (l->family != AF_INET && l->family != AF_INET6)
		return -EINVAL;
	strings_of(l, s);
	for (int i = 0; i < NSTRINGS; i++)
		if (s[i]->len > str_max[i] || memchr(s[i]->p ? s[i]->p : "", '\0', s[i]->len))
			return -EINVAL;
	if (size < need)
		return -ENOBUFS;

	p[0] = LDB_FORMAT_VERSION;
	p[1] = l->family;
	p[2] = l->flags;
	p[3] = 0;
	put_le(p + 4, l->iaid, 4);
	put_le(p + 8, (uint64_t)l->expiry, 8);
	memcpy(p + 16, l->addr, 16);
	p += HEADER_SIZE;
	for (int i = 0; i < NSTRINGS; i++) {
		put_le(p, s[i]->len, 2);
		if (s[i]->len)
			memcpy(p + 2, s[i]->p, s[i]->len);
		p += 2 + s[i]->len;
	}
	return (int)need;
}

int ldb_record_decode(const void *buf, size_t size, struct ldb_lease *l)
{
	const uint8_t *p = buf, *end = p + size;
	struct ldb_str *s[NSTRINGS];

	if (size < HEADER_SIZE)
		return -EBADMSG;
	if (p[0] != LDB_FORMAT_VERSION)
		return -EPROTONOSUPPORT;
	if ((p[1] != AF_INET && p[1] != AF_INET6) || p[3] != 0 ||
	    (p[2] & ~(LDB_LEASE_TEMPORARY | LDB_LEASE_HAS_IAID)))
		return -EBADMSG;

	memset(l, 0, sizeof(*l));
	l->family = p[1];
	l->flags = p[2];
	l->iaid = (uint32_t)get_le(p + 4, 4);
	l->expiry = (int64_t)get_le(p + 8, 8);
	memcpy(l->addr, p + 16, 16);
	if (l->expiry < 0)
		return -EBADMSG;

	s[0] = &l->mac;
	s[1] = &l->hostname;
	s[2] = &l->domain;
	s[3] = &l->iface;
	s[4] = &l->client_id;
	s[5] = &l->server_duid;
	p += HEADER_SIZE;
	for (int i = 0; i < NSTRINGS; i++) {
		size_t len;

		if (end - p < 2)
			return -EBADMSG;
		len = get_le(p, 2);
		p += 2;
		if (len > str_max[i] || (size_t)(end - p) < len || memchr(p, '\0', len))
			return -EBADMSG;
		s[i]->p = (const char *)p;
		s[i]->len = len;
		p += len;
	}
	if (p != end)
		return -EBADMSG;
	return 0;
}

size_t ldb_addrkey(int family, const uint8_t *addr, uint8_t key[LDB_ADDRKEY_MAX])
{
	size_t alen = family == AF_INET ? 4 : 16;

	key[0] = (uint8_t)family;
	memcpy(key + 1, addr, alen);
	return 1 + alen;
}

int ldb_addrkey_parse(const void *key, size_t len, int *family, uint8_t addr[16])
{
	const uint8_t *k = key;

	if (len == 5 && k[0] == AF_INET) {
		memset(addr, 0, 16);
		memcpy(addr, k + 1, 4);
	} else if (len == 17 && k[0] == AF_INET6) {
		memcpy(addr, k + 1, 16);
	} else {
		return -EBADMSG;
	}
	*family = k[0];
	return 0;
}
