/*
 * Benchmarks of one NSS module's gethostbyname4_r, called directly:
 *   bench-lookup lookup  MODULE.so SERVICE NAME CALLS   median ns per call
 *   bench-lookup threads MODULE.so SERVICE NAME THREADS MS   lookups per second
 *   bench-lookup mem     MODULE.so SERVICE NAME   KiB added: private dirty
 *                                                  (not the snapshot), snapshot RSS
 *   bench-lookup delta   MODULE.so SERVICE NAME ROUNDS CALLS CMD [ARG...]
 *       a long-running process while snapshots are published: per round,
 *       run CMD to completion (a publication; "%i" in an argument becomes
 *       the round number), time the first lookup after it, then CALLS
 *       more. Prints the median ns of the first lookup, the slowest first
 *       lookup, the median ns per lookup of the CALLS that follow, and ns
 *       per lookup of CALLS before the first round (the same process,
 *       nothing published meanwhile).
 * Prints one number (or two for mem, four for delta); the status of the
 * last call goes to stderr.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "timing.h"

typedef enum nss_status (*gbn4_t)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                  int *, int32_t *);

extern char **environ;

static gbn4_t fn;
static const char *name;
static volatile int stop;

static enum nss_status one(char *buf, size_t len)
{
	struct gaih_addrtuple *pat = NULL;
	int err, herr;

	return fn(name, &pat, buf, len, &err, &herr, NULL);
}

static void *worker(void *p)
{
	char buf[4096];
	unsigned long n = 0;

	/* Counted locally: a shared counter array would be false sharing. */
	while (!stop) {
		one(buf, sizeof(buf));
		n++;
	}
	*(unsigned long *)p = n;
	return NULL;
}

/* KiB of private dirty memory outside the snapshot's own mappings, and KiB
 * of the snapshot files resident in this process. A tmpfs page mapped by
 * one process only is reported as private dirty although it is the shared
 * page cache, hence the split. */
static void mem(long *dirty, long *snap)
{
	char line[512];
	bool in_snap = false;
	FILE *f = fopen("/proc/self/smaps", "r");
	long v;

	*dirty = *snap = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in_snap = strstr(line, "leases.mdb") != NULL;
			continue;
		}
		if (sscanf(line, "Private_Dirty: %ld kB", &v) == 1 && !in_snap)
			*dirty += v;
		if (sscanf(line, "Rss: %ld kB", &v) == 1 && in_snap)
			*snap += v;
	}
	fclose(f);
}

/* Runs argv[0..n-1] with "%i" replaced by round; 0 if it exited 0. */
static int run_cmd(char **argv, int n, int round)
{
	char *args[16], bufs[16][128];
	pid_t pid;
	int st;

	if (n < 1 || n > 15)
		return -1;
	for (int i = 0; i < n; i++) {
		char *p = strstr(argv[i], "%i");

		args[i] = argv[i];
		if (p) {
			snprintf(bufs[i], sizeof(bufs[i]), "%.*s%d%s", (int)(p - argv[i]), argv[i],
			         round, p + 2);
			args[i] = bufs[i];
		}
	}
	args[n] = NULL;
	if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0 ||
	    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int delta(int rounds, long calls, char **cmd, int ncmd, enum nss_status *st, char *buf,
                 size_t len)
{
	double *first = calloc((size_t)rounds, sizeof(double));
	double *next = calloc((size_t)rounds, sizeof(double));
	double worst = 0, before;

	if (!first || !next || rounds < 1 || calls < 1) {
		free(first);
		free(next);
		return 1;
	}
	*st = one(buf, len); /* open and map, as a process that has run a while */
	before = now_ns();
	for (long i = 0; i < calls; i++)
		*st = one(buf, len);
	before = (now_ns() - before) / (double)calls;
	for (int r = 0; r < rounds; r++) {
		double t0;

		if (run_cmd(cmd, ncmd, r) < 0) {
			fprintf(stderr, "bench-lookup: %s failed\n", cmd[0]);
			free(first);
			free(next);
			return 1;
		}
		t0 = now_ns();
		*st = one(buf, len);
		first[r] = now_ns() - t0;
		if (first[r] > worst)
			worst = first[r];
		t0 = now_ns();
		for (long i = 0; i < calls; i++)
			*st = one(buf, len);
		next[r] = (now_ns() - t0) / (double)calls;
	}
	printf("%.0f %.0f %.0f %.0f\n", median(first, (size_t)rounds), worst,
	       median(next, (size_t)rounds), before);
	free(first);
	free(next);
	return 0;
}

int main(int argc, char *argv[])
{
	char sym[128], buf[16384];
	enum nss_status st = NSS_STATUS_UNAVAIL;
	void *h;

	if (argc < 5) {
		fprintf(
		    stderr,
		    "usage: bench-lookup lookup|threads|mem|delta MODULE.so SERVICE NAME ...\n");
		return 1;
	}
	name = argv[4];
	if (strcmp(argv[1], "mem") == 0) {
		long d0, r0, d1, r1;

		/* Measure twice: the first call faults in stdio itself. */
		mem(&d0, &r0);
		mem(&d0, &r0);
		h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
		snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname4_r", argv[3]);
		fn = h ? (gbn4_t)dlsym(h, sym) : NULL;
		if (!fn)
			return 1;
		st = one(buf, sizeof(buf));
		mem(&d1, &r1);
		printf("%ld %ld\n", d1 - d0, r1 - r0);
		return st == NSS_STATUS_SUCCESS ? 0 : 2;
	}
	h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "bench-lookup: %s\n", dlerror());
		return 1;
	}
	snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname4_r", argv[3]);
	fn = (gbn4_t)dlsym(h, sym);
	if (!fn) {
		fprintf(stderr, "bench-lookup: %s not found\n", sym);
		return 1;
	}
	if (strcmp(argv[1], "lookup") == 0 && argc > 5) {
		long calls = atol(argv[5]);
		double t[BATCHES];

		if (calls < 1)
			calls = 1;
		st = one(buf, sizeof(buf)); /* warm up: open and map */
		for (int b = 0; b < BATCHES; b++) {
			double t0 = now_ns();

			for (long i = 0; i < calls; i++)
				st = one(buf, sizeof(buf));
			t[b] = (now_ns() - t0) / (double)calls;
		}
		printf("%.0f\n", median(t, BATCHES));
	} else if (strcmp(argv[1], "delta") == 0 && argc > 7) {
		if (delta(atoi(argv[5]), atol(argv[6]), argv + 7, argc - 7, &st, buf, sizeof(buf)))
			return 1;
	} else if (strcmp(argv[1], "threads") == 0 && argc > 6) {
		int n = atoi(argv[5]);
		long ms = atol(argv[6]);
		pthread_t th[64];
		unsigned long count[64] = {0}, total = 0;
		struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};

		if (n < 1 || n > 64)
			return 1;
		st = one(buf, sizeof(buf));
		for (int i = 0; i < n; i++)
			pthread_create(&th[i], NULL, worker, &count[i]);
		nanosleep(&d, NULL);
		stop = 1;
		for (int i = 0; i < n; i++) {
			pthread_join(th[i], NULL);
			total += count[i];
		}
		printf("%.0f\n", total * 1000.0 / (double)ms);
	} else {
		return 1;
	}
	fprintf(stderr, "%s\n",
	        st == NSS_STATUS_SUCCESS    ? "found"
	        : st == NSS_STATUS_NOTFOUND ? "notfound"
	                                    : "error");
	return 0;
}
