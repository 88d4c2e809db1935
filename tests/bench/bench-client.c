/*
 * One getaddrinfo(), as a fresh `curl NAME` or `ssh NAME` does, and exit:
 *   bench-client NAME
 * Exit: 0 found, 2 not found, 3 other error. Prints nothing, so that what
 * bench-fresh times is start-up, one lookup and exit.
 */
#include "config.h"

#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>

int main(int argc, char *argv[])
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	int r;

	if (argc != 2)
		return 3;
	r = getaddrinfo(argv[1], NULL, &hints, &res);
	if (r == 0) {
		freeaddrinfo(res);
		return 0;
	}
	return (r == EAI_NONAME || r == EAI_NODATA) ? 2 : 3;
}
