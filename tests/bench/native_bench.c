// SPDX-License-Identifier: GPL-2.0
/*
 * native_bench.c - native timings of the portable core (the module/core
 * sources, built unchanged with -O2, no sanitizers) against baselines in the same
 * process (docs/BENCHMARKS.md, "Native timings").
 *
 *   native_bench [--runs N] [--smoke] [pairs|slab|buddy|compact|fit|scale]
 *
 * pairs (default; or one of its sections: slab, buddy, compact, fit):
 * every row is RUNS runs (default 15); in each run every
 * side of the row is timed once, the sides' order reversed in odd runs
 * (ABBA), after one untimed warm-up run.  A row's result is the median of
 * the per-run ratios fraglab/baseline and a 95% percentile-bootstrap
 * interval of that median (BOOT resamples, fixed seed).  A row with a
 * target is "met" only when the interval's upper end is below it.
 *
 *   slab-N       fl_slab_cache_alloc + fl_slab_cache_free_ptr (one cache,
 *                its per-CPU array warm) vs malloc/free of N bytes from
 *                glibc, jemalloc (libjemalloc.so.2) and tcmalloc
 *                (libtcmalloc_minimal.so.4), each dlopen()ed with
 *                RTLD_LOCAL and called through a pointer (so the pair is
 *                never optimised away); no target
 *   buddy-oN     fl_buddy_alloc/free, per-CPU lists off and on (pcp,
 *                orders 0-3), vs tb_buddy (below): free lists + a bitmap,
 *                under the same kind of lock; no target
 *   compaction   fl_compact_run(FULL) per page moved, every other page of
 *                16 MiB movable, vs memcpy() of as many 4 KiB pages in the
 *                same buffer: target <= 1.3
 *   fit-S 10^6/10^3   one strategy's pair at 10^6 holes over the same at
 *                10^3 holes: target <= 2.5
 *   fit-S N vs ref    the indexed pool against the linear-scan reference
 *                (tests/unit/fit_ref.h) at N holes: target <= 1.0
 *
 * scale: throughput (pairs per second, all threads) with 1 and 2 threads
 * of buddy order 0 with per-CPU lists, slab 64 B, and a model of the
 * ioctl path's locking: one global mutex (fl_dev.lock) around an id-table
 * insert + fl_buddy_alloc, and around the lookup + remove +
 * fl_buddy_free, as FRAGLAB_IOC_ALLOC/FREE take it.  Per run the ratio of
 * the 2-thread to the 1-thread throughput; median and interval as above.
 *
 * --smoke: two runs, tiny op counts, 10^3 and 10^4 holes only: what make
 * check runs to see that the benchmark builds and works (no timing is
 * judged there).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_port.h"
#include "fl_port_user.h"
#include "fl_buddy.h"
#include "fl_compact.h"
#include "fl_fit.h"
#include "fl_idtab.h"
#include "fl_slab.h"
#include "fit_setup.h"

#define MAX_RUNS	64
#define MAX_SIDES	5
#define BOOT		2000
#define GRAN		FIT_GRAN
#define TB_MAX_ORDER	10

static unsigned int runs = 15;
static bool smoke;
static u32 ops_pair = 200000;	/* slab and buddy pairs per timed side */
static u32 ops_fit = 20000;
static u64 ref_visits = 20000000;
static unsigned int nr_missed, nr_met;

static void die(const char *what, int err)
{
	fprintf(stderr, "native_bench: %s: %d\n", what, err);
	exit(1);
}

/* ---- statistics ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* 95% percentile-bootstrap interval of the median of @v. */
static void boot_ci(const double *v, unsigned int n, double *lo, double *hi)
{
	static double med[BOOT];
	double s[MAX_RUNS];
	unsigned int b, i;

	rng_state = 0x9e3779b97f4a7c15ULL;	/* the same resamples every row */
	for (b = 0; b < BOOT; b++) {
		for (i = 0; i < n; i++)
			s[i] = v[rng() % n];
		med[b] = median(s, n);
	}
	qsort(med, BOOT, sizeof(*med), cmp_double);
	*lo = med[(unsigned int)(BOOT * 0.025)];
	*hi = med[(unsigned int)(BOOT * 0.975) - 1];
}

