// SPDX-License-Identifier: GPL-2.0
/*
 * fl_compact.c - buddy compaction and the arena HugePage prediction
 * (portable core, compiled into fraglab.ko and into userspace).
 *
 * What it does
 * ------------
 * External fragmentation leaves plenty of free pages but no large free
 * block.  Compaction cures it by moving live allocations: like
 * mm/compaction.c, a migration scanner walks the arena pageblock by
 * pageblock from the low end and isolates movable allocations, a free
 * scanner walks from the high end and finds free blocks to move them to,
 * and the work stops when the two scanners meet.  Every move copies the
 * contents (__fl_buddy_move()) and tells the owner (struct fl_compact_ops)
 * so it can zap user mappings before and learn the new index after.
 *
 * What moves, what pins
 * ---------------------
 * Only buddy allocations made for userspace (FL_OWN_USER) of order below
 * the pageblock order move.  Slab pages, fit-pool backings and in-kernel
 * users hold pointers into their pages that nobody can fix up, so any
 * owner other than FL_OWN_USER pins its pageblock whatever its migrate
 * type; so does an UNMOVABLE user allocation (its owner asked for a fixed
 * location).  RECLAIMABLE user allocations move as well: the kernel would
 * reclaim (free) such pages to empty a pageblock, and fraglab cannot free
 * memory a process still uses, so moving it is the equivalent that keeps
 * the data; FL_COMPACT_MOVABLE_ONLY makes them pin instead, like real
 * compaction that migrates only MOVABLE pages.  A pageblock holding one
 * pinning allocation can never become a free order-9 block: that is the
 * seed's "a few live objects pin the memory" trap, and such pageblocks are
 * reported as blockers with one culprit each.  Allocations of order >= 9
 * cover whole pageblocks; moving them gains nothing and they stay.
 * Blocks parked on the buddy's per-CPU lists (FL_OWN_PCP) are nobody's:
 * a run and a prediction drain the lists first (drain_all_pages()), so
 * they merge back and count as free; one parked again by a concurrent
 * free while the run drops the lock pins like any non-user owner.
 *
 * The scanners: two policies (enum fl_compact_policy)
 * ---------------------------------------------------
 * FL_COMPACT_POLICY_KERNEL (0, the default) is compact_zone() of
 * mm/compaction.c, Linux 6.12, with compact_node()'s control (sync, whole
 * zone, no skip hints; cc->order = -1 for FULL): the migration scanner
 * walks pageblocks up in address order, isolating COMPACT_CLUSTER_MAX
 * pages, then the rest of the pageblock; the free scanner walks
 * pageblocks down from the top, only MOVABLE ones that do not start with
 * a free block of the target order (suitable_migration_target()),
 * isolating free blocks upwards onto per-order lists, and
 * compaction_alloc() hands out the smallest fitting one; ORDER mode
 * stops only at a pageblock boundary once a block of the order is free
 * (__compact_finished()).  The code follows the kernel function by
 * function below ("the kernel's policy"); docs/COMPACTION.md lists what is
 * left out (async mode, fast searches, skip bits, deferral).
 *
 * FL_COMPACT_POLICY_EMPTIEST walks a permutation of the pageblocks
 * instead (fl_compact_order()): first the sources - pageblocks entirely
 * inside one chunk, not pinned, holding movable allocations - sorted by
 * movable pages, emptiest first (ties in address order), then all other
 * pageblocks (pinned, partial, full, free) in address order.  "Above m"
 * below means "later in that order".  Emptying the cheapest pageblocks
 * first and filling pinned ones first is what an ideal compactor does for
 * order-0 layouts (tests/unit/test_compact.c checks it against one).
 * Migration scanner: rank m goes up from 0.  Before touching a source it
 * checks that the free pages the free scanner can still offer above m are
 * at least the movable pages of m (a cheap form of "the scanners met");
 * if not, m is skipped.  Its allocations are then moved one by one in
 * address order.
 * Free scanner: looks at pageblocks from the top rank (free_r) down to
 * m + 1.
 * Pageblocks that are entirely free are never targets: filling one would
 * destroy the very block compaction tries to create.  In a target
 * pageblock it takes the smallest free block of a large enough order
 * (lowest address first) and the allocation goes to its low end, so
 * bigger free blocks stay whole.  A pageblock with no free page left
 * moves free_r down for good.  Per-pageblock free counts are cached and
 * updated (not rescanned) for the pageblock that just received an
 * allocation; see struct fl_compact_pbc.
 * The run ends when m reaches free_r or the last source, or in ORDER mode
 * as soon as a free block of the wanted order exists (checked after every
 * move).
 *
 * Suitability (ORDER mode only; FULL is /proc/sys/vm/compact_memory,
 * which never asks)
 * -----------------------------------------------------------------
 * Kernel policy: compaction_suit_allocation_order() and
 * __compaction_suitable(): NOT_NEEDED when a block of the order is free
 * and the min watermark holds; NOT_SUITABLE unless free pages exceed the
 * watermark (low for orders above PAGE_ALLOC_COSTLY_ORDER, min otherwise)
 * plus compact_gap() = 2^(order+1).  The arena's watermarks come from
 * the kernel's formulas (fl_compact_watermarks()).  emptiest-first:
 * NOT_NEEDED when a block exists, NOT_SUITABLE with 2^order - 1 free pages
 * or fewer.  Both: for orders above 3 the fragmentation index 0..threshold
 * means lack of memory, not fragmentation: NOT_SUITABLE.
 *
 * Locking
 * -------
 * The buddy lock is held while scanning and for each __fl_buddy_move(),
 * never across a callback: ops->prepare() (which may sleep: the glue zaps
 * user PTEs there) runs unlocked, then the lock is retaken, the source is
 * re-validated and the move done; if the target was taken meanwhile
 * (-EBUSY) another one is picked.  ops->moved() runs unlocked too.  The
 * kernel glue holds its device mutex for the whole run, which keeps user
 * faults and other ioctls out; the core does not rely on it.
 *
 * Prediction (issue 7, arena part)
 * --------------------------------
 * Both policies are deterministic: their decisions depend only on the
 * arena layout (which blocks are free, and the order, migrate type and
 * owner kind of allocated ones) and, for the kernel policy, the pageblock
 * migrate types; never on free-list order, timing or contents.
 * fl_compact_predict() therefore clones the layout and the pageblock
 * types into a metadata-only buddy (no virtual addresses, nothing is
 * copied) and runs the very same fl_compact_run() with the requested
 * policy on it, FULL and ORDER 9.  The predicted number of free 2 MiB blocks is exactly what a real
 * run on the unchanged arena obtains.  It also reports the upper bound
 * (pageblocks holding only free or movable pages, and no more than the
 * free pages can fill) and the pinned pageblocks with their blockers.
 */
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_metrics.h"
#include "fl_compact.h"

#define FL_PB_PAGES		FL_PAGEBLOCK_PAGES
#define FL_NO_FREE		0xff
#define FL_COSTLY_ORDER		3
#define FL_MOVE_RETRIES		4

const char * const fl_compact_policy_names[FL_COMPACT_NR_POLICIES] = {
	"kernel",
	"emptiest-first",
};

const char * const fl_compact_status_names[FL_COMPACT_NR_STATUS] = {
	"success",
	"partial",
	"not suitable",
	"blocked by unmovable",
	"not needed",
};

/* What one scan of a pageblock found. */
struct fl_compact_pbinfo {
	bool complete;		/* all pages inside one chunk */
	bool pinned;
	bool huge;		/* covered by an allocation of order >= 9 */
	u8 max_free;		/* largest free order inside, or FL_NO_FREE */
	u32 free_pages;
	u32 movable_pages;
	u32 nr_movable;
	struct fl_compact_blocker blocker;
};

/*
 * Free scanner's cache of one pageblock.  After a move into it the cache
 * is updated, not rescanned: free_pages stays exact, max_free becomes an
 * upper bound (a pick that finds nothing invalidates the cache), and
 * hint is where the next pick starts: no free block begins below it
 * (targets fill from the low end; frees while the lock was dropped can
 * only make a pick land higher, never on a busy block).
 */
struct fl_compact_pbc {
	u16 free_pages;
	u16 hint;		/* pages from the pageblock start */
	u8 max_free;
	u8 valid;
	u8 target;		/* may receive allocations */
};

