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
 *  - a run times @iterations ops (default 100 000) in chunks between two
 *    ktime_get_ns() reads; cond_resched() runs between chunks, so a long
 *    run on a slow (or emulated) CPU never trips the soft-lockup or
 *    RCU-stall detectors.  Only the chunks are timed.  Under qemu's
 *    -icount shift=0 (make bench) one guest nanosecond is one guest
 *    instruction, so the result is instructions per op;
 *  - equal work: both sides of a pair run in the same preemption state,
 *    disabled per chunk unless a side may sleep (fraglab's slab and fit
 *    pools allocate metadata with GFP_KERNEL when they grow) or the
 *    kernel is PREEMPT_RT (fraglab's spinlocks sleep there), and then
 *    enabled for both (FRAGLAB_BENCH_PREEMPT_ON); when the kernel zeroes
 *    allocated memory (init_on_alloc, want_init_on_alloc()) the fraglab
 *    side zeroes its blocks with the same clear_page() and its slab
 *    objects with memset() (FRAGLAB_BENCH_FL_ZEROES); the kernel's slab
 *    caches are never merged
 *    with another cache and ignore slub_debug=;
 *  - each side runs once untimed (warm-up: per-CPU caches filled, slabs
 *    allocated), then @runs runs in ABBA order (fraglab first in even
 *    runs, the kernel first in odd ones); each side reports the median
 *    and the minimum over the runs of its time per op (the minimum is
 *    what make bench reads under -icount: interference only adds there);
 *  - a side that needs more than FL_BENCH_BUDGET_NS in one run stops early
 *    (the genalloc best fit scans all holes: O(n) per op), and reports how
 *    many ops it timed.
 *
 * Pairs (fl_bench_kinds[]):
 *   BUDDY      fl_buddy_alloc/free on the device's arena (its own spinlock,
 *              not fl_dev.lock) vs alloc_pages/__free_pages(GFP_NOWAIT);
 *   BUDDY_COMP the same, the kernel side with __GFP_COMP (compound pages:
 *              every tail struct page written at alloc and checked at free);
 *   BUDDY_PCP  the same on a private buddy over FL_BENCH_PCP_PAGES
 *              vmalloc'ed pages with per-CPU lists on (high
 *              FL_BENCH_PCP_HIGH), orders 0..3: the kernel side has its
 *              pcp lists for these orders too;
 *   SLAB       fl_slab_cache_alloc/free_ptr on a cache of the device's slab
 *              root vs kmem_cache_alloc/free on a private kmem_cache of the
 *              same object size (fl_kmem_cache_create_unmerged());
 *   SLAB_BULK  kmem_cache_alloc_bulk/free_bulk vs fl_slab_cache_alloc_bulk/
 *              free_bulk (one cache lock at most per call);
 *   FIT        a private fit pool (metadata only) with N 16-byte holes, the
 *              32-byte pair only the top hole fits (as tests/bench/
 *              fit_setup.h) vs genalloc with the same holes and
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
#include <linux/vmalloc.h>

#include "fl_compat.h"
#include "fl_bench.h"
#include "fl_kapi.h"
#include "fl_compact.h"
#include "fl_fit.h"
#include "fl_slab.h"

#define FL_BENCH_DEF_ITERS	100000ULL
#define FL_BENCH_DEF_RUNS	5
#define FL_BENCH_CHUNK		1000	/* ops per preemption-off chunk */
#define FL_BENCH_FIT_CHUNK	32	/* fraglab's fit side: O(log n) per op */
/*
 * Holes a genalloc chunk visits, for about 1 ms on hardware.
 * gen_pool_first_fit() / gen_pool_best_fit() scan the bitmap from its
 * start (bitmap_find_next_zero_area(), lib/genalloc.c, 6.1 and 6.12):
 * with the bench's alternating 16-byte holes and separators every hole
 * costs one find_next_zero_bit() and one find_next_bit() on the same
 * word, a few dozen instructions, about 5 ns at 1-4 instructions per
 * cycle and 3 GHz: 200 000 holes per millisecond.  The fit pair runs
 * preemptible (fraglab's side may sleep), so this only sets how often
 * the clock is read and cond_resched() runs.
 */
