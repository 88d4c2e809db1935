/*
 * Build a master and publish a snapshot in one transaction, for tests and
 * benchmarks that need many leases without running the helper per lease.
 *
 *   mkleases MASTER_DIR SNAPSHOT < spec   one lease per line:
 *       HOSTNAME|- ADDRESS EXPIRY [DOMAIN|- [MAC|- [IFACE]]]
 *   mkleases -n COUNT MASTER_DIR SNAPSHOT  hostN, 10.x.y.z + fdxx::, 1h
 *   -O: leave the master as a helper older than master identities did,
 *       without meta master-id
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "store/mdb-errno.h"
#include "write/master.h"
#include "write/publish.h"
#include "write/tables.h"
#include "write/validate.h"

static int put_line(MDB_txn *txn, struct ldb_master *m, char *line, unsigned lineno)
{
	char *host, *addr, *exp, *dom, *mac, *ifc, *save = NULL;
	char macbuf[LDB_MAC_MAX + 1];
	struct ldb_lease l = {0};
	int fam, r;

	host = strtok_r(line, " \t\n", &save);
	if (!host || *host == '#')
		return 0;
	addr = strtok_r(NULL, " \t\n", &save);
	exp = strtok_r(NULL, " \t\n", &save);
	dom = strtok_r(NULL, " \t\n", &save);
	mac = strtok_r(NULL, " \t\n", &save);
	ifc = strtok_r(NULL, " \t\n", &save);
	if (!addr || !exp || ldb_parse_addr(addr, &fam, l.addr) < 0 ||
	    ldb_parse_expiry(exp, &l.expiry) < 0) {
		fprintf(stderr, "mkleases: line %u: bad lease\n", lineno);
		return -EINVAL;
	}
	l.family = (uint8_t)fam;
	if (strcmp(host, "-") != 0)
		l.hostname = ldb_str_from(host);
	if (dom && strcmp(dom, "-") != 0)
		l.domain = ldb_str_from(dom);
	if (mac && strcmp(mac, "-") != 0) {
		if (ldb_parse_mac(mac, macbuf) < 0)
			return -EINVAL;
		l.mac = ldb_str_from(macbuf);
	}
	if (ifc)
		l.iface = ldb_str_from(ifc);
	r = ldb_lease_put(txn, &m->dbis, &l);
	if (r < 0)
		fprintf(stderr, "mkleases: line %u: %s\n", lineno, strerror(-r));
	return r;
}

static int generate(MDB_txn *txn, struct ldb_master *m, unsigned long count)
{
	char line[160];
	long long exp = (long long)time(NULL) + 3600;
	int r = 0;

	for (unsigned long i = 0; i < count && r == 0; i++) {
		if (i % 2 == 0)
			snprintf(line, sizeof(line),
			         "host%lu 10.%lu.%lu.%lu %lld - 52:54:%02lx:%02lx:%02lx:01", i,
			         (i >> 16) & 255, (i >> 8) & 255, i & 255, exp, (i >> 16) & 255,
			         (i >> 8) & 255, i & 255);
		else
			snprintf(line, sizeof(line), "host%lu fd00::%lx:%lx %lld", i, i >> 16,
			         i & 0xffff, exp);
		r = put_line(txn, m, line, (unsigned)i);
	}
	return r;
}

int main(int argc, char *argv[])
{
	struct ldb_master *m;
	unsigned long count = 0;
	char line[1024];
	unsigned lineno = 0;
	MDB_txn *txn;
	bool no_id = false;
	int c, r;

	while ((c = getopt(argc, argv, "n:O")) != -1) {
		if (c == 'O')
			no_id = true;
		else if (c == 'n')
			count = strtoul(optarg, NULL, 10);
		else
			return 1;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: mkleases [-n COUNT] MASTER_DIR SNAPSHOT\n");
		return 1;
	}
	r = ldb_master_open_writable(argv[optind], &m);
	if (r < 0) {
		fprintf(stderr, "mkleases: %s: %s\n", argv[optind], strerror(-r));
		return 1;
	}
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, 0, &txn));
	if (r == 0) {
		if (count)
			r = generate(txn, m, count);
		else
			while (r == 0 && fgets(line, sizeof(line), stdin))
				r = put_line(txn, m, line, ++lineno);
		if (r == 0 && no_id) {
			MDB_val k = {strlen(LDB_META_MASTER_ID), (void *)LDB_META_MASTER_ID};

			r = ldb_mdb_errno(mdb_del(txn, m->dbis.meta, &k, NULL));
		}
		if (r == 0)
			r = ldb_mdb_errno(mdb_txn_commit(txn));
		else
			mdb_txn_abort(txn);
	}
	if (r == 0)
		r = ldb_publish(m, argv[optind + 1], ldb_master_txn(m));
	if (r < 0)
		fprintf(stderr, "mkleases: %s\n", strerror(-r));
	ldb_master_close(m);
	return r < 0 ? 1 : 0;
}
