/* Answering lookups from a database transaction. */
#ifndef LDB_STORE_QUERY_H
#define LDB_STORE_QUERY_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/view.h"
#include "core/name.h"

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

/* A query for the hostname module, prepared once and matched against
 * leases of one view: ldb_query_name() and lease-db-dump --name both use
 * it, so they agree. May be copied. */
struct ldb_name_query {
	char name[LDB_NAME_MAX + 1]; /* folded, without the trailing dot */
	size_t len;                  /* 0: no lease answers (not a served name) */
	size_t host_len;             /* the hostname part: all of name, or up to its dot */
	bool guests_known;           /* the two below were looked up */
	bool name_guest, host_guest; /* name / host part is a libvirt domain name */
};

/* Prepare name: the hostname a client sent, ASCII case-insensitive,
 * trailing dot ignored, or "host.domain" where domain is the lease's
 * DNSMASQ_DOMAIN. Only a served host part is answered (ldb_name_served():
 * a valid label, not reserved; self as from ldb_self_name()). */
void ldb_name_query_init(const char *name, const char *self, struct ldb_name_query *q);

/* Does lease l answer q, expiry aside? 1 yes, 0 no, or a negative errno.
 * Guests choose their hostnames, the administrator libvirt domain names:
 * when the name or its host part is a libvirt domain name, only leases of
 * that domain's MACs answer, so no guest can shadow another machine's
 * domain name. That is looked up in v's guest tables on the first lease
 * with the right hostname, and kept in q. */
int ldb_name_query_match(const struct ldb_view *v, struct ldb_name_query *q,
                         const struct ldb_lease *l);

/* Every unexpired address of the wanted families for a query name, as
 * ldb_name_query_init() and ldb_name_query_match() describe. Sorted. */
int ldb_query_name(const struct ldb_view *v, const char *name, const char *self, int want,
                   int64_t now, struct ldb_addrs *out);

/* The same for a libvirt domain name: every unexpired lease, on any
 * bridge, of the MACs libvirt's .macs files give that domain. Reserved
 * names are not answered here either. */
int ldb_query_guest(const struct ldb_view *v, const char *name, const char *self, int want,
                    int64_t now, struct ldb_addrs *out);

/* The libvirt domain owning a lease's MAC; -ENOENT if none. */
int ldb_query_guest_of(const struct ldb_view *v, const struct ldb_lease *l, struct ldb_str *domain);

/* The unexpired lease holding an address. The same address leased on
 * several interfaces: the one with the newest expiry (infinite counting as
 * newest), on a tie the first in key order (interface name). */
int ldb_query_addr(const struct ldb_view *v, int family, const uint8_t *addr, int64_t now,
                   struct ldb_lease *out);

#endif
