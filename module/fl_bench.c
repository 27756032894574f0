// SPDX-License-Identifier: GPL-2.0
/*
 * fl_bench.c - in-kernel microbenchmarks: fraglab's allocators against the
 * kernel's own, side by side in the same call (FRAGLAB_IOC_BENCH, 0x50).
 *
 * Methodology (after time_bench in the prototype-kernel tree):
 *
 *  - one "op" is an alloc+free pair with nothing else in the loop (bulk:
 *    one object of a FRAGLAB_BENCH_BULK-object call; compaction: one 4 KiB
 *    page moved or copied);
 *  - a run times @iterations ops (default 100 000) in chunks: each chunk
 *    runs with preemption disabled between two ktime_get_ns()/get_cycles()
 *    reads, and cond_resched() runs between chunks, so a long run on a
 *    slow (or emulated) CPU never trips the soft-lockup or RCU-stall
 *    detectors.
 *    Only the chunks are timed.  On PREEMPT_RT preemption stays enabled
 *    (fraglab's spinlocks sleep there) and the result says so;
 *  - the fraglab side and the kernel side alternate inside every run, with
 *    the same loop shape (one indirect call per chunk, a direct call per
 *    op); each side reports the median over the runs of its time per op;
 *  - a side that needs more than FL_BENCH_BUDGET_NS in one run stops early
 *    (the genalloc best fit scans all holes: O(n) per op), and reports how
 *    many ops it timed.
 *
 * Pairs:
 *   BUDDY      fl_buddy_alloc/free on the device's arena (its own spinlock,
 *              not fl_dev.lock) vs alloc_pages/__free_pages(GFP_NOWAIT);
 *   BUDDY_PCP  the same on a private metadata-only buddy of
 *              FL_BENCH_PCP_PAGES pages with per-CPU lists on (high
 *              FL_BENCH_PCP_HIGH), orders 0..3: the kernel side has its
 *              pcp lists for these orders too;
 *   SLAB       fl_slab_cache_alloc/free_ptr on a cache of the device's slab
 *              root vs kmem_cache_alloc/free on a private kmem_cache of the
 *              same object size (SLAB_NO_USER_FLAGS: no slub_debug);
 *   SLAB_BULK  kmem_cache_alloc_bulk/free_bulk vs fl_slab_cache_alloc_bulk/
 *              free_bulk (one cache lock at most per call);
 *   FIT        a private fit pool (metadata only) with N 16-byte holes, the
 *              32-byte pair only the top hole fits (as tests/bench/
 *              fit_bench.c) vs genalloc with the same holes and
 *              gen_pool_first_fit / gen_pool_best_fit (next and worst fit
 *              have no kernel counterpart);
 *   COMPACT    a private buddy over a vmalloc buffer, every other order-0
 *              movable page allocated, FULL compaction; vs memcpy() of the
 *              same number of pages between two pages of the buffer.
 *
 * What is not measured here: the ioctl layer, handles and fl_dev.lock (the
 * userspace driver times single vs batched ioctls itself).  The caller
 * must hold CAP_SYS_ADMIN; one benchmark runs at a time (fl_bench_lock,
 * never held together with fl_dev.lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/genalloc.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "fl_compat.h"
#include "fl_internal.h"
#include "fl_kapi.h"
#include "fl_compact.h"
#include "fl_fit.h"
#include "fl_slab.h"

#define FL_BENCH_DEF_ITERS	100000ULL
#define FL_BENCH_DEF_RUNS	5
#define FL_BENCH_CHUNK		1000	/* ops per preemption-off chunk */
#define FL_BENCH_FIT_CHUNK	32	/* fraglab's fit side: O(log n) per op */
/*
 * Holes a genalloc chunk may visit with preemption off, for about 1 ms on
 * hardware.  gen_pool_first_fit() / gen_pool_best_fit() scan the bitmap
 * from its start (bitmap_find_next_zero_area(), lib/genalloc.c, 6.1 and
 * 6.12): with the bench's alternating 16-byte holes and separators every
 * hole costs one find_next_zero_bit() and one find_next_bit() on the same
 * word, a few dozen instructions, about 5 ns at 1-4 instructions per
 * cycle and 3 GHz: 200 000 holes per millisecond.
 */
