// SPDX-License-Identifier: GPL-2.0
/*
 * fl_fit.c - contiguous fit pools: first, next, best and worst fit in
 * O(log n) of the number of holes.
 *
 * A pool manages the bytes of one or more segments, each physically
 * contiguous, given as arena byte offsets (fl_fit_create()) or taken from
 * the buddy allocator (fl_fit_pool_create_from_buddy()).  At any time the
 * segments are tiled exactly by allocations and holes; holes are maximal
 * (two holes are never adjacent inside one segment: freeing coalesces at
 * once) and never cross a segment boundary.  Everything is measured in
 * bytes and is a multiple of the pool's granularity (a power of two,
 * 16 B .. 4 KiB); requests are rounded up to it.
 *
 * Indexes (all struct fl_fit_tnode AVL trees, fl_fit_tree.c):
 *
 *   holes    every hole by address; val = size, so each subtree knows
 *            its largest hole (max).  first_fit(kmin, n) = the lowest
 *            hole at or after kmin with size >= n: first and next fit.
 *   sizes    every hole by (size, address): ceil((n, 0)) is best fit,
 *            the rightmost size's lowest address is worst fit.
 *   allocs   every allocation by offset: free() and lookup() are one
 *            search, compaction walks it in address order.
 *
 * A hole is one struct fl_fit_node linked in both hole trees; an
 * allocation is one node linked in allocs.  Nodes come from batches of
 * FL_FIT_BATCH_BYTES allocated with fl_zalloc() and kept on a free list
 * until the pool is destroyed, so a steady state does no metadata
 * allocation at all.  An operation needs at most FL_FIT_OP_NODES new
 * nodes; fl_fit_reserve() tops the free list up before anything is
 * changed, so -ENOMEM always leaves the pool untouched.
 *
 * Placement.  Let n be the rounded size, a = max(align, granularity) and
 * g the granularity.  A hole [s, e) fits when align_up(s, a) + n <= e;
 * the allocation takes [align_up(s, a), +n) and what is left in front
 * and behind stays a hole.  Size alone is a necessary condition (size >=
 * n) and size >= n + a - g a sufficient one (holes start on granules).
 * Searching by the sufficient bound would miss holes that fit only
 * thanks to their alignment; testing every candidate by the necessary
 * bound would be a linear scan in the worst case.  So each strategy
 * examines the holes with size >= n in its own order (below) and takes
 * the first one that fits among the first FL_FIT_ALIGN_PROBES of them;
 * after that it takes the first remaining one with size >= n + a - g.
 * With a == g both bounds coincide and this is exactly the textbook
 * strategy.  The strategy orders:
 *
 *   FIRST  address order from the pool's start.
 *   NEXT   address order starting at the hole that contains the rover
 *          or, if none does, the first hole above it; wrapping around to
 *          the pool's start.  The rover is the end of the most recent
 *          allocation (any strategy), the pool's start initially; frees
 *          and compaction do not move it (Knuth's roving pointer, where
 *          a merged block simply contains the rover).
 *   BEST   ascending (size, address).
 *   WORST  descending size, ascending address among equal sizes.
 *
 * The linear-scan reference model in tests/unit/fit_ref.h implements the
 * same rules and the unit tests require identical placement.
 *
 * Costs: alloc and free are a constant number of tree operations,
 * O(log n); a search with alignment is at most FL_FIT_ALIGN_PROBES + 1
 * tree searches.  Statistics are maintained incrementally (O(1)).
 *
 * Locking: the pool lock (a spinlock in the kernel) protects everything.
 * It is dropped only around fl_zalloc() in fl_fit_reserve() (before any
 * decision is taken) and around the compaction callback.
 */
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_fit.h"
#include "fl_fit_tree.h"
#include "fl_metrics.h"
#include "fl_util.h"
#include "fl_check.h"

#define FL_FIT_OP_NODES		2	/* new nodes one operation may need */
#define FL_FIT_BATCH_BYTES	16384

/**
 * struct fl_fit_node - a hole or an allocation.
 * @a: link in the address trees (holes or allocs); key = offset,
 *     val = size.
 * @s: holes: link in the size index; key = size, key2 = offset.
 * @requested: allocations: bytes asked for.
 * @align: allocations: effective alignment.
 * @seg: index of the segment holding it.
 * @flags: allocations: FL_FIT_* flags.
 */
struct fl_fit_node {
	struct fl_fit_tnode a;
	struct fl_fit_tnode s;
	u64 requested;
	u64 align;
	u32 seg;
	u32 flags;
};

struct fl_fit_batch {
	struct fl_fit_batch *next;
	struct fl_fit_node nodes[];
};

#define FL_FIT_BATCH_NODES						\
	((FL_FIT_BATCH_BYTES - sizeof(struct fl_fit_batch)) /		\
	 sizeof(struct fl_fit_node))

/* A buddy block backing a pool. */
struct fl_fit_block {
	u32 idx;
	u32 order;
};

struct fl_fit_pool {
	fl_lock_t lock;
	struct fl_fit_tnode *holes;
	struct fl_fit_tnode *sizes;
	struct fl_fit_tnode *allocs;
	struct fl_fit_segment *segs;
	u32 nr_segs;
	u32 gran;
	u32 strategy;
	u64 pool_bytes;
	u64 rover;
	bool account;		/* metadata memcg-charged: fl_fit_zalloc() */

	struct fl_fit_node *spare;	/* free nodes, linked by a.child[0] */
	u32 nr_spare;
	struct fl_fit_batch *batches;

	struct fl_buddy *buddy;		/* backing, or NULL */
	struct fl_fit_block *blocks;
	u32 nr_blocks;

	/* live */
	u64 nr_holes;
	u64 free_bytes;
	u64 nr_allocated;
	u64 nr_movable;
	u64 allocated_bytes;
	u64 requested_bytes;
	u64 hist[FL_FIT_HIST_BUCKETS];
	/* cumulative */
	u64 allocs_ok;
	u64 frees;
	u64 fail_fragmented;
	u64 fail_nomem;
	u64 moves;
	u64 moved_bytes;
};

const char * const fl_fit_strategy_names[FL_FIT_NR_STRATEGIES] = {
	[FL_FIT_FIRST] = "first-fit",
	[FL_FIT_NEXT] = "next-fit",
	[FL_FIT_BEST] = "best-fit",
	[FL_FIT_WORST] = "worst-fit",
};

/* ------------------------------------------------------------ helpers */

static inline unsigned int fl_fit_bucket(u64 size)
{
	unsigned int b = 63 - __builtin_clzll(size);

	return b < FL_FIT_HIST_BUCKETS ? b : FL_FIT_HIST_BUCKETS - 1;
}

static inline struct fl_fit_node *fl_fit_by_a(struct fl_fit_tnode *t)
{
	return t ? (struct fl_fit_node *)((char *)t -
		__builtin_offsetof(struct fl_fit_node, a)) : NULL;
}

static inline struct fl_fit_node *fl_fit_by_s(struct fl_fit_tnode *t)
{
	return t ? (struct fl_fit_node *)((char *)t -
		__builtin_offsetof(struct fl_fit_node, s)) : NULL;
}

static inline u64 fl_fit_start(const struct fl_fit_node *n)
{
	return n->a.key;
}

static inline u64 fl_fit_size(const struct fl_fit_node *n)
{
	return n->a.val;
}

static inline u64 fl_fit_end(const struct fl_fit_node *n)
{
	return n->a.key + n->a.val;
}

static inline u64 fl_fit_largest(const struct fl_fit_pool *p)
{
	return p->holes ? p->holes->max : 0;
}

/* -------------------------------------------------------------- nodes */

static void fl_fit_batch_add(struct fl_fit_pool *p, struct fl_fit_batch *b)
{
	u32 i;

	b->next = p->batches;
	p->batches = b;
	for (i = 0; i < FL_FIT_BATCH_NODES; i++) {
		b->nodes[i].a.child[0] = p->spare ? &p->spare->a : NULL;
		p->spare = &b->nodes[i];
	}
	p->nr_spare += FL_FIT_BATCH_NODES;
}

/* A pool's own metadata: charged if its creator's objects need it. */
static void *fl_fit_zalloc(bool account, size_t bytes)
{
	return account ? fl_zalloc_account(bytes) : fl_zalloc(bytes);
}

/*
 * Make sure @need nodes are on the free list.  Called with the lock held;
 * drops it around fl_zalloc(), so the caller must not have looked at the
 * trees yet.  Returns 0 or -ENOMEM (nothing changed but the free list).
 */
