/*
 * Time one NSS module's gethostbyname4_r, called directly as glibc would:
 *   bench-lookup MODULE.so SERVICE NAME [CALLS]
 * Prints the median and minimum nanoseconds per call over 31 batches.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum nss_status (*gbn4_t)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                  int *, int32_t *);

#define BATCHES 31

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
	char sym[128], buf[16384];
	double t[BATCHES];
	long calls;
	enum nss_status st = NSS_STATUS_UNAVAIL;
	gbn4_t fn;
	void *h;

	if (argc < 4) {
		fprintf(stderr, "usage: bench-lookup MODULE.so SERVICE NAME [CALLS]\n");
		return 1;
	}
	calls = argc > 4 ? atol(argv[4]) : 10000;
	if (calls < 1)
		calls = 1;
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "bench-lookup: %s\n", dlerror());
		return 1;
	}
	snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname4_r", argv[2]);
	fn = (gbn4_t)dlsym(h, sym);
	if (!fn) {
		fprintf(stderr, "bench-lookup: %s not found\n", sym);
		return 1;
	}
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		for (long i = 0; i < calls; i++) {
			struct gaih_addrtuple *pat = NULL;
			int err, herr;

			st = fn(argv[3], &pat, buf, sizeof(buf), &err, &herr, NULL);
		}
		t[b] = (now_ns() - t0) / (double)calls;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	printf("%.0f %.0f %s\n", t[BATCHES / 2], t[0],
	       st == NSS_STATUS_SUCCESS    ? "found"
	       : st == NSS_STATUS_NOTFOUND ? "notfound"
	                                   : "error");
	return 0;
}