struct fl_compact_ctl {
	struct fl_buddy *b;
	const struct fl_compact_params *p;
	const struct fl_compact_ops *ops;
	void *priv;
	struct fl_compact_result *res;
	struct fl_compact_pbc *pbc;
	u32 *perm;		/* scan order of the pageblocks, see below */
	u32 nr_pb;
	u32 nr_src;		/* perm[0..nr_src) are migration sources */
	u32 migrate_r;		/* migration scanner: rank in perm, going up */
	u32 free_r;		/* free scanner: rank in perm, going down */
	bool stopped;
	/* kernel policy: struct compact_control's scanner state */
	bool contended;		/* COMPACT_CONTENDED: ended without meeting */
	u32 migrate_pfn;	/* cc->migrate_pfn: page index, going up */
	u32 free_pfn;		/* cc->free_pfn: page index, going down */
	u64 nr_freepages;	/* pages on the isolated free lists */
	u64 nr_migratepages;	/* pages of the batch still to place */
	u32 *next;		/* isolated free lists: link per page index */
	u32 fhead[FL_NR_ORDERS], ftail[FL_NR_ORDERS];	/* cc->freepages[] */
	u32 nr_batch;		/* cc->migratepages: entries of batch[] */
	struct fl_page_info *batch;
};

static inline u32 fl_compact_pb_start(u32 pb)
{
	return pb << FL_PAGEBLOCK_ORDER;
}

static bool fl_compact_pins(const struct fl_page_info *hp, u32 flags)
{
	if (hp->owner_kind != FL_OWN_USER || hp->mt == FL_MT_UNMOVABLE)
		return true;
	return (flags & FL_COMPACT_MOVABLE_ONLY) && hp->mt == FL_MT_RECLAIMABLE;
}

static bool fl_compact_movable(const struct fl_page_info *hp, u32 flags)
{
	return hp->state == FL_PAGE_ALLOC_HEAD && !fl_compact_pins(hp, flags) &&
	       hp->order < FL_PAGEBLOCK_ORDER;
}

/* Head info of the block covering @idx; false for a hole or bad index. */
static bool fl_compact_block(struct fl_buddy *b, u32 idx,
			     struct fl_page_info *hp)
{
	if (__fl_buddy_page_info(b, idx, hp) || hp->state == FL_PAGE_HOLE)
		return false;
	if (hp->head != idx && __fl_buddy_page_info(b, hp->head, hp))
		return false;
	return true;
}

static void fl_compact_account(struct fl_compact_pbinfo *in,
			       const struct fl_page_info *hp, u32 idx, u32 n,
			       u32 flags)
{
	u8 fo;

	if (hp->state == FL_PAGE_FREE_HEAD) {
		in->free_pages += n;
		fo = hp->order > FL_PAGEBLOCK_ORDER ? FL_PAGEBLOCK_ORDER : hp->order;
		if (in->max_free == FL_NO_FREE || fo > in->max_free)
			in->max_free = fo;
		return;
	}
	if (fl_compact_pins(hp, flags)) {
		if (!in->pinned) {
			in->blocker.idx = idx;
			in->blocker.order = hp->order;
			in->blocker.mt = hp->mt;
			in->blocker.owner_kind = hp->owner_kind;
		}
		in->pinned = true;
	} else if (hp->order >= FL_PAGEBLOCK_ORDER) {
		in->huge = true;
	} else {
		in->movable_pages += n;
		in->nr_movable++;
	}
}

/* Classify pageblock @pb.  Context: buddy lock held. */
static void fl_compact_pb_scan(struct fl_buddy *b, u32 pb, u32 flags,
			       struct fl_compact_pbinfo *in)
{
	u32 start = fl_compact_pb_start(pb), end = start + FL_PB_PAGES;
	u32 nr_pages = fl_buddy_nr_pages(b), i;
	struct fl_page_info hp;

	fl_memset(in, 0, sizeof(*in));
	in->max_free = FL_NO_FREE;
	in->blocker.pageblock = pb;
	in->complete = end <= nr_pages;
	if (end > nr_pages)
		end = nr_pages;
	for (i = start; i < end; ) {
		u32 bstart, bend;

		if (!fl_compact_block(b, i, &hp)) {
			/* chunks start aligned: only the tail can be a hole */
			in->complete = false;
			break;
		}
		bstart = hp.head > start ? hp.head : start;
		bend = hp.head + (1U << hp.order);
		if (bend > end)
			bend = end;
		fl_compact_account(in, &hp, hp.head, bend - bstart, flags);
		i = hp.head + (1U << hp.order);
	}
}

/* ----------------------------------------------------------- free scanner */

static struct fl_compact_pbc *fl_compact_pbc_get(struct fl_compact_ctl *cc,
						 u32 pb)
{
	struct fl_compact_pbc *c = &cc->pbc[pb];
	struct fl_compact_pbinfo in;

	if (c->valid)
		return c;
	fl_compact_pb_scan(cc->b, pb, cc->p->flags, &in);
	cc->res->free_scanned += FL_PB_PAGES;
	c->free_pages = in.free_pages;
	c->max_free = in.max_free;
	c->hint = 0;
	/* An entirely free complete pageblock is what we want to create. */
	c->target = in.free_pages && !(in.complete &&
				       in.free_pages == FL_PB_PAGES);
	c->valid = 1;
	return c;
}

/*
 * Smallest free block of order >= @order inside @pb, lowest first.  The
 * walk starts at the cached hint and stops at the first block of exactly
 * @order (nothing smaller can fit), which is what made a move cost a
 * whole pageblock walk before.
 */
static u32 fl_compact_pick_in(struct fl_compact_ctl *cc, u32 pb, u32 order,
			      struct fl_compact_pbc *c)
{
	u32 start = fl_compact_pb_start(pb), end = start + FL_PB_PAGES;
	u32 best = FL_BUDDY_NONE, best_order = FL_NR_ORDERS, i;
	u32 first_free = FL_BUDDY_NONE;
	struct fl_page_info hp;

	if (end > fl_buddy_nr_pages(cc->b))
		end = fl_buddy_nr_pages(cc->b);
	for (i = start + c->hint; i < end; ) {
		if (!fl_compact_block(cc->b, i, &hp))
			break;
		if (hp.state == FL_PAGE_FREE_HEAD && hp.head >= start) {
			if (first_free == FL_BUDDY_NONE)
				first_free = hp.head;
			if (hp.order >= order && hp.order < best_order) {
				best = hp.head;
				best_order = hp.order;
				if (best_order == order)
					break;
			}
		}
		i = hp.head + (1U << hp.order);
	}
	/* nothing free below the first free block seen */
	if (first_free != FL_BUDDY_NONE && first_free > start + c->hint)
		c->hint = (u16)(first_free - start);
	return best;
}

/* A block of @order was just allocated inside the cached pageblock @c. */
static void fl_compact_pbc_took(struct fl_compact_pbc *c, u32 order)
{
	if (!c->valid)
		return;
	if (c->free_pages <= (1U << order)) {
		c->free_pages = 0;
		c->max_free = FL_NO_FREE;
	} else {
		c->free_pages -= 1U << order;
	}
}

/* A free target of @order above the migration scanner, or NONE. */
static u32 fl_compact_find_target(struct fl_compact_ctl *cc, u32 order)
{
	u32 r;

	for (r = cc->free_r; r > cc->migrate_r; r--) {
		u32 pb = cc->perm[r], t;
		struct fl_compact_pbc *c = fl_compact_pbc_get(cc, pb);

		if (!c->free_pages && r == cc->free_r) {
			cc->free_r--;	/* full: the free scanner moves on */
			continue;
		}
		if (!c->target || c->max_free == FL_NO_FREE ||
		    c->max_free < order)
			continue;
		t = fl_compact_pick_in(cc, pb, order, c);
		if (t != FL_BUDDY_NONE)
			return t;
		c->valid = 0;	/* stale cache */
	}
	return FL_BUDDY_NONE;
}

/* Free pages the free scanner can still offer above the migration pb. */
static u64 fl_compact_room(struct fl_compact_ctl *cc)
{
	u64 room = 0;
	u32 r;

	for (r = cc->free_r; r > cc->migrate_r; r--) {
		struct fl_compact_pbc *c = fl_compact_pbc_get(cc, cc->perm[r]);

		if (c->target)
			room += c->free_pages;
	}
	return room;
}

/* ------------------------------------------------------ migration scanner */

static bool fl_compact_have_order(struct fl_buddy *b, u32 order, u64 *nr_free)
{
	struct fl_buddy_stats st;
	u32 o;
	bool have = false;

	fl_buddy_get_stats(b, &st);
	for (o = 0; o < FL_NR_ORDERS; o++) {
		if (nr_free)
			nr_free[o] = st.nr_free[o];
		if (o >= order && st.nr_free[o])
			have = true;
	}
	return have;
}

