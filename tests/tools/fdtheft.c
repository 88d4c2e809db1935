/*
 * A daemon's start-up, as many do it: resolve a name, close every
 * descriptor above 2, open a log file (which gets descriptor 3), then keep
 * resolving. The NSS module must never close or use a descriptor the
 * daemon has taken over.
 *   fdtheft close|range LOG NAME
 * close: a loop of close() up to the descriptor limit; range:
 * close_range(3, ~0U, 0). NAME must resolve before the descriptors are
 * closed. Then "ready" on stdout, and for each name read on stdin: resolve
 * it with getaddrinfo(), append "NAME ANSWER" to the log through fd 3, and
 * print "ANSWER fd3=STATE", STATE one of ok, write-failed, closed,
 * other-file (fd 3 is no longer the log). ANSWER: the addresses separated
 * by spaces, NOTFOUND or ERROR.
 * Exit: 0 when fd 3 stayed the log throughout, 1 otherwise, 2 set-up failed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int resolve(const char *name, char *out, size_t len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0;
	int r;

	r = getaddrinfo(name, NULL, &hints, &res);
	if (r != 0) {
		snprintf(out, len, "%s", r == EAI_NONAME || r == EAI_NODATA ? "NOTFOUND" : "ERROR");
		return -1;
	}
	out[0] = '\0';
	for (ai = res; ai && n < len; ai = ai->ai_next) {
		const void *a =
		    ai->ai_family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "",
		                      inet_ntop(ai->ai_family, a, buf, sizeof(buf)) ? buf : "?");
	}
	freeaddrinfo(res);
	return 0;
}

static int close_all(const char *mode)
{
	struct rlimit rl;
	long max;

	if (strcmp(mode, "range") == 0) {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
		return close_range(3, ~0U, 0);
#else
		return (int)syscall(SYS_close_range, 3, ~0U, 0);
#endif
	}
	if (strcmp(mode, "close") != 0)
		return -1;
	/* What daemon(3)-era code does: every possible descriptor. */
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	          ? (long)rl.rlim_cur
	          : sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > (1L << 20))
		max = 1L << 20;
	for (long fd = 3; fd < max; fd++)
		close((int)fd);
	return 0;
}

static const char *fd3_state(const struct stat *log, const char *line)
{
	size_t len = strlen(line);
	struct stat st;
	ssize_t w;

	w = write(3, line, len);
	if (fstat(3, &st) < 0)
		return "closed";
	if (st.st_dev != log->st_dev || st.st_ino != log->st_ino)
		return "other-file";
	if (w < 0 || (size_t)w != len)
		return "write-failed";
	return "ok";
}

int main(int argc, char *argv[])
{
	char name[512], ans[2048], line[3072];
	struct stat log;
	int fd, bad = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: fdtheft close|range LOG NAME\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Start as init starts a daemon, with 0-2 only (not whatever the test
	 * harness left open), so the module's descriptors are the ones the
	 * log will reuse. */
	if (close_all(argv[1]) < 0) {
		printf("set-up failed: closing descriptors: %s\n", strerror(errno));
		return 2;
	}
	if (resolve(argv[3], ans, sizeof(ans)) < 0) {
		printf("set-up failed: %s: %s\n", argv[3], ans);
		return 2;
	}
	if (close_all(argv[1]) < 0) {
		printf("set-up failed: closing descriptors: %s\n", strerror(errno));
		return 2;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd != 3 || fstat(fd, &log) < 0) {
		printf("set-up failed: the log got descriptor %d, not 3\n", fd);
		return 2;
	}
	snprintf(line, sizeof(line), "started %s %s\n", argv[3], ans);
	if (strcmp(fd3_state(&log, line), "ok") != 0) {
		printf("set-up failed: cannot write the log\n");
		return 2;
	}
	printf("ready\n");
	while (fgets(name, sizeof(name), stdin)) {
		const char *state;

		name[strcspn(name, "\n")] = '\0';
		resolve(name, ans, sizeof(ans));
		snprintf(line, sizeof(line), "%s %s\n", name, ans);
		state = fd3_state(&log, line);
		bad |= strcmp(state, "ok") != 0;
		printf("%s fd3=%s\n", ans, state);
	}
	return bad;
}
