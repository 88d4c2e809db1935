/*
 * Calls the built libnss_leasedb.so.2 directly, through dlopen like glibc,
 * on a snapshot built by mkleases: status, errno and h_errno for every
 * outcome, expiry, order, de-duplication, and every buffer size.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/tap.h"

typedef enum nss_status (*gbn4_t)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                  int *, int32_t *);
typedef enum nss_status (*gbn3_t)(const char *, int, struct hostent *, char *, size_t, int *, int *,
                                  int32_t *, char **);
typedef enum nss_status (*gbn_t)(const char *, struct hostent *, char *, size_t, int *, int *);
typedef enum nss_status (*gba2_t)(const void *, socklen_t, int, struct hostent *, char *, size_t,
                                  int *, int *, int32_t *);

static gbn4_t gbn4;
static gbn3_t gbn3;
static gbn_t gbn;
static gba2_t gba2;

static char dir[] = "/tmp/ldb-module-XXXXXX";

/* A pipe to mkleases, which adds the lines written to it and publishes. */
static FILE *mkleases(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s/tests/tools/mkleases %s/master %s/run/leases.mdb",
	         getenv("TOP_BUILDDIR"), dir, dir);
	return popen(cmd, "w");
}

static int build(long long now)
{
	FILE *p = mkleases();

	if (!p)
		return -1;
	/* "many": 40 addresses, mixed families and expiries */
	for (int i = 0; i < 20; i++)
		fprintf(p, "many 10.1.0.%d %lld\nmany fd01::%x %lld\n", i + 1, now + 100 + i, i + 1,
		        now + 1000 + i);
	fprintf(p, "order 10.2.0.1 %lld\n", now + 10);
	fprintf(p, "order 10.2.0.2 0\n");                  /* infinite: first */
	fprintf(p, "order 10.2.0.3 %lld\n", 5000000000LL); /* past 2^32: second */
	fprintf(p, "order 10.2.0.4 %lld\n", now - 10);     /* expired: never */
	fprintf(p, "Mixed 10.3.0.1 0 lan.test\n");
	fprintf(p, "old 10.4.0.1 %lld\n", now - 1);
	fprintf(p, "v6only fd04::1 0\n");
	fprintf(p, "- 10.5.0.1 0\n");
	return pclose(p) == 0 ? 0 : -1;
}

static void test_gbn4_sizes(void)
{
	static char raw[8192];
	struct gaih_addrtuple *pat;
	int err, herr, bad = 0, saved_ok;
	enum nss_status st = NSS_STATUS_TRYAGAIN;
	size_t len, n = 0;

	for (len = 0; len < sizeof(raw); len++) {
		memset(raw, 0xa5, sizeof(raw));
		pat = NULL;
		err = herr = 0;
		errno = 4242;
		st = gbn4("many", &pat, raw, len, &err, &herr, NULL);
		if (st == NSS_STATUS_SUCCESS) {
			saved_ok = errno == 4242;
			ok(saved_ok, "gethostbyname4_r leaves errno alone on success");
			break;
		}
		if (st != NSS_STATUS_TRYAGAIN || err != ERANGE || herr != NETDB_INTERNAL)
			bad++;
	}
	is_int(st, NSS_STATUS_SUCCESS, "40 addresses packed at %zu bytes", len);
	is_int(bad, 0, "every smaller buffer: TRYAGAIN, ERANGE, NETDB_INTERNAL");
	for (struct gaih_addrtuple *t = pat; t; t = t->next)
		n++;
	is_int(n, 40, "all 40 addresses returned");
	ok(pat && pat->family == AF_INET6 && pat->addr[3] == htonl(20),
	   "newest lease first (fd01::14)");
}

static int gbn3_addrs(const char *name, int af, char out[][INET6_ADDRSTRLEN], int max,
                      enum nss_status *st, int *err, int *herr)
{
	static char buf[4096];
	struct hostent he;
	char *canon = NULL;
	int n = 0;

	*st = gbn3(name, af, &he, buf, sizeof(buf), err, herr, NULL, &canon);
	if (*st != NSS_STATUS_SUCCESS)
		return -1;
	for (; he.h_addr_list[n] && n < max; n++)
		inet_ntop(he.h_addrtype, he.h_addr_list[n], out[n], INET6_ADDRSTRLEN);
	return n;
}

static int publish(const char *line)
{
	FILE *p = mkleases();

	if (!p)
		return -1;
	fputs(line, p);
	return pclose(p) == 0 ? 0 : -1;
}

static int count_many(void)
{
	char buf[8192];
	struct gaih_addrtuple *pat = NULL;
	int err, herr, n = 0;

	if (gbn4("many", &pat, buf, sizeof(buf), &err, &herr, NULL) != NSS_STATUS_SUCCESS)
		return -1;
	for (; pat; pat = pat->next)
		n++;
	return n;
}

static volatile int stop_threads;

