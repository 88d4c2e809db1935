#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/name.h"
#include "tests/unit/tap.h"

static const char *const reserved[] = {
    "localhost",    "LocalHost",      "localhost.",   "localhost.localdomain",
    "localhost4",   "localhost6",     "LOCALHOST6",   "ip6-localhost",
    "ip6-loopback", "wpad",           "WPAD",         "wpad.lan.test",
    "isatap",       "isatap.lan",     "myhost",       "MyHost.example.org",
    "ip6-allnodes", "IP6-AllRouters", "ip6-localnet", "ip6-mcastprefix.lan.test",
};

static const char *const allowed[] = {
    "guest", "localhost2", "mylocalhost", "localhost-x",  "wpad2",
    "xwpad", "isatap-1",   "myhost2",     "guest.myhost", "ip6-allnodes2",
};

static int label(const char *s)
{
	return ldb_name_valid_label(ldb_str_from(s));
}

int main(void)
{
	char out[LDB_NAME_MAX + 1], long_name[300];
	struct ldb_str h, d;

	ok(label("guest4") && label("a") && label("x-1") && label("ABC"), "valid labels accepted");
	ok(label("my_vm") && label("trailing-") && label("a_") && label("9-_x"),
	   "what dnsmasq accepts: '_' anywhere but first, a final '-'");
	ok(!label("") && !label("-a") && !label("_a") && !label("a.b") && !label("a b") &&
	       !label("é") && !label("a\tb") && !label("a/b") && !label("a*") && !label("a\x7f"),
	   "invalid labels refused");
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	ok(!label(long_name), "64-character label refused");
	long_name[63] = '\0';
	ok(label(long_name), "63-character label accepted");

	ok(ldb_name_valid_domain(ldb_str_from("lan.test")), "domain accepted");
	ok(!ldb_name_valid_domain(ldb_str_from("lan..test")) &&
	       !ldb_name_valid_domain(ldb_str_from(".lan")) &&
	       !ldb_name_valid_domain(ldb_str_from("lan.")),
	   "empty labels in a domain refused");

	is_int(ldb_name_fold("MyGuest.", out), 7, "trailing dot dropped");
	ok(strcmp(out, "myguest") == 0, "ASCII folded to lower case");
	is_int(ldb_name_fold(".", out), -EINVAL, "lone dot refused");
	is_int(ldb_name_fold("", out), -EINVAL, "empty name refused");
	is_int(ldb_name_fold("a b", out), -EINVAL, "space refused");
	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	is_int(ldb_name_fold(long_name, out), -EINVAL, "254 characters refused");
	long_name[253] = '.';
	is_int(ldb_name_fold(long_name, out), 253, "253 characters plus a dot accepted");

	ok(ldb_name_equal(ldb_str_from("GuEsT"), ldb_str_from("guest")), "case-insensitive equal");
	ok(!ldb_name_equal(ldb_str_from("guest"), ldb_str_from("guest2")), "prefix is not equal");

	ok(ldb_name_split(ldb_str_from("host.lan.test"), &h, &d) && h.len == 4 && d.len == 8 &&
	       memcmp(d.p, "lan.test", 8) == 0,
	   "split at the first dot");
	ok(!ldb_name_split(ldb_str_from("host"), &h, &d), "no dot, no split");

	/* Reserved names, with "myhost" as this host: the first label counts. */
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok(ldb_name_reserved(ldb_str_from(reserved[i]), "myhost"), "'%s' is reserved",
		   reserved[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ok(!ldb_name_reserved(ldb_str_from(allowed[i]), "myhost"), "'%s' is not reserved",
		   allowed[i]);
	ok(ldb_name_served(ldb_str_from("My_VM"), "myhost") &&
	       !ldb_name_served(ldb_str_from("wpad"), "myhost") &&
	       !ldb_name_served(ldb_str_from("MyHost"), "myhost") &&
	       !ldb_name_served(ldb_str_from("a.b"), "myhost") &&
	       !ldb_name_served(LDB_STR_NULL, "myhost"),
	   "served: a valid label that is not reserved");
	ok(!ldb_name_reserved(ldb_str_from("guest"), "") &&
	       ldb_name_reserved(ldb_str_from("wpad"), ""),
	   "no host name known: only the list counts");
	return tap_done();
}