#define FL_BENCH_FIT_VISITS	200000U
#define FL_BENCH_BUDGET_NS	(1000ULL * NSEC_PER_MSEC)
#define FL_BENCH_GRAN		16U	/* fit granularity, hole size */
#define FL_BENCH_TAIL		1024U	/* the top hole */
#define FL_BENCH_GEN_BASE	0x100000UL	/* genalloc: addresses only */
#define FL_BENCH_GFP		(GFP_NOWAIT | __GFP_NOWARN)
#define FL_BENCH_BULK_CHUNK	(64 * FRAGLAB_BENCH_BULK)
#define FL_BENCH_PCP_PAGES	16384	/* 64 MiB of metadata only */
#define FL_BENCH_PCP_HIGH	512	/* batch 63, as the kernel's */

/* The kernel cache ignores slub_debug= (the box boots with FZPU). */
#ifdef SLAB_NO_USER_FLAGS
#define FL_BENCH_SLAB_FLAGS	SLAB_NO_USER_FLAGS
#else
#define FL_BENCH_SLAB_FLAGS	0
#endif

static DEFINE_MUTEX(fl_bench_lock);

/**
 * struct fl_bench_ctx - state of one pair.
 * @b: the bench request (param, strategy).
 * @order: buddy order.
 * @fl_cache: fraglab slab cache.
 * @km_cache: kernel slab cache.
 * @objs: bulk object array.
 * @pool: fit pool.
 * @gen: genalloc pool.
 * @algo: genalloc algorithm.
 * @gen_ready: @gen holds the hole pattern (its separators are allocated).
 * @cbuddy: compaction, BUDDY_PCP: private buddy.
 * @cbuf: compaction: its memory.
 * @cpages: compaction: pages in @cbuf.
 * @moved: compaction: pages the last run moved.
 * @cres: compaction result (too big for the stack).
 */
struct fl_bench_ctx {
	const struct fraglab_bench *b;
	u32 order;
	struct fl_slab_cache *fl_cache;
	struct kmem_cache *km_cache;
	void *objs[FRAGLAB_BENCH_BULK];
	struct fl_fit_pool *pool;
	struct gen_pool *gen;
	genpool_algo_t algo;
	bool gen_ready;
	struct fl_buddy *cbuddy;
	void *cbuf;
	u32 cpages;
	u64 moved;
	struct fl_compact_result cres;
};

/* One chunk of @n ops; 0 or a negative errno. */
typedef int (*fl_bench_fn)(struct fl_bench_ctx *ctx, u32 n);

/**
 * struct fl_bench_side - one side of a pair and its per-run results.
 * @chunk: runs @n ops.
 * @chunk_ops: ops per timed chunk.
 * @ps: picoseconds per op, per run.
 * @mcycles: cycles per op times 1000, per run.
 * @ops: ops timed in the last run.
 * @budget_hit: a run stopped on FL_BENCH_BUDGET_NS.
 * @may_sleep: @chunk may sleep (fraglab's slab and fit pools allocate
 *             their metadata with GFP_KERNEL when they grow), so it is
 *             timed with preemption enabled; the debug kernel's
 *             DEBUG_ATOMIC_SLEEP caught the slab side running preempt-off.
 *             Also set where a single op would keep preemption off for
 *             more than about 1 ms (genalloc over many holes).
 */
struct fl_bench_side {
	fl_bench_fn chunk;
	u32 chunk_ops;
	bool may_sleep;
	u64 ps[FRAGLAB_BENCH_MAX_RUNS];
	u64 mcycles[FRAGLAB_BENCH_MAX_RUNS];
	u64 ops;
	bool budget_hit;
};

static inline void fl_bench_preempt_off(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_disable();
}

static inline void fl_bench_preempt_on(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_enable();
}

/* ---- buddy ------------------------------------------------------------- */

static int fl_bench_buddy_loop(struct fl_buddy *b, u32 order, u32 n)
{
	struct fl_buddy_req req = {
		.order = order,
		.mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL,
		.requested = FL_PAGE_SIZE << order,
	};
	u32 i, idx;
	int ret;

	for (i = 0; i < n; i++) {
		ret = fl_buddy_alloc(b, &req, &idx);
		if (unlikely(ret))
			return ret;
		fl_buddy_free(b, idx);
	}
	return 0;
}

