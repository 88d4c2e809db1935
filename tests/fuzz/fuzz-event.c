/* libFuzzer: the helper's argv + environment parsing. Input: NUL-separated
 * fields; the first byte's low bits give the argument count, the rest of
 * the fields are KEY=VALUE environment entries. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "write/event.h"

static char *fields[64];
static int nfields;

static const char *getenv_fuzz(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < nfields; i++)
		if (strncmp(fields[i], name, n) == 0 && fields[i][n] == '=')
			return fields[i] + n + 1;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldb_event ev;
	char *buf, *p, err[256];
	int nargs;

	if (size < 1)
		return 0;
	nargs = data[0] % 6;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	nfields = 0;
	for (p = buf; p < buf + size - 1 && nfields < 64; p += strlen(p) + 1)
		fields[nfields++] = p;
	if (nargs > nfields)
		nargs = nfields;
	if (ldb_event_parse(nargs, fields, getenv_fuzz, &ev, err, sizeof(err)) == 0) {
		/* Whatever parsed must encode. */
		uint8_t rec[4096];
		if (ev.action == LDB_ACTION_ADD &&
		    ldb_record_encode(&ev.lease, rec, sizeof(rec)) < 0)
			abort();
	}
	/* Let the next input's fields not alias this buffer. */
	nfields = 0;
	free(buf);
	return 0;
}
