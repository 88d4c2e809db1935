/*
 * "ssh to my guest doesn't work": is each module where glibc finds it, is
 * it reached in nsswitch.conf, is the snapshot there, trusted and fresh,
 * is the master there, which dnsmasq runs lease-db-helper, and does a real
 * lookup of a known lease work.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <link.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store/counter.h"
#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/snapshot.h"
#include "store/view.h"

enum level { OK, WARN, FAIL };
static const char *level_name[] = {"ok", "warn", "FAIL"};

struct report {
	bool json;
	json_object *list;
	int failed, warned;
};

__attribute__((format(printf, 4, 5))) static void say(struct report *rep, enum level lv,
                                                      const char *check, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (lv == FAIL)
		rep->failed++;
	if (lv == WARN)
		rep->warned++;
	if (rep->json) {
		json_object *o = json_object_new_object();

		if (!o)
			return;
		json_object_object_add(o, "check", json_object_new_string(check));
		json_object_object_add(o, "status", json_object_new_string(level_name[lv]));
		json_object_object_add(o, "detail", json_object_new_string(detail));
		json_object_array_add(rep->list, o);
	} else {
		printf("%-4s  %-22s %s\n", level_name[lv], check, detail);
	}
}

/* A module as glibc loads it: by name, through the loader's search. */
static bool check_module(struct report *rep, const char *service, bool needed)
{
	char so[64], sym[96], check[64];
	struct link_map *lm = NULL;
	void *h;

	snprintf(so, sizeof(so), "libnss_%s.so.2", service);
	snprintf(sym, sizeof(sym), "_nss_%s_gethostbyname4_r", service);
	snprintf(check, sizeof(check), "module %s", service);
	h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		say(rep, needed ? FAIL : WARN, check,
		    "%s not found where glibc looks (%s); install it in glibc's library "
		    "directory and run ldconfig",
		    so, needed ? "nsswitch.conf uses it" : "only needed for libvirt domain names");
		return false;
	}
	if (!dlsym(h, sym)) {
		say(rep, FAIL, check, "%s has no %s", so, sym);
	} else {
		dlinfo(h, RTLD_DI_LINKMAP, &lm);
		say(rep, OK, check, "%s", lm && lm->l_name[0] ? lm->l_name : so);
	}
	dlclose(h);
	return true;
}

/* The hosts: line, as glibc parses it: services, each optionally followed
 * by [STATUS=action ...]. */
static void check_nsswitch(struct report *rep, bool *uses_guest)
{
	const char *path =
	    getenv("LEASE_DB_NSSWITCH") ? getenv("LEASE_DB_NSSWITCH") : "/etc/nsswitch.conf";
	char line[1024], *hosts = NULL;
	FILE *f = fopen(path, "r");

	*uses_guest = false;
	if (!f) {
		say(rep, FAIL, "nsswitch.conf", "%s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, "hosts:", 6) == 0) {
			free(hosts);
			hosts = strdup(p + 6);
		}
	}
	fclose(f);
	if (!hosts) {
		say(rep, FAIL, "nsswitch.conf", "%s has no hosts: line", path);
		return;
	}
	hosts[strcspn(hosts, "#\n")] = '\0';
	for (int guest = 0; guest < 2; guest++) {
		const char *want = guest ? "leasedb_guest" : "leasedb";
		char copy[1024], *save = NULL, *tok, blocker[128] = "";
		char check[40];
		bool found = false, in_action = false, seen_dns = false;

		snprintf(copy, sizeof(copy), "%s", hosts);
		snprintf(check, sizeof(check), "nsswitch %s", want);
		for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (tok[0] == '[' || in_action) {
				in_action = !strchr(tok, ']');
				/* Any of these ends a lookup before later services. */
				if (!blocker[0] && (strstr(tok, "NOTFOUND=return") ||
				                    strstr(tok, "!UNAVAIL=return")))
					snprintf(blocker, sizeof(blocker), "%s", tok);
				continue;
			}
			if (strcmp(tok, want) == 0) {
				found = true;
				break;
			}
			if (strcmp(tok, "dns") == 0 || strcmp(tok, "resolve") == 0)
				seen_dns = true;
		}
		if (guest)
			*uses_guest = found;
		if (!found)
			say(rep, guest ? WARN : FAIL, check, "not on the hosts: line of %s: \"%s\"",
			    path, hosts + strspn(hosts, " \t"));
		else if (blocker[0])
			say(rep, FAIL, check,
			    "never reached for unknown names: %s comes before it on the hosts: "
			    "line",
			    blocker);
		else if (seen_dns)
			say(rep, WARN, check,
			    "reached only after DNS: every guest lookup asks DNS first; put it "
			    "before dns/resolve");
		else
			say(rep, OK, check, "reached (hosts:%s)", hosts);
	}
	free(hosts);
}

static int count_lease(const struct ldb_lease *l, void *p)
{
	(void)l;
	(*(unsigned long *)p)++;
	return 0;
}

