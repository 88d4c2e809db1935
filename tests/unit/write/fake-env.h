/* A dnsmasq environment for ldb_event_parse() in the unit tests: fake_env
 * is a NULL-terminated list of "NAME=value". */
#ifndef LDB_TEST_FAKE_ENV_H
#define LDB_TEST_FAKE_ENV_H

#include <string.h>

static const char **fake_env;

static const char *getenv_fake(const char *name)
{
	size_t n = strlen(name);

	for (const char **e = fake_env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

#endif