static int fl_bench_buddy_fl(struct fl_bench_ctx *ctx, u32 n)
{
	return fl_bench_buddy_loop(fl_dev.buddy, ctx->order, n);
}

static int fl_bench_buddy_pcp_fl(struct fl_bench_ctx *ctx, u32 n)
{
	return fl_bench_buddy_loop(ctx->cbuddy, ctx->order, n);
}

/* A private buddy with per-CPU lists: the device's setting stays. */
static int fl_bench_buddy_pcp_setup(struct fl_bench_ctx *ctx)
{
	struct fl_chunk chunk = { .start = 0, .nr_pages = FL_BENCH_PCP_PAGES };

	ctx->cbuddy = fl_buddy_create(&chunk, 1, FL_MAX_ORDER, true);
	if (!ctx->cbuddy)
		return -ENOMEM;
	return fl_buddy_set_pcp(ctx->cbuddy, FL_BENCH_PCP_HIGH);
}

static int fl_bench_buddy_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	struct page *page;
	u32 i;

	for (i = 0; i < n; i++) {
		page = alloc_pages(FL_BENCH_GFP, ctx->order);
		if (unlikely(!page))
			return -ENOMEM;
		__free_pages(page, ctx->order);
	}
	return 0;
}

/* ---- slab -------------------------------------------------------------- */

static int fl_bench_slab_fl(struct fl_bench_ctx *ctx, u32 n)
{
	void *ptr;
	u64 off;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = fl_slab_cache_alloc(ctx->fl_cache, &off, &ptr);
		if (unlikely(ret))
			return ret;
		fl_slab_cache_free_ptr(ctx->fl_cache, ptr);
	}
	return 0;
}

static int fl_bench_slab_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	void *ptr;
	u32 i;

	for (i = 0; i < n; i++) {
		ptr = kmem_cache_alloc(ctx->km_cache, FL_BENCH_GFP);
		if (unlikely(!ptr))
			return -ENOMEM;
		kmem_cache_free(ctx->km_cache, ptr);
	}
	return 0;
}

/* Bulk: @n objects in calls of FRAGLAB_BENCH_BULK (n is a multiple). */
static int fl_bench_bulk_fl(struct fl_bench_ctx *ctx, u32 n)
{
	u32 i;
	int ret;

	for (i = 0; i < n; i += FRAGLAB_BENCH_BULK) {
		ret = fl_slab_cache_alloc_bulk(ctx->fl_cache,
					       FRAGLAB_BENCH_BULK, NULL,
					       ctx->objs);
		if (unlikely(ret))
			return ret;
		fl_slab_cache_free_bulk(ctx->fl_cache, FRAGLAB_BENCH_BULK,
					NULL, ctx->objs);
	}
	return 0;
}

static int fl_bench_bulk_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	u32 i;

	for (i = 0; i < n; i += FRAGLAB_BENCH_BULK) {
		if (unlikely(!kmem_cache_alloc_bulk(ctx->km_cache, FL_BENCH_GFP,
						    FRAGLAB_BENCH_BULK,
						    ctx->objs)))
			return -ENOMEM;
		kmem_cache_free_bulk(ctx->km_cache, FRAGLAB_BENCH_BULK,
				     ctx->objs);
	}
	return 0;
}

/* ---- fit pools vs genalloc ---------------------------------------------- */

static int fl_bench_fit_fl(struct fl_bench_ctx *ctx, u32 n)
{
	u64 off;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = fl_fit_alloc(ctx->pool, 2 * FL_BENCH_GRAN, 0, 0, &off);
		if (unlikely(ret))
			return ret;
		fl_fit_free(ctx->pool, off);
	}
	return 0;
}

static int fl_bench_fit_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	unsigned long addr;
	u32 i;

	for (i = 0; i < n; i++) {
		addr = gen_pool_alloc_algo(ctx->gen, 2 * FL_BENCH_GRAN,
					   ctx->algo, NULL);
		if (unlikely(!addr))
			return -ENOMEM;
		gen_pool_free(ctx->gen, addr, 2 * FL_BENCH_GRAN);
	}
	return 0;
}

