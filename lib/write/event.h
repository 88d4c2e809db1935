/* One dnsmasq script call, parsed and validated. */
#ifndef LDB_WRITE_EVENT_H
#define LDB_WRITE_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"

enum ldb_action {
	LDB_ACTION_IGNORE, /* tftp, arp-add, relay-snoop, anything newer */
	LDB_ACTION_ADD,
	LDB_ACTION_OLD,
	LDB_ACTION_DEL,
	LDB_ACTION_INIT,
};

/* A field the event carried that lease-db does not serve: it is left out
 * of the lease (a client DUID is cut), which is recorded all the same. */
struct ldb_event_dropped {
	const char *field; /* "hostname", "DNSMASQ_DOMAIN", ... */
	const char *value; /* as given */
	const char *why;   /* "is reserved, left out", ... */
};

#define LDB_EVENT_MAX_DROPPED 8

struct ldb_event {
	enum ldb_action action;
	struct ldb_lease lease; /* strings point into the buffers below or the environment */
	bool have_iface;        /* else keep the stored lease's */
	bool have_mac;          /* IPv6: a valid DNSMASQ_MAC was set */
	/* As given, for <bridge>.status: libvirt's helper writes them as they
	 * come, valid or not. NULL when absent. */
	const char *addr_text;        /* argv's address */
	const char *iaid_text;        /* DNSMASQ_IAID */
	const char *mac_text;         /* IPv4: argv's MAC; IPv6: DNSMASQ_MAC */
	const char *client_id_text;   /* IPv4: DNSMASQ_CLIENT_ID; IPv6: argv's client DUID */
	const char *server_duid_text; /* DNSMASQ_SERVER_DUID */
	const char *status_hostname;  /* argv's, else DNSMASQ_SUPPLIED_ or _OLD_HOSTNAME */
	struct ldb_event_dropped dropped[LDB_EVENT_MAX_DROPPED];
	unsigned ndropped;
	char mac[LDB_MAC_MAX + 1];
	char client_id[LDB_HEXID_MAX + 1];
	char duid[LDB_HEXID_MAX + 1];
};

typedef const char *(*ldb_getenv_fn)(const char *name);

/* Parse the positional arguments dnsmasq passes (args[0] is the action)
 * and the DNSMASQ_* environment. An event is refused only when its lease
 * cannot be identified: a bad MAC (IPv4) or client DUID (IPv6), address,
 * expiry or interface gives -EINVAL and a message naming the field in
 * err; a wrong argument count is -E2BIG. Any other field that does not
 * validate is left out of the lease and listed in ev->dropped. Only the
 * hostname argument, the name dnsmasq accepted, can become the lease's
 * name; DNSMASQ_SUPPLIED_HOSTNAME and DNSMASQ_OLD_HOSTNAME only go to
 * ev->status_hostname. */
int ldb_event_parse(int nargs, char *const args[], ldb_getenv_fn env, struct ldb_event *ev,
                    char *err, size_t errlen);

/* The interface an event is about, as dnsmasq or libvirt names it:
 * DNSMASQ_INTERFACE, else VIR_BRIDGE_NAME; NULL when neither is set.
 * -EINVAL (with *iface the invalid value) when it is not a valid name. */
int ldb_event_iface(ldb_getenv_fn env, const char **iface);

/* One line (no newline) saying which fields the lease was recorded
 * without, and why, into buf; "" when none was dropped. */
void ldb_event_dropped_text(const struct ldb_event *ev, char *buf, size_t size);

#endif
