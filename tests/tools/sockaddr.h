/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test tools' one way to turn an address's text into a socket address
 * for getnameinfo(). */
#ifndef LDB_TOOLS_SOCKADDR_H
#define LDB_TOOLS_SOCKADDR_H

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* 0, or -1 when text is neither an IPv4 nor an IPv6 address. */
static inline int tool_sockaddr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

#endif