/*
 * Both pools get @holes 16-byte holes separated by 16-byte allocations and
 * one FL_BENCH_TAIL-byte hole at the top: a 32-byte request fits only the
 * top hole, and the pair leaves the state as it found it.
 */
static int fl_bench_fit_setup(struct fl_bench_ctx *ctx)
{
	u64 holes = ctx->b->param, i, off, len;
	struct fl_fit_segment seg;
	unsigned long addr;
	int ret;

	len = 2 * holes * FL_BENCH_GRAN;
	seg.start = 0;
	seg.len = len + FL_BENCH_TAIL;
	ret = fl_fit_create(&seg, 1, FL_BENCH_GRAN, ctx->b->strategy,
			    &ctx->pool);
	if (ret)
		return ret;
	for (i = 0; i < 2 * holes; i++) {
		ret = fl_fit_alloc(ctx->pool, FL_BENCH_GRAN, 0, 0, &off);
		if (ret)
			return ret;
		if (!(i % 4096))
			cond_resched();
	}
	for (i = 0; i < holes; i++) {
		ret = fl_fit_free(ctx->pool, 2 * i * FL_BENCH_GRAN);
		if (ret)
			return ret;
		if (!(i % 4096))
			cond_resched();
	}

	if (ctx->b->strategy == FL_FIT_FIRST)
		ctx->algo = gen_pool_first_fit;
	else if (ctx->b->strategy == FL_FIT_BEST)
		ctx->algo = gen_pool_best_fit;
	else
		return 0;	/* no kernel counterpart */
	ctx->gen = gen_pool_create(ilog2(FL_BENCH_GRAN), NUMA_NO_NODE);
	if (!ctx->gen)
		return -ENOMEM;
	ret = gen_pool_add(ctx->gen, FL_BENCH_GEN_BASE, len + FL_BENCH_TAIL,
			   NUMA_NO_NODE);
	if (ret)
		return ret;
	/* genalloc tracks no sizes: take the low part at once, free holes */
	addr = gen_pool_alloc_algo(ctx->gen, len, gen_pool_first_fit, NULL);
	if (!addr)
		return -ENOMEM;
	if (addr != FL_BENCH_GEN_BASE) {
		gen_pool_free(ctx->gen, addr, len);
		return -EIO;
	}
	ctx->gen_ready = true;
	for (i = 0; i < holes; i++)
		gen_pool_free(ctx->gen, addr + 2 * i * FL_BENCH_GRAN,
			      FL_BENCH_GRAN);
	return 0;
}

/* gen_pool_destroy() insists on an empty pool: free the separators. */
static void fl_bench_gen_destroy(struct fl_bench_ctx *ctx)
{
	u64 i;

	if (ctx->gen_ready)
		for (i = 0; i < ctx->b->param; i++)
			gen_pool_free(ctx->gen, FL_BENCH_GEN_BASE +
				      (2 * i + 1) * FL_BENCH_GRAN,
				      FL_BENCH_GRAN);
	gen_pool_destroy(ctx->gen);
}

/* ---- compaction vs memcpy ------------------------------------------------ */

static int fl_bench_compact_prepare(void *priv, u8 owner_kind, u64 owner)
{
	return 0;
}

static void fl_bench_compact_moved(void *priv, u8 owner_kind, u64 owner,
				   u32 old_idx, u32 new_idx, u32 order)
{
}

static const struct fl_compact_ops fl_bench_compact_ops = {
	.prepare = fl_bench_compact_prepare,
	.moved = fl_bench_compact_moved,
};