/*
 * One result line: the median fraglab and baseline ns, the median of the
 * per-run ratios @ratio[], its interval, the target (0: none) and the
 * verdict: met only when the interval's upper end is below the target.
 */
static void report(const char *row, const char *base, const double *fl,
		   const double *bl, const double *ratio, double target)
{
	double lo, hi, m = median(ratio, runs);
	const char *verdict = "-";
	char tgt[16] = "-";

	boot_ci(ratio, runs, &lo, &hi);
	if (target > 0) {
		snprintf(tgt, sizeof(tgt), "< %.2f", target);
		verdict = hi < target ? "met" : "NOT MET";
		if (hi < target)
			nr_met++;
		else
			nr_missed++;
	}
	printf("%-26s %-14s %10.1f %10.1f %7.3f [%6.3f, %6.3f] %-7s %s\n",
	       row, base, fl ? median(fl, runs) : 0, bl ? median(bl, runs) : 0,
	       m, lo, hi, tgt, verdict);
	fflush(stdout);
}

static void header(const char *what, const char *unit)
{
	printf("\n%s\n%-26s %-14s %10s %10s %7s %16s %-7s %s\n", what, "row",
	       "baseline", unit, unit, "ratio", "95% interval", "target",
	       "verdict");
	printf("%-26s %-14s %10s %10s %7s\n", "", "", "fraglab", "baseline",
	       "median");
}

/* ---- sides ----------------------------------------------------------------- */

/* A side: runs @n ops, returns ns per op. */
struct side {
	const char *name;
	double (*run)(struct side *s, u32 n);
	void *arg;
	u32 param;
	void *(*malloc_fn)(size_t);
	void (*free_fn)(void *);
};

/*
 * Time every side once per run, ABBA, after a warm-up; ns[s][r].  Side 0
 * is fraglab.
 */
static void time_sides(struct side *sd, unsigned int nr, u32 n,
		       double ns[][MAX_RUNS])
{
	unsigned int r, i, s;

	for (s = 0; s < nr; s++)
		sd[s].run(&sd[s], n / 10 + 1);
	for (r = 0; r < runs; r++)
		for (i = 0; i < nr; i++) {
			s = r & 1 ? nr - 1 - i : i;
			ns[s][r] = sd[s].run(&sd[s], n);
		}
}

static void report_sides(const char *row, struct side *sd, unsigned int nr,
			 double ns[][MAX_RUNS], double target)
{
	double ratio[MAX_RUNS];
	unsigned int r, s;

	for (s = 1; s < nr; s++) {
		for (r = 0; r < runs; r++)
			ratio[r] = ns[0][r] / ns[s][r];
		report(row, sd[s].name, ns[0], ns[s], ratio, target);
	}
}

/* ---- slab vs malloc ------------------------------------------------------- */

static double run_fl_slab(struct side *s, u32 n)
{
	struct fl_slab_cache *c = s->arg;
	void *ptr;
	u64 off, t0 = fl_ns();
	u32 i;

	for (i = 0; i < n; i++) {
		if (fl_slab_cache_alloc(c, &off, &ptr))
			die("slab alloc", -ENOMEM);
		fl_slab_cache_free_ptr(c, ptr);
	}
	return (double)(fl_ns() - t0) / n;
}

static double run_malloc(struct side *s, u32 n)
{
	void *(*volatile m)(size_t) = s->malloc_fn;
	u64 t0 = fl_ns();
	u32 i;
	void *p;

	for (i = 0; i < n; i++) {
		p = m(s->param);
		if (!p)
			die("malloc", -ENOMEM);
		s->free_fn(p);
	}
	return (double)(fl_ns() - t0) / n;
}

/* A malloc from a library of its own (RTLD_LOCAL: it replaces nothing). */
static bool load_malloc(struct side *s, const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		printf("# %s: %s (not installed? it is skipped)\n", lib, dlerror());
		return false;
	}
	s->malloc_fn = (void *(*)(size_t))dlsym(h, "malloc");
	s->free_fn = (void (*)(void *))dlsym(h, "free");
	return s->malloc_fn && s->free_fn;
}

