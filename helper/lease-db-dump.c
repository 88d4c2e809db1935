/*
 * lease-db-dump: show the leases in the published snapshot (any user) or
 * the master (--master, root), as a table or as JSON.
 *
 * Exit status: 0 success, 1 usage, 2 no database, 3 database unreadable,
 * untrusted or invalid, 4 --check found a problem.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/name.h"
#include "helper/check.h"
#include "json/object.h"
#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/query.h"
#include "store/snapshot.h"

#define PROG "lease-db-dump"

enum { EXIT_USAGE = 1, EXIT_NODB = 2, EXIT_BADDB = 3, EXIT_CHECK = 4 };

struct opts {
	bool master, json, all, check;
	const char *name, *iface;
};

struct row {
	char host[LDB_HOSTNAME_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	char mac[LDB_MAC_MAX + 1];
	char iface[LDB_IFNAME_MAX + 1];
	char expires[48];
};

struct ctx {
	const struct opts *o;
	int64_t now;
	const struct ldb_view *v;
	struct ldb_name_query q; /* --name, as the NSS module matches it */
	json_object *array;      /* --json */
	struct row *rows;        /* table */
	size_t n, cap;
};

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: " PROG " [OPTION]...\n"
	       "Show the DHCP leases lease-db knows.\n"
	       "\n"
	       "  -j, --json             print a JSON array (libvirt .status field names)\n"
	       "  -a, --all              include expired leases\n"
	       "  -n, --name=NAME        only leases answering NAME (host or host.domain)\n"
	       "  -i, --interface=IF     only leases on interface IF\n"
	       "  -m, --master           read the master database (root) instead of the snapshot\n"
	       "  -c, --check            check the whole set-up, one line per check\n"
	       "  -h, --help             show this help\n"
	       "  -V, --version          show the version\n"
	       "\n"
	       "Exit status: 0 success, 1 usage, 2 no database, 3 database unreadable or invalid,\n"
	       "4 --check found a problem.\n");
}

static void format_expiry(int64_t expiry, int64_t now, char *buf, size_t len)
{
	int64_t d = expiry - now;
	bool past = d < 0;
	uint64_t a = past ? (uint64_t)(now - expiry) : (uint64_t)d;
	char span[32];

	if (expiry == 0) {
		snprintf(buf, len, "never");
		return;
	}
	if (a >= 86400)
		snprintf(span, sizeof(span), "%" PRIu64 "d %" PRIu64 "h", a / 86400,
		         a % 86400 / 3600);
	else if (a >= 3600)
		snprintf(span, sizeof(span), "%" PRIu64 "h %" PRIu64 "m", a / 3600, a % 3600 / 60);
	else if (a >= 60)
		snprintf(span, sizeof(span), "%" PRIu64 "m %" PRIu64 "s", a / 60, a % 60);
	else
		snprintf(span, sizeof(span), "%" PRIu64 "s", a);
	snprintf(buf, len, past ? "expired %s ago" : "in %s", span);
}

/* expiry-time goes before the domain. */
static const enum ldb_field json_order[] = {
    LDB_FIELD_MAC,         LDB_FIELD_HOSTNAME, LDB_FIELD_CLIENT_ID,
    LDB_FIELD_SERVER_DUID, LDB_FIELD_DOMAIN,   LDB_FIELD_IFACE,
};

static int add_json(struct ctx *c, const struct ldb_lease *l, const char *addr)
{
	json_object *o = json_object_new_object();
	char iaid[16];
	int r;

	if (!o)
		return -ENOMEM;
	r = 0;
	if (l->flags & LDB_LEASE_HAS_IAID) {
		snprintf(iaid, sizeof(iaid), "%s%" PRIu32,
		         (l->flags & LDB_LEASE_TEMPORARY) ? "T" : "", l->iaid);
		r = ldb_json_add_str(o, LDB_JSON_IAID, ldb_str_from(iaid));
	}
	if (r == 0)
		r = ldb_json_add_str(o, LDB_JSON_ADDR, ldb_str_from(addr));
	/* libvirt's key order: its fields first, then lease-db's own. */
	for (size_t i = 0; r == 0 && i < sizeof(json_order) / sizeof(json_order[0]); i++) {
		if (json_order[i] == LDB_FIELD_DOMAIN)
			r = ldb_json_add_int(o, LDB_JSON_EXPIRY, l->expiry);
		if (r == 0)
			r = ldb_json_add_str(o, ldb_lease_fields[json_order[i]].json,
			                     *ldb_lease_field(l, json_order[i]));
	}
	if (r == 0 && json_object_array_add(c->array, o) < 0)
		r = -ENOMEM;
	if (r < 0)
		json_object_put(o);
	return r;
}

static int add_row(struct ctx *c, const struct ldb_lease *l, const char *addr)
{
	struct row *r;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct row *v = realloc(c->rows, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->rows = v;
		c->cap = cap;
	}
	r = &c->rows[c->n++];
	if (ldb_str_copy(r->host, sizeof(r->host), l->hostname) < 0 ||
	    ldb_str_copy(r->mac, sizeof(r->mac), l->mac) < 0 ||
	    ldb_str_copy(r->iface, sizeof(r->iface), l->iface) < 0)
		return -EBADMSG;
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	format_expiry(l->expiry, c->now, r->expires, sizeof(r->expires));
	return 0;
}