/* A fresh private buddy with every other page allocated (movable). */
static int fl_bench_compact_fill(struct fl_bench_ctx *ctx)
{
	struct fl_chunk chunk = {
		.start = 0,
		.nr_pages = ctx->cpages,
		.vaddr = ctx->cbuf,
	};
	struct fl_buddy_req req = {
		.order = 0,
		.mt = FL_MT_MOVABLE,
		.owner_kind = FL_OWN_USER,
		.requested = FL_PAGE_SIZE,
	};
	u32 i, idx;
	int ret;

	if (ctx->cbuddy)
		fl_buddy_destroy(ctx->cbuddy);
	ctx->cbuddy = fl_buddy_create(&chunk, 1, FL_MAX_ORDER, true);
	if (!ctx->cbuddy)
		return -ENOMEM;
	for (i = 0; i < ctx->cpages; i++) {
		req.owner = i;
		ret = fl_buddy_alloc(ctx->cbuddy, &req, &idx);
		if (ret)
			return ret;
	}
	for (i = 0; i < ctx->cpages; i += 2) {
		ret = fl_buddy_free(ctx->cbuddy, i);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Compaction is one long call: it is timed whole, with preemption enabled
 * (the core drops its lock around moves), and @n is ignored.  The
 * emptiest-first policy empties the whole checkerboard (1024 pages moved
 * per run), the cost per page docs/BENCHMARKS.md records.
 */
static int fl_bench_compact_fl(struct fl_bench_ctx *ctx, u32 n)
{
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL,
		.order = FL_PAGEBLOCK_ORDER,
		.policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	int ret;

	ret = fl_compact_run(ctx->cbuddy, &p, &fl_bench_compact_ops, NULL,
			     &ctx->cres);
	if (ret)
		return ret;
	ctx->moved = ctx->cres.pages_moved;
	return 0;
}

/*
 * Copy @n pages from the top half of the buffer to the bottom half, with
 * the kernel's out-of-line memcpy(), the routine the core's page move
 * (__fl_buddy_move()) calls: with a constant length the compiler would
 * inline a copy of its own, and the two sides would not copy the same way.
 */
static int fl_bench_compact_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	u32 half = ctx->cpages / 2, i;
	size_t len = PAGE_SIZE;

	OPTIMIZER_HIDE_VAR(len);
	for (i = 0; i < n; i++)
		memcpy(ctx->cbuf + (size_t)(i % half) * PAGE_SIZE,
		       ctx->cbuf + (size_t)(half + i % half) * PAGE_SIZE,
		       len);
	return 0;
}

/* ---- the runner ----------------------------------------------------------- */

/**
 * fl_bench_time() - time one run of one side.
 * @ctx: the pair.
 * @s: the side; its per-run results go to slot @run.
 * @run: run number.
 * @iters: ops to time.
 * @whole: time one call of @s->chunk with preemption enabled (compaction).
 *
 * Short chunks run with preemption disabled (not on PREEMPT_RT), unless
 * the side may sleep (@s->may_sleep).
 *
 * Context: process context, fl_bench_lock held; sleeps between chunks.
 * Return: 0, -EINTR on a fatal signal, or the side's error.
 */
static int fl_bench_time(struct fl_bench_ctx *ctx, struct fl_bench_side *s,
			 unsigned int run, u64 iters, bool whole)
{
	u64 done = 0, ns = 0, cyc = 0, t0, t1;
	bool atomic = !whole && !s->may_sleep;
	cycles_t c0, c1;
	u32 n;
	int ret;

	while (done < iters) {
		n = min_t(u64, s->chunk_ops, iters - done);
		if (atomic)
			fl_bench_preempt_off();
		t0 = ktime_get_ns();
		c0 = get_cycles();
		ret = s->chunk(ctx, n);
		c1 = get_cycles();
		t1 = ktime_get_ns();
		if (atomic)
			fl_bench_preempt_on();
		if (ret)
			return ret;
		ns += t1 - t0;
		cyc += c1 - c0;
		done += n;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		if (ns > FL_BENCH_BUDGET_NS && done < iters) {
			s->budget_hit = true;
			break;
		}
	}
	if (!done)
		done = 1;
	s->ops = done;
	s->ps[run] = div64_u64(ns * 1000, done);
	s->mcycles[run] = div64_u64(cyc * 1000, done);
	return 0;
}

static int fl_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 fl_bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), fl_bench_cmp_u64, NULL);
	return v[n / 2];
}

/**
 * fl_bench_pair() - set up, run both sides @b->runs times, tear down.
 * @b: the request; results are written into it.
 *
 * Context: process context, fl_bench_lock held.
 * Return: 0 or a negative errno.
 */
