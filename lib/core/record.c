#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "core/record.h"

/*
 * Layout, all integers little-endian:
 *   u8 version, u8 family, u8 flags, u8 reserved(0), u32 iaid, i64 expiry,
 *   u8 addr[16], then the text fields of ldb_lease_fields[] in order, each
 *   as u16 length + bytes, no NUL; then any fields a newer writer added,
 *   each as u16 length + bytes, which this version skips.
 */
#define HEADER_SIZE 32

#define FIELD(m, max, json, column)                                                                \
	{                                                                                          \
		offsetof(struct ldb_lease, m), max, json, column                                   \
	}

const struct ldb_field_desc ldb_lease_fields[LDB_NFIELDS] = {
    [LDB_FIELD_MAC] = FIELD(mac, LDB_MAC_MAX, "mac-address", "MAC ADDRESS"),
    [LDB_FIELD_HOSTNAME] = FIELD(hostname, LDB_HOSTNAME_MAX, "hostname", "HOSTNAME"),
    [LDB_FIELD_DOMAIN] = FIELD(domain, LDB_DOMAIN_MAX, "domain", NULL),
    [LDB_FIELD_IFACE] = FIELD(iface, LDB_IFNAME_MAX, "interface", "INTERFACE"),
    [LDB_FIELD_CLIENT_ID] = FIELD(client_id, LDB_HEXID_MAX, "client-id", NULL),
    [LDB_FIELD_SERVER_DUID] = FIELD(server_duid, LDB_HEXID_MAX, "server-duid", NULL),
};

static struct ldb_str *field(struct ldb_lease *l, int f)
{
	return (struct ldb_str *)((char *)l + ldb_lease_fields[f].offset);
}

size_t ldb_record_size(const struct ldb_lease *l)
{
	size_t n = HEADER_SIZE;

	for (int i = 0; i < LDB_NFIELDS; i++)
		n += 2 + ldb_lease_field(l, i)->len;
	return n;
}

int ldb_record_encode(const struct ldb_lease *l, void *buf, size_t size)
{
	uint8_t *p = buf;
	size_t need = ldb_record_size(l);

	if (l->family != AF_INET && l->family != AF_INET6)
		return -EINVAL;
	for (int i = 0; i < LDB_NFIELDS; i++) {
		const struct ldb_str *s = ldb_lease_field(l, i);

		if (s->len > ldb_lease_fields[i].max || memchr(s->p ? s->p : "", '\0', s->len))
			return -EINVAL;
	}
	if (size < need)
		return -ENOBUFS;

	p[0] = LDB_RECORD_VERSION;
	p[1] = l->family;
	p[2] = l->flags;
	p[3] = 0;
	ldb_put_le(p + 4, l->iaid, 4);
	ldb_put_le(p + 8, (uint64_t)l->expiry, 8);
	memcpy(p + 16, l->addr, 16);
	p += HEADER_SIZE;
	for (int i = 0; i < LDB_NFIELDS; i++) {
		const struct ldb_str *s = ldb_lease_field(l, i);

		ldb_put_le(p, s->len, 2);
		if (s->len)
			memcpy(p + 2, s->p, s->len);
		p += 2 + s->len;
	}
	return (int)need;
}

int ldb_record_decode(const void *buf, size_t size, struct ldb_lease *l)
{
	const uint8_t *p = buf, *end = p + size;

	if (size < HEADER_SIZE)
		return -EBADMSG;
	if (p[0] != LDB_RECORD_VERSION)
		return -EPROTONOSUPPORT;
	if ((p[1] != AF_INET && p[1] != AF_INET6) || p[3] != 0 ||
	    (p[2] & ~(LDB_LEASE_TEMPORARY | LDB_LEASE_HAS_IAID)))
		return -EBADMSG;

	memset(l, 0, sizeof(*l));
	l->family = p[1];
	l->flags = p[2];
	l->iaid = (uint32_t)ldb_get_le(p + 4, 4);
	l->expiry = (int64_t)ldb_get_le(p + 8, 8);
	memcpy(l->addr, p + 16, 16);
	if (l->expiry < 0)
		return -EBADMSG;

	p += HEADER_SIZE;
	for (int i = 0; i < LDB_NFIELDS; i++) {
		size_t len;

		if (end - p < 2)
			return -EBADMSG;
		len = ldb_get_le(p, 2);
		p += 2;
		if (len > ldb_lease_fields[i].max || (size_t)(end - p) < len ||
		    memchr(p, '\0', len))
			return -EBADMSG;
		field(l, i)->p = (const char *)p;
		field(l, i)->len = len;
		p += len;
	}
	/* Fields added later: skipped, but framed like ours. */
	while (p != end) {
		size_t len;

		if (end - p < 2)
			return -EBADMSG;
		len = ldb_get_le(p, 2);
		p += 2;
		if ((size_t)(end - p) < len)
			return -EBADMSG;
		p += len;
	}
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

size_t ldb_leasekey(int family, const uint8_t *addr, struct ldb_str iface,
                    uint8_t key[LDB_LEASEKEY_MAX])
{
	size_t n;

	if (iface.len > LDB_IFNAME_MAX)
		return 0;
	n = ldb_addrkey(family, addr, key);
	if (iface.len)
		memcpy(key + n, iface.p, iface.len);
	return n + iface.len;
}

size_t ldb_leasekey_of(const struct ldb_lease *l, uint8_t key[LDB_LEASEKEY_MAX])
{
	return ldb_leasekey(l->family, l->addr, l->iface, key);
}

int ldb_leasekey_parse(const void *key, size_t len, int *family, uint8_t addr[16],
                       struct ldb_str *iface)
{
	const uint8_t *k = key;
	size_t alen;

	if (len < 1)
		return -EBADMSG;
	alen = k[0] == AF_INET ? 5 : 17;
	if (len < alen || len > alen + LDB_IFNAME_MAX || memchr(k + alen, '\0', len - alen))
		return -EBADMSG;
	iface->p = (const char *)k + alen;
	iface->len = len - alen;
	return ldb_addrkey_parse(key, alen, family, addr);
}
