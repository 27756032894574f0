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
 * The scanners
 * ------------
 * The kernel's scanners walk PFNs: migration from the zone start up, free
 * from the zone end down.  fraglab's walk a permutation of the pageblocks
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
 * The run ends when m reaches free_r or the last source, or in ORDER mode as soon as a free
 * block of the wanted order exists (checked after every move, like
 * compact_finished()).
 *
 * Suitability (compaction_suitable())
 * -----------------------------------
 * ORDER mode only (FULL is like /proc/sys/vm/compact_memory, which never
 * asks): NOT_NEEDED when a free block of the order already exists
 * (nothing is moved; "success" with zero work), NOT_SUITABLE when fewer
 * than 2^order pages are free, or, for orders above 3
 * (PAGE_ALLOC_COSTLY_ORDER), when the fragmentation index is 0..threshold:
 * a failure would be due to lack of memory, not fragmentation.
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
 * The compactor is deterministic: its decisions depend only on the arena
 * layout (which blocks are free, and the order, migrate type and owner
 * kind of allocated ones), never on free-list order, pageblock migrate
 * types, timing or contents.  fl_compact_predict() therefore clones the
 * layout into a metadata-only buddy (no virtual addresses, nothing is
 * copied) and runs the very same fl_compact_run() on it, FULL and ORDER
 * 9.  The predicted number of free 2 MiB blocks is exactly what a real
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

/* Lock held on entry and exit; dropped around the callbacks. */
static int fl_compact_move_one(struct fl_compact_ctl *cc, u32 src,
			       const struct fl_page_info *hp)
{
	const struct fl_compact_ops *ops = cc->ops;
	struct fl_buddy *b = cc->b;
	struct fl_page_info now;
	u32 target = FL_BUDDY_NONE, new_idx = FL_BUDDY_NONE;
	int tries, ret = -ENOSPC;

	if (fl_compact_find_target(cc, hp->order) == FL_BUDDY_NONE)
		return -ENOSPC;
	cc->res->isolated++;
	if (ops && ops->prepare) {
		fl_unlock(__fl_buddy_lock(b));
		ret = ops->prepare(cc->priv, hp->owner_kind, hp->owner);
		fl_lock(__fl_buddy_lock(b));
		if (ret) {
			cc->stopped = true;
			return ret;
		}
	}
	if (__fl_buddy_page_info(b, src, &now) ||
	    now.state != FL_PAGE_ALLOC_HEAD || now.owner != hp->owner ||
	    now.order != hp->order)
		return -EAGAIN;	/* freed or changed meanwhile: skip it */
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
static void fl_compact_scan(struct fl_compact_ctl *cc)
{
	struct fl_compact_result *res = cc->res;
	struct fl_compact_pbinfo in;

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
		if (fl_compact_migrate_pb(cc))
			return;
	}
}

/* ------------------------------------------------------------ the run */

/* compaction_suitable() for ORDER mode; FL_COMPACT_SUCCESS = go ahead. */
static u32 fl_compact_suitable(struct fl_buddy *b,
			       const struct fl_compact_params *p,
			       struct fl_compact_result *res)
{
	u32 threshold = p->threshold ? p->threshold :
			FL_COMPACT_DEFAULT_THRESHOLD;
	bool have = fl_compact_have_order(b, p->order, res->nr_free_before);
	u64 free_pages;

	res->fragindex = fl_metrics_fragmentation_index(res->nr_free_before,
							p->order);
	if (p->mode != FL_COMPACT_ORDER)
		return FL_COMPACT_SUCCESS;
	if (have)
		return FL_COMPACT_NOT_NEEDED;
	free_pages = fl_metrics_free_pages(res->nr_free_before, FL_NR_ORDERS);
	if (free_pages < (1ULL << p->order))
		return FL_COMPACT_NOT_SUITABLE;
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
	if (cc->stopped)
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
	if (p->threshold > 1000)
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
	int ret;

	ret = fl_compact_check_params(b, p);
	if (ret || !res)
		return ret ? ret : -EINVAL;
	/* parked per-CPU pages would pin their pageblocks: drain_all_pages() */
	fl_buddy_drain_pcp(b);
	fl_memset(res, 0, sizeof(*res));
	res->hugepages_before = fl_compact_hugepages(b);
	res->status = fl_compact_suitable(b, p, res);
	if (res->status != FL_COMPACT_SUCCESS) {
		fl_memcpy(res->nr_free_after, res->nr_free_before,
			  sizeof(res->nr_free_after));
		res->hugepages_after = res->hugepages_before;
		res->time_ns = fl_ns() - t0;
		return 0;
	}
	cc.nr_pb = fl_buddy_nr_pageblocks(b);
	cc.pbc = fl_zalloc(sizeof(*cc.pbc) * (cc.nr_pb + 1));
	/* perm, then the sort keys, then the counting-sort buckets */
	cc.perm = fl_zalloc(sizeof(*cc.perm) *
			    (2 * (cc.nr_pb + 1) + FL_PB_PAGES + 2));
	if (!cc.pbc || !cc.perm) {
		fl_free(cc.pbc);
		fl_free(cc.perm);
		return -ENOMEM;
	}
	cc.free_r = cc.nr_pb ? cc.nr_pb - 1 : 0;

