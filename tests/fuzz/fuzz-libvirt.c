/* libFuzzer: libvirt's JSON files as the helper reads them. FUZZ_MACS
 * selects the .macs reader, otherwise the .status reader (parse, import
 * into a master, apply an event as libvirt's helper would). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "write/libvirt.h"
#include "write/master.h"

static struct ldb_master *m;

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
	char dir[PATH_MAX];

	(void)argc;
	(void)argv;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/ldb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
	        sizeof(dir) ||
	    !mkdtemp(dir) || ldb_master_open_writable(dir, &m) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	json_object *arr = NULL;
	MDB_txn *txn;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (mdb_txn_begin(m->env, NULL, 0, &txn) != 0)
		abort();
#ifdef FUZZ_MACS
	(void)arr;
	(void)err;
	ldb_macs_load(txn, &m->dbis, text, size, "fuzz.macs");
#else
	if (ldb_status_parse(text, size, &arr, err, sizeof(err)) == 0) {
		struct ldb_event ev;
		char *args[] = {"add", "52:54:00:00:00:01", "192.168.122.10", "fuzz"};
		ldb_status_import(txn, &m->dbis, arr, "virbr0");
		if (ldb_event_parse(4, args, no_env, &ev, err, sizeof(err)) == 0)
			ldb_status_apply(arr, &ev);
		json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY);
		json_object_put(arr);
	}
#endif
	mdb_txn_abort(txn);
	free(text);
	return 0;
}
