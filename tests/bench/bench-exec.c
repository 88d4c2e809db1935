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

#include "timing.h"

extern char **environ;

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
		t0 = (now_ns() / 1e3);
		if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0 ||
		    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
		t[r] = (now_ns() / 1e3) - t0;
		total += t[r];
	}
	printf("%.0f %.0f\n", median(t, (size_t)runs), total);
	free(t);
	free(args);
	return failed ? 2 : 0;
}
