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

#define LOAD(p)     __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

struct entry {
	struct ldb_snapshot *snap;
	unsigned refs;      /* threads holding it; under lock */
	struct entry *next; /* retired entries still held */
};

/* What one thread holds between lookups. */
struct tls {
	struct entry *e;
	MDB_txn *txn, *dtxn; /* reset while idle */
	uint64_t epoch;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static bool have_key;
static __thread struct tls tl;

/* Under lock, read without it on the fast path. */
static struct entry *current, *retired;
static uint64_t epoch; /* bumped whenever current changes */
static uint64_t cur_gen;
static time_t last_check;
static const struct ldb_gen *genmap;
static dev_t gen_dev;
static ino_t gen_ino;
static char cur_path[PATH_MAX];
/* A snapshot that failed to open is not retried on every lookup: only
 * once the counter moves or a second has passed. */
static int fail_err;
static uint64_t fail_gen;
static time_t fail_time;

/* Counter mappings are never unmapped while the module is loaded: a
 * thread on the fast path may be reading one. */
#define MAX_OLD_GEN 16
static const struct ldb_gen *old_gen[MAX_OLD_GEN];
static unsigned n_old_gen;

static void entry_free(struct entry *e)
{
	ldb_snapshot_close(e->snap);
	free(e);
}

/* Give up what a thread holds. Under lock (or with no other thread). */
static void tls_drop(struct tls *t)
{
	struct entry **pp, *e = t->e;

	if (t->dtxn)
		mdb_txn_abort(t->dtxn);
	if (t->txn)
		mdb_txn_abort(t->txn);
	t->txn = t->dtxn = NULL;
	t->e = NULL;
	if (!e || --e->refs > 0 || e == current)
		return;
	for (pp = &retired; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			entry_free(e);
			return;
		}
	}
}

static void thread_exit(void *p)
{
	pthread_mutex_lock(&lock);
	tls_drop(p);
	pthread_mutex_unlock(&lock);
}

