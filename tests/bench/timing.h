/* What the benchmark programs share: a clock and a median over batches. */
#ifndef LDB_BENCH_TIMING_H
#define LDB_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

#define BATCHES 31

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts t. */
static inline double median(double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

#endif
