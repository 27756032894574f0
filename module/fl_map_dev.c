// SPDX-License-Identifier: GPL-2.0
/*
 * fl_map_dev.c - the arena map ioctl (command range 0x60-0x6f).
 *
 * FRAGLAB_IOC_PAGE_INFO reports, page by page, what the buddy's metadata
 * says: free / allocated / hole, the block's order and migrate type, who
 * owns it (userspace buddy allocation, slab, fit pool, in-kernel user),
 * and the pageblock with its migrate type.  That is what `fragctl map`
 * draws for the live arena.
 *
 * Pages are named by arena page index (byte offset >> PAGE_SHIFT), like
 * every other offset of the ABI; no PFN, kernel address or owner cookie
 * leaves the kernel.  FRAGLAB_PAGE_RANGE_START marks where physical
 * contiguity breaks (the first page of each fl_range): that decides the
 * segments of a fit pool, and lets fragctl replay --sim model the same
 * arena.
 *
 * The whole answer is built in a kernel buffer under fl_dev.lock (one
 * snapshot: no ioctl changes the arena meanwhile) and copied out after
 * the mutex is dropped: the user buffer may be an mmap() of /dev/fraglab,
 * whose fault handler takes fl_dev.lock too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "fl_batch.h"
#include "fl_map_dev.h"
#include "fl_page_uapi.h"

/* Fill @out[0..@count) for pages @first.. ; fl_dev.lock held. */
static int fl_map_fill(struct fraglab_page *out, u32 first, u32 count)
{
	const struct fl_arena *a = &fl_dev.arena;
	struct fl_page_pb_cache pbc = FL_PAGE_PB_CACHE_INIT;
	struct fl_buddy *b = fl_dev.buddy;
	struct fl_page_info pi;
	unsigned int r = 0;
	u32 i, idx;
	int ret;

	lockdep_assert_held(&fl_dev.lock);
	for (i = 0; i < count; i++) {
		struct fraglab_page *p = &out[i];

		idx = first + i;
		ret = fl_buddy_page_info(b, idx, &pi);
		if (ret)
			return ret;
		/* ranges are sorted by index */
		while (r < a->nr_ranges && a->ranges[r].index < idx)
			r++;
		if (r < a->nr_ranges && a->ranges[r].index == idx)
			p->flags |= FRAGLAB_PAGE_RANGE_START;
		fl_page_to_uapi(b, idx, &pi, &pbc, p);
		if (p->state != FRAGLAB_PAGE_ALLOCATED)
			continue;
		/*
		 * A userspace buddy block's owner cookie is its struct fl_obj
		 * (fl_buddy_dev.c); it lives as long as the block, and
		 * fl_dev.lock keeps both in place.
		 */
		if (pi.owner_kind == FL_OWN_USER && pi.owner) {
			const struct fl_obj *obj = (const void *)(unsigned long)pi.owner;

			if (obj->moves)
				p->flags |= FRAGLAB_PAGE_MOVED;
		}
	}
	return 0;
}

/**
 * fl_ioc_page_info() - FRAGLAB_IOC_PAGE_INFO.
 * @ff: the calling file (unused: the map shows every fd's allocations,
 *      as offsets and kinds only).
 * @karg: struct fraglab_page_info.
 * @made: unused.
 *
 * The pages go out through fl_copy_elems_out() after fl_dev.lock is
 * dropped; the header through the dispatcher.
 *
 * Context: process context, fl_dev.lock not held (taken for the snapshot).
 * Return: 0, -EINVAL, -ENOMEM or -EFAULT.
 */
long fl_ioc_page_info(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_page_info *q = karg;
	struct fraglab_page *buf;
	u32 index_pages;
	int ret;

	if (q->flags || q->index_pages || q->arena_pages ||
	    !fl_mem_is_zero(q->reserved, sizeof(q->reserved)))
		return -EINVAL;
	if (!q->count || q->count > FRAGLAB_PAGE_INFO_MAX)
		return -EINVAL;
	index_pages = fl_buddy_nr_pages(fl_dev.buddy);
	if (q->first >= index_pages || q->count > index_pages - q->first)
		return -EINVAL;

	buf = kvcalloc(q->count, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&fl_dev.lock);
	ret = fl_map_fill(buf, (u32)q->first, q->count);
	mutex_unlock(&fl_dev.lock);
	if (!ret && fl_copy_elems_out(q->ptr, buf, q->count, sizeof(*buf)) !=
		    q->count)
		ret = -EFAULT;
	if (!ret) {
		q->index_pages = index_pages;
		q->arena_pages = fl_dev.arena.nr_pages;
	}
	kvfree(buf);
	return ret;
}

const struct fl_subsys fl_map_subsys = {
	.name = "map",
	.nr_first = 0x60,
	.nr_last = 0x6f,
	.features = FRAGLAB_FEAT_MAP,
};
