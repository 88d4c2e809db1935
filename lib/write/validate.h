/* Validating and normalising the fields dnsmasq hands to its script. */
#ifndef LDB_WRITE_VALIDATE_H
#define LDB_WRITE_VALIDATE_H

#include <stdint.h>

#include "core/str.h"

/* A hardware address: 6 colon-separated octets of two hex digits, or a
 * "tt-" type prefix and 1-16 octets. Written lower-case to out
 * (LDB_MAC_MAX + 1). */
int ldb_parse_mac(const char *s, char *out);

/* Colon hex of 1..max_octets octets (client-id, DUID), lower-cased into out
 * (3 * max_octets bytes). -EINVAL if it is not colon hex, -ERANGE if it is
 * but has more than max_octets octets. */
int ldb_parse_hexid(const char *s, unsigned max_octets, char *out);

/* A DHCPv6 client DUID as dnsmasq passes it: colon hex, lower-cased into
 * out (LDB_HEXID_MAX + 1 bytes). dnsmasq 2.90 cuts a DUID longer than 100
 * octets to its first 100 and a trailing ':', which is accepted. Longer
 * than LDB_CLIENTID_MAX_OCTETS: -ERANGE, out holding the first ones. */
int ldb_parse_duid(const char *s, char *out);

/* IPv4 dotted quad or IPv6 text; family and 16 address bytes (IPv4 in the
 * first four). */
int ldb_parse_addr(const char *s, int *family, uint8_t addr[16]);

/* Epoch seconds, decimal digits only, 0 meaning infinite. */
int ldb_parse_expiry(const char *s, int64_t *out);

/* DHCPv6 IAID: decimal u32, "T" prefix for a temporary address. */
int ldb_parse_iaid(const char *s, uint32_t *iaid, int *temporary);

/* An interface name: 1-15 bytes, printable, no '/', not "." or "..". */
int ldb_parse_ifname(const char *s);

#endif
