/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/object.h"
#include "store/mdb-errno.h"
#include "store/tables.h"
#include "write/libvirt.h"
#include "write/status.h"
#include "write/tables.h"

#define PROG "lease-db-helper"

/* A record's flags, its value's first byte. */
#define REC_V6   0x01 /* its ip-address has a ':' (libvirt's test for IPv6) */
#define REC_DUID 0x02 /* it has a "server-duid" string */

#define SEQ_KEY_MAX (LDB_IFNAME_MAX + 1 + 8)
#define IP_TEXT_MAX 200 /* longer ip-address texts match no event: not indexed */
#define IP_KEY_MAX  (LDB_IFNAME_MAX + 1 + IP_TEXT_MAX)
#define STATE_SIZE  (8 + 4 + 4 + 2 * 32)
/* Small enough to stay in the cache and cost few page faults (they are
 * dear in a VM); writeback starts every WRITEBACK_STEP bytes, so that the
 * fsync finds most of the file on its way to the disk. */
#define WRITE_CHUNK    (64 << 10)
#define WRITEBACK_STEP (1 << 20)

static size_t prefix_of(const struct ldb_status *s, uint8_t *key)
{
	size_t n = strlen(s->bridge);

	memcpy(key, s->bridge, n);
	key[n] = '\0';
	return n + 1;
}

static MDB_val seq_key(const struct ldb_status *s, uint64_t seq, uint8_t key[SEQ_KEY_MAX])
{
	size_t n = prefix_of(s, key);

	for (int i = 0; i < 8; i++)
		key[n + (size_t)i] = (uint8_t)(seq >> (56 - 8 * i));
	return (MDB_val){n + 8, key};
}

static uint64_t seq_of(const MDB_val *v)
{
	const uint8_t *p = v->mv_data;
	uint64_t seq = 0;

	for (size_t i = v->mv_size - 8; i < v->mv_size; i++)
		seq = seq << 8 | p[i];
	return seq;
}

/* 0 and *k, or 1 when the text is too long to be indexed. */
static int ip_key(const struct ldb_status *s, const char *ip, uint8_t key[IP_KEY_MAX], MDB_val *k)
{
	size_t n = prefix_of(s, key), len = strlen(ip);

	if (len == 0 || len > IP_TEXT_MAX)
		return 1;
	memcpy(key + n, ip, len);
	*k = (MDB_val){n + len, key};
	return 0;
}

