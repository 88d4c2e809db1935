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

#include "timing.h"

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
	printf("%.0f\n", median(t, BATCHES));
	fprintf(stderr, "%s\n", r == 0 ? "found" : gai_strerror(r));
	return 0;
}
