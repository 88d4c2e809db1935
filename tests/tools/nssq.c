/*
 * Call one NSS module's host entry point directly and print the answer on
 * one line, so two modules can be compared:
 *   nssq MODULE.so SERVICE CALL FAMILY NAME [BUFLEN]
 * CALL: 1 gethostbyname_r, 2 gethostbyname2_r, 3 gethostbyname3_r,
 * 4 gethostbyname4_r; FAMILY: inet, inet6, unspec.
 * Output: STATUS ERRNO H_ERRNO [NAME ADDRESS...]
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef enum nss_status (*gbn_t)(const char *, struct hostent *, char *, size_t, int *, int *);
typedef enum nss_status (*gbn2_t)(const char *, int, struct hostent *, char *, size_t, int *,
                                  int *);
typedef enum nss_status (*gbn3_t)(const char *, int, struct hostent *, char *, size_t, int *, int *,
                                  int32_t *, char **);
typedef enum nss_status (*gbn4_t)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                  int *, int32_t *);

static const char *status_name(enum nss_status s)
{
	switch (s) {
	case NSS_STATUS_SUCCESS:
		return "SUCCESS";
	case NSS_STATUS_NOTFOUND:
		return "NOTFOUND";
	case NSS_STATUS_UNAVAIL:
		return "UNAVAIL";
	case NSS_STATUS_TRYAGAIN:
		return "TRYAGAIN";
	default:
		return "OTHER";
	}
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "0";
	case ENOENT:
		return "ENOENT";
	case ERANGE:
		return "ERANGE";
	case ENOMEM:
		return "ENOMEM";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	default:
		return "other";
	}
}

static const char *herrno_name(int h)
{
	switch (h) {
	case 0:
		return "0";
	case HOST_NOT_FOUND:
		return "HOST_NOT_FOUND";
	case NO_DATA:
		return "NO_DATA";
	case NO_RECOVERY:
		return "NO_RECOVERY";
	case TRY_AGAIN:
		return "TRY_AGAIN";
	case NETDB_INTERNAL:
		return "NETDB_INTERNAL";
	default:
		return "other";
	}
}

int main(int argc, char *argv[])
{
	char sym[128], *buf, addr[INET6_ADDRSTRLEN];
	int af, err = 0, herr = 0, call;
	size_t buflen;
	enum nss_status st;
	struct hostent he;
	void *h, *fn;

	if (argc < 6) {
		fprintf(stderr, "usage: nssq MODULE.so SERVICE CALL FAMILY NAME [BUFLEN]\n");
		return 2;
	}
	call = atoi(argv[3]);
	af = strcmp(argv[4], "inet") == 0    ? AF_INET
	     : strcmp(argv[4], "inet6") == 0 ? AF_INET6
	                                     : AF_UNSPEC;
	buflen = argc > 6 ? (size_t)atol(argv[6]) : 65536;
	buf = malloc(buflen ? buflen : 1);
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!buf || !h) {
		fprintf(stderr, "nssq: %s\n", h ? "out of memory" : dlerror());
		return 2;
	}
	if (call == 1)
		snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname_r", argv[2]);
	else
		snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname%d_r", argv[2], call);
	fn = dlsym(h, sym);
	if (!fn) {
		fprintf(stderr, "nssq: %s not found\n", sym);
		return 2;
	}
	if (call == 4) {
		struct gaih_addrtuple *pat = NULL;

		st = ((gbn4_t)fn)(argv[5], &pat, buf, buflen, &err, &herr, NULL);
		printf("%s %s %s", status_name(st), errno_name(err), herrno_name(herr));
		if (st == NSS_STATUS_SUCCESS) {
			printf(" %s", pat ? pat->name : "-");
			for (; pat; pat = pat->next)
				printf(" %s",
				       inet_ntop(pat->family, pat->addr, addr, sizeof(addr)));
		}
	} else {
		if (call == 1)
			st = ((gbn_t)fn)(argv[5], &he, buf, buflen, &err, &herr);
		else if (call == 2)
			st = ((gbn2_t)fn)(argv[5], af, &he, buf, buflen, &err, &herr);
		else
			st = ((gbn3_t)fn)(argv[5], af, &he, buf, buflen, &err, &herr, NULL, NULL);
		printf("%s %s %s", status_name(st), errno_name(err), herrno_name(herr));
		if (st == NSS_STATUS_SUCCESS) {
			printf(" %s", he.h_name);
			for (char **a = he.h_addr_list; *a; a++)
				printf(" %s", inet_ntop(he.h_addrtype, *a, addr, sizeof(addr)));
		}
	}
	printf("\n");
	dlclose(h);
	free(buf);
	return 0;
}