static int state_key(const char *bridge, char *key, size_t size)
{
	int n = snprintf(key, size, LDB_META_STATUS "%s", bridge);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static void put_id(uint8_t *p, const struct ldb_status_id *id)
{
	ldb_put_le(p, id->dev, 8);
	ldb_put_le(p + 8, id->ino, 8);
	ldb_put_le(p + 16, id->size, 8);
	ldb_put_le(p + 24, (uint64_t)id->mtime_ns, 8);
}

static void get_id(const uint8_t *p, struct ldb_status_id *id)
{
	id->dev = ldb_get_le(p, 8);
	id->ino = ldb_get_le(p + 8, 8);
	id->size = ldb_get_le(p + 16, 8);
	id->mtime_ns = (int64_t)ldb_get_le(p + 24, 8);
}

static int save_state(struct ldb_status *s)
{
	char key[sizeof(LDB_META_STATUS) + LDB_IFNAME_MAX];
	uint8_t v[STATE_SIZE];
	int r = state_key(s->bridge, key, sizeof(key));

	if (r < 0)
		return r;
	ldb_put_le(v, s->st.next, 8);
	ldb_put_le(v + 8, s->st.v6_duid, 4);
	ldb_put_le(v + 12, s->st.v6_noduid, 4);
	put_id(v + 16, &s->st.written);
	put_id(v + 48, &s->st.prev);
	s->have_state = true;
	return ldb_meta_put(s->txn, s->dbis, key, (struct ldb_str){(char *)v, sizeof(v)});
}

int ldb_status_begin(struct ldb_status *s, MDB_txn *txn, const struct ldb_dbis *dbis,
                     const char *dir, const char *bridge)
{
	char key[sizeof(LDB_META_STATUS) + LDB_IFNAME_MAX];
	struct ldb_str v;
	int n, r;

	memset(s, 0, sizeof(*s));
	s->txn = txn;
	s->dbis = dbis;
	s->dir = dir;
	s->bridge = bridge;
	if (strlen(bridge) > LDB_IFNAME_MAX)
		return -ENAMETOOLONG;
	n = snprintf(s->path, sizeof(s->path), "%s/%s.status", dir, bridge);
	if (n < 0 || (size_t)n >= sizeof(s->path))
		return -ENAMETOOLONG;
	/* Tables of their own, created on first use: older lease-db versions
	 * and the NSS modules do not know them and leave them alone. */
	r = ldb_mdb_errno(mdb_dbi_open(txn, "status", MDB_CREATE, &s->rec));
	if (r == 0)
		r = ldb_mdb_errno(
		    mdb_dbi_open(txn, "status-ip", MDB_CREATE | MDB_DUPSORT, &s->byip));
	if (r == 0)
		r = state_key(bridge, key, sizeof(key));
	if (r == 0)
		r = ldb_meta_get(txn, dbis, key, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.len != STATE_SIZE)
		return 0; /* not ours to read: imported again */
	s->st.next = ldb_get_le((const uint8_t *)v.p, 8);
	s->st.v6_duid = (uint32_t)ldb_get_le((const uint8_t *)v.p + 8, 4);
	s->st.v6_noduid = (uint32_t)ldb_get_le((const uint8_t *)v.p + 12, 4);
	get_id((const uint8_t *)v.p + 16, &s->st.written);
	get_id((const uint8_t *)v.p + 48, &s->st.prev);
	s->have_state = true;
	return 0;
}

static struct ldb_status_id id_of(const struct stat *st)
{
	return (struct ldb_status_id){
	    (uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size,
	    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec};
}

static bool id_eq(const struct ldb_status_id *a, const struct ldb_status_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

/* Delete every key starting with the bridge's prefix (on an import only). */
static int clear_prefix(struct ldb_status *s, MDB_dbi dbi)
{
	uint8_t pre[LDB_IFNAME_MAX + 1];
	size_t plen = prefix_of(s, pre);
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int r;

	r = ldb_mdb_errno(mdb_cursor_open(s->txn, dbi, &c));
	while (r == 0) {
		k = (MDB_val){plen, pre};
		r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
		if (r == 0 && (k.mv_size < plen || memcmp(k.mv_data, pre, plen) != 0))
			r = -ENOENT;
		if (r == 0)
			r = ldb_mdb_errno(mdb_cursor_del(c, dbi == s->byip ? MDB_NODUPDATA : 0));
	}
	if (c)
		mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}

static void count(struct ldb_status *s, unsigned flags, int d)
{
	if (!(flags & REC_V6))
		return;
	if (flags & REC_DUID)
		s->st.v6_duid += (uint32_t)d;
	else
		s->st.v6_noduid += (uint32_t)d;
}

/* Append a record: text as libvirt prints it inside the array. */
static int append(struct ldb_status *s, const char *ip, unsigned flags, const char *text,
                  size_t len)
{
	uint8_t kb[SEQ_KEY_MAX], ib[IP_KEY_MAX], sb[8];
	uint64_t seq = s->st.next++;
	MDB_val k = seq_key(s, seq, kb), v = {len + 1, NULL}, ik, iv = {8, sb};
	int r;

	r = ldb_mdb_errno(mdb_put(s->txn, s->rec, &k, &v, MDB_RESERVE));
	if (r < 0)
		return r;
	((uint8_t *)v.mv_data)[0] = (uint8_t)flags;
	memcpy((uint8_t *)v.mv_data + 1, text, len);
	count(s, flags, 1);
	if (!ip || ip_key(s, ip, ib, &ik) != 0)
		return 0;
	for (int i = 0; i < 8; i++)
		sb[i] = (uint8_t)(seq >> (56 - 8 * i));
	return ldb_mdb_errno(mdb_put(s->txn, s->byip, &ik, &iv, 0));
}

static unsigned flags_of(json_object *o, const char **ip)
{
	unsigned f = 0;

	*ip = ldb_json_get_str(o, LDB_JSON_ADDR);
	if (*ip && strchr(*ip, ':'))
		f |= REC_V6;
	if (ldb_json_get_str(o, ldb_lease_fields[LDB_FIELD_SERVER_DUID].json))
		f |= REC_DUID;
	return f;
}

static int append_object(struct ldb_status *s, json_object *o)
{
	const char *ip;
	unsigned f = flags_of(o, &ip);
	size_t len;
	char *text = ldb_json_element_text(o, &len);
	int r;

	if (!text)
		return -ENOMEM;
	r = append(s, ip, f, text, len);
	free(text);
	return r;
}

/* First use: the master's leases of the bridge that the file does not
 * list become records too, as libvirt's helper would have written them
 * (leases recorded before libvirt mode was on). Collected first, appended
 * after: the walk's leases live on pages the appends may move. */
struct missing {
	struct ldb_status *s;
	json_object *recs;
};

static int collect_missing(const MDB_val *key, const struct ldb_lease *l, void *p)
{
	struct missing *m = p;
	uint8_t ib[IP_KEY_MAX];
	MDB_val ik, iv;
	json_object *o;
	int r;

	(void)key;
	if (!ldb_str_eq(l->iface, ldb_str_from(m->s->bridge)))
		return 0;
	o = ldb_status_lease_record(l);
	if (!o)
		return l->mac.len == 0 ? 0 : -ENOMEM;
	if (ip_key(m->s, ldb_json_get_str(o, LDB_JSON_ADDR), ib, &ik) == 0) {
		r = ldb_mdb_errno(mdb_get(m->s->txn, m->s->byip, &ik, &iv));
		if (r != -ENOENT) {
			json_object_put(o);
			return r;
		}
	}
	return json_object_array_add(m->recs, o) == 0 ? 0 : -ENOMEM;
}

static int add_missing(struct ldb_status *s, size_t *added)
{
	struct missing m = {s, json_object_new_array()};
	int r;

	if (!m.recs)
		return -ENOMEM;
	r = ldb_lease_foreach_key(s->txn, s->dbis, collect_missing, &m);
	for (size_t i = 0; r == 0 && i < json_object_array_length(m.recs); i++)
		r = append_object(s, json_object_array_get_idx(m.recs, i));
	*added = json_object_array_length(m.recs);
	json_object_put(m.recs);
	return r;
}

/* A .status that cannot be libvirt's (a symbolic link, not a regular file,
 * larger than 64 MiB, unreadable, not a JSON array of objects) is moved
 * aside to <bridge>.status.invalid with a warning, and the bridge goes on
 * as if there were none: the event is recorded and the file written anew
 * (libvirt's helper silently starts a new file on invalid JSON). 1 when
 * moved aside, with *arr empty; 0 with the file's records. */
static int load_or_set_aside(struct ldb_status *s, json_object **arr, char *err, size_t errlen)
{
	char why[PATH_MAX + 200], aside[PATH_MAX + 16];
	int r = ldb_status_load(s->dir, s->bridge, arr, why, sizeof(why));

	if (r >= 0 || r == -ENOMEM)
		return r;
	snprintf(aside, sizeof(aside), "%s.invalid", s->path);
	if (rename(s->path, aside) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s; moving it aside to %s: %s; repair or remove it", why,
		         aside, strerror(-r));
		return r;
	}
	fprintf(stderr,
	        PROG ": %s; moved aside to %s, the bridge's file is written anew from "
	             "the master\n",
	        why, aside);
	*arr = json_object_new_array();
	return *arr ? 1 : -ENOMEM;
}

int ldb_status_sync(struct ldb_status *s, char *err, size_t errlen)
{
	struct ldb_status_id cur = {0};
	json_object *arr = NULL;
	struct stat st;
	bool have_file, replace;
	size_t added = 0;
	int r;

	/* lstat: a symbolic link is not libvirt's file (it is set aside). */
	have_file = lstat(s->path, &st) == 0;
	if (!have_file && errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", s->path, strerror(-r));
		return r;
	}
	if (have_file)
		cur = id_of(&st);
	s->ondisk = cur;
	if (s->have_state) {
		/* Nobody wrote it since us (libvirt's helper always leaves a
		 * file): the master's view stands. The previous file is ours
		 * too: the last event could not rename its successor into
		 * place, and this one will. */
		if (!have_file || id_eq(&cur, &s->st.written) || id_eq(&cur, &s->st.prev)) {
			s->stale = have_file && !id_eq(&cur, &s->st.written);
			return 0;
		}
		replace = true;
	} else {
		/* lease-db before 0.2.0 imported each bridge once and kept the
		 * file beside the master: the file is the truth. A bridge never
		 * seen: its leases join what the master has. */
		r = ldb_status_imported(s->txn, s->dbis, s->bridge);
		if (r < 0)
			return r;
		replace = r > 0;
	}
	r = load_or_set_aside(s, &arr, err, errlen);
	if (r < 0)
		return r;
	if (r == 1) {
		/* No file now: the master's view stands, and is written. */
		memset(&s->ondisk, 0, sizeof(s->ondisk));
		memset(&cur, 0, sizeof(cur));
		s->stale = true;
		if (s->have_state) {
			json_object_put(arr);
			return 0;
		}
		replace = false;
	}
	r = clear_prefix(s, s->rec);
	if (r == 0)
		r = clear_prefix(s, s->byip);
	s->st.v6_duid = s->st.v6_noduid = 0;
	for (size_t i = 0; r == 0 && i < json_object_array_length(arr); i++)
		r = append_object(s, json_object_array_get_idx(arr, i));
	if (r == 0)
		r = ldb_status_import(s->txn, s->dbis, arr, s->bridge, replace);
	json_object_put(arr);
	if (r >= 0 && !replace)
		r = add_missing(s, &added);
	if (r < 0)
		return r;
	s->st.written = cur;
	memset(&s->st.prev, 0, sizeof(s->st.prev));
	/* Leases the file lacked: written even by init. */
	s->stale = s->stale || added > 0;
	r = save_state(s);
	return r < 0 ? r : 1;
}

/* Drop every record at ip (the event's address text). */
static int drop_ip(struct ldb_status *s, const char *ip)
{
	uint8_t ib[IP_KEY_MAX], kb[SEQ_KEY_MAX];
	MDB_val ik, iv, k, v;
	MDB_cursor *c;
	int r;

	if (ip_key(s, ip, ib, &ik) != 0)
		return 0;
	r = ldb_mdb_errno(mdb_cursor_open(s->txn, s->byip, &c));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_cursor_get(c, &ik, &iv, MDB_SET_KEY));
	while (r == 0) {
		k = seq_key(s, seq_of(&iv), kb);
		r = ldb_mdb_errno(mdb_get(s->txn, s->rec, &k, &v));
		if (r == 0 && v.mv_size >= 1)
			count(s, ((const uint8_t *)v.mv_data)[0], -1);
		if (r == 0)
			r = ldb_mdb_errno(mdb_del(s->txn, s->rec, &k, NULL));
		if (r == 0)
			r = ldb_mdb_errno(mdb_cursor_get(c, &ik, &iv, MDB_NEXT_DUP));
	}
	mdb_cursor_close(c);
	if (r != -ENOENT)
		return r;
	r = ldb_mdb_errno(mdb_del(s->txn, s->byip, &ik, NULL));
	return r == -ENOENT ? 0 : r;
}

/* The server DUID of a record's text (parsed: this is the rare path). */
static int duid_of(const char *text, size_t len, char *out, size_t size)
{
	char err[64], *wrapped = malloc(len + 3);
	json_object *o = NULL;
	const char *d;
	int r;

	if (!wrapped)
		return -ENOMEM;
	wrapped[0] = '[';
	memcpy(wrapped + 1, text, len);
	wrapped[len + 1] = ']';
	wrapped[len + 2] = '\0';
	r = ldb_status_parse(wrapped, len + 2, &o, err, sizeof(err));
	free(wrapped);
	if (r < 0)
		return r;
	d = json_object_array_length(o) == 1
	        ? ldb_json_get_str(json_object_array_get_idx(o, 0),
	                           ldb_lease_fields[LDB_FIELD_SERVER_DUID].json)
	        : NULL;
	r = d && strlen(d) < size ? 0 : -EBADMSG;
	if (r == 0)
		strcpy(out, d);
	json_object_put(o);
	return r;
}

/* The record's text with "server-duid": duid appended after its keys. */
static int with_duid(const MDB_val *v, const char *duid, MDB_val *out)
{
	const char *text = (const char *)v->mv_data + 1, *tail = "\n  }";
	size_t len = v->mv_size - 1, tlen = strlen(tail);
	json_object *js;
	const char *q;
	char *nt;
	int n;

	if (len < tlen || memcmp(text + len - tlen, tail, tlen) != 0)
		return 1; /* not an object printed over several lines: left alone */
	js = json_object_new_string(duid);
	q = js ? ldb_json_libvirt_text(js) : NULL;
	n = q ? snprintf(NULL, 0, "%.*s,\n    \"%s\": %s%s", (int)(len - tlen), text,
	                 ldb_lease_fields[LDB_FIELD_SERVER_DUID].json, q, tail)
	      : -1;
	nt = n > 0 ? malloc((size_t)n + 2) : NULL;
	if (!nt) {
		json_object_put(js);
		return -ENOMEM;
	}
	nt[0] = (char)(((const uint8_t *)v->mv_data)[0] | REC_DUID);
	snprintf(nt + 1, (size_t)n + 1, "%.*s,\n    \"%s\": %s%s", (int)(len - tlen), text,
	         ldb_lease_fields[LDB_FIELD_SERVER_DUID].json, q, tail);
	json_object_put(js);
	*out = (MDB_val){(size_t)n + 1, nt};
	return 0;
}

/* As libvirt's helper reads the file, an IPv6 record without a server
 * DUID gets the one known so far (the event's, else the first earlier in
 * the file), appended after its other keys. Only while such records
 * exist, and a DUID could be known, are the records walked. */
static int fill_duids(struct ldb_status *s, const char *event_duid)
{
	char found[1024]; /* a record's DUID: libvirt's helper writes any length */
	const char *duid = event_duid;
	uint8_t pre[LDB_IFNAME_MAX + 1];
	size_t plen = prefix_of(s, pre);
	MDB_val k = {plen, pre}, v;
	MDB_cursor *c;
	int r;

	if (s->st.v6_noduid == 0 || (!duid && s->st.v6_duid == 0))
		return 0;
	r = ldb_mdb_errno(mdb_cursor_open(s->txn, s->rec, &c));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
	for (; r == 0 && k.mv_size >= plen && memcmp(k.mv_data, pre, plen) == 0;
	     r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_NEXT))) {
		const uint8_t *p = v.mv_data;
		uint8_t kb[SEQ_KEY_MAX];
		MDB_val nv, ck;

		if (v.mv_size < 1 || !(p[0] & REC_V6))
			continue;
		if (p[0] & REC_DUID) {
			if (!duid &&
			    duid_of((const char *)p + 1, v.mv_size - 1, found, sizeof(found)) == 0)
				duid = found;
			continue;
		}
		if (!duid || (r = with_duid(&v, duid, &nv)) == 1) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		memcpy(kb, k.mv_data, k.mv_size);
		ck = (MDB_val){k.mv_size, kb};
		r = ldb_mdb_errno(mdb_cursor_put(c, &ck, &nv, MDB_CURRENT));
		free(nv.mv_data);
		if (r == 0) {
			s->st.v6_noduid--;
			s->st.v6_duid++;
		}
	}
	mdb_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}