static void *arena_mem(u64 mb)
{
	void *p = aligned_alloc(FL_PAGE_SIZE, mb << 20);

	if (!p)
		die("aligned_alloc", -ENOMEM);
	memset(p, 0, mb << 20);
	return p;
}

static struct fl_buddy *make_buddy(u64 mb, void *mem)
{
	struct fl_chunk c = {
		.start = 0,
		.nr_pages = (u32)(mb << (20 - FL_PAGE_SHIFT)),
		.vaddr = mem,
	};
	struct fl_buddy *b = fl_buddy_create(&c, 1, FL_MAX_ORDER, true);

	if (!b)
		die("fl_buddy_create", -ENOMEM);
	return b;
}

static void bench_slab(void)
{
	static const u32 sizes[] = { 64, 256, 1024 };
	static double ns[MAX_SIDES][MAX_RUNS];
	struct side sd[MAX_SIDES] = {
		{ .name = "fraglab", .run = run_fl_slab },
		{ .name = "glibc", .run = run_malloc, .malloc_fn = malloc,
		  .free_fn = free },
	};
	unsigned int nr = 2, i, s;
	void *mem = arena_mem(64);
	struct fl_buddy *b = make_buddy(64, mem);
	struct fl_slab_root *root;
	char row[32];

	sd[nr] = (struct side){ .name = "jemalloc", .run = run_malloc };
	if (load_malloc(&sd[nr], "libjemalloc.so.2"))
		nr++;
	sd[nr] = (struct side){ .name = "tcmalloc", .run = run_malloc };
	if (load_malloc(&sd[nr], "libtcmalloc_minimal.so.4"))
		nr++;
	if (fl_slab_root_create(b, &root))
		die("fl_slab_root_create", -ENOMEM);
	header("slab: ns per alloc+free pair (no target natively: the slab target is in instructions, in the box)",
	       "ns");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct fl_slab_cache *c;

		snprintf(row, sizeof(row), "nb-%u", sizes[i]);
		if (fl_slab_cache_create(root, row, sizes[i], 0, 0, NULL, NULL,
					 &c))
			die("fl_slab_cache_create", -ENOMEM);
		for (s = 0; s < nr; s++) {
			sd[s].arg = c;
			sd[s].param = sizes[i];
		}
		time_sides(sd, nr, ops_pair, ns);
		snprintf(row, sizeof(row), "slab-%u", sizes[i]);
		report_sides(row, sd, nr, ns, 0);
		fl_slab_cache_destroy_force(c);
	}
	fl_slab_root_destroy(root);
	fl_buddy_destroy(b);
	free(mem);
}

/* ---- buddy vs a textbook buddy ------------------------------------------- */

/*
 * tb_buddy: the textbook binary buddy (Knuth, TAOCP 2.5): one doubly
 * linked free list per order and one bit per block and order, set while
 * that block is free at that order.  Alloc takes the smallest order with
 * a free block and splits it down; free merges with the buddy while the
 * buddy's bit is set.  No migrate types, no per-CPU lists, no owners: the
 * least an allocator of this kind must do.  It runs under the same lock
 * type as fl_buddy (fl_lock_t), taken once per call as fl_buddy does.
 */
struct tb_buddy {
	fl_lock_t lock;
	u32 nr_pages;
	u32 head[TB_MAX_ORDER + 1];
	u32 *next, *prev;
	u64 *bits[TB_MAX_ORDER + 1];
};

#define TB_NIL	0xffffffffU

static bool tb_test(const struct tb_buddy *t, u32 o, u32 idx)
{
	u32 b = idx >> o;

	return t->bits[o][b / 64] >> (b % 64) & 1;
}

static void tb_flip(struct tb_buddy *t, u32 o, u32 idx)
{
	u32 b = idx >> o;

	t->bits[o][b / 64] ^= 1ULL << (b % 64);
}

static void tb_push(struct tb_buddy *t, u32 o, u32 idx)
{
	t->next[idx] = t->head[o];
	t->prev[idx] = TB_NIL;
	if (t->head[o] != TB_NIL)
		t->prev[t->head[o]] = idx;
	t->head[o] = idx;
	tb_flip(t, o, idx);
}