#define FL_BENCH_FIT_VISITS	200000U
#define FL_BENCH_BUDGET_NS	(1000ULL * NSEC_PER_MSEC)
#define FL_BENCH_GRAN		16U	/* fit granularity, hole size */
#define FL_BENCH_TAIL		1024U	/* the top hole */
#define FL_BENCH_GEN_BASE	0x100000UL	/* genalloc: addresses only */
#define FL_BENCH_GFP		(GFP_NOWAIT | __GFP_NOWARN)
#define FL_BENCH_BULK_CHUNK	(64 * FRAGLAB_BENCH_BULK)
#define FL_BENCH_PCP_PAGES	4096	/* 16 MiB: orders 0..3 only */
#define FL_BENCH_PCP_HIGH	512	/* batch 63, as the kernel's */

static DEFINE_MUTEX(fl_bench_lock);

/**
 * struct fl_bench_ctx - state of one pair.
 * @b: the bench request (param, strategy).
 * @order: buddy order.
 * @gfp: kernel buddy side's gfp flags.
 * @zero: the fraglab side zeroes its blocks/objects (the kernel does).
 * @buddy: the buddy the fraglab buddy side runs on.
 * @fl_cache: fraglab slab cache.
 * @km_cache: kernel slab cache.
 * @objs: bulk object array.
 * @pool: fit pool.
 * @gen: genalloc pool.
 * @algo: genalloc algorithm.
 * @gen_ready: @gen holds the hole pattern (its separators are allocated).
 * @cbuddy: compaction, BUDDY_PCP: private buddy.
 * @cbuf: compaction, BUDDY_PCP: its memory.
 * @cpages: pages in @cbuf.
 * @moved: compaction: pages the last run moved.
 * @cres: compaction result (too big for the stack).
 */
