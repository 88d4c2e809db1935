/*
 * Readers under writes: threads and forked children resolve names through
 * one NSS module in a tight loop while other processes publish.
 *   stress MODULE.so SERVICE SECONDS THREADS CHILDREN NAME=IPV4...
 * Every lookup of NAME must return exactly IPV4. The parent looks up once,
 * then forks CHILDREN, which keep looking up too. Prints a summary; exits 1
 * on any wrong answer or failure, or if open files, mappings or heap grew.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef enum nss_status (*gbn4_t)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                  int *, int32_t *);

static gbn4_t fn;
static int nnames;
static char **names;
static struct in_addr *want;
static volatile int stop;

struct counts {
	unsigned long lookups, wrong, failed;
};

static void lookup(int i, struct counts *c)
{
	char buf[2048];
	struct gaih_addrtuple *pat = NULL;
	int err, herr;
	enum nss_status st = fn(names[i], &pat, buf, sizeof(buf), &err, &herr, NULL);

	c->lookups++;
	if (st != NSS_STATUS_SUCCESS)
		c->failed++;
	else if (!pat || pat->next || pat->family != AF_INET || memcmp(pat->addr, &want[i], 4) != 0)
		c->wrong++;
}

static void *worker(void *p)
{
	struct counts *c = p;

	for (unsigned long n = 0; !stop; n++)
		lookup((int)(n % (unsigned long)nnames), c);
	return NULL;
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int count_maps(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Run threads for secs; report; 0 if all answers were right and nothing grew. */
static int run(const char *who, int nthreads, double secs)
{
	pthread_t th[16];
	struct counts c[16] = {{0}}, tot = {0};
	struct timespec warm = {0, 300000000},
	                d = {(time_t)secs, (long)((secs - (long)secs) * 1e9)};
	int fd0, fd1, map0, map1;
	size_t heap0, heap1;

	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, &c[i]);
	nanosleep(&warm, NULL);
	fd0 = count_dir("/proc/self/fd");
	map0 = count_maps();
	heap0 = mallinfo2().uordblks;
	nanosleep(&d, NULL);
	fd1 = count_dir("/proc/self/fd");
	map1 = count_maps();
	heap1 = mallinfo2().uordblks;
	stop = 1;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		tot.lookups += c[i].lookups;
		tot.wrong += c[i].wrong;
		tot.failed += c[i].failed;
	}
	printf("%s: %lu lookups, %lu wrong, %lu failed; fds %d->%d, maps %d->%d, heap %zu->%zu\n",
	       who, tot.lookups, tot.wrong, tot.failed, fd0, fd1, map0, map1, heap0, heap1);
	fflush(stdout);
	/* A snapshot replaced at the instant of sampling may briefly add its
	 * mappings; more than that is growth. */
	return tot.wrong || tot.failed || fd1 > fd0 + 2 || map1 > map0 + 6 || heap1 > heap0 + 65536;
}

int main(int argc, char *argv[])
{
	char sym[128];
	int nthreads, nchildren, bad = 0;
	double secs;
	void *h;

	if (argc < 7) {
		fprintf(stderr,
		        "usage: stress MODULE.so SERVICE SECONDS THREADS CHILDREN NAME=IPV4...\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname4_r", argv[2]);
	fn = h ? (gbn4_t)dlsym(h, sym) : NULL;
	if (!fn)
		return 2;
	secs = atof(argv[3]);
	nthreads = atoi(argv[4]);
	nchildren = atoi(argv[5]);
	if (nthreads < 1 || nthreads > 16)
		return 2;
	nnames = argc - 6;
	names = calloc((size_t)nnames, sizeof(*names));
	want = calloc((size_t)nnames, sizeof(*want));
	for (int i = 0; i < nnames; i++) {
		char *eq = strchr(argv[6 + i], '=');

		if (!eq || inet_pton(AF_INET, eq + 1, &want[i]) != 1)
			return 2;
		*eq = '\0';
		names[i] = argv[6 + i];
	}
	{
		struct counts first = {0};

		lookup(0, &first); /* the parent's first lookup, before fork */
		bad |= first.wrong || first.failed;
	}
	fflush(stdout);
	for (int i = 0; i < nchildren; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			char who[32];

			snprintf(who, sizeof(who), "child %d", i);
			_exit(run(who, nthreads, secs));
		}
	}
	bad |= run("parent", nthreads, secs);
	for (int i = 0; i < nchildren; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	return bad;
}