static void tb_unlink(struct tb_buddy *t, u32 o, u32 idx)
{
	if (t->prev[idx] != TB_NIL)
		t->next[t->prev[idx]] = t->next[idx];
	else
		t->head[o] = t->next[idx];
	if (t->next[idx] != TB_NIL)
		t->prev[t->next[idx]] = t->prev[idx];
	tb_flip(t, o, idx);
}

static struct tb_buddy *tb_create(u32 nr_pages)
{
	struct tb_buddy *t = calloc(1, sizeof(*t));
	u32 o, i;

	if (!t)
		die("calloc", -ENOMEM);
	fl_lock_init(&t->lock);
	t->nr_pages = nr_pages;
	t->next = malloc(nr_pages * sizeof(u32));
	t->prev = malloc(nr_pages * sizeof(u32));
	for (o = 0; o <= TB_MAX_ORDER; o++) {
		t->head[o] = TB_NIL;
		t->bits[o] = calloc((nr_pages >> o) / 64 + 1, sizeof(u64));
		if (!t->bits[o])
			die("calloc", -ENOMEM);
	}
	if (!t->next || !t->prev)
		die("malloc", -ENOMEM);
	for (i = 0; i < nr_pages; i += 1U << TB_MAX_ORDER)
		tb_push(t, TB_MAX_ORDER, i);
	return t;
}

static void tb_destroy(struct tb_buddy *t)
{
	u32 o;

	for (o = 0; o <= TB_MAX_ORDER; o++)
		free(t->bits[o]);
	free(t->next);
	free(t->prev);
	fl_lock_destroy(&t->lock);
	free(t);
}

static int tb_alloc(struct tb_buddy *t, u32 order, u32 *idx)
{
	u32 o, i;

	fl_lock(&t->lock);
	for (o = order; o <= TB_MAX_ORDER && t->head[o] == TB_NIL; o++)
		;
	if (o > TB_MAX_ORDER) {
		fl_unlock(&t->lock);
		return -ENOMEM;
	}
	i = t->head[o];
	tb_unlink(t, o, i);
	while (o > order) {
		o--;
		tb_push(t, o, i + (1U << o));	/* the upper half stays free */
	}
	fl_unlock(&t->lock);
	*idx = i;
	return 0;
}

static void tb_free(struct tb_buddy *t, u32 idx, u32 order)
{
	u32 buddy;

	fl_lock(&t->lock);
	while (order < TB_MAX_ORDER) {
		buddy = idx ^ (1U << order);
		if (buddy >= t->nr_pages || !tb_test(t, order, buddy))
			break;
		tb_unlink(t, order, buddy);
		idx &= ~(1U << order);
		order++;
	}
	tb_push(t, order, idx);
	fl_unlock(&t->lock);
}

static double run_fl_buddy(struct side *s, u32 n)
{
	struct fl_buddy_req req = {
		.order = s->param,
		.mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL,
		.requested = FL_PAGE_SIZE << s->param,
	};
	u64 t0 = fl_ns();
	u32 i, idx;

	for (i = 0; i < n; i++) {
		if (fl_buddy_alloc(s->arg, &req, &idx))
			die("buddy alloc", -ENOMEM);
		fl_buddy_free(s->arg, idx);
	}
	return (double)(fl_ns() - t0) / n;
}

static double run_tb_buddy(struct side *s, u32 n)
{
	u64 t0 = fl_ns();
	u32 i, idx;

	for (i = 0; i < n; i++) {
		if (tb_alloc(s->arg, s->param, &idx))
			die("tb alloc", -ENOMEM);
		tb_free(s->arg, idx, s->param);
	}
	return (double)(fl_ns() - t0) / n;
}

