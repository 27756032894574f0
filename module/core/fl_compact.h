/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_compact.h - buddy compaction and the arena HugePage prediction
 * (portable core).  See the essay at the top of fl_compact.c.
 */
#ifndef FL_COMPACT_H
#define FL_COMPACT_H

#include "fl_port.h"
#include "fl_buddy.h"

/* Modes (the same values as FRAGLAB_COMPACT_MODE_*). */
enum fl_compact_mode {
	FL_COMPACT_ORDER = 0,	/* until a free block of params.order exists */
	FL_COMPACT_FULL = 1,	/* until the scanners meet */
};

/* Policies (the same values as FRAGLAB_COMPACT_POLICY_*). */
enum fl_compact_policy {
	FL_COMPACT_POLICY_KERNEL = 0,	/* mm/compaction.c of Linux 6.12 */
	FL_COMPACT_POLICY_EMPTIEST = 1,	/* emptiest pageblocks first */
	FL_COMPACT_NR_POLICIES = 2,
};

extern const char * const fl_compact_policy_names[FL_COMPACT_NR_POLICIES];

/* Results (the same values as FRAGLAB_COMPACT_*). */
enum fl_compact_status {
	FL_COMPACT_SUCCESS = 0,
	FL_COMPACT_PARTIAL = 1,
	FL_COMPACT_NOT_SUITABLE = 2,
	FL_COMPACT_BLOCKED_UNMOVABLE = 3,
	FL_COMPACT_NOT_NEEDED = 4,
	FL_COMPACT_NR_STATUS = 5,
};

extern const char * const fl_compact_status_names[FL_COMPACT_NR_STATUS];

/* Params flags. */
#define FL_COMPACT_MOVABLE_ONLY	(1U << 0)	/* RECLAIMABLE pins too */
#define FL_COMPACT_FLAGS	FL_COMPACT_MOVABLE_ONLY

#define FL_COMPACT_DEFAULT_ORDER	FL_PAGEBLOCK_ORDER
#define FL_COMPACT_DEFAULT_THRESHOLD	500	/* vm.extfrag_threshold */
#define FL_COMPACT_MAX_BLOCKERS		16

/**
 * struct fl_compact_params - what to do.
 * @mode: enum fl_compact_mode.
 * @order: target order for FL_COMPACT_ORDER (0..max_order).
 * @flags: FL_COMPACT_*.
 * @threshold: fragmentation index threshold (0..1000); 0 = the default.
 * @policy: enum fl_compact_policy; 0 (zero-initialised) = the kernel's.
 */
struct fl_compact_params {
	u32 mode;
	u32 order;
	u32 flags;
	u32 threshold;
	u32 policy;
};

/**
 * struct fl_compact_blocker - a pageblock an unmovable allocation pins.
 * @pageblock: pageblock index.
 * @idx: head page index of one pinning allocation in it.
 * @order: that allocation's order.
 * @mt: its migrate type.
 * @owner_kind: its enum fl_owner_kind.
 * @__pad: zero.
 */
struct fl_compact_blocker {
	u32 pageblock;
	u32 idx;
	u8 order;
	u8 mt;
	u8 owner_kind;
	u8 __pad;
};

/**
 * struct fl_compact_result - what a run did.
 * @status: enum fl_compact_status.
 * @fragindex: fragmentation index for params.order before the run.
 * @pageblocks_scanned: pageblocks the migration scanner visited.
 * @nr_blocked: pinned pageblocks in the arena.
 * @migrate_scanned: pages the migration scanner looked at.
 * @free_scanned: pages the free scanner looked at.
 * @isolated: allocations picked for a move.
 * @moved: allocations moved.
 * @pages_moved: pages moved.
 * @bytes_copied: bytes copied (0 for a metadata-only buddy).
 * @time_ns: duration.
 * @nr_free_before: free blocks per order before.
 * @nr_free_after: free blocks per order after.
 * @hugepages_before: entirely free pageblocks before.
 * @hugepages_after: entirely free pageblocks after.
 * @nr_blockers: entries of @blockers filled.
 * @blockers: the first pinned pageblocks, in address order.
 * @suitable_min: ORDER mode: free pages must be above this for a run
 *                (kernel policy: watermark + compact_gap(); emptiest-first:
 *                2^order - 1); 0 for FULL.
 */
struct fl_compact_result {
	u32 status;
	s32 fragindex;
	u32 pageblocks_scanned;
	u32 nr_blocked;
	u64 migrate_scanned;
	u64 free_scanned;
	u64 isolated;
	u64 moved;
	u64 pages_moved;
	u64 bytes_copied;
	u64 time_ns;
	u64 nr_free_before[FL_NR_ORDERS];
	u64 nr_free_after[FL_NR_ORDERS];
	u64 hugepages_before;
	u64 hugepages_after;
	u32 nr_blockers;
	struct fl_compact_blocker blockers[FL_COMPACT_MAX_BLOCKERS];
	u64 suitable_min;
};

