/*
 * "ssh to my guest doesn't work": is each module where glibc finds it, is
 * it reached in nsswitch.conf, is the snapshot there, trusted and fresh,
 * is the master there, which dnsmasq runs lease-db-helper, did the
 * helper's last event on an interface fail, are leases still answered for
 * a network that is gone, and does a real lookup of a known lease work.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fnmatch.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <link.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store/counter.h"
#include "store/failure.h"
#include "store/files.h"
#include "store/master.h"
#include "store/mdb-errno.h"
#include "store/snapshot.h"
#include "store/tables.h"
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

/* dnsmasq processes: which run lease-db-helper, whether they report
 * renewals, which interfaces they serve. Their command lines and the
 * configuration files named there are the only source, and --check runs
 * as root: a process is believed only when it runs as root or as a user
 * dnsmasq runs as, and a file is read only when it is a regular file (no
 * FIFO that blocks, no device, no link), up to a size cap. */

#define MAX_DNSMASQ    64
#define MAX_CONF       (1 << 20) /* bytes; far more than any real configuration file */
#define MAX_CONF_FILES 8         /* per process, includes (conf-file= lines) counted */
#define MAX_CONF_DEPTH 3
#define DNSMASQ_CONF   "/etc/dnsmasq.conf" /* read when no conf-file is named */

/* Users a real dnsmasq runs as once it has dropped root: its compiled-in
 * default (nobody), Debian's dnsmasq package (-u dnsmasq), libvirt's
 * (user=libvirt-dnsmasq in its configuration). Its script process stays
 * root. Only root can start a process as any of them. */
static const char *const dnsmasq_users[] = {"nobody", "dnsmasq", "libvirt-dnsmasq"};

struct dnsmasq {
	pid_t pid;
	bool ours, renew;
	/* interface= values, comma-separated; empty: every interface */
	char ifaces[256];
	bool ifaces_cut; /* more than fit: taken as every interface */
};

struct scan {
	struct report *rep;
	struct dnsmasq *d;
	char script[PATH_MAX];
	int files;       /* configuration files opened for this process */
	bool conf_named; /* else dnsmasq reads its default file */
};

static bool trusted_uid(uid_t uid)
{
	if (uid == 0)
		return true;
	for (size_t i = 0; i < sizeof(dnsmasq_users) / sizeof(dnsmasq_users[0]); i++) {
		const struct passwd *pw = getpwnam(dnsmasq_users[i]);

		if (pw && pw->pw_uid == uid)
			return true;
	}
	return false;
}

static const char *file_kind(mode_t mode)
{
	return S_ISLNK(mode)    ? "a symbolic link (not followed)"
	       : S_ISFIFO(mode) ? "a FIFO"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISDIR(mode)  ? "a directory"
	                        : "not a regular file";
}

/* A configuration file into a NUL-terminated buffer, or an explanation
 * in why. The path is opened with O_PATH first, which opens nothing (no
 * FIFO open that blocks, no driver's open: a watchdog device starts
 * counting when opened), and only a regular file of at most MAX_CONF
 * bytes is then opened for reading, through that very descriptor. */
