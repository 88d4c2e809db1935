#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "read/lookup.h"
#include "store/mdb-errno.h"
#include "store/counter.h"
#include "store/files.h"
#include "store/snapshot.h"

#define LOAD(p)     __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

/*
 * A static program loads NSS modules through a second copy of libc and
 * ld.so that never ran their start-up: thread-local variables crash there
 * (__tls_get_addr), and fork handlers registered with that copy never run.
 * So lookups borrow read transactions from a fixed array of slots instead
 * of keeping them per thread, and the lock recognises a holder that only
 * existed before a fork.
 */

struct entry {
	struct ldb_snapshot *snap;
	unsigned refs;      /* slots bound to it; under lock */
	struct entry *next; /* retired entries still bound */
};

#define NSLOTS    64
#define SLOT_TEMP 2 /* busy value of a slot allocated for one lookup */

struct slot {
	int busy;            /* one lookup at a time; taken with a CAS */
	struct entry *e;     /* the entry txn and dtxn belong to; under lock */
	MDB_txn *txn, *dtxn; /* reset while idle */
	uint64_t epoch;      /* epoch when bound */
} __attribute__((aligned(64)));

static struct slot slots[NSLOTS];

/* The pid of the process holding the lock, or 0. */
static pid_t lockw;

/* Under lock; read without it on the fast path. */
static struct entry *current, *retired;
static uint64_t epoch; /* bumped whenever current changes */
static uint64_t cur_gen;
static time_t last_check;
static const struct ldb_counter *genmap;
static uid_t gen_owner;
static dev_t gen_dev;
static ino_t gen_ino;
static char cur_path[PATH_MAX];
/* A snapshot that failed to open is not retried on every lookup: only
 * once the counter moves or a second has passed. */
static int fail_err;
static uint64_t fail_gen;
static time_t fail_time;

/* Counter mappings are never unmapped while the module is loaded: a
 * lookup on the fast path may be reading one. */
#define MAX_OLD_GEN 16
static const struct ldb_counter *old_gen[MAX_OLD_GEN];
static unsigned n_old_gen;

