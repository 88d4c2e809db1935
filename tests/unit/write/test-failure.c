/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helper's failure records (store/failure.c, write/failure.c): the
 * value's encoding, one record per interface, cleared by a success on it,
 * and the data transaction a fresh snapshot must hold while failures are
 * the master's only changes. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/failure.h"
#include "store/mdb-errno.h"
#include "tests/unit/tap.h"
#include "tests/unit/write/fake-env.h"
#include "write/failure.h"
#include "write/master.h"
#include "write/transaction.h"

static struct ldb_master *m;

struct seen {
	int n;
	char iface[4][LDB_IFNAME_MAX + 1];
	char msg[4][64];
	int64_t time[4];
};

static int collect(const struct ldb_failure *f, void *p)
{
	struct seen *s = p;

	if (s->n < 4) {
		ldb_str_copy(s->iface[s->n], sizeof(s->iface[0]), f->iface);
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%.*s", (int)f->message.len,
		         f->message.len ? f->message.p : "");
		s->time[s->n] = f->time;
	}
	s->n++;
	return 0;
}

static struct seen records(void)
{
	struct seen s = {0};
	MDB_txn *txn;

	if (mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn) == 0) {
		if (ldb_failure_foreach(txn, &m->dbis, collect, &s) < 0)
			s.n = -1;
		mdb_txn_abort(txn);
	}
	return s;
}

/* The transaction a fresh snapshot must contain, for the master as it is. */
static uint64_t data_txn(void)
{
	uint64_t d = 0;
	MDB_txn *txn;

	if (mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn) == 0) {
		if (ldb_failure_data_txn(txn, &m->dbis, mdb_txn_id(txn), &d) < 0)
			d = 0;
		mdb_txn_abort(txn);
	}
	return d;
}

/* A successful add on iface ("" for none). */
static int success(const char *iface, const char *addr)
{
	static const struct ldb_libvirt_target none;
	char ifenv[64], err[256];
	const char *env[] = {ifenv, "DNSMASQ_LEASE_EXPIRES=0", NULL};
	struct ldb_event ev;
	struct ldb_event_kept kept;
	uint64_t id;
	int r;

	snprintf(ifenv, sizeof(ifenv), "DNSMASQ_INTERFACE=%s", iface);
	fake_env = env;
	r = ldb_event_parse(3, (char *[]){"add", "52:54:00:00:00:01", (char *)addr}, getenv_fake,
	                    &ev, err, sizeof(err));
	return r < 0 ? r : ldb_event_transaction(m, &ev, &kept, &none, &id);
}

int main(void)
{
	char dir[] = "/tmp/ldb-test-failure.XXXXXX", mdir[64], cmd[96], buf[LDB_FAILURE_VALUE_MAX];
	struct ldb_failure f = {.iface = ldb_str_from("br0"),
	                        .time = 1700000000,
	                        .txn = 12,
	                        .data_txn = 9,
	                        .message = ldb_str_from("x.status: invalid JSON")},
	                   g;
	char longmsg[LDB_FAILURE_MESSAGE_MAX + 100];
	MDB_val k = {11, "failure:br0"}, v;
	uint64_t before;
	struct seen s;
	size_t len;

	/* Encoding. */
	is_int(ldb_failure_encode(&f, buf, sizeof(buf), &len), 0, "encode");
	ok(strcmp(buf, "1700000000 12 9 x.status: invalid JSON") == 0, "encoded as text: %s", buf);
	v = (MDB_val){len, buf};
	is_int(ldb_failure_decode(&k, &v, &g), 0, "decode");
	ok(g.time == f.time && g.txn == 12 && g.data_txn == 9 && ldb_str_eq(g.iface, f.iface) &&
	       ldb_str_eq(g.message, f.message),
	   "decoded as encoded");
	v = (MDB_val){5, "12 9 "};
	is_int(ldb_failure_decode(&k, &v, &g), -EBADMSG, "a value with two numbers is malformed");
	v = (MDB_val){7, "1 2 x 3"};
	is_int(ldb_failure_decode(&k, &v, &g), -EBADMSG, "so is one with a word among them");
	memset(longmsg, 'a', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	f.message = ldb_str_from(longmsg);
	is_int(ldb_failure_encode(&f, buf, sizeof(buf), &len), 0, "a long message is encoded");
	v = (MDB_val){len, buf};
	ok(ldb_failure_decode(&k, &v, &g) == 0 && g.message.len == LDB_FAILURE_MESSAGE_MAX,
	   "cut to %d bytes", LDB_FAILURE_MESSAGE_MAX);
	is_int(ldb_failure_key(ldb_str_from("0123456789abcdefg"), buf, sizeof(buf)), -ENAMETOOLONG,
	       "no key for an interface name longer than any");

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	snprintf(mdir, sizeof(mdir), "%s/master", dir);
	if (ldb_master_open_writable(mdir, &m) < 0) {
		printf("Bail out! cannot create a master in %s\n", mdir);
		return 1;
	}

	is_int(success("br0", "10.0.0.1"), 0, "a first event on br0");
	before = ldb_master_txn(m);
	is_int(data_txn(), before, "no failure: a snapshot must hold the last transaction");
	is_int(ldb_failure_record(m, ldb_str_from("br0"), 100, "first"), 0, "a failure on br0");
	is_int(ldb_failure_record(m, ldb_str_from("br0"), 200, "second"), 0, "another on br0");
	is_int(ldb_failure_record(m, ldb_str_from("br1"), 300, "on br1"), 0, "one on br1");
	is_int(ldb_failure_record(m, LDB_STR_NULL, 400, "no interface"), 0,
	       "one on an event naming none");
	ok(ldb_master_txn(m) == before + 4, "each in a transaction of its own");
	is_int(data_txn(), before, "failure records are no data: the last event's still counts");
	s = records();
	is_int(s.n, 3, "one record per interface, and the general one");
	ok(s.n == 3 && !strcmp(s.iface[0], "") && !strcmp(s.msg[0], "no interface") &&
	       !strcmp(s.iface[1], "br0") && !strcmp(s.msg[1], "second") && s.time[1] == 200 &&
	       !strcmp(s.iface[2], "br1") && !strcmp(s.msg[2], "on br1"),
	   "the last failure of each, with its time and message");

	is_int(success("br0", "10.0.0.2"), 0, "br0 succeeds");
	s = records();
	ok(s.n == 1 && !strcmp(s.iface[0], "br1"),
	   "br0's record and the general one are gone, br1's stays");
	is_int(data_txn(), ldb_master_txn(m), "the successful event is data again");
	is_int(ldb_failure_record(m, ldb_str_from("br1"), 500, "again"), 0, "br1 fails again");
	is_int(data_txn(), ldb_master_txn(m) - 1, "the record after it is not");
	is_int(success("", "10.0.0.3"), 0, "an event naming no interface succeeds");
	s = records();
	ok(s.n == 1 && !strcmp(s.iface[0], "br1"), "which does not clear br1's");
	is_int(success("br1", "10.0.0.4"), 0, "br1 succeeds");
	is_int(records().n, 0, "no record left");

	ldb_master_close(m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