static void fl_compact_add_blocker(struct fl_compact_result *res,
				   const struct fl_compact_blocker *bl)
{
	res->nr_blocked++;
	if (res->nr_blockers < FL_COMPACT_MAX_BLOCKERS)
		res->blockers[res->nr_blockers++] = *bl;
}

/* Next movable allocation head in [@i, @end).  Context: lock held. */
static u32 fl_compact_next_movable(struct fl_compact_ctl *cc, u32 i, u32 end,
				   struct fl_page_info *hp)
{
	while (i < end) {
		if (!fl_compact_block(cc->b, i, hp))
			return FL_BUDDY_NONE;
		if (hp->head >= i && fl_compact_movable(hp, cc->p->flags))
			return hp->head;
		i = hp->head + (1U << hp->order);
	}
	return FL_BUDDY_NONE;
}

/*
 * ops->prepare() without the lock, then check that @src is still the
 * allocation the scanner saw.  Lock held on entry and exit.
 * Return: 0, -EAGAIN if it was freed or changed meanwhile (skip it), or
 * the callback's error (the run stops).
 */
static int fl_compact_prepare_src(struct fl_compact_ctl *cc, u32 src,
				  const struct fl_page_info *hp)
{
	const struct fl_compact_ops *ops = cc->ops;
	struct fl_page_info now;
	int ret;

	if (ops && ops->prepare) {
		fl_unlock(__fl_buddy_lock(cc->b));
		ret = ops->prepare(cc->priv, hp->owner_kind, hp->owner);
		fl_lock(__fl_buddy_lock(cc->b));
		if (ret) {
			cc->stopped = true;
			return ret;
		}
	}
	if (__fl_buddy_page_info(cc->b, src, &now) ||
	    now.state != FL_PAGE_ALLOC_HEAD || now.owner != hp->owner ||
	    now.order != hp->order)
		return -EAGAIN;
	return 0;
}

/* Count a done move and tell the owner (unlocked).  Lock held. */
static void fl_compact_moved_src(struct fl_compact_ctl *cc, u32 src,
				 const struct fl_page_info *hp, u32 new_idx)
{
	const struct fl_compact_ops *ops = cc->ops;
	struct fl_buddy *b = cc->b;

	cc->res->moved++;
	cc->res->pages_moved += 1ULL << hp->order;
	if (fl_buddy_page_addr(b, src) && fl_buddy_page_addr(b, new_idx))
		cc->res->bytes_copied += FL_PAGE_SIZE << hp->order;
	if (ops && ops->moved) {
		fl_unlock(__fl_buddy_lock(b));
		ops->moved(cc->priv, hp->owner_kind, hp->owner, src, new_idx,
			   hp->order);
		fl_lock(__fl_buddy_lock(b));
	}
}

/* Lock held on entry and exit; dropped around the callbacks. */
static int fl_compact_move_one(struct fl_compact_ctl *cc, u32 src,
			       const struct fl_page_info *hp)
{
	struct fl_buddy *b = cc->b;
	u32 target = FL_BUDDY_NONE, new_idx = FL_BUDDY_NONE;
	int tries, ret;

	if (fl_compact_find_target(cc, hp->order) == FL_BUDDY_NONE)
		return -ENOSPC;
	cc->res->isolated++;
	ret = fl_compact_prepare_src(cc, src, hp);
	if (ret)
		return ret;
	ret = -ENOSPC;
	for (tries = 0; tries < FL_MOVE_RETRIES; tries++) {
		target = fl_compact_find_target(cc, hp->order);
		if (target == FL_BUDDY_NONE) {
			ret = -ENOSPC;
			break;
		}
		ret = __fl_buddy_move(b, src, target, &new_idx);
		if (ret != -EBUSY)
			break;
		cc->pbc[target >> FL_PAGEBLOCK_ORDER].valid = 0;
	}
	if (ret) {
		if (target != FL_BUDDY_NONE)
			cc->pbc[target >> FL_PAGEBLOCK_ORDER].valid = 0;
		return ret;
	}
	fl_compact_pbc_took(&cc->pbc[new_idx >> FL_PAGEBLOCK_ORDER],
			    hp->order);
	fl_compact_moved_src(cc, src, hp, new_idx);
	return 0;
}

static bool fl_compact_should_stop(struct fl_compact_ctl *cc)
{
	if (cc->stopped)
		return true;
	if (cc->ops && cc->ops->stop && cc->ops->stop(cc->priv))
		cc->stopped = true;
	return cc->stopped;
}

static void fl_cond_resched_unlocked(struct fl_compact_ctl *cc)
{
	fl_unlock(__fl_buddy_lock(cc->b));
	fl_cond_resched();
	fl_lock(__fl_buddy_lock(cc->b));
}

/* Pageblocks a scan walks per hold of the buddy lock: 4096 pages. */
#define FL_COMPACT_SCAN_PBS	8

/*
 * A reschedule point every FL_COMPACT_SCAN_PBS pageblocks of a scan that
 * moves nothing (@n: pageblocks scanned so far), so that no walk of the
 * whole arena holds the lock; moves reschedule on their own.  Lock held.
 */
static void fl_compact_scan_pace(struct fl_compact_ctl *cc, u32 n)
{
	if (n && !(n % FL_COMPACT_SCAN_PBS))
		fl_cond_resched_unlocked(cc);
}

static bool fl_compact_done(struct fl_compact_ctl *cc)
{
	bool done;

	if (cc->p->mode != FL_COMPACT_ORDER)
		return false;
	fl_unlock(__fl_buddy_lock(cc->b));
	done = fl_compact_have_order(cc->b, cc->p->order, NULL);
	fl_lock(__fl_buddy_lock(cc->b));
	return done;
}

/*
 * Empty migration pageblock m as far as targets allow.  Lock held.
 * Return: true when the whole run is over (ORDER mode reached, stop).
 */
static bool fl_compact_migrate_pb(struct fl_compact_ctl *cc)
{
	u32 start = fl_compact_pb_start(cc->perm[cc->migrate_r]);
	u32 end = start + FL_PB_PAGES, i = start, src;
	struct fl_page_info hp;
	int ret;

	while ((src = fl_compact_next_movable(cc, i, end, &hp)) != FL_BUDDY_NONE) {
		if (fl_compact_should_stop(cc))
			return true;
		ret = fl_compact_move_one(cc, src, &hp);
		if (ret == -ENOSPC)
			return false;	/* no target: leave this pageblock */
		if (cc->stopped)
			return true;
		i = src + (1U << hp.order);
		if (!ret && fl_compact_done(cc))
			return true;
		fl_cond_resched_unlocked(cc);
	}
	return false;
}

/*
 * The scan order.  Sources (complete, unpinned pageblocks with movable
 * allocations) come first, emptiest first (cheapest to empty), ties in
 * address order; then every other pageblock in address order (pinned,
 * partial, full or free ones: the free scanner's first targets).  The
 * migration scanner walks this order up from rank 0, the free scanner down
 * from the top, exactly like the kernel's two scanners walk PFNs; sorting
 * by occupancy instead of address makes the cheap pageblocks empty first
 * (for order-0 layouts this reaches the optimum).  Pinned pageblocks are
 * all reported as blockers, in address order.  Lock held.
 */
static void fl_compact_order(struct fl_compact_ctl *cc, u32 *key, u32 *bucket)
{
	u32 pb, k, pos, nr_other = 0;
	struct fl_compact_pbinfo in;

	for (pb = 0; pb < cc->nr_pb; pb++) {
		fl_compact_scan_pace(cc, pb);
		fl_compact_pb_scan(cc->b, pb, cc->p->flags, &in);
		if (in.complete && in.pinned)
			fl_compact_add_blocker(cc->res, &in.blocker);
		if (in.complete && !in.pinned && !in.huge && in.nr_movable)
			key[pb] = in.movable_pages;
		else
			key[pb] = FL_PB_PAGES + 1;	/* not a source */
		bucket[key[pb]]++;
	}
	/* counting sort, stable: bucket[k] becomes the first rank of key k */
	for (k = 0, pos = 0; k < FL_PB_PAGES + 2; k++) {
		u32 n = bucket[k];

		bucket[k] = pos;
		pos += n;
	}
	for (pb = 0; pb < cc->nr_pb; pb++) {
		nr_other += key[pb] == FL_PB_PAGES + 1;
		cc->perm[bucket[key[pb]]++] = pb;
	}
	cc->nr_src = cc->nr_pb - nr_other;
}

/* The two scanners until they meet.  Lock held. */
/*
 * mm_compaction_migratepages: one event per migration batch (a
 * pageblock's movable blocks), with what moved and what was isolated and
 * did not.  @moved0, @isolated0: the result's counters before the batch.
 */