static int fl_fit_reserve(struct fl_fit_pool *p, u32 need)
{
	while (p->nr_spare < need) {
		struct fl_fit_batch *b;

		fl_unlock(&p->lock);
		b = fl_fit_zalloc(p->account, FL_FIT_BATCH_BYTES);
		fl_lock(&p->lock);
		if (!b)
			return -ENOMEM;
		fl_fit_batch_add(p, b);
	}
	return 0;
}

static struct fl_fit_node *fl_fit_node_get(struct fl_fit_pool *p)
{
	struct fl_fit_node *n = p->spare;

	if (fl_warn_once(!n))
		return NULL;
	p->spare = fl_fit_by_a(n->a.child[0]);
	p->nr_spare--;
	fl_memset(n, 0, sizeof(*n));
	return n;
}

static void fl_fit_node_put(struct fl_fit_pool *p, struct fl_fit_node *n)
{
	n->a.child[0] = p->spare ? &p->spare->a : NULL;
	p->spare = n;
	p->nr_spare++;
}

/* -------------------------------------------------------------- holes */

static void fl_fit_hole_count(struct fl_fit_pool *p, u64 size, int sign)
{
	if (sign > 0) {
		p->nr_holes++;
		p->free_bytes += size;
		p->hist[fl_fit_bucket(size)]++;
	} else {
		p->nr_holes--;
		p->free_bytes -= size;
		p->hist[fl_fit_bucket(size)]--;
	}
}

static void fl_fit_hole_link(struct fl_fit_pool *p, struct fl_fit_node *h,
			     u64 start, u64 size, u32 seg)
{
	h->a.key = start;
	h->a.key2 = 0;
	h->a.val = size;
	h->s.key = size;
	h->s.key2 = start;
	h->s.val = 0;
	h->seg = seg;
	h->flags = 0;
	fl_warn_once(fl_fit_tree_insert(&p->holes, &h->a));
	fl_warn_once(fl_fit_tree_insert(&p->sizes, &h->s));
	fl_fit_hole_count(p, size, 1);
}

static void fl_fit_hole_unlink(struct fl_fit_pool *p, struct fl_fit_node *h)
{
	fl_fit_tree_erase(&p->holes, &h->a);
	fl_fit_tree_erase(&p->sizes, &h->s);
	fl_fit_hole_count(p, fl_fit_size(h), -1);
}

/*
 * Give a hole a new extent that keeps its place in address order (it
 * does not reach its neighbours): refresh the address tree in place,
 * re-insert in the size index.
 */
static void fl_fit_hole_set(struct fl_fit_pool *p, struct fl_fit_node *h,
			    u64 start, u64 size)
{
	fl_fit_hole_count(p, fl_fit_size(h), -1);
	fl_fit_tree_erase(&p->sizes, &h->s);
	h->a.key = start;
	h->a.val = size;
	fl_fit_tree_refresh(&p->holes, &h->a);
	h->s.key = size;
	h->s.key2 = start;
	fl_warn_once(fl_fit_tree_insert(&p->sizes, &h->s));
	fl_fit_hole_count(p, size, 1);
}

/*
 * Take [off, off + len) out of hole @h, which contains it.  Needs one
 * spare node when the range is strictly inside the hole; puts @h back on
 * the free list when the range is the whole hole.
 */
static void fl_fit_carve(struct fl_fit_pool *p, struct fl_fit_node *h,
			 u64 off, u64 len)
{
	u64 start = fl_fit_start(h), end = fl_fit_end(h);
	u64 front = off - start, back = end - (off + len);
	struct fl_fit_node *b;

	if (front && back) {
		fl_fit_hole_set(p, h, start, front);
		b = fl_fit_node_get(p);
		if (b)
			fl_fit_hole_link(p, b, off + len, back, h->seg);
	} else if (front) {
		fl_fit_hole_set(p, h, start, front);
	} else if (back) {
		fl_fit_hole_set(p, h, off + len, back);
	} else {
		fl_fit_hole_unlink(p, h);
		fl_fit_node_put(p, h);
	}
}

/* The hole ending exactly at @off in segment @seg, or NULL. */
static struct fl_fit_node *fl_fit_hole_before(struct fl_fit_pool *p, u64 off,
					      u32 seg)
{
	struct fl_fit_node *h = fl_fit_by_a(fl_fit_tree_floor(p->holes, off, 0));

	return h && h->seg == seg && fl_fit_end(h) == off ? h : NULL;
}

/* The hole starting exactly at @off in segment @seg, or NULL. */
static struct fl_fit_node *fl_fit_hole_at(struct fl_fit_pool *p, u64 off,
					  u32 seg)
{
	struct fl_fit_node *h = fl_fit_by_a(fl_fit_tree_find(p->holes, off, 0));

	return h && h->seg == seg ? h : NULL;
}

/*
 * Turn [off, off + len) of segment @seg (not part of any hole) into free
 * space, coalescing with the holes on both sides.  Needs one spare node
 * when it touches no hole.
 */
static void fl_fit_release(struct fl_fit_pool *p, u64 off, u64 len, u32 seg)
{
	struct fl_fit_node *prev = fl_fit_hole_before(p, off, seg);
	struct fl_fit_node *next = fl_fit_hole_at(p, off + len, seg);
	struct fl_fit_node *h;

	if (prev && next) {
		u64 end = fl_fit_end(next);

		fl_fit_hole_unlink(p, next);
		fl_fit_node_put(p, next);
		fl_fit_hole_set(p, prev, fl_fit_start(prev),
				end - fl_fit_start(prev));
	} else if (prev) {
		fl_fit_hole_set(p, prev, fl_fit_start(prev),
				fl_fit_size(prev) + len);
	} else if (next) {
		fl_fit_hole_set(p, next, off, fl_fit_size(next) + len);
	} else {
		h = fl_fit_node_get(p);
		if (h)
			fl_fit_hole_link(p, h, off, len, seg);
	}
}

/* ------------------------------------------------------------- search */

static inline bool fl_fit_fits(const struct fl_fit_node *h, u64 n, u64 a)
{
	return fl_align_up(fl_fit_start(h), a) + n <= fl_fit_end(h);
}

/*
 * The hole after @prev (NULL: the first) with size >= @v, in the cyclic
 * address order that starts at @start and wraps around once.
 */
static struct fl_fit_node *fl_fit_cyc_next(struct fl_fit_pool *p, u64 start,
					   struct fl_fit_node *prev, u64 v)
{
	struct fl_fit_tnode *t;
	u64 from;

	if (!prev || fl_fit_start(prev) >= start) {
		from = prev ? fl_fit_start(prev) + 1 : start;
		t = fl_fit_tree_first_fit(p->holes, from, v);
		if (t)
			return fl_fit_by_a(t);
		from = 0;
	} else {
		from = fl_fit_start(prev) + 1;
	}
	t = fl_fit_tree_first_fit(p->holes, from, v);
	return t && t->key < start ? fl_fit_by_a(t) : NULL;
}

/* First and next fit: cyclic address order from @start. */
static struct fl_fit_node *fl_fit_find_addr(struct fl_fit_pool *p, u64 start,
					    u64 n, u64 a)
{
	struct fl_fit_node *h = NULL;
	int i;

	for (i = 0; i < FL_FIT_ALIGN_PROBES; i++) {
		h = fl_fit_cyc_next(p, start, h, n);
		if (!h || fl_fit_fits(h, n, a))
			return h;
	}
	return fl_fit_cyc_next(p, start, h, n + a - p->gran);
}

/* Where next fit starts: the hole containing the rover, else above it. */
static u64 fl_fit_next_start(struct fl_fit_pool *p)
{
	struct fl_fit_node *h;

	h = fl_fit_by_a(fl_fit_tree_floor(p->holes, p->rover, 0));
	if (h && fl_fit_end(h) > p->rover)
		return fl_fit_start(h);
	return p->rover;
}

static struct fl_fit_node *fl_fit_find_best(struct fl_fit_pool *p, u64 n,
					    u64 a)
{
	struct fl_fit_tnode *t = fl_fit_tree_ceil(p->sizes, n, 0);
	int i;

	for (i = 0; i < FL_FIT_ALIGN_PROBES && t; i++) {
		if (fl_fit_fits(fl_fit_by_s(t), n, a))
			return fl_fit_by_s(t);
		t = fl_fit_tree_next(p->sizes, t);
	}
	if (!t)
		return NULL;
	return fl_fit_by_s(fl_fit_tree_ceil(p->sizes, n + a - p->gran, 0));
}

/* Worst-fit order: the lowest address of the next smaller size. */
static struct fl_fit_tnode *fl_fit_worst_next(struct fl_fit_pool *p,
					      struct fl_fit_tnode *t)
{
	struct fl_fit_tnode *nx = fl_fit_tree_next(p->sizes, t);
	struct fl_fit_tnode key = { .key = t->key, .key2 = 0 };

