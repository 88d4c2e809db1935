/*
 * glibc NSS host entry points. Compiled once per module; NSS_MODULE names
 * the service ("leasedb"), and every exported symbol is _nss_<service>_*.
 * Only these functions translate internal -errno results into NSS status,
 * errno and h_errno.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "read/lookup.h"
#include "core/name.h"
#include "read/pack.h"
#include "store/files.h"
#include "store/query.h"

#define CONCAT2(a, b) a##b
#define CONCAT(a, b)  CONCAT2(a, b)
#define ENTRY(fn)     CONCAT(CONCAT(_nss_, NSS_MODULE), CONCAT(_, fn))
#define PUBLIC        __attribute__((visibility("default")))
#define STR2(x)       #x
#define STR(x)        STR2(x)

/* leasedb answers the hostname a client sent; leasedb_guest the libvirt
 * domain name owning the lease's MAC. */
#ifdef LDB_GUEST
#define query_name ldb_query_guest
#else
#define query_name ldb_query_name
#endif

static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static bool debug;
static const char *snapshot_path;
static char self[LDB_HOSTNAME_MAX + 1];

static void config_init(void)
{
	const char *d = secure_getenv("LEASE_DB_DEBUG");

	debug = d && strcmp(d, "1") == 0;
	snapshot_path = ldb_snapshot_path();
	ldb_self_name(self);
}

__attribute__((format(printf, 1, 2))) static void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "nss_" STR(NSS_MODULE) ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int read_begin(struct ldb_lookup *s)
{
	int r;

	pthread_once(&config_once, config_init);
	r = ldb_lookup_begin(snapshot_path, s);
	if (r < 0)
		dbg("%s: %s", snapshot_path, strerror(-r));
	return r;
}

static enum nss_status not_found(int *errnop, int *herrnop)
{
	*errnop = ENOENT;
	*herrnop = HOST_NOT_FOUND;
	return NSS_STATUS_NOTFOUND;
}

/* Any error, a missing snapshot (-ENOENT) included, is UNAVAIL except a
 * buffer that is too small. */
static enum nss_status failure(int r, int *errnop, int *herrnop)
{
	if (r == -ERANGE) {
		/* The only combination glibc retries with a larger buffer. */
		*errnop = ERANGE;
		*herrnop = NETDB_INTERNAL;
		return NSS_STATUS_TRYAGAIN;
	}
	*errnop = -r;
	*herrnop = NO_RECOVERY;
	return NSS_STATUS_UNAVAIL;
}

/* r: 0 found, 1 not found, or a negative errno. A success leaves errno
 * as the caller had it. */
static enum nss_status finish(int r, int saved, int32_t *ttlp, int *errnop, int *herrnop)
{
	if (r == 1)
		return not_found(errnop, herrnop);
	if (r < 0)
		return failure(r, errnop, herrnop);
	if (ttlp)
		*ttlp = 0;
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

/* Every unexpired address for name, newest first; returns how many. */
static int resolve(const char *name, int want, struct ldb_addrs *out)
{
	struct ldb_lookup s;
	int r;

	r = read_begin(&s);
	if (r < 0)
		return r;
	/* The query refuses reserved names (localhost, wpad, this host...). */
	r = query_name(&s.view, name, self, want, (int64_t)time(NULL), out);
	ldb_lookup_end(&s);
	if (r < 0) {
		dbg("%s: lookup of \"%s\": %s", snapshot_path, name, strerror(-r));
		return r == -ENOENT ? -EBADMSG : r; /* a dangling index entry */
	}
	dbg("\"%s\": %zu address(es)", name, out->n);
	return (int)out->n;
}

PUBLIC enum nss_status ENTRY(gethostbyname4_r)(const char *name, struct gaih_addrtuple **pat,
                                               char *buffer, size_t buflen, int *errnop,
                                               int *herrnop, int32_t *ttlp);
PUBLIC enum nss_status ENTRY(gethostbyname3_r)(const char *name, int af, struct hostent *result,
                                               char *buffer, size_t buflen, int *errnop,
                                               int *herrnop, int32_t *ttlp, char **canonp);
PUBLIC enum nss_status ENTRY(gethostbyname2_r)(const char *name, int af, struct hostent *result,
                                               char *buffer, size_t buflen, int *errnop,
                                               int *herrnop);
PUBLIC enum nss_status ENTRY(gethostbyname_r)(const char *name, struct hostent *result,
                                              char *buffer, size_t buflen, int *errnop,
                                              int *herrnop);
PUBLIC enum nss_status ENTRY(gethostbyaddr2_r)(const void *addr, socklen_t len, int af,
                                               struct hostent *result, char *buffer, size_t buflen,
                                               int *errnop, int *herrnop, int32_t *ttlp);
PUBLIC enum nss_status ENTRY(gethostbyaddr_r)(const void *addr, socklen_t len, int af,
                                              struct hostent *result, char *buffer, size_t buflen,
                                              int *errnop, int *herrnop);

enum nss_status ENTRY(gethostbyname4_r)(const char *name, struct gaih_addrtuple **pat, char *buffer,
                                        size_t buflen, int *errnop, int *herrnop, int32_t *ttlp)
{
	struct ldb_addrs a = {0};
	char canon[LDB_NAME_MAX + 1];
	int saved = errno, r;

	if (ldb_name_canonical(name, canon) < 0)
		return not_found(errnop, herrnop);
	r = resolve(name, LDB_WANT_INET | LDB_WANT_INET6, &a);
	if (r > 0)
		r = ldb_pack_gaih(canon, &a, pat, buffer, buflen);
	else if (r == 0)
		r = 1; /* not found */
	ldb_addrs_free(&a);
	return finish(r, saved, ttlp, errnop, herrnop);
}

enum nss_status ENTRY(gethostbyname3_r)(const char *name, int af, struct hostent *result,
                                        char *buffer, size_t buflen, int *errnop, int *herrnop,
                                        int32_t *ttlp, char **canonp)
{
	struct ldb_addrs a = {0};
	char canon[LDB_NAME_MAX + 1];
	int saved = errno, r;

	if (af == AF_UNSPEC)
		af = AF_INET;
	if (af != AF_INET && af != AF_INET6) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_DATA;
		return NSS_STATUS_UNAVAIL;
	}
	if (ldb_name_canonical(name, canon) < 0)
		return not_found(errnop, herrnop);
	r = resolve(name, af == AF_INET ? LDB_WANT_INET : LDB_WANT_INET6, &a);
	if (r > 0)
		r = ldb_pack_hostent(canon, NULL, af, &a, result, buffer, buflen, canonp);
	else if (r == 0)
		r = 1;
	ldb_addrs_free(&a);
	return finish(r, saved, ttlp, errnop, herrnop);
}

