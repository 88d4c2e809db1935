/*
 * Resolve through the real glibc resolver, as ssh does: getaddrinfo()
 * without AI_ADDRCONFIG (so results do not depend on the test host's
 * interfaces), or getnameinfo() for -r.
 *
 *   gai [-4|-6] NAME   one address per line, in glibc's order
 *   gai -r ADDRESS     the name, NI_NAMEREQD
 * Exit: 0 found, 2 not found, 3 other error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

static int reverse(const char *text)
{
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t len;
	int r;

	if (tool_sockaddr(text, &ss, &len) < 0) {
		fprintf(stderr, "gai: bad address %s\n", text);
		return 3;
	}
	r = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NAMEREQD);
	if (r != 0) {
		fprintf(stderr, "gai: %s: %s\n", text, gai_strerror(r));
		return r == EAI_NONAME ? 2 : 3;
	}
	printf("%s\n", host);
	return 0;
}

int main(int argc, char *argv[])
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int c, r;

	while ((c = getopt(argc, argv, "46r")) != -1) {
		switch (c) {
		case '4':
			hints.ai_family = AF_INET;
			break;
		case '6':
			hints.ai_family = AF_INET6;
			break;
		case 'r':
			return optind < argc ? reverse(argv[optind]) : 3;
		default:
			return 3;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: gai [-4|-6] NAME | gai -r ADDRESS\n");
		return 3;
	}
	r = getaddrinfo(argv[optind], NULL, &hints, &res);
	if (r != 0) {
		fprintf(stderr, "gai: %s: %s\n", argv[optind], gai_strerror(r));
		return (r == EAI_NONAME || r == EAI_NODATA) ? 2 : 3;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *a =
		    ai->ai_family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		printf("%s\n", inet_ntop(ai->ai_family, a, buf, sizeof(buf)));
	}
	freeaddrinfo(res);
	return 0;
}