	if (nx && nx->key == t->key)
		return nx;
	nx = fl_fit_tree_prev(p->sizes, &key);
	return nx ? fl_fit_tree_ceil(p->sizes, nx->key, 0) : NULL;
}

/*
 * Worst fit.  After FL_FIT_ALIGN_PROBES misses nothing is left to take:
 * the first probe was the largest hole and did not fit, so no hole is as
 * large as n + a - g.
 */
static struct fl_fit_node *fl_fit_find_worst(struct fl_fit_pool *p, u64 n,
					     u64 a)
{
	struct fl_fit_tnode *t = fl_fit_tree_last(p->sizes);
	int i;

	if (!t)
		return NULL;
	t = fl_fit_tree_ceil(p->sizes, t->key, 0);
	for (i = 0; i < FL_FIT_ALIGN_PROBES && t && t->key >= n; i++) {
		if (fl_fit_fits(fl_fit_by_s(t), n, a))
			return fl_fit_by_s(t);
		t = fl_fit_worst_next(p, t);
	}
	return NULL;
}

static struct fl_fit_node *fl_fit_find(struct fl_fit_pool *p, u64 n, u64 a)
{
	switch (p->strategy) {
	case FL_FIT_FIRST:
		return fl_fit_find_addr(p, 0, n, a);
	case FL_FIT_NEXT:
		return fl_fit_find_addr(p, fl_fit_next_start(p), n, a);
	case FL_FIT_BEST:
		return fl_fit_find_best(p, n, a);
	case FL_FIT_WORST:
		return fl_fit_find_worst(p, n, a);
	}
	fl_warn_once(1);
	return NULL;
}

/* ------------------------------------------------------- create/destroy */

static int fl_fit_check_params(u32 granularity, u32 strategy)
{
	if (!fl_is_pow2(granularity) || granularity < FL_FIT_MIN_GRAN ||
	    granularity > FL_FIT_MAX_GRAN)
		return -EINVAL;
	if (strategy >= FL_FIT_NR_STRATEGIES)
		return -EINVAL;
	return 0;
}

static int fl_fit_check_segments(const struct fl_fit_segment *segs,
				 u32 nr_segs, u32 gran, u64 *total)
{
	u64 end = 0;
	u32 i;

	if (!segs || !nr_segs || nr_segs > FL_FIT_MAX_SEGMENTS)
		return -EINVAL;
	*total = 0;
	for (i = 0; i < nr_segs; i++) {
		const struct fl_fit_segment *s = &segs[i];

		if (!s->len || (s->start | s->len) & (gran - 1))
			return -EINVAL;
		if (s->start < end || s->len > (1ULL << 62) - s->start)
			return -EINVAL;
		end = s->start + s->len;
		*total += s->len;
	}
	return 0;
}

static void fl_fit_free_meta(struct fl_fit_pool *p)
{
	while (p->batches) {
		struct fl_fit_batch *b = p->batches;

		p->batches = b->next;
		fl_free(b);
	}
	fl_free(p->segs);
	fl_free(p->blocks);
	fl_lock_destroy(&p->lock);
	fl_free(p);
}

/* fl_fit_create(); @account: the pool's metadata is memcg-charged. */
static int __fl_fit_create(const struct fl_fit_segment *segs, u32 nr_segs,
			   u32 granularity, u32 strategy, bool account,
			   struct fl_fit_pool **out)
{
	struct fl_fit_pool *p;
	u64 total;
	u32 i;
	int ret;

	if (!out)
		return -EINVAL;
	ret = fl_fit_check_params(granularity, strategy);
	if (!ret)
		ret = fl_fit_check_segments(segs, nr_segs, granularity, &total);
	if (ret)
		return ret;
	p = fl_fit_zalloc(account, sizeof(*p));
	if (!p)
		return -ENOMEM;
	fl_lock_init(&p->lock);
	p->account = account;
	p->segs = fl_fit_zalloc(account, nr_segs * sizeof(*segs));
	if (!p->segs) {
		fl_fit_free_meta(p);
		return -ENOMEM;
	}
	fl_memcpy(p->segs, segs, nr_segs * sizeof(*segs));
	p->nr_segs = nr_segs;
	p->gran = granularity;
	p->strategy = strategy;
	p->pool_bytes = total;
	p->rover = segs[0].start;

	fl_lock(&p->lock);
	ret = fl_fit_reserve(p, nr_segs);
	for (i = 0; !ret && i < nr_segs; i++)
		fl_fit_hole_link(p, fl_fit_node_get(p), segs[i].start,
				 segs[i].len, i);
	fl_unlock(&p->lock);
	if (ret) {
		fl_fit_free_meta(p);
		return ret;
	}
	*out = p;
	return 0;
}

/**
 * fl_fit_create() - create a pool over the given segments.
 * @segs: segments, sorted by start, not overlapping (adjacent segments
 *        stay separate: holes never cross from one to the next).
 * @nr_segs: 1..FL_FIT_MAX_SEGMENTS.
 * @granularity: power of two, FL_FIT_MIN_GRAN..FL_FIT_MAX_GRAN; segment
 *               starts and lengths must be multiples of it.
 * @strategy: enum fl_fit_strategy.
 * @out: the new pool.
 *
 * The pool only keeps metadata; it never touches the bytes it manages.
 * Its metadata is not memcg-charged (the module's own pools: benchmarks);
 * pools made for an opener come from fl_fit_pool_create_from_buddy().
 *
 * Context: process context (allocates metadata with fl_zalloc()).
 * Return: 0, -EINVAL for a bad parameter, -ENOMEM.
 */
int fl_fit_create(const struct fl_fit_segment *segs, u32 nr_segs,
		  u32 granularity, u32 strategy, struct fl_fit_pool **out)
{
	return __fl_fit_create(segs, nr_segs, granularity, strategy, false,
			       out);
}

/* Heap sort of the backing blocks by index (no libc sort in the core). */
static void fl_fit_sift(struct fl_fit_block *v, u32 i, u32 n)
{
	for (;;) {
		u32 c = 2 * i + 1;
		struct fl_fit_block t;

		if (c >= n)
			return;
		if (c + 1 < n && v[c + 1].idx > v[c].idx)
			c++;
		if (v[i].idx >= v[c].idx)
			return;
		t = v[i];
		v[i] = v[c];
		v[c] = t;
		i = c;
	}
}

static void fl_fit_sort_blocks(struct fl_fit_block *v, u32 n)
{
	u32 i;

	for (i = n / 2; i-- > 0;)
		fl_fit_sift(v, i, n);
	for (i = n; i-- > 1;) {
		struct fl_fit_block t = v[0];

		v[0] = v[i];
		v[i] = t;
		fl_fit_sift(v, 0, i);
	}
}

/*
 * Are pages @idx - 1 and @idx physically adjacent?  Chunks start on
 * 2^FL_MAX_ORDER boundaries, so inside such a region they always are;
 * at a region boundary two chunks may meet in index space, and only
 * contiguous virtual addresses (the kernel's direct map) prove that
 * they are contiguous in memory too.
 */
static bool fl_fit_pages_adjacent(struct fl_buddy *b, u32 idx)
{
	u8 *va, *vb;

	if (idx & ((1U << FL_MAX_ORDER) - 1))
		return true;
	va = fl_buddy_page_addr(b, idx - 1);
	vb = fl_buddy_page_addr(b, idx);
	return va && vb && va + FL_PAGE_SIZE == vb;
}

/* Merge the sorted blocks into segments; returns the number of segments. */
static u32 fl_fit_blocks_to_segs(struct fl_buddy *b,
				 const struct fl_fit_block *blk, u32 nr,
				 struct fl_fit_segment *segs)
{
	u32 i, n = 0;

	for (i = 0; i < nr; i++) {
		u64 start = (u64)blk[i].idx << FL_PAGE_SHIFT;
		u64 len = (u64)FL_PAGE_SIZE << blk[i].order;

		if (n && segs[n - 1].start + segs[n - 1].len == start &&
		    fl_fit_pages_adjacent(b, blk[i].idx)) {
			segs[n - 1].len += len;
			continue;
		}
		segs[n].start = start;
		segs[n].len = len;
		n++;
	}
	return n;
}

static void fl_fit_return_blocks(struct fl_buddy *b,
				 const struct fl_fit_block *blk, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		fl_warn_once(fl_buddy_free(b, blk[i].idx));
}

/* Take @pages pages from the buddy: max-order blocks, then the rest. */
static int fl_fit_take_blocks(struct fl_buddy *b, u64 pages, u64 owner,
			      struct fl_fit_block *blk, u32 nr)
{
	u32 max = fl_buddy_max_order(b);
	struct fl_buddy_req req = { .mt = FL_MT_UNMOVABLE,
				    .owner_kind = FL_OWN_POOL,
				    .owner = owner };
	u32 i;
	int ret;