static int read_conf(const char *path, char **out, size_t *len, char *why, size_t whylen)
{
	char self[64], *buf = NULL;
	struct stat st, st2;
	size_t got = 0;
	ssize_t n;
	int pfd, fd = -1, r = 0;

	*out = NULL;
	*len = 0;
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, &st) < 0) {
		r = -errno;
		snprintf(why, whylen, "%s", strerror(-r));
		goto out;
	}
	/* dnsmasq's own way to read no configuration file. */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		goto out;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s, not read", file_kind(st.st_mode));
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > MAX_CONF) {
		snprintf(why, whylen, "%lld bytes, larger than %d: not read", (long long)st.st_size,
		         MAX_CONF);
		r = -EFBIG;
		goto out;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = fd < 0 || fstat(fd, &st2) < 0                        ? -errno
	    : st2.st_ino != st.st_ino || st2.st_dev != st.st_dev ? -ESTALE
	    : !(buf = malloc(MAX_CONF + 1))                      ? -ENOMEM
	                                                         : 0;
	if (r < 0) {
		snprintf(why, whylen, "%s", strerror(-r));
		goto out;
	}
	while (got <= MAX_CONF && (n = read(fd, buf + got, MAX_CONF + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(why, whylen, "%s", strerror(-r));
			goto out;
		}
		got += (size_t)n;
	}
	if (got > MAX_CONF) { /* it grew since fstat */
		snprintf(why, whylen, "larger than %d bytes: not read", MAX_CONF);
		r = -EFBIG;
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return r;
}

static void scan_conf(struct scan *s, const char *path, int depth, bool optional);

static void add_ifaces(struct dnsmasq *d, const char *list)
{
	size_t have = strlen(d->ifaces);

	if ((size_t)snprintf(d->ifaces + have, sizeof(d->ifaces) - have, "%s%s", have ? "," : "",
	                     list) >= sizeof(d->ifaces) - have)
		d->ifaces_cut = true;
}

/* One option, from the command line (name without "--") or a file. */
static void option(struct scan *s, const char *name, const char *val, int depth)
{
	if (!strcmp(name, "dhcp-script") && val) {
		if ((size_t)snprintf(s->script, sizeof(s->script), "%s", val) >= sizeof(s->script))
			s->script[0] = '\0';
	} else if (!strcmp(name, "leasefile-ro") || !strcmp(name, "script-on-renewal")) {
		s->d->renew = true;
	} else if (!strcmp(name, "interface") && val) {
		add_ifaces(s->d, val);
	} else if (!strcmp(name, "conf-file")) {
		/* Without a value: the default file; "-": standard input,
		 * which nobody else can read. */
		s->conf_named = true;
		if (!val || !*val)
			scan_conf(s, DNSMASQ_CONF, depth + 1, true);
		else if (strcmp(val, "-") != 0)
			scan_conf(s, val, depth + 1, false);
	}
}

static void scan_conf(struct scan *s, const char *path, int depth, bool optional)
{
	char why[128], *buf, *line, *next;
	size_t len;
	int r;

	if (depth > MAX_CONF_DEPTH || s->files >= MAX_CONF_FILES) {
		say(s->rep, WARN, "dnsmasq config",
		    "pid %d: %s: more than %d files or %d levels of conf-file: not read",
		    (int)s->d->pid, path, MAX_CONF_FILES, MAX_CONF_DEPTH);
		return;
	}
	s->files++;
	r = read_conf(path, &buf, &len, why, sizeof(why));
	if (r == -ENOENT && optional)
		return;
	if (r < 0) {
		say(s->rep, WARN, "dnsmasq config", "pid %d: conf-file %s: %s", (int)s->d->pid,
		    path, why);
		return;
	}
	for (line = buf; line && line < buf + len; line = next) {
		char *eq, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t");
		end = line + strcspn(line, "#\r");
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		eq = strchr(line, '=');
		if (eq)
			*eq++ = '\0';
		if (*line)
			option(s, line, eq, depth);
	}
	free(buf);
}

/* The command line, as dnsmasq's getopt_long reads the options that
 * matter here: --name=value, --name value (not for --conf-file, whose
 * value is optional), -Xvalue, -X value. */
static void scan_cmdline(struct scan *s, char *args, size_t len)
{
	enum { NONE, REQUIRED, OPTIONAL };
	static const struct {
		char letter;
		const char *name;
		int arg;
	} opts[] = {
	    {'C', "conf-file", OPTIONAL},   {'i', "interface", REQUIRED},
	    {'6', "dhcp-script", REQUIRED}, {'9', "leasefile-ro", NONE},
	    {0, "script-on-renewal", NONE},
	};
	char *end = args + len;

	for (char *a = args + strlen(args) + 1; a < end; a += strlen(a) + 1) {
		char *val = NULL, *next = a + strlen(a) + 1;
		const char *name = NULL;
		bool separate = false;

		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]) && !name; i++) {
			size_t n = strlen(opts[i].name);

			if (a[0] == '-' && a[1] == '-' && !strncmp(a + 2, opts[i].name, n) &&
			    (a[2 + n] == '\0' || a[2 + n] == '=')) {
				name = opts[i].name;
				val = a[2 + n] == '=' ? a + 3 + n : NULL;
				separate = opts[i].arg == REQUIRED;
			} else if (opts[i].letter && a[0] == '-' && a[1] == opts[i].letter) {
				name = opts[i].name;
				val = a[2] ? a + 2 : NULL;
				separate = opts[i].arg != NONE;
			}
		}
		if (name && separate && !val && next < end) {
			val = next;
			a = next; /* consumed */
		}
		if (name)
			option(s, name, val, 0);
	}
	if (!s->conf_named)
		scan_conf(s, DNSMASQ_CONF, 1, true);
}

