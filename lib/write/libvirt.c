#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/name.h"
#include "json/object.h"
#include "store/mdb-errno.h"
#include "write/libvirt.h"
#include "write/tables.h"
#include "write/validate.h"

/* The program running (the helper, lease-db-admin rebuild). */
#define PROG     program_invocation_short_name
#define MAX_FILE (64 << 20) /* larger than any real lease file */

struct ldb_libvirt_target ldb_libvirt_target_of(const struct ldb_event *ev)
{
	struct ldb_libvirt_target lv = {NULL, NULL};
	struct stat st;
	bool explicit;

	lv.dir = ldb_libvirt_dir(&explicit);
	/* A plain dnsmasq on a host that also has libvirt keeps out of
	 * libvirt's files unless told otherwise. */
	if (lv.dir && !explicit && !getenv("VIR_BRIDGE_NAME"))
		lv.dir = NULL;
	if (lv.dir && ev->have_iface)
		lv.bridge = ev->lease.iface.p;
	if (lv.dir && (stat(lv.dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		lv.dir = NULL;
	return lv;
}

static int path_of(char *buf, size_t size, const char *dir, const char *name, const char *ext)
{
	int n = snprintf(buf, size, "%s/%s%s", dir, name, ext);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* Whole regular file into a NUL-terminated buffer; -ENOENT if missing. */
static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > MAX_FILE) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
out:
	close(fd);
	return r;
}

/* Strict JSON: the whole text must be one value. */
static json_object *parse_json(const char *text, size_t len, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj;
	enum json_tokener_error e;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	if (!obj || e != json_tokener_success || tok->char_offset != (int)len) {
		size_t off = (size_t)tok->char_offset;

		/* Trailing whitespace is fine. */
		if (obj && e == json_tokener_success &&
		    strspn(text + off, " \t\r\n") == len - off) {
			json_tokener_free(tok);
			return obj;
		}
		snprintf(err, errlen, "invalid JSON at byte %zu: %s", off,
		         e == json_tokener_success ? "trailing data" : json_tokener_error_desc(e));
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

int ldb_status_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen)
{
	json_object *arr;

	if (strspn(text, " \t\r\n") == len) {
		*out = json_object_new_array();
		return *out ? 0 : -ENOMEM;
	}
	arr = parse_json(text, len, err, errlen);
	if (arr && !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "not a JSON array");
		json_object_put(arr);
		return -EBADMSG;
	}
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_object)) {
			snprintf(err, errlen, "element %zu is not an object", i);
			json_object_put(arr);
			return -EBADMSG;
		}
	}
	if (!arr)
		return -EBADMSG;
	*out = arr;
	return 0;
}

int ldb_status_load(const char *dir, const char *bridge, json_object **out, char *err,
                    size_t errlen)
{
	char path[PATH_MAX], *text = NULL, msg[256];
	size_t len = 0;
	int r;

	r = path_of(path, sizeof(path), dir, bridge, ".status");
	if (r < 0)
		return r;
	r = read_file(path, &text, &len);
	if (r == -ENOENT) {
		*out = json_object_new_array();
		return *out ? 0 : -ENOMEM;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path,
		         r == -ELOOP    ? "a symbolic link (not followed)"
		         : r == -EINVAL ? "not a regular file"
		         : r == -EFBIG  ? "larger than 64 MiB, more than any lease file"
		                        : strerror(-r));
		return r;
	}
	r = ldb_status_parse(text, len, out, msg, sizeof(msg));
	free(text);
	if (r == -EBADMSG)
		snprintf(err, errlen, "%s: %s", path, msg);
	return r;
}

static const char *get_str(json_object *o, const char *key)
{
	return ldb_json_get_str(o, key);
}

/* What libvirt's helper can write: its JSON generator (yajl) refuses a
 * string that is not UTF-8 by structure (a lead byte and its count of
 * continuation bytes) and fails the whole event. lease-db records the
 * lease and leaves such a value out. */
