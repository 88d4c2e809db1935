/*
 * Run a command and SIGKILL it after a random delay, as a crash would:
 *   killer MAX_US SEED CMD [ARG...]
 * Prints "exit N" if the command finished first, "killed" otherwise.
 */
#include "config.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char *argv[])
{
	long max_us;
	struct timespec d;
	pid_t pid;
	int st;
	long us;

	if (argc < 4)
		return 2;
	max_us = atol(argv[1]);
	srandom((unsigned)atol(argv[2]));
	us = max_us > 0 ? random() % max_us : 0;
	if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0)
		return 2;
	d.tv_sec = us / 1000000;
	d.tv_nsec = (us % 1000000) * 1000;
	nanosleep(&d, NULL);
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	if (WIFEXITED(st))
		printf("exit %d\n", WEXITSTATUS(st));
	else
		printf("killed\n");
	return 0;
}