/* PPid and the four Uid fields of /proc/PID/status. */
static int proc_status(int dfd, pid_t *ppid, uid_t uid[4])
{
	char buf[4096], *p;
	unsigned long u[4];
	ssize_t n;
	int fd = openat(dfd, "status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\nPPid:");
	if (!p)
		return -EBADMSG;
	*ppid = (pid_t)strtol(p + 6, NULL, 10);
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
		return -EBADMSG;
	for (int i = 0; i < 4; i++)
		uid[i] = (uid_t)u[i];
	return 0;
}

static bool is_dnsmasq(const char *argv0)
{
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;

	return strcmp(base, "dnsmasq") == 0;
}

struct candidate {
	pid_t pid, ppid;
	char *cmdline; /* NUL-separated arguments */
	size_t len;
};

/* A process called dnsmasq that the check believes: 1, with its command
 * line; 0 for another process; -EPERM for one run by another user. */
static int candidate(int procfd, const char *pid, struct candidate *c, uid_t *uid0)
{
	char buf[8192];
	uid_t uid[4];
	ssize_t len;
	int dfd, fd, r;

	/* One directory for every read: all of it is the same process. */
	dfd = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	r = 0;
	if (len > 0 && (buf[len] = '\0', is_dnsmasq(buf)) && proc_status(dfd, &c->ppid, uid) == 0)
		r = 1;
	close(dfd);
	for (int i = 0; r == 1 && i < 4; i++)
		if (!trusted_uid(uid[i])) {
			*uid0 = uid[0];
			r = -EPERM;
		}
	if (r == 1) {
		c->pid = (pid_t)atol(pid);
		c->len = (size_t)len;
		c->cmdline = malloc((size_t)len + 1);
		if (!c->cmdline)
			return 0;
		memcpy(c->cmdline, buf, (size_t)len + 1);
	}
	return r;
}

/* Every dnsmasq instance the check believes, into seen[] (a script
 * process one forked is not another instance); processes called dnsmasq
 * of other users are listed as ignored, their files never opened. */
