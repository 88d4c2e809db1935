#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/name.h"
#include "core/str.h"
#include "write/event.h"
#include "write/validate.h"

/* The values quoted come from a guest (through dnsmasq): made safe for
 * the terminal or log that shows the message. */
__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	char raw[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	(void)ldb_str_sanitize(err, errlen, ldb_str_from(raw));
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

static void drop(struct ldb_event *ev, const char *field, const char *value, const char *why)
{
	if (ev->ndropped < LDB_EVENT_MAX_DROPPED)
		ev->dropped[ev->ndropped++] = (struct ldb_event_dropped){field, value, why};
}

static const char *hexid_why(int r)
{
	return r == -ERANGE ? "is too long, left out" : "is not colon hex, left out";
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
		if (ldb_name_valid_domain(ldb_str_from(v)))
			l->domain = ldb_str_from(v);
		else
			drop(ev, "DNSMASQ_DOMAIN", v, "is not a valid domain, left out");
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
	int r;

	if (ldb_parse_mac(id, ev->mac) < 0)
		return bad(err, errlen, "invalid MAC address '%s'", id);
	ev->lease.mac = ldb_str_from(ev->mac);
	ev->mac_text = id;
	ev->have_mac = true;

	v = nonempty(env, "DNSMASQ_CLIENT_ID");
	if (v) {
		ev->client_id_text = v;
		r = ldb_parse_hexid(v, LDB_CLIENTID_MAX_OCTETS, ev->client_id);
		if (r == 0)
			ev->lease.client_id = ldb_str_from(ev->client_id);
		else
			drop(ev, "DNSMASQ_CLIENT_ID", v, hexid_why(r));
	}
	return 0;
}

/* The client DUID (argv) identifies the lease; the rest may be dropped. */
static int parse_v6(const char *id, ldb_getenv_fn env, struct ldb_event *ev, char *err,
                    size_t errlen)
{
	struct ldb_lease *l = &ev->lease;
	const char *v;
	int temporary, r;

	/* Cut rather than dropped: init must hand dnsmasq a DUID back. */
	r = ldb_parse_duid(id, ev->client_id);
	if (r == -EINVAL)
		return bad(err, errlen, "invalid client DUID '%s'", id);
	ev->client_id_text = id;
	l->client_id = ldb_str_from(ev->client_id);
	if (r == -ERANGE)
		drop(ev, "client DUID", id, "is longer than 255 octets, cut to them");

	v = nonempty(env, "DNSMASQ_MAC");
	if (v) {
		ev->mac_text = v;
		if (ldb_parse_mac(v, ev->mac) == 0) {
			l->mac = ldb_str_from(ev->mac);
			ev->have_mac = true;
		} else {
			drop(ev, "DNSMASQ_MAC", v, "is not a hardware address, left out");
		}
	}
	v = nonempty(env, "DNSMASQ_IAID");
	if (v) {
		ev->iaid_text = v;
		if (ldb_parse_iaid(v, &l->iaid, &temporary) == 0)
			l->flags |= LDB_LEASE_HAS_IAID | (temporary ? LDB_LEASE_TEMPORARY : 0);
		else
			drop(ev, "DNSMASQ_IAID", v, "is not an IAID, left out");
	}
	v = nonempty(env, "DNSMASQ_SERVER_DUID");
	if (v) {
		ev->server_duid_text = v;
		r = ldb_parse_hexid(v, LDB_DUID_MAX_OCTETS, ev->duid);
		if (r == 0)
			l->server_duid = ldb_str_from(ev->duid);
		else
			drop(ev, "DNSMASQ_SERVER_DUID", v, hexid_why(r));
	}
	return 0;
}

/* argv[4] is the name dnsmasq accepted, the only one a lease may answer
 * to. Without it dnsmasq refused the client's name (a dhcp-host gives it
 * to another MAC, dhcp-ignore-names, an illegal name) or the name is
 * changing: DNSMASQ_SUPPLIED_HOSTNAME, else DNSMASQ_OLD_HOSTNAME, goes to
 * <bridge>.status only, as libvirt's helper writes it. */
static void parse_hostname(const char *arg, ldb_getenv_fn env, struct ldb_event *ev)
{
	char self[LDB_HOSTNAME_MAX + 1];
	const char *sup;
	struct ldb_str h;

	if (arg && *arg) {
		ev->status_hostname = arg;
		h = ldb_str_from(arg);
		ldb_self_name(self);
		if (ldb_name_served(h, self))
			ev->lease.hostname = h;
		else if (ldb_name_valid_label(h))
			drop(ev, "hostname", arg, "is reserved, left out");
		else
			drop(ev, "hostname", arg, "is not a name lease-db serves, left out");
		return;
	}
	sup = nonempty(env, "DNSMASQ_SUPPLIED_HOSTNAME");
	if (!sup)
		sup = nonempty(env, "DNSMASQ_OLD_HOSTNAME");
	ev->status_hostname = sup;
}

/* A value in a message: its first 64 bytes made safe to print
 * (ldb_str_sanitize), "..." when there is more. */
static size_t quote(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(s, 65), n;

	(void)ldb_str_sanitize(buf, size, (struct ldb_str){s, len > 64 ? 64 : len});
	n = strlen(buf);
	if (len > 64 && size - n > 3)
		n += (size_t)snprintf(buf + n, size - n, "...");
	return n;
}

void ldb_event_dropped_text(const struct ldb_event *ev, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned i = 0; i < ev->ndropped && n + 1 < size; i++) {
		const struct ldb_event_dropped *d = &ev->dropped[i];
		int w = snprintf(buf + n, size - n, "%s%s '", i ? "; " : "", d->field);

		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
		n += quote(buf + n, size - n, d->value);
		w = snprintf(buf + n, size - n, "' %s", d->why);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

int ldb_event_parse(int nargs, char *const args[], ldb_getenv_fn env, struct ldb_event *ev,
                    char *err, size_t errlen)
{
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
		r = parse_common(env, ev, err, errlen);
	if (r == 0)
		parse_hostname(nargs == 4 ? args[3] : NULL, env, ev);
	return r;
}