	for (i = 0; i < nr; i++) {
		u32 order = max;

		if (pages < (1ULL << max))
			order = 63 - __builtin_clzll(pages);
		req.order = order;
		ret = fl_buddy_alloc(b, &req, &blk[i].idx);
		if (ret) {
			fl_fit_return_blocks(b, blk, i);
			return ret;
		}
		blk[i].order = order;
		pages -= 1ULL << order;
	}
	return 0;
}

/**
 * fl_fit_pool_create_from_buddy() - create a pool backed by buddy blocks.
 * @b: the buddy allocator of the arena.
 * @bytes: pool size; rounded up to whole pages.
 * @granularity: see fl_fit_create().
 * @strategy: enum fl_fit_strategy.
 * @owner: cookie stored with the blocks (FL_OWN_POOL, FL_MT_UNMOVABLE).
 * @out: the new pool.
 *
 * Takes as many max-order blocks as fit, then one block per remaining
 * bit of the page count.  Blocks that are physically adjacent (see
 * fl_fit_pages_adjacent()) become one segment.  fl_fit_destroy() gives
 * the blocks back.  The pool's metadata (node batches of its trees, the
 * block list) is charged to the current task's memory cgroup: such a pool
 * is made for an opener (FRAGLAB_IOC_POOL_CREATE).
 *
 * Context: process context; takes the buddy lock.
 * Return: 0, -EINVAL for a bad parameter or a size beyond the arena,
 * -ENOMEM if the buddy or the metadata allocation failed (then nothing
 * was kept).
 */
int fl_fit_pool_create_from_buddy(struct fl_buddy *b, u64 bytes,
				  u32 granularity, u32 strategy, u64 owner,
				  struct fl_fit_pool **out)
{
	struct fl_fit_segment *segs;
	struct fl_fit_block *blk;
	struct fl_fit_pool *p;
	u64 pages, rest;
	u32 max, nr, nsegs;
	int ret;

	if (!b || !out || !bytes)
		return -EINVAL;
	ret = fl_fit_check_params(granularity, strategy);
	if (ret)
		return ret;
	if (bytes > ((u64)fl_buddy_nr_pages(b) << FL_PAGE_SHIFT))
		return -EINVAL;
	pages = (bytes + FL_PAGE_SIZE - 1) >> FL_PAGE_SHIFT;
	max = fl_buddy_max_order(b);
	nr = (u32)(pages >> max);
	for (rest = pages & ((1ULL << max) - 1); rest; rest &= rest - 1)
		nr++;		/* one block per remaining bit */
	blk = fl_zalloc_account(nr * sizeof(*blk));
	segs = fl_zalloc(nr * sizeof(*segs));
	ret = -ENOMEM;
	if (!blk || !segs)
		goto out_free;
	ret = fl_fit_take_blocks(b, pages, owner, blk, nr);
	if (ret)
		goto out_free;
	fl_fit_sort_blocks(blk, nr);
	nsegs = fl_fit_blocks_to_segs(b, blk, nr, segs);
	ret = __fl_fit_create(segs, nsegs, granularity, strategy, true, &p);
	if (ret) {
		fl_fit_return_blocks(b, blk, nr);
		goto out_free;
	}
	fl_free(segs);
	p->buddy = b;
	p->blocks = blk;
	p->nr_blocks = nr;
	*out = p;
	return 0;

out_free:
	fl_free(segs);
	fl_free(blk);
	return ret;
}

/**
 * fl_fit_destroy() - destroy a pool.
 * @p: the pool (NULL is a no-op).
 * @force: destroy even with live allocations (they are forgotten).
 *
 * Gives the backing blocks back to the buddy for a pool made by
 * fl_fit_pool_create_from_buddy().
 *
 * Context: process context.
 * Return: 0, or -EBUSY (pool untouched) if allocations are live and
 * @force is false.
 */
int fl_fit_destroy(struct fl_fit_pool *p, bool force)
{
	bool busy;

	if (!p)
		return 0;
	fl_lock(&p->lock);
	busy = p->nr_allocated && !force;
	fl_unlock(&p->lock);
	if (busy)
		return -EBUSY;
	if (p->buddy)
		fl_fit_return_blocks(p->buddy, p->blocks, p->nr_blocks);
	fl_fit_free_meta(p);
	return 0;
}

/* ------------------------------------------------------------ settings */

/**
 * fl_fit_set_strategy() - change the placement strategy.
 * @p: the pool.
 * @strategy: enum fl_fit_strategy; applies to the next allocation.
 *
 * Context: any context that may take a spinlock.
 * Return: 0, or -EINVAL for an unknown strategy.
 */
int fl_fit_set_strategy(struct fl_fit_pool *p, u32 strategy)
{
	if (strategy >= FL_FIT_NR_STRATEGIES)
		return -EINVAL;
	fl_lock(&p->lock);
	p->strategy = strategy;
	fl_unlock(&p->lock);
	return 0;
}

/**
 * fl_fit_get_strategy() - the current placement strategy.
 * @p: the pool.
 *
 * Context: any context that may take a spinlock.
 * Return: enum fl_fit_strategy.
 */
u32 fl_fit_get_strategy(struct fl_fit_pool *p)
{
	u32 s;

	fl_lock(&p->lock);
	s = p->strategy;
	fl_unlock(&p->lock);
	return s;
}

/**
 * fl_fit_strategy_from_name() - parse a strategy name.
 * @name: "first-fit", "next-fit", "best-fit", "worst-fit", or the same
 *        without "-fit".
 *
 * Context: any.
 * Return: enum fl_fit_strategy, or -EINVAL.
 */
int fl_fit_strategy_from_name(const char *name)
{
	int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < FL_FIT_NR_STRATEGIES; i++) {
		const char *s = fl_fit_strategy_names[i];
		size_t n = fl_strlen(s) - 4;	/* without "-fit" */
		size_t k;

		for (k = 0; k < n && name[k] == s[k]; k++)
			;
		if (k < n)
			continue;
		/* the rest of name must be "" or "-fit" */
		for (; name[k] && name[k] == s[k]; k++)
			;
		if (!name[k] && (k == n || !s[k]))
			return i;
	}
	return -EINVAL;
}

/**
 * fl_fit_granularity() - the pool's granularity.
 * @p: the pool.
 *
 * Context: any; fixed at creation.
 * Return: granularity in bytes.
 */
u32 fl_fit_granularity(const struct fl_fit_pool *p)
{
	return p->gran;
}

/**
 * fl_fit_nr_segments() - number of segments.
 * @p: the pool.
 *
 * Context: any; fixed at creation.
 * Return: the number of segments.
 */
u32 fl_fit_nr_segments(const struct fl_fit_pool *p)
{
	return p->nr_segs;
}

/**
 * fl_fit_get_segment() - one segment of the pool.
 * @p: the pool.
 * @i: segment index.
 * @seg: out: its start and length.
 *
 * Context: any; fixed at creation.
 * Return: 0, or -EINVAL if @i is out of range.
 */
int fl_fit_get_segment(const struct fl_fit_pool *p, u32 i,
		       struct fl_fit_segment *seg)
{
	if (i >= p->nr_segs)
		return -EINVAL;
	*seg = p->segs[i];
	return 0;
}

/* ------------------------------------------------------- alloc / free */

static void fl_fit_account_alloc(struct fl_fit_pool *p,
				 const struct fl_fit_node *an, int sign)
{
	u64 movable = !!(an->flags & FL_FIT_MOVABLE);

	if (sign > 0) {
		p->nr_allocated++;
		p->nr_movable += movable;
		p->allocated_bytes += fl_fit_size(an);
		p->requested_bytes += an->requested;
	} else {
		p->nr_allocated--;
		p->nr_movable -= movable;
		p->allocated_bytes -= fl_fit_size(an);
		p->requested_bytes -= an->requested;
	}
}

static int fl_fit_check_request(struct fl_fit_pool *p, u64 size, u64 align,
				u32 flags)
{
	if (!size || size > p->pool_bytes)
		return -EINVAL;
	if (align && (!fl_is_pow2(align) || align > FL_FIT_MAX_ALIGN))
		return -EINVAL;
	if (flags & ~FL_FIT_ALLOC_FLAGS)
		return -EINVAL;
	return 0;
}

