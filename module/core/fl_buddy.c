// SPDX-License-Identifier: GPL-2.0
/*
 * fl_buddy.c - fraglab's binary buddy allocator (portable core).
 *
 * This file is compiled twice: into fraglab.ko (kernel glue in module/)
 * and into userspace (tests/unit, fragctl --sim, benchmarks).  It includes
 * nothing but fl_port.h and its own headers.
 *
 * Index space
 * -----------
 * The arena is described by chunks (struct fl_chunk): physically
 * contiguous page ranges placed in one page-index space.  Every chunk
 * starts at an index aligned to 2^FL_MAX_ORDER; the indices between the
 * end of a chunk and the start of the next one are "holes".  A block of
 * order o always starts at an index aligned to 2^o, so its buddy (index
 * XOR 2^o) lies in the same 2^FL_MAX_ORDER-aligned region as the block,
 * hence either in the same chunk or in a hole.  Hole pages carry the
 * state HOLE and are never free, so a block can neither be merged with
 * a hole nor cross a chunk boundary: alignment + hole state are the whole
 * boundary check, exactly like a zone with memory holes in mm/page_alloc.c
 * (where pfn_valid()/page_is_buddy() play that role).
 *
 * Metadata
 * --------
 * Like struct page, metadata lives outside the arena: one compact
 * struct fl_bpage (24 bytes) per page index, from fl_zalloc().  Only the
 * head page of a block carries meaning; every other page inside a chunk
 * is a TAIL, and tails are never written by alloc or free (so an order-10
 * allocation touches a handful of entries, not 1024).  Heads hold:
 *   state       FREE or ALLOC (HOLE / TAIL for other pages)
 *   order       block order
 *   mt          free head: the free list it is on (= its pageblock's type)
 *               alloc head: the allocation's own migrate type
 *   owner_kind, owner, requested   allocated heads only
 *   prev/next   free-list links, as u32 page indices (FL_NIL terminated)
 * The head of the block covering a tail is found in O(max_order): the
 * first index idx & ~(2^k - 1), k = 1..max_order, that is a head of order
 * >= k.  Per pageblock (2^FL_PAGEBLOCK_ORDER pages) one u8 holds the
 * migrate type, like the kernel's pageblock_flags bitmap.
 *
 * Free lists
 * ----------
 * free_head[order][mt] and free_tail[order][mt] hold a doubly linked
 * list (through prev/next indices) of free blocks: O(1) insert at the
 * head or the tail (__add_to_free_list(..., tail)) and O(1) removal;
 * allocations take the head.  nr_free[order] and
 * nr_free_mt[order][mt] count them, free_pages counts pages.
 *
 * Allocation (__rmqueue_smallest + expand)
 * ----------------------------------------
 * Take the first block of the smallest order >= the request on the list
 * of the wanted type, split it (expand()): the upper half goes to the
 * free list of order-1, and so on, until the block has the requested
 * order.  At most max_order splits; the order loop is at most 11 array
 * reads.  Nothing is ever scanned.
 *
 * Free (__free_one_page)
 * ----------------------
 * While the buddy (idx ^ 2^order) is a FREE head of the same order, take
 * it off its list and merge; the lower index is the new head.  At most
 * max_order merges.  The merged block goes on the list of the freeing
 * block's pageblock type.  When a merge joins blocks of order >= 9 whose
 * pageblocks differ in type, the buddy's pageblocks take the freeing
 * block's type (6.12 __free_one_page(): "Match buddy type"), so a free
 * block of order > 9 always has all its pageblocks of one type.
 *
 * Migrate types (grouping by mobility), modelled on Linux 6.12
 * -------------------------------------------------------------
 * All pageblocks start MOVABLE, as after boot (memmap_init_range()).
 * A free block sits on the list of its (first) pageblock's type.  An
 * allocation of type T is served by __rmqueue() in three steps:
 *  1. __rmqueue_smallest(T): the smallest suitable block of type T.
 *  2. __rmqueue_claim(): from max_order down to the requested order,
 *     find_suitable_fallback() picks the first non-empty list among
 *     fallbacks[T] (UNMOVABLE: RECLAIMABLE, MOVABLE; MOVABLE: RECLAIMABLE,
 *     UNMOVABLE; RECLAIMABLE: UNMOVABLE, MOVABLE).  If can_steal_fallback()
 *     says no (order < pageblock_order/2 and T is MOVABLE), stop claiming.
 *     Otherwise try_to_steal_block():
 *       - order >= pageblock_order: take the block, change_pageblock_range()
 *         to T, expand with T;
 *       - else count, in the block's pageblock, free pages and pages of
 *         MOVABLE allocations (the kernel's PageLRU/__PageMovable guess;
 *         we know each allocation's type exactly) and compute alike_pages
 *         as the kernel does (T MOVABLE: movable pages; T other and the
 *         block MOVABLE: the non-free non-movable pages; else 0).  If
 *         free + alike >= pageblock_nr_pages/2 (or grouping is off),
 *         __move_freepages_block() moves every free block of the pageblock
 *         to T's lists, the pageblock becomes T, and __rmqueue_smallest(T)
 *         is retried.  Otherwise go on with the next smaller order.
 *  3. __rmqueue_steal(): from the requested order up, take the first block
 *     of a fallback type without converting anything; the split remainders
 *     stay on the fallback type's lists (the pageblock stays mixed).
 * A pageblock that is not entirely inside one chunk is never claimed
 * (prep_move_freepages_block() refuses blocks straddling a zone end).
 * "fallbacks" counts allocations served by step 2 or 3, "steals" counts
 * pageblocks whose type changed.
 *
 * Per-CPU page lists (pcp), off by default
 * -----------------------------------------
 * fl_buddy_set_pcp(b, high) with high > 0 turns on the kernel's answer to
 * order-0 cost (mm/page_alloc.c rmqueue_pcplist()/free_unref_page()):
 * every CPU keeps lists of blocks of order 0..FL_PCP_MAX_ORDER, one per
 * order and migrate type.  An allocation of such an order pops the head
 * of this CPU's list for its order and type; an empty list is refilled
 * with nr_pcp_alloc() blocks from __rmqueue() (rmqueue_bulk(), see
 * fl_nr_pcp_alloc(): the kernel's rule with high fixed, no autotuning).
 * A free pushes the block on the list of its pageblock's type; when the
 * CPU holds high pages or more, batch pages (more if needed to get below
 * high) go back to the buddy from the lists' tails, round robin over the
 * lists (free_pcppages_bulk()), and only then merge.  So a hot alloc/free pair does no split and no merge.
 * batch is high / 4, clamped to 1..FL_PCP_BATCH_MAX.
 *
 * What that costs in visibility is what it costs in the kernel: a parked
 * block is neither free (not in nr_free, buddyinfo, pagetypeinfo or the
 * fragmentation indices, and not merged with its buddy) nor allocated (not
 * in nr_allocated or the byte counters).  Its head is an ALLOC head with
 * owner_kind FL_OWN_PCP, linked into its CPU's list through prev/next, so
 * every walker sees a block that is simply not free, a double free of it
 * is -EINVAL, and fl_buddy_check() verifies the lists.  Parked pages go
 * back (drain_all_pages()) when an allocation would otherwise fail (then
 * the allocation is retried, so "never fails while a large enough free
 * block exists" still holds), when compaction starts, when the setting
 * changes, and on fl_buddy_drain_pcp().  That is why the lists are off by
 * default in the lab: a free that does not merge hides the very thing the
 * lab shows.
 *
 * Unlike the kernel, the lists are protected by the buddy lock, not by a
 * per-CPU lock: every walker (page info, the arena map, compaction, the
 * checker) relies on page metadata changing only under that lock.  What
 * the lists save is the split/merge work (up to max_order of each per
 * pair), not the lock: on one CPU the lock is cheap, but CPUs allocating
 * at once all contend on it, where the kernel's rmqueue_pcplist() takes
 * only its CPU's pcp->lock and zone->lock once per refill
 * (docs/BENCHMARKS.md, scaling).  The CPU is fl_cpu_id(), stable while
 * the spinlock is held.
 *
 * Simplifications (on purpose): no watermarks or boosting, no ALLOC_NOFRAGMENT, no HIGHATOMIC/CMA/ISOLATE
 * types, no guard pages, no page shuffling, no page poisoning.  Free
 * blocks go to the head of their list, or to its tail when
 * buddy_merge_likely() (6.12 __free_one_page() to_tail); blocks moved
 * to another type's list go to its tail (move_to_free_list()).  Allocation never fails while any free block of a
 * large enough order exists in any list (as in the kernel without
 * ALLOC_NOFRAGMENT).
 *
 * With grouping by mobility off (page_group_by_mobility_disabled), every
 * allocation is served as UNMOVABLE (gfp_migratetype()), can_steal is
 * always true and claimed pageblocks always convert, exactly as in the
 * kernel; the allocation's own type is still recorded (compaction needs
 * it).  Toggling at run time keeps every invariant.
 *
 * Accounting
 * ----------
 * A failed allocation is "fragmented" when free_pages >= 2^order (enough
 * memory, no block: the seed's 100 MB free / 5 MB largest case), else
 * "nomem".  requested vs granted bytes give internal fragmentation.
 *
 * Locking
 * -------
 * One fl_lock_t per buddy, taken by every public function that reads or
 * writes mutable state.  fl_buddy_max_order(), fl_buddy_nr_pages(),
 * fl_buddy_nr_pageblocks(), fl_buddy_order_for_size() and
 * fl_buddy_page_addr() only read fields fixed at creation and take no
 * lock; fl_buddy_grouping() reads one bool.
 */
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_check.h"

#define FL_NIL			FL_BUDDY_NONE
#define FL_PB_ABSENT		0xff	/* pageblock entirely in a hole */
#define FL_MAX_INDEX		0xfff00000U	/* keep clear of FL_NIL */

enum fl_bp_state {
	FL_BP_HOLE = 0,
	FL_BP_TAIL,
	FL_BP_FREE,
	FL_BP_ALLOC,
};

/* Per-page metadata; only heads (FREE/ALLOC) use the fields after state. */
struct fl_bpage {
	u8 state;
	u8 order;
	u8 mt;
	u8 owner_kind;
	u32 requested;
	u32 prev;
	u32 next;
	u64 owner;
};

/* One CPU's lists: blocks linked through fl_bpage prev/next. */
#define FL_PCP_LISTS		(FL_PCP_ORDERS * FL_MT_TYPES)
#define FL_PCP_BATCH_SCALE_MAX	5	/* CONFIG_PCP_BATCH_SCALE_MAX, Debian 6.12 */

struct fl_pcp {
	u32 head[FL_PCP_LISTS];
	u32 tail[FL_PCP_LISTS];
	u32 nr[FL_PCP_LISTS];
	u32 count;		/* pages */
	u32 free_pos;		/* next list for a bulk free */
	u32 alloc_factor;	/* nr_pcp_alloc()'s order-0 batch scale */
};

struct fl_buddy {
	fl_lock_t lock;
	struct fl_bpage *pages;
	u8 *pb_mt;
	struct fl_chunk *chunks;
	u32 *region_chunk;	/* 2^FL_MAX_ORDER region -> chunk or FL_NIL */
	u32 nr_chunks;
	u32 nr_pages;
	u32 nr_regions;
	u32 nr_pageblocks;
	u32 max_order;
	bool grouping;

	u32 free_head[FL_NR_ORDERS][FL_MT_TYPES];
	u32 free_tail[FL_NR_ORDERS][FL_MT_TYPES];
	u64 nr_free_mt[FL_NR_ORDERS][FL_MT_TYPES];
	struct fl_buddy_counters cnt;	/* what fl_buddy_get_stats() reports */

