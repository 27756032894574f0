// SPDX-License-Identifier: GPL-2.0
/*
 * fl_kmalloc.c - fl_kmalloc()/fl_kfree()/fl_ksize() (portable core).
 *
 * Byte-sized requests are served from one of 13 caches named like the
 * kernel's: kmalloc-8 ... kmalloc-8k (the size-class table is in
 * fl_slab_common.c, as the kernel's is in mm/slab_common.c).  This file
 * reaches the allocator only through fl_slab_internal.h.  Each object
 * remembers the bytes asked for, so a cache's requested_bytes against
 * live_objs * object_size is its internal fragmentation at the size-class
 * level (on top of slab padding and leftover).  The caches belong to the root: fl_slab_cache_destroy()
 * refuses them and fl_slab_root_destroy() frees them.
 */
#include "fl_port.h"
#include "fl_slab.h"
#include "fl_slab_internal.h"
#include "fl_util.h"

/**
 * fl_kmalloc_init() - create the size-class caches of a root.
 * @r: the root.
 *
 * Idempotent: classes that exist are kept, so a call that failed half
 * way can be retried.
 *
 * Context: process context, may sleep.
 * Return: 0; -EEXIST if a user cache already took a kmalloc-* name;
 * -ENOMEM.
 */
int fl_kmalloc_init(struct fl_slab_root *r)
{
	struct fl_slab_cache *c;
	unsigned int i;
	int ret;

	if (!r)
		return -EINVAL;
	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++) {
		if (fl_kmalloc_get_class(r, i))
			continue;
		ret = fl_kmalloc_create_class(r, fl_kmalloc_class_name(i),
					      fl_kmalloc_class_size(i), &c);
		if (ret)
			return ret;
		ret = fl_kmalloc_set_class(r, i, c);
		if (ret) {		/* a concurrent init won */
			fl_kmalloc_destroy_class(c);
			continue;
		}
	}
	return 0;
}

/**
 * fl_kmalloc_cache() - the cache serving a request size.
 * @r: the root.
 * @bytes: requested bytes.
 *
 * Context: takes the root lock.
 * Return: the cache, or NULL for a bad size or before fl_kmalloc_init().
 */
struct fl_slab_cache *fl_kmalloc_cache(struct fl_slab_root *r, size_t bytes)
{
	int i = fl_kmalloc_index(bytes);

	if (i < 0 || !r)
		return NULL;
	return fl_kmalloc_get_class(r, i);
}

/*
 * A request above FL_KMALLOC_MAX_CACHE_SIZE: a buddy block of
 * get_order(@bytes), as __do_kmalloc_node() hands it to
 * ___kmalloc_large_node() (mm/slub.c 6.12; __kmalloc_large_node() in
 * mm/slab_common.c 6.1).  The kernel counts the pages in
 * NR_SLAB_UNRECLAIMABLE_B and in no cache; fraglab in the root's
 * kmalloc_large counters.  Above the largest buddy order the kernel's
 * page allocator warns and fails (__alloc_pages(): WARN_ON_ONCE_GFP(order
 * > MAX_PAGE_ORDER)); fraglab fails with -EINVAL and no splat, since a
 * user may ask.
 */
static int fl_kmalloc_large(struct fl_slab_root *r, size_t bytes,
			    u64 *offset, void **ptr)
{
	struct fl_buddy *b = fl_slab_root_buddy(r);
	struct fl_buddy_req req = { 0 };
	u32 idx;

	if (bytes > FL_KMALLOC_MAX_SIZE ||
	    fl_get_order(bytes) > fl_buddy_max_order(b))
		return -EINVAL;
	req.order = fl_get_order(bytes);
	req.mt = FL_MT_UNMOVABLE;		/* GFP_KERNEL */
	req.owner_kind = FL_OWN_KERNEL;
	req.owner = fl_kmalloc_large_owner(r);
	req.requested = (u32)bytes;
	if (fl_buddy_alloc(b, &req, &idx))
		return -ENOMEM;
	fl_kmalloc_large_account(r, req.order, true);
	if (offset)
		*offset = (u64)idx << FL_PAGE_SHIFT;
	if (ptr)
		*ptr = fl_buddy_page_addr(b, idx);
	return 0;
}

/*
 * The kmalloc_large block that starts at @offset: its head index and
 * order.  Return: 0, or -ENOENT if no such block is allocated there.
 */
static int fl_kmalloc_large_find(struct fl_slab_root *r, u64 offset,
				 u32 *idx, u32 *order)
{
	struct fl_buddy *b = fl_slab_root_buddy(r);
	struct fl_page_info pi;

	if (offset & (FL_PAGE_SIZE - 1) ||
	    (offset >> FL_PAGE_SHIFT) >= fl_buddy_nr_pages(b))
		return -ENOENT;
	*idx = (u32)(offset >> FL_PAGE_SHIFT);
	if (fl_buddy_page_info(b, *idx, &pi) ||
	    pi.state != FL_PAGE_ALLOC_HEAD || pi.owner_kind != FL_OWN_KERNEL ||
	    pi.owner != fl_kmalloc_large_owner(r))
		return -ENOENT;
	*order = pi.order;
	return 0;
}