/* Place an allocation of @n bytes aligned to @a; lock held, nodes reserved. */
static int __fl_fit_alloc(struct fl_fit_pool *p, u64 size, u64 n, u64 a,
			  u32 flags, u64 *offset)
{
	struct fl_fit_node *h = fl_fit_find(p, n, a);
	u64 nr_holes = p->nr_holes;
	struct fl_fit_node *an;
	u64 off;
	u32 seg;

	if (!h) {
		if (p->free_bytes >= n)
			p->fail_fragmented++;
		else
			p->fail_nomem++;
		return -ENOMEM;
	}
	off = fl_align_up(fl_fit_start(h), a);
	seg = h->seg;
	an = fl_fit_node_get(p);
	if (!an)
		return -ENOMEM;
	fl_fit_carve(p, h, off, n);
	an->a.key = off;
	an->a.val = n;
	an->requested = size;
	an->align = a;
	an->seg = seg;
	an->flags = flags;
	fl_warn_once(fl_fit_tree_insert(&p->allocs, &an->a));
	fl_fit_account_alloc(p, an, 1);
	p->allocs_ok++;
	p->rover = off + n;
	fl_trace(fl_pool_alloc, p->strategy, size, n, off, nr_holes);
	*offset = off;
	return 0;
}

/**
 * fl_fit_alloc() - allocate a range from the pool.
 * @p: the pool.
 * @size: bytes, 1..pool size; rounded up to the granularity.
 * @align: 0, or a power of two up to FL_FIT_MAX_ALIGN; the offset is a
 *         multiple of max(@align, granularity).  Offsets are arena byte
 *         offsets, so the physical alignment holds up to the alignment
 *         of the segment's memory (a page for buddy-backed pools).
 * @flags: FL_FIT_* allocation flags.
 * @offset: out: arena byte offset of the allocation.
 *
 * Placement follows the pool's strategy (see the top of fl_fit.c).
 * A failure to place is counted in fail_fragmented if the pool had at
 * least the rounded size free in total, else in fail_nomem.
 *
 * Context: process context (may allocate metadata).  O(log n).
 * Return: 0, -EINVAL for a bad parameter, -ENOMEM if no hole fits or
 * metadata could not be allocated (the pool is unchanged).
 */
int fl_fit_alloc(struct fl_fit_pool *p, u64 size, u64 align, u32 flags,
		 u64 *offset)
{
	u64 n, a;
	int ret;

	if (!p || !offset)
		return -EINVAL;
	ret = fl_fit_check_request(p, size, align, flags);
	if (ret)
		return ret;
	n = fl_align_up(size, p->gran);
	a = align > p->gran ? align : p->gran;
	fl_lock(&p->lock);
	ret = fl_fit_reserve(p, FL_FIT_OP_NODES);
	if (!ret)
		ret = __fl_fit_alloc(p, size, n, a, flags, offset);
	fl_unlock(&p->lock);
	return ret;
}

/**
 * fl_fit_free() - free an allocation.
 * @p: the pool.
 * @offset: offset returned by fl_fit_alloc() (or its new offset after a
 *          move).
 *
 * The range is coalesced at once with the holes on both sides in the
 * same segment.  Never allocates.
 *
 * Context: any context that may take a spinlock.  O(log n).
 * Return: 0, or -ENOENT if no allocation starts at @offset.
 */
int fl_fit_free(struct fl_fit_pool *p, u64 offset)
{
	struct fl_fit_node *an;

	if (!p)
		return -EINVAL;
	fl_lock(&p->lock);
	an = fl_fit_by_a(fl_fit_tree_find(p->allocs, offset, 0));
	if (!an) {
		fl_unlock(&p->lock);
		return -ENOENT;
	}
	fl_fit_tree_erase(&p->allocs, &an->a);
	fl_fit_account_alloc(p, an, -1);
	p->frees++;
	fl_trace(fl_pool_free, offset, fl_fit_size(an));
	/* The node goes back first: release() may reuse it for the hole. */
	fl_fit_node_put(p, an);
	fl_fit_release(p, offset, fl_fit_size(an), an->seg);
	fl_unlock(&p->lock);
	return 0;
}

static void fl_fit_fill_info(const struct fl_fit_node *an,
			     struct fl_fit_alloc_info *ai)
{
	ai->offset = fl_fit_start(an);
	ai->size = fl_fit_size(an);
	ai->requested = an->requested;
	ai->align = an->align;
	ai->flags = an->flags;
	ai->seg = an->seg;
}

/**
 * fl_fit_lookup() - describe the allocation at an offset.
 * @p: the pool.
 * @offset: start of an allocation.
 * @ai: out: the allocation.
 *
 * Context: any context that may take a spinlock.  O(log n).
 * Return: 0, or -ENOENT if no allocation starts at @offset.
 */
int fl_fit_lookup(struct fl_fit_pool *p, u64 offset,
		  struct fl_fit_alloc_info *ai)
{
	struct fl_fit_node *an;

	fl_lock(&p->lock);
	an = fl_fit_by_a(fl_fit_tree_find(p->allocs, offset, 0));
	if (an)
		fl_fit_fill_info(an, ai);
	fl_unlock(&p->lock);
	return an ? 0 : -ENOENT;
}

/**
 * fl_fit_next_alloc() - iterate allocations in address order.
 * @p: the pool.
 * @from: lower bound of the offset.
 * @ai: out: the first allocation starting at or after @from.
 *
 * Walk with ``for (off = 0; !fl_fit_next_alloc(p, off, &ai);
 * off = ai.offset + ai.size)``; the walk is stable against frees and
 * moves of allocations already visited.
 *
 * Context: any context that may take a spinlock.  O(log n).
 * Return: 0, or -ENOENT past the last allocation.
 */
int fl_fit_next_alloc(struct fl_fit_pool *p, u64 from,
		      struct fl_fit_alloc_info *ai)
{
	struct fl_fit_node *an;

	fl_lock(&p->lock);
	an = fl_fit_by_a(fl_fit_tree_ceil(p->allocs, from, 0));
	if (an)
		fl_fit_fill_info(an, ai);
	fl_unlock(&p->lock);
	return an ? 0 : -ENOENT;
}

/* ---------------------------------------------------- move / compact */

/* Lock held, FL_FIT_OP_NODES nodes reserved. */
static int __fl_fit_move(struct fl_fit_pool *p, struct fl_fit_node *an,
			 u64 new_off)
{
	u64 old = fl_fit_start(an), len = fl_fit_size(an);
	u64 lo = old, hi = old + len;
	struct fl_fit_node *h;

	if (new_off == old)
		return 0;
	if (new_off & (an->align - 1))
		return -EINVAL;
	h = fl_fit_hole_before(p, old, an->seg);
	if (h)
		lo = fl_fit_start(h);
	h = fl_fit_hole_at(p, old + len, an->seg);
	if (h)
		hi = fl_fit_end(h);
	if (new_off < lo || new_off > hi || hi - new_off < len)
		return -EBUSY;
	/* Order among allocations is kept: only free space is around. */
	fl_fit_release(p, old, len, an->seg);
	h = fl_fit_by_a(fl_fit_tree_floor(p->holes, new_off, 0));
	if (fl_warn_once(!h || fl_fit_end(h) < new_off + len))
		return -EUCLEAN;
	fl_fit_carve(p, h, new_off, len);
	an->a.key = new_off;
	fl_fit_tree_refresh(&p->allocs, &an->a);
	p->moves++;
	p->moved_bytes += len;
	return 0;
}

/**
 * fl_fit_move() - move an allocation's metadata (compaction primitive).
 * @p: the pool.
 * @old_off: offset of an allocation.
 * @new_off: its new offset: a multiple of the allocation's alignment such
 *           that the new range lies inside the free space around the
 *           allocation (the allocation's own range and the holes
 *           adjacent to it); the ranges may overlap.
 *
 * Only the pool's bookkeeping changes: the caller copies the contents
 * (memmove semantics) and updates whatever refers to @old_off.  Size,
 * flags and alignment are kept; the rover does not move.
 *
 * Context: process context (may allocate metadata).  O(log n).
 * Return: 0, -ENOENT if no allocation starts at @old_off, -EINVAL for a
 * misaligned @new_off, -EBUSY if the new range is not free, -ENOMEM
 * (pool unchanged).
 */
int fl_fit_move(struct fl_fit_pool *p, u64 old_off, u64 new_off)
{
	struct fl_fit_node *an;
	int ret;

	fl_lock(&p->lock);
	ret = fl_fit_reserve(p, FL_FIT_OP_NODES);
	if (!ret) {
		an = fl_fit_by_a(fl_fit_tree_find(p->allocs, old_off, 0));
		ret = an ? __fl_fit_move(p, an, new_off) : -ENOENT;
	}
	fl_unlock(&p->lock);
	return ret;
}