static int find_dnsmasq(struct report *rep, struct dnsmasq *seen, int max)
{
	struct candidate c[MAX_DNSMASQ];
	char ignored[512] = "";
	DIR *d = opendir("/proc");
	struct dirent *de;
	int nc = 0, n = 0, nignored = 0;

	while (d && (de = readdir(d)) && nc < MAX_DNSMASQ) {
		uid_t uid = 0;
		int r;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		r = candidate(dirfd(d), de->d_name, &c[nc], &uid);
		if (r == 1) {
			nc++;
		} else if (r == -EPERM) {
			size_t have = strlen(ignored);

			snprintf(ignored + have, sizeof(ignored) - have, "%s%s (uid %lu)",
			         nignored ? ", " : "", de->d_name, (unsigned long)uid);
			nignored++;
		}
	}
	if (d)
		closedir(d);
	if (nignored)
		say(rep, WARN, "dnsmasq ignored",
		    "pid %s: called dnsmasq but run by a user dnsmasq does not run as (root, "
		    "nobody, dnsmasq, libvirt-dnsmasq): not believed, its files not opened",
		    ignored);
	for (int i = 0; i < nc; i++) {
		struct scan s = {.rep = rep, .d = &seen[n]};
		bool child = false;

		for (int j = 0; j < nc; j++)
			child |= c[j].pid == c[i].ppid;
		if (!child && n < max) {
			const char *base;

			memset(&seen[n], 0, sizeof(seen[n]));
			seen[n].pid = c[i].pid;
			scan_cmdline(&s, c[i].cmdline, c[i].len);
			base = strrchr(s.script, '/') ? strrchr(s.script, '/') + 1 : s.script;
			seen[n].ours = strcmp(base, "lease-db-helper") == 0;
			n++;
		}
		free(c[i].cmdline);
	}
	return n;
}

/* Is iface one dnsmasq serves? Without an interface option it serves
 * every interface; patterns may end in '*', as dnsmasq allows. */
static bool serves(const struct dnsmasq *d, const char *iface)
{
	char copy[sizeof(d->ifaces)], *save = NULL;

	if (!d->ifaces[0] || d->ifaces_cut)
		return true;
	memcpy(copy, d->ifaces, sizeof(copy));
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (fnmatch(t, iface, 0) == 0)
			return true;
	return false;
}

struct dnsmasqs {
	struct dnsmasq p[MAX_DNSMASQ];
	int n; /* instances: a script process forked by another is not one */
};

static void check_dnsmasq(struct report *rep, struct dnsmasqs *all)
{
	int ours = 0, others = 0, stale = 0;
	char list[512] = "";

	all->n = find_dnsmasq(rep, all->p, MAX_DNSMASQ);
	for (int i = 0; i < all->n; i++) {
		const struct dnsmasq *d = &all->p[i];

		if (!d->ours) {
			others++;
			continue;
		}
		ours++;
		stale += !d->renew;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d",
		         ours > 1 ? ", " : "", (int)d->pid);
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

static void check_master(struct report *rep, const struct ldb_counter_source *src,
                         struct ldb_master **out)
{
	const char *dir = ldb_master_dir();
	struct ldb_counter_source self = {0};
	char hex[2 * LDB_MASTER_ID_SIZE + 1];
	struct ldb_master *m;
	uint64_t txn = 0, need = 0;
	MDB_txn *t;
	int r = ldb_master_open_readonly(dir, &m);

	*out = NULL;
	if (r == -EACCES) {
		say(rep, WARN, "master",
		    "%s exists but is readable by root only; run as root to check that the "
		    "snapshot is fresh, failed events and interfaces",
		    dir);
		return;
	}
	if (r < 0) {
		say(rep, FAIL, "master", "%s: %s", dir, strerror(-r));
		return;
	}
	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t));
	if (r == 0) {
		/* A failed event's record is no change a snapshot must hold. */
		txn = mdb_txn_id(t);
		r = ldb_failure_data_txn(t, &m->dbis, txn, &need);
		/* No identity or mark yet (an older helper's master): all zero. */
		ldb_master_source(t, &m->dbis, &self);
		self.txn = need;
		mdb_txn_abort(t);
	}
	if (r < 0) {
		say(rep, FAIL, "master", "%s: %s", dir, strerror(-r));
		ldb_master_close(m);
		return;
	}
	say(rep, OK, "master", "%s opens (identity %s, transaction %" PRIu64 ")", dir,
	    idhex(self.master_id, hex), txn);
	if (src->txn == 0)
		say(rep, WARN, "snapshot fresh", "no publication counter found");
	else
		switch (ldb_source_compare(src, &self)) {
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
			    src->txn, need);
			break;
		case LDB_SOURCE_DIVERGED:
			if (src->txn < self.txn) {
				say(rep, FAIL, "snapshot fresh",
				    "the master has changes the snapshot lacks (a failed "
				    "publication? disk full? or the master was restored from a "
				    "backup); the next event republishes in full");
				break;
			}
			say(rep, FAIL, "snapshot fresh",
			    "the snapshot shows a state this master's history does not hold "
			    "(published at transaction %" PRIu64 " by another copy of it: the "
			    "master was restored from a backup; or the last publication failed); "
			    "the next event or dnsmasq's init republishes",
			    src->txn);
			break;
		case LDB_SOURCE_OTHER:
			say(rep, FAIL, "snapshot fresh",
			    "the snapshot comes from another master (identity %s: this one "
			    "was deleted and made again, or replaced); the next event or "
			    "dnsmasq's init republishes",
			    idhex(src->master_id, hex));
			break;
		}
	*out = m;
}