static void fl_compact_trace_batch(struct fl_compact_ctl *cc, u64 moved0,
				   u64 isolated0)
{
	u64 moved = cc->res->moved - moved0;
	u64 isolated = cc->res->isolated - isolated0;

	fl_trace(fl_compaction_migratepages, moved,
		 isolated > moved ? isolated - moved : 0);
}

static void fl_compact_scan(struct fl_compact_ctl *cc)
{
	struct fl_compact_result *res = cc->res;
	struct fl_compact_pbinfo in;
	u64 moved0, isolated0;
	bool stop;

	for (cc->migrate_r = 0; cc->migrate_r < cc->free_r &&
	     cc->migrate_r < cc->nr_src; cc->migrate_r++) {
		fl_compact_pb_scan(cc->b, cc->perm[cc->migrate_r], cc->p->flags,
				   &in);
		res->pageblocks_scanned++;
		res->migrate_scanned += FL_PB_PAGES;
		if (!in.complete || in.pinned || in.huge || !in.nr_movable)
			continue;
		if (fl_compact_room(cc) < in.movable_pages)
			continue;
		moved0 = res->moved;
		isolated0 = res->isolated;
		stop = fl_compact_migrate_pb(cc);
		fl_compact_trace_batch(cc, moved0, isolated0);
		if (stop)
			return;
	}
}

/* ------------------------------------------------- the kernel's policy */

/*
 * FL_COMPACT_POLICY_KERNEL: compact_zone() of mm/compaction.c (Linux
 * 6.12) with the control compact_node() uses (MIGRATE_SYNC, whole zone,
 * skip hints ignored), cc->order = -1 for FULL and params.order for ORDER
 * mode.  Page indexes stand for PFNs, the arena for the zone.
 */
#define FL_CLUSTER_MAX	32	/* COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX */

/* pageblock_end_pfn() */
static inline u32 fl_kc_pb_end(u32 idx)
{
	return (idx & ~(FL_PB_PAGES - 1)) + FL_PB_PAGES;
}

/* cc->order > 0 ? cc->order : pageblock_order (suitable_migration_target) */
static u32 fl_kc_order(const struct fl_compact_ctl *cc)
{
	if (cc->p->mode == FL_COMPACT_ORDER && cc->p->order)
		return cc->p->order;
	return FL_PAGEBLOCK_ORDER;
}

/* compact_scanners_met() */
static bool fl_kc_met(const struct fl_compact_ctl *cc)
{
	return (cc->free_pfn >> FL_PAGEBLOCK_ORDER) <=
	       (cc->migrate_pfn >> FL_PAGEBLOCK_ORDER);
}

/*
 * pageblock_pfn_to_page() != NULL: the pageblock lies in the arena.  A
 * pageblock with a hole is skipped by both scanners.  Lock held.
 */
static bool fl_kc_pb_whole(struct fl_compact_ctl *cc, u32 pb)
{
	u32 first = pb << FL_PAGEBLOCK_ORDER;
	struct fl_page_info pi;

	return __fl_buddy_pageblock_mt(cc->b, pb) >= 0 &&
	       fl_compact_block(cc->b, first, &pi) &&
	       fl_compact_block(cc->b, first + FL_PB_PAGES - 1, &pi);
}

/*
 * suitable_migration_target(): not a pageblock that starts with a free
 * block of order >= fl_kc_order() (that is what compaction makes), and
 * only MOVABLE pageblocks (fraglab has no CMA).  Lock held.
 */
static bool fl_kc_target_ok(struct fl_compact_ctl *cc, u32 pb)
{
	struct fl_page_info pi;

	if (__fl_buddy_page_info(cc->b, pb << FL_PAGEBLOCK_ORDER, &pi))
		return false;
	if (pi.state == FL_PAGE_FREE_HEAD && pi.order >= fl_kc_order(cc))
		return false;
	return __fl_buddy_pageblock_mt(cc->b, pb) == FL_MT_MOVABLE;
}

/* list_add() (@head) or list_add_tail() to cc->freepages[@order]. */
static void fl_kc_push(struct fl_compact_ctl *cc, u32 idx, u32 order,
		       bool head)
{
	cc->next[idx] = FL_BUDDY_NONE;
	if (cc->fhead[order] == FL_BUDDY_NONE) {
		cc->fhead[order] = idx;
		cc->ftail[order] = idx;
	} else if (head) {
		cc->next[idx] = cc->fhead[order];
		cc->fhead[order] = idx;
	} else {
		cc->next[cc->ftail[order]] = idx;
		cc->ftail[order] = idx;
	}
}

static u32 fl_kc_pop(struct fl_compact_ctl *cc, u32 order)
{
	u32 idx = cc->fhead[order];

	cc->fhead[order] = cc->next[idx];
	if (cc->fhead[order] == FL_BUDDY_NONE)
		cc->ftail[order] = FL_BUDDY_NONE;
	return idx;
}

/*
 * isolate_freepages_block() in sync mode (stride 1, not strict): every
 * free block whose head lies in [*@start, @end), lowest first, goes to
 * the tail of its order's list until the batch is covered.  The blocks
 * stay in the buddy (nobody else allocates while fl_dev.lock is held;
 * a block taken anyway fails the move with -EBUSY).  Lock held.
 */
static void fl_kc_isolate_free_block(struct fl_compact_ctl *cc, u32 *start,
				     u32 end)
{
	struct fl_page_info hp;
	u32 i = *start;

	while (i < end && fl_compact_block(cc->b, i, &hp)) {
		if (hp.head < i) {	/* the rest of a block begun below */
			i = hp.head + (1U << hp.order);
			continue;
		}
		cc->res->free_scanned += 1U << hp.order;
		i = hp.head + (1U << hp.order);
		if (hp.state != FL_PAGE_FREE_HEAD)
			continue;
		fl_kc_push(cc, hp.head, hp.order, false);
		cc->nr_freepages += 1U << hp.order;
		if (cc->nr_migratepages <= cc->nr_freepages)
			break;
	}
	*start = i < end ? i : end;
}

/*
 * isolate_freepages() without fast_isolate_freepages() (which the
 * kernel skips for cc->order <= 0 anyway): pageblocks from cc->free_pfn
 * down to the one above the migration scanner, suitable targets only,
 * until the isolated pages cover the batch.  Lock held.
 */
static void fl_kc_isolate_freepages(struct fl_compact_ctl *cc)
{
	u32 start = cc->free_pfn;
	u32 bstart = start & ~(FL_PB_PAGES - 1);
	u32 bend = bstart + FL_PB_PAGES;
	u32 low = fl_kc_pb_end(cc->migrate_pfn);

	/* low >= one pageblock, so bstart never wraps below 0 */
	for (; bstart >= low; bend = bstart, bstart -= FL_PB_PAGES,
	     start = bstart) {
		u32 pb = bstart >> FL_PAGEBLOCK_ORDER;

		if (!fl_kc_pb_whole(cc, pb) || !fl_kc_target_ok(cc, pb))
			continue;
		fl_kc_isolate_free_block(cc, &start, bend);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (start >= bend)	/* restart one pageblock lower */
				start = bstart - FL_PB_PAGES;
			break;
		}
	}
	cc->free_pfn = start;
}

/*
 * compaction_alloc(): the first block of the smallest non-empty order
 * >= @order, isolating more once if there is none; the unused upper
 * halves go to the head of their lists.  Lock held.
 * Return: the target head index, or FL_BUDDY_NONE.
 */
static u32 fl_kc_alloc(struct fl_compact_ctl *cc, u32 order)
{
	bool isolated = false;
	u32 so, idx;

	for (;;) {
		for (so = order; so < FL_NR_ORDERS; so++)
			if (cc->fhead[so] != FL_BUDDY_NONE)
				break;
		if (so < FL_NR_ORDERS)
			break;
		if (isolated)
			return FL_BUDDY_NONE;
		fl_kc_isolate_freepages(cc);
		isolated = true;
	}
	idx = fl_kc_pop(cc, so);
	while (so > order) {
		so--;
		fl_kc_push(cc, idx + (1U << so), so, true);
	}
	cc->nr_freepages -= 1ULL << order;
	cc->nr_migratepages -= 1ULL << order;
	return idx;
}

/*
 * isolate_migratepages_block() in sync mode: movable allocations from
 * cc->migrate_pfn up, skipping orders skip_isolation_on_order() skips,
 * until COMPACT_CLUSTER_MAX pages (unless the pageblock is to be
 * finished) or the pageblock end.  Lock held.
 */
