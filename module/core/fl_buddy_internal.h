/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_buddy_internal.h - buddy internals for the rest of the portable core
 * (compaction, slab, fit pools).  Not for the kernel glue.
 *
 * Every __fl_buddy_*() function here expects the buddy's lock to be held
 * by the caller: take it with fl_lock(__fl_buddy_lock(b)) and release it
 * with fl_unlock().  They never sleep and never allocate metadata.  The
 * public fl_buddy_*() functions must not be called with the lock held
 * (the lock is not recursive).
 */
#ifndef FL_BUDDY_INTERNAL_H
#define FL_BUDDY_INTERNAL_H

#include "fl_port.h"
#include "fl_buddy.h"

/* "No index": end of a walk, or "let the allocator choose" as a target. */
#define FL_BUDDY_NONE		0xffffffffU
#define FL_BUDDY_ANY		FL_BUDDY_NONE

/**
 * __fl_buddy_lock() - the buddy's lock, for callers of the __ variants.
 * @b: the buddy.
 *
 * Context: any.
 * Return: pointer to the lock protecting every field of @b.
 */
fl_lock_t *__fl_buddy_lock(struct fl_buddy *b);
u64 __fl_buddy_changes(const struct fl_buddy *b);

/**
 * __fl_buddy_page_info() - fl_buddy_page_info() with the lock held.
 * @b: the buddy.
 * @idx: any page index.
 * @pi: out: the page's metadata (tails report their block's head/order).
 *
 * Context: lock held.
 * Return: 0, or -EINVAL if @idx is outside the index space.
 */
int __fl_buddy_page_info(struct fl_buddy *b, u32 idx, struct fl_page_info *pi);

/**
 * __fl_buddy_next_block() - walk the arena block by block.
 * @b: the buddy.
 * @idx: where to start; a tail page starts at the next block after it,
 *       a hole at the next chunk.
 * @pi: out (may be NULL): metadata of the block found.
 *
 * Walk every block with ``for (i = __fl_buddy_next_block(b, 0, &pi);
 * i != FL_BUDDY_NONE; i = __fl_buddy_next_block(b, i + (1U << pi.order),
 * &pi))``.  Cost: O(max_order) per step plus O(log nr_chunks) per hole.
 *
 * Context: lock held.
 * Return: head index of the first block (free or allocated) starting at
 * or after @idx, or FL_BUDDY_NONE past the end.
 */
u32 __fl_buddy_next_block(struct fl_buddy *b, u32 idx, struct fl_page_info *pi);

/**
 * __fl_buddy_alloc_at() - allocate a block at a chosen free index.
 * @b: the buddy.
 * @target: head index wanted; must be aligned to 2^@req->order and lie
 *          inside a free block of order >= @req->order.
 * @req: the request.
 *
 * The free block containing @target is split down towards @target
 * (at most max_order steps); the other halves go back on the free list
 * of their pageblock's migrate type.  Pageblock types do not change.
 * Counted in alloc_ok like a normal allocation.
 *
 * Context: lock held.
 * Return: 0, -EINVAL for a bad request or misaligned/out-of-range/hole
 * @target, -EBUSY if @target is not inside a large enough free block.
 */
int __fl_buddy_alloc_at(struct fl_buddy *b, u32 target,
			const struct fl_buddy_req *req);

/**
 * __fl_buddy_move() - move an allocated block (compaction's primitive).
 * @b: the buddy.
 * @src: head index of an allocated block.
 * @target: free head index to move it to (see __fl_buddy_alloc_at()), or
 *          FL_BUDDY_ANY to let the allocator pick a block of the same
 *          order exactly as fl_buddy_alloc() would for the block's
 *          migrate type (fallbacks and stealing included).
 * @new_idx: out: the block's new head index.
 *
 * Allocates the target block, copies the contents (PAGE_SIZE << order
 * bytes, only if both blocks have a virtual address), carries the
 * metadata (mt, owner_kind, owner, requested) and frees the source
 * (which merges with its free buddies).  The cumulative alloc_ok/frees
 * counters are not touched (live counters stay exact); splits and merges
 * are counted.  The caller must make sure nobody uses the old location.
 *
 * Context: lock held.
 * Return: 0, -EINVAL if @src is not an allocated head or @target is
 * invalid, -EBUSY if @target is not free, -ENOMEM if FL_BUDDY_ANY found
 * no block.
 */
int __fl_buddy_move(struct fl_buddy *b, u32 src, u32 target, u32 *new_idx);

/**
 * __fl_buddy_pageblock_mt() - fl_buddy_pageblock_mt() with the lock held.
 * @b: the buddy.
 * @pageblock: pageblock number.
 *
 * Context: lock held.
 * Return: enum fl_migratetype, -EINVAL out of range, -ENOENT in a hole.
 */
int __fl_buddy_pageblock_mt(struct fl_buddy *b, u32 pageblock);

/**
 * __fl_buddy_set_pageblock_mt() - give a whole pageblock a migrate type.
 * @b: the buddy.
 * @pageblock: a pageblock entirely inside one chunk.
 * @mt: enum fl_migratetype.
 *
 * For the compaction prediction's clone, which must carry the arena's
 * pageblock types (the kernel policy's free scanner reads them).  The
 * pageblock's free blocks move to @mt's lists (move_freepages_block());
 * a block of order > pageblock order gives every pageblock it covers
 * the type.  Counters other than steals are not touched.
 *
 * Context: lock held.
 * Return: 0, -EINVAL for a bad pageblock or type, -ENOENT for a
 * pageblock not entirely inside one chunk (left alone).
 */
int __fl_buddy_set_pageblock_mt(struct fl_buddy *b, u32 pageblock, u8 mt);

/**
 * __fl_buddy_set_owner() - change the owner cookie of an allocated block.
 * @b: the buddy.
 * @idx: head index of an allocated block.
 * @owner_kind: enum fl_owner_kind.
 * @owner: new cookie.
 *
 * Context: lock held.
 * Return: 0, or -EINVAL if @idx is not an allocated head or @owner_kind
 * is unknown.
 */
int __fl_buddy_set_owner(struct fl_buddy *b, u32 idx, u8 owner_kind,
			 u64 owner);

/**
 * __fl_buddy_drain_pcp() - fl_buddy_drain_pcp() with the lock held.
 * @b: the buddy.
 *
 * Context: lock held.
 * Return: nothing.
 */
void __fl_buddy_drain_pcp(struct fl_buddy *b);

/**
 * __fl_buddy_check() - fl_buddy_check() with the lock already held.
 * @b: the buddy.
 * @msg: out (may be NULL): description of the first violation.
 * @len: size of @msg.
 *
 * Context: lock held.  O(nr_pages).
 * Return: 0 if consistent, -EUCLEAN on the first violation.
 */
int __fl_buddy_check(struct fl_buddy *b, char *msg, size_t len);

#endif /* FL_BUDDY_INTERNAL_H */
