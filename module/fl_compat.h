/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_compat.h - every kernel-version difference fraglab cares about.
 *
 * Supported: Debian 6.1 (cloud and PREEMPT_RT) and 6.12.  Nothing else in
 * module/ tests LINUX_VERSION_CODE.
 */
#ifndef FL_COMPAT_H
#define FL_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/slab.h>

/*
 * The largest buddy order, inclusive.  Before 6.4 MAX_ORDER was the number
 * of orders (11 on x86-64); 6.4 made it inclusive (10); 6.8 renamed it
 * MAX_PAGE_ORDER and added NR_PAGE_ORDERS.
 */
#if defined(MAX_PAGE_ORDER)
#define FL_KERNEL_MAX_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define FL_KERNEL_MAX_ORDER	(MAX_ORDER - 1)
#else
#define FL_KERNEL_MAX_ORDER	MAX_ORDER
#endif

#ifndef NR_PAGE_ORDERS
#define NR_PAGE_ORDERS		(FL_KERNEL_MAX_ORDER + 1)
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void fl_vma_set_flags(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void fl_vma_clear_flags(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * Migrate type of the pageblock holding @pfn, for the HugePage probe
 * (fl_probe.c).  get_pageblock_migratetype() calls
 * get_pfnblock_flags_mask(), which no kernel we support exports, so this
 * is mm/page_alloc.c's __get_pfnblock_flags_mask() for SPARSEMEM (the
 * layout is the same in 6.1 and 6.12: NR_PAGEBLOCK_BITS bits per
 * pageblock in the section's usemap, migrate type in the low
 * PB_migratetype_bits).  @pfn must be an online page (pfn_to_online_page()).
 * Returns MIGRATE_TYPES when the layout is unknown (not SPARSEMEM).
 */
static inline unsigned int fl_pageblock_migratetype(unsigned long pfn)
{
#ifdef CONFIG_SPARSEMEM
	struct mem_section *ms = __pfn_to_section(pfn);
	unsigned long bitidx, word;

	if (!ms || !ms->usage)
		return MIGRATE_TYPES;
	bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) *
		 NR_PAGEBLOCK_BITS;
	word = READ_ONCE(ms->usage->pageblock_flags[bitidx / BITS_PER_LONG]);
	return (word >> (bitidx & (BITS_PER_LONG - 1))) & MIGRATETYPE_MASK;
#else
	return MIGRATE_TYPES;
#endif
}

/*
 * A kmem_cache that no other cache is merged with, and that ignores
 * slub_debug= (the benchmarks' kernel side).  6.5 added SLAB_NO_MERGE.
 * Before it, a cache with a usercopy region is never an alias and never
 * a merge target: kmem_cache_create_usercopy() looks for an alias only
 * when usersize is 0, and slab_unmergeable() refuses caches with
 * s->usersize (mm/slab_common.c, 6.1).  The region only widens what
 * hardened usercopy lets copy_to/from_user() touch; it costs nothing on
 * the alloc/free paths.
 */
static inline struct kmem_cache *fl_kmem_cache_create_unmerged(const char *name,
							       unsigned int size)
{
#ifdef SLAB_NO_MERGE
	return kmem_cache_create(name, size, 0,
				 SLAB_NO_MERGE | SLAB_NO_USER_FLAGS, NULL);
#else
	return kmem_cache_create_usercopy(name, size, 0, SLAB_NO_USER_FLAGS,
					  0, size, NULL);
#endif
}

#endif /* FL_COMPAT_H */
