/* libFuzzer: the snapshot reader on mutated snapshot files — open with all
 * its checks, then lookups by name, by address and a full walk. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/query.h"
#include "store/snapshot.h"

static char path[PATH_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const struct ldb_lease *l, void *p)
{
	(void)l;
	(*(unsigned long *)p)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldb_snapshot *s;
	struct ldb_view v;
	int fd;

	if (!path[0]) {
		const char *tmp = getenv("TMPDIR"); /* fuzz.sh: its state directory */

		if ((size_t)snprintf(path, sizeof(path), "%s/ldb-fuzz-snap-%d.mdb",
		                     tmp && *tmp ? tmp : "/tmp", (int)getpid()) >= sizeof(path))
			abort();
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (ldb_snapshot_open(path, &s) == 0) {
		if (ldb_snapshot_begin(s, &v) == 0) {
			static const char *names[] = {"host1", "host2", "host10", "nosuch", "a.b"};
			uint8_t addr[16] = {10, 0, 0, 1};
			struct ldb_lease l;
			unsigned long n = 0;

			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
				struct ldb_addrs a = {0};

				ldb_query_name(&v, names[i], "", LDB_WANT_INET | LDB_WANT_INET6, 1,
				               &a);
				ldb_addrs_free(&a);
				a = (struct ldb_addrs){0};
				ldb_query_guest(&v, names[i], "", LDB_WANT_INET, 1, &a);
				ldb_addrs_free(&a);
			}
			ldb_query_addr(&v, AF_INET, addr, 1, &l);
			ldb_view_foreach(&v, count, &n);
			ldb_snapshot_end(&v);
		}
		ldb_snapshot_close(s);
	}
	unlink(path);
	return 0;
}