static void bench_buddy(void)
{
	static const u32 orders[] = { 0, 1, 2, 3, 9 };
	static double ns[MAX_SIDES][MAX_RUNS];
	u32 pages = 64 << (20 - FL_PAGE_SHIFT);
	struct fl_buddy *b = make_buddy(64, NULL);
	struct tb_buddy *t = tb_create(pages);
	struct side sd[2] = {
		{ .name = "fraglab", .run = run_fl_buddy, .arg = b },
		{ .name = "textbook", .run = run_tb_buddy, .arg = t },
	};
	unsigned int i, pcp;
	char row[32];

	header("buddy: ns per alloc+free pair, 64 MiB metadata-only arena, empty (no target natively)",
	       "ns");
	for (pcp = 0; pcp < 2; pcp++) {
		if (fl_buddy_set_pcp(b, pcp ? 512 : 0))
			die("fl_buddy_set_pcp", -ENOMEM);
		for (i = 0; i < ARRAY_SIZE(orders); i++) {
			if (pcp && orders[i] > FL_PCP_MAX_ORDER)
				continue;
			sd[0].param = sd[1].param = orders[i];
			time_sides(sd, 2, ops_pair, ns);
			snprintf(row, sizeof(row), "buddy-o%u%s", orders[i],
				 pcp ? "-pcp" : "");
			report_sides(row, sd, 2, ns, 0);
		}
	}
	fl_buddy_destroy(b);
	tb_destroy(t);
}

/* ---- compaction vs memcpy ------------------------------------------------ */

static int c_prepare(void *priv, u8 kind, u64 owner)
{
	return 0;
}

static void c_moved(void *priv, u8 kind, u64 owner, u32 from, u32 to,
		    u32 order)
{
}

static const struct fl_compact_ops c_ops = {
	.prepare = c_prepare,
	.moved = c_moved,
};

struct compact_state {
	char *buf;
	u32 pages;
	u64 moved;
};

/* Untimed fill, then the timed run: ns per page moved. */
static double run_compact(struct side *s, u32 n)
{
	static struct fl_compact_result res;
	struct compact_state *cs = s->arg;
	struct fl_buddy *b = make_buddy((u64)cs->pages >> (20 - FL_PAGE_SHIFT),
					cs->buf);
	struct fl_buddy_req req = {
		.order = 0, .mt = FL_MT_MOVABLE,
		.owner_kind = FL_OWN_USER, .requested = FL_PAGE_SIZE,
	};
	/* emptiest-first: the policy the module's compaction pair uses */
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL, .order = FL_PAGEBLOCK_ORDER,
		.policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	u32 i, idx;
	u64 t0, t1;

	for (i = 0; i < cs->pages; i++) {
		req.owner = i;
		if (fl_buddy_alloc(b, &req, &idx))
			die("compact fill", -ENOMEM);
	}
	for (i = 0; i < cs->pages; i += 2)
		fl_buddy_free(b, i);
	t0 = fl_ns();
	if (fl_compact_run(b, &p, &c_ops, NULL, &res))
		die("fl_compact_run", -EIO);
	t1 = fl_ns();
	fl_buddy_destroy(b);
	cs->moved = res.pages_moved;
	if (!cs->moved)
		die("compaction moved nothing", -EIO);
	return (double)(t1 - t0) / cs->moved;
}

/* memcpy() of as many 4 KiB pages as compaction moved, in the same buffer. */
static double run_memcpy(struct side *s, u32 n)
{
	struct compact_state *cs = s->arg;
	size_t len = FL_PAGE_SIZE;
	u64 i, half = cs->pages / 2, t0;

	__asm__ volatile("" : "+r"(len));	/* the out-of-line memcpy() */
	t0 = fl_ns();
	for (i = 0; i < cs->moved; i++)
		memcpy(cs->buf + (i % half) * FL_PAGE_SIZE,
		       cs->buf + (half + i % half) * FL_PAGE_SIZE, len);
	__asm__ volatile("" ::: "memory");
	return (double)(fl_ns() - t0) / cs->moved;
}

