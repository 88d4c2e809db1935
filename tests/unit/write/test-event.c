/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ldb_event_parse(): which events are refused, which fields are left out
 * of the lease, and what goes to <bridge>.status. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "write/event.h"
#include "tests/unit/tap.h"
#include "tests/unit/write/fake-env.h"

static char err[256];

static int parse(const char **env, int nargs, char *const *args, struct ldb_event *ev)
{
	fake_env = env;
	err[0] = '\0';
	return ldb_event_parse(nargs, args, getenv_fake, ev, err, sizeof(err));
}

static void is_str(const char *got, const char *want, const char *what)
{
	if (!ok(strcmp(got, want) == 0, "%s", what))
		printf("#   got:  %s\n#   want: %s\n", got, want);
}

static bool str_is(struct ldb_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* n octets of colon hex, as dnsmasq prints a DUID; cut: its trailing ':'. */
static char *hex(char *buf, unsigned n, bool cut)
{
	char *p = buf;

	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, "%02x%s", (i * 7) & 0xff, i + 1 < n || cut ? ":" : "");
	return buf;
}

static void hostnames(void)
{
	struct ldb_event ev;
	char text[512];

	{
		char *args[] = {"add", "52:54:00:00:00:01", "10.0.0.1", "my_vm"};

		is_int(parse(NULL, 4, args, &ev), 0, "hostname my_vm: recorded");
		ok(str_is(ev.lease.hostname, "my_vm") && ev.ndropped == 0, "... and served");
	}
	{
		char *args[] = {"add", "52:54:00:00:00:01", "10.0.0.1", "trailing-"};

		is_int(parse(NULL, 4, args, &ev), 0, "hostname trailing-: recorded");
		ok(str_is(ev.lease.hostname, "trailing-") && ev.ndropped == 0, "... and served");
	}
	{
		const char *env[] = {"DNSMASQ_SUPPLIED_HOSTNAME=trusted", NULL};
		char *args[] = {"add", "52:54:00:00:00:02", "10.0.0.2"};

		is_int(parse(env, 3, args, &ev), 0, "no hostname argument, the client sent one");
		ok(ev.lease.hostname.len == 0,
		   "... DNSMASQ_SUPPLIED_HOSTNAME never becomes the name");
		ok(ev.status_hostname && strcmp(ev.status_hostname, "trusted") == 0 &&
		       ev.ndropped == 0,
		   "... it goes to .status only, with no warning");
	}
	{
		const char *env[] = {"DNSMASQ_OLD_HOSTNAME=alpha", NULL};
		char *args[] = {"old", "52:54:00:00:00:02", "10.0.0.2"};

		is_int(parse(env, 3, args, &ev), 0, "a name change, step 1");
		ok(ev.lease.hostname.len == 0 && ev.status_hostname &&
		       strcmp(ev.status_hostname, "alpha") == 0,
		   "... DNSMASQ_OLD_HOSTNAME goes to .status only");
	}
	{
		char *args[] = {"add", "52:54:00:00:00:03", "10.0.0.3", "wpad"};

		is_int(parse(NULL, 4, args, &ev), 0, "a reserved hostname: recorded");
		ok(ev.lease.hostname.len == 0 && ev.ndropped == 1 &&
		       strcmp(ev.dropped[0].why, "is reserved, left out") == 0 &&
		       strcmp(ev.status_hostname, "wpad") == 0,
		   "... without the name, one dropped field, .status keeps it");
	}
	static const char *const bad[] = {
	    "a.b",
	    "-x",
	    "_x",
	    "a b",
	    "\001x",
	    "caf\xc3\xa9",
	    "0123456789012345678901234567890123456789012345678901234567890123"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *args[] = {"add", "52:54:00:00:00:04", "10.0.0.4", (char *)bad[i]};

		ok(parse(NULL, 4, args, &ev) == 0 && ev.lease.hostname.len == 0 &&
		       ev.ndropped == 1 && strcmp(ev.status_hostname, bad[i]) == 0,
		   "hostname argument #%zu not served: the lease is recorded without it", i);
	}
	{
		const char *env[] = {"DNSMASQ_DOMAIN=lan test", "DNSMASQ_CLIENT_ID=zz:01", NULL};
		char *args[] = {"add", "52:54:00:00:00:05", "10.0.0.5", "a.b"};

		is_int(parse(env, 4, args, &ev), 0, "three bad fields: recorded");
		ldb_event_dropped_text(&ev, text, sizeof(text));
		is_str(text,
		       "DNSMASQ_CLIENT_ID 'zz:01' is not colon hex, left out; "
		       "DNSMASQ_DOMAIN 'lan test' is not a valid domain, left out; "
		       "hostname 'a.b' is not a name lease-db serves, left out",
		       "... named on one line");
		ok(ev.lease.domain.len == 0 && ev.lease.client_id.len == 0 &&
		       strcmp(ev.client_id_text, "zz:01") == 0,
		   "... left out of the lease, kept for .status");
	}
	{
		char *args[] = {"add", "52:54:00:00:00:06", "10.0.0.6", "\001\\x\n"};

		parse(NULL, 4, args, &ev);
		ldb_event_dropped_text(&ev, text, sizeof(text));
		is_str(text, "hostname '\\x01\\x\\x0a' is not a name lease-db serves, left out",
		       "control bytes are escaped in the message (ldb_str_sanitize)");
	}
	{
		char *args[] = {"add", "52:54:00:00:00:07", "10.0.0.7",
		                "a\xc2\x9b"
		                "2J\x9b"
		                "b"};

		parse(NULL, 4, args, &ev);
		ldb_event_dropped_text(&ev, text, sizeof(text));
		is_str(text,
		       "hostname 'a\\xc2\\x9b2J\\x9bb' is not a name lease-db serves, left out",
		       "C1 controls, as bytes and in UTF-8, are escaped in the message");
	}
	{
		char *args[] = {"add", "\x1b[2J\xc2\x9b", "10.0.0.8", "x"};
		is_int(parse(NULL, 4, args, &ev), -EINVAL, "a MAC with controls is refused");
		is_str(err, "invalid MAC address '\\x1b[2J\\xc2\\x9b'",
		       "the refused value is escaped in the error message");
	}
	{
		char *args[] = {
		    "add", "52:54:00:00:00:06", "10.0.0.6",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

		parse(NULL, 4, args, &ev);
		ldb_event_dropped_text(&ev, text, 40);
		ok(strlen(text) < 40 && !strchr(text, '\n'), "a short buffer: cut, one line");
	}
}

static void client_ids(void)
{
	struct ldb_event ev;
	char buf[1100], id[1000];

	{
		const char *env[] = {"DNSMASQ_CLIENT_ID=01:02", NULL};
		char *args[] = {"add", "52:54:00:00:00:07", "10.0.0.7"};

		hex(id, 256, false);
		is_int(parse(env, 3, args, &ev), 0, "IPv4 client-id accepted");
		env[0] = buf;
		snprintf(buf, sizeof(buf), "DNSMASQ_CLIENT_ID=%s", id);
		ok(parse(env, 3, args, &ev) == 0 && ev.lease.client_id.len == 0 &&
		       ev.ndropped == 1 && strcmp(ev.dropped[0].why, "is too long, left out") == 0,
		   "a 256-octet IPv4 client-id: recorded without it");
	}
	{
		const char *env[] = {"DNSMASQ_IAID=1", "DNSMASQ_MAC=52:54:00:00:00:08", NULL};
		char *args[] = {"add", hex(id, 131, false), "fd00::8", "v6"};

		ok(parse(env, 4, args, &ev) == 0 && ev.lease.client_id.len == 131 * 3 - 1 &&
		       ev.ndropped == 0,
		   "a 131-octet client DUID is recorded whole");
		args[1] = hex(id, 100, true);
		ok(parse(env, 4, args, &ev) == 0 && ev.lease.client_id.len == 100 * 3 - 1 &&
		       ev.ndropped == 0 && strcmp(ev.client_id_text, id) == 0,
		   "dnsmasq's cut form (100 octets and a ':') is accepted, the ':' dropped");
		args[1] = hex(id, 300, false);
		ok(parse(env, 4, args, &ev) == 0 && ev.lease.client_id.len == 255 * 3 - 1 &&
		       ev.ndropped == 1 && strcmp(ev.client_id_text, id) == 0,
		   "a 300-octet client DUID is cut to 255 octets, with a warning");
		args[1] = "zz";
		is_int(parse(env, 4, args, &ev), -EINVAL,
		       "a client DUID that is not hex is refused");
		ok(strstr(err, "client DUID") != NULL, "... naming it: %s", err);
		args[1] = "00::01";
		is_int(parse(env, 4, args, &ev), -EINVAL, "... and an empty octet");
	}
	{
		const char *env[] = {"DNSMASQ_IAID=x1", "DNSMASQ_MAC=zz", NULL, NULL};
		char *args[] = {"add", "00:01:02", "fd00::9", "v6"};

		snprintf(buf, sizeof(buf), "DNSMASQ_SERVER_DUID=%s", hex(id, 131, false));
		env[2] = buf;
		ok(parse(env, 4, args, &ev) == 0 && ev.ndropped == 3 && !ev.have_mac &&
		       ev.lease.mac.len == 0 && !(ev.lease.flags & LDB_LEASE_HAS_IAID) &&
		       ev.lease.server_duid.len == 0,
		   "IPv6: bad DNSMASQ_MAC, DNSMASQ_IAID, a 131-octet server DUID: recorded without "
		   "them");
		ok(strcmp(ev.mac_text, "zz") == 0 && strcmp(ev.iaid_text, "x1") == 0 &&
		       strcmp(ev.server_duid_text, id) == 0,
		   "... each kept as given for .status");
	}
}

static void refused(void)
{
	struct ldb_event ev;
	static const struct {
		const char *env, *id, *addr, *field;
	} cases[] = {
	    {NULL, "52:54:00:00:00", "10.0.0.1", "MAC"},
	    {NULL, "52:54:00:00:00:01", "10.0.0.256", "IP address"},
	    {"DNSMASQ_LEASE_EXPIRES=soon", "52:54:00:00:00:01", "10.0.0.1",
	     "DNSMASQ_LEASE_EXPIRES"},
	    {"DNSMASQ_INTERFACE=../x", "52:54:00:00:00:01", "10.0.0.1", "DNSMASQ_INTERFACE"},
	    {"VIR_BRIDGE_NAME=a b", "52:54:00:00:00:01", "10.0.0.1", "VIR_BRIDGE_NAME"},
	    {NULL, "", "fd00::1", "client DUID"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = {cases[i].env, NULL};
		char *args[] = {"add", (char *)cases[i].id, (char *)cases[i].addr, "name"};

		ok(parse(env, 4, args, &ev) == -EINVAL && strstr(err, cases[i].field),
		   "a lease that cannot be identified is refused: %s", err);
	}
}

int main(void)
{
	hostnames();
	client_ids();
	refused();
	return tap_done();
}