static int fl_bench_pair(struct fraglab_bench *b)
{
	struct fl_bench_side *fl, *kern;
	struct fl_bench_ctx *ctx;
	bool compact = false;
	unsigned int run;
	u64 iters = b->iterations;
	char name[32];
	int ret = 0;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	fl = kzalloc(sizeof(*fl), GFP_KERNEL);
	kern = kzalloc(sizeof(*kern), GFP_KERNEL);
	if (!ctx || !fl || !kern) {
		ret = -ENOMEM;
		goto out;
	}
	ctx->b = b;
	fl->chunk_ops = FL_BENCH_CHUNK;
	kern->chunk_ops = FL_BENCH_CHUNK;

	switch (b->which) {
	case FRAGLAB_BENCH_BUDDY:
		if (b->param > fl_buddy_max_order(fl_dev.buddy) ||
		    b->param > FL_KERNEL_MAX_ORDER) {
			ret = -EINVAL;
			goto out;
		}
		ctx->order = b->param;
		fl->chunk = fl_bench_buddy_fl;
		kern->chunk = fl_bench_buddy_kernel;
		break;
	case FRAGLAB_BENCH_BUDDY_PCP:
		if (b->param > FL_PCP_MAX_ORDER) {
			ret = -EINVAL;
			goto out;
		}
		ret = fl_bench_buddy_pcp_setup(ctx);
		if (ret)
			goto out;
		ctx->order = b->param;
		fl->chunk = fl_bench_buddy_pcp_fl;
		kern->chunk = fl_bench_buddy_kernel;
		break;
	case FRAGLAB_BENCH_SLAB:
	case FRAGLAB_BENCH_SLAB_BULK:
		if (b->param < 8 || b->param > 4096) {
			ret = -EINVAL;
			goto out;
		}
		snprintf(name, sizeof(name), "fl_bench_%u", b->param);
		ctx->fl_cache = fraglab_cache_create(name, b->param, 0, 0,
						     NULL, NULL);
		if (IS_ERR(ctx->fl_cache)) {
			ret = PTR_ERR(ctx->fl_cache);
			ctx->fl_cache = NULL;
			goto out;
		}
		ctx->km_cache = kmem_cache_create(name, b->param, 0,
						  FL_BENCH_SLAB_FLAGS, NULL);
		if (!ctx->km_cache) {
			ret = -ENOMEM;
			goto out;
		}
		if (b->which == FRAGLAB_BENCH_SLAB) {
			fl->chunk = fl_bench_slab_fl;
			kern->chunk = fl_bench_slab_kernel;
		} else {
			fl->chunk = fl_bench_bulk_fl;
			kern->chunk = fl_bench_bulk_kernel;
			fl->chunk_ops = FL_BENCH_BULK_CHUNK;
			kern->chunk_ops = FL_BENCH_BULK_CHUNK;
			iters = roundup(iters, FRAGLAB_BENCH_BULK);
		}
		fl->may_sleep = true;
		break;
	case FRAGLAB_BENCH_FIT:
		if (!b->param || b->param > FRAGLAB_BENCH_MAX_HOLES ||
		    b->strategy >= FL_FIT_NR_STRATEGIES) {
			ret = -EINVAL;
			goto out;
		}
		ret = fl_bench_fit_setup(ctx);
		if (ret)
			goto out;
		fl->chunk = fl_bench_fit_fl;
		fl->may_sleep = true;
		fl->chunk_ops = FL_BENCH_FIT_CHUNK;
		kern->chunk = ctx->gen ? fl_bench_fit_kernel : NULL;
		/* every genalloc op visits all @param holes (O(n)) */
		kern->chunk_ops = clamp_t(u32, FL_BENCH_FIT_VISITS / (b->param + 1),
					  1, FL_BENCH_CHUNK);
		/* one op alone is over ~1 ms: time it preemptible */
		kern->may_sleep = b->param + 1 > FL_BENCH_FIT_VISITS;
		break;
	case FRAGLAB_BENCH_COMPACT:
		if (b->param < 4 || b->param > FRAGLAB_BENCH_MAX_COMPACT_MB) {
			ret = -EINVAL;
			goto out;
		}
		ctx->cpages = b->param << (20 - PAGE_SHIFT);
		ctx->cbuf = vzalloc((size_t)ctx->cpages << PAGE_SHIFT);
		if (!ctx->cbuf) {
			ret = -ENOMEM;
			goto out;
		}
		compact = true;
		fl->chunk = fl_bench_compact_fl;
		kern->chunk = fl_bench_compact_kernel;
		break;
	default:
		ret = -EINVAL;
		goto out;
	}

	for (run = 0; run < b->runs; run++) {
		if (compact) {
			ret = fl_bench_compact_fill(ctx);
			if (ret)
				goto out;
			ret = fl_bench_time(ctx, fl, run, 1, true);
			if (ret)
				goto out;
			/* per page moved, and memcpy of the same pages */
			iters = max_t(u64, ctx->moved, 1);
			fl->ops = iters;
			fl->ps[run] = div64_u64(fl->ps[run], iters);
			fl->mcycles[run] = div64_u64(fl->mcycles[run], iters);
			b->bytes = ctx->cres.bytes_copied;
		} else {
			ret = fl_bench_time(ctx, fl, run, iters, false);
			if (ret)
				goto out;
		}
		if (kern->chunk) {
			ret = fl_bench_time(ctx, kern, run, iters, false);
			if (ret)
				goto out;
		}
	}

	b->fl_ps = fl_bench_median(fl->ps, b->runs);
	b->fl_mcycles = fl_bench_median(fl->mcycles, b->runs);
	b->fl_ops = fl->ops;
	if (kern->chunk) {
		b->kernel_ps = fl_bench_median(kern->ps, b->runs);
		b->kernel_mcycles = fl_bench_median(kern->mcycles, b->runs);
		b->kernel_ops = kern->ops;
	} else {
		b->flags |= FRAGLAB_BENCH_NO_KERNEL;
	}
	if (fl->budget_hit || kern->budget_hit)
		b->flags |= FRAGLAB_BENCH_BUDGET_HIT;
	if (want_init_on_alloc(GFP_KERNEL))
		b->flags |= FRAGLAB_BENCH_INIT_ON_ALLOC;
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		b->flags |= FRAGLAB_BENCH_PREEMPT_ON;
out:
	if (ctx) {
		if (ctx->cbuddy)
			fl_buddy_destroy(ctx->cbuddy);
		vfree(ctx->cbuf);
		if (ctx->gen)
			fl_bench_gen_destroy(ctx);
		if (ctx->pool)
			fl_fit_destroy(ctx->pool, true);
		kmem_cache_destroy(ctx->km_cache);
		if (ctx->fl_cache)
			fraglab_cache_destroy(ctx->fl_cache);
	}
	kfree(kern);
	kfree(fl);
	kfree(ctx);
	return ret;
}

