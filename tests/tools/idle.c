/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Do nothing until killed, whatever the arguments: started under another
 * name (bash's exec -a dnsmasq), it is a process that lease-db-dump --check
 * takes for a dnsmasq with that command line. With IDLE_CHILDREN=N it first
 * forks N children that do the same, with the same command line: what a
 * real dnsmasq's script process and TCP children look like. They end with
 * it (PR_SET_PDEATHSIG).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	const char *n = getenv("IDLE_CHILDREN");
	pid_t parent = getpid();

	for (long i = n ? strtol(n, NULL, 10) : 0; i > 0; i--) {
		pid_t pid = fork();

		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
				_exit(1);
			break;
		}
		if (pid < 0)
			return 1;
	}
	for (;;)
		pause();
}