static void fl_kc_isolate_migrate_block(struct fl_compact_ctl *cc, u32 end,
					bool finish)
{
	u32 flags = cc->p->flags, i = cc->migrate_pfn;
	struct fl_page_info hp;

	while (i < end) {
		bool skip;

		if (!fl_compact_block(cc->b, i, &hp)) {
			i = end;	/* a hole: nothing more to isolate here */
			break;
		}
		if (hp.head < i) {
			i = hp.head + (1U << hp.order);
			continue;
		}
		cc->res->migrate_scanned += 1U << hp.order;
		i = hp.head + (1U << hp.order);
		/* skip_isolation_on_order(): compound pages only */
		skip = hp.order && cc->p->mode == FL_COMPACT_ORDER &&
		       hp.order >= cc->p->order;
		if (skip || !fl_compact_movable(&hp, flags))
			continue;
		cc->batch[cc->nr_batch++] = hp;
		cc->nr_migratepages += 1U << hp.order;
		cc->res->isolated++;
		if (cc->nr_migratepages >= FL_CLUSTER_MAX && !finish)
			break;
	}
	cc->migrate_pfn = i < end ? i : end;
}

/*
 * isolate_migratepages(): the first pageblock from cc->migrate_pfn that
 * lies below the free scanner and in the arena.  Lock held.
 * Return: the number of allocations isolated (0 = ISOLATE_NONE).
 */
static u32 fl_kc_isolate_migrate(struct fl_compact_ctl *cc, bool finish)
{
	u32 bend = fl_kc_pb_end(cc->migrate_pfn);

	cc->nr_batch = 0;
	cc->nr_migratepages = 0;
	for (; bend <= cc->free_pfn; cc->migrate_pfn = bend,
	     bend += FL_PB_PAGES) {
		if (!fl_kc_pb_whole(cc, (bend - 1) >> FL_PAGEBLOCK_ORDER))
			continue;
		if (!(cc->migrate_pfn & (FL_PB_PAGES - 1)))
			cc->res->pageblocks_scanned++;
		fl_kc_isolate_migrate_block(cc, bend, finish);
		break;
	}
	return cc->nr_batch;
}

/* compaction_free(): an unused target goes back to the head of its list. */
static void fl_kc_free(struct fl_compact_ctl *cc, u32 idx, u32 order)
{
	fl_kc_push(cc, idx, order, true);
	cc->nr_freepages += 1ULL << order;
}

/*
 * migrate_pages() of one batch.  Isolation list_add()s each folio at
 * the head of cc->migratepages, so the batch migrates from its highest
 * address down; the target is allocated before the source is unmapped
 * (migrate_folio_unmap()).  A target that cannot be found ends the run:
 * the free scanner met the migration scanner, or (COMPACT_CONTENDED) the
 * isolated free pages had no block of a large enough order.  Lock held.
 * Return: true when the run is over.
 */
static bool fl_kc_migrate_batch(struct fl_compact_ctl *cc)
{
	u32 k = cc->nr_batch, target, new_idx = FL_BUDDY_NONE;
	int tries, ret;

	while (k--) {
		const struct fl_page_info *hp = &cc->batch[k];

		if (fl_compact_should_stop(cc))
			return true;
		target = fl_kc_alloc(cc, hp->order);
		if (target == FL_BUDDY_NONE)
			break;
		ret = fl_compact_prepare_src(cc, hp->head, hp);
		if (ret == -EAGAIN) {	/* freed meanwhile: nothing to move */
			fl_kc_free(cc, target, hp->order);
			continue;
		}
		if (ret)
			return true;
		for (tries = 1;; tries++) {
			ret = __fl_buddy_move(cc->b, hp->head, target, &new_idx);
			if (ret != -EBUSY || tries == FL_MOVE_RETRIES)
				break;
			/* the target was taken while the lock was dropped */
			cc->nr_migratepages += 1ULL << hp->order;
			target = fl_kc_alloc(cc, hp->order);
			if (target == FL_BUDDY_NONE)
				break;
		}
		if (target == FL_BUDDY_NONE)
			break;
		if (!ret)
			fl_compact_moved_src(cc, hp->head, hp, new_idx);
		fl_cond_resched_unlocked(cc);
	}
	if (k == (u32)-1)
		return false;
	cc->contended = !fl_kc_met(cc);
	return true;
}

/* compact_zone()'s loop with compact_finished().  Lock held. */
static void fl_kc_scan(struct fl_compact_ctl *cc)
{
	u32 nr_pages = fl_buddy_nr_pages(cc->b), o;
	u32 last_pb = FL_BUDDY_NONE;	/* last_migrated_pfn's pageblock */
	u64 moved0, isolated0;
	bool finish, stop;
	u32 steps = 0;

	for (o = 0; o < FL_NR_ORDERS; o++) {
		cc->fhead[o] = FL_BUDDY_NONE;
		cc->ftail[o] = FL_BUDDY_NONE;
	}
	cc->migrate_pfn = 0;
	cc->free_pfn = nr_pages ? (nr_pages - 1) & ~(FL_PB_PAGES - 1) : 0;
	for (;;) {
		/* __compact_finished() */
		if (fl_kc_met(cc))
			break;
		/* ORDER: only at a pageblock boundary, once a block is free */
		if (!(cc->migrate_pfn & (FL_PB_PAGES - 1)) &&
		    fl_compact_done(cc))
			break;
		if (fl_compact_should_stop(cc))
			break;
		/* a pageblock (or less) per step */
		fl_compact_scan_pace(cc, ++steps);
		finish = last_pb == cc->migrate_pfn >> FL_PAGEBLOCK_ORDER;
		moved0 = cc->res->moved;
		isolated0 = cc->res->isolated;
		if (!fl_kc_isolate_migrate(cc, finish))
			continue;
		last_pb = (cc->migrate_pfn - 1) >> FL_PAGEBLOCK_ORDER;
		stop = fl_kc_migrate_batch(cc);
		fl_compact_trace_batch(cc, moved0, isolated0);
		if (stop)
			break;
	}
}

/* Every pinned complete pageblock is a blocker.  Lock held. */
static void fl_compact_find_blockers(struct fl_compact_ctl *cc)
{
	struct fl_compact_pbinfo in;
	u32 pb;

	for (pb = 0; pb < cc->nr_pb; pb++) {
		fl_compact_scan_pace(cc, pb);
		fl_compact_pb_scan(cc->b, pb, cc->p->flags, &in);
		if (in.complete && in.pinned)
			fl_compact_add_blocker(cc->res, &in.blocker);
	}
}

/* ------------------------------------------------------------ the run */

/**
 * fl_compact_watermarks() - the arena's stand-in for a zone's watermarks.
 * @managed_pages: pages in the arena (holes excluded).
 * @w: out.
 *
 * The arena is treated as the only lowmem zone of a machine of its size:
 * calculate_min_free_kbytes() (mm/page_alloc.c, 6.12 and 6.1:
 * int_sqrt(lowmem_kbytes * 16) clamped to 128..262144), then
 * __setup_per_zone_wmarks() with the default watermark_scale_factor 10:
 * min = min_free_kbytes in pages, low = min + max(min / 4,
 * managed * 10 / 10000).  Fixed and host-independent on purpose: the
 * same arena gives the same answer in the box, in the unit tests and in
 * the userspace simulation.
 *
 * Context: any.
 */
void fl_compact_watermarks(u64 managed_pages, struct fl_compact_wmarks *w)
{
	u64 kb = managed_pages * (FL_PAGE_SIZE >> 10), x = 0, bit;
	u64 v = kb * 16, gap;

	/* int_sqrt(): bit by bit, the largest x with x * x <= v */
	for (bit = 1ULL << 62; bit; bit >>= 2) {
		if (v >= x + bit) {
			v -= x + bit;
			x = (x >> 1) + bit;
		} else {
			x >>= 1;
		}
	}
	w->min_free_kbytes = x < 128 ? 128 : x > 262144 ? 262144 : x;
	w->min = w->min_free_kbytes / (FL_PAGE_SIZE >> 10);
	gap = managed_pages * 10 / 10000;	/* mult_frac() */
	w->low = w->min + (w->min / 4 > gap ? w->min / 4 : gap);
}

/*
 * The kernel policy's gate for ORDER mode, compaction_suit_allocation_order()
 * (6.12; __compaction_suitable() in 6.1 does the same):
 * - NOT_NEEDED when zone_watermark_ok(order, min watermark): a free block
 *   of the order exists and free - (2^order - 1) > min (direct
 *   compaction's alloc_flags carry ALLOC_WMARK_MIN);
 * - NOT_SUITABLE (COMPACT_SKIPPED) unless free pages > watermark +
 *   compact_gap() = 2^(order+1), the low watermark for costly orders
 *   (> PAGE_ALLOC_COSTLY_ORDER) and min otherwise (__compaction_suitable());
 * - NOT_SUITABLE (COMPACT_NOT_SUITABLE_ZONE) for costly orders whose
 *   fragmentation index is 0..threshold (compaction_suitable()).
 */