/**
 * fl_bench_ioctl() - FRAGLAB_IOC_BENCH.
 * @ff: the calling file (unused: benchmarks own nothing after the call).
 * @cmd: the command.
 * @arg: user pointer to struct fraglab_bench.
 *
 * Context: process context, fl_dev.lock NOT held; sleeps.
 * Return: 0, -EPERM without CAP_SYS_ADMIN, -EINVAL for bad input,
 * -EINTR, -EFAULT, -ENOTTY, or the benchmark's error.
 */
long fl_bench_ioctl(struct fl_file *ff, unsigned int cmd, void __user *arg)
{
	struct fraglab_bench b;
	int ret;

	if (cmd != FRAGLAB_IOC_BENCH)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = fl_copy_in(&b, arg, sizeof(b));
	if (ret)
		return ret;
	if (b.flags || b.pad || !fl_mem_is_zero(b.reserved, sizeof(b.reserved)) ||
	    b.runs > FRAGLAB_BENCH_MAX_RUNS ||
	    b.iterations > FRAGLAB_BENCH_MAX_ITERS)
		return -EINVAL;
	if (!b.runs)
		b.runs = FL_BENCH_DEF_RUNS;
	if (!b.iterations)
		b.iterations = FL_BENCH_DEF_ITERS;
	b.fl_ps = 0;
	b.fl_mcycles = 0;
	b.kernel_ps = 0;
	b.kernel_mcycles = 0;
	b.fl_ops = 0;
	b.kernel_ops = 0;
	b.bytes = 0;

	if (mutex_lock_interruptible(&fl_bench_lock))
		return -EINTR;
	ret = fl_bench_pair(&b);
	mutex_unlock(&fl_bench_lock);
	if (ret)
		return ret;
	if (copy_to_user(arg, &b, sizeof(b)))
		return -EFAULT;
	return 0;
}