/**
 * struct fl_compact_ops - how the owner of allocations follows a move.
 * @prepare: called WITHOUT the buddy lock before an allocation moves; the
 *           kernel glue zaps user mappings here.  Nonzero return skips
 *           the allocation and ends the run (PARTIAL).
 * @moved: called WITHOUT the buddy lock after the move.
 * @stop: optional; polled between moves; true ends the run (PARTIAL).
 */
struct fl_compact_ops {
	int (*prepare)(void *priv, u8 owner_kind, u64 owner);
	void (*moved)(void *priv, u8 owner_kind, u64 owner, u32 old_idx,
		      u32 new_idx, u32 order);
	bool (*stop)(void *priv);
};

/**
 * struct fl_compact_pred - the arena HugePage prediction (issue 7).
 * "Hugepages" are 2 MiB units: entirely free complete pageblocks.
 * @free_pages: free pages now.
 * @nr_free: free blocks per order now.
 * @hugepages_now: entirely free pageblocks now.
 * @nr_pageblocks: complete pageblocks (entirely inside one chunk).
 * @pb_free: entirely free ones.
 * @pb_movable: ones holding only free pages and movable user allocations.
 * @pb_blocked: ones pinned by an unmovable allocation.
 * @pb_huge: ones covered by an allocation of order >= 9.
 * @movable_pages: allocated pages in the @pb_movable pageblocks.
 * @obtainable_max: min(@pb_free + @pb_movable, @free_pages / 512): the
 *                  upper bound.
 * @predicted_full: hugepages after a FULL compaction now (exact).
 * @predicted_order: hugepages after an ORDER-mode order-9 compaction now.
 * @predicted_full_status: the status that FULL run would report.
 * @predicted_order_status: the status that ORDER run would report.
 * @nr_blockers: entries of @blockers filled.
 * @blockers: the first pinned pageblocks, in address order.
 * @policy: the policy both predicted runs use.
 */
struct fl_compact_pred {
	u64 free_pages;
	u64 nr_free[FL_NR_ORDERS];
	u64 hugepages_now;
	u32 nr_pageblocks;
	u32 pb_free;
	u32 pb_movable;
	u32 pb_blocked;
	u32 pb_huge;
	u64 movable_pages;
	u64 obtainable_max;
	u64 predicted_full;
	u64 predicted_order;
	u32 predicted_full_status;
	u32 predicted_order_status;
	u32 nr_blockers;
	struct fl_compact_blocker blockers[FL_COMPACT_MAX_BLOCKERS];
	u32 policy;
};

/**
 * struct fl_compact_wmarks - what stands in for a zone's watermarks.
 * @min_free_kbytes: calculate_min_free_kbytes() for an arena-sized machine.
 * @min: min_wmark_pages().
 * @low: low_wmark_pages().
 */
struct fl_compact_wmarks {
	u64 min_free_kbytes;
	u64 min;
	u64 low;
};

void fl_compact_watermarks(u64 managed_pages, struct fl_compact_wmarks *w);

/**
 * fl_compact_suitable_min() - free pages a zone must have more than for
 * compaction at @order to run.
 * @wmark: the zone's watermark (low above PAGE_ALLOC_COSTLY_ORDER, else min).
 * @order: the order asked for.
 *
 * __compaction_suitable() (mm/compaction.c, 6.12): __zone_watermark_ok()
 * at order 0 against @wmark + compact_gap(@order), which holds when the
 * free pages are *above* it.  The arena's compaction and fragctl audit's
 * reading of the real zones both use this one rule.
 *
 * Context: any.
 * Return: @wmark + 2^(@order + 1).
 */
static inline u64 fl_compact_suitable_min(u64 wmark, u32 order)
{
	return wmark + (2ULL << order);
}
int fl_compact_run(struct fl_buddy *b, const struct fl_compact_params *p,
		   const struct fl_compact_ops *ops, void *priv,
		   struct fl_compact_result *res);
int fl_compact_predict(struct fl_buddy *b, u32 policy,
		       struct fl_compact_pred *pred);
int fl_compact_predict_paced(struct fl_buddy *b, u32 policy,
			     struct fl_compact_pred *pred, u32 step,
			     void (*pause)(void *arg), void *arg);
u64 fl_compact_hugepages(struct fl_buddy *b);
unsigned int fl_compact_score(struct fl_buddy *b, unsigned int order);

#endif /* FL_COMPACT_H */