static const char *writable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; p && *p; p++) {
		int more = *p < 0x80           ? 0
		           : (*p >> 5) == 0x6  ? 1
		           : (*p >> 4) == 0xe  ? 2
		           : (*p >> 3) == 0x1e ? 3
		                               : -1;

		if (more < 0)
			return NULL;
		while (more--)
			if ((*++p >> 6) != 0x2)
				return NULL;
	}
	return s;
}

/* One status record's values; an empty one is left out of the object. */
struct status_values {
	struct ldb_str iaid, ip, mac, hostname, client_id, server_duid;
	int64_t expiry;
};

/* The record as libvirt's helper prints it: its keys in its order. */
static json_object *status_object(const struct status_values *v)
{
	json_object *o = json_object_new_object();
	int r;

	if (!o)
		return NULL;
	r = ldb_json_add_str(o, LDB_JSON_IAID, v->iaid);
	if (r == 0)
		r = ldb_json_add_str(o, LDB_JSON_ADDR, v->ip);
	if (r == 0)
		r = ldb_json_add_str(o, ldb_lease_fields[LDB_FIELD_MAC].json, v->mac);
	if (r == 0)
		r = ldb_json_add_str(o, ldb_lease_fields[LDB_FIELD_HOSTNAME].json, v->hostname);
	if (r == 0)
		r = ldb_json_add_str(o, ldb_lease_fields[LDB_FIELD_CLIENT_ID].json, v->client_id);
	if (r == 0)
		r = ldb_json_add_str(o, ldb_lease_fields[LDB_FIELD_SERVER_DUID].json,
		                     v->server_duid);
	if (r == 0)
		r = ldb_json_add_int(o, LDB_JSON_EXPIRY, v->expiry);
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The server DUID only when the event has one. Values as the event gave
 * them, even those the lease was recorded without: libvirt's helper
 * writes them unchecked. */
static json_object *new_record(const struct ldb_event *ev)
{
	bool v6 = ev->lease.family == AF_INET6;
	struct status_values v = {
	    .iaid = ldb_str_from(v6 ? writable(ev->iaid_text) : NULL),
	    .ip = ldb_str_from(ev->addr_text),
	    .mac = ldb_str_from(writable(ev->mac_text)),
	    .hostname = ldb_str_from(writable(ev->status_hostname)),
	    .client_id = ldb_str_from(writable(ev->client_id_text)),
	    .server_duid = ldb_str_from(v6 ? writable(ev->server_duid_text) : NULL),
	    .expiry = ev->lease.expiry,
	};

	return status_object(&v);
}

bool ldb_status_makes_record(const struct ldb_event *ev)
{
	/* libvirt's helper makes no record for an IPv6 lease it cannot tie
	 * to a MAC (and then deletes nothing either). */
	return ev->action != LDB_ACTION_DEL && ev->mac_text;
}

const char *ldb_status_event_duid(const struct ldb_event *ev)
{
	return ev->lease.family == AF_INET6 ? writable(ev->server_duid_text) : NULL;
}

json_object *ldb_status_new_record(const struct ldb_event *ev)
{
	return new_record(ev);
}

/* One status record as a lease; -EINVAL (with a warning) if it does not
 * validate. Buffers for the normalised strings come from the caller. */
static int record_to_lease(json_object *o, const char *bridge, struct ldb_lease *l, char *mac,
                           char *cid, char *duid, const char *self)
{
	const char *ip = get_str(o, LDB_JSON_ADDR),
	           *m = get_str(o, ldb_lease_fields[LDB_FIELD_MAC].json);
	const char *host = get_str(o, ldb_lease_fields[LDB_FIELD_HOSTNAME].json),
	           *c = get_str(o, ldb_lease_fields[LDB_FIELD_CLIENT_ID].json);
	const char *iaid = get_str(o, LDB_JSON_IAID),
	           *sd = get_str(o, ldb_lease_fields[LDB_FIELD_SERVER_DUID].json);
	json_object *exp;
	int fam, temp;

	memset(l, 0, sizeof(*l));
	if (!ip || ldb_parse_addr(ip, &fam, l->addr) < 0)
		return -EINVAL;
	l->family = (uint8_t)fam;
	if (!json_object_object_get_ex(o, LDB_JSON_EXPIRY, &exp) ||
	    !json_object_is_type(exp, json_type_int) || json_object_get_int64(exp) < 0)
		return -EINVAL;
	l->expiry = json_object_get_int64(exp);
	/* As for events: only what identifies the lease (an IPv4 lease's
	 * MAC) is required, other fields that do not validate are left out.
	 * libvirt's helper stored dnsmasq's cut DUIDs (trailing ':'). */
	if (m && ldb_parse_mac(m, mac) == 0)
		l->mac = ldb_str_from(mac);
	else if (m && fam == AF_INET)
		return -EINVAL;
	if (c && (fam == AF_INET6 ? ldb_parse_duid(c, cid) != -EINVAL
	                          : ldb_parse_hexid(c, LDB_CLIENTID_MAX_OCTETS, cid) == 0))
		l->client_id = ldb_str_from(cid);
	if (fam == AF_INET6 && sd && ldb_parse_hexid(sd, LDB_DUID_MAX_OCTETS, duid) == 0)
		l->server_duid = ldb_str_from(duid);
	if (fam == AF_INET6 && iaid && ldb_parse_iaid(iaid, &l->iaid, &temp) == 0)
		l->flags = LDB_LEASE_HAS_IAID | (temp ? LDB_LEASE_TEMPORARY : 0);
	/* libvirt stored whatever the client sent, accepted by dnsmasq or
	 * not; only a served name resolves. */
	if (host && ldb_name_served(ldb_str_from(host), self))
		l->hostname = ldb_str_from(host);
	l->iface = ldb_str_from(bridge);
	return 0;
}

/* "imported:<bridge>": the bridge's status file is in the master. */
static int imported_key(const char *bridge, char *key, size_t size)
{
	int n = snprintf(key, size, LDB_META_IMPORTED "%s", bridge);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* Is old the lease l describes? IPv4: the same MAC; IPv6: the same DUID
 * and IAID. */
static bool same_lease(const struct ldb_lease *l, const struct ldb_lease *old)
{
	if (l->family == AF_INET)
		return ldb_str_eq(l->mac, old->mac);
	return ldb_str_eq(l->client_id, old->client_id) && l->iaid == old->iaid &&
	       (l->flags & LDB_LEASE_HAS_IAID) == (old->flags & LDB_LEASE_HAS_IAID);
}

/* A .status file holds the name the client sent, accepted by dnsmasq or
 * not (libvirt's helper writes DNSMASQ_SUPPLIED_HOSTNAME), and no domain.
 * An imported lease keeps a name only when the master already holds that
 * name for the same lease (address, bridge, client), and keeps the
 * master's domain; otherwise it is recorded without a name, which dnsmasq
 * passes again (if it accepted it) at the guest's next renewal. */
static int keep_from_master(MDB_txn *txn, const struct ldb_dbis *dbis, struct ldb_lease *l,
                            char domain[LDB_DOMAIN_MAX + 1])
{
	struct ldb_str host = l->hostname;
	struct ldb_lease old;
	int r;

	l->hostname = LDB_STR_NULL;
	r = ldb_lease_get(txn, dbis, l->family, l->addr, l->iface, &old);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || !same_lease(l, &old))
		return r;
	if (host.len && ldb_str_eq(host, old.hostname))
		l->hostname = host;
	/* Copied: the put below may move the page it is on. */
	if (old.domain.len && ldb_str_copy(domain, LDB_DOMAIN_MAX + 1, old.domain) == 0)
		l->domain = ldb_str_from(domain);
	return 0;
}

/* The bridge's leases in the master by address, and whether the file
 * being imported has each. */
struct on_bridge {
	struct on_bridge_lease {
		uint8_t family, addr[16];
		bool in_file;
	} * v;
	size_t n, cap;
	const char *bridge;
};

static int collect_bridge(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct on_bridge *a = p;

	(void)key;
	if (!ldb_str_eq(l->iface, ldb_str_from(a->bridge)))
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		void *nv = realloc(a->v, cap * sizeof(*a->v));

		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n].family = l->family;
	memcpy(a->v[a->n].addr, l->addr, 16);
	a->v[a->n].in_file = false;
	a->n++;
	return 0;
}