static void bench_compact(void)
{
	static double ns[MAX_SIDES][MAX_RUNS];
	struct compact_state cs = { .pages = 16 << (20 - FL_PAGE_SHIFT) };
	struct side sd[2] = {
		{ .name = "memcpy 4K", .run = run_compact, .arg = &cs },
		{ .name = "memcpy 4K", .run = run_memcpy, .arg = &cs },
	};
	unsigned int r;

	cs.buf = arena_mem(16);
	header("compaction: ns per 4 KiB page moved (FULL, 16 MiB, every other page movable) vs memcpy of a page",
	       "ns");
	/* the memcpy side copies as many pages as the last compaction moved */
	sd[0].run(&sd[0], 0);
	sd[1].run(&sd[1], 0);
	for (r = 0; r < runs; r++) {
		if (r & 1) {
			ns[1][r] = sd[1].run(&sd[1], 0);
			ns[0][r] = sd[0].run(&sd[0], 0);
		} else {
			ns[0][r] = sd[0].run(&sd[0], 0);
			ns[1][r] = sd[1].run(&sd[1], 0);
		}
	}
	report_sides("compaction per page", sd, 2, ns, 1.3);
	printf("# pages moved per run: %" PRIu64 "\n", cs.moved);
	free(cs.buf);
}

/* ---- fit pools ------------------------------------------------------------ */

static struct fl_fit_pool *make_pool(u64 n, struct fl_fit_segment *seg)
{
	struct fl_fit_pool *p = fit_setup_pool(n, seg);

	if (!p)
		die("fit pool setup", -ENOMEM);
	return p;
}

static double run_fit(struct side *s, u32 n)
{
	u64 off, t0;
	u32 i;

	fl_fit_set_strategy(s->arg, s->param);
	t0 = fl_ns();
	for (i = 0; i < n; i++) {
		if (fl_fit_alloc(s->arg, 2 * GRAN, 0, 0, &off))
			die("fit pair", -ENOMEM);
		fl_fit_free(s->arg, off);
	}
	return (double)(fl_ns() - t0) / n;
}

static double run_ref(struct side *s, u32 n)
{
	struct fit_ref *r = s->arg;
	u64 off, t0;
	u32 i;

	r->strategy = s->param;
	t0 = fl_ns();
	for (i = 0; i < n; i++) {
		if (fit_ref_alloc(r, 2 * GRAN, 0, 0, &off))
			die("ref pair", -ENOMEM);
		fit_ref_free(r, off);
	}
	return (double)(fl_ns() - t0) / n;
}

static void bench_fit(void)
{
	static const u64 holes[] = { 1000, 10000, 100000, 1000000 };
	static double ns[MAX_SIDES][MAX_RUNS];
	double ratio[MAX_RUNS];
	struct fl_fit_segment seg3, seg;
	struct fl_fit_pool *p3 = make_pool(holes[0], &seg3), *p;
	unsigned int h, s, r, nh = smoke ? 2 : ARRAY_SIZE(holes);
	char row[48], base[24];

	header("fit pools: ns per 32-byte alloc+free pair, n 16-byte holes below a 1 KiB hole (only the top one fits)",
	       "ns");
	for (h = 0; h < nh; h++) {
		struct fit_ref ref;
		u32 ref_ops = ref_visits / holes[h] < ops_fit ?
			      ref_visits / holes[h] : ops_fit;

		p = h ? make_pool(holes[h], &seg) : p3;
		if (fit_setup_ref(&ref, holes[h], h ? &seg : &seg3))
			die("fit reference setup", -ENOMEM);
		for (s = 0; s < FL_FIT_NR_STRATEGIES; s++) {
			struct side sd[3] = {
				{ .name = "linear ref", .run = run_fit, .arg = p,
				  .param = s },
				{ .name = "linear ref", .run = run_ref, .arg = &ref,
				  .param = s },
				{ .name = "10^3 holes", .run = run_fit, .arg = p3,
				  .param = s },
			};
			unsigned int i;

			if (ref_ops < 10)
				ref_ops = 10;
			/* ns per pair, whatever each side's op count */
			run_fit(&sd[0], ops_fit / 10 + 1);
			run_ref(&sd[1], 2);
			run_fit(&sd[2], ops_fit / 10 + 1);
			for (r = 0; r < runs; r++)
				for (i = 0; i < 3; i++) {
					unsigned int k = r & 1 ? 2 - i : i;

					ns[k][r] = sd[k].run(&sd[k],
							     k == 1 ? ref_ops : ops_fit);
				}
			snprintf(row, sizeof(row), "fit-%s %" PRIu64,
				 fl_fit_strategy_names[s], holes[h]);
			for (r = 0; r < runs; r++)
				ratio[r] = ns[0][r] / ns[1][r];
			report(row, "linear ref", ns[0], ns[1], ratio, 1.0);
			if (holes[h] == 1000000 || (smoke && h == nh - 1)) {
				for (r = 0; r < runs; r++)
					ratio[r] = ns[0][r] / ns[2][r];
				snprintf(base, sizeof(base), "%" PRIu64 " holes",
					 holes[0]);
				report(row, base, ns[0], ns[2], ratio,
				       holes[h] == 1000000 ? 2.5 : 0);
			}
		}
		if (fl_fit_check(p, NULL, 0))
			die("fl_fit_check", -EUCLEAN);
		if (h)
			fl_fit_destroy(p, true);
		fit_ref_destroy(&ref);
	}
	fl_fit_destroy(p3, true);
}

