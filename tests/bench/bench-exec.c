/*
 * Median wall-clock microseconds of running a command to completion, as
 * dnsmasq runs its script (fork, exec, wait):  bench-exec RUNS CMD [ARG...]
 * In CMD's arguments, "%i" is replaced by the run number, so each run can
 * be a different lease. Exits non-zero if any run failed.
 */
#include "config.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
	int runs, failed = 0, n;
	double *t, total = 0;
	char **args;

	if (argc < 3)
		return 1;
	runs = atoi(argv[1]);
	n = argc - 2;
	t = calloc((size_t)runs, sizeof(*t));
	args = calloc((size_t)n + 1, sizeof(*args));
	if (!t || !args || runs < 1)
		return 1;
	for (int r = 0; r < runs; r++) {
		char bufs[8][64];
		pid_t pid;
		int st, nb = 0;
		double t0;

		for (int i = 0; i < n; i++) {
			char *p = strstr(argv[2 + i], "%i");

			args[i] = argv[2 + i];
			if (p && nb < 8) {
				snprintf(bufs[nb], sizeof(bufs[nb]), "%.*s%d%s",
				         (int)(p - argv[2 + i]), argv[2 + i], r, p + 2);
				args[i] = bufs[nb++];
			}
		}
		t0 = now_us();
		if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0 ||
		    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
		t[r] = now_us() - t0;
		total += t[r];
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("%.0f %.0f\n", t[runs / 2], total);
	free(t);
	free(args);
	return failed ? 2 : 0;
}
