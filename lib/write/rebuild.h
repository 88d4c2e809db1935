/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rebuilding the master from what survives it: the published snapshot,
 * libvirt's .status and .macs files. One home for lease-db-admin rebuild
 * and the helper's automatic rebuild of a missing master. */
#ifndef LDB_WRITE_REBUILD_H
#define LDB_WRITE_REBUILD_H

#include <stdbool.h>
#include <stdio.h>

struct ldb_rebuild_opts {
	bool dry_run;          /* build in a scratch directory, change nothing */
	bool without_snapshot; /* ignore the published snapshot */
	bool snapshot_only;    /* no .status, no .macs: the snapshot alone */
	FILE *report;          /* one line per source used */
};

/* Build a new master in a directory of its own inside dir (first removing
 * the .rebuild.* directories killed rebuilds left behind: ours, not in
 * use) and put it in place of dir's data file: the old one, when exists,
 * stays beside it as data.mdb.damaged-<time>, whose name goes to aside.
 * Leases come from the snapshot, and for a bridge whose .status is newer
 * than the snapshot (or holds leases it lacks) from the .status file,
 * never with the .status file's hostname (it holds the names dnsmasq
 * refused too): a lease keeps the snapshot's name when the snapshot has
 * it for the same client. Errors are printed on stderr, named. 0 done,
 * -EEXIST a master appeared meanwhile (left alone), another negative
 * errno. The caller publishes. */
int ldb_rebuild(const char *dir, const struct ldb_rebuild_opts *o, bool exists, char *aside,
                size_t asize);

/* Whether the published snapshot came from a master (its counter file
 * records a master identity) and can be read: a missing master is then
 * rebuilt from it rather than started empty over its leases. */
bool ldb_rebuild_snapshot_has_master(const char *snapshot);

/* Remove the .rebuild.XXXXXX directories in dir that a killed rebuild
 * left: owned by this user, not locked by a running rebuild. */
void ldb_rebuild_clean(const char *dir);

#endif