int ldb_status_record(struct ldb_status *s, const struct ldb_event *ev)
{
	bool make = ldb_status_makes_record(ev);
	bool drop = ev->action == LDB_ACTION_DEL || make;
	json_object *o;
	int r = 0;

	if (drop && ev->addr_text)
		r = drop_ip(s, ev->addr_text);
	if (r == 0)
		r = fill_duids(s, ldb_status_event_duid(ev));
	if (r == 0 && make) {
		o = ldb_status_new_record(ev);
		if (!o)
			return -ENOMEM;
		r = append_object(s, o);
		json_object_put(o);
	}
	return r == 0 ? save_state(s) : r;
}

/* The file being written, through a buffer of WRITE_CHUNK bytes. */
struct out {
	int fd;
	char *buf;
	size_t len, cap;
	off_t written, synced;
};

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int flush_out(struct out *o)
{
	int r = write_all(o->fd, o->buf, o->len);

	o->written += (off_t)o->len;
	o->len = 0;
	if (r == 0 && o->written - o->synced >= WRITEBACK_STEP) {
		/* Only a head start: the fsync in ldb_status_prepare() counts. */
		(void)sync_file_range(o->fd, o->synced, o->written - o->synced,
		                      SYNC_FILE_RANGE_WRITE);
		o->synced = o->written;
	}
	return r;
}

