/*
 * "ssh to my guest doesn't work": is each module where glibc finds it, is
 * it reached in nsswitch.conf, is the snapshot there, trusted and fresh,
 * is the master there, which dnsmasq runs lease-db-helper, did the
 * helper's last event on an interface fail, are leases still answered for
 * a network that is gone, and does a real lookup of a known lease work.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
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
	char raw[2048], detail[LDB_STR_SANITIZED_MAX(sizeof(raw))];
	va_list ap;

	/* Whatever the detail quotes (a failure's message, an interface, a
	 * file or process name) is untrusted: one rule makes it printable. */
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	(void)ldb_str_sanitize(detail, sizeof(detail), ldb_str_from(raw));
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
 * configuration files named there are the only source, read in the order
 * dnsmasq reads them (the last dhcp-script wins), and --check runs as
 * root: a process is believed only when it runs as root or as a user
 * dnsmasq runs as, and a file is read only when it is a regular file (no
 * FIFO that blocks, no device, no link), up to a size cap. */

#define MAX_DNSMASQ     1024 /* instances; more are not read, and the check says so */
#define MAX_CMDLINE     (128 * 1024)
#define MAX_CONF        (1 << 20) /* bytes; far more than any real configuration file */
#define MAX_CONF_FILES  64        /* per process: conf-file, conf-dir's files, included */
#define MAX_DIR_ENTRIES 1024      /* names taken from one conf-dir */
#define MAX_CONF_DEPTH  4
#define DNSMASQ_CONF    "/etc/dnsmasq.conf" /* read when no conf-file is named */
#define STR_(x)         #x
#define STR(x)          STR_(x)

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
	/* Part of its configuration was not read (a file refused, a cap
	 * reached): it may serve any interface. */
	bool incomplete;
};

struct scan {
	struct report *rep;
	struct dnsmasq *d;
	char script[PATH_MAX];
	bool script_from_file;
	int files;   /* configuration files opened for this process */
	bool capped; /* more were named: not read */
	/* Files read, by identity: dnsmasq reads a file once, however often
	 * it is named. */
	struct {
		dev_t dev;
		ino_t ino;
	} read[MAX_CONF_FILES];
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

/* name (relative to dirfd) opened for reading when it is what want says
 * (S_IFREG or S_IFDIR), else an explanation in why. The path is opened
 * with O_PATH first, which opens nothing (no FIFO open that blocks, no
 * driver's open: a watchdog device starts counting when opened), and
 * only then reopened for reading through that very descriptor. *st is
 * what was opened. -ENODEV: /dev/null, dnsmasq's own way to read no
 * configuration file. */
static int open_safe(int dirfd, const char *name, mode_t want, struct stat *st, char *why,
                     size_t whylen)
{
	char self[64];
	struct stat st2;
	int pfd, fd = -1, r = 0;

	pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, st) < 0) {
		r = -errno;
		snprintf(why, whylen, "%s", strerror(-r));
		goto out;
	}
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3)) {
		r = -ENODEV;
		goto out;
	}
	if ((st->st_mode & S_IFMT) != want) {
		snprintf(why, whylen, "%s, not read", file_kind(st->st_mode));
		r = -EINVAL;
		goto out;
	}
	if (S_ISREG(want) && st->st_size > MAX_CONF) {
		snprintf(why, whylen, "%lld bytes, larger than %d: not read",
		         (long long)st->st_size, MAX_CONF);
		r = -EFBIG;
		goto out;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self,
	          O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (S_ISDIR(want) ? O_DIRECTORY : 0));
	r = fd < 0 || fstat(fd, &st2) < 0                          ? -errno
	    : st2.st_ino != st->st_ino || st2.st_dev != st->st_dev ? -ESTALE
	                                                           : 0;
	if (r < 0) {
		snprintf(why, whylen, "%s", strerror(-r));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	r = fd;
out:
	if (pfd >= 0)
		close(pfd);
	return r;
}

/* A configuration file into a NUL-terminated buffer, at most MAX_CONF
 * bytes, or an explanation in why; -EALREADY for a file this process's
 * dnsmasq has read already, -ENODEV for /dev/null. */