/*
 * Next compaction step from (@from, @seg, @cursor): find the first
 * movable allocation that can slide down.  Lock held.
 */
static struct fl_fit_node *fl_fit_compact_next(struct fl_fit_pool *p,
					       u64 *from, u32 *seg,
					       u64 *cursor, u64 *target)
{
	struct fl_fit_node *an;

	while ((an = fl_fit_by_a(fl_fit_tree_ceil(p->allocs, *from, 0)))) {
		if (an->seg != *seg) {
			*seg = an->seg;
			*cursor = p->segs[an->seg].start;
		}
		*target = fl_align_up(*cursor, an->align);
		if ((an->flags & FL_FIT_MOVABLE) &&
		    *target < fl_fit_start(an))
			return an;
		*cursor = fl_fit_end(an);
		*from = *cursor;
	}
	return NULL;
}

/**
 * fl_fit_compact() - slide movable allocations towards the segment starts.
 * @p: the pool.
 * @move: called for each allocation before its metadata moves, without
 *        the pool lock, to copy the contents (ranges may overlap) and fix
 *        handles and mappings; NULL for metadata-only pools.
 * @priv: passed to @move.
 *
 * Walks the allocations in address order.  In each segment a cursor
 * starts at the segment's start; a movable allocation moves down to the
 * cursor (rounded up to its alignment) and the cursor follows its end; a
 * pinned allocation stays and the cursor jumps past it.  Afterwards each
 * segment's free space is one hole between consecutive pinned
 * allocations (and at the segment's end), except for gaps left by
 * alignment.  The caller must keep other users of the pool out while
 * this runs (the lock is dropped around @move).
 *
 * Context: process context (may allocate metadata; @move may sleep).
 * Return: the number of allocations moved, or a negative errno: the one
 * @move returned (that allocation stays where it was), -ENOMEM (pool
 * consistent, partly compacted), -EAGAIN if the pool changed while the
 * lock was dropped.
 */
int fl_fit_compact(struct fl_fit_pool *p, fl_fit_move_fn move, void *priv)
{
	u64 from = 0, cursor = 0, target, old, len;
	u32 seg = ~0U;
	struct fl_fit_node *an;
	int moved = 0, ret = 0;

	fl_lock(&p->lock);
	for (;;) {
		ret = fl_fit_reserve(p, FL_FIT_OP_NODES);
		if (ret)
			break;
		an = fl_fit_compact_next(p, &from, &seg, &cursor, &target);
		if (!an)
			break;
		old = fl_fit_start(an);
		len = fl_fit_size(an);
		if (move) {
			fl_unlock(&p->lock);
			ret = move(priv, old, target, len);
			fl_cond_resched();
			fl_lock(&p->lock);
			if (ret)
				break;
			an = fl_fit_by_a(fl_fit_tree_find(p->allocs, old, 0));
			if (!an || p->nr_spare < FL_FIT_OP_NODES) {
				ret = -EAGAIN;
				break;
			}
		}
		ret = __fl_fit_move(p, an, target);
		if (ret)
			break;
		moved++;
		cursor = target + len;
		from = cursor;
	}
	fl_unlock(&p->lock);
	return ret ? ret : moved;
}

/* ---------------------------------------------------------- statistics */

/*
 * No allocation can span two segments, so the largest request a pool can
 * ever grant is its largest segment: the cap of fl_metrics_external_frag().
 */
static u64 fl_fit_largest_segment(const struct fl_fit_pool *p)
{
	u64 max = 0;
	u32 i;

	for (i = 0; i < p->nr_segs; i++)
		if (p->segs[i].len > max)
			max = p->segs[i].len;
	return max;
}

static void __fl_fit_get_stats(struct fl_fit_pool *p, struct fl_fit_stats *st)
{
	u64 largest = fl_fit_largest(p);

	fl_memset(st, 0, sizeof(*st));
	st->pool_bytes = p->pool_bytes;
	st->nr_segments = p->nr_segs;
	st->granularity = p->gran;
	st->strategy = p->strategy;
	st->nr_holes = p->nr_holes;
	st->free_bytes = p->free_bytes;
	st->largest_hole = largest;
	st->ext_frag_permille = fl_metrics_external_frag(p->free_bytes, largest,
							 fl_fit_largest_segment(p));
	st->nr_allocated = p->nr_allocated;
	st->nr_movable = p->nr_movable;
	st->allocated_bytes = p->allocated_bytes;
	st->requested_bytes = p->requested_bytes;
	st->allocs = p->allocs_ok;
	st->frees = p->frees;
	st->fail_fragmented = p->fail_fragmented;
	st->fail_nomem = p->fail_nomem;
	st->moves = p->moves;
	st->moved_bytes = p->moved_bytes;
	st->rover = p->rover;
	fl_memcpy(st->hist, p->hist, sizeof(st->hist));
}

/**
 * fl_fit_get_stats() - snapshot of the pool's counters.
 * @p: the pool.
 * @st: out.
 *
 * Context: any context that may take a spinlock.  O(1).
 */
void fl_fit_get_stats(struct fl_fit_pool *p, struct fl_fit_stats *st)
{
	fl_lock(&p->lock);
	__fl_fit_get_stats(p, st);
	fl_unlock(&p->lock);
}

/* ------------------------------------------------------------- checker */

struct fl_fit_sums {
	u64 free, holes, allocated, requested, nr_alloc, movable;
	u64 hist[FL_FIT_HIST_BUCKETS];
};

static int fl_fit_check_hole(struct fl_fit_pool *p, struct fl_fit_node *h,
			     struct fl_fit_sums *s, char *msg, size_t len)
{
	u64 start = fl_fit_start(h), size = fl_fit_size(h);

	if (!size || (size & (p->gran - 1)))
		return fl_check_fail(msg, len, "hole 0x%llx: bad size %llu",
				     (unsigned long long)start,
				     (unsigned long long)size);
	if (h->s.key != size || h->s.key2 != start ||
	    fl_fit_tree_find(p->sizes, size, start) != &h->s)
		return fl_check_fail(msg, len,
				     "hole 0x%llx: size index does not match",
				     (unsigned long long)start);
	s->free += size;
	s->holes++;
	s->hist[fl_fit_bucket(size)]++;
	return 0;
}

static int fl_fit_check_alloc(struct fl_fit_pool *p, struct fl_fit_node *an,
			      struct fl_fit_sums *s, char *msg, size_t len)
{
	u64 off = fl_fit_start(an), size = fl_fit_size(an);

	if (!size || (size & (p->gran - 1)) || an->requested > size ||
	    !an->requested || size - an->requested >= p->gran)
		return fl_check_fail(msg, len,
				     "alloc 0x%llx: bad size %llu/%llu",
				     (unsigned long long)off,
				     (unsigned long long)size,
				     (unsigned long long)an->requested);
	if (!fl_is_pow2(an->align) || an->align < p->gran ||
	    (off & (an->align - 1)) || (an->flags & ~FL_FIT_ALLOC_FLAGS))
		return fl_check_fail(msg, len, "alloc 0x%llx: bad align/flags",
				     (unsigned long long)off);
	s->allocated += size;
	s->requested += an->requested;
	s->nr_alloc++;
	s->movable += !!(an->flags & FL_FIT_MOVABLE);
	return 0;
}

/*
 * Where a check of a pool stands, so that fl_fit_check_paced() can stop
 * after a budget of nodes and go on from there while the pool is
 * unchanged: the three trees in turn, then the tiling walk.  Zeroed: at
 * the start.
 */
struct fl_fit_check_pos {
	u32 phase;		/* 0..2: trees; 3: tiling; 4: counters */
	struct fl_fit_tree_cursor tree;
	u64 counts[3];		/* holes, sizes, allocs */
	bool tiling;		/* si, pos, h, an, prev_hole are valid */
	u32 si;
	u64 pos;
	struct fl_fit_node *h, *an;
	bool prev_hole;
	struct fl_fit_sums s;
};

/*
 * Holes and allocations must tile every segment exactly, holes maximal.
 * Return: 0 when done, 1 when the budget ran out first, -EUCLEAN.
 */