/* Text from the master, for a terminal: control bytes become '?'. */
static void printable(char *dst, size_t size, struct ldb_str s)
{
	size_t i;

	for (i = 0; i < s.len && i + 1 < size; i++)
		dst[i] = (unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f ? '?' : s.p[i];
	dst[i] = '\0';
}

struct failures {
	struct report *rep;
	int64_t now;
	int n;
};

static int show_failure(const struct ldb_failure *f, void *p)
{
	struct failures *c = p;
	char iface[LDB_IFNAME_MAX * 2 + 1], msg[LDB_FAILURE_MESSAGE_MAX + 1], when[64];
	struct tm tm;
	time_t t = (time_t)f->time;

	c->n++;
	printable(iface, sizeof(iface), f->iface);
	printable(msg, sizeof(msg), f->message);
	if (!f->time || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "at an unknown time");
	if (iface[0])
		say(c->rep, FAIL, "helper events",
		    "%s: an event failed %s (%lld s ago) and none on %s has succeeded since: %s",
		    iface, when, (long long)(c->now - f->time), iface,
		    msg[0] ? msg : "(no message recorded)");
	else
		say(c->rep, FAIL, "helper events",
		    "an event naming no interface failed %s (%lld s ago) and no event has "
		    "succeeded since: %s",
		    when, (long long)(c->now - f->time), msg[0] ? msg : "(no message recorded)");
	return 0;
}

/* The helper's failed events, each until its interface's next success. */
static void check_failures(struct report *rep, struct ldb_master *m)
{
	struct failures c = {rep, (int64_t)time(NULL), 0};
	MDB_txn *t;
	int r;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t));
	if (r == 0) {
		r = ldb_failure_foreach(t, &m->dbis, show_failure, &c);
		mdb_txn_abort(t);
	}
	if (r < 0)
		say(rep, FAIL, "helper events", "reading the master's failure records: %s",
		    strerror(-r));
	else if (c.n == 0)
		say(rep, OK, "helper events",
		    "no failed event since each interface's last success");
}

struct iface_count {
	char name[LDB_IFNAME_MAX + 1];
	unsigned long leases;
};

struct ifaces {
	int64_t now;
	struct iface_count *v;
	size_t n, cap;
};

static int count_iface(const struct ldb_lease *l, void *p)
{
	struct ifaces *c = p;
	struct iface_count *grown;
	size_t i;

	/* Expired leases are answered by nobody; no interface: no network. */
	if (l->iface.len == 0 || l->iface.len > LDB_IFNAME_MAX ||
	    ldb_lease_expired(l->expiry, c->now))
		return 0;
	for (i = 0; i < c->n; i++)
		if (ldb_str_eq(ldb_str_from(c->v[i].name), l->iface))
			break;
	if (i == c->n) {
		if (c->n == c->cap) {
			grown = realloc(c->v, (c->cap ? c->cap * 2 : 16) * sizeof(*c->v));
			if (!grown)
				return -ENOMEM;
			c->v = grown;
			c->cap = c->cap ? c->cap * 2 : 16;
		}
		memset(&c->v[c->n], 0, sizeof(c->v[0]));
		memcpy(c->v[c->n].name, l->iface.p, l->iface.len);
		c->n++;
	}
	c->v[i].leases++;
	return 0;
}

