/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_page_uapi.h - one arena page in FRAGLAB_IOC_PAGE_INFO form (struct
 * fraglab_page) from the buddy's struct fl_page_info.
 *
 * Glue, not core: the core knows nothing of the UAPI.  It is the one
 * translation shared by the kernel glue (module/fl_map_dev.c, the live
 * arena) and fragctl's simulated arena (userspace/fragctl/cmd_export.c,
 * map --trace, which includes it by its path), so a live map and a
 * simulated one cannot disagree on what a page is.
 */
#ifndef FL_PAGE_UAPI_H
#define FL_PAGE_UAPI_H

#include <linux/fraglab.h>
#include "fl_buddy.h"

/* The migrate type of the pageblock last looked up (pages come in order). */
struct fl_page_pb_cache {
	u32 pb;
	int mt;
};

#define FL_PAGE_PB_CACHE_INIT	{ .pb = ~0U, .mt = 0 }

static inline u32 fl_page_owner_uapi(u32 owner_kind)
{
	switch (owner_kind) {
	case FL_OWN_USER:
		return FRAGLAB_OWNER_BUDDY;
	case FL_OWN_SLAB:
		return FRAGLAB_OWNER_SLAB;
	case FL_OWN_POOL:
		return FRAGLAB_OWNER_POOL;
	case FL_OWN_PCP:
		return FRAGLAB_OWNER_PCP;
	default:
		return FRAGLAB_OWNER_OTHER;
	}
}

/*
 * Fill @p (zeroed by the caller; ->flags is only ORed into) for page @idx
 * of @b, whose state is @pi.  Holes get only their pageblock.
 */
static inline void fl_page_to_uapi(struct fl_buddy *b, u32 idx,
				   const struct fl_page_info *pi,
				   struct fl_page_pb_cache *pbc,
				   struct fraglab_page *p)
{
	p->pageblock = idx >> FL_PAGEBLOCK_ORDER;
	if (pi->state == FL_PAGE_HOLE)
		return;
	if (p->pageblock != pbc->pb) {
		pbc->pb = p->pageblock;
		pbc->mt = fl_buddy_pageblock_mt(b, pbc->pb);
		if (pbc->mt < 0)
			pbc->mt = 0;
	}
	p->pageblock_mt = pbc->mt;
	p->order = pi->order;
	p->migratetype = pi->mt;
	p->block_offset = idx - pi->head;
	if (pi->state == FL_PAGE_FREE_HEAD || pi->state == FL_PAGE_ALLOC_HEAD)
		p->flags |= FRAGLAB_PAGE_HEAD;
	if (pi->state == FL_PAGE_FREE_HEAD || pi->state == FL_PAGE_FREE_TAIL) {
		p->state = FRAGLAB_PAGE_FREE;
		return;
	}
	p->state = FRAGLAB_PAGE_ALLOCATED;
	p->owner = fl_page_owner_uapi(pi->owner_kind);
}

#endif /* FL_PAGE_UAPI_H */
