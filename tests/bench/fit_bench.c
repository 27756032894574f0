// SPDX-License-Identifier: GPL-2.0
/*
 * fit_bench.c - cost of an alloc+free pair in a fit pool with 10^2 ..
 * 10^6 holes, for each strategy, indexed (module/core/fl_fit.c) against
 * the linear-scan reference (tests/unit/fit_ref.h).
 *
 * Setup for n holes (granularity 16 B): one segment of 2n granules plus a
 * 1 KiB tail; alloc every granule, then free every other one: n holes of
 * 16 B separated by 16 B allocations, and one large hole at the top.  The
 * measured pair allocates 32 B, which only the top hole can hold, and
 * frees it again, so the state is the same before every pair:
 *
 *   first fit must pass the n small holes, best and worst fit must rank
 *   all of them; next fit's rover stays in the top hole, which the
 *   reference finds by scanning the sorted hole array up to the rover.
 *
 * The indexed pool answers each of these with a few tree descents.  The
 * reference's operation count is bounded (about 2*10^7 hole visits per
 * cell) so the 10^6 row stays quick.
 *
 * Usage: fit_bench [max_holes]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_setup.h"

#define GRAN		FIT_GRAN
#define TAIL		FIT_TAIL
#define PAIR_SIZE	(2 * GRAN)
#define CORE_OPS	200000ULL
#define REF_VISITS	20000000ULL

static void die(const char *what, int err)
{
	fprintf(stderr, "fit_bench: %s: %d\n", what, err);
	exit(1);
}

static struct fl_fit_pool *make_pool(u64 n, struct fl_fit_segment *seg)
{
	struct fl_fit_pool *p = fit_setup_pool(n, seg);

	if (!p)
		die("pool setup", -ENOMEM);
	return p;
}

static void make_ref(struct fit_ref *r, u64 n,
		     const struct fl_fit_segment *seg)
{
	if (fit_setup_ref(r, n, seg))
		die("malloc", -ENOMEM);
}

static double bench_core(struct fl_fit_pool *p, u32 strategy, u64 ops)
{
	u64 i, off, t0;
	int ret;

	fl_fit_set_strategy(p, strategy);
	for (i = 0; i < ops / 10 + 1; i++) {		/* warm up */
		ret = fl_fit_alloc(p, PAIR_SIZE, 0, 0, &off);
		if (ret || fl_fit_free(p, off))
			die("core pair", ret);
	}
	t0 = fl_ns();
	for (i = 0; i < ops; i++) {
		fl_fit_alloc(p, PAIR_SIZE, 0, 0, &off);
		fl_fit_free(p, off);
	}
	return (double)(fl_ns() - t0) / ops;
}

static double bench_ref(struct fit_ref *r, u32 strategy, u64 ops)
{
	u64 i, off, t0;
	int ret;

	r->strategy = strategy;
	ret = fit_ref_alloc(r, PAIR_SIZE, 0, 0, &off);
	if (ret || fit_ref_free(r, off))
		die("ref pair", ret);
	t0 = fl_ns();
	for (i = 0; i < ops; i++) {
		fit_ref_alloc(r, PAIR_SIZE, 0, 0, &off);
		fit_ref_free(r, off);
	}
	return (double)(fl_ns() - t0) / ops;
}

int main(int argc, char **argv)
{
	u64 max_holes = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	u64 n;
	u32 s;

	printf("fit pools: ns per alloc+free pair of %llu B, with n holes of "
	       "%llu B below one %llu B hole\n",
	       (unsigned long long)PAIR_SIZE, (unsigned long long)GRAN,
	       (unsigned long long)TAIL);
	printf("%-9s |%9s %9s %9s %9s |%11s %11s %11s %11s | ref ops\n",
	       "holes", "first", "next", "best", "worst",
	       "ref-first", "ref-next", "ref-best", "ref-worst");
	for (n = 100; n <= max_holes; n *= 10) {
		struct fl_fit_segment seg;
		struct fl_fit_pool *p = make_pool(n, &seg);
		struct fit_ref r;
		double core[FL_FIT_NR_STRATEGIES], ref[FL_FIT_NR_STRATEGIES];
		u64 ref_ops = REF_VISITS / n;
		struct fl_fit_stats st;

		if (ref_ops > CORE_OPS)
			ref_ops = CORE_OPS;
		if (ref_ops < 10)
			ref_ops = 10;
		fl_fit_get_stats(p, &st);
		if (st.nr_holes != n + 1)
			die("hole count", (int)st.nr_holes);
		make_ref(&r, n, &seg);
		for (s = 0; s < FL_FIT_NR_STRATEGIES; s++) {
			core[s] = bench_core(p, s, CORE_OPS);
			ref[s] = bench_ref(&r, s, ref_ops);
		}
		printf("%-9llu |%9.0f %9.0f %9.0f %9.0f |%11.0f %11.0f %11.0f "
		       "%11.0f | %llu\n", (unsigned long long)n,
		       core[0], core[1], core[2], core[3],
		       ref[0], ref[1], ref[2], ref[3],
		       (unsigned long long)ref_ops);
		fflush(stdout);
		if (fl_fit_check(p, NULL, 0))
			die("fl_fit_check", -EUCLEAN);
		fl_fit_destroy(p, true);
		fit_ref_destroy(&r);
	}
	return 0;
}