static void *reader(void *arg)
{
	long wrong = 0, calls = 0;

	(void)arg;
	while (!stop_threads || calls < 2000) {
		if (count_many() != 40)
			wrong++;
		calls++;
	}
	return (void *)wrong;
}

/* Readers in four threads while the snapshot is republished under them. */
static void test_threads(void)
{
	pthread_t th[4];
	long wrong = 0;
	int pub = 0;

	stop_threads = 0;
	for (int i = 0; i < 4; i++) {
		int r = pthread_create(&th[i], NULL, reader, NULL);

		if (r != 0) {
			ok(0, "start reader thread %d: %s", i, strerror(r));
			stop_threads = 1;
			for (int j = 0; j < i; j++)
				pthread_join(th[j], NULL);
			return;
		}
	}
	for (int i = 0; i < 10; i++) {
		char line[64];
		snprintf(line, sizeof(line), "churn%d 10.8.0.%d 0\n", i, i + 1);
		pub += publish(line) == 0;
	}
	stop_threads = 1;
	for (int i = 0; i < 4; i++) {
		void *w;
		pthread_join(th[i], &w);
		wrong += (long)w;
	}
	is_int(pub, 10, "republished 10 times while 4 threads looked up");
	is_int(wrong, 0, "no thread saw a wrong or failed answer");
}

/* A process that forks after its first lookup keeps working in the child,
 * and the child sees snapshots published after the fork. */
static void test_fork(void)
{
	int go[2], status = -1;
	pid_t pid;

	ok(count_many() == 40, "parent looked up before fork");
	/* Without a pipe or a child nothing below can be checked: that is a
	 * failure, never a silent pass. */
	if (pipe(go) < 0) {
		ok(0, "pipe for the child: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ok(0, "fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		return;
	}
	if (pid == 0) {
		char c, a[2][INET6_ADDRSTRLEN];
		enum nss_status st;
		int err, herr, n;

		if (count_many() != 40)
			_exit(1);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		n = gbn3_addrs("afterfork", AF_INET, a, 2, &st, &err, &herr);
		_exit(n == 1 && strcmp(a[0], "10.10.0.1") == 0 ? 0 : 3);
	}
	ok(publish("afterfork 10.10.0.1 0\n") == 0, "published after fork");
	if (write(go[1], "x", 1) != 1)
		printf("# pipe write failed\n");
	if (waitpid(pid, &status, 0) != pid)
		printf("# waitpid: %s\n", strerror(errno));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "child: lookups work and see the new snapshot (status %d)", status);
	ok(count_many() == 40, "parent still answers after the child exited");
	close(go[0]);
	close(go[1]);
}

