/* Answering lookups from a database transaction. */
#ifndef LDB_QUERY_H
#define LDB_QUERY_H

#include <lmdb.h>
#include <stdint.h>

#include "db.h"

struct ldb_addr {
	uint8_t family;
	uint8_t addr[16];
	int64_t expiry;
};

struct ldb_addrs {
	struct ldb_addr *v;
	size_t n, cap;
};

#define LDB_WANT_INET  0x1
#define LDB_WANT_INET6 0x2

void ldb_addrs_free(struct ldb_addrs *a);

/* Add an unexpired lease's address, de-duplicated (the later expiry wins). */
int ldb_addrs_add(struct ldb_addrs *a, const struct ldb_lease *l, int64_t now);

/* Newest expiry first, an infinite lease (0) counting as newest. */
void ldb_addrs_sort(struct ldb_addrs *a);

/* Every unexpired address of the wanted families for a query name: the
 * hostname a client sent, ASCII case-insensitive, trailing dot ignored, or
 * "host.domain" where domain is the lease's DNSMASQ_DOMAIN. Sorted. */
int ldb_query_name(const struct ldb_view *v, const char *name, int want, int64_t now,
                   struct ldb_addrs *out);

/* The same for a libvirt domain name: every unexpired lease, on any
 * bridge, of the MACs libvirt's .macs files give that domain. */
int ldb_query_guest(const struct ldb_view *v, const char *name, int want, int64_t now,
                    struct ldb_addrs *out);

/* The libvirt domain owning a lease's MAC; -ENOENT if none. */
int ldb_query_guest_of(const struct ldb_view *v, const struct ldb_lease *l, struct ldb_str *domain);

/* The unexpired lease holding an address. */
int ldb_query_addr(const struct ldb_view *v, int family, const uint8_t *addr, int64_t now,
                   struct ldb_lease *out);

#endif