struct known {
	int64_t now;
	char name[LDB_HOSTNAME_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
};

static int pick_known(const struct ldb_lease *l, void *p)
{
	struct known *k = p;

	if (l->hostname.len == 0 || ldb_lease_expired(l->expiry, k->now))
		return 0;
	if (ldb_str_copy(k->name, sizeof(k->name), l->hostname) < 0 ||
	    !inet_ntop(l->family, l->addr, k->addr, sizeof(k->addr)))
		return 0;
	return 1;
}

static void check_snapshot(struct report *rep, struct known *k, struct ldb_counter_source *src)
{
	const char *path = ldb_snapshot_path();
	const struct ldb_counter *gen;
	struct ldb_snapshot *s;
	unsigned long n = 0;
	struct ldb_view v;
	struct stat st;
	uid_t owner;
	dev_t dev;
	ino_t ino;
	int r;

	memset(src, 0, sizeof(*src));
	r = ldb_snapshot_open(path, &s);
	if (r < 0) {
		say(rep, FAIL, "snapshot", "%s: %s", path,
		    r == -ENOENT ? "missing: no lease recorded since boot? dnsmasq's next event or "
		                   "init publishes it"
		    : r == -EPERM
		        ? "not trusted: must be owned by root and not group/other writable"
		        : strerror(-r));
		return;
	}
	r = ldb_snapshot_begin(s, &v);
	if (r == 0) {
		ldb_view_foreach(&v, count_lease, &n);
		ldb_view_foreach(&v, pick_known, k);
		ldb_snapshot_end(&v);
	}
	stat(path, &st);
	say(rep, OK, "snapshot", "%s: %lu leases, published %lld s ago%s", path, n,
	    (long long)(time(NULL) - st.st_mtime), s->delta ? " (plus a delta)" : "");
	ldb_snapshot_close(s);
	if (ldb_counter_map(path, &gen, &owner, &dev, &ino) == 0) {
		ldb_counter_source(gen, src);
		ldb_counter_unmap(gen);
	}
}

/* A master identity in hex, "none" for all zero (an older helper's). */
static const char *idhex(const uint8_t id[LDB_MASTER_ID_SIZE], char hex[2 * LDB_MASTER_ID_SIZE + 1])
{
	static const uint8_t zero[LDB_MASTER_ID_SIZE];

	if (memcmp(id, zero, sizeof(zero)) == 0)
		return "none";
	for (size_t i = 0; i < LDB_MASTER_ID_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return hex;
}

/* Fresh means: published from this master (its identity), at its latest
 * transaction. */
static void check_master(struct report *rep, const struct ldb_counter_source *src)
{
	const char *dir = ldb_master_dir();
	uint8_t id[LDB_MASTER_ID_SIZE] = {0};
	char hex[2 * LDB_MASTER_ID_SIZE + 1];
	struct ldb_master *m;
	int r = ldb_master_open_readonly(dir, &m);
	uint64_t txn;
	MDB_txn *t;

	if (r == -EACCES) {
		say(rep, WARN, "master",
		    "%s exists but is readable by root only; run as root to "
		    "check that the snapshot is fresh",
		    dir);
		return;
	}
	if (r < 0) {
		say(rep, FAIL, "master", "%s: %s", dir, strerror(-r));
		return;
	}
	txn = ldb_master_txn(m);
	/* No identity yet (an older helper's master): compared as all zero. */
	if (mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t) == 0) {
		if (ldb_master_id(t, &m->dbis, id) < 0)
			memset(id, 0, sizeof(id));
		mdb_txn_abort(t);
	}
	say(rep, OK, "master", "%s opens (identity %s, transaction %" PRIu64 ")", dir,
	    idhex(id, hex), txn);
	if (src->txn == 0)
		say(rep, WARN, "snapshot fresh", "no publication counter found");
	else
		switch (ldb_source_compare(src, id, txn)) {
		case LDB_SOURCE_CURRENT:
			say(rep, OK, "snapshot fresh", "contains the master's latest change");
			break;
		case LDB_SOURCE_BEHIND:
			say(rep, FAIL, "snapshot fresh",
			    "the master has changes the snapshot lacks (a failed publication? disk "
			    "full?); the next event republishes");
			break;
		case LDB_SOURCE_AHEAD:
			say(rep, FAIL, "snapshot fresh",
			    "the snapshot is newer than the master (transaction %" PRIu64
			    " against %" PRIu64 "): the master was restored from an older "
			    "copy; the next event or dnsmasq's init republishes",
			    src->txn, txn);
			break;
		case LDB_SOURCE_OTHER:
			say(rep, FAIL, "snapshot fresh",
			    "the snapshot comes from another master (identity %s: this one "
			    "was deleted and made again, or replaced); the next event or "
			    "dnsmasq's init republishes",
			    idhex(src->master_id, hex));
			break;
		}
	ldb_master_close(m);
}

/* dnsmasq processes and the script each runs: from their command line, or
 * the dhcp-script= line of their --conf-file (libvirt's way). */
static void script_of(const char *cmdline, size_t len, char *script, size_t size, bool *renew)
{
	char conf[PATH_MAX] = "";

	script[0] = '\0';
	for (const char *a = cmdline; a < cmdline + len; a += strlen(a) + 1) {
		if (strncmp(a, "--dhcp-script=", 14) == 0)
			snprintf(script, size, "%s", a + 14);
		else if (strncmp(a, "--conf-file=", 12) == 0)
			snprintf(conf, sizeof(conf), "%s", a + 12);
		else if (!strcmp(a, "--leasefile-ro") || !strcmp(a, "-K") ||
		         !strcmp(a, "--script-on-renewal"))
			*renew = true;
	}
	if (conf[0]) {
		char line[PATH_MAX + 32];
		FILE *f = fopen(conf, "r");

		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (strncmp(line, "dhcp-script=", 12) == 0 &&
			    (size_t)snprintf(script, size, "%s", line + 12) >= size)
				script[0] = '\0';
			if (!strcmp(line, "leasefile-ro") || !strcmp(line, "script-on-renewal"))
				*renew = true;
		}
		if (f)
			fclose(f);
	}
}