/* Interfaces whose leases are still answered although their network is
 * gone: libvirt removed its <bridge>.status (virsh net-undefine), or no
 * running dnsmasq serves the interface. */
static void check_interfaces(struct report *rep, struct ldb_master *m, const struct dnsmasqs *all)
{
	struct ifaces c = {.now = (int64_t)time(NULL)};
	bool explicit;
	const char *lvdir = ldb_libvirt_dir(&explicit);
	int bad = 0, r;
	MDB_txn *t = NULL;

	r = ldb_mdb_errno(mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t));
	if (r == 0)
		r = ldb_lease_foreach(t, &m->dbis, count_iface, &c);
	for (size_t i = 0; r == 0 && i < c.n; i++) {
		const char *name = c.v[i].name;
		char key[sizeof(LDB_META_IMPORTED) + LDB_IFNAME_MAX], path[PATH_MAX];
		bool libvirt = false, served = false, status = true;
		struct ldb_str v;
		struct stat st;

		snprintf(key, sizeof(key), LDB_META_IMPORTED "%s", name);
		libvirt = lvdir && ldb_meta_get(t, &m->dbis, key, &v) == 0;
		if (libvirt) {
			snprintf(path, sizeof(path), "%s/%s.status", lvdir, name);
			status = lstat(path, &st) == 0;
		}
		for (int j = 0; j < all->n && !served; j++)
			served = serves(&all->p[j], name);
		if (status && served)
			continue;
		bad++;
		if (!status)
			say(rep, FAIL, "interfaces",
			    "%s: %lu lease%s still answered, but libvirt's %s is gone "
			    "(the network was undefined?)%s; forget them with: "
			    "lease-db-admin forget %s",
			    name, c.v[i].leases, c.v[i].leases == 1 ? "" : "s", path,
			    served ? "" : " and no running dnsmasq serves it", name);
		else
			say(rep, WARN, "interfaces",
			    "%s: %lu lease%s still answered, but no running dnsmasq serves it; "
			    "if the network is gone for good, forget them with: "
			    "lease-db-admin forget %s",
			    name, c.v[i].leases, c.v[i].leases == 1 ? "" : "s", name);
	}
	if (t)
		mdb_txn_abort(t);
	if (r < 0)
		say(rep, FAIL, "interfaces", "reading the master's leases: %s", strerror(-r));
	else if (!bad && c.n == 0)
		say(rep, OK, "interfaces", "no unexpired lease names an interface");
	else if (!bad)
		say(rep, OK, "interfaces",
		    "%zu interface%s with unexpired leases, each served by a running dnsmasq%s",
		    c.n, c.n == 1 ? "" : "s",
		    lvdir ? " (and libvirt's with their .status file)" : "");
	free(c.v);
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
	struct dnsmasqs all;
	struct ldb_master *m;
	bool uses_guest;
	struct ldb_counter_source src;

	if (json && !(rep.list = json_object_new_array()))
		return 1;
	check_nsswitch(&rep, &uses_guest);
	check_module(&rep, "leasedb", true);
	check_module(&rep, "leasedb_guest", uses_guest);
	check_snapshot(&rep, &k, &src);
	check_dnsmasq(&rep, &all);
	check_master(&rep, &src, &m);
	if (m) {
		check_failures(&rep, m);
		check_interfaces(&rep, m, &all);
		ldb_master_close(m);
	}
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