	fl_lock(__fl_buddy_lock(b));
	fl_compact_order(&cc, cc.perm + cc.nr_pb + 1,
			 cc.perm + 2 * (cc.nr_pb + 1));
	fl_compact_scan(&cc);
	fl_unlock(__fl_buddy_lock(b));

	fl_free(cc.pbc);
	fl_free(cc.perm);
	res->status = fl_compact_status(&cc);
	res->hugepages_after = fl_compact_hugepages(b);
	res->time_ns = fl_ns() - t0;
	return 0;
}
FL_EXPORT(fl_compact_run);

/* Entirely free complete pageblocks.  Context: lock held. */
static u64 __fl_compact_hugepages(struct fl_buddy *b)
{
	struct fl_compact_pbinfo in;
	u32 pb, n = fl_buddy_nr_pageblocks(b);
	u64 hp = 0;

	for (pb = 0; pb < n; pb++) {
		fl_compact_pb_scan(b, pb, 0, &in);
		if (in.complete && in.free_pages == FL_PB_PAGES)
			hp++;
	}
	return hp;
}

/**
 * fl_compact_hugepages() - free 2 MiB blocks now.
 * @b: the buddy.
 *
 * Counts pageblocks that are entirely free and inside one chunk: with
 * max_order >= 9 this is nr_free[9] + 2 * nr_free[10].
 *
 * Context: takes the buddy lock.
 * Return: the number of such pageblocks.
 */
u64 fl_compact_hugepages(struct fl_buddy *b)
{
	u64 hp;

	fl_lock(__fl_buddy_lock(b));
	hp = __fl_compact_hugepages(b);
	fl_unlock(__fl_buddy_lock(b));
	return hp;
}
FL_EXPORT(fl_compact_hugepages);

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
FL_EXPORT(fl_compact_score);

/* ------------------------------------------------------------ prediction */

struct fl_compact_clone {
	struct fl_chunk *chunks;
	u32 nr_chunks;
	struct fl_buddy_req *reqs;
	u32 *idx;
	u32 nr_allocs;
};

static u32 fl_compact_count_allocs(struct fl_buddy *b)
{
	struct fl_page_info pi;
	u32 i, n = 0;

	fl_lock(__fl_buddy_lock(b));
	for (i = __fl_buddy_next_block(b, 0, &pi); i != FL_BUDDY_NONE;
	     i = __fl_buddy_next_block(b, i + (1U << pi.order), &pi))
		n += pi.state == FL_PAGE_ALLOC_HEAD;
	fl_unlock(__fl_buddy_lock(b));
	return n;
}

/* Record chunks and allocations.  Lock held.  -EAGAIN if more appeared. */
static int __fl_compact_snapshot(struct fl_buddy *b, struct fl_compact_clone *c,
				 u32 max_chunks, u32 max_allocs)
{
	struct fl_page_info pi;
	struct fl_chunk *ch = NULL;
	u32 i;

	c->nr_chunks = 0;
	c->nr_allocs = 0;
	for (i = __fl_buddy_next_block(b, 0, &pi); i != FL_BUDDY_NONE;
	     i = __fl_buddy_next_block(b, i + (1U << pi.order), &pi)) {
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
		if (pi.state != FL_PAGE_ALLOC_HEAD || pi.owner_kind == FL_OWN_PCP)
			continue;
		if (c->nr_allocs >= max_allocs)
			return -EAGAIN;
		fl_memset(&c->reqs[c->nr_allocs], 0, sizeof(c->reqs[0]));
		c->reqs[c->nr_allocs].order = pi.order;
		c->reqs[c->nr_allocs].mt = pi.mt;
		c->reqs[c->nr_allocs].owner_kind = pi.owner_kind;
		c->reqs[c->nr_allocs].requested = pi.requested;
		c->idx[c->nr_allocs++] = i;
	}
	return c->nr_chunks ? 0 : -EINVAL;
}

static void fl_compact_clone_free(struct fl_compact_clone *c)
{
	fl_free(c->chunks);
	fl_free(c->reqs);
	fl_free(c->idx);
	fl_memset(c, 0, sizeof(*c));
}

static int fl_compact_snapshot(struct fl_buddy *b, struct fl_compact_clone *c)
{
	u32 max_chunks = (fl_buddy_nr_pages(b) >> FL_MAX_ORDER) + 1;
	u32 max_allocs = fl_compact_count_allocs(b) + 64;
	int ret;

	fl_memset(c, 0, sizeof(*c));
	c->chunks = fl_zalloc(sizeof(*c->chunks) * max_chunks);
	c->reqs = fl_zalloc(sizeof(*c->reqs) * max_allocs);
	c->idx = fl_zalloc(sizeof(*c->idx) * max_allocs);
	if (!c->chunks || !c->reqs || !c->idx) {
		fl_compact_clone_free(c);
		return -ENOMEM;
	}
	fl_lock(__fl_buddy_lock(b));
	ret = __fl_compact_snapshot(b, c, max_chunks, max_allocs);
	fl_unlock(__fl_buddy_lock(b));
	if (ret)
		fl_compact_clone_free(c);
	return ret;
}