	struct fl_pcp *pcp;	/* [nr_pcp], from the first fl_buddy_set_pcp() */
	u32 nr_pcp;
	u32 pcp_high;		/* 0: lists off */
	u32 pcp_batch;
	u64 gen;		/* changes besides alloc/free: fl_check_stamp */
};

const char * const fl_migratetype_names[FL_MT_TYPES] = {
	"Unmovable",
	"Movable",
	"Reclaimable",
};

/* mm/page_alloc.c fallbacks[] */
static const u8 fl_fallbacks[FL_MT_TYPES][FL_MT_TYPES - 1] = {
	[FL_MT_UNMOVABLE]   = { FL_MT_RECLAIMABLE, FL_MT_MOVABLE },
	[FL_MT_MOVABLE]     = { FL_MT_RECLAIMABLE, FL_MT_UNMOVABLE },
	[FL_MT_RECLAIMABLE] = { FL_MT_UNMOVABLE, FL_MT_MOVABLE },
};

static inline u32 fl_pb(u32 idx)
{
	return idx >> FL_PAGEBLOCK_ORDER;
}

static inline bool fl_is_head(const struct fl_bpage *p)
{
	return p->state == FL_BP_FREE || p->state == FL_BP_ALLOC;
}

/* ---------------------------------------------------------------- lists */

/*
 * Make @idx an unowned head of @state and link it in front of @head (a
 * free list's or a per-CPU list's first block, or FL_NIL); the caller
 * updates its list head, tail and counters.
 */
static inline void fl_link_head(struct fl_buddy *b, u32 idx, u32 order, u8 mt,
				u8 state, u8 owner_kind, u32 head)
{
	struct fl_bpage *p = &b->pages[idx];

	p->state = state;
	p->order = order;
	p->mt = mt;
	p->owner_kind = owner_kind;
	p->requested = 0;
	p->owner = 0;
	p->prev = FL_NIL;
	p->next = head;
	if (head != FL_NIL)
		b->pages[head].prev = idx;
}

static inline void fl_list_count(struct fl_buddy *b, u32 order, u8 mt)
{
	b->nr_free_mt[order][mt]++;
	b->cnt.nr_free[order]++;
	b->cnt.free_pages += 1ULL << order;
}

/* __add_to_free_list(..., tail = false): a free block at the list's head. */
static inline void fl_list_add(struct fl_buddy *b, u32 idx, u32 order, u8 mt)
{
	u32 head = b->free_head[order][mt];

	fl_link_head(b, idx, order, mt, FL_BP_FREE, FL_OWN_NONE, head);
	if (head == FL_NIL)
		b->free_tail[order][mt] = idx;
	b->free_head[order][mt] = idx;
	fl_list_count(b, order, mt);
}

/* __add_to_free_list(..., tail = true): a free block at the list's tail. */
static void fl_list_add_tail(struct fl_buddy *b, u32 idx, u32 order, u8 mt)
{
	u32 tail = b->free_tail[order][mt];

	if (tail == FL_NIL) {
		fl_list_add(b, idx, order, mt);
		return;
	}
	fl_link_head(b, idx, order, mt, FL_BP_FREE, FL_OWN_NONE, FL_NIL);
	b->pages[idx].prev = tail;
	b->pages[tail].next = idx;
	b->free_tail[order][mt] = idx;
	fl_list_count(b, order, mt);
}

/* Unlink a free head; the caller sets its new state. */
static inline void fl_list_del(struct fl_buddy *b, u32 idx)
{
	struct fl_bpage *p = &b->pages[idx];
	u32 order = p->order;
	u8 mt = p->mt;

	if (p->prev != FL_NIL)
		b->pages[p->prev].next = p->next;
	else
		b->free_head[order][mt] = p->next;
	if (p->next != FL_NIL)
		b->pages[p->next].prev = p->prev;
	else
		b->free_tail[order][mt] = p->prev;
	p->prev = FL_NIL;
	p->next = FL_NIL;
	b->nr_free_mt[order][mt]--;
	b->cnt.nr_free[order]--;
	b->cnt.free_pages -= 1ULL << order;
}

/*
 * move_to_free_list() (6.12 and 6.1): same block, another type's list, at
 * its tail ("so the moved pages won't immediately be considered for
 * allocation again").
 */
static void fl_list_move(struct fl_buddy *b, u32 idx, u8 new_mt)
{
	u32 order = b->pages[idx].order;

	fl_list_del(b, idx);
	fl_list_add_tail(b, idx, order, new_mt);
}

/* ------------------------------------------------------------ pageblocks */

/* Set the type of every pageblock of [idx, idx + 2^order), order >= 9. */
static void fl_change_pageblock_range(struct fl_buddy *b, u32 idx, u32 order,
				      u8 mt)
{
	u32 pb = fl_pb(idx);
	u32 n = 1U << (order - FL_PAGEBLOCK_ORDER);

	for (; n; n--, pb++) {
		if (b->pb_mt[pb] != mt) {
			b->pb_mt[pb] = mt;
			b->cnt.steals++;
		}
	}
}

/* True if the whole pageblock lies inside one chunk. */
static bool fl_pageblock_whole(const struct fl_buddy *b, u32 pb)
{
	u32 first = pb << FL_PAGEBLOCK_ORDER;
	u32 last = first + FL_PAGEBLOCK_PAGES - 1;

	return last < b->nr_pages &&
	       b->pages[first].state != FL_BP_HOLE &&
	       b->pages[last].state != FL_BP_HOLE;
}

/*
 * prep_move_freepages_block(): count free pages and pages of MOVABLE
 * allocations in a whole pageblock not covered by a larger block.  A
 * block parked on a per-CPU list is neither: in the kernel it is not
 * PageBuddy and not PageLRU/__PageMovable.
 */
static int fl_count_pageblock(struct fl_buddy *b, u32 pb, u32 *nr_free,
			      u32 *nr_movable)
{
	u32 i = pb << FL_PAGEBLOCK_ORDER;
	u32 end = i + FL_PAGEBLOCK_PAGES;

	*nr_free = 0;
	*nr_movable = 0;
	while (i < end) {
		const struct fl_bpage *p = &b->pages[i];

		if (fl_warn_once(!fl_is_head(p) || p->order > FL_PAGEBLOCK_ORDER))
			return -EUCLEAN;
		if (p->state == FL_BP_FREE)
			*nr_free += 1U << p->order;
		else if (p->mt == FL_MT_MOVABLE && p->owner_kind != FL_OWN_PCP)
			*nr_movable += 1U << p->order;
		i += 1U << p->order;
	}
	return 0;
}

/* __move_freepages_block(): every free block of @pb to @mt's lists. */
static void fl_move_freepages_block(struct fl_buddy *b, u32 pb, u8 mt)
{
	u32 i = pb << FL_PAGEBLOCK_ORDER;
	u32 end = i + FL_PAGEBLOCK_PAGES;

	while (i < end) {
		const struct fl_bpage *p = &b->pages[i];

		if (p->state == FL_BP_FREE && p->mt != mt)
			fl_list_move(b, i, mt);
		i += 1U << p->order;
	}
	if (b->pb_mt[pb] != mt) {
		b->pb_mt[pb] = mt;
		b->cnt.steals++;
	}
}

/* ------------------------------------------------------------ allocation */

/* expand(): split [idx, idx + 2^high) down to 2^low, upper halves freed. */
static inline void fl_expand(struct fl_buddy *b, u32 idx, u32 low, u32 high,
			     u8 mt)
{
	while (high > low) {
		high--;
		fl_list_add(b, idx + (1U << high), high, mt);
		b->cnt.splits++;
	}
}

static inline u32 fl_rmqueue_smallest(struct fl_buddy *b, u32 order, u8 mt)
{
	u32 o;

	for (o = order; o <= b->max_order; o++) {
		u32 idx = b->free_head[o][mt];

		if (idx == FL_NIL)
			continue;
		fl_list_del(b, idx);
		fl_expand(b, idx, order, o, mt);
		return idx;
	}
	return FL_NIL;
}

static bool fl_can_steal_fallback(const struct fl_buddy *b, u32 order,
				  u8 start_mt)
{
	if (order >= FL_PAGEBLOCK_ORDER)
		return true;
	return order >= FL_PAGEBLOCK_ORDER / 2 ||
	       start_mt == FL_MT_RECLAIMABLE ||
	       start_mt == FL_MT_UNMOVABLE ||
	       !b->grouping;
}

/* find_suitable_fallback(..., only_stealable = false, ...) */
static int fl_find_suitable_fallback(const struct fl_buddy *b, u32 order,
				     u8 start_mt, bool *can_steal)
{
	int i;

	if (!b->cnt.nr_free[order])
		return -1;
	*can_steal = false;
	for (i = 0; i < FL_MT_TYPES - 1; i++) {
		u8 fmt = fl_fallbacks[start_mt][i];

		if (b->free_head[order][fmt] == FL_NIL)
			continue;
		*can_steal = fl_can_steal_fallback(b, order, start_mt);
		return fmt;
	}
	return -1;
}

/* try_to_steal_block() */
static u32 fl_try_to_steal_block(struct fl_buddy *b, u32 idx, u32 cur_order,
				 u32 order, u8 start_mt)
{
	u8 block_mt = b->pages[idx].mt;
	u32 pb = fl_pb(idx);
	u32 nr_free, nr_movable, alike;

	if (cur_order >= FL_PAGEBLOCK_ORDER) {
		fl_list_del(b, idx);
		fl_change_pageblock_range(b, idx, cur_order, start_mt);
		fl_expand(b, idx, order, cur_order, start_mt);
		return idx;
	}
	if (!fl_pageblock_whole(b, pb))
		return FL_NIL;
	if (fl_count_pageblock(b, pb, &nr_free, &nr_movable))
		return FL_NIL;
	if (start_mt == FL_MT_MOVABLE)
		alike = nr_movable;
	else if (block_mt == FL_MT_MOVABLE)
		alike = FL_PAGEBLOCK_PAGES - (nr_free + nr_movable);
	else
		alike = 0;
	if (nr_free + alike >= FL_PAGEBLOCK_PAGES / 2 || !b->grouping) {
		fl_move_freepages_block(b, pb, start_mt);
		return fl_rmqueue_smallest(b, order, start_mt);
	}
	return FL_NIL;
}

/* __rmqueue_claim() */
static u32 fl_rmqueue_claim(struct fl_buddy *b, u32 order, u8 start_mt)
{
	int o;

	for (o = b->max_order; o >= (int)order; o--) {
		bool can_steal;
		int fmt = fl_find_suitable_fallback(b, o, start_mt, &can_steal);
		u32 idx;

		if (fmt < 0)
			continue;
		if (!can_steal)
			break;
		idx = fl_try_to_steal_block(b, b->free_head[o][fmt], o, order,
					    start_mt);
		if (idx != FL_NIL) {
			fl_trace(fl_page_alloc_extfrag, idx, order, o, start_mt,
				 fmt, b->pb_mt[fl_pb(idx)] == start_mt);
			return idx;
		}
	}
	return FL_NIL;
}

/* __rmqueue_steal() */
static u32 fl_rmqueue_steal(struct fl_buddy *b, u32 order, u8 start_mt)
{
	u32 o;

	for (o = order; o <= b->max_order; o++) {
		bool can_steal;
		int fmt = fl_find_suitable_fallback(b, o, start_mt, &can_steal);
		u32 idx;

		if (fmt < 0)
			continue;
		idx = b->free_head[o][fmt];
		fl_list_del(b, idx);
		fl_expand(b, idx, order, o, fmt);
		fl_trace(fl_page_alloc_extfrag, idx, order, o, start_mt, fmt,
			 b->pb_mt[fl_pb(idx)] == start_mt);
		return idx;
	}
	return FL_NIL;
}