static void free_all(void)
{
	struct entry *e, *next;

	if (tl.dtxn)
		mdb_txn_abort(tl.dtxn);
	if (tl.txn)
		mdb_txn_abort(tl.txn);
	memset(&tl, 0, sizeof(tl));
	for (e = retired; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	retired = NULL;
	if (current)
		entry_free(current);
	current = NULL;
	STORE(&epoch, LOAD(&epoch) + 1);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/* The child has one thread, the one that forked: other threads' references
 * are meaningless here, and LMDB environments must not be reused after
 * fork(), so everything is released and reopened on the next lookup. */
static void atfork_child(void)
{
	free_all();
	pthread_mutex_init(&lock, NULL);
}

static void init_once(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	have_key = pthread_key_create(&key, thread_exit) == 0;
}

static time_t now_coarse(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

static void retire_gen(void)
{
	const struct ldb_gen *g = genmap;

	if (!g)
		return;
	STORE(&genmap, NULL);
	if (n_old_gen < MAX_OLD_GEN)
		old_gen[n_old_gen++] = g;
	/* else leak one page: only after 16 replaced counter files */
}

/* Map the counter read-only if it is trusted; without it every lookup
 * takes the locked path and stat()s the snapshot. */
static void map_gen(const char *snapshot)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd;

	retire_gen();
	if (ldb_gen_path(snapshot, path, sizeof(path)) < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && ldb_trusted_file(&st) == 0 && st.st_size == LDB_GEN_SIZE) {
		p = mmap(NULL, LDB_GEN_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED && LOAD(&((struct ldb_gen *)p)->magic) == LDB_GEN_MAGIC) {
			gen_dev = st.st_dev;
			gen_ino = st.st_ino;
			STORE(&genmap, p);
		} else if (p != MAP_FAILED) {
			munmap(p, LDB_GEN_SIZE);
		}
	}
	close(fd);
}

static uint64_t load_gen(void)
{
	const struct ldb_gen *g = LOAD(&genmap);

	return g ? LOAD(&g->gen) : 0;
}

static bool same_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Base and delta both still the files we mapped (or both absent)? */
static bool same_snapshot(const char *path, const struct ldb_snapshot *s)
{
	char dpath[PATH_MAX];
	struct stat st;

	if (!same_file(path, s->dev, s->ino) || ldb_delta_path(path, dpath, sizeof(dpath)) < 0)
		return false;
	if (lstat(dpath, &st) < 0)
		return errno == ENOENT && s->dino == 0 && s->ddev == 0;
	return st.st_dev == s->ddev && st.st_ino == s->dino;
}

/* Is the current entry still the published snapshot? Under lock. */
static bool still_current(const char *path)
{
	char gpath[PATH_MAX];
	time_t now;

	if (!current || strcmp(path, cur_path) != 0)
		return false;
	if (!genmap)
		return same_snapshot(path, current->snap);
	if (load_gen() != cur_gen) {
		/* Bumped: a new file was renamed in, unless we already have it. */
		STORE(&cur_gen, load_gen());
		return same_snapshot(path, current->snap);
	}
	/* Guard against a replaced counter file or a snapshot put in place
	 * by hand, at most once a second. */
	now = now_coarse();
	if (now == last_check)
		return true;
	STORE(&last_check, now);
	if (ldb_gen_path(path, gpath, sizeof(gpath)) < 0 || !same_file(gpath, gen_dev, gen_ino)) {
		retire_gen();
		return false;
	}
	return same_snapshot(path, current->snap);
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
	STORE(&epoch, LOAD(&epoch) + 1);
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
	strcpy(cur_path, path);
	retire_current();
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* A publication may rename files while we open base and delta one
	 * after the other; the writer bumps the counter after its renames,
	 * so an unchanged counter across the open means a consistent pair. */
	for (int attempt = 0;; attempt++) {
		g = load_gen();
		r = ldb_snapshot_open(path, &e->snap);
		if (r == 0 && load_gen() != g) {
			ldb_snapshot_close(e->snap);
			r = -EAGAIN;
		}
		if (r != -EAGAIN || attempt == 8)
			break;
	}
	if (r < 0) {
		free(e);
		return r;
	}
	current = e;
	STORE(&cur_gen, g);
	STORE(&last_check, now_coarse());
	return 0;
}

/* The locked path: revalidate, and move this thread to the current entry. */
static int refresh(const char *path)
{
	int r = 0;

	pthread_once(&once, init_once);
	pthread_mutex_lock(&lock);
	if (fail_err && genmap && load_gen() == fail_gen && now_coarse() == fail_time &&
	    strcmp(path, cur_path) == 0) {
		r = fail_err;
		goto out;
	}
	fail_err = 0;
	if (!still_current(path)) {
		r = reopen(path);
		if (r < 0 && r != -EAGAIN) {
			fail_err = r;
			fail_gen = load_gen();
			fail_time = now_coarse();
		}
	}
	if (r == 0 && tl.e != current) {
		tls_drop(&tl);
		r = ldb_mdb_errno(mdb_txn_begin(current->snap->env, NULL, MDB_RDONLY, &tl.txn));
		if (r == 0 && current->snap->denv) {
			r = ldb_mdb_errno(
			    mdb_txn_begin(current->snap->denv, NULL, MDB_RDONLY, &tl.dtxn));
			if (r < 0) {
				mdb_txn_abort(tl.txn);
				tl.txn = NULL;
			} else {
				mdb_txn_reset(tl.dtxn);
			}
		}
		if (r == 0) {
			mdb_txn_reset(tl.txn);
			tl.e = current;
			current->refs++;
			if (have_key)
				pthread_setspecific(key, &tl);
		}
	}
	if (r == 0)
		tl.epoch = LOAD(&epoch);
out:
	pthread_mutex_unlock(&lock);
	return r;
}

int ldb_cache_begin(const char *path, struct ldb_read *rd)
{
	const struct ldb_gen *g;
	int r;

	g = LOAD(&genmap);
	if (!(tl.e && tl.epoch == LOAD(&epoch) && g && LOAD(&g->gen) == LOAD(&cur_gen) &&
	      now_coarse() == LOAD(&last_check))) {
		r = refresh(path);
		if (r < 0)
			return r;
	}
	r = ldb_mdb_errno(mdb_txn_renew(tl.txn));
	if (r < 0)
		return r;
	if (tl.dtxn) {
		r = ldb_mdb_errno(mdb_txn_renew(tl.dtxn));
		if (r < 0) {
			mdb_txn_reset(tl.txn);
			return r;
		}
	}
	rd->snap = tl.e->snap;
	rd->view.txn = tl.txn;
	rd->view.dbis = &tl.e->snap->dbis;
	rd->view.dtxn = tl.dtxn;
	rd->view.ddbis = tl.dtxn ? &tl.e->snap->ddbis : NULL;
	return 0;
}

void ldb_cache_end(struct ldb_read *rd)
{
	if (rd->view.dtxn)
		mdb_txn_reset(rd->view.dtxn);
	mdb_txn_reset(rd->view.txn);
}

/* Runs when glibc unloads the module (dlclose, __libc_freeres): no
 * lookup can be in progress then. */
__attribute__((destructor)) static void cache_free(void)
{
	free_all();
	if (have_key)
		pthread_key_delete(key);
	have_key = false;
	retire_gen();
	for (unsigned i = 0; i < n_old_gen; i++)
		munmap((void *)old_gen[i], LDB_GEN_SIZE);
	n_old_gen = 0;
}