enum nss_status ENTRY(gethostbyname2_r)(const char *name, int af, struct hostent *result,
                                        char *buffer, size_t buflen, int *errnop, int *herrnop)
{
	return ENTRY(gethostbyname3_r)(name, af, result, buffer, buflen, errnop, herrnop, NULL,
	                               NULL);
}

enum nss_status ENTRY(gethostbyname_r)(const char *name, struct hostent *result, char *buffer,
                                       size_t buflen, int *errnop, int *herrnop)
{
	return ENTRY(gethostbyname3_r)(name, AF_INET, result, buffer, buflen, errnop, herrnop, NULL,
	                               NULL);
}

/* The names an address answers to, copied out of the map. leasedb:
 * host.domain (or host) with host as alias; leasedb_guest: the domain. */
static int reverse_names(struct ldb_lookup *s, const struct ldb_lease *l, char *name, size_t size,
                         char alias[LDB_HOSTNAME_MAX + 1])
{
	int n;
#ifdef LDB_GUEST
	struct ldb_str dom;
	int r = ldb_query_guest_of(&s->view, l, &dom);

	alias[0] = '\0';
	if (r < 0)
		return r;
	n = snprintf(name, size, "%.*s", (int)dom.len, dom.p);
#else
	(void)s;
	if (!ldb_name_served(l->hostname, self))
		return -ENOENT;
	if (ldb_str_copy(alias, LDB_HOSTNAME_MAX + 1, l->hostname) < 0)
		return -EBADMSG;
	if (l->domain.len == 0) {
		n = snprintf(name, size, "%s", alias);
		alias[0] = '\0';
	} else {
		n = snprintf(name, size, "%s.%.*s", alias, (int)l->domain.len, l->domain.p);
	}
#endif
	return (n < 0 || (size_t)n >= size) ? -EBADMSG : 0;
}

/* Packed while the snapshot is still held. Returns 0, 1 when no lease
 * answers, or a negative errno. */
static int reverse(const void *addr, int af, struct hostent *result, char *buffer, size_t buflen)
{
	char name[LDB_NAME_MAX + LDB_HOSTNAME_MAX + 2], alias[LDB_HOSTNAME_MAX + 1];
	struct ldb_addrs a = {0};
	struct ldb_lease l;
	struct ldb_lookup s;
	int r;

	r = read_begin(&s);
	if (r < 0)
		return r;
	r = ldb_query_addr(&s.view, af, addr, (int64_t)time(NULL), &l);
	if (r == 0)
		r = reverse_names(&s, &l, name, sizeof(name), alias);
	if (r == -ENOENT)
		r = 1;
	if (r == 0)
		r = ldb_addrs_add(&a, &l, 0);
	if (r == 0)
		r = ldb_pack_hostent(name, alias[0] ? alias : NULL, af, &a, result, buffer, buflen,
		                     NULL);
	ldb_lookup_end(&s);
	ldb_addrs_free(&a);
	return r;
}

enum nss_status ENTRY(gethostbyaddr2_r)(const void *addr, socklen_t len, int af,
                                        struct hostent *result, char *buffer, size_t buflen,
                                        int *errnop, int *herrnop, int32_t *ttlp)
{
	int saved = errno, r;

	if (!((af == AF_INET && len == 4) || (af == AF_INET6 && len == 16))) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	r = reverse(addr, af, result, buffer, buflen);
	return finish(r, saved, ttlp, errnop, herrnop);
}

enum nss_status ENTRY(gethostbyaddr_r)(const void *addr, socklen_t len, int af,
                                       struct hostent *result, char *buffer, size_t buflen,
                                       int *errnop, int *herrnop)
{
	return ENTRY(gethostbyaddr2_r)(addr, len, af, result, buffer, buflen, errnop, herrnop,
	                               NULL);
}
