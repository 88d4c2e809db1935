#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/record.h"
#include "tests/unit/tap.h"

static struct ldb_lease sample(void)
{
	struct ldb_lease l = {0};

	l.family = AF_INET6;
	l.flags = LDB_LEASE_HAS_IAID | LDB_LEASE_TEMPORARY;
	l.iaid = 4253698968u;
	l.expiry = INT64_C(5000000000); /* past 2^32 */
	memset(l.addr, 0xfd, 16);
	l.mac = ldb_str_from("3e:f8:fd:8a:4b:98");
	l.hostname = ldb_str_from("cli1");
	l.domain = ldb_str_from("lan.test");
	l.iface = ldb_str_from("virbr0");
	l.client_id = ldb_str_from("00:01:00:01:32:96");
	l.server_duid = ldb_str_from("00:01:00:01:2c:aa:bb:cc");
	return l;
}

static int str_eq(struct ldb_str a, struct ldb_str b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

int main(void)
{
	struct ldb_lease l = sample(), d;
	unsigned char buf[2048];
	size_t size = ldb_record_size(&l);
	int n;

	n = ldb_record_encode(&l, buf, sizeof(buf));
	is_int(n, (long long)size, "encode writes exactly ldb_record_size() bytes");
	is_int(ldb_record_decode(buf, size, &d), 0, "round trip decodes");
	ok(d.family == l.family && d.flags == l.flags && d.iaid == l.iaid && d.expiry == l.expiry &&
	       memcmp(d.addr, l.addr, 16) == 0,
	   "fixed fields survive, 64-bit expiry included");
	ok(str_eq(d.mac, l.mac) && str_eq(d.hostname, l.hostname) && str_eq(d.domain, l.domain) &&
	       str_eq(d.iface, l.iface) && str_eq(d.client_id, l.client_id),
	   "string fields survive");

	is_int(ldb_record_encode(&l, buf, size - 1), -ENOBUFS, "encode refuses a short buffer");

	{
		int bad = 0;
		for (size_t cut = 0; cut < size; cut++)
			if (ldb_record_decode(buf, cut, &d) != -EBADMSG)
				bad++;
		is_int(bad, 0, "every truncation is rejected as -EBADMSG");
	}
	{
		unsigned char big[2100];
		memcpy(big, buf, size);
		big[size] = 0;
		is_int(ldb_record_decode(big, size + 1, &d), -EBADMSG,
		       "trailing garbage (half a field length) rejected");
		/* A newer writer's extra fields: u16 length + bytes each. */
		memcpy(big + size,
		       "\x03\x00"
		       "abc"
		       "\x00\x00",
		       7);
		is_int(ldb_record_decode(big, size + 7, &d), 0,
		       "unknown trailing fields (compatible change) are skipped");
		ok(str_eq(d.mac, l.mac) && str_eq(d.iface, l.iface) &&
		       str_eq(d.server_duid, l.server_duid) && d.expiry == l.expiry,
		   "known fields read the same with unknown ones after them");
		is_int(ldb_record_decode(big, size + 4, &d), -EBADMSG,
		       "an unknown field longer than the record is rejected");
	}
	{
		unsigned char v[2048];
		memcpy(v, buf, size);
		v[0] = LDB_RECORD_VERSION + 1;
		is_int(ldb_record_decode(v, size, &d), -EPROTONOSUPPORT, "another version refused");
		memcpy(v, buf, size);
		v[1] = 99;
		is_int(ldb_record_decode(v, size, &d), -EBADMSG, "unknown family refused");
		memcpy(v, buf, size);
		v[15] = 0x80; /* expiry sign bit */
		is_int(ldb_record_decode(v, size, &d), -EBADMSG, "negative expiry refused");
	}
	{
		struct ldb_lease x = sample();
		x.hostname = (struct ldb_str){"a\0b", 3};
		is_int(ldb_record_encode(&x, buf, sizeof(buf)), -EINVAL, "embedded NUL refused");
		x = sample();
		x.iface = ldb_str_from("sixteen-chars-xx");
		is_int(ldb_record_encode(&x, buf, sizeof(buf)), -EINVAL, "overlong field refused");
		{
			static char duid[LDB_HEXID_MAX + 2];
			memset(duid, 'a', LDB_HEXID_MAX);
			x = sample();
			x.server_duid = ldb_str_from(duid);
			ok(ldb_record_encode(&x, buf, sizeof(buf)) > 0, "longest server DUID fits");
			duid[LDB_HEXID_MAX] = 'a';
			x.server_duid = ldb_str_from(duid);
			is_int(ldb_record_encode(&x, buf, sizeof(buf)), -EINVAL,
			       "longer server DUID refused");
		}
	}
	{
		uint8_t key[LDB_ADDRKEY_MAX], a4[16] = {10, 0, 0, 1}, out[16];
		int fam;
		size_t kl = ldb_addrkey(AF_INET, a4, key);

		is_int(kl, 5, "IPv4 key is family + 4 bytes");
		is_int(ldb_addrkey_parse(key, kl, &fam, out), 0, "IPv4 key parses");
		ok(fam == AF_INET && memcmp(out, a4, 4) == 0, "IPv4 key round trip");
		is_int(ldb_addrkey(AF_INET6, l.addr, key), 17, "IPv6 key is family + 16 bytes");
		is_int(ldb_addrkey_parse(key, 16, &fam, out), -EBADMSG, "short key refused");
	}
	{
		uint8_t k1[LDB_LEASEKEY_MAX], k2[LDB_LEASEKEY_MAX], a4[16] = {10, 0, 0, 1}, out[16];
		struct ldb_str ifc;
		size_t n1 = ldb_leasekey(AF_INET, a4, ldb_str_from("virbr0"), k1);
		size_t n2 = ldb_leasekey(AF_INET, a4, ldb_str_from("virbr1"), k2);
		int fam;

		is_int(n1, 11, "lease key: address key + interface");
		ok(n1 == n2 && memcmp(k1, k2, n1) != 0,
		   "the same address on two interfaces: two keys");
		ok(memcmp(k1, k2, 5) == 0, "... sharing the address key as their prefix");
		is_int(ldb_leasekey_parse(k2, n2, &fam, out, &ifc), 0, "lease key parses");
		ok(fam == AF_INET && memcmp(out, a4, 4) == 0 && str_eq(ifc, ldb_str_from("virbr1")),
		   "lease key round trip");
		is_int(ldb_leasekey(AF_INET, a4, LDB_STR_NULL, k1), 5,
		       "no interface: the address key alone (layout 1's key)");
		is_int(ldb_leasekey_parse(k1, 5, &fam, out, &ifc), 0, "... parses");
		is_int((long long)ifc.len, 0, "... with an empty interface");
		is_int(ldb_leasekey(AF_INET, a4, ldb_str_from("sixteen-chars-xx"), k1), 0,
		       "an overlong interface makes no key");
		is_int(ldb_leasekey_parse(k2, 4, &fam, out, &ifc), -EBADMSG, "short key refused");
		k2[7] = 0;
		is_int(ldb_leasekey_parse(k2, n2, &fam, out, &ifc), -EBADMSG,
		       "NUL in the interface refused");
	}
	return tap_done();
}
