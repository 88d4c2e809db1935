#include "config.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "read/pack.h"

/* Bytes to skip so that buf + pad is aligned for a pointer. */
static size_t align_pad(const char *buf, size_t align)
{
	uintptr_t p = (uintptr_t)buf;

	return (align - p % align) % align;
}

int ldb_pack_hostent(const char *name, const char *alias, int af, const struct ldb_addrs *a,
                     struct hostent *he, char *buf, size_t buflen, char **canonp)
{
	size_t alen = af == AF_INET ? 4 : 16;
	size_t nlen = strlen(name) + 1, alialen = alias ? strlen(alias) + 1 : 0;
	size_t naliases = alias ? 1 : 0;
	size_t pad = align_pad(buf, alignof(char *));
	size_t need;
	char **addr_list, **aliases, *p;

	need = pad + (a->n + 1) * sizeof(char *) + (naliases + 1) * sizeof(char *) + a->n * alen +
	       nlen + alialen;
	if (buflen < need)
		return -ERANGE;

	addr_list = (char **)(void *)(buf + pad);
	aliases = addr_list + a->n + 1;
	p = (char *)(aliases + naliases + 1);
	for (size_t i = 0; i < a->n; i++) {
		memcpy(p, a->v[i].addr, alen);
		addr_list[i] = p;
		p += alen;
	}
	addr_list[a->n] = NULL;
	memcpy(p, name, nlen);
	he->h_name = p;
	p += nlen;
	if (alias) {
		memcpy(p, alias, alialen);
		aliases[0] = p;
	}
	aliases[naliases] = NULL;

	he->h_aliases = aliases;
	he->h_addrtype = af;
	he->h_length = (int)alen;
	he->h_addr_list = addr_list;
	if (canonp)
		*canonp = he->h_name;
	return 0;
}

int ldb_pack_gaih(const char *name, const struct ldb_addrs *a, struct gaih_addrtuple **pat,
                  char *buf, size_t buflen)
{
	size_t nlen = strlen(name) + 1;
	size_t pad = align_pad(buf, alignof(struct gaih_addrtuple));
	size_t need = pad + a->n * sizeof(struct gaih_addrtuple) + nlen;
	struct gaih_addrtuple *t;
	char *p;

	if (a->n == 0)
		return -ENOENT;
	if (buflen < need)
		return -ERANGE;

	t = (struct gaih_addrtuple *)(void *)(buf + pad);
	p = (char *)(t + a->n);
	memcpy(p, name, nlen);
	for (size_t i = 0; i < a->n; i++) {
		t[i].next = i + 1 < a->n ? &t[i + 1] : NULL;
		t[i].name = p;
		t[i].family = a->v[i].family;
		memcpy(t[i].addr, a->v[i].addr, 16);
		t[i].scopeid = 0;
	}
	if (*pat)
		**pat = t[0];
	else
		*pat = t;
	return 0;
}