/* ---- scaling: 1 and 2 threads --------------------------------------------- */

/*
 * The ioctl path's locking, modelled: FRAGLAB_IOC_ALLOC and _FREE take the
 * device-wide mutex fl_dev.lock around the handle table and the buddy
 * call (module/fl_buddy_dev.c); the buddy takes its own lock inside.
 */
struct ioctl_model {
	pthread_mutex_t dev_lock;
	struct fl_idtab ids;
	struct fl_buddy *b;
};

struct scale_arg {
	int kind;		/* 0 buddy pcp, 1 slab 64, 2 ioctl model */
	void *obj;
	u32 n;
	pthread_barrier_t *start;
};

static void *scale_thread(void *p)
{
	struct scale_arg *a = p;
	struct fl_buddy_req req = {
		.order = 0, .mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL, .requested = FL_PAGE_SIZE,
	};
	struct ioctl_model *m = a->obj;
	u64 off, id;
	void *ptr;
	u32 i, idx;

	fl_cpu_id();	/* take this thread's "CPU" before the clock starts */
	pthread_barrier_wait(a->start);
	for (i = 0; i < a->n; i++) {
		switch (a->kind) {
		case 0:
			if (fl_buddy_alloc(a->obj, &req, &idx))
				die("scale buddy", -ENOMEM);
			fl_buddy_free(a->obj, idx);
			break;
		case 1:
			if (fl_slab_cache_alloc(a->obj, &off, &ptr))
				die("scale slab", -ENOMEM);
			fl_slab_cache_free_ptr(a->obj, ptr);
			break;
		default:
			pthread_mutex_lock(&m->dev_lock);
			if (fl_buddy_alloc(m->b, &req, &idx) ||
			    fl_idtab_alloc(&m->ids, (void *)(uintptr_t)(idx + 1), &id))
				die("scale ioctl alloc", -ENOMEM);
			pthread_mutex_unlock(&m->dev_lock);
			pthread_mutex_lock(&m->dev_lock);
			ptr = fl_idtab_lookup(&m->ids, id);
			fl_idtab_remove(&m->ids, id);
			fl_buddy_free(m->b, (u32)(uintptr_t)ptr - 1);
			pthread_mutex_unlock(&m->dev_lock);
			break;
		}
	}
	return NULL;
}