/* The buffer is always filled to the brim before it is written (records
 * are split across writes), so that every write covers whole pages: a
 * spare written over in place is then never read back for a partial page,
 * and its cached pages are reused as they are. */
static int put_out(struct out *o, const char *p, size_t len)
{
	int r = 0;

	while (r == 0 && len) {
		size_t n = o->cap - o->len < len ? o->cap - o->len : len;

		memcpy(o->buf + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
		if (o->len == o->cap)
			r = flush_out(o);
	}
	return r;
}

/* The records of a leaf page lie in it in reverse order, and the walk
 * reads each one's header and then its text: a pattern the hardware does
 * not prefetch, so without help every record waits for memory (a fifth of
 * an event at 100,000 leases, the master's pages being out of the CPU's
 * caches). On the first record seen in a page, the whole page is asked
 * for at once. A prefetch never faults, whatever the address. */
#define PREFETCH_PAGE 4096
static void prefetch_page(const void *p, uintptr_t *last)
{
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(PREFETCH_PAGE - 1);

	if (page == *last)
		return;
	*last = page;
	/* And the page after it, which the walk often reads next. */
	for (uintptr_t a = page; a < page + 2 * PREFETCH_PAGE; a += 64)
		__builtin_prefetch((const void *)a);
}

/* The file's text: "[\n", the records joined by ",\n", "\n]\n"; libvirt
 * writes an empty list as "[\n\n]\n". */
static int emit(struct ldb_status *s, struct out *o)
{
	uint8_t pre[LDB_IFNAME_MAX + 1];
	size_t plen = prefix_of(s, pre);
	MDB_val k = {plen, pre}, v;
	MDB_cursor *c;
	uintptr_t page = 0;
	bool first = true;
	int r;

	r = put_out(o, "[\n", 2);
	if (r == 0)
		r = ldb_mdb_errno(mdb_cursor_open(s->txn, s->rec, &c));
	if (r < 0)
		return r;
	r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
	for (; r == 0 && k.mv_size >= plen && memcmp(k.mv_data, pre, plen) == 0;
	     r = ldb_mdb_errno(mdb_cursor_get(c, &k, &v, MDB_NEXT))) {
		prefetch_page(v.mv_data, &page);
		if (v.mv_size < 1)
			continue;
		if (!first)
			r = put_out(o, ",\n", 2);
		if (r == 0)
			r = put_out(o, (const char *)v.mv_data + 1, v.mv_size - 1);
		first = false;
	}
	mdb_cursor_close(c);
	if (r == -ENOENT) /* the end of the table, not only of the bridge's records */
		r = 0;
	return r < 0 ? r : put_out(o, "\n]\n", 3);
}

/* The temporary file: "<bridge>.status.XXXXXX.tmp". Ending in ".tmp", it
 * can be no bridge's .status (bridge "a.status" has "a.status.status"),
 * and its fixed length makes it no other bridge's temporary file. */
#define TMP_SUFFIX ".tmp"

/* Temporary files of the bridge left by a helper that died between
 * creating and renaming one; writers of a bridge are serialised by the
 * master's write transaction, so none is in progress now. */
static void remove_stale(struct ldb_status *s)
{
	char prefix[LDB_IFNAME_MAX + 16];
	struct dirent *de;
	size_t plen, tlen = strlen(TMP_SUFFIX);
	DIR *d;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s.status.", s->bridge);
	if (plen >= sizeof(prefix) || !(d = opendir(s->dir)))
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, plen) == 0 &&
		    strlen(de->d_name + plen) == 6 + tlen &&
		    strcmp(de->d_name + plen + 6, TMP_SUFFIX) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

/* Whether any other open file description refers to fd's file: a write
 * lease is granted only when none does (fs/locks.c counts the readers and
 * writers of the inode). Released at once: nobody can open the spare by
 * its name but the writer, and <bridge>.status names another file. */
static bool open_elsewhere(int fd)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	bool r;

	/* Someone opening the file meanwhile breaks the lease, which sends
	 * SIGIO (fatal by default): ignored for these two calls. */
	if (sigaction(SIGIO, &ign, &old) < 0)
		return true;
	r = fcntl(fd, F_SETLEASE, F_WRLCK) < 0;
	if (!r)
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	sigaction(SIGIO, &old, NULL);
	return r;
}

