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

struct ldb_event {
	enum ldb_action action;
	struct ldb_lease lease; /* strings point into the buffers below or the environment */
	bool have_iface;        /* else keep the stored lease's */
	bool have_mac;          /* IPv6: DNSMASQ_MAC was set */
	/* As libvirt's helper would write them to <bridge>.status. */
	const char *addr_text;       /* argv's address, as given */
	const char *iaid_text;       /* DNSMASQ_IAID, as given */
	const char *status_hostname; /* argv's, else DNSMASQ_SUPPLIED_ or _OLD_HOSTNAME */
	const char *reserved;        /* a hostname refused by ldb_name_reserved() */
	char mac[LDB_MAC_MAX + 1];
	char client_id[LDB_HEXID_MAX + 1];
	char duid[LDB_HEXID_MAX + 1];
};

typedef const char *(*ldb_getenv_fn)(const char *name);

/* Parse the positional arguments dnsmasq passes (args[0] is the action)
 * and the DNSMASQ_* environment. On bad input returns -EINVAL and writes a
 * message naming the field to err; a wrong argument count is -E2BIG. */
int ldb_event_parse(int nargs, char *const args[], ldb_getenv_fn env, struct ldb_event *ev,
                    char *err, size_t errlen);

/* The interface an event is about, as dnsmasq or libvirt names it:
 * DNSMASQ_INTERFACE, else VIR_BRIDGE_NAME; NULL when neither is set.
 * -EINVAL (with *iface the invalid value) when it is not a valid name. */
int ldb_event_iface(ldb_getenv_fn env, const char **iface);

#endif