static int read_conf(struct scan *s, int dirfd, const char *name, char **out, size_t *len,
                     char *why, size_t whylen)
{
	char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, r = 0;

	*out = NULL;
	*len = 0;
	fd = open_safe(dirfd, name, S_IFREG, &st, why, whylen);
	if (fd < 0)
		return fd;
	for (int i = 0; i < s->files; i++)
		if (s->read[i].dev == st.st_dev && s->read[i].ino == st.st_ino) {
			r = -EALREADY;
			goto out;
		}
	if (s->files >= MAX_CONF_FILES) {
		/* Said once: the first file left out, and that the rest are. */
		snprintf(why, whylen,
		         "more than %d files for one dnsmasq: not read, nor any after it",
		         MAX_CONF_FILES);
		r = s->capped ? -EALREADY : -EMFILE;
		s->capped = true;
		s->d->incomplete = true;
		goto out;
	}
	s->read[s->files].dev = st.st_dev;
	s->read[s->files].ino = st.st_ino;
	s->files++;
	if (!(buf = malloc(MAX_CONF + 1))) {
		r = -ENOMEM;
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
	close(fd);
	return r;
}

static void scan_conf(struct scan *s, int dirfd, const char *name, const char *shown, int depth,
                      bool optional);
static void scan_dir(struct scan *s, const char *arg, int depth);

static void add_ifaces(struct dnsmasq *d, const char *list)
{
	size_t have = strlen(d->ifaces);

	if ((size_t)snprintf(d->ifaces + have, sizeof(d->ifaces) - have, "%s%s", have ? "," : "",
	                     list) >= sizeof(d->ifaces) - have)
		d->ifaces_cut = true;
}

/* One option, from the command line (name without "--") or a file, with
 * dnsmasq's meaning. An empty value is none (dnsmasq's opt_string_alloc). */
static void option(struct scan *s, const char *name, const char *val, int depth)
{
	if (val && !*val)
		val = NULL;
	if (!strcmp(name, "dhcp-script") && val) {
		/* dnsmasq takes one dhcp-script (ARG_ONE): a file's overrides
		 * the command line's, wherever each stands, and the command
		 * line's no longer counts once a file named one. */
		if (depth == 0 && s->script_from_file)
			return;
		s->script_from_file = depth > 0;
		if ((size_t)snprintf(s->script, sizeof(s->script), "%s", val) >= sizeof(s->script))
			s->script[0] = '\0';
	} else if (!strcmp(name, "leasefile-ro") || !strcmp(name, "script-on-renewal")) {
		s->d->renew = true;
	} else if (!strcmp(name, "interface") && val) {
		add_ifaces(s->d, val);
	} else if (!strcmp(name, "conf-file") && val && strcmp(val, "-") != 0) {
		/* "-" is standard input, which nobody else can read. */
		scan_conf(s, AT_FDCWD, val, val, depth + 1, false);
	} else if (!strcmp(name, "conf-dir") && val) {
		scan_dir(s, val, depth + 1);
	}
}

static void conf_warn(struct scan *s, const char *what, const char *path, const char *why)
{
	s->d->incomplete = true;
	say(s->rep, WARN, "dnsmasq config", "pid %d: %s %s: %s", (int)s->d->pid, what, path, why);
}

/* One line as dnsmasq's read_file() takes it: quotes removed (with \",
 * \\, \t, \n, \e, \b, \r inside them), whitespace made spaces, '#' after
 * whitespace starts a comment, "name = value". Returns the name, or NULL
 * for an empty line; *val is NULL without '='. */
static char *conf_line(char *line, char **val)
{
	bool white = true;
	char *p, *start, *eq;
	size_t len;

	*val = NULL;
	for (p = line; *p; p++) {
		if (*p == '"') {
			memmove(p, p + 1, strlen(p + 1) + 1);
			for (; *p && *p != '"'; p++)
				if (*p == '\\' && p[1] && strchr("\"tnebr\\", p[1])) {
					static const char from[] = "tnebr", to[] = "\t\n\033\b\r";
					const char *k = strchr(from, p[1]);

					if (k)
						p[1] = to[k - from];
					memmove(p, p + 1, strlen(p + 1) + 1);
				}
			if (!*p)
				return NULL; /* dnsmasq refuses the line: missing " */
			memmove(p, p + 1, strlen(p + 1) + 1);
			p--;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			*p = ' ';
			white = true;
		} else if (white && *p == '#') {
			*p = '\0';
			break;
		} else {
			white = false;
		}
	}
	for (start = line; *start == ' '; start++)
		;
	for (len = strlen(start); len && start[len - 1] == ' '; len--)
		;
	start[len] = '\0';
	if (!len)
		return NULL;
	if ((eq = strchr(start, '='))) {
		for (*val = eq + 1; **val == ' '; (*val)++)
			;
		for (; eq >= start && (*eq == ' ' || *eq == '='); eq--)
			*eq = '\0';
	}
	return start;
}

/* A file of dnsmasq's configuration: shown is its path for messages. */
static void scan_conf(struct scan *s, int dirfd, const char *name, const char *shown, int depth,
                      bool optional)
{
	char why[128], *buf, *line, *next;
	size_t len;
	int r;

	if (depth > MAX_CONF_DEPTH) {
		conf_warn(s, "conf-file", shown,
		          "more than " STR(MAX_CONF_DEPTH) " levels: not read");
		return;
	}
	r = read_conf(s, dirfd, name, &buf, &len, why, sizeof(why));
	if (r == -EALREADY || r == -ENODEV || (r == -ENOENT && optional))
		return;
	if (r < 0) {
		conf_warn(s, "conf-file", shown, why);
		return;
	}
	for (line = buf; line && line < buf + len; line = next) {
		char *opt, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		opt = conf_line(line, &val);
		if (opt)
			option(s, opt, val, depth);
	}
	free(buf);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does name end in suffix, with something before it? dnsmasq's test. */
static bool ends_in(const char *name, size_t len, const char *suffix)
{
	size_t ls = strlen(suffix);

	return len > ls && strcmp(name + len - ls, suffix) == 0;
}

/* conf-dir=DIR[,SUFFIX...]: as dnsmasq reads it, the regular files of DIR
 * in name order, without dotfiles, names ending in '~' or like "#...#",
 * names ending in a listed SUFFIX, and with "*SUFFIX" items, only names
 * ending in one of those. dnsmasq follows links there; the check reports
 * a link to a regular file and does not follow it. */
static void scan_dir(struct scan *s, const char *arg, int depth)
{
	char copy[PATH_MAX], why[128], shown[PATH_MAX + 256];
	char *items[32], *names[MAX_DIR_ENTRIES];
	size_t nitems = 0, nnames = 0;
	bool match = false, cut = false;
	struct dirent *de;
	struct stat st;
	DIR *dir = NULL;
	int fd;

	if (!*arg || *arg == ',')
		return; /* no directory: dnsmasq reads nothing */
	if (snprintf(copy, sizeof(copy), "%s", arg) >= (int)sizeof(copy)) {
		conf_warn(s, "conf-dir", arg, "too long: not read");
		return;
	}
	/* dnsmasq's split(): items at commas, spaces around them removed. */
	for (char *p = copy, *comma; p; p = comma) {
		comma = strchr(p, ',');
		if (comma) {
			for (char *q = comma; q >= p && (*q == ',' || *q == ' '); q--)
				*q = '\0';
			for (comma++; *comma == ' '; comma++)
				;
		}
		if (p != copy && (!*p || !strcmp(p, "*")))
			continue; /* nothing, and "*" alone changes nothing */
		if (nitems == sizeof(items) / sizeof(items[0])) {
			conf_warn(s, "conf-dir", arg, "too many suffixes: not read");
			return;
		}
		items[nitems++] = p;
		match |= p != copy && *p == '*';
	}
	if (depth > MAX_CONF_DEPTH) {
		conf_warn(s, "conf-dir", copy,
		          "more than " STR(MAX_CONF_DEPTH) " levels: not read");
		return;
	}
	fd = open_safe(AT_FDCWD, copy, S_IFDIR, &st, why, sizeof(why));
	if (fd >= 0 && !(dir = fdopendir(fd))) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		close(fd);
	}
	if (!dir) {
		conf_warn(s, "conf-dir", copy, why);
		return;
	}
	while ((de = readdir(dir))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		bool keep = !match;

		if (!len || n[len - 1] == '~' || (n[0] == '#' && n[len - 1] == '#') || n[0] == '.')
			continue;
		for (size_t i = 1; i < nitems; i++)
			if (items[i][0] == '*' ? ends_in(n, len, items[i] + 1) : false)
				keep = true;
		for (size_t i = 1; i < nitems; i++)
			if (items[i][0] != '*' && ends_in(n, len, items[i]))
				keep = false;
		if (!keep || fstatat(dirfd(dir), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(shown, sizeof(shown), "%s/%s", copy, n);
		if (S_ISLNK(st.st_mode)) {
			/* Only what dnsmasq would read through it is worth a word. */
			if (fstatat(dirfd(dir), n, &st, 0) == 0 && S_ISREG(st.st_mode))
				conf_warn(s, "conf-file", shown,
				          "a symbolic link (not followed), not read");
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue; /* dnsmasq skips it too */
		if (nnames == MAX_DIR_ENTRIES) {
			cut = true;
			break;
		}
		if (!(names[nnames] = strdup(n))) {
			cut = true;
			break;
		}
		nnames++;
	}
	if (cut)
		conf_warn(s, "conf-dir", copy,
		          "more than " STR(MAX_DIR_ENTRIES) " files: only some were read");
	qsort(names, nnames, sizeof(names[0]), by_name);
	for (size_t i = 0; i < nnames; i++) {
		snprintf(shown, sizeof(shown), "%s/%s", copy, names[i]);
		scan_conf(s, dirfd(dir), names[i], shown, depth, false);
		free(names[i]);
	}
	closedir(dir);
}

/* The command line, as dnsmasq 2.90's getopt_long and read_opts() take
 * it: options in order, except that the first conf-file is read after
 * the whole command line (the default file when none is named); later
 * conf-file and every conf-dir are read where they stand. Short options
 * may be bundled. */
static void scan_cmdline(struct scan *s, char *args, size_t len)
{
	/* dnsmasq's OPTSTRING: which short options take a value. */
	static const char optstring[] = "951yZDNLERKzowefnbvhdkqr:m:p:c:l:s:i:t:u:g:a:x:S:C:A:T:H:"
	                                "Q:I:B:F:G:O:M:X:V:U:j:P:J:W:Y:2:4:6:7:8:0:3:";
	static const struct {
		char letter;
		const char *name;
		bool required; /* the long option's value: else optional or none */
	} opts[] = {
	    {'C', "conf-file", false},    {'7', "conf-dir", true},
	    {'i', "interface", true},     {'6', "dhcp-script", true},
	    {'9', "leasefile-ro", false}, {0, "script-on-renewal", false},
	};
	char *end = args + len, *first = NULL;
	bool named = false;

	for (char *a = args + strlen(args) + 1; a < end; a += strlen(a) + 1) {
		char *next = a + strlen(a) + 1, *val = NULL;
		const char *name = NULL;

		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == '-') {
			for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]) && !name; i++) {
				size_t n = strlen(opts[i].name);

				if (!strncmp(a + 2, opts[i].name, n) &&
				    (a[2 + n] == '\0' || a[2 + n] == '=')) {
					name = opts[i].name;
					val = a[2 + n] == '=' ? a + 3 + n : NULL;
					if (!val && opts[i].required && next < end) {
						val = next;
						a = next; /* consumed */
					}
				}
			}
		} else if (a[0] == '-' && a[1]) {
			for (char *p = a + 1; *p; p++) {
				const char *o = strchr(optstring, *p);

				if (!o || *p == ':')
					break; /* dnsmasq would not start */
				name = NULL;
				for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
					if (opts[i].letter == *p)
						name = opts[i].name;
				if (o[1] == ':') {
					val = p[1] ? p + 1 : next < end ? next : NULL;
					if (!p[1] && next < end)
						a = next; /* consumed */
					break;
				}
				if (name)
					option(s, name, NULL, 0);
				name = NULL;
			}
		}
		if (!name)
			continue;
		if (!strcmp(name, "conf-file")) {
			if (val && *val && !named) {
				first = val;
				named = true;
			} else if (val && *val) {
				option(s, name, val, 0);
			}
			continue;
		}
		option(s, name, val, 0);
	}
	if (first)
		option(s, "conf-file", first, 0);
	else
		scan_conf(s, AT_FDCWD, DNSMASQ_CONF, DNSMASQ_CONF, 1, true);
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

/* /proc/PID/cmdline (dfd: /proc/PID) into buf, NUL-terminated: its length,
 * or -E2BIG when it does not fit. */
static ssize_t read_cmdline(int dfd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		got += (size_t)n;
	}
	n = got == size - 1 && read(fd, &(char){0}, 1) > 0 ? -E2BIG : (ssize_t)got;
	close(fd);
	buf[got] = '\0';
	return n;
}

