/*
 * What a fresh process pays for one lookup, under several nsswitch.conf
 * files at once:
 *   bench-fresh [-g MS] RUNS CLIENT NAME HOSTS ARM...
 *   ARM: EXPECT,NSSWITCH[,LIBVIRT_DIR]   EXPECT: hit or miss
 * For each ARM a spawner process enters its own mount namespace with
 * NSSWITCH over /etc/nsswitch.conf, HOSTS over /etc/hosts and LIBVIRT_DIR
 * (if given) over /var/lib/libvirt/dnsmasq. Then, RUNS times, each spawner
 * in turn starts `CLIENT NAME` with posix_spawn and waits for it, timing
 * that on its own clock. The arms take turns run by run (the first arm
 * rotating), so a change in the machine's load hits every arm alike and
 * the difference between two arms means something on a shared machine.
 * -g pauses MS milliseconds between rounds (not timed), so that the runs
 * span a longer stretch of whatever else is going on.
 * Prints, per ARM: median ns, 90th percentile ns, runs whose result was
 * EXPECT (client exit 0 for hit, 2 for miss). Needs root (mounts).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define MAX_ARMS 8
#define WARMUP   3

extern char **environ;

struct arm {
	int expect;     /* client exit status counted as a success */
	char *nsswitch; /* file bound over /etc/nsswitch.conf */
	char *libvirt;  /* directory bound over /var/lib/libvirt/dnsmasq, or NULL */
	pid_t pid;      /* the spawner */
	int cmd, res;   /* pipe ends: to the spawner, from it */
	double *t;      /* wall ns per run */
	int matched;    /* runs that gave the expected answer */
};

struct result {
	double ns;
	int status; /* client exit status, -1 if it did not exit normally */
};

static int bind_over(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		fprintf(stderr, "bench-fresh: bind %s over %s: %s\n", src, dst, strerror(errno));
		return -errno;
	}
	return 0;
}

static int enter_namespace(const struct arm *a, const char *hosts)
{
	const char *lv = "/var/lib/libvirt/dnsmasq";

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "bench-fresh: mount namespace: %s\n", strerror(errno));
		return -errno;
	}
	if (bind_over(a->nsswitch, "/etc/nsswitch.conf") < 0 || bind_over(hosts, "/etc/hosts") < 0)
		return -EIO;
	if (!a->libvirt)
		return 0;
	/* libnss_libvirt has its directory compiled in; on a host without
	 * libvirt's directories, make them on a private tmpfs. */
	if (access(lv, F_OK) < 0 && (mount("tmpfs", "/var/lib", "tmpfs", 0, NULL) < 0 ||
	                             mkdir("/var/lib/libvirt", 0755) < 0 || mkdir(lv, 0755) < 0)) {
		fprintf(stderr, "bench-fresh: %s: %s\n", lv, strerror(errno));
		return -errno;
	}
	return bind_over(a->libvirt, lv);
}