/* The spare to write the next file into, or -1: then a temporary file
 * beside <bridge>.status, as without a spare. Replacing a file of 17 MB
 * (100,000 leases) frees its blocks and cached pages in rename(), and the
 * new one allocates as many: 5-7 ms together, a fifth of the event. The
 * replaced file is kept instead (exchanged with its successor) and the
 * next event writes over it, unless someone (libvirt's NSS module,
 * virsh) still has it open: it is dropped then, and freed when they close
 * it. Only within one filesystem (renameat2() cannot exchange across). */
static int open_spare(struct ldb_status *s)
{
	struct stat a, b;
	int fd, n;

	if (!s->spare_dir)
		return -1;
	n = snprintf(s->spare, sizeof(s->spare), "%s/%s" LDB_STATUS_SPARE_SUFFIX, s->spare_dir,
	             s->bridge);
	if (n < 0 || (size_t)n >= sizeof(s->spare) || stat(s->dir, &a) < 0 ||
	    stat(s->spare_dir, &b) < 0 || a.st_dev != b.st_dev)
		return -1;
	fd = open(s->spare, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		/* Another name (a hard link) or a reader would see it change. */
		if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && a.st_nlink == 1 &&
		    !open_elsewhere(fd))
			return fd;
		close(fd);
	}
	if (unlink(s->spare) < 0 && errno != ENOENT)
		return -1;
	return open(s->spare, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
}