struct candidate {
	pid_t pid;
	char *cmdline; /* NUL-separated arguments */
	size_t len;
	bool cut; /* longer than MAX_CMDLINE: only its start */
};

/* A process called dnsmasq that the check believes: 1, with its command
 * line; 0 for another process, or for a process dnsmasq forked (its
 * script process, a TCP DNS child: a dnsmasq whose parent is a dnsmasq
 * with the same command line), which is no instance of its own; -EPERM
 * for one run by another user. buf, pbuf: MAX_CMDLINE bytes each. */
static int candidate(int procfd, const char *pid, struct candidate *c, uid_t *uid0, char *buf,
                     char *pbuf)
{
	char ppath[32];
	uid_t uid[4];
	pid_t ppid = 0;
	ssize_t len, plen;
	int dfd, pdfd, r = 0;

	/* One directory for every read: all of it is the same process. */
	dfd = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	len = read_cmdline(dfd, buf, MAX_CMDLINE);
	c->cut = len == -E2BIG;
	if (c->cut)
		len = MAX_CMDLINE - 1;
	if (len > 0 && is_dnsmasq(buf) && proc_status(dfd, &ppid, uid) == 0)
		r = 1;
	close(dfd);
	if (r == 1 && ppid > 1) {
		snprintf(ppath, sizeof(ppath), "%ld", (long)ppid);
		pdfd = openat(procfd, ppath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		plen = pdfd < 0 ? -1 : read_cmdline(pdfd, pbuf, MAX_CMDLINE);
		if (pdfd >= 0)
			close(pdfd);
		if (plen == -E2BIG)
			plen = MAX_CMDLINE - 1;
		if (plen == len && memcmp(buf, pbuf, (size_t)len) == 0)
			return 0;
	}
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

struct dnsmasqs {
	struct dnsmasq *p;
	int n;    /* instances read */
	bool cut; /* more than MAX_DNSMASQ, or /proc not fully read: some unknown */
};

/* Every dnsmasq instance the check believes, into all; processes called
 * dnsmasq of other users are listed as ignored, their files never opened. */
static void find_dnsmasq(struct report *rep, struct dnsmasqs *all)
{
	char ignored[512] = "", more_text[32] = "";
	char *buf = malloc(MAX_CMDLINE), *pbuf = malloc(MAX_CMDLINE);
	DIR *d = opendir("/proc");
	struct dirent *de;
	int nignored = 0, more = 0;

	all->n = 0;
	all->cut = false;
	all->p = calloc(MAX_DNSMASQ, sizeof(*all->p));
	if (!d || !buf || !pbuf || !all->p) {
		say(rep, WARN, "dnsmasq", "listing processes: %s", strerror(d ? ENOMEM : errno));
		all->cut = true;
		goto out;
	}
	while ((errno = 0, de = readdir(d))) {
		struct candidate c;
		struct scan s = {.rep = rep};
		uid_t uid = 0;
		const char *base;
		int r;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		r = candidate(dirfd(d), de->d_name, &c, &uid, buf, pbuf);
		if (r == -EPERM) {
			size_t have = strlen(ignored);

			if (have + 40 < sizeof(ignored))
				snprintf(ignored + have, sizeof(ignored) - have, "%s%s (uid %lu)",
				         nignored ? ", " : "", de->d_name, (unsigned long)uid);
			else
				more++;
			nignored++;
		}
		if (r != 1)
			continue;
		if (all->n == MAX_DNSMASQ) {
			all->cut = true;
			free(c.cmdline);
			continue; /* counted on: the loop goes on only to say how many */
		}
		s.d = &all->p[all->n++];
		s.d->pid = c.pid;
		s.d->incomplete = c.cut;
		scan_cmdline(&s, c.cmdline, c.len);
		base = strrchr(s.script, '/') ? strrchr(s.script, '/') + 1 : s.script;
		s.d->ours = strcmp(base, "lease-db-helper") == 0;
		free(c.cmdline);
	}
	if (errno)
		all->cut = true;
	if (more)
		snprintf(more_text, sizeof(more_text), " and %d more", more);
	if (nignored)
		say(rep, WARN, "dnsmasq ignored",
		    "pid %s%s: called dnsmasq but run by a user dnsmasq does not run as (root, "
		    "nobody, dnsmasq, libvirt-dnsmasq): not believed, its files not opened",
		    ignored, more_text);
	if (all->cut)
		say(rep, WARN, "dnsmasq",
		    "more than %d dnsmasq instances (or /proc not fully read): only the first %d "
		    "were read; interfaces are not judged against them",
		    MAX_DNSMASQ, all->n);
out:
	if (d)
		closedir(d);
	free(buf);
	free(pbuf);
}

/* Is iface one dnsmasq serves? Without an interface option it serves
 * every interface; patterns may end in '*', as dnsmasq allows. */
static bool serves(const struct dnsmasq *d, const char *iface)
{
	char copy[sizeof(d->ifaces)], *save = NULL;

	if (!d->ifaces[0] || d->ifaces_cut || d->incomplete)
		return true;
	memcpy(copy, d->ifaces, sizeof(copy));
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (fnmatch(t, iface, 0) == 0)
			return true;
	return false;
}

static void check_dnsmasq(struct report *rep, struct dnsmasqs *all)
{
	int ours = 0, others = 0, stale = 0;
	char list[512] = "";

	find_dnsmasq(rep, all);
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
	if (ours == 0 && all->cut)
		say(rep, WARN, "dnsmasq",
		    "none of the %d dnsmasq read uses lease-db-helper; the others were not read",
		    others);
	else if (ours == 0)
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
	if (r == -EUCLEAN) {
		say(rep, FAIL, "master",
		    "%s/%s is damaged (empty, truncated or not an LMDB file): rebuild it with `%s`",
		    dir, LDB_MASTER_DATA, LDB_MASTER_RECOVERY);
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

/* Text from the master, for a terminal (ldb_str_sanitize: NUL, controls). */
static void printable(char *dst, size_t size, struct ldb_str s)
{
	(void)ldb_str_sanitize(dst, size, s);
}

struct failures {
	struct report *rep;
	int64_t now;
	int n;
};

static int show_failure(const struct ldb_failure *f, void *p)
{
	struct failures *c = p;
	char iface[LDB_STR_SANITIZED_MAX(LDB_IFNAME_MAX)];
	char msg[LDB_STR_SANITIZED_MAX(LDB_FAILURE_MESSAGE_MAX)], when[64];
	struct tm tm;
	time_t t = (time_t)f->time;

	c->n++;
	printable(iface, sizeof(iface), f->iface);
	printable(msg, sizeof(msg), f->message);
	if (f->malformed) {
		say(c->rep, FAIL, "helper events",
		    "%s: a failure record that cannot be decoded (\"%s\"): when and why an event "
		    "failed is unknown; the next event on %s that succeeds removes it",
		    iface[0] ? iface : "(no interface)", msg, iface[0] ? iface : "any interface");
		return 0;
	}
	if (!f->time || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "at an unknown time");
	else
		snprintf(when + strlen(when), sizeof(when) - strlen(when), " (%lld s ago)",
		         (long long)(c->now - f->time));
	if (iface[0])
		say(c->rep, FAIL, "helper events",
		    "%s: an event failed %s and none on %s has succeeded since: %s", iface, when,
		    iface, msg[0] ? msg : "(no message recorded)");
	else
		say(c->rep, FAIL, "helper events",
		    "an event naming no interface failed %s and no event has succeeded since: %s",
		    when, msg[0] ? msg : "(no message recorded)");
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
		/* A cut scan may have missed the dnsmasq that serves it. */
		served = all->cut;
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
		    "%zu interface%s with unexpired leases, each served by a running dnsmasq%s%s",
		    c.n, c.n == 1 ? "" : "s",
		    lvdir ? " (and libvirt's with their .status file)" : "",
		    all->cut ? " or not judged: not every dnsmasq was read" : "");
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
	free(all.p);
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