static int fl_fit_check_tiling(struct fl_fit_pool *p,
			       struct fl_fit_check_pos *c, u64 *budget,
			       char *msg, size_t len)
{
	int ret;

	if (!c->tiling) {
		c->tiling = true;
		c->h = fl_fit_by_a(fl_fit_tree_first(p->holes));
		c->an = fl_fit_by_a(fl_fit_tree_first(p->allocs));
		c->si = 0;
		c->pos = p->nr_segs ? p->segs[0].start : 0;
		c->prev_hole = false;
	}
	for (; c->si < p->nr_segs; c->si++, c->prev_hole = false,
	     c->pos = c->si < p->nr_segs ? p->segs[c->si].start : 0) {
		u64 end = p->segs[c->si].start + p->segs[c->si].len;

		while (c->pos < end) {
			struct fl_fit_node *n;

			if (!*budget)
				return 1;
			(*budget)--;
			if (c->h && fl_fit_start(c->h) == c->pos) {
				if (c->prev_hole)
					return fl_check_fail(msg, len,
							     "holes not coalesced at 0x%llx",
							     (unsigned long long)c->pos);
				ret = fl_fit_check_hole(p, c->h, &c->s, msg,
							len);
				n = c->h;
				c->h = fl_fit_by_a(fl_fit_tree_next(p->holes,
								    &c->h->a));
				c->prev_hole = true;
			} else if (c->an && fl_fit_start(c->an) == c->pos) {
				ret = fl_fit_check_alloc(p, c->an, &c->s, msg,
							 len);
				n = c->an;
				c->an = fl_fit_by_a(fl_fit_tree_next(p->allocs,
								     &c->an->a));
				c->prev_hole = false;
			} else {
				return fl_check_fail(msg, len,
						     "segment %u: nothing at 0x%llx",
						     c->si,
						     (unsigned long long)c->pos);
			}
			if (ret)
				return ret;
			if (n->seg != c->si || fl_fit_end(n) > end)
				return fl_check_fail(msg, len,
						     "0x%llx crosses segment %u",
						     (unsigned long long)c->pos,
						     c->si);
			c->pos = fl_fit_end(n);
		}
	}
	if (c->h || c->an)
		return fl_check_fail(msg, len, "%s outside every segment",
				     c->h ? "hole" : "allocation");
	return 0;
}

static int fl_fit_check_counters(struct fl_fit_pool *p,
				 const struct fl_fit_sums *s, char *msg,
				 size_t len)
{
	if (s->free != p->free_bytes || s->holes != p->nr_holes ||
	    fl_memcmp(s->hist, p->hist, sizeof(s->hist)))
		return fl_check_fail(msg, len, "hole counters are wrong");
	if (s->allocated != p->allocated_bytes ||
	    s->requested != p->requested_bytes ||
	    s->nr_alloc != p->nr_allocated || s->movable != p->nr_movable)
		return fl_check_fail(msg, len, "allocation counters are wrong");
	if (p->free_bytes + p->allocated_bytes != p->pool_bytes)
		return fl_check_fail(msg, len,
				     "free + allocated != pool bytes");
	if (p->allocs_ok - p->frees != p->nr_allocated)
		return fl_check_fail(msg, len, "allocs - frees != live");
	return 0;
}

/*
 * Go on with the check from @c for about @budget nodes.  Pool lock held.
 * Return: 0 when the check is complete, 1 when the budget ran out first
 * (@c says where it stopped), -EUCLEAN on a violation.
 */
static int fl_fit_check_from(struct fl_fit_pool *p, struct fl_fit_check_pos *c,
			     u64 budget, char *msg, size_t len)
{
	struct fl_fit_tnode *trees[3] = { p->holes, p->sizes, p->allocs };
	int ret;

	for (; c->phase < 3; c->phase++) {
		ret = fl_fit_tree_check_from(trees[c->phase], &c->tree,
					     &budget, msg, len);
		if (ret)
			return ret;
		c->counts[c->phase] = c->tree.count;
		fl_memset(&c->tree, 0, sizeof(c->tree));
	}
	if (c->phase == 3) {
		if (c->counts[0] != c->counts[1] ||
		    c->counts[0] != p->nr_holes ||
		    c->counts[2] != p->nr_allocated)
			return fl_check_fail(msg, len,
					     "tree sizes %llu/%llu/%llu vs counters",
					     (unsigned long long)c->counts[0],
					     (unsigned long long)c->counts[1],
					     (unsigned long long)c->counts[2]);
		ret = fl_fit_check_tiling(p, c, &budget, msg, len);
		if (ret)
			return ret;
		c->phase = 4;
	}
	return fl_fit_check_counters(p, &c->s, msg, len);
}

/**
 * fl_fit_check() - verify every invariant of a pool.
 * @p: the pool.
 * @msg: out (may be NULL): description of the first violation.
 * @len: size of @msg.
 *
 * Trees ordered and balanced with correct max augmentation; the size
 * index mirrors the holes; holes and allocations tile every segment
 * exactly, holes are maximal and inside one segment; allocations are
 * aligned; every counter and the histogram match.  In one hold of the
 * pool lock: fl_fit_check_paced() bounds the hold.
 *
 * Context: process context (allocates its cursor, ~1 KiB, with
 * fl_zalloc()); takes the pool lock.  O(n log n).
 * Return: 0, -EUCLEAN on the first violation, or -ENOMEM.
 */
int fl_fit_check(struct fl_fit_pool *p, char *msg, size_t len)
{
	struct fl_fit_check_pos *c = fl_zalloc(sizeof(*c));
	int ret;

	if (msg && len)
		msg[0] = '\0';
	if (!c)
		return -ENOMEM;
	fl_lock(&p->lock);
	ret = fl_fit_check_from(p, c, ~0ULL, msg, len);
	fl_unlock(&p->lock);
	fl_free(c);
	return ret;
}

/* Walks fl_fit_check_paced() starts before it gives up (-EAGAIN). */
#define FL_FIT_CHECK_TRIES	8

/*
 * What tells fl_fit_check_paced() that the pool changed while its lock
 * was dropped: every change of the trees is an allocation (allocs_ok), a
 * free or a move, each counted after it is made; a failed allocation
 * changes nothing.  Pool lock held.
 */
struct fl_fit_check_stamp {
	u64 allocs, frees, moves;
};

static void fl_fit_check_stamp(const struct fl_fit_pool *p,
			       struct fl_fit_check_stamp *st)
{
	st->allocs = p->allocs_ok;
	st->frees = p->frees;
	st->moves = p->moves;
}

/**
 * fl_fit_check_paced() - fl_fit_check() in bounded steps.
 * @p: the pool.
 * @msg: out (may be NULL): description of the first violation.
 * @len: size of @msg.
 * @step: tree nodes (and tiling steps) per hold of the pool lock; 0: no
 *        bound, as fl_fit_check().
 * @pause: called with the lock dropped between two holds (the kernel
 *         passes cond_resched()); may be NULL.
 * @arg: passed to @pause.
 *
 * The same checks in the same order as fl_fit_check() (the trees with an
 * explicit stack, fl_fit_tree_check_from(), then the tiling), without
 * holding the pool lock for O(n log n).  A hold that finds the pool
 * changed since the walk began (struct fl_fit_check_stamp) starts the
 * walk over, so every verdict is about one state of the pool; after
 * FL_FIT_CHECK_TRIES changed walks it gives up, as fl_buddy_check_paced()
 * does.
 *
 * Context: process context if @pause sleeps; takes the pool lock per hold.
 * Return: 0, -EUCLEAN on the first violation, -ENOMEM, or -EAGAIN (and a
 * sentence in @msg) if the pool changed during every walk.
 */
int fl_fit_check_paced(struct fl_fit_pool *p, char *msg, size_t len,
		       u32 step, void (*pause)(void *arg), void *arg)
{
	struct fl_fit_check_stamp then, now;
	struct fl_fit_check_pos *c;
	unsigned int tries;
	int ret = -EAGAIN;

	if (!step)
		return fl_fit_check(p, msg, len);
	c = fl_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (tries = 0; tries < FL_FIT_CHECK_TRIES && ret == -EAGAIN;
	     tries++) {
		bool first = true;

		fl_memset(c, 0, sizeof(*c));
		if (msg && len)
			msg[0] = '\0';
		for (;;) {
			fl_lock(&p->lock);
			fl_fit_check_stamp(p, &now);
			if (first)
				then = now;
			first = false;
			if (fl_memcmp(&now, &then, sizeof(now)))
				ret = -EAGAIN;
			else
				ret = fl_fit_check_from(p, c, step, msg, len);
			fl_unlock(&p->lock);
			if (ret != 1)
				break;
			if (pause)
				pause(arg);
		}
	}
	fl_free(c);
	if (ret == -EAGAIN && msg && len)
		fl_scnprintf(msg, len, "pool changed during each of %u walks: not verified, try again",
			     FL_FIT_CHECK_TRIES);
	return ret;
}

/* --------------------------------------------------------- text output */

/* Text output into a caller's buffer, whole lines only. */
struct fl_fit_out {
	char *buf;
	size_t len;
	int used;
	bool full;		/* a line did not fit: stop there */
	char line[96];
};