static u32 fl_compact_suitable_kernel(struct fl_buddy *b,
				      const struct fl_compact_params *p,
				      struct fl_compact_result *res, bool have,
				      u64 free_pages)
{
	struct fl_buddy_stats st;
	struct fl_compact_wmarks w;

	fl_buddy_get_stats(b, &st);
	fl_compact_watermarks(st.total_pages, &w);
	if (have && free_pages - ((1ULL << p->order) - 1) > w.min)
		return FL_COMPACT_NOT_NEEDED;
	res->suitable_min = fl_compact_suitable_min(p->order > FL_COSTLY_ORDER ?
						    w.low : w.min, p->order);
	return free_pages > res->suitable_min ? FL_COMPACT_SUCCESS :
						FL_COMPACT_NOT_SUITABLE;
}

/* ORDER mode's gate; FL_COMPACT_SUCCESS = go ahead. */
static u32 fl_compact_suitable(struct fl_buddy *b,
			       const struct fl_compact_params *p,
			       struct fl_compact_result *res)
{
	u32 threshold = p->threshold ? p->threshold :
			FL_COMPACT_DEFAULT_THRESHOLD;
	bool have = fl_compact_have_order(b, p->order, res->nr_free_before);
	u64 free_pages;
	u32 ret;

	res->fragindex = fl_metrics_fragmentation_index(res->nr_free_before,
							p->order);
	if (p->mode != FL_COMPACT_ORDER)
		return FL_COMPACT_SUCCESS;
	free_pages = fl_metrics_free_pages(res->nr_free_before, FL_NR_ORDERS);
	if (p->policy == FL_COMPACT_POLICY_KERNEL) {
		ret = fl_compact_suitable_kernel(b, p, res, have, free_pages);
		if (ret != FL_COMPACT_SUCCESS)
			return ret;
	} else {
		/* emptiest-first: any block, or at least 2^order free pages */
		if (have)
			return FL_COMPACT_NOT_NEEDED;
		res->suitable_min = (1ULL << p->order) - 1;
		if (free_pages <= res->suitable_min)
			return FL_COMPACT_NOT_SUITABLE;
	}
	if (p->order > FL_COSTLY_ORDER && res->fragindex >= 0 &&
	    (u32)res->fragindex <= threshold)
		return FL_COMPACT_NOT_SUITABLE;
	return FL_COMPACT_SUCCESS;
}

static u32 fl_compact_status(struct fl_compact_ctl *cc)
{
	bool have = fl_compact_have_order(cc->b, cc->p->order,
					  cc->res->nr_free_after);

	if (cc->p->mode == FL_COMPACT_ORDER && have)
		return FL_COMPACT_SUCCESS;
	if (cc->stopped || cc->contended)
		return FL_COMPACT_PARTIAL;
	if (cc->res->nr_blocked && !have)
		return FL_COMPACT_BLOCKED_UNMOVABLE;
	return cc->p->mode == FL_COMPACT_FULL ? FL_COMPACT_SUCCESS :
						FL_COMPACT_PARTIAL;
}

static int fl_compact_check_params(struct fl_buddy *b,
				   const struct fl_compact_params *p)
{
	if (!b || !p)
		return -EINVAL;
	if (p->mode != FL_COMPACT_ORDER && p->mode != FL_COMPACT_FULL)
		return -EINVAL;
	if (p->order > fl_buddy_max_order(b) || (p->flags & ~FL_COMPACT_FLAGS))
		return -EINVAL;
	if (p->threshold > 1000 || p->policy >= FL_COMPACT_NR_POLICIES)
		return -EINVAL;
	return 0;
}

/**
 * fl_compact_run() - compact the buddy: move movable allocations up.
 * @b: the buddy.
 * @p: mode, target order, flags, suitability threshold.
 * @ops: owner callbacks, or NULL (userspace, simulation).
 * @priv: passed to @ops.
 * @res: out: what was done (always filled when 0 is returned).
 *
 * See the essay at the top of this file.  The result status says whether
 * the goal was reached; an error return means nothing was attempted.
 *
 * Context: process context if @ops sleep; takes and drops the buddy lock,
 * never holds it across a callback.
 * Return: 0, -EINVAL for bad parameters, -ENOMEM for scanner metadata.
 */
int fl_compact_run(struct fl_buddy *b, const struct fl_compact_params *p,
		   const struct fl_compact_ops *ops, void *priv,
		   struct fl_compact_result *res)
{
	struct fl_compact_ctl cc = {
		.b = b, .p = p, .ops = ops, .priv = priv, .res = res,
	};
	u64 t0 = fl_ns();
	int order, ret;

	ret = fl_compact_check_params(b, p);
	if (ret || !res)
		return ret ? ret : -EINVAL;
	/* parked per-CPU pages would pin their pageblocks: drain_all_pages() */
	fl_buddy_drain_pcp(b);
	fl_memset(res, 0, sizeof(*res));
	res->hugepages_before = fl_compact_hugepages(b);
	res->status = fl_compact_suitable(b, p, res);
	/* a full compaction is the kernel's cc->order == -1 */
	order = p->mode == FL_COMPACT_ORDER ? (int)p->order : -1;
	fl_trace(fl_compaction_suitable, order, res->status);
	if (res->status != FL_COMPACT_SUCCESS) {
		fl_memcpy(res->nr_free_after, res->nr_free_before,
			  sizeof(res->nr_free_after));
		res->hugepages_after = res->hugepages_before;
		res->time_ns = fl_ns() - t0;
		return 0;
	}
	cc.nr_pb = fl_buddy_nr_pageblocks(b);
	fl_trace(fl_compaction_begin, 0, fl_buddy_nr_pages(b),
		 fl_buddy_nr_pages(b), order, res->status);
	if (p->policy == FL_COMPACT_POLICY_KERNEL) {
		cc.next = fl_zalloc(sizeof(*cc.next) * (fl_buddy_nr_pages(b) + 1));
		/* a finished pageblock: at most one allocation per page */
		cc.batch = fl_zalloc(sizeof(*cc.batch) * FL_PB_PAGES);
		if (!cc.next || !cc.batch) {
			ret = -ENOMEM;
			goto out_free;
		}
		fl_lock(__fl_buddy_lock(b));
		fl_compact_find_blockers(&cc);
		fl_kc_scan(&cc);
		fl_unlock(__fl_buddy_lock(b));
	} else {
		cc.pbc = fl_zalloc(sizeof(*cc.pbc) * (cc.nr_pb + 1));
		/* perm, then the sort keys, then the counting-sort buckets */
		cc.perm = fl_zalloc(sizeof(*cc.perm) *
				    (2 * (cc.nr_pb + 1) + FL_PB_PAGES + 2));
		if (!cc.pbc || !cc.perm) {
			ret = -ENOMEM;
			goto out_free;
		}
		cc.free_r = cc.nr_pb ? cc.nr_pb - 1 : 0;
		fl_lock(__fl_buddy_lock(b));
		fl_compact_order(&cc, cc.perm + cc.nr_pb + 1,
				 cc.perm + 2 * (cc.nr_pb + 1));
		fl_compact_scan(&cc);
		fl_unlock(__fl_buddy_lock(b));
	}
	res->status = fl_compact_status(&cc);
	res->hugepages_after = fl_compact_hugepages(b);
	res->time_ns = fl_ns() - t0;
	fl_trace(fl_compaction_end, cc.migrate_pfn, cc.free_pfn,
		 fl_buddy_nr_pages(b), order, res->status);
out_free:
	fl_free(cc.pbc);
	fl_free(cc.perm);
	fl_free(cc.next);
	fl_free(cc.batch);
	return ret;
}

/**
 * fl_compact_hugepages() - free 2 MiB blocks now.
 * @b: the buddy.
 *
 * Counts pageblocks that are entirely free and inside one chunk: with
 * max_order >= 9 this is nr_free[9] + 2 * nr_free[10].  The lock is
 * dropped with a reschedule point every FL_COMPACT_SCAN_PBS pageblocks.
 *
 * Context: process context; takes the buddy lock.
 * Return: the number of such pageblocks.
 */