int ldb_status_prepare(struct ldb_status *s)
{
	struct out o = {-1, NULL, 0, WRITE_CHUNK, 0, 0};
	struct stat st;
	int r;

	remove_stale(s);
	o.buf = malloc(WRITE_CHUNK);
	if (!o.buf)
		return -ENOMEM;
	o.fd = open_spare(s);
	if (o.fd >= 0) {
		s->spare_made = true;
	} else {
		snprintf(s->tmp, sizeof(s->tmp), "%s.XXXXXX" TMP_SUFFIX, s->path);
		o.fd = mkostemps(s->tmp, (int)strlen(TMP_SUFFIX), O_CLOEXEC);
		if (o.fd < 0) {
			r = -errno;
			free(o.buf);
			return r;
		}
		s->tmp_made = true;
	}
	r = fchmod(o.fd, 0644) < 0 ? -errno : 0;
	if (r == 0)
		r = emit(s, &o);
	if (r == 0 && o.len)
		r = flush_out(&o);
	/* A spare written over may have been longer. */
	if (r == 0 && s->spare_made && ftruncate(o.fd, o.written) < 0)
		r = -errno;
	/* Durable before the master says it is there. */
	if (r == 0 && fsync(o.fd) < 0)
		r = -errno;
	if (r == 0 && fstat(o.fd, &st) < 0)
		r = -errno;
	if (close(o.fd) < 0 && r == 0)
		r = -errno;
	free(o.buf);
	if (r == 0) {
		/* Until the rename, the file in place is the one on disk now
		 * (after failed renames, an older one than the last written). */
		s->st.prev = s->ondisk;
		s->st.written = id_of(&st);
		r = save_state(s);
	}
	if (r < 0)
		ldb_status_discard(s);
	return r;
}