/* Append a formatted line if it fits whole (NUL included). */
#define fl_fit_emit(o, ...) ({						\
	int __n = fl_scnprintf((o)->line, sizeof((o)->line), __VA_ARGS__); \
	if (!(o)->full && (size_t)(o)->used + __n < (o)->len) {	\
		fl_memcpy((o)->buf + (o)->used, (o)->line, __n + 1);	\
		(o)->used += __n;					\
	} else {							\
		(o)->full = true;					\
	}								\
	!(o)->full;							\
})

/**
 * fl_fit_show_stats() - the pool's statistics as text.
 * @p: the pool.
 * @buf: output buffer (NUL-terminated).
 * @len: its size; 2 KiB always suffices.
 *
 * One "name value" line per counter (same style as the buddy's stats),
 * then "hole_hist" with "<bucket bytes>:<count>" for non-empty buckets.
 *
 * Context: any context that may take a spinlock.
 * Return: bytes written (without the NUL); output stops before the first
 * line that does not fit whole.
 */
int fl_fit_show_stats(struct fl_fit_pool *p, char *buf, size_t len)
{
	struct fl_fit_out o = { .buf = buf, .len = len };
	struct fl_fit_stats st;
	u32 b;

	if (!buf || !len)
		return 0;
	buf[0] = '\0';
	fl_fit_get_stats(p, &st);
	fl_fit_emit(&o, "strategy %s\n",
		    fl_fit_strategy_names[st.strategy]);
	fl_fit_emit(&o, "granularity %u\n", st.granularity);
	fl_fit_emit(&o, "segments %u\n", st.nr_segments);
	fl_fit_emit(&o, "pool_bytes %llu\n",
		    (unsigned long long)st.pool_bytes);
	fl_fit_emit(&o, "free_bytes %llu\n",
		    (unsigned long long)st.free_bytes);
	fl_fit_emit(&o, "allocated_bytes %llu\n",
		    (unsigned long long)st.allocated_bytes);
	fl_fit_emit(&o, "requested_bytes %llu\n",
		    (unsigned long long)st.requested_bytes);
	fl_fit_emit(&o, "allocations %llu\n",
		    (unsigned long long)st.nr_allocated);
	fl_fit_emit(&o, "movable %llu\n",
		    (unsigned long long)st.nr_movable);
	fl_fit_emit(&o, "holes %llu\n",
		    (unsigned long long)st.nr_holes);
	fl_fit_emit(&o, "largest_hole %llu\n",
		    (unsigned long long)st.largest_hole);
	fl_fit_emit(&o, "external_frag_permille %u\n",
		    st.ext_frag_permille);
	fl_fit_emit(&o, "allocs %llu\n",
		    (unsigned long long)st.allocs);
	fl_fit_emit(&o, "frees %llu\n",
		    (unsigned long long)st.frees);
	fl_fit_emit(&o, "fail_fragmented %llu\n",
		    (unsigned long long)st.fail_fragmented);
	fl_fit_emit(&o, "fail_nomem %llu\n",
		    (unsigned long long)st.fail_nomem);
	fl_fit_emit(&o, "moves %llu\n",
		    (unsigned long long)st.moves);
	fl_fit_emit(&o, "moved_bytes %llu\n",
		    (unsigned long long)st.moved_bytes);
	fl_fit_emit(&o, "rover 0x%llx\n",
		    (unsigned long long)st.rover);
	fl_fit_emit(&o, "hole_hist");
	for (b = 0; b < FL_FIT_HIST_BUCKETS; b++)
		if (st.hist[b])
			fl_fit_emit(&o, " %llu:%llu",
				    1ULL << b, (unsigned long long)st.hist[b]);
	fl_fit_emit(&o, "\n");
	return o.used;
}

/**
 * fl_fit_show_holes() - list holes as text, resumable.
 * @p: the pool.
 * @pos: in: lowest hole offset to print (0 to start); out: offset of the
 *       first hole not printed, or FL_FIT_POS_END when done.
 * @buf: output buffer (NUL-terminated).
 * @len: its size.
 *
 * One line per hole in address order: "0x<offset> <bytes>".  Only whole
 * lines are written.
 *
 * Context: any context that may take a spinlock.  O(log n) per line.
 * Return: bytes written; 0 with *@pos != FL_FIT_POS_END means @buf is too
 * small for one line.
 */
int fl_fit_show_holes(struct fl_fit_pool *p, u64 *pos, char *buf,
		      size_t len)
{
	struct fl_fit_out o = { .buf = buf, .len = len };
	struct fl_fit_tnode *t;

	if (!buf || !len)
		return 0;
	buf[0] = '\0';
	fl_lock(&p->lock);
	for (t = fl_fit_tree_ceil(p->holes, *pos, 0); t;
	     t = fl_fit_tree_next(p->holes, t)) {
		if (!fl_fit_emit(&o, "0x%llx %llu\n",
				 (unsigned long long)t->key,
				 (unsigned long long)t->val))
			break;
	}
	*pos = t ? t->key : FL_FIT_POS_END;
	fl_unlock(&p->lock);
	return o.used;
}

/* Index of the segment holding @pos or the first one after it. */
static u32 fl_fit_seg_of(const struct fl_fit_pool *p, u64 pos)
{
	u32 lo = 0, hi = p->nr_segs;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (p->segs[mid].start + p->segs[mid].len <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One map run starting at @pos in segment @si; returns its end. */
static u64 fl_fit_map_run(struct fl_fit_pool *p, u32 si, u64 pos,
			  char *line, size_t len)
{
	u64 end = p->segs[si].start + p->segs[si].len;
	struct fl_fit_node *h = fl_fit_by_a(fl_fit_tree_ceil(p->holes, pos, 0));
	struct fl_fit_tnode *t;
	u64 nr = 0, pinned = 0;

	if (h && fl_fit_start(h) == pos) {
		fl_scnprintf(line, len, "free 0x%llx %llu\n",
			    (unsigned long long)pos,
			    (unsigned long long)fl_fit_size(h));
		return fl_fit_end(h);
	}
	if (h && fl_fit_start(h) < end)
		end = fl_fit_start(h);
	for (t = fl_fit_tree_ceil(p->allocs, pos, 0); t && t->key < end;
	     t = fl_fit_tree_next(p->allocs, t)) {
		nr++;
		pinned += !(fl_fit_by_a(t)->flags & FL_FIT_MOVABLE);
	}
	fl_scnprintf(line, len, "used 0x%llx %llu allocs=%llu pinned=%llu\n",
		    (unsigned long long)pos, (unsigned long long)(end - pos),
		    (unsigned long long)nr, (unsigned long long)pinned);
	return end;
}

/**
 * fl_fit_show_map() - run-length map of the pool as text, resumable.
 * @p: the pool.
 * @pos: in: offset to start at (0 to start); out: where to resume, or
 *       FL_FIT_POS_END when done.
 * @buf: output buffer (NUL-terminated).
 * @len: its size.
 *
 * Each segment starts with "segment <i> 0x<start> <bytes>", followed by
 * its runs in address order: "free 0x<offset> <bytes>" for a hole and
 * "used 0x<offset> <bytes> allocs=<n> pinned=<k>" for a maximal run of
 * allocations (k of them not movable).  Only whole lines are written; a
 * segment header is written together with the segment's first run.
 *
 * Context: any context that may take a spinlock.  O(log n) per free run,
 * O(k log n) for a used run of k allocations.
 * Return: bytes written; 0 with *@pos != FL_FIT_POS_END means @buf is too
 * small for one line.
 */
int fl_fit_show_map(struct fl_fit_pool *p, u64 *pos, char *buf, size_t len)
{
	char line[96], head[64];
	u64 at = *pos, next;
	u32 si;
	int out = 0, n, hn;

	if (!buf || !len)
		return 0;
	buf[0] = '\0';
	fl_lock(&p->lock);
	for (si = fl_fit_seg_of(p, at); si < p->nr_segs; ) {
		const struct fl_fit_segment *s = &p->segs[si];

		if (at <= s->start) {
			at = s->start;
			hn = fl_scnprintf(head, sizeof(head),
					 "segment %u 0x%llx %llu\n", si,
					 (unsigned long long)s->start,
					 (unsigned long long)s->len);
		} else {
			hn = 0;
			head[0] = '\0';
		}
		next = fl_fit_map_run(p, si, at, line, sizeof(line));
		n = fl_strlen(line);
		if ((size_t)out + hn + n >= len)
			break;
		fl_memcpy(buf + out, head, hn);
		fl_memcpy(buf + out + hn, line, n + 1);
		out += hn + n;
		at = next;
		if (at >= s->start + s->len)
			si++;
	}
	*pos = si < p->nr_segs ? at : FL_FIT_POS_END;
	fl_unlock(&p->lock);
	return out;
}