/* Pairs per microsecond with @threads threads, each doing @n pairs. */
static double scale_run(int kind, void *obj, unsigned int threads, u32 n)
{
	struct scale_arg a[2];
	pthread_t tid[2];
	pthread_barrier_t start;
	unsigned int t;
	u64 t0;

	pthread_barrier_init(&start, NULL, threads + 1);
	for (t = 0; t < threads; t++) {
		a[t] = (struct scale_arg){ kind, obj, n, &start };
		if (pthread_create(&tid[t], NULL, scale_thread, &a[t]))
			die("pthread_create", -EAGAIN);
	}
	t0 = fl_ns();
	pthread_barrier_wait(&start);
	for (t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	t0 = fl_ns() - t0;
	pthread_barrier_destroy(&start);
	return (double)n * threads * 1000.0 / t0;
}

static void bench_scale(void)
{
	static const char *const names[] = {
		"buddy-o0-pcp", "slab-64", "ioctl-model o0",
	};
	double one[MAX_RUNS], two[MAX_RUNS], ratio[MAX_RUNS];
	void *mem = arena_mem(64);
	struct fl_buddy *b = make_buddy(64, mem), *bi = make_buddy(64, NULL);
	struct fl_slab_root *root;
	struct fl_slab_cache *c;
	struct ioctl_model m = { .b = bi };
	void *objs[3];
	unsigned int k, r;

	fl_set_nr_cpus(2);	/* one "CPU" per thread */
	if (fl_buddy_set_pcp(b, 512) || fl_slab_root_create(b, &root) ||
	    fl_slab_cache_create(root, "scale-64", 64, 0, 0, NULL, NULL, &c) ||
	    fl_idtab_init(&m.ids, 1U << 24, true, 0))
		die("scale setup", -ENOMEM);
	pthread_mutex_init(&m.dev_lock, NULL);
	objs[0] = b;
	objs[1] = c;
	objs[2] = &m;
	printf("\nscaling: pairs per microsecond, all threads together, %ld CPUs online; ratio = 2 threads / 1 thread (2.0 = linear)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-26s %10s %10s %7s %16s\n", "row", "1 thread", "2 threads",
	       "ratio", "95% interval");
	for (k = 0; k < 3; k++) {
		double lo, hi;

		scale_run(k, objs[k], 1, ops_pair / 10 + 1);
		scale_run(k, objs[k], 2, ops_pair / 10 + 1);
		for (r = 0; r < runs; r++) {
			if (r & 1) {
				two[r] = scale_run(k, objs[k], 2, ops_pair);
				one[r] = scale_run(k, objs[k], 1, ops_pair);
			} else {
				one[r] = scale_run(k, objs[k], 1, ops_pair);
				two[r] = scale_run(k, objs[k], 2, ops_pair);
			}
			ratio[r] = two[r] / one[r];
		}
		boot_ci(ratio, runs, &lo, &hi);
		printf("%-26s %10.2f %10.2f %7.3f [%6.3f, %6.3f]\n", names[k],
		       median(one, runs), median(two, runs),
		       median(ratio, runs), lo, hi);
	}
	fl_slab_cache_destroy_force(c);
	fl_slab_root_destroy(root);
	fl_buddy_destroy(b);
	fl_idtab_destroy(&m.ids);
	fl_buddy_destroy(bi);
	free(mem);
}

int main(int argc, char **argv)
{
	const char *mode = "pairs";
	int i;

	/*
	 * jemalloc's TLS is initial-exec: dlopen() needs room in the static
	 * TLS block, which glibc sizes at startup.  Ask for more and start
	 * again (glibc.rtld.optional_static_tls, glibc >= 2.32).
	 */
	if (!getenv("NATIVE_BENCH_TLS")) {
		setenv("NATIVE_BENCH_TLS", "1", 1);
		setenv("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=65536", 1);
		execv("/proc/self/exe", argv);
	}

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (argv[i][0] != '-')
			mode = argv[i];
		else
			die("usage: native_bench [--runs N] [--smoke] [pairs|slab|buddy|compact|fit|scale]", -EINVAL);
	}
	if (smoke) {
		runs = 2;
		ops_pair = 2000;
		ops_fit = 200;
		ref_visits = 200000;
	}
	if (runs < 2 || runs > MAX_RUNS)
		die("--runs must be 2..64", -EINVAL);
	printf("# native_bench %s: %u runs, median of per-run ratios, 95%% bootstrap interval (%d resamples); met = interval's upper end below the target\n",
	       mode, runs, BOOT);
	if (!strcmp(mode, "scale")) {
		bench_scale();
		return 0;
	}
	if (!strcmp(mode, "pairs") || !strcmp(mode, "slab"))
		bench_slab();
	if (!strcmp(mode, "pairs") || !strcmp(mode, "buddy"))
		bench_buddy();
	if (!strcmp(mode, "pairs") || !strcmp(mode, "compact"))
		bench_compact();
	if (!strcmp(mode, "pairs") || !strcmp(mode, "fit"))
		bench_fit();
	printf("\n# %u target rows met, %u not met\n", nr_met, nr_missed);
	return 0;
}
