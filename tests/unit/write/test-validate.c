#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "write/event.h"
#include "write/validate.h"
#include "tests/unit/tap.h"
#include "tests/unit/write/fake-env.h"

static int parse(const char **env, int nargs, char *const *args, struct ldb_event *ev, char *err)
{
	fake_env = env;
	return ldb_event_parse(nargs, args, getenv_fake, ev, err, 256);
}

int main(void)
{
	char mac[LDB_MAC_MAX + 1], hex[800], err[256];
	uint8_t addr[16];
	int fam, temp;
	int64_t exp;
	uint32_t iaid;
	struct ldb_event ev;

	is_int(ldb_parse_mac("52:54:00:AB:cd:01", mac), 0, "MAC accepted");
	ok(strcmp(mac, "52:54:00:ab:cd:01") == 0, "MAC lower-cased");
	is_int(ldb_parse_mac("20-00:11", mac), 0, "typed hardware address accepted");
	ok(ldb_parse_mac("52:54:00:ab:cd", mac) < 0, "5-octet Ethernet address refused");
	ok(ldb_parse_mac("20-52:54:00:ab:cd:ef:01:02", mac) == 0, "8-octet typed address accepted");
	ok(ldb_parse_mac("52:54:00:ab:cd:0", mac) < 0 && ldb_parse_mac("5254.00ab", mac) < 0 &&
	       ldb_parse_mac("", mac) < 0 && ldb_parse_mac("52:54:", mac) < 0 &&
	       ldb_parse_mac("zz:54:00:ab:cd:01", mac) < 0,
	   "malformed MACs refused");
	ok(ldb_parse_mac("01-00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10", mac) < 0,
	   "17 octets refused");

	ok(ldb_parse_hexid("00:01:00:01:2c", 130, hex) == 0, "DUID accepted");
	ok(ldb_parse_hexid("00:01:0", 130, hex) < 0, "odd DUID refused");

	ok(ldb_parse_addr("10.0.0.1", &fam, addr) == 0 && fam == AF_INET, "IPv4 parsed");
	ok(ldb_parse_addr("fd77::3b", &fam, addr) == 0 && fam == AF_INET6, "IPv6 parsed");
	ok(ldb_parse_addr("10.0.0.256", &fam, addr) < 0 &&
	       ldb_parse_addr("fd77:::1", &fam, addr) < 0 && ldb_parse_addr("", &fam, addr) < 0 &&
	       ldb_parse_addr("10.0.0.1 ", &fam, addr) < 0,
	   "bad addresses refused");

	ok(ldb_parse_expiry("0", &exp) == 0 && exp == 0, "infinite expiry");
	ok(ldb_parse_expiry("9223372036854775807", &exp) == 0, "INT64_MAX expiry");
	ok(ldb_parse_expiry("9223372036854775808", &exp) < 0, "overflowing expiry refused");
	ok(ldb_parse_expiry("-1", &exp) < 0 && ldb_parse_expiry("12a", &exp) < 0 &&
	       ldb_parse_expiry("", &exp) < 0,
	   "non-numeric expiry refused");

	ok(ldb_parse_iaid("T42", &iaid, &temp) == 0 && iaid == 42 && temp, "temporary IAID");
	ok(ldb_parse_iaid("4294967296", &iaid, &temp) < 0, "IAID beyond 32 bits refused");

	ok(ldb_parse_ifname("virbr0") == 0, "interface accepted");
	ok(ldb_parse_ifname("../etc") < 0 && ldb_parse_ifname("..") < 0 &&
	       ldb_parse_ifname("a b") < 0 && ldb_parse_ifname("sixteen-chars-xx") < 0,
	   "hostile interface names refused");

	{
		const char *env[] = {"DNSMASQ_LEASE_EXPIRES=1795400733", "DNSMASQ_INTERFACE=v0",
		                     "DNSMASQ_DOMAIN=lan.test", NULL};
		char *args[] = {"add", "52:54:00:00:00:01", "10.77.0.50", "Guest4"};

		is_int(parse(env, 4, args, &ev, err), 0, "IPv4 add parses");
		ok(ev.action == LDB_ACTION_ADD && ev.lease.expiry == 1795400733 &&
		       ev.lease.hostname.len == 6 && ev.have_iface,
		   "IPv4 add fields");
	}
	{
		const char *env[] = {"DNSMASQ_IAID=T7",
		                     "DNSMASQ_MAC=3e:f8:fd:8a:4b:98",
		                     "VIR_BRIDGE_NAME=virbr1",
		                     "DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa",
		                     "DNSMASQ_SUPPLIED_HOSTNAME=cli6",
		                     NULL};
		char *args[] = {"old", "00:01:00:01:32:96", "fd77::3b"};

		is_int(parse(env, 3, args, &ev, err), 0, "IPv6 old parses");
		ok(ev.lease.family == AF_INET6 && (ev.lease.flags & LDB_LEASE_TEMPORARY) &&
		       ev.lease.iaid == 7 && ev.have_mac && ev.lease.server_duid.len == 17 &&
		       ev.lease.iface.len == 6,
		   "IPv6: IAID, MAC, server DUID, bridge");
	}
	{
		const char *env[] = {"DNSMASQ_LEASE_EXPIRES=soon", NULL};
		char *args[] = {"add", "52:54:00:00:00:01", "10.0.0.1"};

		is_int(parse(env, 3, args, &ev, err), -EINVAL, "bad expiry refused");
		ok(strstr(err, "DNSMASQ_LEASE_EXPIRES") != NULL, "message names the field: %s",
		   err);
	}
	{
		char *args[] = {"tftp", "1234", "10.0.0.1", "/boot/x"};

		is_int(parse(NULL, 4, args, &ev, err), 0, "unknown action parses");
		ok(ev.action == LDB_ACTION_IGNORE, "... and is ignored");
	}
	{
		char *args[] = {"add", "52:54:00:00:00:01"};

		is_int(parse(NULL, 2, args, &ev, err), -E2BIG, "missing address is a usage error");
	}
	return tap_done();
}
