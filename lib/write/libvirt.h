/* libvirt's lease directory: the <bridge>.status files libvirt's helper
 * keeps (and libvirtd reads for `virsh net-dhcp-leases`), and the
 * <network>.macs files that map domain names to MACs. */
#ifndef LDB_WRITE_LIBVIRT_H
#define LDB_WRITE_LIBVIRT_H

#include <json-c/json.h>
#include <lmdb.h>
#include <stdbool.h>

#include "store/files.h" /* ldb_libvirt_dir() */
#include "store/schema.h"
#include "write/event.h"

/* libvirt's lease directory as far as one event goes. */
struct ldb_libvirt_target {
	const char *dir;    /* NULL: not in use (or missing) */
	const char *bridge; /* NULL: no <bridge>.status to keep */
};

/* The directory is used when it exists and either LEASE_DB_LIBVIRT_DIR
 * named it or dnsmasq runs for libvirt (VIR_BRIDGE_NAME set); the bridge
 * is the event's interface, when it has one. With the directory missing,
 * bridge stays and dir is NULL: the master's records of a bridge it keeps
 * a file for follow the event, and no file is written. */
struct ldb_libvirt_target ldb_libvirt_target_of(const struct ldb_event *ev);

/* Parse the text of a status file: a JSON array of objects, blank text
 * being an empty one; -EBADMSG with the reason in err otherwise. */
int ldb_status_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen);

/* Add the domain -> MAC pairs of one .macs file's text; invalid entries are
 * skipped with a warning naming label. */
int ldb_macs_load(MDB_txn *txn, const struct ldb_dbis *dbis, const char *text, size_t len,
                  const char *label);

/* Read <dir>/<bridge>.status: a missing or blank file is an empty list.
 * -EBADMSG with a message in err when it is not a JSON array of objects,
 * another negative errno with one when it cannot be read (a symbolic link,
 * not a regular file, larger than 64 MiB). */
int ldb_status_load(const char *dir, const char *bridge, json_object **out, char *err,
                    size_t errlen);

/* Apply an add/old/del the way libvirt's helper does: drop the record
 * with the same ip-address, append the new one, fill in missing IPv6
 * server DUIDs. */
/* Whether an event makes a <bridge>.status record (and so replaces the
 * records of its address), as libvirt's helper decides. */
bool ldb_status_makes_record(const struct ldb_event *ev);

/* The event's server DUID as libvirt's helper writes it into the file and
 * into IPv6 records that lack one; NULL: none. */
const char *ldb_status_event_duid(const struct ldb_event *ev);

/* The record libvirt's helper appends for an add/old event (keys in its
 * order; the server DUID only when the event has one). NULL when out of
 * memory. */
json_object *ldb_status_new_record(const struct ldb_event *ev);

/* Import a status file's leases into the master, on bridge; records
 * that do not validate are skipped with a warning on stderr. A lease keeps
 * a hostname only when the master already holds that name for the same
 * lease (address, bridge, client), and keeps the master's domain: .status
 * also holds names dnsmasq refused. With replace, the bridge's leases the
 * file does not list leave the master (the file is the truth). Returns
 * how many were imported. */
int ldb_status_import(MDB_txn *txn, const struct ldb_dbis *dbis, json_object *arr,
                      const char *bridge, bool replace);

/* The record libvirt's helper would have written for the lease's last add
 * event; NULL when it writes none (an IPv6 lease without a MAC) or out of
 * memory. */
json_object *ldb_status_lease_record(const struct ldb_lease *l);

/* Has bridge's status file been imported (by ldb_status_import())? 1 yes,
 * 0 no, or a negative errno. */
int ldb_status_imported(MDB_txn *txn, const struct ldb_dbis *dbis, const char *bridge);

/* Reload the domain -> MAC index from every <network>.macs in dir when any
 * of them changed since the last call (name, size, mtime, inode). Returns 1
 * when reloaded, 0 when unchanged, or -errno. */
int ldb_guests_sync(MDB_txn *txn, const struct ldb_dbis *dbis, const char *dir);

#endif
