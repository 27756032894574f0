/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_buddy.h - fraglab's binary buddy allocator (portable core).
 *
 * The arena is a page-index space 0..nr_pages-1 made of chunks.  Each
 * chunk is physically contiguous and starts at an index aligned to
 * 2^FL_MAX_ORDER pages; gaps between chunks are "holes" that never take
 * part in an allocation or a merge, so no block ever crosses a chunk
 * boundary.  All metadata (per-page state, order, owner, free-list links,
 * per-pageblock migrate type) lives in arrays allocated with fl_zalloc(),
 * outside the arena, like struct page.
 *
 * Locking: every fl_buddy_*() function takes the buddy's own lock
 * (a spinlock in the kernel, a mutex in userspace) and may be called from
 * any context that may take a spinlock.  __fl_buddy_*() variants (declared
 * in fl_buddy_internal.h for the rest of the core) expect the lock held.
 */
#ifndef FL_BUDDY_H
#define FL_BUDDY_H

#include "fl_port.h"

#define FL_MAX_ORDER		10	/* largest order supported (4 MiB) */
#define FL_NR_ORDERS		(FL_MAX_ORDER + 1)
#define FL_PAGEBLOCK_ORDER	9	/* 2 MiB: the HugePage order */
#define FL_PAGEBLOCK_PAGES	(1U << FL_PAGEBLOCK_ORDER)
#define FL_PCP_MAX_ORDER	3	/* PAGE_ALLOC_COSTLY_ORDER */
#define FL_PCP_ORDERS		(FL_PCP_MAX_ORDER + 1)
#define FL_PCP_HIGH_MAX		65536	/* pages per CPU */
#define FL_PCP_BATCH_MAX	63	/* the kernel's usual pcp->batch */

/* Same numbering and names as the kernel's enum migratetype. */
enum fl_migratetype {
	FL_MT_UNMOVABLE = 0,
	FL_MT_MOVABLE = 1,
	FL_MT_RECLAIMABLE = 2,
	FL_MT_TYPES = 3,
};

extern const char * const fl_migratetype_names[FL_MT_TYPES];

/* Who holds an allocated block (for maps, stats and compaction). */
enum fl_owner_kind {
	FL_OWN_NONE = 0,
	FL_OWN_USER = 1,	/* buddy allocation through /dev/fraglab */
	FL_OWN_SLAB = 2,	/* a slab of an fl_slab cache */
	FL_OWN_POOL = 3,	/* backing of a fit pool */
	FL_OWN_KERNEL = 4,	/* in-kernel user (self-test, bench) */
	FL_OWN_PCP = 5,		/* parked on a per-CPU list: not a request's */
};

/* Per-page state, as returned by fl_buddy_page_info(). */
enum fl_page_state {
	FL_PAGE_HOLE = 0,	/* not part of any chunk */
	FL_PAGE_FREE_HEAD,	/* first page of a free block */
	FL_PAGE_FREE_TAIL,	/* inside a free block */
	FL_PAGE_ALLOC_HEAD,	/* first page of an allocated block */
	FL_PAGE_ALLOC_TAIL,	/* inside an allocated block */
};

/**
 * struct fl_chunk - one physically contiguous piece of the arena.
 * @start: first page index; must be a multiple of 2^FL_MAX_ORDER and
 *         chunks must be sorted and non-overlapping.
 * @nr_pages: number of pages (any count >= 1).
 * @vaddr: kernel/user virtual address of the first page, or NULL for a
 *         metadata-only simulation (then contents are never touched).
 */
struct fl_chunk {
	u32 start;
	u32 nr_pages;
	void *vaddr;
};

/**
 * struct fl_buddy_req - one allocation request.
 * @order: block order, 0..max_order.
 * @mt: enum fl_migratetype of the allocation.
 * @owner_kind: enum fl_owner_kind.
 * @requested: bytes the caller asked for (for internal fragmentation
 *             accounting); 0 means the whole block.
 * @owner: opaque cookie kept with the block, handed back by compaction.
 * @__pad: must be zero
 */
struct fl_buddy_req {
	u32 order;
	u8 mt;
	u8 owner_kind;
	u16 __pad;
	u32 requested;
	u64 owner;
};

/**
 * struct fl_page_info - a snapshot of one page's metadata.
 * @state: enum fl_page_state
 * @order: order of the block this page heads (heads only)
 * @mt: allocation's migrate type (allocated heads only)
 * @owner_kind: allocated heads only
 * @head: index of the head page of the block holding it
 * @requested: allocated heads only
 * @owner: allocated heads only
 */
struct fl_page_info {
	u8 state;
	u8 order;
	u8 mt;
	u8 owner_kind;
	u32 head;
	u32 requested;
	u64 owner;
};