u64 fl_compact_hugepages(struct fl_buddy *b)
{
	struct fl_compact_pbinfo in;
	u32 pb, n = fl_buddy_nr_pageblocks(b);
	u64 hp = 0;

	fl_lock(__fl_buddy_lock(b));
	for (pb = 0; pb < n; pb++) {
		if (pb && !(pb % FL_COMPACT_SCAN_PBS)) {
			fl_unlock(__fl_buddy_lock(b));
			fl_cond_resched();
			fl_lock(__fl_buddy_lock(b));
		}
		fl_compact_pb_scan(b, pb, 0, &in);
		if (in.complete && in.free_pages == FL_PB_PAGES)
			hp++;
	}
	fl_unlock(__fl_buddy_lock(b));
	return hp;
}

/**
 * fl_compact_score() - the fragmentation score of the arena at @order.
 * @b: the buddy.
 * @order: usually 9.
 *
 * fragmentation_score_zone() of mm/compaction.c: extfrag_for_order(),
 * the percentage of free pages in blocks smaller than 2^@order.
 *
 * Context: takes the buddy lock.
 * Return: 0..100.
 */
unsigned int fl_compact_score(struct fl_buddy *b, unsigned int order)
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(b, &st);
	return fl_metrics_extfrag_for_order(st.nr_free,
					    order > FL_MAX_ORDER ? FL_MAX_ORDER : order);
}

/* ------------------------------------------------------------ prediction */

struct fl_compact_clone {
	struct fl_chunk *chunks;
	u32 nr_chunks;
	u8 *pb_mt;		/* pageblock types, -1 (0xff) = incomplete */
	struct fl_buddy_req *reqs;
	u32 *idx;
	u32 nr_allocs;
};

/* Pages a prediction walks per hold of a buddy lock (the kernel's step). */
#define FL_COMPACT_PRED_STEP	4096
/* Walks of the real arena fl_compact_predict() starts before -EAGAIN. */
#define FL_COMPACT_PRED_TRIES	8

/*
 * How a prediction walks a buddy in holds of its lock: @step pages per
 * hold (0: one hold), @pause between two holds.  On the real arena
 * (@check) a hold that finds __fl_buddy_changes() moved since @then ends
 * the walk with -EAGAIN and it starts over, so the clone and the counts
 * are of one state; the clone is the prediction's own and not checked.
 */
struct fl_compact_pace {
	struct fl_buddy *b;
	u32 step;
	void (*pause)(void *arg);
	void *arg;
	bool check;
	u64 then;
	u64 budget;
};

/* Take @pc->b's lock for a walk. */
static void fl_compact_pace_begin(struct fl_compact_pace *pc)
{
	fl_lock(__fl_buddy_lock(pc->b));
	pc->then = __fl_buddy_changes(pc->b);
	pc->budget = pc->step;
}

/*
 * Count @cost pages walked; once the budget is spent, drop the lock,
 * pause, take it again.  Lock held.  Return: false if the buddy changed
 * meanwhile (checked walks only).
 */
static bool fl_compact_pace(struct fl_compact_pace *pc, u64 cost)
{
	pc->budget -= cost < pc->budget ? cost : pc->budget;
	if (!pc->step || pc->budget)
		return true;
	fl_unlock(__fl_buddy_lock(pc->b));
	if (pc->pause)
		pc->pause(pc->arg);
	fl_lock(__fl_buddy_lock(pc->b));
	pc->budget = pc->step;
	return !pc->check || __fl_buddy_changes(pc->b) == pc->then;
}

/* Allocated blocks now: the size of the snapshot's arrays (+ slack). */
static u32 fl_compact_count_allocs(const struct fl_compact_pace *how)
{
	struct fl_compact_pace pc = *how;
	struct fl_buddy *b = pc.b;
	struct fl_page_info pi;
	u32 i, n = 0;

	fl_compact_pace_begin(&pc);
	for (i = __fl_buddy_next_block(b, 0, &pi); i != FL_BUDDY_NONE;
	     i = __fl_buddy_next_block(b, i + (1U << pi.order), &pi)) {
		n += pi.state == FL_PAGE_ALLOC_HEAD;
		/* a change only changes the estimate: the snapshot checks */
		fl_compact_pace(&pc, 1U << pi.order);
	}
	fl_unlock(__fl_buddy_lock(b));
	return n;
}

/*
 * Record chunks and allocations.  Lock held (dropped and taken again
 * between holds).  -EAGAIN if more appeared or the arena changed.
 */
static int __fl_compact_snapshot(struct fl_compact_pace *pc,
				 struct fl_compact_clone *c,
				 u32 max_chunks, u32 max_allocs)
{
	struct fl_buddy *b = pc->b;
	struct fl_page_info pi;
	struct fl_chunk *ch = NULL;
	u32 i, next;

	c->nr_chunks = 0;
	c->nr_allocs = 0;
	for (i = 0; i < fl_buddy_nr_pageblocks(b); i++) {
		c->pb_mt[i] = (u8)__fl_buddy_pageblock_mt(b, i);
		if (!fl_compact_pace(pc, 1))
			return -EAGAIN;
	}
	for (i = __fl_buddy_next_block(b, 0, &pi); i != FL_BUDDY_NONE;
	     i = __fl_buddy_next_block(b, next, &pi)) {
		next = i + (1U << pi.order);
		if (!ch || ch->start + ch->nr_pages != i) {
			if (c->nr_chunks >= max_chunks)
				return -EAGAIN;
			ch = &c->chunks[c->nr_chunks++];
			ch->start = i;
			ch->nr_pages = 0;
			ch->vaddr = NULL;
		}
		ch->nr_pages += 1U << pi.order;
		/* parked per-CPU pages: free once compaction has drained */
		if (pi.state == FL_PAGE_ALLOC_HEAD &&
		    pi.owner_kind != FL_OWN_PCP) {
			if (c->nr_allocs >= max_allocs)
				return -EAGAIN;
			fl_memset(&c->reqs[c->nr_allocs], 0, sizeof(c->reqs[0]));
			c->reqs[c->nr_allocs].order = pi.order;
			c->reqs[c->nr_allocs].mt = pi.mt;
			c->reqs[c->nr_allocs].owner_kind = pi.owner_kind;
			c->reqs[c->nr_allocs].requested = pi.requested;
			c->idx[c->nr_allocs++] = i;
		}
		if (!fl_compact_pace(pc, 1U << pi.order))
			return -EAGAIN;
	}
	return c->nr_chunks ? 0 : -EINVAL;
}

/* fl_compact_classify()'s answer when the arena changed under the walk. */
#define FL_COMPACT_CHANGED	(~0ULL)

/*
 * Counts and blockers of the pageblocks into @pred (unless NULL).  Lock
 * held, paced by @pc.  Return: the entirely free complete pageblocks (the
 * count of fl_compact_hugepages()), or FL_COMPACT_CHANGED.
 */
static u64 fl_compact_classify(struct fl_compact_pace *pc,
			       struct fl_compact_pred *pred)
{
	struct fl_compact_pbinfo in;
	u32 pb, n = fl_buddy_nr_pageblocks(pc->b);
	u64 hp = 0;

	for (pb = 0; pb < n; pb++) {
		fl_compact_pb_scan(pc->b, pb, 0, &in);
		if (in.complete && in.free_pages == FL_PB_PAGES)
			hp++;
		if (!pred || !in.complete) {
			/* nothing to count */
		} else if (pred->nr_pageblocks++, in.pinned) {
			pred->pb_blocked++;
			if (pred->nr_blockers < FL_COMPACT_MAX_BLOCKERS)
				pred->blockers[pred->nr_blockers++] = in.blocker;
		} else if (in.huge) {
			pred->pb_huge++;
		} else if (in.free_pages == FL_PB_PAGES) {
			pred->pb_free++;
		} else {
			pred->pb_movable++;
			pred->movable_pages += in.movable_pages;
		}
		if (!fl_compact_pace(pc, FL_PB_PAGES))
			return FL_COMPACT_CHANGED;
	}
	return hp;
}

static void fl_compact_clone_free(struct fl_compact_clone *c)
{
	fl_free(c->chunks);
	fl_free(c->reqs);
	fl_free(c->idx);
	fl_free(c->pb_mt);
	fl_memset(c, 0, sizeof(*c));
}

