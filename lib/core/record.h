/* The lease record: its fields (one table), its on-disk encoding and the
 * expiry rule. libc only. */
#ifndef LDB_CORE_RECORD_H
#define LDB_CORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* The record encoding's version byte. It stays 1: new fields are added at
 * the end (u16 length + bytes, like the others) and readers skip fields
 * they do not know. A change older readers would misread is a new table
 * layout instead (LDB_LAYOUT_VERSION, store/schema.h). See doc/design.md,
 * "Format versions and upgrades". */
#define LDB_RECORD_VERSION 1

/* Client-ids: a DHCPv4 client-id (its option length is one byte) or a
 * DHCPv6 client DUID. dnsmasq 2.90 passes at most 100 octets of a DUID
 * (cut, with a trailing ':') and reads at most 255 back from a lease line
 * at init; a longer DUID (not from dnsmasq) is cut to 255 octets, the
 * lease kept. The server DUID: dnsmasq reads at most 130 octets back from
 * a "duid" line (RFC 8415: 128 + the 2-byte type). */
#define LDB_MAC_MAX             51 /* "tt-" + 16 colon-separated octets */
#define LDB_HOSTNAME_MAX        63 /* one label (core/name.h) */
#define LDB_DOMAIN_MAX          253
#define LDB_IFNAME_MAX          15  /* IFNAMSIZ - 1 */
#define LDB_HEXID_MAX           779 /* 260 octets of colon hex: client-id or DUID */
#define LDB_DUID_MAX_OCTETS     130
#define LDB_CLIENTID_MAX_OCTETS 255
#define LDB_ADDRKEY_MAX         17
#define LDB_LEASEKEY_MAX        (LDB_ADDRKEY_MAX + LDB_IFNAME_MAX)

#define LDB_LEASE_TEMPORARY 0x01 /* IPv6 temporary address (IAID "T" prefix) */
#define LDB_LEASE_HAS_IAID  0x02

struct ldb_lease {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t flags;
	uint32_t iaid;
	int64_t expiry; /* epoch seconds; 0 = infinite */
	uint8_t addr[16];
	struct ldb_str mac; /* lower-case colon hex, may be empty for IPv6 */
	struct ldb_str hostname;
	struct ldb_str domain;
	struct ldb_str iface;
	struct ldb_str client_id;   /* IPv4 client-id or IPv6 client DUID */
	struct ldb_str server_duid; /* IPv6: dnsmasq's DUID when the lease was made */
};

/* The lease's text fields, in their on-disk order. ldb_lease_fields[] is
 * the one description of them: where each lives in struct ldb_lease, its
 * longest length, its key in libvirt's .status files (and lease-db-dump
 * --json), and its column in lease-db-dump's table (NULL: not shown).
 * Encoding, decoding and every limit check go through it. */
enum ldb_field {
	LDB_FIELD_MAC,
	LDB_FIELD_HOSTNAME,
	LDB_FIELD_DOMAIN,
	LDB_FIELD_IFACE,
	LDB_FIELD_CLIENT_ID,
	LDB_FIELD_SERVER_DUID,
	LDB_NFIELDS
};

struct ldb_field_desc {
	size_t offset; /* of its struct ldb_str in struct ldb_lease */
	size_t max;    /* bytes */
	const char *json;
	const char *column;
};

extern const struct ldb_field_desc ldb_lease_fields[LDB_NFIELDS];

static inline const struct ldb_str *ldb_lease_field(const struct ldb_lease *l, enum ldb_field f)
{
	return (const struct ldb_str *)((const char *)l + ldb_lease_fields[f].offset);
}

/* JSON keys of what is not a text field, as libvirt's .status has them. */
#define LDB_JSON_IAID   "iaid"
#define LDB_JSON_ADDR   "ip-address"
#define LDB_JSON_EXPIRY "expiry-time"

/* Has a lease with this expiry (0: infinite) run out at now? The one
 * expiry rule of lookups, lease-db-dump and --check. */
static inline bool ldb_lease_expired(int64_t expiry, int64_t now)
{
	return expiry != 0 && expiry < now;
}

/* Exact size ldb_record_encode() needs for this lease. */
size_t ldb_record_size(const struct ldb_lease *l);

/* Encode into buf (at least ldb_record_size() bytes). Returns bytes written
 * or -EINVAL if a field exceeds its limit. */
int ldb_record_encode(const struct ldb_lease *l, void *buf, size_t size);

/* Decode and validate; the string fields of *l point into buf. Fields
 * after the known ones (added by a newer writer) are skipped, but must be
 * well formed. -EBADMSG on a malformed record, -EPROTONOSUPPORT on another
 * version byte. */
int ldb_record_decode(const void *buf, size_t size, struct ldb_lease *l);

/* An address as keys start: family byte followed by 4 or 16 bytes. All
 * leases of one address share it, so they are neighbours in the table. */
size_t ldb_addrkey(int family, const uint8_t *addr, uint8_t key[LDB_ADDRKEY_MAX]);

/* Inverse of ldb_addrkey(); -EBADMSG if the key is malformed. */
int ldb_addrkey_parse(const void *key, size_t len, int *family, uint8_t addr[16]);

/* A lease's identity, its key in the lease table (layout 2): the address
 * key followed by the interface's name (0-15 bytes, no NUL). The same
 * address on two interfaces is two leases. Returns the key's length, or 0
 * if iface is too long. */
size_t ldb_leasekey(int family, const uint8_t *addr, struct ldb_str iface,
                    uint8_t key[LDB_LEASEKEY_MAX]);

/* ldb_leasekey() of a lease. */
size_t ldb_leasekey_of(const struct ldb_lease *l, uint8_t key[LDB_LEASEKEY_MAX]);

/* Inverse of ldb_leasekey(); iface points into key. -EBADMSG if the key is
 * malformed. A layout 1 key (the address alone) parses with an empty
 * interface. */
int ldb_leasekey_parse(const void *key, size_t len, int *family, uint8_t addr[16],
                       struct ldb_str *iface);

/* n-byte little-endian integers, the byte order of the record encoding and
 * of the writer's own bookkeeping values. Inline: the record decoder is on
 * the lookup path. */
static inline void ldb_put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t ldb_get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#endif