/* The rename durable too: after a power loss the file in place is then
 * never older than the master's "previous" one. A failure is a warning:
 * the master already committed. */
static void sync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fsync(dfd) < 0)
		fprintf(stderr, PROG ": %s: syncing the directory after the rename: %s\n", dir,
		        strerror(errno));
	if (dfd >= 0)
		close(dfd);
}

int ldb_status_install(struct ldb_status *s)
{
	bool moved = false;
	int r = 0;

	if (s->spare_made) {
		/* The file replaced becomes the spare; with no file in place
		 * (or no exchange on this filesystem), a plain rename. */
		if (renameat2(AT_FDCWD, s->spare, AT_FDCWD, s->path, RENAME_EXCHANGE) < 0 &&
		    ((errno != ENOENT && errno != EINVAL) || rename(s->spare, s->path) < 0))
			r = -errno;
		else
			moved = true;
		/* Left in place on failure: not visible, written over next. */
		s->spare_made = false;
	}
	if (s->tmp_made) {
		if (rename(s->tmp, s->path) < 0) {
			r = -errno;
			ldb_status_discard(s);
		} else {
			moved = true;
		}
	}
	s->tmp_made = false;
	if (moved)
		sync_dir(s->dir);
	return r;
}

void ldb_status_discard(struct ldb_status *s)
{
	if (s->tmp_made)
		unlink(s->tmp);
	s->tmp_made = false;
	s->spare_made = false; /* not visible: written over by the next event */
}