/* A metadata-only buddy with the same layout as the snapshot. */
static struct fl_buddy *fl_compact_build(struct fl_buddy *b,
					 const struct fl_compact_clone *c,
					 const struct fl_compact_pace *how)
{
	struct fl_compact_pace pc = *how;
	struct fl_buddy *sim;
	u32 i;
	int ret = 0;

	sim = fl_buddy_create(c->chunks, c->nr_chunks, fl_buddy_max_order(b),
			      fl_buddy_grouping(b));
	if (!sim)
		return NULL;
	/* the clone is the prediction's own: paced, never changed by others */
	pc.b = sim;
	pc.check = false;
	fl_compact_pace_begin(&pc);
	for (i = 0; i < c->nr_allocs && !ret; i++) {
		ret = __fl_buddy_alloc_at(sim, c->idx[i], &c->reqs[i]);
		fl_compact_pace(&pc, 1U << c->reqs[i].order);
	}
	/* the kernel policy's free scanner reads pageblock types */
	for (i = 0; i < fl_buddy_nr_pageblocks(sim) && !ret; i++) {
		fl_compact_pace(&pc, 1);
		if (c->pb_mt[i] >= FL_MT_TYPES ||
		    __fl_buddy_pageblock_mt(sim, i) == c->pb_mt[i])
			continue;
		ret = __fl_buddy_set_pageblock_mt(sim, i, c->pb_mt[i]);
		if (ret == -ENOENT)	/* with a hole: no scanner uses it */
			ret = 0;
	}
	fl_unlock(__fl_buddy_lock(sim));
	if (fl_warn_once(ret)) {
		fl_buddy_destroy(sim);
		return NULL;
	}
	return sim;
}

/* Hugepages after a simulated run of @mode; *status gets its result. */
static int fl_compact_simulate(struct fl_buddy *b,
			       const struct fl_compact_clone *c, u32 mode,
			       u32 policy, const struct fl_compact_pace *how,
			       u64 *hugepages, u32 *status)
{
	struct fl_compact_params p = {
		.mode = mode, .order = FL_PAGEBLOCK_ORDER, .policy = policy,
	};
	struct fl_compact_result *res;
	struct fl_buddy *sim;
	int ret;

	if (fl_buddy_max_order(b) < FL_PAGEBLOCK_ORDER)
		p.order = fl_buddy_max_order(b);
	res = fl_zalloc(sizeof(*res));
	sim = fl_compact_build(b, c, how);
	ret = (!res || !sim) ? -ENOMEM : 0;
	if (!ret)
		ret = fl_compact_run(sim, &p, NULL, NULL, res);
	if (!ret) {
		struct fl_compact_pace pc = *how;

		pc.b = sim;
		pc.check = false;
		fl_compact_pace_begin(&pc);
		*hugepages = fl_compact_classify(&pc, NULL);
		fl_unlock(__fl_buddy_lock(sim));
		*status = res->status;
	}
	if (sim)
		fl_buddy_destroy(sim);
	fl_free(res);
	return ret;
}

/*
 * Clone the real arena's layout and classify its pageblocks, all of one
 * state of it: every hold checks that nothing changed since the first.
 * Return: 0, -ENOMEM, -EINVAL (no chunk), -EAGAIN (changed: try again).
 */
static int fl_compact_snapshot(const struct fl_compact_pace *how,
			       struct fl_compact_clone *c,
			       struct fl_compact_pred *pred)
{
	struct fl_compact_pace pc = *how;
	struct fl_buddy *b = pc.b;
	u32 max_chunks = (fl_buddy_nr_pages(b) >> FL_MAX_ORDER) + 1;
	u32 max_allocs = fl_compact_count_allocs(how) + 64;
	struct fl_buddy_stats st;
	u64 hp = 0;
	int ret;

	fl_memset(c, 0, sizeof(*c));
	c->chunks = fl_zalloc(sizeof(*c->chunks) * max_chunks);
	c->reqs = fl_zalloc(sizeof(*c->reqs) * max_allocs);
	c->idx = fl_zalloc(sizeof(*c->idx) * max_allocs);
	c->pb_mt = fl_zalloc(fl_buddy_nr_pageblocks(b) + 1);
	if (!c->chunks || !c->reqs || !c->idx || !c->pb_mt) {
		fl_compact_clone_free(c);
		return -ENOMEM;
	}
	pc.check = true;
	fl_compact_pace_begin(&pc);
	ret = __fl_compact_snapshot(&pc, c, max_chunks, max_allocs);
	if (!ret) {
		hp = fl_compact_classify(&pc, pred);
		if (hp == FL_COMPACT_CHANGED)
			ret = -EAGAIN;
	}
	fl_unlock(__fl_buddy_lock(b));
	if (!ret) {
		fl_buddy_get_stats(b, &st);
		fl_lock(__fl_buddy_lock(b));
		if (__fl_buddy_changes(b) != pc.then)
			ret = -EAGAIN;
		fl_unlock(__fl_buddy_lock(b));
	}
	if (ret) {
		fl_compact_clone_free(c);
		return ret;
	}
	pred->hugepages_now = hp;
	pred->free_pages = st.free_pages;
	fl_memcpy(pred->nr_free, st.nr_free, sizeof(pred->nr_free));
	return 0;
}

/**
 * fl_compact_predict_paced() - fl_compact_predict() in bounded holds.
 * @b: the buddy.
 * @policy: enum fl_compact_policy of the predicted runs.
 * @pred: out, as for fl_compact_predict().
 * @step: pages walked per hold of a buddy lock (the arena's, then the
 *        clone's); 0: each walk in one hold.
 * @pause: called between two holds with the lock dropped (the kernel:
 *         cond_resched()); may be NULL.
 * @arg: passed to @pause.
 *
 * The clone of the layout, the pageblock types, the classification and
 * the free counts are of one state of the arena: a hold that finds the
 * arena changed (__fl_buddy_changes()) since the first one starts the
 * walk over, FL_COMPACT_PRED_TRIES times at most, as
 * fl_buddy_check_paced() does.  The clone is built and counted in holds
 * too; the simulated runs reschedule as real ones do.
 *
 * Context: process context (allocates metadata); takes the buddy lock;
 * @pause may sleep if the caller may.
 * Return: 0, -ENOMEM, -EINVAL for a bad policy, or -EAGAIN if the arena
 * changed during every walk.
 */
int fl_compact_predict_paced(struct fl_buddy *b, u32 policy,
			     struct fl_compact_pred *pred, u32 step,
			     void (*pause)(void *arg), void *arg)
{
	struct fl_compact_pace pc = { .b = b, .step = step, .pause = pause,
				      .arg = arg };
	struct fl_compact_clone c;
	int ret = -EAGAIN, tries;

	if (!b || !pred || policy >= FL_COMPACT_NR_POLICIES)
		return -EINVAL;
	/* a run drains the per-CPU lists first: predict from there */
	fl_buddy_drain_pcp(b);
	for (tries = 0; tries < FL_COMPACT_PRED_TRIES && ret == -EAGAIN;
	     tries++) {
		fl_memset(pred, 0, sizeof(*pred));
		pred->policy = policy;
		ret = fl_compact_snapshot(&pc, &c, pred);
	}
	if (ret)
		return ret;
	/* every pageblock needs 512 free pages, wherever the data goes */
	pred->obtainable_max = pred->pb_free + pred->pb_movable;
	if (pred->obtainable_max > pred->free_pages >> FL_PAGEBLOCK_ORDER)
		pred->obtainable_max = pred->free_pages >> FL_PAGEBLOCK_ORDER;
	ret = fl_compact_simulate(b, &c, FL_COMPACT_FULL, policy, &pc,
				  &pred->predicted_full,
				  &pred->predicted_full_status);
	if (!ret)
		ret = fl_compact_simulate(b, &c, FL_COMPACT_ORDER, policy, &pc,
					  &pred->predicted_order,
					  &pred->predicted_order_status);
	fl_compact_clone_free(&c);
	return ret;
}

static void fl_compact_resched(void *arg)
{
	(void)arg;
	fl_cond_resched();
}

/**
 * fl_compact_predict() - how many 2 MiB blocks can the arena give?
 * @b: the buddy.
 * @policy: enum fl_compact_policy of the predicted runs.
 * @pred: out: now, upper bound, exact prediction for FULL and ORDER-9
 *        compaction, and the pinned pageblocks.
 *
 * The prediction runs fl_compact_run() on a metadata-only clone of the
 * layout (see the essay), so it equals what a real run obtains if the
 * arena does not change in between.  Like a run, it first gives the
 * pages parked on per-CPU lists back to the buddy (fl_buddy_drain_pcp()).
 * It walks the arena FL_COMPACT_PRED_STEP pages per hold of the buddy
 * lock with fl_cond_resched() between (fl_compact_predict_paced()).
 *
 * Context: process context (allocates metadata, reschedules); takes the
 * buddy lock.
 * Return: 0, -ENOMEM, -EINVAL for a bad policy, or -EAGAIN if the arena
 * kept changing.
 */
int fl_compact_predict(struct fl_buddy *b, u32 policy,
		       struct fl_compact_pred *pred)
{
	return fl_compact_predict_paced(b, policy, pred, FL_COMPACT_PRED_STEP,
					fl_compact_resched, NULL);
}