static int visit(const struct ldb_lease *l, void *p)
{
	struct ctx *c = p;
	char addr[INET6_ADDRSTRLEN];

	if (!c->o->all && ldb_lease_expired(l->expiry, c->now))
		return 0;
	if (c->o->iface && (l->iface.len != strlen(c->o->iface) ||
	                    memcmp(l->iface.p, c->o->iface, l->iface.len) != 0))
		return 0;
	if (c->o->name) {
		int r = ldb_name_query_match(c->v, &c->q, l);

		if (r <= 0)
			return r;
	}
	if (!inet_ntop(l->family, l->addr, addr, sizeof(addr)))
		return -errno;
	return c->array ? add_json(c, l, addr) : add_row(c, l, addr);
}

static const char *dash(const char *s)
{
	return *s ? s : "-";
}

static int print_table(const struct ctx *c)
{
	const char *hdr[] = {ldb_lease_fields[LDB_FIELD_HOSTNAME].column, "IP ADDRESS",
	                     ldb_lease_fields[LDB_FIELD_MAC].column,
	                     ldb_lease_fields[LDB_FIELD_IFACE].column, "EXPIRES"};
	int w[4];

	for (int i = 0; i < 4; i++)
		w[i] = (int)strlen(hdr[i]);
	for (size_t i = 0; i < c->n; i++) {
		const char *f[4] = {dash(c->rows[i].host), c->rows[i].addr, dash(c->rows[i].mac),
		                    dash(c->rows[i].iface)};

		for (int j = 0; j < 4; j++)
			if ((int)strlen(f[j]) > w[j])
				w[j] = (int)strlen(f[j]);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], hdr[0], w[1], hdr[1], w[2], hdr[2], w[3],
	       hdr[3], hdr[4]);
	for (size_t i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];

		printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], dash(r->host), w[1], r->addr, w[2],
		       dash(r->mac), w[3], dash(r->iface), r->expires);
	}
	return 0;
}

/* Every lease as lookups see it: the snapshot's base with its delta, or
 * the master. */
static int walk(struct ldb_master *m, struct ldb_snapshot *snap, struct ctx *c)
{
	struct ldb_view v = {0};
	int r;

	if (m) {
		v.dbis = &m->dbis;
		r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &v.txn));
	} else {
		r = ldb_snapshot_begin(snap, &v);
	}
	if (r < 0)
		return r;
	c->v = &v;
	if (c->o->name) {
		char self[LDB_HOSTNAME_MAX + 1];

		ldb_self_name(self);
		ldb_name_query_init(c->o->name, self, &c->q);
	}
	r = ldb_view_foreach(&v, visit, c);
	c->v = NULL;
	ldb_snapshot_end(&v);
	return r;
}

static int dump(const struct opts *o)
{
	struct ctx c = {.o = o, .now = (int64_t)time(NULL)};
	struct ldb_snapshot *snap = NULL;
	struct ldb_master *m = NULL;
	const char *path = o->master ? ldb_master_dir() : ldb_snapshot_path();
	int r;

	if (o->master)
		r = ldb_master_open_readonly(path, &m);
	else
		r = ldb_snapshot_open(path, &snap);
	if (r < 0) {
		const char *hint = r == -ENOENT    ? " (no lease has been recorded yet?)"
		                   : r == -EUCLEAN ? "; rebuild it with `" LDB_MASTER_RECOVERY "`"
		                                   : "";

		fprintf(stderr, PROG ": %s: %s%s\n", path,
		        r == -EPERM     ? "not trusted (owner or permissions)"
		        : r == -EUCLEAN ? "damaged (empty, truncated or not an LMDB file)"
		                        : strerror(-r),
		        hint);
		return r == -ENOENT ? EXIT_NODB : EXIT_BADDB;
	}
	if (o->json) {
		c.array = json_object_new_array();
		if (!c.array) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = walk(m, snap, &c);
	if (r < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-r));
		goto out;
	}
	if (c.array)
		printf("%s\n", json_object_to_json_string_ext(
		                   c.array, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                                JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_table(&c);
	if (fflush(stdout) == EOF)
		r = -errno;
out:
	json_object_put(c.array);
	free(c.rows);
	ldb_snapshot_close(snap);
	ldb_master_close(m);
	return r < 0 ? EXIT_BADDB : 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"all", no_argument, NULL, 'a'},
	    {"name", required_argument, NULL, 'n'},
	    {"interface", required_argument, NULL, 'i'},
	    {"master", no_argument, NULL, 'm'},
	    {"check", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {0};
	int c;

	while ((c = getopt_long(argc, argv, "jan:i:mchV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'm':
			o.master = true;
			break;
		case 'c':
			o.check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.check)
		return ldb_check_run(o.json) ? EXIT_CHECK : 0;
	return dump(&o);
}
