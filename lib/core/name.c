#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/name.h"

static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* dnsmasq's legal_hostname(): it passes its script no other hostname. A
 * first '-' would read as an option on a command line (ssh -name). */
bool ldb_name_valid_label(struct ldb_str s)
{
	if (s.len == 0 || s.len > LDB_HOSTNAME_MAX || !is_alnum(s.p[0]))
		return false;
	for (size_t i = 1; i < s.len; i++)
		if (!is_alnum(s.p[i]) && s.p[i] != '-' && s.p[i] != '_')
			return false;
	return true;
}

bool ldb_name_valid_domain(struct ldb_str s)
{
	size_t start = 0;

	if (s.len == 0 || s.len > LDB_NAME_MAX)
		return false;
	for (size_t i = 0; i <= s.len; i++) {
		if (i == s.len || s.p[i] == '.') {
			if (!ldb_name_valid_label((struct ldb_str){s.p + start, i - start}))
				return false;
			start = i + 1;
		}
	}
	return true;
}

int ldb_name_fold(const char *name, char out[LDB_NAME_MAX + 1])
{
	size_t n = 0;

	for (; name[n]; n++) {
		if (n >= LDB_NAME_MAX + 1)
			return -EINVAL;
		if ((unsigned char)name[n] <= ' ')
			return -EINVAL;
		out[n] = fold(name[n]);
	}
	if (n > 0 && out[n - 1] == '.')
		n--;
	if (n == 0 || n > LDB_NAME_MAX)
		return -EINVAL;
	out[n] = '\0';
	return (int)n;
}

int ldb_name_canonical(const char *name, char out[LDB_NAME_MAX + 1])
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > LDB_NAME_MAX)
		return -EINVAL;
	memcpy(out, name, n);
	out[n] = '\0';
	return (int)n;
}

int ldb_name_index_key(struct ldb_str s, char out[LDB_NAME_MAX + 1])
{
	if (s.len == 0 || s.len > LDB_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++)
		out[i] = fold(s.p[i]);
	return (int)s.len;
}

bool ldb_name_equal(struct ldb_str a, struct ldb_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (fold(a.p[i]) != fold(b.p[i]))
			return false;
	return true;
}

void ldb_self_name(char out[LDB_HOSTNAME_MAX + 1])
{
	char host[256];
	size_t i;

	out[0] = '\0';
	if (gethostname(host, sizeof(host)) < 0)
		return;
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] && host[i] != '.' && i < LDB_HOSTNAME_MAX; i++)
		out[i] = fold(host[i]);
	out[i] = '\0';
}

/* The one list of labels no lease may answer for. localhost and the
 * variants distributions put in /etc/hosts would send local traffic to a
 * guest; browsers fetch proxy settings from wpad (dnsmasq's manual advises
 * ignoring it) and Windows looks up isatap for an IPv6 tunnel router.
 * ip6-allnodes, ip6-allrouters, ip6-localnet and ip6-mcastprefix are the
 * IPv6-only names of Debian's /etc/hosts: `files` answers them for IPv6
 * only, so an IPv4 lookup would fall through to a guest. */
static const char *const reserved[] = {
    "localhost",       "localhost4",   "localhost6",     "ip6-localhost",
    "ip6-loopback",    "ip6-allnodes", "ip6-allrouters", "ip6-localnet",
    "ip6-mcastprefix", "wpad",         "isatap",
};

bool ldb_name_reserved(struct ldb_str name, const char *self)
{
	const char *dot = memchr(name.p, '.', name.len);
	struct ldb_str label = {name.p, dot ? (size_t)(dot - name.p) : name.len};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (ldb_name_equal(label, ldb_str_from(reserved[i])))
			return true;
	return *self && ldb_name_equal(label, ldb_str_from(self));
}

bool ldb_name_served(struct ldb_str host, const char *self)
{
	return ldb_name_valid_label(host) && !ldb_name_reserved(host, self);
}

bool ldb_name_split(struct ldb_str name, struct ldb_str *host, struct ldb_str *domain)
{
	const char *dot = memchr(name.p, '.', name.len);

	if (!dot || dot == name.p || dot == name.p + name.len - 1)
		return false;
	host->p = name.p;
	host->len = (size_t)(dot - name.p);
	domain->p = dot + 1;
	domain->len = name.len - host->len - 1;
	return true;
}
