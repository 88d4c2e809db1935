#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/name.h"
#include "write/event.h"
#include "write/validate.h"

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static enum ldb_action action_of(const char *s)
{
	if (strcmp(s, "add") == 0)
		return LDB_ACTION_ADD;
	if (strcmp(s, "old") == 0)
		return LDB_ACTION_OLD;
	if (strcmp(s, "del") == 0)
		return LDB_ACTION_DEL;
	if (strcmp(s, "init") == 0)
		return LDB_ACTION_INIT;
	return LDB_ACTION_IGNORE;
}

static const char *nonempty(ldb_getenv_fn env, const char *name)
{
	const char *v = env(name);

	return v && *v ? v : NULL;
}

int ldb_event_iface(ldb_getenv_fn env, const char **iface)
{
	/* libvirt exports the bridge because dnsmasq omits the interface on
	 * startup and del calls. */
	*iface = nonempty(env, "DNSMASQ_INTERFACE");
	if (!*iface)
		*iface = nonempty(env, "VIR_BRIDGE_NAME");
	return *iface && ldb_parse_ifname(*iface) < 0 ? -EINVAL : 0;
}

/* The environment dnsmasq sets for both families. */
static int parse_common(ldb_getenv_fn env, struct ldb_event *ev, char *err, size_t errlen)
{
	struct ldb_lease *l = &ev->lease;
	const char *v;

	v = env("DNSMASQ_LEASE_EXPIRES");
	if (v && ldb_parse_expiry(v, &l->expiry) < 0)
		return bad(err, errlen, "invalid DNSMASQ_LEASE_EXPIRES '%s'", v);

	v = nonempty(env, "DNSMASQ_DOMAIN");
	if (v) {
		l->domain = ldb_str_from(v);
		if (!ldb_name_valid_domain(l->domain))
			return bad(err, errlen, "invalid DNSMASQ_DOMAIN '%s'", v);
	}

	if (ldb_event_iface(env, &v) < 0)
		return bad(err, errlen, "invalid %s '%s'",
		           nonempty(env, "DNSMASQ_INTERFACE") ? "DNSMASQ_INTERFACE"
		                                              : "VIR_BRIDGE_NAME",
		           v);
	if (v) {
		l->iface = ldb_str_from(v);
		ev->have_iface = true;
	}
	return 0;
}

static int parse_v4(const char *id, ldb_getenv_fn env, struct ldb_event *ev, char *err,
                    size_t errlen)
{
	const char *v;

	if (ldb_parse_mac(id, ev->mac) < 0)
		return bad(err, errlen, "invalid MAC address '%s'", id);
	ev->lease.mac = ldb_str_from(ev->mac);
	ev->have_mac = true;

	v = nonempty(env, "DNSMASQ_CLIENT_ID");
	if (v) {
		if (ldb_parse_hexid(v, LDB_CLIENTID_MAX_OCTETS, ev->client_id) < 0)
			return bad(err, errlen, "invalid DNSMASQ_CLIENT_ID '%s'", v);
		ev->lease.client_id = ldb_str_from(ev->client_id);
	}
	return 0;
}

static int parse_v6(const char *id, ldb_getenv_fn env, struct ldb_event *ev, char *err,
                    size_t errlen)
{
	struct ldb_lease *l = &ev->lease;
	const char *v;
	int temporary;

	if (ldb_parse_hexid(id, LDB_DUID_MAX_OCTETS, ev->client_id) < 0)
		return bad(err, errlen, "invalid client DUID '%s'", id);
	l->client_id = ldb_str_from(ev->client_id);

	v = nonempty(env, "DNSMASQ_MAC");
	if (v) {
		if (ldb_parse_mac(v, ev->mac) < 0)
			return bad(err, errlen, "invalid DNSMASQ_MAC '%s'", v);
		l->mac = ldb_str_from(ev->mac);
		ev->have_mac = true;
	}
	v = nonempty(env, "DNSMASQ_IAID");
	if (v) {
		if (ldb_parse_iaid(v, &l->iaid, &temporary) < 0)
			return bad(err, errlen, "invalid DNSMASQ_IAID '%s'", v);
		l->flags |= LDB_LEASE_HAS_IAID | (temporary ? LDB_LEASE_TEMPORARY : 0);
		ev->iaid_text = v;
	}
	v = nonempty(env, "DNSMASQ_SERVER_DUID");
	if (v) {
		if (ldb_parse_hexid(v, LDB_DUID_MAX_OCTETS, ev->duid) < 0)
			return bad(err, errlen, "invalid DNSMASQ_SERVER_DUID '%s'", v);
		l->server_duid = ldb_str_from(ev->duid);
	}
	return 0;
}