/**
 * struct fl_buddy_stats - the buddy's counters and settings.
 * @cnt: the counters as one struct fl_buddy_counters, the struct the buddy
 *       keeps them in: fl_buddy_get_stats() copies them with one
 *       assignment.  "live" ones describe the current state, the others
 *       count since creation.
 * @total_pages: pages in chunks (holes excluded)
 * @free_pages: live
 * @nr_free: live: free blocks per order
 * @alloc_ok: cumulative
 * @alloc_fail: cumulative
 * @fail_fragmented: cumulative: enough free pages, no block
 * @fail_nomem: cumulative: not enough free pages
 * @frees: cumulative
 * @splits: cumulative
 * @merges: cumulative
 * @fallbacks: cumulative: served from another mt list
 * @steals: cumulative: pageblocks converted
 * @nr_allocated: live: allocated blocks
 * @requested_bytes: live: sum of requested bytes
 * @granted_bytes: live: sum of block sizes
 * @pcp_pages: live: pages parked on per-CPU lists
 * @largest_free_order: live; FL_NR_ORDERS if nothing free
 * @max_order: largest order handed out
 * @pcp_high: per-CPU lists: 0 = off
 * @pcp_batch: per-CPU lists: pages moved per refill or bulk free
 *
 * The counters are declared once, here, with struct_group_tagged()
 * (include/linux/stddef.h, 6.1 and 6.12): the members are reached by name
 * (st->frees) and as the whole struct fl_buddy_counters (st->cnt), which
 * struct fl_buddy embeds.  A new counter is one line below.
 */
struct fl_buddy_stats {
	struct_group_tagged(fl_buddy_counters, cnt,
		u64 total_pages;
		u64 free_pages;
		u64 nr_free[FL_NR_ORDERS];
		u64 alloc_ok[FL_NR_ORDERS];
		u64 alloc_fail[FL_NR_ORDERS];
		u64 fail_fragmented;
		u64 fail_nomem;
		u64 frees;
		u64 splits;
		u64 merges;
		u64 fallbacks;
		u64 steals;
		u64 nr_allocated;
		u64 requested_bytes;
		u64 granted_bytes;
		u64 pcp_pages;
	);
	u32 largest_free_order;
	u32 max_order;
	u32 pcp_high;
	u32 pcp_batch;
};

/**
 * struct fl_pcp_info - one CPU's page lists (/proc/zoneinfo "pagesets").
 * @count: pages parked on this CPU's lists.
 * @high: free back to the buddy when @count reaches it.
 * @batch: pages moved per refill or bulk free.
 * @nr: blocks parked, per order and migrate type.
 */
struct fl_pcp_info {
	u32 count;
	u32 high;
	u32 batch;
	u32 nr[FL_PCP_ORDERS][FL_MT_TYPES];
};

/**
 * struct fl_seed_block - one block of a state given to fl_buddy_seed().
 * @idx: head page index, aligned to 2^@order.
 * @order: block order, 0..max_order.
 * @mt: free block: the free list it goes on; allocated block: the
 *      allocation's migrate type.
 * @free: 1 for a free block, 0 for an allocated one.
 * @__pad: zero.
 */
struct fl_seed_block {
	u32 idx;
	u8 order;
	u8 mt;
	u8 free;
	u8 __pad;
};

struct fl_buddy;

struct fl_buddy *fl_buddy_create(const struct fl_chunk *chunks, u32 nr_chunks,
				 u32 max_order, bool group_by_mobility);
void fl_buddy_destroy(struct fl_buddy *b);

int fl_buddy_alloc(struct fl_buddy *b, const struct fl_buddy_req *req,
		   u32 *idx);
int fl_buddy_free(struct fl_buddy *b, u32 idx);

int fl_buddy_set_pcp(struct fl_buddy *b, u32 high);
u32 fl_buddy_pcp_high(const struct fl_buddy *b);
void fl_buddy_drain_pcp(struct fl_buddy *b);
int fl_buddy_pcp_info(struct fl_buddy *b, u32 cpu, struct fl_pcp_info *info);

int fl_buddy_order_for_size(const struct fl_buddy *b, u64 bytes);
void fl_buddy_set_grouping(struct fl_buddy *b, bool on);
bool fl_buddy_grouping(const struct fl_buddy *b);
u32 fl_buddy_max_order(const struct fl_buddy *b);
u32 fl_buddy_nr_pages(const struct fl_buddy *b);	/* index space size */
u32 fl_buddy_nr_pageblocks(const struct fl_buddy *b);

void fl_buddy_get_stats(struct fl_buddy *b, struct fl_buddy_stats *st);
void fl_buddy_free_counts_mt(struct fl_buddy *b,
			     u64 nr_free[FL_MT_TYPES][FL_NR_ORDERS]);
void fl_buddy_pageblock_counts(struct fl_buddy *b, u64 nr_blocks[FL_MT_TYPES]);
int fl_buddy_pageblock_mt(struct fl_buddy *b, u32 pageblock);
int fl_buddy_page_info(struct fl_buddy *b, u32 idx, struct fl_page_info *pi);
void *fl_buddy_page_addr(const struct fl_buddy *b, u32 idx);
int fl_buddy_check(struct fl_buddy *b, char *msg, size_t len);
u32 fl_buddy_free_list(struct fl_buddy *b, u32 order, u32 mt, u32 *idx,
			u32 max);
int fl_buddy_seed(struct fl_buddy *b, const u8 *pb_mt,
		  const struct fl_seed_block *blk, u32 nr, char *msg,
		  size_t len);
int fl_buddy_check_paced(struct fl_buddy *b, char *msg, size_t len, u32 step,
			 void (*pause)(void *arg), void *arg);

#endif /* FL_BUDDY_H */