/**
 * fl_kmalloc() - allocate @bytes, as kmalloc() does.
 * @r: the root.
 * @bytes: 0..FL_KMALLOC_MAX_SIZE.
 * @offset: out (may be NULL): arena byte offset.
 * @ptr: out (may be NULL): virtual address, NULL in simulations.
 *
 * The three cases of __do_kmalloc_node() (mm/slub.c 6.12; mm/slab_common.c
 * 6.1, where kmalloc_slab() returns ZERO_SIZE_PTR): above
 * FL_KMALLOC_MAX_CACHE_SIZE a buddy block of get_order(@bytes) pages
 * (fl_ksize() = PAGE_SIZE << order); 0 bytes
 * succeed with FL_ZERO_SIZE_OFFSET and FL_ZERO_SIZE_PTR (ZERO_SIZE_PTR)
 * and take nothing; otherwise an object of the size class (after
 * fl_kmalloc_init()).
 *
 * Context: process context, may sleep when a cache grows.
 * Return: 0; -EINVAL for more than FL_KMALLOC_MAX_SIZE or the largest
 * buddy block, or for 1..FL_KMALLOC_MAX_CACHE_SIZE bytes before
 * fl_kmalloc_init(); -ENOMEM.
 */
int fl_kmalloc(struct fl_slab_root *r, size_t bytes, u64 *offset, void **ptr)
{
	struct fl_slab_cache *c;

	if (!r)
		return -EINVAL;
	if (bytes > FL_KMALLOC_MAX_CACHE_SIZE)
		return fl_kmalloc_large(r, bytes, offset, ptr);
	if (!bytes) {
		if (offset)
			*offset = FL_ZERO_SIZE_OFFSET;
		if (ptr)
			*ptr = FL_ZERO_SIZE_PTR;
		return 0;
	}
	c = fl_kmalloc_cache(r, bytes);
	if (!c)
		return -EINVAL;
	return fl_kmalloc_alloc_in(c, (u32)bytes, offset, ptr);
}

/**
 * fl_kfree() - free what fl_kmalloc() returned, as kfree() does.
 * @r: the root.
 * @offset: the offset fl_kmalloc() returned.
 *
 * FL_ZERO_SIZE_OFFSET is a no-op (ZERO_OR_NULL_PTR() in kfree()); an
 * offset in a slab frees the object; else a kmalloc_large block that
 * starts at @offset goes back to the buddy (free_large_kmalloc()).  As
 * for kfree(), two frees of one block racing each other are a caller
 * bug: the second may free a block the first one's page was reused for.
 *
 * Context: process context.
 * Return: 0; -ENOENT if no live object or kmalloc_large block starts at
 * @offset; -EINVAL if it belongs to a cache that is not a size class.
 */
int fl_kfree(struct fl_slab_root *r, u64 offset)
{
	u32 idx, order;
	int ret;

	if (!r)
		return -EINVAL;
	if (offset == FL_ZERO_SIZE_OFFSET)
		return 0;
	ret = fl_kmalloc_free_at(r, offset, NULL, false);
	if (ret != -ENOENT || fl_kmalloc_large_find(r, offset, &idx, &order))
		return ret;
	/* lost a race with another free of the same block: a caller bug */
	if (fl_buddy_free(fl_slab_root_buddy(r), idx))
		return -ENOENT;
	fl_kmalloc_large_account(r, order, false);
	return 0;
}

/**
 * fl_ksize() - usable size of what fl_kmalloc() returned.
 * @r: the root.
 * @offset: its offset.
 *
 * As __ksize() (mm/slab_common.c 6.12): 0 for ZERO_SIZE_PTR, the class
 * size for a slab object, PAGE_SIZE << order for a kmalloc_large block.
 * The slab lookup takes no lock (see "Lookup" at the top of fl_slab.c):
 * the caller must own the object, as for ksize().  An offset inside a
 * slab of a non-kmalloc cache takes that cache's lock, to count the miss
 * in its bad_frees; one outside every slab takes the buddy lock to read
 * the block's owner.
 *
 * Context: process context.
 * Return: the usable size, or 0 if @offset is neither a live kmalloc
 * object nor a live kmalloc_large block (nor FL_ZERO_SIZE_OFFSET).
 */
u32 fl_ksize(struct fl_slab_root *r, u64 offset)
{
	u32 size = 0, idx, order;
	int ret;

	if (!r || offset == FL_ZERO_SIZE_OFFSET)
		return 0;
	ret = fl_kmalloc_free_at(r, offset, &size, true);
	if (!ret)
		return size;
	if (ret == -ENOENT && !fl_kmalloc_large_find(r, offset, &idx, &order))
		return (u32)FL_PAGE_SIZE << order;
	return 0;
}