static pid_t parent_of(const char *pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "/proc/%s/stat", pid) >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may contain anything */
	return p ? (pid_t)strtol(p + 4, NULL, 10) : 0;
}

#define MAX_DNSMASQ 64

static void check_dnsmasq(struct report *rep)
{
	struct {
		pid_t pid, ppid;
		bool ours, renew;
	} seen[MAX_DNSMASQ];
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0, ours = 0, others = 0, stale = 0;
	char list[512] = "";

	while (d && (de = readdir(d)) && n < MAX_DNSMASQ) {
		char path[64], buf[8192], script[PATH_MAX];
		const char *base;
		bool renew = false;
		ssize_t len;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name) >=
		    sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		base = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
		if (strcmp(base, "dnsmasq") != 0)
			continue;
		script_of(buf, (size_t)len, script, sizeof(script), &renew);
		base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
		seen[n].pid = (pid_t)atol(de->d_name);
		seen[n].ppid = parent_of(de->d_name);
		seen[n].ours = strcmp(base, "lease-db-helper") == 0;
		seen[n].renew = renew;
		n++;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++) {
		bool child = false;

		/* dnsmasq forks a process to run its script: not another one. */
		for (int j = 0; j < n; j++)
			child |= seen[j].pid == seen[i].ppid;
		if (child)
			continue;
		if (!seen[i].ours) {
			others++;
			continue;
		}
		ours++;
		stale += !seen[i].renew;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d",
		         ours > 1 ? ", " : "", (int)seen[i].pid);
	}
	if (ours == 0)
		say(rep, WARN, "dnsmasq", "no running dnsmasq uses lease-db-helper (%d other%s)",
		    others, others == 1 ? "" : "s");
	else if (stale)
		say(rep, WARN, "dnsmasq",
		    "%d of %d dnsmasq using lease-db-helper (pid %s) run without leasefile-ro or "
		    "script-on-renewal: renewals are not reported, expiries go stale",
		    stale, ours, list);
	else
		say(rep, OK, "dnsmasq", "%d running with lease-db-helper (pid %s)", ours, list);
}

static void check_lookup(struct report *rep, const struct known *k)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	bool hit = false;
	int r;

	if (!k->name[0]) {
		say(rep, WARN, "lookup", "no unexpired lease with a hostname to try");
		return;
	}
	r = getaddrinfo(k->name, NULL, &hints, &res);
	if (r != 0) {
		say(rep, FAIL, "lookup", "getaddrinfo(\"%s\"): %s (the lease is %s)", k->name,
		    gai_strerror(r), k->addr);
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *a =
		    ai->ai_family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if (inet_ntop(ai->ai_family, a, buf, sizeof(buf)) && strcmp(buf, k->addr) == 0)
			hit = true;
	}
	freeaddrinfo(res);
	if (hit)
		say(rep, OK, "lookup", "getaddrinfo(\"%s\") returns %s", k->name, k->addr);
	else
		say(rep, FAIL, "lookup",
		    "getaddrinfo(\"%s\") does not return the lease's %s: "
		    "another service answers first",
		    k->name, k->addr);
}

int ldb_check_run(bool json)
{
	struct report rep = {json, NULL, 0, 0};
	struct known k = {.now = (int64_t)time(NULL)};
	bool uses_guest;
	struct ldb_counter_source src;

	if (json && !(rep.list = json_object_new_array()))
		return 1;
	check_nsswitch(&rep, &uses_guest);
	check_module(&rep, "leasedb", true);
	check_module(&rep, "leasedb_guest", uses_guest);
	check_snapshot(&rep, &k, &src);
	check_master(&rep, &src);
	check_dnsmasq(&rep);
	check_lookup(&rep, &k);
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "checks", rep.list);
		json_object_object_add(o, "verdict",
		                       json_object_new_string(rep.failed ? "problems" : "ok"));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
		                                                     JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	} else if (rep.failed) {
		printf("verdict: %d problem%s found (%d warning%s)\n", rep.failed,
		       rep.failed == 1 ? "" : "s", rep.warned, rep.warned == 1 ? "" : "s");
	} else {
		printf("verdict: lookups through lease-db should work (%d warning%s)\n", rep.warned,
		       rep.warned == 1 ? "" : "s");
	}
	return rep.failed;
}