/* A metadata-only buddy with the same layout as the snapshot. */
static struct fl_buddy *fl_compact_build(struct fl_buddy *b,
					 const struct fl_compact_clone *c)
{
	struct fl_buddy *sim;
	u32 i;
	int ret = 0;

	sim = fl_buddy_create(c->chunks, c->nr_chunks, fl_buddy_max_order(b),
			      fl_buddy_grouping(b));
	if (!sim)
		return NULL;
	fl_lock(__fl_buddy_lock(sim));
	for (i = 0; i < c->nr_allocs && !ret; i++)
		ret = __fl_buddy_alloc_at(sim, c->idx[i], &c->reqs[i]);
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
			       u64 *hugepages, u32 *status)
{
	struct fl_compact_params p = {
		.mode = mode, .order = FL_PAGEBLOCK_ORDER,
	};
	struct fl_compact_result *res;
	struct fl_buddy *sim;
	int ret;

	if (fl_buddy_max_order(b) < FL_PAGEBLOCK_ORDER)
		p.order = fl_buddy_max_order(b);
	res = fl_zalloc(sizeof(*res));
	sim = fl_compact_build(b, c);
	ret = (!res || !sim) ? -ENOMEM : 0;
	if (!ret)
		ret = fl_compact_run(sim, &p, NULL, NULL, res);
	if (!ret) {
		*hugepages = fl_compact_hugepages(sim);
		*status = res->status;
	}
	if (sim)
		fl_buddy_destroy(sim);
	fl_free(res);
	return ret;
}

/* Counts and blockers of the real arena.  Takes the lock. */
static void fl_compact_classify(struct fl_buddy *b, struct fl_compact_pred *pred)
{
	struct fl_compact_pbinfo in;
	u32 pb, n = fl_buddy_nr_pageblocks(b);

	fl_lock(__fl_buddy_lock(b));
	for (pb = 0; pb < n; pb++) {
		fl_compact_pb_scan(b, pb, 0, &in);
		if (!in.complete)
			continue;
		pred->nr_pageblocks++;
		if (in.pinned) {
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
	}
	pred->hugepages_now = __fl_compact_hugepages(b);
	fl_unlock(__fl_buddy_lock(b));
}

/**
 * fl_compact_predict() - how many 2 MiB blocks can the arena give?
 * @b: the buddy.
 * @pred: out: now, upper bound, exact prediction for FULL and ORDER-9
 *        compaction, and the pinned pageblocks.
 *
 * The prediction runs fl_compact_run() on a metadata-only clone of the
 * layout (see the essay), so it equals what a real run obtains if the
 * arena does not change in between.  Like a run, it first gives the
 * pages parked on per-CPU lists back to the buddy (fl_buddy_drain_pcp()).
 *
 * Context: process context (allocates metadata); takes the buddy lock.
 * Return: 0, -ENOMEM, or -EAGAIN if the arena kept changing.
 */
int fl_compact_predict(struct fl_buddy *b, struct fl_compact_pred *pred)
{
	struct fl_compact_clone c;
	struct fl_buddy_stats st;
	int ret, tries = 0;

	if (!b || !pred)
		return -EINVAL;
	fl_memset(pred, 0, sizeof(*pred));
	/* a run drains the per-CPU lists first: predict from there */
	fl_buddy_drain_pcp(b);
	do {
		ret = fl_compact_snapshot(b, &c);
	} while (ret == -EAGAIN && ++tries < 3);
	if (ret)
		return ret;
	fl_buddy_get_stats(b, &st);
	pred->free_pages = st.free_pages;
	fl_memcpy(pred->nr_free, st.nr_free, sizeof(pred->nr_free));
	fl_compact_classify(b, pred);
	/* every pageblock needs 512 free pages, wherever the data goes */
	pred->obtainable_max = pred->pb_free + pred->pb_movable;
	if (pred->obtainable_max > st.free_pages >> FL_PAGEBLOCK_ORDER)
		pred->obtainable_max = st.free_pages >> FL_PAGEBLOCK_ORDER;
	ret = fl_compact_simulate(b, &c, FL_COMPACT_FULL, &pred->predicted_full,
				  &pred->predicted_full_status);
	if (!ret)
		ret = fl_compact_simulate(b, &c, FL_COMPACT_ORDER,
					  &pred->predicted_order,
					  &pred->predicted_order_status);
	fl_compact_clone_free(&c);
	return ret;
}
FL_EXPORT(fl_compact_predict);
