/*
 * Median nanoseconds of one getaddrinfo() + freeaddrinfo() through the
 * process's nsswitch.conf:  bench-gai NAME CALLS
 */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

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
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	double t[BATCHES];
	long calls;
	int r = 0;

	if (argc != 3)
		return 1;
	calls = atol(argv[2]);
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		for (long i = 0; i < calls; i++) {
			r = getaddrinfo(argv[1], NULL, &hints, &res);
			if (r == 0)
				freeaddrinfo(res);
		}
		t[b] = (now_ns() - t0) / (double)calls;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	printf("%.0f\n", t[BATCHES / 2]);
	fprintf(stderr, "%s\n", r == 0 ? "found" : gai_strerror(r));
	return 0;
}