int main(void)
{
	char lib[512], a[8][INET6_ADDRSTRLEN], buf[1024];
	long long now = (long long)time(NULL);
	enum nss_status st;
	struct hostent he;
	struct gaih_addrtuple *pat;
	unsigned char addr[16];
	int err, herr, n;
	void *h;

	if (!getenv("TOP_BUILDDIR") || !mkdtemp(dir)) {
		printf("1..0 # SKIP needs TOP_BUILDDIR and a temporary directory\n");
		return 0;
	}
	snprintf(lib, sizeof(lib), "%s/run/leases.mdb", dir);
	setenv("LEASE_DB_SNAPSHOT", lib, 1);
	if (build(now) < 0) {
		printf("Bail out! mkleases failed\n");
		return 1;
	}
	snprintf(lib, sizeof(lib), "%s/nss/.libs/libnss_leasedb.so.2", getenv("TOP_BUILDDIR"));
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("Bail out! %s\n", dlerror());
		return 1;
	}
	gbn4 = (gbn4_t)dlsym(h, "_nss_leasedb_gethostbyname4_r");
	gbn3 = (gbn3_t)dlsym(h, "_nss_leasedb_gethostbyname3_r");
	gbn = (gbn_t)dlsym(h, "_nss_leasedb_gethostbyname_r");
	gba2 = (gba2_t)dlsym(h, "_nss_leasedb_gethostbyaddr2_r");
	ok(gbn4 && gbn3 && gbn && gba2 && dlsym(h, "_nss_leasedb_gethostbyname2_r") &&
	       dlsym(h, "_nss_leasedb_gethostbyaddr_r"),
	   "all six entry points exported");

	test_gbn4_sizes();

	n = gbn3_addrs("order", AF_INET, a, 8, &st, &err, &herr);
	is_int(n, 3, "expired lease dropped");
	ok(n == 3 && strcmp(a[0], "10.2.0.2") == 0 && strcmp(a[1], "10.2.0.3") == 0 &&
	       strcmp(a[2], "10.2.0.1") == 0,
	   "infinite first, then 64-bit expiry order: %s %s %s", a[0], n > 1 ? a[1] : "",
	   n > 2 ? a[2] : "");

	n = gbn3_addrs("MIXED", AF_INET, a, 8, &st, &err, &herr);
	ok(n == 1 && strcmp(a[0], "10.3.0.1") == 0, "mixed-case query matches");
	n = gbn3_addrs("mixed.LAN.test.", AF_INET, a, 8, &st, &err, &herr);
	ok(n == 1, "name.domain with trailing dot matches");
	n = gbn3_addrs("mixed.other.test", AF_INET, a, 8, &st, &err, &herr);
	ok(n < 0 && st == NSS_STATUS_NOTFOUND, "name.otherdomain does not match");

	errno = 0;
	n = gbn3_addrs("nosuchname", AF_INET, a, 8, &st, &err, &herr);
	ok(st == NSS_STATUS_NOTFOUND && err == ENOENT && herr == HOST_NOT_FOUND,
	   "unknown name: NOTFOUND, ENOENT, HOST_NOT_FOUND");
	n = gbn3_addrs("old", AF_INET, a, 8, &st, &err, &herr);
	ok(st == NSS_STATUS_NOTFOUND, "only an expired lease: NOTFOUND");
	n = gbn3_addrs("v6only", AF_INET, a, 8, &st, &err, &herr);
	ok(st == NSS_STATUS_NOTFOUND && herr == HOST_NOT_FOUND,
	   "no address of the family: NOTFOUND");
	n = gbn3_addrs("v6only", AF_INET6, a, 8, &st, &err, &herr);
	ok(n == 1 && strcmp(a[0], "fd04::1") == 0, "AF_INET6 returns the IPv6 lease");
	n = gbn3_addrs("many", AF_UNSPEC, a, 8, &st, &err, &herr);
	ok(st == NSS_STATUS_SUCCESS && strchr(a[0], '.') != NULL, "AF_UNSPEC means AF_INET");
	st = gbn3("many", AF_UNIX, &he, buf, sizeof(buf), &err, &herr, NULL, NULL);
	ok(st == NSS_STATUS_UNAVAIL && err == EAFNOSUPPORT,
	   "other families: UNAVAIL, EAFNOSUPPORT");

	st = gbn("many", &he, buf, 10, &err, &herr);
	ok(st == NSS_STATUS_TRYAGAIN && err == ERANGE && herr == NETDB_INTERNAL,
	   "gethostbyname_r, small buffer: TRYAGAIN, ERANGE, NETDB_INTERNAL");
	st = gbn("many", &he, buf, sizeof(buf), &err, &herr);
	ok(st == NSS_STATUS_SUCCESS && he.h_addrtype == AF_INET && strcmp(he.h_name, "many") == 0,
	   "gethostbyname_r returns IPv4");

	inet_pton(AF_INET, "10.3.0.1", addr);
	st = gba2(addr, 4, AF_INET, &he, buf, sizeof(buf), &err, &herr, NULL);
	ok(st == NSS_STATUS_SUCCESS && strcmp(he.h_name, "Mixed.lan.test") == 0 &&
	       he.h_aliases[0] && strcmp(he.h_aliases[0], "Mixed") == 0,
	   "reverse lookup: host.domain, host as alias");
	inet_pton(AF_INET, "10.4.0.1", addr);
	st = gba2(addr, 4, AF_INET, &he, buf, sizeof(buf), &err, &herr, NULL);
	ok(st == NSS_STATUS_NOTFOUND && herr == HOST_NOT_FOUND,
	   "reverse of an expired lease: NOTFOUND");
	inet_pton(AF_INET, "10.5.0.1", addr);
	st = gba2(addr, 4, AF_INET, &he, buf, sizeof(buf), &err, &herr, NULL);
	ok(st == NSS_STATUS_NOTFOUND, "reverse of a lease without hostname: NOTFOUND");
	st = gba2(addr, 16, AF_INET, &he, buf, sizeof(buf), &err, &herr, NULL);
	ok(st == NSS_STATUS_UNAVAIL && err == EAFNOSUPPORT, "reverse with a wrong length: UNAVAIL");
	inet_pton(AF_INET6, "fd04::1", addr);
	st = gba2(addr, 16, AF_INET6, &he, buf, 8, &err, &herr, NULL);
	ok(st == NSS_STATUS_TRYAGAIN && err == ERANGE, "reverse, small buffer: ERANGE");

	pat = NULL;
	st = gbn4("", &pat, buf, sizeof(buf), &err, &herr, NULL);
	ok(st == NSS_STATUS_NOTFOUND, "empty name: NOTFOUND");

	/* A newly published snapshot is seen by the very next call. */
	ok(publish("fresh 10.9.0.1 0\n") == 0, "published again");
	n = gbn3_addrs("fresh", AF_INET, a, 8, &st, &err, &herr);
	ok(n == 1 && strcmp(a[0], "10.9.0.1") == 0, "new snapshot seen at once");
	test_threads();
	test_fork();
	dlclose(h);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