struct fl_bench_ctx {
	const struct fraglab_bench *b;
	u32 order;
	gfp_t gfp;
	bool zero;
	struct fl_buddy *buddy;
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
 * @chunk_ops: ops per timed chunk (0: the kind's).
 * @prepare: untimed, before each run of this side, or NULL.
 * @ps: picoseconds per op, per run.
 * @ops: ops timed in the last run.
 * @budget_hit: a run stopped on FL_BENCH_BUDGET_NS.
 */
struct fl_bench_side {
	fl_bench_fn chunk;
	u32 chunk_ops;
	int (*prepare)(struct fl_bench_ctx *ctx);
	u64 ps[FRAGLAB_BENCH_MAX_RUNS];
	u64 ops;
	bool budget_hit;
};

/* ---- buddy ------------------------------------------------------------- */

/*
 * init_on_alloc: the kernel zeroes every page it hands out with
 * clear_highpage() (kernel_init_pages(), mm/page_alloc.c, 6.1 and 6.12),
 * i.e. clear_page() per page; the fraglab side does the same to its block.
 */
static void fl_bench_zero(void *addr, u32 order)
{
	u32 i;

	for (i = 0; i < 1U << order; i++)
		clear_page(addr + (size_t)i * PAGE_SIZE);
}

static int fl_bench_buddy_fl(struct fl_bench_ctx *ctx, u32 n)
{
	struct fl_buddy_req req = {
		.order = ctx->order,
		.mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL,
		.requested = FL_PAGE_SIZE << ctx->order,
	};
	struct fl_buddy *b = ctx->buddy;
	u32 i, idx;
	int ret;

	for (i = 0; i < n; i++) {
		ret = fl_buddy_alloc(b, &req, &idx);
		if (unlikely(ret))
			return ret;
		if (ctx->zero)
			fl_bench_zero(fl_buddy_page_addr(b, idx), ctx->order);
		fl_buddy_free(b, idx);
	}
	return 0;
}

static int fl_bench_buddy_kernel(struct fl_bench_ctx *ctx, u32 n)
{
	struct page *page;
	u32 i;

	for (i = 0; i < n; i++) {
		page = alloc_pages(ctx->gfp, ctx->order);
		if (unlikely(!page))
			return -ENOMEM;
		__free_pages(page, ctx->order);
	}
	return 0;
}

static int fl_bench_buddy_setup(struct fl_bench_ctx *ctx)
{
	u32 order = ctx->b->param;

	if (order > fl_buddy_max_order(fl_dev.buddy) ||
	    order > FL_KERNEL_MAX_ORDER)
		return -EINVAL;
	ctx->order = order;
	ctx->buddy = fl_dev.buddy;
	ctx->gfp = FL_BENCH_GFP;
	if (ctx->b->which == FRAGLAB_BENCH_BUDDY_COMP)
		ctx->gfp |= __GFP_COMP;
	ctx->zero = want_init_on_alloc(ctx->gfp);
	return 0;
}

/* A private buddy with per-CPU lists: the device's setting stays. */
static int fl_bench_buddy_pcp_setup(struct fl_bench_ctx *ctx)
{
	struct fl_chunk chunk = { .start = 0, .nr_pages = FL_BENCH_PCP_PAGES };

	if (ctx->b->param > FL_PCP_MAX_ORDER)
		return -EINVAL;
	ctx->order = ctx->b->param;
	ctx->gfp = FL_BENCH_GFP;
	ctx->zero = want_init_on_alloc(ctx->gfp);
	ctx->cpages = FL_BENCH_PCP_PAGES;
	ctx->cbuf = vmalloc((size_t)ctx->cpages << PAGE_SHIFT);
	if (!ctx->cbuf)
		return -ENOMEM;
	chunk.vaddr = ctx->cbuf;
	ctx->cbuddy = fl_buddy_create(&chunk, 1, FL_MAX_ORDER, true);
	if (!ctx->cbuddy)
		return -ENOMEM;
	ctx->buddy = ctx->cbuddy;
	return fl_buddy_set_pcp(ctx->cbuddy, FL_BENCH_PCP_HIGH);
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
		if (ctx->zero)
			memset(ptr, 0, ctx->b->param);
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
	u32 i, j;
	int ret;

	for (i = 0; i < n; i += FRAGLAB_BENCH_BULK) {
		ret = fl_slab_cache_alloc_bulk(ctx->fl_cache,
					       FRAGLAB_BENCH_BULK, NULL,
					       ctx->objs);
		if (unlikely(ret))
			return ret;
		if (ctx->zero)
			for (j = 0; j < FRAGLAB_BENCH_BULK; j++)
				memset(ctx->objs[j], 0, ctx->b->param);
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

static int fl_bench_slab_setup(struct fl_bench_ctx *ctx)
{
	u32 size = ctx->b->param;
	char name[32];

	if (size < 8 || size > 4096)
		return -EINVAL;
	snprintf(name, sizeof(name), "fl_bench_%u", size);
	ctx->fl_cache = fraglab_cache_create(name, size, 0, 0, NULL, NULL);
	if (IS_ERR(ctx->fl_cache)) {
		int ret = PTR_ERR(ctx->fl_cache);

		ctx->fl_cache = NULL;
		return ret;
	}
	ctx->km_cache = fl_kmem_cache_create_unmerged(name, size);
	/*
	 * slab_want_init_on_alloc() (mm/slab.h, 6.1 and 6.12): a cache
	 * without ctor, RCU or poisoning zeroes every object it hands out
	 * with memset() when init_on_alloc is on.
	 */
	ctx->zero = want_init_on_alloc(FL_BENCH_GFP);
	return ctx->km_cache ? 0 : -ENOMEM;
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

	if (!holes || holes > FRAGLAB_BENCH_MAX_HOLES ||
	    ctx->b->strategy >= FL_FIT_NR_STRATEGIES)
		return -EINVAL;
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
 * (the core drops its lock around moves), and @n is ignored; the time is
 * then divided by the pages it moved, and the kernel side copies as many.
 * The emptiest-first policy empties the whole checkerboard (1024 pages
 * moved per run), the cost per page docs/BENCHMARKS.md records.
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

static int fl_bench_compact_setup(struct fl_bench_ctx *ctx)
{
	u32 mb = ctx->b->param;

	if (mb < 4 || mb > FRAGLAB_BENCH_MAX_COMPACT_MB)
		return -EINVAL;
	ctx->cpages = mb << (20 - PAGE_SHIFT);
	ctx->cbuf = vzalloc((size_t)ctx->cpages << PAGE_SHIFT);
	return ctx->cbuf ? 0 : -ENOMEM;
}

/* ---- the pairs ------------------------------------------------------------ */

/**
 * struct fl_bench_kind - one FRAGLAB_BENCH_* pair.
 * @setup: checks the request, builds both sides' state in the context.
 * @fl: the fraglab side.
 * @kernel: the kernel side; NULL when the context has no kernel
 *          counterpart (fit pools: next and worst fit).
 * @fl_prepare: untimed, before each run of the fraglab side, or NULL.
 * @chunk_ops: ops per timed chunk.
 * @may_sleep: a side may sleep: both run with preemption enabled.
 * @whole: the fraglab side is one call timed whole (compaction); the
 *         kernel side then does as many ops as it moved pages.
 * @per_page: @chunk_ops counts pages: a pair of order o is 2^o of them.
 * @per_call: ops per call (bulk): the iterations are rounded up to it.
 */
struct fl_bench_kind {
	int (*setup)(struct fl_bench_ctx *ctx);
	fl_bench_fn fl;
	fl_bench_fn kernel;
	int (*fl_prepare)(struct fl_bench_ctx *ctx);
	u32 chunk_ops;
	bool may_sleep;
	bool whole;
	bool per_page;
	u32 per_call;
};

/* The buddy pairs differ only in how they set up (which buddy, gfp). */
#define FL_BENCH_BUDDY_KIND(setup_fn) {		\
	.setup = setup_fn,				\
	.fl = fl_bench_buddy_fl,			\
	.kernel = fl_bench_buddy_kernel,		\
	.chunk_ops = FL_BENCH_CHUNK,			\
	.per_page = true,				\
}

static const struct fl_bench_kind fl_bench_kinds[] = {
	[FRAGLAB_BENCH_BUDDY] = FL_BENCH_BUDDY_KIND(fl_bench_buddy_setup),
	[FRAGLAB_BENCH_BUDDY_COMP] = FL_BENCH_BUDDY_KIND(fl_bench_buddy_setup),
	[FRAGLAB_BENCH_BUDDY_PCP] = FL_BENCH_BUDDY_KIND(fl_bench_buddy_pcp_setup),
	[FRAGLAB_BENCH_SLAB] = {
		.setup = fl_bench_slab_setup,
		.fl = fl_bench_slab_fl,
		.kernel = fl_bench_slab_kernel,
		.chunk_ops = FL_BENCH_CHUNK,
		.may_sleep = true,
	},
	[FRAGLAB_BENCH_SLAB_BULK] = {
		.setup = fl_bench_slab_setup,
		.fl = fl_bench_bulk_fl,
		.kernel = fl_bench_bulk_kernel,
		.chunk_ops = FL_BENCH_BULK_CHUNK,
		.may_sleep = true,
		.per_call = FRAGLAB_BENCH_BULK,
	},
	[FRAGLAB_BENCH_FIT] = {
		.setup = fl_bench_fit_setup,
		.fl = fl_bench_fit_fl,
		.kernel = fl_bench_fit_kernel,
		.chunk_ops = FL_BENCH_FIT_CHUNK,
		.may_sleep = true,
	},
	[FRAGLAB_BENCH_COMPACT] = {
		.setup = fl_bench_compact_setup,
		.fl = fl_bench_compact_fl,
		.kernel = fl_bench_compact_kernel,
		.fl_prepare = fl_bench_compact_fill,
		.chunk_ops = FL_BENCH_CHUNK,
		.whole = true,
	},
};

/* ---- the runner ----------------------------------------------------------- */

/**
 * fl_bench_time() - time one run of one side.
 * @ctx: the pair.
 * @s: the side; its result goes to slot @run (NULL: a warm-up run).
 * @run: run number.
 * @iters: ops to time.
 * @chunk_ops: ops per chunk; 0: one call of @s->chunk, timed whole.
 * @atomic: chunks run with preemption disabled.
 *
 * Context: process context, fl_bench_lock held; sleeps between chunks.
 * Return: 0, -EINTR on a fatal signal, or the side's error.
 */
static int fl_bench_time(struct fl_bench_ctx *ctx, struct fl_bench_side *s,
			 int run, u64 iters, u32 chunk_ops, bool atomic)
{
	u64 done = 0, ns = 0, t0, t1;
	u32 n;
	int ret;

	if (s->prepare) {
		ret = s->prepare(ctx);
		if (ret)
			return ret;
	}
	while (done < iters) {
		n = chunk_ops ? min_t(u64, chunk_ops, iters - done) : 1;
		if (atomic)
			preempt_disable();
		t0 = ktime_get_ns();
		ret = s->chunk(ctx, n);
		t1 = ktime_get_ns();
		if (atomic)
			preempt_enable();
		if (ret)
			return ret;
		ns += t1 - t0;
		done += n;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		if (ns > FL_BENCH_BUDGET_NS && done < iters) {
			if (run >= 0)
				s->budget_hit = true;
			break;
		}
	}
	if (run < 0)
		return 0;
	if (!chunk_ops)
		done = max_t(u64, ctx->moved, 1);	/* per page moved */
	s->ops = done;
	s->ps[run] = div64_u64(ns * 1000, done);
	return 0;
}

static int fl_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v: v[0] is then the minimum, v[n / 2] the median. */
static u64 fl_bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), fl_bench_cmp_u64, NULL);
	return v[n / 2];
}

/**
 * fl_bench_run() - one run of both sides of a pair (-1: the warm-up).
 * @ctx: the pair.
 * @k: its kind.
 * @sides: the fraglab side, then the kernel side (its @chunk may be NULL).
 * @run: run number, or -1 for the untimed warm-up.
 * @iters: ops per run.
 * @atomic: chunks run with preemption disabled.
 *
 * Odd runs start with the kernel side (ABBA order), except with a whole
 * fraglab side: the kernel side copies as many pages as it moved, so the
 * fraglab side runs first.
 *
 * Context: process context, fl_bench_lock held.
 * Return: 0 or a negative errno.
 */
static int fl_bench_run(struct fl_bench_ctx *ctx, const struct fl_bench_kind *k,
			struct fl_bench_side *sides, int run, u64 iters,
			bool atomic)
{
	bool kernel_first = run >= 0 && (run & 1) && !k->whole;
	unsigned int i, s;
	int ret;

	for (i = 0; i < 2; i++) {
		s = i ^ kernel_first;
		if (!sides[s].chunk)
			continue;
		if (s == 0 && k->whole)
			ret = fl_bench_time(ctx, &sides[0], run, 1, 0, false);
		else
			ret = fl_bench_time(ctx, &sides[s], run,
					    k->whole ? max_t(u64, ctx->moved, 1) : iters,
					    sides[s].chunk_ops ?: k->chunk_ops, atomic);
		if (ret)
			return ret;
	}
	return 0;
}

static void fl_bench_teardown(struct fl_bench_ctx *ctx)
{
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

/**
 * fl_bench_pair() - set up, warm up, run both sides @b->runs times, tear down.
 * @b: the request; results are written into it.
 *
 * Context: process context, fl_bench_lock held.
 * Return: 0 or a negative errno.
 */
static int fl_bench_pair(struct fraglab_bench *b)
{
	const struct fl_bench_kind *k;
	struct fl_bench_side *sides;
	struct fl_bench_ctx *ctx;
	u64 iters = b->iterations;
	bool atomic;
	int run, ret;

	if (b->which >= ARRAY_SIZE(fl_bench_kinds) ||
	    !fl_bench_kinds[b->which].setup)
		return -EINVAL;
	k = &fl_bench_kinds[b->which];
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	sides = kcalloc(2, sizeof(*sides), GFP_KERNEL);
	if (!ctx || !sides) {
		ret = -ENOMEM;
		goto out_free;
	}
	ctx->b = b;
	ret = k->setup(ctx);
	if (ret)
		goto out_teardown;
	sides[0].chunk = k->fl;
	sides[0].prepare = k->fl_prepare;
	/* fit pools: genalloc has first and best fit only */
	if (b->which != FRAGLAB_BENCH_FIT || ctx->gen)
		sides[1].chunk = k->kernel;
	/* every genalloc op visits all @param holes (O(n)) */
	if (b->which == FRAGLAB_BENCH_FIT)
		sides[1].chunk_ops = clamp_t(u32, FL_BENCH_FIT_VISITS / (b->param + 1),
					     1, FL_BENCH_CHUNK);
	/*
	 * A buddy pair of order o touches 2^o pages (and zeroes them when
	 * init_on_alloc is on): a preemption-off chunk holds at most
	 * FL_BENCH_CHUNK pages of work, one pair at order 9 and above.
	 */
	if (k->per_page)
		sides[0].chunk_ops = sides[1].chunk_ops =
			max_t(u32, FL_BENCH_CHUNK >> ctx->order, 1);
	if (k->per_call)
		iters = roundup(iters, k->per_call);
	atomic = !k->may_sleep && !k->whole && !IS_ENABLED(CONFIG_PREEMPT_RT);

	for (run = -1; run < (int)b->runs; run++) {
		ret = fl_bench_run(ctx, k, sides, run, iters, atomic);
		if (ret)
			goto out_teardown;
	}

	b->fl_ps = fl_bench_median(sides[0].ps, b->runs);
	b->fl_min_ps = sides[0].ps[0];
	b->fl_ops = sides[0].ops;
	if (sides[1].chunk) {
		b->kernel_ps = fl_bench_median(sides[1].ps, b->runs);
		b->kernel_min_ps = sides[1].ps[0];
		b->kernel_ops = sides[1].ops;
	} else {
		b->flags |= FRAGLAB_BENCH_NO_KERNEL;
	}
	if (k->whole)
		b->bytes = ctx->cres.bytes_copied;
	if (sides[0].budget_hit || sides[1].budget_hit)
		b->flags |= FRAGLAB_BENCH_BUDGET_HIT;
	if (want_init_on_alloc(GFP_KERNEL))
		b->flags |= FRAGLAB_BENCH_INIT_ON_ALLOC;
	if (ctx->zero)
		b->flags |= FRAGLAB_BENCH_FL_ZEROES;
	if (!atomic)
		b->flags |= FRAGLAB_BENCH_PREEMPT_ON;
out_teardown:
	fl_bench_teardown(ctx);
out_free:
	kfree(sides);
	kfree(ctx);
	return ret;
}

/**
 * fl_ioc_bench() - FRAGLAB_IOC_BENCH.
 * @ff: the calling file (unused: benchmarks own nothing after the call).
 * @karg: struct fraglab_bench.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock NOT held; sleeps.  The caller has
 * CAP_SYS_ADMIN (the ioctl table says so).
 * Return: 0, -EINVAL for bad input, -EINTR, or the benchmark's error.
 */
long fl_ioc_bench(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_bench *b = karg;
	int ret;

	if (b->flags || b->pad || b->fl_min_ps || b->kernel_min_ps ||
	    !fl_mem_is_zero(b->reserved, sizeof(b->reserved)) ||
	    b->runs > FRAGLAB_BENCH_MAX_RUNS ||
	    b->iterations > FRAGLAB_BENCH_MAX_ITERS)
		return -EINVAL;
	if (!b->runs)
		b->runs = FL_BENCH_DEF_RUNS;
	if (!b->iterations)
		b->iterations = FL_BENCH_DEF_ITERS;
	b->fl_ps = 0;
	b->fl_mcycles = 0;	/* no longer measured */
	b->kernel_ps = 0;
	b->kernel_mcycles = 0;
	b->fl_ops = 0;
	b->kernel_ops = 0;
	b->bytes = 0;

	if (mutex_lock_interruptible(&fl_bench_lock))
		return -EINTR;
	ret = fl_bench_pair(b);
	mutex_unlock(&fl_bench_lock);
	return ret;
}

const struct fl_subsys fl_bench_subsys = {
	.name = "bench",
	.nr_first = 0x50,
	.nr_last = 0x5f,
	.features = FRAGLAB_FEAT_BENCH,
};