int ldb_status_forget(MDB_txn *txn, const struct ldb_dbis *dbis, const char *bridge)
{
	char key[sizeof(LDB_META_STATUS) + sizeof(LDB_META_IMPORTED) + LDB_IFNAME_MAX];
	const char *prefixes[] = {LDB_META_STATUS, LDB_META_IMPORTED};
	struct ldb_status s;
	int r;

	r = ldb_status_begin(&s, txn, dbis, "/", bridge);
	if (r == 0)
		r = clear_prefix(&s, s.rec);
	if (r == 0)
		r = clear_prefix(&s, s.byip);
	for (size_t i = 0; r == 0 && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		MDB_val k = {(size_t)snprintf(key, sizeof(key), "%s%s", prefixes[i], bridge), key};

		r = ldb_mdb_errno(mdb_del(txn, dbis->meta, &k, NULL));
		if (r == -ENOENT)
			r = 0;
	}
	return r;
}

int ldb_status_lock(const char *master_dir)
{
	char path[PATH_MAX];
	int fd, n = snprintf(path, sizeof(path), "%s/status.lock", master_dir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int ldb_status_spare_drop(const char *master_dir, const char *bridge)
{
	char path[PATH_MAX];
	int lock, r = 0, n = snprintf(path, sizeof(path), "%s/%s.status.spare", master_dir, bridge);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	lock = ldb_status_lock(master_dir);
	if (unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	if (lock >= 0)
		close(lock);
	return r;
}
