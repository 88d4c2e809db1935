/*
 * A thread cancelled in the middle of a lookup (pthread_cancel, deferred:
 * acted upon at the first cancellation point, such as open() or close()
 * inside the NSS module) must not take the module's lock with it: every
 * later lookup in the process would wait for ever.
 *   cancelled NAME1 NAME2
 * Resolves NAME1, prints "ready" and waits for a line on stdin (the test
 * publishes NAME2 meanwhile). Then a thread is cancelled before it looks
 * up NAME2, so the cancellation takes effect at the first cancellation
 * point of that lookup, and the main thread resolves NAME2 itself, giving
 * up after 10 s. Prints "NAME2 ANSWER" (addresses, NOTFOUND, ERROR or
 * HUNG). Exit: 0 when NAME2 resolved, 1 otherwise, 2 set-up failed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *name2;
static int go;

static int resolve(const char *name, char *out, size_t len)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	int r;

	r = getaddrinfo(name, NULL, &hints, &res);
	if (r != 0) {
		snprintf(out, len, "%s", r == EAI_NONAME || r == EAI_NODATA ? "NOTFOUND" : "ERROR");
		return -1;
	}
	if (!inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, out,
	               (socklen_t)len))
		snprintf(out, len, "?");
	freeaddrinfo(res);
	return 0;
}

static void *doomed(void *arg)
{
	char ans[64];

	(void)arg;
	/* No cancellation point here: the request waits for the lookup. */
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	resolve(name2, ans, sizeof(ans));
	return NULL;
}

static void hung(int sig)
{
	static const char msg[] = " HUNG\n";

	(void)sig;
	if (write(1, name2, strlen(name2)) < 0 || write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(int argc, char *argv[])
{
	char ans[64], line[64];
	pthread_t t;
	void *res;

	if (argc != 3) {
		fprintf(stderr, "usage: cancelled NAME1 NAME2\n");
		return 2;
	}
	name2 = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (resolve(argv[1], ans, sizeof(ans)) < 0) {
		printf("set-up failed: %s: %s\n", argv[1], ans);
		return 2;
	}
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	if (pthread_create(&t, NULL, doomed, NULL) != 0 || pthread_cancel(t) != 0) {
		printf("set-up failed: thread\n");
		return 2;
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	if (pthread_join(t, &res) != 0) {
		printf("set-up failed: join\n");
		return 2;
	}
	signal(SIGALRM, hung);
	alarm(10);
	if (resolve(name2, ans, sizeof(ans)) < 0) {
		printf("%s %s\n", name2, ans);
		return 1;
	}
	printf("%s %s\n", name2, ans);
	return 0;
}