/* argv[4] is the name dnsmasq accepted; DNSMASQ_SUPPLIED_HOSTNAME is what
 * the client sent, used (as libvirt does) only when argv has none and only
 * if it is a valid name, since dnsmasq may have refused it already. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int parse_hostname(const char *arg, ldb_getenv_fn env, struct ldb_event *ev, char *err,
                          size_t errlen)
{
	const char *sup;
	struct ldb_str h;

	if (arg && *arg) {
		h = ldb_str_from(arg);
		if (!ldb_name_valid_label(h))
			return bad(err, errlen, "invalid hostname '%s'", arg);
		ev->lease.hostname = h;
		ev->status_hostname = arg;
		return 0;
	}
	sup = nonempty(env, "DNSMASQ_SUPPLIED_HOSTNAME");
	h = ldb_str_from(sup);
	if (h.len && ldb_name_valid_label(h))
		ev->lease.hostname = h;
	/* libvirt's helper keeps whatever the client sent, else the name
	 * the lease had before this change. */
	if (!sup)
		sup = nonempty(env, "DNSMASQ_OLD_HOSTNAME");
	if (sup && printable(sup))
		ev->status_hostname = sup;
	return 0;
}

int ldb_event_parse(int nargs, char *const args[], ldb_getenv_fn env, struct ldb_event *ev,
                    char *err, size_t errlen)
{
	char self[LDB_HOSTNAME_MAX + 1];
	int family, r;

	memset(ev, 0, sizeof(*ev));
	if (nargs < 1) {
		snprintf(err, errlen, "missing action");
		return -E2BIG;
	}
	ev->action = action_of(args[0]);
	switch (ev->action) {
	case LDB_ACTION_IGNORE:
		return 0;
	case LDB_ACTION_INIT:
		if (nargs != 1) {
			snprintf(err, errlen, "init takes no arguments");
			return -E2BIG;
		}
		/* Only the bridge matters: it selects the leases to print. */
		return parse_common(env, ev, err, errlen);
	default:
		break;
	}
	if (nargs < 3 || nargs > 4) {
		snprintf(err, errlen, "%s expects MAC|DUID ADDRESS [HOSTNAME]", args[0]);
		return -E2BIG;
	}
	if (ldb_parse_addr(args[2], &family, ev->lease.addr) < 0)
		return bad(err, errlen, "invalid IP address '%s'", args[2]);
	ev->addr_text = args[2];
	ev->lease.family = (uint8_t)family;

	r = family == AF_INET ? parse_v4(args[1], env, ev, err, errlen)
	                      : parse_v6(args[1], env, ev, err, errlen);
	if (r == 0)
		r = parse_hostname(nargs == 4 ? args[3] : NULL, env, ev, err, errlen);
	/* A guest calling itself localhost, wpad, this host... is not
	 * believed; its lease is still recorded, without the name. */
	if (r == 0 && ev->lease.hostname.len) {
		ldb_self_name(self);
		if (ldb_name_reserved(ev->lease.hostname, self)) {
			ev->reserved = ev->lease.hostname.p;
			ev->lease.hostname = LDB_STR_NULL;
		}
	}
	if (r == 0)
		r = parse_common(env, ev, err, errlen);
	return r;
}