static void lock(void)
{
	pid_t me = getpid(), h;

	for (;;) {
		h = 0;
		if (__atomic_compare_exchange_n(&lockw, &h, me, false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return;
		/* Held by another process: a parent that forked us while one
		 * of its threads held it. Nobody here will release it. */
		if (h != me) {
			if (__atomic_compare_exchange_n(&lockw, &h, me, false, __ATOMIC_ACQUIRE,
			                                __ATOMIC_RELAXED))
				return;
			continue;
		}
		struct timespec ts = {0, 1000000};
		syscall(SYS_futex, &lockw, FUTEX_WAIT_PRIVATE, h, &ts, NULL, 0);
	}
}

static void unlock(void)
{
	STORE(&lockw, 0);
	syscall(SYS_futex, &lockw, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static time_t now_coarse(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

/* Threads run on different stacks, so the stack address spreads them
 * over the slots without any per-thread state. */
static struct slot *take_slot(void)
{
	uintptr_t a = (uintptr_t)__builtin_frame_address(0) >> 16;
	unsigned start = (unsigned)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 58) % NSLOTS;

	for (unsigned i = 0; i < NSLOTS; i++) {
		struct slot *s = &slots[(start + i) % NSLOTS];
		int free_ = 0;

		if (__atomic_load_n(&s->busy, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&s->busy, &free_, 1, false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return s;
	}
	return NULL;
}

static void entry_free(struct entry *e)
{
	ldb_snapshot_close(e->snap);
	free(e);
}

/* Unbind a slot from its entry, freeing a retired entry nobody holds.
 * Under lock, with the slot taken. */
static void slot_drop(struct slot *s)
{
	struct entry *e = s->e;

	if (s->dtxn)
		mdb_txn_abort(s->dtxn);
	if (s->txn)
		mdb_txn_abort(s->txn);
	s->txn = s->dtxn = NULL;
	s->e = NULL;
	if (!e || --e->refs > 0 || e == current)
		return;
	for (struct entry **pp = &retired; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			entry_free(e);
			return;
		}
	}
}

static void put_slot(struct slot *s)
{
	if (s->busy == SLOT_TEMP) {
		lock();
		slot_drop(s);
		unlock();
		free(s);
		return;
	}
	STORE(&s->busy, 0);
}

/* Idle slots still bound to retired entries let them go now rather than
 * whenever a lookup next lands on them. Under lock. */
static void release_idle(void)
{
	for (unsigned i = 0; i < NSLOTS; i++) {
		struct slot *s = &slots[i];
		int free_ = 0;

		if (__atomic_load_n(&s->busy, __ATOMIC_RELAXED) != 0 ||
		    !__atomic_compare_exchange_n(&s->busy, &free_, 1, false, __ATOMIC_ACQUIRE,
		                                 __ATOMIC_RELAXED))
			continue;
		if (s->e && s->e != current)
			slot_drop(s);
		STORE(&s->busy, 0);
	}
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

static void retire_gen(void)
{
	const struct ldb_counter *g = genmap;

	if (!g)
		return;
	STORE(&genmap, NULL);
	if (n_old_gen < MAX_OLD_GEN)
		old_gen[n_old_gen++] = g;
	/* else leak one page: only after 16 replaced counter files */
}

/* Without a counter file every lookup takes the locked path and stat()s
 * the snapshot, and every file is walked before use. */
static void map_counter(const char *snapshot)
{
	const struct ldb_counter *g;

	retire_gen();
	if (ldb_counter_map(snapshot, &g, &gen_owner, &gen_dev, &gen_ino) == 0)
		STORE(&genmap, g);
}

static bool same_counter_file(const char *path)
{
	char gpath[PATH_MAX];
	struct stat st;

	return ldb_counter_path(path, gpath, sizeof(gpath)) == 0 && lstat(gpath, &st) == 0 &&
	       st.st_dev == gen_dev && st.st_ino == gen_ino;
}

/* Is the current entry still the published snapshot? Under lock. */
static bool still_current(const char *path)
{
	time_t now;

	if (!current || strcmp(path, cur_path) != 0)
		return false;
	if (!genmap)
		return ldb_snapshot_unchanged(path, current->snap);
	/* Bumped: something was published; reopening reuses the base when
	 * it did not change. Never decided by inode numbers, which the
	 * filesystem reuses. */
	if (ldb_counter_generation(genmap) != cur_gen)
		return false;
	/* A replaced counter file, or a file put in place or changed in
	 * place by hand: checked at most once a second. */
	now = now_coarse();
	if (now == last_check)
		return true;
	STORE(&last_check, now);
	if (!same_counter_file(path)) {
		retire_gen();
		return false;
	}
	return ldb_snapshot_unchanged(path, current->snap);
}

static int reopen(const char *path)
{
	struct ldb_snapshot *snap;
	struct entry *e;
	int r;

	if (strlen(path) >= sizeof(cur_path))
		return -ENAMETOOLONG;
	if (strcmp(path, cur_path) != 0) {
		retire_current();
		retire_gen();
		strcpy(cur_path, path);
	}
	if (!genmap)
		map_counter(path);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = ldb_snapshot_reopen(path, genmap, gen_owner, current ? current->snap : NULL, &snap);
	if (r < 0) {
		free(e);
		/* Publications outran us: the snapshot we have is consistent,
		 * only older. Anything else: it must not be answered from. */
		if (r != -EAGAIN || !current)
			retire_current();
		return r;
	}
	e->snap = snap;
	retire_current();
	current = e;
	STORE(&cur_gen, snap->gen);
	STORE(&last_check, now_coarse());
	release_idle();
	return 0;
}

/* Bind a slot to the current entry. Under lock. */
static int bind(struct slot *s)
{
	const struct ldb_snapshot *snap = current->snap;
	int r;

	if (s->e == current)
		return 0;
	slot_drop(s);
	r = ldb_mdb_errno(mdb_txn_begin(snap->base->env, NULL, MDB_RDONLY, &s->txn));
	if (r == 0 && snap->delta) {
		r = ldb_mdb_errno(mdb_txn_begin(snap->delta->env, NULL, MDB_RDONLY, &s->dtxn));
		if (r < 0) {
			mdb_txn_abort(s->txn);
			s->txn = NULL;
			return r;
		}
		mdb_txn_reset(s->dtxn);
	}
	if (r < 0)
		return r;
	mdb_txn_reset(s->txn);
	s->e = current;
	current->refs++;
	return 0;
}

/* The locked path: revalidate, and bind the slot to the current entry. */
static int refresh(const char *path, struct slot **sp)
{
	struct slot *s = *sp;
	int r = 0;

	lock();
	if (!s) {
		/* More lookups at once than slots: one for this lookup. */
		s = calloc(1, sizeof(*s));
		if (!s) {
			r = -ENOMEM;
			goto out;
		}
		s->busy = SLOT_TEMP;
		*sp = s;
	}
	if (fail_err && genmap && ldb_counter_generation(genmap) == fail_gen &&
	    now_coarse() == fail_time && strcmp(path, cur_path) == 0) {
		r = fail_err;
		goto out;
	}
	fail_err = 0;
	if (!still_current(path)) {
		r = reopen(path);
		if (r == -EAGAIN && current)
			r = 0;
		else if (r < 0 && r != -EAGAIN) {
			fail_err = r;
			fail_gen = genmap ? ldb_counter_generation(genmap) : 0;
			fail_time = now_coarse();
		}
	}
	if (r == 0)
		r = bind(s);
	if (r == 0)
		s->epoch = LOAD(&epoch);
out:
	unlock();
	return r;
}

int ldb_lookup_begin(const char *path, struct ldb_lookup *rd)
{
	struct slot *s;
	const struct ldb_counter *g;
	int r;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &rd->cancelstate);
	s = take_slot();
	g = LOAD(&genmap);

	if (!(s && s->e && s->epoch == LOAD(&epoch) && g &&
	      ldb_counter_generation(g) == LOAD(&cur_gen) && now_coarse() == LOAD(&last_check))) {
		r = refresh(path, &s);
		if (r < 0)
			goto fail;
	}
	r = ldb_mdb_errno(mdb_txn_renew(s->txn));
	if (r < 0)
		goto fail;
	if (s->dtxn) {
		r = ldb_mdb_errno(mdb_txn_renew(s->dtxn));
		if (r < 0) {
			mdb_txn_reset(s->txn);
			goto fail;
		}
	}
	rd->slot = s;
	rd->view.txn = s->txn;
	rd->view.dbis = &s->e->snap->base->dbis;
	rd->view.dtxn = s->dtxn;
	rd->view.ddbis = s->dtxn ? &s->e->snap->delta->dbis : NULL;
	return 0;
fail:
	if (s)
		put_slot(s);
	pthread_setcancelstate(rd->cancelstate, NULL);
	return r;
}

void ldb_lookup_end(struct ldb_lookup *rd)
{
	struct slot *s = rd->slot;

	if (rd->view.dtxn)
		mdb_txn_reset(rd->view.dtxn);
	mdb_txn_reset(rd->view.txn);
	put_slot(s);
	pthread_setcancelstate(rd->cancelstate, NULL);
}

/* Runs when glibc unloads the module (dlclose, __libc_freeres): no
 * lookup can be in progress then. */
__attribute__((destructor)) static void cache_free(void)
{
	for (unsigned i = 0; i < NSLOTS; i++)
		slot_drop(&slots[i]);
	retire_current();
	while (retired) {
		struct entry *e = retired;

		retired = e->next;
		entry_free(e);
	}
	retire_gen();
	for (unsigned i = 0; i < n_old_gen; i++)
		ldb_counter_unmap(old_gen[i]);
	n_old_gen = 0;
}