/* __rmqueue()'s slow half: another type's blocks; FL_NIL if none. */
static fl_noinline u32 fl_rmqueue_fallback(struct fl_buddy *b, u32 order,
					   u8 start_mt)
{
	u32 idx;

	idx = fl_rmqueue_claim(b, order, start_mt);
	if (idx == FL_NIL)
		idx = fl_rmqueue_steal(b, order, start_mt);
	if (idx != FL_NIL)
		b->cnt.fallbacks++;
	return idx;
}

/*
 * __rmqueue(): the whole allocation policy; FL_NIL if nothing fits.
 * Always inline, as the kernel's: the common case is one list pop.
 */
static fl_always_inline u32 fl_rmqueue(struct fl_buddy *b, u32 order, u8 mt)
{
	u8 start_mt = b->grouping ? mt : FL_MT_UNMOVABLE;
	u32 idx;

	idx = fl_rmqueue_smallest(b, order, start_mt);
	if (likely(idx != FL_NIL))
		return idx;
	return fl_rmqueue_fallback(b, order, start_mt);
}

static int fl_check_req(const struct fl_buddy *b, const struct fl_buddy_req *req)
{
	if (!req || req->order > b->max_order || req->mt >= FL_MT_TYPES ||
	    req->owner_kind > FL_OWN_KERNEL)
		return -EINVAL;
	if ((u64)req->requested > (FL_PAGE_SIZE << req->order))
		return -EINVAL;
	return 0;
}

/* Turn a block taken off the lists into an allocated head. */
static inline void fl_take(struct fl_buddy *b, u32 idx,
			   const struct fl_buddy_req *req)
{
	struct fl_bpage *p = &b->pages[idx];
	u64 granted = FL_PAGE_SIZE << req->order;

	p->state = FL_BP_ALLOC;
	p->order = req->order;
	p->mt = req->mt;
	p->owner_kind = req->owner_kind;
	p->requested = req->requested ? req->requested : (u32)granted;
	p->owner = req->owner;
	b->cnt.nr_allocated++;
	b->cnt.requested_bytes += p->requested;
	b->cnt.granted_bytes += granted;
}

/* ------------------------------------------------------ per-CPU lists */

static inline void fl_free_one(struct fl_buddy *b, u32 idx, u32 order, u8 mt);

static inline u32 fl_pcp_list(u32 order, u8 mt)
{
	return order * FL_MT_TYPES + mt;
}

/* This CPU's lists (a userspace "CPU" may outnumber a shrunk nr_pcp). */
static inline struct fl_pcp *fl_pcp_this(struct fl_buddy *b)
{
	u32 cpu = fl_cpu_id();

	if (unlikely(cpu >= b->nr_pcp))
		cpu %= b->nr_pcp;
	return &b->pcp[cpu];
}

/* Park a block taken off the free lists or freed: head of list @li. */
static inline void fl_pcp_push(struct fl_buddy *b, struct fl_pcp *pcp,
			       u32 idx, u32 order, u8 mt)
{
	u32 li = fl_pcp_list(order, mt);
	u32 head = pcp->head[li];

	fl_link_head(b, idx, order, mt, FL_BP_ALLOC, FL_OWN_PCP, head);
	if (head == FL_NIL)
		pcp->tail[li] = idx;
	pcp->head[li] = idx;
	pcp->nr[li]++;
	pcp->count += 1U << order;
	b->cnt.pcp_pages += 1U << order;
}

/* Park a block at the tail of list @li (a refill). */
static void fl_pcp_push_tail(struct fl_buddy *b, struct fl_pcp *pcp,
			     u32 idx, u32 order, u8 mt)
{
	u32 li = fl_pcp_list(order, mt);
	u32 tail = pcp->tail[li];

	if (tail == FL_NIL) {
		fl_pcp_push(b, pcp, idx, order, mt);
		return;
	}
	fl_link_head(b, idx, order, mt, FL_BP_ALLOC, FL_OWN_PCP, FL_NIL);
	b->pages[idx].prev = tail;
	b->pages[tail].next = idx;
	pcp->tail[li] = idx;
	pcp->nr[li]++;
	pcp->count += 1U << order;
	b->cnt.pcp_pages += 1U << order;
}

/* Unlink a parked block; the caller gives it its next state. */
static inline void fl_pcp_unlink(struct fl_buddy *b, struct fl_pcp *pcp,
				 u32 idx)
{
	struct fl_bpage *p = &b->pages[idx];
	u32 li = fl_pcp_list(p->order, p->mt);

	if (p->prev != FL_NIL)
		b->pages[p->prev].next = p->next;
	else
		pcp->head[li] = p->next;
	if (p->next != FL_NIL)
		b->pages[p->next].prev = p->prev;
	else
		pcp->tail[li] = p->prev;
	p->prev = FL_NIL;
	p->next = FL_NIL;
	pcp->nr[li]--;
	pcp->count -= 1U << p->order;
	b->cnt.pcp_pages -= 1U << p->order;
}

/*
 * free_pcppages_bulk(): give at least @pages pages (or all) back to the
 * buddy, coldest first (list tails), one block per list in turn.
 */
static void fl_pcp_free_bulk(struct fl_buddy *b, struct fl_pcp *pcp, u32 pages)
{
	u32 li = pcp->free_pos;

	while (pages && pcp->count) {
		u32 idx = pcp->tail[li];
		u32 order;

		li = (li + 1) % FL_PCP_LISTS;
		if (idx == FL_NIL)
			continue;
		order = b->pages[idx].order;
		fl_pcp_unlink(b, pcp, idx);
		fl_free_one(b, idx, order, b->pb_mt[fl_pb(idx)]);
		pages -= min(pages, 1U << order);
	}
	pcp->free_pos = li;
}

void __fl_buddy_drain_pcp(struct fl_buddy *b)
{
	u32 cpu;

	b->gen++;
	for (cpu = 0; cpu < b->nr_pcp && b->cnt.pcp_pages; cpu++)
		fl_pcp_free_bulk(b, &b->pcp[cpu], b->pcp[cpu].count);
}

/*
 * nr_pcp_alloc() of 6.12 mm/page_alloc.c: how many blocks a refill takes.
 * The kernel tunes pcp->high between high_min and high_max; here both are
 * the fixed high of fl_buddy_set_pcp(), so that step changes nothing and
 * what remains is: 1 when high < batch; order 0: batch << alloc_factor,
 * at most max(high - count - batch, batch), alloc_factor growing (up to
 * CONFIG_PCP_BATCH_SCALE_MAX) while refills follow refills and halved by
 * every free; then max(batch >> order, 2) when batch > 1.  (6.1 has no
 * alloc_factor: max(batch >> order, 2), rmqueue_pcplist().)
 */
