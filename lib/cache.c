#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "gen.h"
#include "paths.h"

struct entry {
	struct ldb_snapshot *snap;
	unsigned refs;
	struct entry *next; /* retired entries still referenced */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct entry *current, *retired;
static char cur_path[PATH_MAX];
static uint64_t cur_gen;
static time_t last_check;
static const struct ldb_gen *genmap;
static dev_t gen_dev;
static ino_t gen_ino;

static void entry_free(struct entry *e)
{
	ldb_snapshot_close(e->snap);
	free(e);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/* The child has one thread: references held by the parent's other threads
 * are meaningless here, so every environment is released and reopened on
 * the next lookup, as LMDB requires after fork(). */
static void atfork_child(void)
{
	struct entry *e, *next;

	for (e = retired; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	retired = NULL;
	if (current)
		entry_free(current);
	current = NULL;
	pthread_mutex_init(&lock, NULL);
}

static void init_once(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static time_t now_coarse(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

static void unmap_gen(void)
{
	if (genmap)
		munmap((void *)genmap, LDB_GEN_SIZE);
	genmap = NULL;
}

/* Map the counter read-only if it is trusted; without it every lookup
 * falls back to a stat() of the snapshot. */
static void map_gen(const char *snapshot)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd;

	unmap_gen();
	if (ldb_gen_path(snapshot, path, sizeof(path)) < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && ldb_trusted_file(&st) == 0 && st.st_size == LDB_GEN_SIZE) {
		p = mmap(NULL, LDB_GEN_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			genmap = p;
			gen_dev = st.st_dev;
			gen_ino = st.st_ino;
			if (__atomic_load_n(&genmap->magic, __ATOMIC_ACQUIRE) != LDB_GEN_MAGIC)
				unmap_gen();
		}
	}
	close(fd);
}

static uint64_t load_gen(void)
{
	return genmap ? __atomic_load_n(&genmap->gen, __ATOMIC_ACQUIRE) : 0;
}

static bool same_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Is the current entry still the published snapshot? Called with lock held. */
static bool still_current(const char *path)
{
	char gpath[PATH_MAX];
	time_t now;

	if (!current || strcmp(path, cur_path) != 0)
		return false;
	if (!genmap)
		return same_file(path, current->snap->dev, current->snap->ino);
	if (load_gen() != cur_gen) {
		/* Bumped: a new file was renamed in, unless we already have it. */
		cur_gen = load_gen();
		return same_file(path, current->snap->dev, current->snap->ino);
	}
	/* Guard against a replaced counter file or a snapshot put in place
	 * by hand, at most once a second. */
	now = now_coarse();
	if (now == last_check)
		return true;
	last_check = now;
	if (ldb_gen_path(path, gpath, sizeof(gpath)) < 0 || !same_file(gpath, gen_dev, gen_ino)) {
		unmap_gen();
		return false;
	}
	return same_file(path, current->snap->dev, current->snap->ino);
}

static void retire_current(void)
{
	if (!current)
		return;
	if (current->refs == 0) {
		entry_free(current);
	} else {
		current->next = retired;
		retired = current;
	}
	current = NULL;
}

static int reopen(const char *path)
{
	struct entry *e;
	uint64_t g;
	int r;

	if (strlen(path) >= sizeof(cur_path))
		return -ENAMETOOLONG;
	if (!genmap || strcmp(path, cur_path) != 0)
		map_gen(path);
	/* Read the counter before opening: a rename after our open is then
	 * seen as a change on the next lookup. */
	g = load_gen();
	retire_current();
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = ldb_snapshot_open(path, &e->snap);
	if (r < 0) {
		free(e);
		return r;
	}
	current = e;
	cur_gen = g;
	last_check = now_coarse();
	strcpy(cur_path, path);
	return 0;
}

int ldb_cache_acquire(const char *path, struct ldb_snapshot **out)
{
	int r = 0;

	pthread_once(&once, init_once);
	pthread_mutex_lock(&lock);
	if (!still_current(path))
		r = reopen(path);
	if (r == 0) {
		current->refs++;
		*out = current->snap;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void ldb_cache_release(struct ldb_snapshot *s)
{
	struct entry **pp, *e;

	pthread_mutex_lock(&lock);
	if (current && current->snap == s) {
		current->refs--;
		goto out;
	}
	for (pp = &retired; (e = *pp); pp = &e->next) {
		if (e->snap == s) {
			if (--e->refs == 0) {
				*pp = e->next;
				entry_free(e);
			}
			break;
		}
	}
out:
	pthread_mutex_unlock(&lock);
}

/* Runs when glibc unloads the module (dlclose, __libc_freeres): no
 * lookup can be in progress then. */
__attribute__((destructor)) static void cache_free(void)
{
	atfork_child();
	unmap_gen();
}
