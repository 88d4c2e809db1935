/* libFuzzer: libvirt's JSON files as the helper reads them. FUZZ_MACS
 * selects the .macs reader, otherwise the .status path of an event
 * (lib/write/status.c: the file, written by someone else, imported into
 * the master as the bridge's truth; an event applied as libvirt's helper
 * would; the next file written to a temporary name and discarded). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "write/libvirt.h"
#include "write/master.h"
#include "write/status.h"

static struct ldb_master *m;
static char dir[PATH_MAX], status_path[PATH_MAX + 32];

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR"); /* fuzz.sh: its state directory, removed after */

	(void)argc;
	(void)argv;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/ldb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
	        sizeof(dir) ||
	    !mkdtemp(dir) || ldb_master_open_writable(dir, &m) < 0)
		abort();
	snprintf(status_path, sizeof(status_path), "%s/virbr0.status", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	MDB_txn *txn;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (mdb_txn_begin(m->env, NULL, 0, &txn) != 0)
		abort();
#ifdef FUZZ_MACS
	(void)err;
	ldb_macs_load(txn, &m->dbis, text, size, "fuzz.macs");
#else
	{
		char *args[] = {"add", "52:54:00:00:00:01", "192.168.122.10", "fuzz"};
		struct ldb_status st;
		struct ldb_event ev;
		FILE *f = fopen(status_path, "w");

		if (!f || fwrite(text, 1, size, f) != size || fclose(f) != 0)
			abort();
		if (ldb_status_begin(&st, txn, &m->dbis, dir, "virbr0") == 0 &&
		    ldb_status_sync(&st, err, sizeof(err)) >= 0 &&
		    ldb_event_parse(4, args, no_env, &ev, err, sizeof(err)) == 0 &&
		    ldb_status_record(&st, &ev) == 0 && ldb_status_prepare(&st) == 0)
			ldb_status_discard(&st);
	}
#endif
	mdb_txn_abort(txn);
	free(text);
	return 0;
}