/* The spawner: one client per byte read, one result written back. */
static void serve(int cmd, int res, char *client, char *name)
{
	char *args[] = {client, name, NULL};
	char c;

	while (read(cmd, &c, 1) == 1) {
		struct result r = {0, -1};
		pid_t pid;
		int st;
		double t0 = now_ns();

		if (posix_spawn(&pid, client, NULL, NULL, args, environ) == 0 &&
		    waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			r.status = WEXITSTATUS(st);
		r.ns = now_ns() - t0;
		if (write(res, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
	}
	_exit(0);
}

/* Starts the spawner of arms[i]. */
static int start(struct arm *arms, int i, const char *hosts, char *client, char *name)
{
	struct arm *a = &arms[i];
	int to[2], from[2];

	/* Close-on-exec: the clients must not hold them. */
	if (pipe2(to, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]);
		close(to[1]);
		return -errno;
	}
	a->pid = fork();
	if (a->pid < 0) {
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return -errno;
	}
	if (a->pid == 0) {
		close(to[1]);
		close(from[0]);
		/* Holding an earlier spawner's pipe would keep it from seeing
		 * EOF when the parent closes its end. */
		for (int j = 0; j < i; j++) {
			close(arms[j].cmd);
			close(arms[j].res);
		}
		if (enter_namespace(a, hosts) < 0)
			_exit(1);
		serve(to[0], from[1], client, name);
	}
	close(to[0]);
	close(from[1]);
	a->cmd = to[1];
	a->res = from[0];
	return 0;
}

static int run_one(struct arm *a, struct result *r)
{
	if (write(a->cmd, "r", 1) != 1 || read(a->res, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		return -EIO;
	return 0;
}

static int parse_arm(char *spec, struct arm *a)
{
	char *save = NULL, *e = strtok_r(spec, ",", &save);

	if (!e)
		return -EINVAL;
	if (strcmp(e, "hit") == 0)
		a->expect = 0;
	else if (strcmp(e, "miss") == 0)
		a->expect = 2;
	else
		return -EINVAL;
	a->nsswitch = strtok_r(NULL, ",", &save);
	a->libvirt = strtok_r(NULL, ",", &save);
	return a->nsswitch ? 0 : -EINVAL;
}

int main(int argc, char *argv[])
{
	struct arm arms[MAX_ARMS] = {0};
	struct timespec gap = {0, 0};
	int runs, n, rc = 1;

	if (argc > 2 && strcmp(argv[1], "-g") == 0) {
		long ms = atol(argv[2]);

		gap.tv_sec = ms / 1000;
		gap.tv_nsec = (ms % 1000) * 1000000L;
		argc -= 2;
		argv += 2;
	}
	if (argc < 6 || argc - 5 > MAX_ARMS) {
		fprintf(stderr, "usage: bench-fresh [-g MS] RUNS CLIENT NAME HOSTS "
		                "hit|miss,NSSWITCH[,LIBVIRT_DIR]...\n");
		return 1;
	}
	runs = atoi(argv[1]);
	n = argc - 5;
	if (runs < 1)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++) {
		arms[i].cmd = arms[i].res = -1;
		if (parse_arm(argv[5 + i], &arms[i]) < 0) {
			fprintf(stderr, "bench-fresh: bad arm %s\n", argv[5 + i]);
			goto out;
		}
		arms[i].t = calloc((size_t)runs, sizeof(double));
		if (!arms[i].t || start(arms, i, argv[4], argv[2], argv[3]) < 0)
			goto out;
	}
	/* Warm the page cache and the spawners; not counted. */
	for (int w = 0; w < WARMUP; w++)
		for (int i = 0; i < n; i++) {
			struct result r;

			if (run_one(&arms[i], &r) < 0)
				goto out;
		}
	for (int k = 0; k < runs; k++) {
		for (int j = 0; j < n; j++) {
			struct arm *a = &arms[(k + j) % n];
			struct result r;

			if (run_one(a, &r) < 0)
				goto out;
			a->t[k] = r.ns;
			a->matched += r.status == a->expect;
		}
		if (gap.tv_sec || gap.tv_nsec)
			nanosleep(&gap, NULL);
	}
	for (int i = 0; i < n; i++) {
		double med = median(arms[i].t, (size_t)runs); /* sorts */

		printf("%.0f %.0f %d\n", med, arms[i].t[(size_t)runs * 9 / 10], arms[i].matched);
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++) {
		if (arms[i].cmd >= 0)
			close(arms[i].cmd); /* the spawner reads EOF and exits */
		if (arms[i].res >= 0)
			close(arms[i].res);
		if (arms[i].pid > 0)
			waitpid(arms[i].pid, NULL, 0);
		free(arms[i].t);
	}
	if (rc)
		fprintf(stderr, "bench-fresh: a spawner failed\n");
	return rc;
}
