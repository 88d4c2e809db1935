/* The lease record and its on-disk encoding. */
#ifndef LDB_RECORD_H
#define LDB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Bump when the encoding or the database layout changes incompatibly. */
#define LDB_FORMAT_VERSION 1

#define LDB_MAC_MAX      51 /* "tt-" + 16 colon-separated octets */
#define LDB_HOSTNAME_MAX 63 /* one RFC 1123 label */
#define LDB_DOMAIN_MAX   253
#define LDB_IFNAME_MAX   15  /* IFNAMSIZ - 1 */
#define LDB_HEXID_MAX    779 /* 260 octets of colon hex: client-id or DUID */
#define LDB_ADDRKEY_MAX  17

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

/* Exact size ldb_record_encode() needs for this lease. */
size_t ldb_record_size(const struct ldb_lease *l);

/* Encode into buf (at least ldb_record_size() bytes). Returns bytes written
 * or -EINVAL if a field exceeds its limit. */
int ldb_record_encode(const struct ldb_lease *l, void *buf, size_t size);

/* Decode and validate; the string fields of *l point into buf.
 * -EBADMSG on a malformed record, -EPROTONOSUPPORT on another version. */
int ldb_record_decode(const void *buf, size_t size, struct ldb_lease *l);

/* Database key for an address: family byte followed by 4 or 16 bytes. */
size_t ldb_addrkey(int family, const uint8_t *addr, uint8_t key[LDB_ADDRKEY_MAX]);

/* Inverse of ldb_addrkey(); -EBADMSG if the key is malformed. */
int ldb_addrkey_parse(const void *key, size_t len, int *family, uint8_t addr[16]);

#endif