static u32 fl_nr_pcp_alloc(const struct fl_buddy *b, struct fl_pcp *pcp,
			   u32 order)
{
	s64 base = b->pcp_batch, high = b->pcp_high, batch, max_nr;

	if (high < base)
		return 1;
	if (order) {
		batch = base;
	} else {
		batch = base << pcp->alloc_factor;
		max_nr = high - pcp->count - base;
		if (max_nr < base)
			max_nr = base;
		if (batch <= max_nr &&
		    pcp->alloc_factor < FL_PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		if (batch > max_nr)
			batch = max_nr;
	}
	if (batch > 1)
		batch = batch >> order > 2 ? batch >> order : 2;
	return (u32)batch;
}

/*
 * rmqueue_bulk(): refill an empty list with nr_pcp_alloc() blocks, each
 * added at the tail (list_add_tail()), so they are used in the order they
 * were taken from the buddy.
 */
static fl_noinline u32 fl_pcp_refill(struct fl_buddy *b, struct fl_pcp *pcp,
				     u32 order, u8 mt, u32 li)
{
	u32 n;

	for (n = fl_nr_pcp_alloc(b, pcp, order); n; n--) {
		u32 blk = fl_rmqueue(b, order, mt);

		if (blk == FL_NIL)
			break;
		fl_pcp_push_tail(b, pcp, blk, order, mt);
	}
	return pcp->head[li];
}

/* rmqueue_pcplist(): a block of @order for type @mt, FL_NIL if none. */
static inline u32 fl_pcp_alloc(struct fl_buddy *b, u32 order, u8 mt)
{
	struct fl_pcp *pcp = fl_pcp_this(b);
	u32 li, idx;

	if (!b->grouping)
		mt = FL_MT_UNMOVABLE;	/* as fl_rmqueue() serves it */
	li = fl_pcp_list(order, mt);
	idx = pcp->head[li];
	if (unlikely(idx == FL_NIL)) {
		idx = fl_pcp_refill(b, pcp, order, mt, li);
		if (idx == FL_NIL)
			return FL_NIL;
	}
	fl_pcp_unlink(b, pcp, idx);
	return idx;
}

/* The allocation itself, under the lock (fl_buddy_alloc()). */
static fl_always_inline int fl_alloc_block(struct fl_buddy *b,
					   const struct fl_buddy_req *req,
					   u32 *idx)
{
	u32 i;
	int ret = fl_check_req(b, req);

	if (ret || !idx)
		return -EINVAL;
	if (req->order <= FL_PCP_MAX_ORDER && b->pcp_high)
		i = fl_pcp_alloc(b, req->order, req->mt);
	else
		i = fl_rmqueue(b, req->order, req->mt);
	if (unlikely(i == FL_NIL) && b->cnt.pcp_pages) {
		/* parked pages may merge into what is missing */
		__fl_buddy_drain_pcp(b);
		i = fl_rmqueue(b, req->order, req->mt);
	}
	if (unlikely(i == FL_NIL)) {
		b->cnt.alloc_fail[req->order]++;
		if (b->cnt.free_pages >= 1ULL << req->order)
			b->cnt.fail_fragmented++;
		else
			b->cnt.fail_nomem++;
		return -ENOMEM;
	}
	fl_take(b, i, req);
	b->cnt.alloc_ok[req->order]++;
	fl_trace(fl_page_alloc, i, req->order, req->mt);
	*idx = i;
	return 0;
}

/**
 * fl_buddy_alloc() - allocate a block of 2^req->order pages.
 * @b: the buddy.
 * @req: order (0..max_order), migrate type, owner, requested bytes
 *       (0 = the whole block; more than the block is -EINVAL).
 * @idx: out: page index of the block's head.
 *
 * Follows the kernel's __rmqueue() (see the top of this file).
 *
 * Context: takes the buddy lock; any context that may take a spinlock.
 * Return: 0, -EINVAL for a bad request, -ENOMEM if no block of a large
 * enough order is free (counted as fail_fragmented when free_pages >=
 * 2^order, else fail_nomem).
 */
int fl_buddy_alloc(struct fl_buddy *b, const struct fl_buddy_req *req,
		   u32 *idx)
{
	int ret;

	fl_lock(&b->lock);
	ret = fl_alloc_block(b, req, idx);
	fl_unlock(&b->lock);
	return ret;
}

/* ------------------------------------------------------------------ free */

/* __free_one_page(): put [idx, idx + 2^order) back, merging with buddies. */
/*
 * buddy_merge_likely() of 6.12 (and 6.1) mm/page_alloc.c: below the
 * second largest order, is the buddy of the block one order up (the block
 * @idx would merge into) free at that order?  Then @idx goes to the tail
 * of its list, less likely to be handed out before that merge happens.
 * Hole pages are never free, as pfn_valid()/page_is_buddy() in the kernel.
 */
static inline bool fl_buddy_merge_likely(const struct fl_buddy *b, u32 idx,
					 u32 order)
{
	u32 higher, hbuddy;

	if (order + 1 >= b->max_order)	/* order >= MAX_PAGE_ORDER - 1 */
		return false;
	higher = idx & ~(1U << order);
	hbuddy = higher ^ (1U << (order + 1));
	return hbuddy < b->nr_pages &&
	       b->pages[hbuddy].state == FL_BP_FREE &&
	       b->pages[hbuddy].order == order + 1;
}

/*
 * __free_one_page(): merge, then add at the head of the list, or at its
 * tail when buddy_merge_likely() (6.12: to_tail; no FPI_TO_TAIL caller and
 * no page shuffling here).
 */
static inline void fl_free_one(struct fl_buddy *b, u32 idx, u32 order, u8 mt)
{
	while (order < b->max_order) {
		u32 buddy = idx ^ (1U << order);
		struct fl_bpage *bp;

		if (buddy >= b->nr_pages)
			break;
		bp = &b->pages[buddy];
		if (bp->state != FL_BP_FREE || bp->order != order)
			break;
		fl_list_del(b, buddy);
		if (order >= FL_PAGEBLOCK_ORDER && bp->mt != mt)
			fl_change_pageblock_range(b, buddy, order, mt);
		b->cnt.merges++;
		if (buddy < idx) {
			b->pages[idx].state = FL_BP_TAIL;
			idx = buddy;
		} else {
			bp->state = FL_BP_TAIL;
		}
		order++;
	}
	if (fl_buddy_merge_likely(b, idx, order))
		fl_list_add_tail(b, idx, order, mt);
	else
		fl_list_add(b, idx, order, mt);
}

/* Undo fl_take(): live counters only; the block is not yet on a list. */
static inline void fl_release(struct fl_buddy *b, u32 idx)
{
	struct fl_bpage *p = &b->pages[idx];

	b->cnt.nr_allocated--;
	b->cnt.requested_bytes -= p->requested;
	b->cnt.granted_bytes -= FL_PAGE_SIZE << p->order;
	fl_free_one(b, idx, p->order, b->pb_mt[fl_pb(idx)]);
}

/* free_unref_page(): park the block; past high, batch pages go back. */
static inline void fl_pcp_free(struct fl_buddy *b, u32 idx)
{
	struct fl_bpage *p = &b->pages[idx];
	struct fl_pcp *pcp = fl_pcp_this(b);

	b->cnt.nr_allocated--;
	b->cnt.requested_bytes -= p->requested;
	b->cnt.granted_bytes -= FL_PAGE_SIZE << p->order;
	pcp->alloc_factor >>= 1;	/* free_unref_page_commit() */
	fl_pcp_push(b, pcp, idx, p->order, b->pb_mt[fl_pb(idx)]);
	if (unlikely(pcp->count >= b->pcp_high))	/* back below high */
		fl_pcp_free_bulk(b, pcp, max(b->pcp_batch,
					     pcp->count - b->pcp_high + 1));
}

/* The free itself, under the lock (fl_buddy_free()). */
static fl_always_inline int fl_free_block(struct fl_buddy *b, u32 idx)
{
	const struct fl_bpage *p;

	if (idx >= b->nr_pages)
		return -EINVAL;
	p = &b->pages[idx];
	if (p->state != FL_BP_ALLOC || p->owner_kind == FL_OWN_PCP)
		return -EINVAL;
	fl_trace(fl_page_free, idx, p->order);
	if (p->order <= FL_PCP_MAX_ORDER && b->pcp_high)
		fl_pcp_free(b, idx);
	else
		fl_release(b, idx);
	b->cnt.frees++;
	return 0;
}

/**
 * fl_buddy_free() - free an allocated block, merging it with free buddies.
 * @b: the buddy.
 * @idx: head page index returned by fl_buddy_alloc().
 *
 * Context: takes the buddy lock; any context that may take a spinlock.
 * Return: 0, or -EINVAL if @idx is not the head of an allocated block
 * (a tail, a free page, a hole or out of range).
 */
int fl_buddy_free(struct fl_buddy *b, u32 idx)
{
	int ret;

	fl_lock(&b->lock);
	ret = fl_free_block(b, idx);
	fl_unlock(&b->lock);
	return ret;
}

/* ---------------------------------------------------------- compaction */

/* Head of the block covering a TAIL page, or FL_NIL. */
static u32 fl_find_head(const struct fl_buddy *b, u32 idx)
{
	u32 k;

	for (k = 1; k <= b->max_order; k++) {
		u32 c = idx & ~((1U << k) - 1);
		const struct fl_bpage *p = &b->pages[c];

		if (fl_is_head(p) && p->order >= k)
			return c;
	}
	return FL_NIL;
}

/* __fl_buddy_alloc_at() without the accounting: also a move's target. */
static int fl_alloc_at_block(struct fl_buddy *b, u32 target,
			     const struct fl_buddy_req *req)
{
	u32 head, cur, o;
	u8 mt;
	int ret = fl_check_req(b, req);

	if (ret)
		return ret;
	if (target >= b->nr_pages || (target & ((1U << req->order) - 1)) ||
	    b->pages[target].state == FL_BP_HOLE)
		return -EINVAL;
	head = target;
	if (b->pages[target].state == FL_BP_TAIL)
		head = fl_find_head(b, target);
	if (fl_warn_once(head == FL_NIL))
		return -EUCLEAN;
	if (b->pages[head].state != FL_BP_FREE ||
	    b->pages[head].order < req->order)
		return -EBUSY;
	b->gen++;

	o = b->pages[head].order;
	mt = b->pages[head].mt;
	fl_list_del(b, head);
	cur = head;
	while (o > req->order) {
		u32 half;

		o--;
		half = cur + (1U << o);
		if (target >= half) {
			fl_list_add(b, cur, o, mt);
			cur = half;	/* a TAIL until fl_take() or a split */
		} else {
			fl_list_add(b, half, o, mt);
		}
		b->cnt.splits++;
	}
	fl_take(b, cur, req);
	return 0;
}

int __fl_buddy_alloc_at(struct fl_buddy *b, u32 target,
			const struct fl_buddy_req *req)
{
	int ret = fl_alloc_at_block(b, target, req);

	if (ret)
		return ret;
	b->cnt.alloc_ok[req->order]++;
	fl_trace(fl_page_alloc, target, req->order, req->mt);
	return 0;
}

int __fl_buddy_move(struct fl_buddy *b, u32 src, u32 target, u32 *new_idx)
{
	struct fl_buddy_req req;
	struct fl_bpage *p;
	u32 dst;
	void *from, *to;
	int ret;

	if (src >= b->nr_pages || b->pages[src].state != FL_BP_ALLOC ||
	    b->pages[src].owner_kind == FL_OWN_PCP || !new_idx)
		return -EINVAL;
	p = &b->pages[src];
	req.order = p->order;
	req.mt = p->mt;
	req.owner_kind = p->owner_kind;
	req.__pad = 0;
	req.requested = p->requested;
	req.owner = p->owner;

	b->gen++;
	if (target == FL_BUDDY_ANY) {
		dst = fl_rmqueue(b, req.order, req.mt);
		if (dst == FL_NIL)
			return -ENOMEM;
		fl_take(b, dst, &req);
	} else {
		/* a move is not an allocation: no count, no event */
		ret = fl_alloc_at_block(b, target, &req);
		if (ret)
			return ret;
		dst = target;
	}

	from = fl_buddy_page_addr(b, src);
	to = fl_buddy_page_addr(b, dst);
	if (from && to)
		fl_memcpy(to, from, FL_PAGE_SIZE << req.order);

	fl_release(b, src);
	*new_idx = dst;
	return 0;
}

int __fl_buddy_set_owner(struct fl_buddy *b, u32 idx, u8 owner_kind, u64 owner)
{
	if (idx >= b->nr_pages || b->pages[idx].state != FL_BP_ALLOC ||
	    b->pages[idx].owner_kind == FL_OWN_PCP || owner_kind > FL_OWN_KERNEL)
		return -EINVAL;
	b->gen++;
	b->pages[idx].owner_kind = owner_kind;
	b->pages[idx].owner = owner;
	return 0;
}

fl_lock_t *__fl_buddy_lock(struct fl_buddy *b)
{
	return &b->lock;
}

/* ------------------------------------------------------------ page info */

int __fl_buddy_page_info(struct fl_buddy *b, u32 idx, struct fl_page_info *pi)
{
	const struct fl_bpage *p;
	u32 head;

	if (idx >= b->nr_pages || !pi)
		return -EINVAL;
	fl_memset(pi, 0, sizeof(*pi));
	pi->head = idx;
	p = &b->pages[idx];
	switch (p->state) {
	case FL_BP_HOLE:
		pi->state = FL_PAGE_HOLE;
		return 0;
	case FL_BP_FREE:
		pi->state = FL_PAGE_FREE_HEAD;
		pi->order = p->order;
		pi->mt = p->mt;
		return 0;
	case FL_BP_ALLOC:
		pi->state = FL_PAGE_ALLOC_HEAD;
		break;
	default:
		head = fl_find_head(b, idx);
		if (fl_warn_once(head == FL_NIL))
			return -EUCLEAN;
		p = &b->pages[head];
		pi->head = head;
		pi->order = p->order;
		if (p->state == FL_BP_FREE) {
			pi->state = FL_PAGE_FREE_TAIL;
			pi->mt = p->mt;
			return 0;
		}
		pi->state = FL_PAGE_ALLOC_TAIL;
		break;
	}
	pi->order = p->order;
	pi->mt = p->mt;
	pi->owner_kind = p->owner_kind;
	pi->requested = p->requested;
	pi->owner = p->owner;
	return 0;
}

/**
 * fl_buddy_page_info() - snapshot of one page's metadata.
 * @b: the buddy.
 * @idx: any page index below fl_buddy_nr_pages().
 * @pi: out.  Tail pages report their block's head, order and (allocated
 *      blocks) mt/owner/requested too; free heads report the type of the
 *      free list they are on.
 *
 * Context: takes the buddy lock.
 * Return: 0, or -EINVAL if @idx is out of range.
 */
int fl_buddy_page_info(struct fl_buddy *b, u32 idx, struct fl_page_info *pi)
{
	int ret;

	fl_lock(&b->lock);
	ret = __fl_buddy_page_info(b, idx, pi);
	fl_unlock(&b->lock);
	return ret;
}

/* Index of the first chunk starting after @idx (binary search), or FL_NIL. */
static u32 fl_next_chunk_start(const struct fl_buddy *b, u32 idx)
{
	u32 lo = 0, hi = b->nr_chunks;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (b->chunks[mid].start <= idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nr_chunks ? b->chunks[lo].start : FL_NIL;
}

u32 __fl_buddy_next_block(struct fl_buddy *b, u32 idx, struct fl_page_info *pi)
{
	while (idx < b->nr_pages) {
		const struct fl_bpage *p = &b->pages[idx];
		u32 head;

		if (p->state == FL_BP_HOLE) {
			idx = fl_next_chunk_start(b, idx);
			continue;
		}
		if (fl_is_head(p)) {
			if (pi)
				__fl_buddy_page_info(b, idx, pi);
			return idx;
		}
		head = fl_find_head(b, idx);
		if (fl_warn_once(head == FL_NIL))
			return FL_BUDDY_NONE;
		idx = head + (1U << b->pages[head].order);
	}
	return FL_BUDDY_NONE;
}

/**
 * fl_buddy_page_addr() - virtual address of a page of the arena.
 * @b: the buddy.
 * @idx: page index.
 *
 * Context: any; no lock (the chunk table is fixed at creation).
 * Return: the address, or NULL for a hole, an index out of range or a
 * chunk created without a virtual address.
 */
void *fl_buddy_page_addr(const struct fl_buddy *b, u32 idx)
{
	const struct fl_chunk *c;
	u32 ci;

	if (idx >= b->nr_pages)
		return NULL;
	ci = b->region_chunk[idx >> FL_MAX_ORDER];
	if (ci == FL_NIL)
		return NULL;
	c = &b->chunks[ci];
	if (!c->vaddr || idx - c->start >= c->nr_pages)
		return NULL;
	return (u8 *)c->vaddr + ((size_t)(idx - c->start) << FL_PAGE_SHIFT);
}

/* -------------------------------------------------------- create/destroy */

static bool fl_chunks_valid(const struct fl_chunk *chunks, u32 nr_chunks)
{
	u64 end = 0;
	u32 i;

	if (!chunks || !nr_chunks)
		return false;
	for (i = 0; i < nr_chunks; i++) {
		const struct fl_chunk *c = &chunks[i];

		if (!c->nr_pages || (c->start & ((1U << FL_MAX_ORDER) - 1)) ||
		    c->start < end ||
		    (u64)c->start + c->nr_pages > FL_MAX_INDEX)
			return false;
		end = (u64)c->start + c->nr_pages;
	}
	return true;
}

/* Carve a chunk into maximal aligned free blocks of order <= max_order. */
static void fl_seed_chunk(struct fl_buddy *b, const struct fl_chunk *c)
{
	u32 i = c->start, end = c->start + c->nr_pages;
	u32 pb;

	for (pb = fl_pb(c->start); pb <= fl_pb(end - 1); pb++)
		b->pb_mt[pb] = FL_MT_MOVABLE;
	for (; i < end; i++)
		b->pages[i].state = FL_BP_TAIL;
	for (i = c->start; i < end;) {
		u32 o = b->max_order;

		while ((i & ((1U << o) - 1)) || i + (1U << o) > end)
			o--;
		fl_list_add(b, i, o, FL_MT_MOVABLE);
		i += 1U << o;
	}
	b->cnt.total_pages += c->nr_pages;
}

/**
 * fl_buddy_create() - build a buddy allocator over a set of chunks.
 * @chunks: sorted, non-overlapping chunks, each starting at a multiple of
 *          2^FL_MAX_ORDER (copied; the caller may free the array).
 * @nr_chunks: number of chunks, >= 1.
 * @max_order: largest block order, 0..FL_MAX_ORDER.
 * @group_by_mobility: initial grouping-by-mobility setting.
 *
 * Every page of every chunk starts free, in maximal aligned blocks, on the
 * MOVABLE lists; every pageblock starts MOVABLE.
 *
 * Context: may sleep in the kernel (kvzalloc(GFP_KERNEL)).
 * Return: the new buddy, or NULL for invalid arguments or when a metadata
 * allocation fails (nothing is leaked).
 */
struct fl_buddy *fl_buddy_create(const struct fl_chunk *chunks, u32 nr_chunks,
				 u32 max_order, bool group_by_mobility)
{
	struct fl_buddy *b;
	u32 i, o, mt;

	if (max_order > FL_MAX_ORDER || !fl_chunks_valid(chunks, nr_chunks))
		return NULL;
	b = fl_zalloc(sizeof(*b));
	if (!b)
		return NULL;
	b->nr_chunks = nr_chunks;
	b->max_order = max_order;
	b->grouping = group_by_mobility;
	b->nr_pages = chunks[nr_chunks - 1].start + chunks[nr_chunks - 1].nr_pages;
	b->nr_regions = (b->nr_pages + (1U << FL_MAX_ORDER) - 1) >> FL_MAX_ORDER;
	b->nr_pageblocks = (b->nr_pages + FL_PAGEBLOCK_PAGES - 1) >>
			   FL_PAGEBLOCK_ORDER;

	b->chunks = fl_zalloc(sizeof(*b->chunks) * nr_chunks);
	if (!b->chunks)
		goto fail;
	b->region_chunk = fl_zalloc(sizeof(*b->region_chunk) * b->nr_regions);
	if (!b->region_chunk)
		goto fail;
	b->pb_mt = fl_zalloc(b->nr_pageblocks);
	if (!b->pb_mt)
		goto fail;
	b->pages = fl_zalloc(sizeof(*b->pages) * (size_t)b->nr_pages);
	if (!b->pages)
		goto fail;

	fl_memcpy(b->chunks, chunks, sizeof(*chunks) * nr_chunks);
	for (i = 0; i < b->nr_regions; i++)
		b->region_chunk[i] = FL_NIL;
	for (i = 0; i < b->nr_pageblocks; i++)
		b->pb_mt[i] = FL_PB_ABSENT;
	for (o = 0; o < FL_NR_ORDERS; o++)
		for (mt = 0; mt < FL_MT_TYPES; mt++)
			b->free_head[o][mt] = b->free_tail[o][mt] = FL_NIL;
	for (i = 0; i < nr_chunks; i++) {
		const struct fl_chunk *c = &chunks[i];
		u32 r;

		for (r = c->start >> FL_MAX_ORDER;
		     r <= (c->start + c->nr_pages - 1) >> FL_MAX_ORDER; r++)
			b->region_chunk[r] = i;
		fl_seed_chunk(b, c);
	}
	fl_lock_init(&b->lock);
	return b;

fail:
	fl_free(b->pages);
	fl_free(b->pb_mt);
	fl_free(b->region_chunk);
	fl_free(b->chunks);
	fl_free(b);
	return NULL;
}

/**
 * fl_buddy_destroy() - free a buddy's metadata (never the arena).
 * @b: the buddy, or NULL.
 *
 * Outstanding allocations are simply forgotten.
 *
 * Context: process context; nobody may use @b any more.
 * Return: nothing.
 */
void fl_buddy_destroy(struct fl_buddy *b)
{
	if (!b)
		return;
	fl_lock_destroy(&b->lock);
	fl_free(b->pcp);
	fl_free(b->pages);
	fl_free(b->pb_mt);
	fl_free(b->region_chunk);
	fl_free(b->chunks);
	fl_free(b);
}

/* ------------------------------------------------------ per-CPU lists */

/* A zeroed array of @nr CPUs' lists, every list empty. */
static struct fl_pcp *fl_pcp_create(u32 nr)
{
	struct fl_pcp *pcp = fl_zalloc(sizeof(*pcp) * nr);
	u32 cpu, li;

	if (!pcp)
		return NULL;
	for (cpu = 0; cpu < nr; cpu++)
		for (li = 0; li < FL_PCP_LISTS; li++) {
			pcp[cpu].head[li] = FL_NIL;
			pcp[cpu].tail[li] = FL_NIL;
		}
	return pcp;
}

/**
 * fl_buddy_set_pcp() - turn the per-CPU page lists on, off or resize them.
 * @b: the buddy.
 * @high: pages a CPU may hold before it frees a batch back, 1..
 *        FL_PCP_HIGH_MAX; 0 turns the lists off.  batch becomes @high / 4,
 *        clamped to 1..FL_PCP_BATCH_MAX.
 *
 * Every parked page goes back to the buddy first (and merges), whatever
 * the new value.  The lists' memory is allocated the first time they are
 * turned on and kept until fl_buddy_destroy().
 *
 * Context: process context (may allocate metadata); takes the buddy lock.
 * Return: 0, -EINVAL if @high is too large, -ENOMEM.
 */
int fl_buddy_set_pcp(struct fl_buddy *b, u32 high)
{
	struct fl_pcp *pcp = NULL;
	u32 nr = fl_nr_cpus(), cpu;

	if (high > FL_PCP_HIGH_MAX)
		return -EINVAL;
	if (high && !fl_read_once(b->pcp)) {
		pcp = fl_pcp_create(nr);
		if (!pcp)
			return -ENOMEM;
	}
	fl_lock(&b->lock);
	if (pcp && !b->pcp) {
		b->pcp = pcp;
		b->nr_pcp = nr;
		pcp = NULL;
	}
	__fl_buddy_drain_pcp(b);
	for (cpu = 0; cpu < b->nr_pcp; cpu++)
		b->pcp[cpu].alloc_factor = 0;	/* every setting starts alike */
	b->gen++;
	b->pcp_high = high;
	b->pcp_batch = high / 4 > FL_PCP_BATCH_MAX ? FL_PCP_BATCH_MAX :
		       high >= 4 ? high / 4 : !!high;
	fl_unlock(&b->lock);
	fl_free(pcp);	/* lost a race with another first setter */
	return 0;
}

/**
 * fl_buddy_pcp_high() - the per-CPU lists' high mark, 0 when off.
 * @b: the buddy.
 *
 * Context: any; no lock (one u32).
 * Return: pages a CPU may keep, or 0.
 */
u32 fl_buddy_pcp_high(const struct fl_buddy *b)
{
	return fl_read_once(b->pcp_high);
}

/**
 * fl_buddy_drain_pcp() - give every parked page back to the buddy.
 * @b: the buddy.
 *
 * drain_all_pages(): afterwards the free lists, buddyinfo and the
 * fragmentation indices show every page that is not allocated.  The
 * lists stay on and fill again with the next allocations.
 *
 * Context: takes the buddy lock.
 * Return: nothing.
 */
void fl_buddy_drain_pcp(struct fl_buddy *b)
{
	fl_lock(&b->lock);
	__fl_buddy_drain_pcp(b);
	fl_unlock(&b->lock);
}

/**
 * fl_buddy_pcp_info() - one CPU's lists, for debugfs "pcp".
 * @b: the buddy.
 * @cpu: 0..fl_nr_cpus() - 1 at the time the lists were turned on.
 * @info: out.
 *
 * Context: takes the buddy lock.
 * Return: 0, -ENOENT if the lists were never turned on or @cpu has none.
 */
int fl_buddy_pcp_info(struct fl_buddy *b, u32 cpu, struct fl_pcp_info *info)
{
	u32 o, mt;
	int ret = -ENOENT;

	fl_memset(info, 0, sizeof(*info));
	fl_lock(&b->lock);
	if (b->pcp && cpu < b->nr_pcp) {
		const struct fl_pcp *pcp = &b->pcp[cpu];

		info->count = pcp->count;
		info->high = b->pcp_high;
		info->batch = b->pcp_batch;
		for (o = 0; o < FL_PCP_ORDERS; o++)
			for (mt = 0; mt < FL_MT_TYPES; mt++)
				info->nr[o][mt] = pcp->nr[fl_pcp_list(o, mt)];
		ret = 0;
	}
	fl_unlock(&b->lock);
	return ret;
}

/* ------------------------------------------------------------- getters */

/**
 * fl_buddy_order_for_size() - order of the block that holds @bytes.
 * @b: the buddy (for its max_order).
 * @bytes: requested size.
 *
 * Rounds up to whole pages, then to a power-of-two number of pages:
 * 21 KiB -> 6 pages -> order 3 (32 KiB).
 *
 * Context: any; no lock.
 * Return: the order, or -EINVAL if @bytes is 0 or needs more than
 * max_order.
 */
int fl_buddy_order_for_size(const struct fl_buddy *b, u64 bytes)
{
	u64 pages;
	int order = 0;

	if (!bytes || bytes > (FL_PAGE_SIZE << b->max_order))
		return -EINVAL;
	pages = (bytes + FL_PAGE_SIZE - 1) >> FL_PAGE_SHIFT;
	while ((1ULL << order) < pages)
		order++;
	return order;
}

/**
 * fl_buddy_set_grouping() - turn grouping by mobility on or off.
 * @b: the buddy.
 * @on: true to group allocations by migrate type (the default).
 *
 * Context: takes the buddy lock.
 * Return: nothing.
 */
void fl_buddy_set_grouping(struct fl_buddy *b, bool on)
{
	fl_lock(&b->lock);
	b->gen++;
	b->grouping = on;
	fl_unlock(&b->lock);
}

/**
 * fl_buddy_grouping() - is grouping by mobility on?
 * @b: the buddy.
 *
 * Context: any; reads one bool without the lock.
 * Return: the current setting.
 */
bool fl_buddy_grouping(const struct fl_buddy *b)
{
	return b->grouping;
}

/**
 * fl_buddy_max_order() - largest block order of this buddy.
 * @b: the buddy.
 *
 * Context: any; no lock (fixed at creation).
 * Return: max_order given to fl_buddy_create().
 */
u32 fl_buddy_max_order(const struct fl_buddy *b)
{
	return b->max_order;
}

/**
 * fl_buddy_nr_pages() - size of the page-index space (holes included).
 * @b: the buddy.
 *
 * Context: any; no lock (fixed at creation).
 * Return: one past the last page index of the last chunk.
 */
u32 fl_buddy_nr_pages(const struct fl_buddy *b)
{
	return b->nr_pages;
}

/**
 * fl_buddy_nr_pageblocks() - number of pageblocks in the index space.
 * @b: the buddy.
 *
 * Context: any; no lock (fixed at creation).
 * Return: DIV_ROUND_UP(nr_pages, FL_PAGEBLOCK_PAGES), holes included.
 */
u32 fl_buddy_nr_pageblocks(const struct fl_buddy *b)
{
	return b->nr_pageblocks;
}

/**
 * fl_buddy_get_stats() - copy the counters.
 * @b: the buddy.
 * @st: out.
 *
 * Context: takes the buddy lock.
 * Return: nothing.
 */
void fl_buddy_get_stats(struct fl_buddy *b, struct fl_buddy_stats *st)
{
	int o;

	fl_memset(st, 0, sizeof(*st));
	fl_lock(&b->lock);
	st->cnt = b->cnt;
	st->max_order = b->max_order;
	st->pcp_high = b->pcp_high;
	st->pcp_batch = b->pcp_batch;
	fl_unlock(&b->lock);

	st->largest_free_order = FL_NR_ORDERS;
	for (o = FL_NR_ORDERS - 1; o >= 0; o--) {
		if (st->nr_free[o]) {
			st->largest_free_order = o;
			break;
		}
	}
}

/**
 * fl_buddy_free_counts_mt() - free blocks per migrate type and order
 * (the numbers of /proc/pagetypeinfo's "Free pages count per migrate type").
 * @b: the buddy.
 * @nr_free: out: [mt][order].
 *
 * Context: takes the buddy lock.
 * Return: nothing.
 */
void fl_buddy_free_counts_mt(struct fl_buddy *b,
			     u64 nr_free[FL_MT_TYPES][FL_NR_ORDERS])
{
	int o, mt;

	fl_lock(&b->lock);
	for (mt = 0; mt < FL_MT_TYPES; mt++)
		for (o = 0; o < FL_NR_ORDERS; o++)
			nr_free[mt][o] = b->nr_free_mt[o][mt];
	fl_unlock(&b->lock);
}

/**
 * fl_buddy_pageblock_counts() - pageblocks per migrate type
 * (/proc/pagetypeinfo's "Number of blocks type").
 * @b: the buddy.
 * @nr_blocks: out: pageblocks of each type; pageblocks entirely in holes
 *             are not counted, partial ones are.
 *
 * Context: takes the buddy lock.  O(nr_pageblocks).
 * Return: nothing.
 */
void fl_buddy_pageblock_counts(struct fl_buddy *b, u64 nr_blocks[FL_MT_TYPES])
{
	u32 pb;
	int mt;

	for (mt = 0; mt < FL_MT_TYPES; mt++)
		nr_blocks[mt] = 0;
	fl_lock(&b->lock);
	for (pb = 0; pb < b->nr_pageblocks; pb++)
		if (b->pb_mt[pb] < FL_MT_TYPES)
			nr_blocks[b->pb_mt[pb]]++;
	fl_unlock(&b->lock);
}

/**
 * fl_buddy_pageblock_mt() - migrate type of one pageblock.
 * @b: the buddy.
 * @pageblock: pageblock number (page index >> FL_PAGEBLOCK_ORDER).
 *
 * Context: takes the buddy lock.
 * Return: enum fl_migratetype, -EINVAL if out of range, -ENOENT if the
 * pageblock lies entirely in a hole.
 */
int fl_buddy_pageblock_mt(struct fl_buddy *b, u32 pageblock)
{
	int ret;

	if (pageblock >= b->nr_pageblocks)
		return -EINVAL;
	fl_lock(&b->lock);
	ret = b->pb_mt[pageblock];
	fl_unlock(&b->lock);
	return ret == FL_PB_ABSENT ? -ENOENT : ret;
}

int __fl_buddy_pageblock_mt(struct fl_buddy *b, u32 pageblock)
{
	if (pageblock >= b->nr_pageblocks)
		return -EINVAL;
	return b->pb_mt[pageblock] == FL_PB_ABSENT ? -ENOENT :
						     b->pb_mt[pageblock];
}

int __fl_buddy_set_pageblock_mt(struct fl_buddy *b, u32 pageblock, u8 mt)
{
	u32 first = pageblock << FL_PAGEBLOCK_ORDER, head, pb, n;

	if (pageblock >= b->nr_pageblocks || mt >= FL_MT_TYPES)
		return -EINVAL;
	if (!fl_pageblock_whole(b, pageblock))
		return -ENOENT;
	head = b->pages[first].state == FL_BP_TAIL ? fl_find_head(b, first) :
						      first;
	if (fl_warn_once(head == FL_NIL))
		return -EUCLEAN;
	b->gen++;
	if (b->pages[head].order <= FL_PAGEBLOCK_ORDER) {
		fl_move_freepages_block(b, pageblock, mt);
		return 0;
	}
	/* a block spanning pageblocks: all of them share one type */
	if (b->pages[head].state == FL_BP_FREE && b->pages[head].mt != mt)
		fl_list_move(b, head, mt);
	n = 1U << (b->pages[head].order - FL_PAGEBLOCK_ORDER);
	for (pb = fl_pb(head); n; n--, pb++)
		b->pb_mt[pb] = mt;
	return 0;
}

/* ---------------------------------------------------------------- check */

struct fl_check_sums {
	u64 nr_free_mt[FL_NR_ORDERS][FL_MT_TYPES];
	u64 free_pages;
	u64 alloc_pages;
	u64 nr_allocated;
	u64 requested;
	u64 granted;
	u64 pcp_pages;
	u64 pcp_blocks;
};

static int fl_check_free_block(struct fl_buddy *b, u32 i,
			       const struct fl_bpage *p, char *msg, size_t len)
{
	u32 pb, n;

	if (p->mt >= FL_MT_TYPES)
		return fl_check_fail(msg, len, "free block %u: bad mt %u", i,
				     p->mt);
	if (p->mt != b->pb_mt[fl_pb(i)])
		return fl_check_fail(msg, len,
				     "free block %u on %s list, pageblock %u is %u",
				     i, fl_migratetype_names[p->mt], fl_pb(i),
				     b->pb_mt[fl_pb(i)]);
	if (p->order > FL_PAGEBLOCK_ORDER) {
		n = 1U << (p->order - FL_PAGEBLOCK_ORDER);
		for (pb = fl_pb(i); n; n--, pb++)
			if (b->pb_mt[pb] != p->mt)
				return fl_check_fail(msg, len,
						     "free block %u order %u: pageblock %u type %u != %u",
						     i, p->order, pb,
						     b->pb_mt[pb], p->mt);
	}
	if (p->order < b->max_order) {
		u32 buddy = i ^ (1U << p->order);

		if (!(buddy >= b->nr_pages ||
		      b->pages[buddy].state != FL_BP_FREE ||
		      b->pages[buddy].order != p->order))
			return fl_check_fail(msg, len,
					     "free buddies %u and %u (order %u) not merged",
					     i, buddy, p->order);
	}
	return 0;
}

static int fl_check_block(struct fl_buddy *b, u32 i, u32 end,
			  struct fl_check_sums *s, char *msg, size_t len)
{
	const struct fl_bpage *p = &b->pages[i];
	u32 j, size;
	int ret;

	if (!fl_is_head(p))
		return fl_check_fail(msg, len,
				     "page %u: expected a block head, state %u",
				     i, p->state);
	if (p->order > b->max_order)
		return fl_check_fail(msg, len, "block %u: order %u > max %u", i,
				     p->order, b->max_order);
	size = 1U << p->order;
	if (i & (size - 1))
		return fl_check_fail(msg, len,
				     "block %u: misaligned for order %u", i,
				     p->order);
	if (i + size > end)
		return fl_check_fail(msg, len,
				     "block %u order %u crosses chunk end %u",
				     i, p->order, end);
	for (j = i + 1; j < i + size; j++)
		if (b->pages[j].state != FL_BP_TAIL)
			return fl_check_fail(msg, len,
					     "page %u inside block %u (order %u) has state %u",
					     j, i, p->order, b->pages[j].state);
	if (p->state == FL_BP_FREE) {
		ret = fl_check_free_block(b, i, p, msg, len);
		if (ret)
			return ret;
		s->nr_free_mt[p->order][p->mt]++;
		s->free_pages += size;
		return 0;
	}
	if (p->mt >= FL_MT_TYPES)
		return fl_check_fail(msg, len, "allocated block %u: bad mt %u",
				     i, p->mt);
	if (p->owner_kind == FL_OWN_PCP) {
		if (!(p->order <= FL_PCP_MAX_ORDER && b->pcp))
			return fl_check_fail(msg, len,
					     "parked block %u: order %u, lists %s",
					     i, p->order,
					     b->pcp ? "on" : "never on");
		s->pcp_pages += size;
		s->pcp_blocks++;
		return 0;
	}
	if (p->owner_kind > FL_OWN_KERNEL)
		return fl_check_fail(msg, len,
				     "allocated block %u: bad owner kind %u", i,
				     p->owner_kind);
	if (!(p->requested && p->requested <= (FL_PAGE_SIZE << p->order)))
		return fl_check_fail(msg, len,
				     "allocated block %u: requested %u for order %u",
				     i, p->requested, p->order);
	s->alloc_pages += size;
	s->nr_allocated++;
	s->requested += p->requested;
	s->granted += FL_PAGE_SIZE << p->order;
	return 0;
}

/*
 * Where a walk stands, so that a paced check (fl_buddy_check_paced()) can
 * stop after a budget of pages or list entries and go on later from
 * there.  Zeroed: at the start.
 */
struct fl_check_pos {
	u32 c, i;		/* pages: chunk, page */
	u32 o, mt, e, prev;	/* lists: order, type, entry, previous */
	bool in_list;		/* e and prev are valid */
	u64 n, total;		/* entries of this list, of this order */
};

/*
 * Walk the pages from @pos for about @budget pages.  Return: 0 when the
 * walk is complete, 1 when the budget ran out first (@pos says where it
 * stopped), -EUCLEAN on a violation.
 */
static int fl_check_pages_from(struct fl_buddy *b, struct fl_check_sums *s,
			       struct fl_check_pos *pos, u64 budget,
			       char *msg, size_t len)
{
	u32 c = pos->c, i = pos->i;
	int ret;

	for (; c < b->nr_chunks; c++) {
		u32 start = b->chunks[c].start;
		u32 end = start + b->chunks[c].nr_pages;

		for (; i < start; i++, budget -= !!budget)
			if (b->pages[i].state != FL_BP_HOLE)
				return fl_check_fail(msg, len,
						     "hole page %u has state %u",
						     i, b->pages[i].state);
		while (i < end) {
			u32 size;

			if (!budget) {
				pos->c = c;
				pos->i = i;
				return 1;
			}
			ret = fl_check_block(b, i, end, s, msg, len);
			if (ret)
				return ret;
			size = 1U << b->pages[i].order;
			budget -= budget < size ? budget : size;
			i += size;
		}
	}
	if (i != b->nr_pages)
		return fl_check_fail(msg, len, "walk ended at %u, nr_pages %u",
				     i, b->nr_pages);
	pos->c = c;
	pos->i = i;
	return 0;
}

/* The free lists from @pos for about @budget entries; as above. */
static int fl_check_lists_from(struct fl_buddy *b,
			       const struct fl_check_sums *s,
			       struct fl_check_pos *pos, u64 budget,
			       char *msg, size_t len)
{
	u32 o, mt;

	for (o = pos->o; o < FL_NR_ORDERS; o++, pos->total = 0) {
		u64 total = pos->total;

		for (mt = pos->mt; mt < FL_MT_TYPES; mt++, pos->in_list = false) {
			u32 i = pos->in_list ? pos->e : b->free_head[o][mt];
			u32 prev = pos->in_list ? pos->prev : FL_NIL;
			u64 n = pos->in_list ? pos->n : 0;

			pos->mt = 0;
			while (i != FL_NIL) {
				const struct fl_bpage *p;

				if (!budget--) {
					pos->o = o;
					pos->mt = mt;
					pos->e = i;
					pos->prev = prev;
					pos->n = n;
					pos->total = total;
					pos->in_list = true;
					return 1;
				}

				if (i >= b->nr_pages)
					return fl_check_fail(msg, len,
							     "list %u/%u: index %u out of range",
							     o, mt, i);
				p = &b->pages[i];
				if (!(p->state == FL_BP_FREE && p->order == o &&
				      p->mt == mt))
					return fl_check_fail(msg, len,
							     "list %u/%u: block %u is state %u order %u mt %u",
							     o, mt, i, p->state,
							     p->order, p->mt);
				if (p->prev != prev)
					return fl_check_fail(msg, len,
							     "list %u/%u: block %u prev %u != %u",
							     o, mt, i, p->prev,
							     prev);
				if (++n > s->nr_free_mt[o][mt])
					return fl_check_fail(msg, len,
							     "list %u/%u: more entries than free blocks (cycle?)",
							     o, mt);
				prev = i;
				i = p->next;
			}
			if (b->free_tail[o][mt] != prev)
				return fl_check_fail(msg, len,
						     "list %u/%u: tail %u, last entry %u",
						     o, mt, b->free_tail[o][mt],
						     prev);
			if (n != s->nr_free_mt[o][mt])
				return fl_check_fail(msg, len,
						     "list %u/%u: %llu entries, %llu free blocks",
						     o, mt,
						     (unsigned long long)n,
						     (unsigned long long)s->nr_free_mt[o][mt]);
			if (n != b->nr_free_mt[o][mt])
				return fl_check_fail(msg, len,
						     "list %u/%u: %llu entries, counter %llu",
						     o, mt,
						     (unsigned long long)n,
						     (unsigned long long)b->nr_free_mt[o][mt]);
			total += n;
		}
		if (total != b->cnt.nr_free[o])
			return fl_check_fail(msg, len,
					     "order %u: %llu free blocks, nr_free %llu",
					     o, (unsigned long long)total,
					     (unsigned long long)b->cnt.nr_free[o]);
		if (!(o <= b->max_order || !total))
			return fl_check_fail(msg, len,
					     "order %u > max_order has free blocks",
					     o);
	}
	pos->o = o;
	return 0;
}

/* One CPU list: parked heads of its order and type, links, tail, count. */
static int fl_check_pcp_list(struct fl_buddy *b, u32 cpu, u32 li,
			     const struct fl_check_sums *s, u64 *blocks,
			     u64 *pages, char *msg, size_t len)
{
	const struct fl_pcp *pcp = &b->pcp[cpu];
	u32 i = pcp->head[li], prev = FL_NIL, n = 0;

	while (i != FL_NIL) {
		const struct fl_bpage *p;

		if (i >= b->nr_pages)
			return fl_check_fail(msg, len,
					     "pcp %u/%u: index %u out of range",
					     cpu, li, i);
		p = &b->pages[i];
		if (!(p->state == FL_BP_ALLOC && p->owner_kind == FL_OWN_PCP &&
		      fl_pcp_list(p->order, p->mt) == li))
			return fl_check_fail(msg, len,
					     "pcp %u/%u: block %u is state %u owner %u order %u mt %u",
					     cpu, li, i, p->state,
					     p->owner_kind, p->order, p->mt);
		if (p->prev != prev)
			return fl_check_fail(msg, len,
					     "pcp %u/%u: block %u prev %u != %u",
					     cpu, li, i, p->prev, prev);
		if (++*blocks > s->pcp_blocks)
			return fl_check_fail(msg, len,
					     "pcp %u/%u: more entries than parked blocks (cycle?)",
					     cpu, li);
		*pages += 1U << p->order;
		n++;
		prev = i;
		i = p->next;
	}
	if (pcp->tail[li] != prev)
		return fl_check_fail(msg, len,
				     "pcp %u/%u: tail %u, last entry %u", cpu,
				     li, pcp->tail[li], prev);
	if (pcp->nr[li] != n)
		return fl_check_fail(msg, len,
				     "pcp %u/%u: %u entries, counter %u", cpu,
				     li, n, pcp->nr[li]);
	return 0;
}

/* Every parked block is on exactly one list; the counts add up. */
static int fl_check_pcp(struct fl_buddy *b, const struct fl_check_sums *s,
			char *msg, size_t len)
{
	u64 blocks = 0, pages = 0, all = 0;
	u32 cpu, li;
	int ret;

	if (!(b->pcp_high || !s->pcp_blocks))
		return fl_check_fail(msg, len, "lists off, %llu blocks parked",
				     (unsigned long long)s->pcp_blocks);
	for (cpu = 0; b->pcp && cpu < b->nr_pcp; cpu++) {
		u64 before = pages;

		for (li = 0; li < FL_PCP_LISTS; li++) {
			ret = fl_check_pcp_list(b, cpu, li, s, &blocks, &pages,
						msg, len);
			if (ret)
				return ret;
		}
		if (b->pcp[cpu].count != pages - before)
			return fl_check_fail(msg, len,
					     "pcp %u: %llu pages listed, count %u",
					     cpu,
					     (unsigned long long)(pages - before),
					     b->pcp[cpu].count);
		all += pages - before;
	}
	if (!(blocks == s->pcp_blocks && pages == s->pcp_pages &&
	      all == b->cnt.pcp_pages))
		return fl_check_fail(msg, len,
				     "parked: %llu blocks/%llu pages on lists, walk %llu/%llu, counter %llu",
				     (unsigned long long)blocks,
				     (unsigned long long)pages,
				     (unsigned long long)s->pcp_blocks,
				     (unsigned long long)s->pcp_pages,
				     (unsigned long long)b->cnt.pcp_pages);
	return 0;
}

static int fl_check_pageblocks(struct fl_buddy *b, char *msg, size_t len)
{
	u32 pb;

	for (pb = 0; pb < b->nr_pageblocks; pb++) {
		/*
		 * Chunks start at 2^FL_MAX_ORDER-aligned indices, so a
		 * pageblock holds chunk pages iff its first page does.
		 */
		bool present = b->pages[pb << FL_PAGEBLOCK_ORDER].state !=
			       FL_BP_HOLE;

		if (present && b->pb_mt[pb] >= FL_MT_TYPES)
			return fl_check_fail(msg, len,
					     "pageblock %u: bad type %u", pb,
					     b->pb_mt[pb]);
		if (!present && b->pb_mt[pb] != FL_PB_ABSENT)
			return fl_check_fail(msg, len,
					     "hole pageblock %u has type %u",
					     pb, b->pb_mt[pb]);
	}
	return 0;
}

/*
 * What is left after the pages and the free lists: O(CPUs x pcp high +
 * pageblocks + orders), checked under one hold of the lock.
 */
static int fl_check_tail(struct fl_buddy *b, const struct fl_check_sums *s,
			 char *msg, size_t len)
{
	int ret;

	ret = fl_check_pcp(b, s, msg, len);
	if (!ret)
		ret = fl_check_pageblocks(b, msg, len);
	if (ret)
		return ret;
	if (s->free_pages != b->cnt.free_pages)
		return fl_check_fail(msg, len,
				     "free pages: walk %llu, counter %llu",
				     (unsigned long long)s->free_pages,
				     (unsigned long long)b->cnt.free_pages);
	if (s->free_pages + s->alloc_pages + s->pcp_pages != b->cnt.total_pages)
		return fl_check_fail(msg, len,
				     "pages: %llu free + %llu allocated + %llu parked != %llu total",
				     (unsigned long long)s->free_pages,
				     (unsigned long long)s->alloc_pages,
				     (unsigned long long)s->pcp_pages,
				     (unsigned long long)b->cnt.total_pages);
	if (s->nr_allocated != b->cnt.nr_allocated)
		return fl_check_fail(msg, len,
				     "allocated blocks: walk %llu, counter %llu",
				     (unsigned long long)s->nr_allocated,
				     (unsigned long long)b->cnt.nr_allocated);
	if (!(s->requested == b->cnt.requested_bytes &&
	      s->granted == b->cnt.granted_bytes))
		return fl_check_fail(msg, len,
				     "bytes: walk %llu/%llu, counters %llu/%llu requested/granted",
				     (unsigned long long)s->requested,
				     (unsigned long long)s->granted,
				     (unsigned long long)b->cnt.requested_bytes,
				     (unsigned long long)b->cnt.granted_bytes);
	return 0;
}

int __fl_buddy_check(struct fl_buddy *b, char *msg, size_t len)
{
	struct fl_check_sums s;
	struct fl_check_pos pos;
	int ret;

	fl_memset(&s, 0, sizeof(s));
	if (msg && len)
		msg[0] = '\0';
	fl_memset(&pos, 0, sizeof(pos));
	ret = fl_check_pages_from(b, &s, &pos, ~0ULL, msg, len);
	if (!ret)
		ret = fl_check_lists_from(b, &s, &pos, ~0ULL, msg, len);
	if (!ret)
		ret = fl_check_tail(b, &s, msg, len);
	return ret;
}

/**
 * fl_buddy_check() - verify every invariant of the allocator.
 * @b: the buddy.
 * @msg: out (may be NULL): NUL-terminated description of the first
 *       violation ("" when consistent).
 * @len: size of @msg.
 *
 * Walks every page (holes are HOLE; chunks are tiled by aligned blocks
 * that stay inside the chunk, so every page is counted exactly once and
 * nothing overlaps; tails are TAIL), every free block (on the list of
 * its pageblock's type, all pageblocks of a large block alike, no free
 * buddy left unmerged), every free list (states, orders, types, back
 * links, no cycles, counts), every per-CPU list (parked heads of the
 * list's order and type, links, tails, counts; none while the lists are
 * off) and the counters (free pages, allocated blocks, requested/granted
 * bytes, free + allocated + parked = total).
 *
 * Context: takes the buddy lock for O(nr_pages).
 * Return: 0 if consistent, -EUCLEAN on the first violation.
 */
int fl_buddy_check(struct fl_buddy *b, char *msg, size_t len)
{
	int ret;

	fl_lock(&b->lock);
	ret = __fl_buddy_check(b, msg, len);
	fl_unlock(&b->lock);
	return ret;
}
/* ------------------------------------------------------------- seeding */

/**
 * fl_buddy_free_list() - the blocks on one free list, head first.
 * @b: the buddy.
 * @order: list order.
 * @mt: list migrate type.
 * @idx: out: up to @max head page indices, in list order.
 * @max: size of @idx.
 *
 * Context: takes the buddy lock; walks the list.
 * Return: number of blocks on the list (may exceed @max), 0 for a bad
 * @order or @mt.
 */
u32 fl_buddy_free_list(struct fl_buddy *b, u32 order, u32 mt, u32 *idx,
		       u32 max)
{
	u32 i, n = 0;

	if (order > b->max_order || mt >= FL_MT_TYPES)
		return 0;
	fl_lock(&b->lock);
	for (i = b->free_head[order][mt]; i != FL_NIL; i = b->pages[i].next, n++)
		if (n < max)
			idx[n] = i;
	fl_unlock(&b->lock);
	return n;
}

/* Every block inside a chunk, aligned, of a valid order and type, no two
 * overlapping, every chunk page covered: @seen is a zeroed scratch map.
 */
static bool fl_seed_valid(const struct fl_buddy *b, const u8 *pb_mt,
			  const struct fl_seed_block *blk, u32 nr, u8 *seen)
{
	u32 i, k;

	for (i = 0; i < b->nr_pageblocks; i++)
		if (b->pb_mt[i] != FL_PB_ABSENT && pb_mt[i] >= FL_MT_TYPES)
			return false;
	for (i = 0; i < nr; i++) {
		u32 idx = blk[i].idx, n;

		if (blk[i].order > b->max_order || blk[i].mt >= FL_MT_TYPES ||
		    blk[i].free > 1 || (idx & ((1U << blk[i].order) - 1)) ||
		    idx >= b->nr_pages ||
		    b->nr_pages - idx < (1U << blk[i].order))
			return false;
		for (n = 1U << blk[i].order, k = idx; k < idx + n; k++) {
			if (seen[k] || b->pages[k].state == FL_BP_HOLE)
				return false;
			seen[k] = 1;
		}
	}
	for (k = 0; k < b->nr_pages; k++)
		if (!seen[k] && b->pages[k].state != FL_BP_HOLE)
			return false;
	return true;
}

static void fl_seed_apply(struct fl_buddy *b, const u8 *pb_mt,
			  const struct fl_seed_block *blk, u32 nr)
{
	u32 i, o, mt;

	for (i = 0; i < b->nr_pageblocks; i++)
		if (b->pb_mt[i] != FL_PB_ABSENT)
			b->pb_mt[i] = pb_mt[i];
	for (i = 0; i < b->nr_pages; i++) {
		if (b->pages[i].state == FL_BP_HOLE)
			continue;
		fl_memset(&b->pages[i], 0, sizeof(b->pages[i]));
		b->pages[i].state = FL_BP_TAIL;
	}
	for (o = 0; o < FL_NR_ORDERS; o++) {
		b->cnt.nr_free[o] = 0;
		b->cnt.alloc_ok[o] = 0;
		b->cnt.alloc_fail[o] = 0;
		for (mt = 0; mt < FL_MT_TYPES; mt++) {
			b->free_head[o][mt] = FL_NIL;
			b->free_tail[o][mt] = FL_NIL;
			b->nr_free_mt[o][mt] = 0;
		}
	}
	b->cnt.free_pages = 0;
	b->cnt.fail_fragmented = 0;
	b->cnt.fail_nomem = 0;
	b->cnt.frees = 0;
	b->cnt.splits = 0;
	b->cnt.merges = 0;
	b->cnt.fallbacks = 0;
	b->cnt.steals = 0;
	b->cnt.nr_allocated = 0;
	b->cnt.requested_bytes = 0;
	b->cnt.granted_bytes = 0;
	for (i = nr; i--; ) {
		const struct fl_seed_block *s = &blk[i];
		struct fl_bpage *p = &b->pages[s->idx];
		u64 size = FL_PAGE_SIZE << s->order;

		if (s->free) {	/* at the head: the array's order is kept */
			fl_list_add(b, s->idx, s->order, s->mt);
			continue;
		}
		p->state = FL_BP_ALLOC;
		p->order = s->order;
		p->mt = s->mt;
		p->owner_kind = FL_OWN_KERNEL;
		p->requested = (u32)size;
		p->prev = FL_NIL;
		p->next = FL_NIL;
		b->cnt.nr_allocated++;
		b->cnt.requested_bytes += size;
		b->cnt.granted_bytes += size;
	}
}

/**
 * fl_buddy_seed() - replace the whole state by a given one (tests).
 * @b: the buddy; its per-CPU lists must be off.
 * @pb_mt: migrate type of every pageblock (fl_buddy_nr_pageblocks()
 *         entries; those entirely in a hole are ignored).
 * @blk: blocks tiling every chunk exactly: free blocks go on their lists
 *       in array order (the first is the head), allocated ones become
 *       FL_OWN_KERNEL allocations of their type.
 * @nr: number of blocks.
 * @msg: out (may be NULL): why the state was refused.
 * @len: size of @msg.
 *
 * This is how 01-kdiff starts fraglab from the state a kernel zone had
 * (free lists in the kernel's order, pageblock types, which pages are in
 * use and which of them count as movable), to run the same step in both.
 * Every counter starts from zero.
 *
 * Context: process context (allocates a scratch map); takes the buddy
 * lock.
 * Return: 0; -EINVAL (nothing changed) for blocks that overlap, leave a
 * page uncovered, or are out of range, or with the per-CPU lists on;
 * -ENOMEM; -EUCLEAN when the state was applied but breaks one of
 * fraglab's invariants (@msg says which: e.g. a free block on a list
 * other than its pageblock's type, which 6.1 allows): then only another
 * fl_buddy_seed() or fl_buddy_destroy() may follow.
 */
int fl_buddy_seed(struct fl_buddy *b, const u8 *pb_mt,
		  const struct fl_seed_block *blk, u32 nr, char *msg,
		  size_t len)
{
	u8 *seen = fl_zalloc(b->nr_pages);
	int ret = -EINVAL;

	if (msg && len)
		msg[0] = 0;
	if (!seen)
		return -ENOMEM;
	fl_lock(&b->lock);
	if (!b->pcp_high && !b->cnt.pcp_pages &&
	    fl_seed_valid(b, pb_mt, blk, nr, seen)) {
		b->gen++;
		fl_seed_apply(b, pb_mt, blk, nr);
		ret = __fl_buddy_check(b, msg, len);
	}
	fl_unlock(&b->lock);
	fl_free(seen);
	return ret;
}

/* Walks fl_buddy_check_paced() starts before it gives up (-EAGAIN). */
#define FL_CHECK_TRIES	8

/*
 * What tells fl_buddy_check_paced() that the allocator changed while its
 * lock was dropped.  Every allocation counts itself in alloc_ok[] or
 * alloc_fail[] and every free in frees, after whatever it changed (an
 * -EINVAL changes nothing), so the fast paths need no counter of their
 * own; every other change (compaction's moves and placements, pageblock
 * types, owners, draining, the pcp and grouping settings, seeding) bumps
 * b->gen.  Under the buddy lock.
 */
struct fl_check_stamp {
	u64 gen, ok, fail, frees;
};

static void fl_check_stamp(const struct fl_buddy *b, struct fl_check_stamp *st)
{
	u32 o;

	st->gen = b->gen;
	st->ok = 0;
	st->fail = 0;
	for (o = 0; o < FL_NR_ORDERS; o++) {
		st->ok += b->cnt.alloc_ok[o];
		st->fail += b->cnt.alloc_fail[o];
	}
	st->frees = b->cnt.frees;
}

static bool fl_check_changed(const struct fl_buddy *b,
			     const struct fl_check_stamp *then)
{
	struct fl_check_stamp now;

	fl_check_stamp(b, &now);
	return fl_memcmp(&now, then, sizeof(now)) != 0;
}

/**
 * __fl_buddy_changes() - a count that every change of the buddy advances.
 * @b: the buddy.
 *
 * The sum of struct fl_check_stamp: the same value at two holds of the
 * lock means the buddy did not change in between, so a walk that drops
 * the lock can tell whether its cursor and sums still hold.
 *
 * Context: buddy lock held.
 * Return: the count.
 */
u64 __fl_buddy_changes(const struct fl_buddy *b)
{
	struct fl_check_stamp st;

	fl_check_stamp(b, &st);
	return st.gen + st.ok + st.fail + st.frees;
}

/**
 * fl_buddy_check_paced() - fl_buddy_check() in bounded steps.
 * @b: the buddy.
 * @msg: out (may be NULL), as for fl_buddy_check().
 * @len: size of @msg.
 * @step: pages, then free-list entries, per hold of the lock (about: a
 *        hold may take one block or the pcp lists and pageblocks more).
 * @pause: called with the lock dropped between two holds (the kernel
 *         passes cond_resched()); may be NULL.
 * @arg: passed to @pause.
 *
 * The same checks as fl_buddy_check(), without holding the buddy lock for
 * O(nr_pages).  A hold that finds the allocator changed since the walk
 * began (struct fl_check_stamp: its operation counters and b->gen) starts
 * the walk over, so every result is about one state of the allocator.
 * After FL_CHECK_TRIES walks that changes overtook it gives up rather
 * than hold the lock for the whole walk: a bounded time over a verdict,
 * as the kernel's pagetypeinfo_showfree_print() (mm/vmstat.c, 6.12) caps
 * its free-list count under zone->lock.  In the module only users that do
 * not take fl_dev.lock (BENCH, the in-kernel API, the per-CPU list
 * setting FRAGLAB_SET_PCP_HIGH) can change the buddy during a CHECK,
 * which holds it.  @step 0: fl_buddy_check().
 *
 * Context: takes the buddy lock; @pause may sleep if the caller may.
 * Return: 0 if consistent, -EUCLEAN on the first violation, -EAGAIN
 * (and a sentence in @msg) if the allocator changed during every walk.
 */
int fl_buddy_check_paced(struct fl_buddy *b, char *msg, size_t len, u32 step,
			 void (*pause)(void *arg), void *arg)
{
	struct fl_check_sums s;
	struct fl_check_pos pos;
	struct fl_check_stamp then;
	unsigned int tries;
	bool lists;
	int ret;

	for (tries = 0; step && tries < FL_CHECK_TRIES; tries++) {
		fl_memset(&s, 0, sizeof(s));
		fl_memset(&pos, 0, sizeof(pos));
		if (msg && len)
			msg[0] = '\0';
		lists = false;
		fl_lock(&b->lock);
		fl_check_stamp(b, &then);
		for (;;) {
			if (fl_check_changed(b, &then)) {
				ret = -EAGAIN;
				break;
			}
			if (!lists) {
				ret = fl_check_pages_from(b, &s, &pos, step, msg,
							  len);
				lists = !ret;
				if (lists)
					continue;
			} else {
				ret = fl_check_lists_from(b, &s, &pos, step, msg,
							  len);
				if (!ret) {
					ret = fl_check_tail(b, &s, msg, len);
					break;
				}
			}
			if (ret < 0)
				break;
			fl_unlock(&b->lock);
			if (pause)
				pause(arg);
			fl_lock(&b->lock);
		}
		fl_unlock(&b->lock);
		if (ret != -EAGAIN)
			return ret;
	}
	if (!step)
		return fl_buddy_check(b, msg, len);
	if (msg && len)
		fl_scnprintf(msg, len, "buddy changed during each of %u walks: not verified, try again",
			    FL_CHECK_TRIES);
	return -EAGAIN;
}
