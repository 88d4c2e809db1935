#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/counter.h"
#include "store/files.h"

#define LOAD(p) LDB_COUNTER_LOAD(p)

void ldb_fileid_from_stat(const struct stat *st, struct ldb_fileid *id)
{
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	id->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

bool ldb_fileid_equal(const struct ldb_fileid *a, const struct ldb_fileid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

int ldb_counter_map(const char *snapshot, const struct ldb_counter **out, uid_t *owner, dev_t *dev,
                    ino_t *ino)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd, r;

	r = ldb_counter_path(snapshot, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = ldb_trusted_file(&st);
	if (r < 0)
		goto out;
	if (st.st_size != LDB_COUNTER_SIZE) {
		r = -EBADMSG;
		goto out;
	}
	/* No block behind it (made with ftruncate() and never written): on a
	 * full tmpfs even a load from such a mapping is a SIGBUS, since the
	 * fault must allocate the page. Treated as no counter file. */
	if (st.st_blocks == 0) {
		r = -EBADMSG;
		goto out;
	}
	p = mmap(NULL, LDB_COUNTER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	if (LOAD(&((const struct ldb_counter *)p)->magic) != LDB_COUNTER_MAGIC) {
		munmap(p, LDB_COUNTER_SIZE);
		r = -EBADMSG;
		goto out;
	}
	*out = p;
	*owner = st.st_uid;
	*dev = st.st_dev;
	*ino = st.st_ino;
out:
	close(fd);
	return r;
}

void ldb_counter_unmap(const struct ldb_counter *g)
{
	if (g)
		munmap((void *)g, LDB_COUNTER_SIZE);
}

uint64_t ldb_counter_generation(const struct ldb_counter *g)
{
	return LOAD(&g->gen);
}

uint64_t ldb_counter_txn(const struct ldb_counter *g)
{
	return LOAD(&g->txn);
}

uint64_t ldb_counter_base(const struct ldb_counter *g)
{
	return LOAD(&g->base);
}

/* Field by field with relaxed atomics between the two loads of seq: the
 * writer may change them under us, and a torn copy is discarded. */
static void copy_id(const struct ldb_fileid *src, struct ldb_fileid *dst)
{
	dst->dev = __atomic_load_n(&src->dev, __ATOMIC_RELAXED);
	dst->ino = __atomic_load_n(&src->ino, __ATOMIC_RELAXED);
	dst->size = __atomic_load_n(&src->size, __ATOMIC_RELAXED);
	dst->ctime_sec = __atomic_load_n(&src->ctime_sec, __ATOMIC_RELAXED);
	dst->ctime_nsec = __atomic_load_n(&src->ctime_nsec, __ATOMIC_RELAXED);
}

void ldb_counter_source(const struct ldb_counter *g, struct ldb_counter_source *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 64; i++) {
		uint64_t s1 = LOAD(&g->seq), s2;

		if (s1 & 1)
			continue;
		/* txn inside the window: the pair is one publication's. */
		s->txn = __atomic_load_n(&g->txn, __ATOMIC_RELAXED);
		for (size_t j = 0; j < LDB_MASTER_ID_SIZE; j++) {
			s->master_id[j] = __atomic_load_n(&g->master_id[j], __ATOMIC_RELAXED);
			s->mark[j] = __atomic_load_n(&g->mark[j], __ATOMIC_RELAXED);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&g->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return;
	}
	/* The writer kept changing it: an identity no master has. */
	memset(s->master_id, 0xff, sizeof(s->master_id));
}

enum ldb_source_state ldb_source_compare(const struct ldb_counter_source *pub,
                                         const struct ldb_counter_source *master)
{
	if (memcmp(pub->master_id, master->master_id, LDB_MASTER_ID_SIZE) != 0)
		return LDB_SOURCE_OTHER;
	if (pub->txn > master->txn)
		return LDB_SOURCE_AHEAD;
	if (memcmp(pub->mark, master->mark, LDB_MASTER_ID_SIZE) != 0)
		return LDB_SOURCE_DIVERGED;
	return pub->txn == master->txn ? LDB_SOURCE_CURRENT : LDB_SOURCE_BEHIND;
}

void ldb_counter_read(const struct ldb_counter *g, struct ldb_counter_reading *v)
{
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < 64; i++) {
		uint64_t s1 = LOAD(&g->seq), s2;

		v->gen = LOAD(&g->gen);
		if (s1 & 1)
			continue;
		copy_id(&g->vbase, &v->vbase);
		copy_id(&g->vdelta, &v->vdelta);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&g->seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			v->valid = true;
			return;
		}
	}
	memset(&v->vbase, 0, sizeof(v->vbase));
	memset(&v->vdelta, 0, sizeof(v->vdelta));
}
