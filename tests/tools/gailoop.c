/*
 * A long-running resolver, as a daemon is: reads one name per line on stdin
 * and answers each through getaddrinfo() in this same process, so whatever
 * the NSS module keeps between lookups is exercised across publications.
 * A line "-r ADDRESS" asks getnameinfo() for ADDRESS's name instead.
 *   gailoop [-4|-6]
 * Answer, one line per question: the addresses in glibc's order separated
 * by spaces (or the name), or "NOTFOUND" (EAI_NONAME/EAI_NODATA), or
 * "ERROR <text>". Exits 0 at end of input.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

static void answer(const char *name, const struct addrinfo *hints)
{
	struct addrinfo *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	int r;

	r = getaddrinfo(name, NULL, hints, &res);
	if (r == EAI_NONAME || r == EAI_NODATA) {
		printf("NOTFOUND\n");
		return;
	}
	if (r != 0) {
		printf("ERROR %s\n", gai_strerror(r));
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a =
		    ai->ai_family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		printf("%s%s", ai == res ? "" : " ",
		       inet_ntop(ai->ai_family, a, buf, sizeof(buf)) ? buf : "?");
	}
	printf("\n");
	freeaddrinfo(res);
}

static void answer_reverse(const char *text)
{
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t len;
	int r;

	if (tool_sockaddr(text, &ss, &len) < 0) {
		printf("ERROR bad address\n");
		return;
	}
	r = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NAMEREQD);
	if (r == EAI_NONAME || r == EAI_NODATA)
		printf("NOTFOUND\n");
	else if (r != 0)
		printf("ERROR %s\n", gai_strerror(r));
	else
		printf("%s\n", host);
}

int main(int argc, char *argv[])
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	char line[1024];
	int c;

	while ((c = getopt(argc, argv, "46")) != -1) {
		switch (c) {
		case '4':
			hints.ai_family = AF_INET;
			break;
		case '6':
			hints.ai_family = AF_INET6;
			break;
		default:
			fprintf(stderr, "usage: gailoop [-4|-6] < names\n");
			return 3;
		}
	}
	/* The test waits for each answer before it asks again. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "-r ", 3) == 0)
			answer_reverse(line + 3);
		else
			answer(line, &hints);
	}
	return 0;
}