static int cmp_lease_addr(const void *pa, const void *pb)
{
	const struct on_bridge_lease *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static void mark_in_file(struct on_bridge *a, const struct ldb_lease *l)
{
	struct on_bridge_lease k = {.family = l->family}, *e;

	memcpy(k.addr, l->addr, 16);
	e = a->n ? bsearch(&k, a->v, a->n, sizeof(*a->v), cmp_lease_addr) : NULL;
	if (e)
		e->in_file = true;
}

int ldb_status_import(MDB_txn *txn, const struct ldb_dbis *dbis, json_object *arr,
                      const char *bridge, bool replace)
{
	char mac[LDB_MAC_MAX + 1], cid[LDB_HEXID_MAX + 1], duid[LDB_HEXID_MAX + 1];
	char key[sizeof(LDB_META_IMPORTED) + LDB_IFNAME_MAX], self[LDB_HOSTNAME_MAX + 1];
	char domain[LDB_DOMAIN_MAX + 1];
	struct on_bridge was = {.bridge = bridge};
	int n = 0, r = 0;

	ldb_self_name(self);
	if (replace)
		r = ldb_lease_foreach_key(txn, dbis, collect_bridge, &was);
	if (r == 0 && was.n)
		qsort(was.v, was.n, sizeof(*was.v), cmp_lease_addr);
	for (size_t i = 0; r == 0 && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct ldb_lease l;

		if (record_to_lease(o, bridge, &l, mac, cid, duid, self) < 0) {
			fprintf(stderr, "%s: %s.status: skipping invalid lease %s\n", PROG, bridge,
			        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			continue;
		}
		r = keep_from_master(txn, dbis, &l, domain);
		if (r == 0)
			r = ldb_lease_put(txn, dbis, &l);
		if (r == 0 && replace)
			mark_in_file(&was, &l);
		if (r == 0)
			n++;
	}
	/* The file is the truth: the bridge's leases it does not list go. */
	for (size_t i = 0; r == 0 && i < was.n; i++) {
		if (was.v[i].in_file)
			continue;
		r = ldb_lease_del(txn, dbis, was.v[i].family, was.v[i].addr, ldb_str_from(bridge));
		if (r == -ENOENT)
			r = 0;
	}
	free(was.v);
	if (r == 0)
		r = imported_key(bridge, key, sizeof(key));
	if (r == 0)
		r = ldb_meta_put(txn, dbis, key, ldb_str_from("1"));
	return r < 0 ? r : n;
}

/* The record libvirt's helper would have made for the lease's last add
 * event (keys in its order); NULL when it would have made none (an IPv6
 * lease without a MAC) or out of memory. */
json_object *ldb_status_lease_record(const struct ldb_lease *l)
{
	char ip[INET6_ADDRSTRLEN], iaid[16];
	bool v6 = l->family == AF_INET6;
	struct status_values v = {
	    .mac = l->mac,
	    .hostname = l->hostname,
	    .client_id = l->client_id,
	    .server_duid = v6 ? l->server_duid : LDB_STR_NULL,
	    .expiry = l->expiry,
	};

	if (l->mac.len == 0 || !inet_ntop(l->family, l->addr, ip, sizeof(ip)))
		return NULL;
	v.ip = ldb_str_from(ip);
	snprintf(iaid, sizeof(iaid), "%" PRIu32, l->iaid);
	if (v6 && (l->flags & LDB_LEASE_HAS_IAID))
		v.iaid = ldb_str_from(iaid);
	return status_object(&v);
}

int ldb_status_imported(MDB_txn *txn, const struct ldb_dbis *dbis, const char *bridge)
{
	char key[sizeof(LDB_META_IMPORTED) + LDB_IFNAME_MAX];
	struct ldb_str v;
	int r = imported_key(bridge, key, sizeof(key));

	if (r == 0)
		r = ldb_meta_get(txn, dbis, key, &v);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static bool is_macs(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".macs") == 0 && name[0] != '.';
}

/* readdir order is arbitrary; XOR of per-file hashes does not care. */
static int macs_signature(const char *dir, uint64_t *sig)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	uint64_t acc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;
		uint64_t h = UINT64_C(0xcbf29ce484222325);

		if (!is_macs(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		h = fnv(h, de->d_name, strlen(de->d_name) + 1);
		h = fnv(h, &st.st_size, sizeof(st.st_size));
		h = fnv(h, &st.st_mtim, sizeof(st.st_mtim));
		h = fnv(h, &st.st_ino, sizeof(st.st_ino));
		acc ^= h;
	}
	closedir(d);
	*sig = acc;
	return 0;
}

static bool domain_usable(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LDB_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ')
			return false;
	return true;
}

int ldb_macs_load(MDB_txn *txn, const struct ldb_dbis *dbis, const char *text, size_t len,
                  const char *label)
{
	char err[200], mac[LDB_MAC_MAX + 1];
	json_object *arr;
	int r = 0;

	arr = strspn(text, " \t\r\n") == len ? NULL : parse_json(text, len, err, sizeof(err));
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		if (strspn(text, " \t\r\n") != len)
			fprintf(stderr, "%s: %s: %s; ignored\n", PROG, label,
			        arr ? "not a JSON array" : err);
		json_object_put(arr);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *macs;
		const char *dom =
		    json_object_is_type(o, json_type_object) ? get_str(o, "domain") : NULL;

		if (!dom || !domain_usable(dom) || !json_object_object_get_ex(o, "macs", &macs) ||
		    !json_object_is_type(macs, json_type_array)) {
			fprintf(stderr, "%s: %s: skipping invalid entry %zu\n", PROG, label, i);
			continue;
		}
		for (size_t j = 0; j < json_object_array_length(macs) && r == 0; j++) {
			json_object *m = json_object_array_get_idx(macs, j);

			if (!json_object_is_type(m, json_type_string) ||
			    ldb_parse_mac(json_object_get_string(m), mac) < 0) {
				fprintf(stderr, "%s: %s: %s: skipping invalid MAC\n", PROG, label,
				        dom);
				continue;
			}
			r = ldb_guest_put(txn, dbis, ldb_str_from(dom), ldb_str_from(mac));
		}
	}
	json_object_put(arr);
	return r;
}

static int load_macs(MDB_txn *txn, const struct ldb_dbis *dbis, const char *path)
{
	char *text = NULL;
	size_t len;
	int r;

	r = read_file(path, &text, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(-r));
		return 0;
	}
	r = ldb_macs_load(txn, dbis, text, len, path);
	free(text);
	return r;
}

int ldb_guests_sync(MDB_txn *txn, const struct ldb_dbis *dbis, const char *dir)
{
	struct ldb_str old;
	struct dirent *de;
	uint64_t sig;
	DIR *d;
	int r;

	r = macs_signature(dir, &sig);
	if (r < 0)
		return r;
	r = ldb_meta_get(txn, dbis, LDB_META_MACS_SIGNATURE, &old);
	if (r == 0 && old.len == sizeof(sig) && memcmp(old.p, &sig, sizeof(sig)) == 0)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;

	r = ldb_guest_clear(txn, dbis);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];

		if (!is_macs(de->d_name) || path_of(path, sizeof(path), dir, de->d_name, "") < 0)
			continue;
		r = load_macs(txn, dbis, path);
	}
	closedir(d);
	if (r == 0)
		r = ldb_meta_put(txn, dbis, LDB_META_MACS_SIGNATURE,
		                 (struct ldb_str){(char *)&sig, sizeof(sig)});
	return r < 0 ? r : 1;
}
