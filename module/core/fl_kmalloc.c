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
FL_EXPORT(fl_kmalloc_init);

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
FL_EXPORT(fl_kmalloc_cache);

/**
 * fl_kmalloc() - allocate @bytes from the matching size class.
 * @r: the root (after fl_kmalloc_init()).
 * @bytes: 1..FL_KMALLOC_MAX_SIZE.
 * @offset: out (may be NULL): arena byte offset.
 * @ptr: out (may be NULL): virtual address, NULL in simulations.
 *
 * Context: process context, may sleep when a cache grows.
 * Return: 0; -EINVAL for 0 bytes, more than FL_KMALLOC_MAX_SIZE or
 * before fl_kmalloc_init(); -ENOMEM.
 */
int fl_kmalloc(struct fl_slab_root *r, size_t bytes, u64 *offset, void **ptr)
{
	struct fl_slab_cache *c = fl_kmalloc_cache(r, bytes);

	if (!c)
		return -EINVAL;
	return fl_kmalloc_alloc_in(c, (u32)bytes, offset, ptr);
}
FL_EXPORT(fl_kmalloc);

/**
 * fl_kfree() - free an object from fl_kmalloc().
 * @r: the root.
 * @offset: the offset fl_kmalloc() returned.
 *
 * Context: process context.
 * Return: 0; -ENOENT if no live object starts at @offset; -EINVAL if it
 * belongs to a cache that is not a size class.
 */
int fl_kfree(struct fl_slab_root *r, u64 offset)
{
	if (!r)
		return -EINVAL;
	return fl_kmalloc_free_at(r, offset, NULL, false);
}
FL_EXPORT(fl_kfree);

/**
 * fl_ksize() - usable size of a live fl_kmalloc() object.
 * @r: the root.
 * @offset: the object's offset.
 *
 * The lookup takes no lock (see "Lookup" at the top of fl_slab.c): the
 * caller must own the object, as for ksize().  Only an offset inside a
 * slab of a non-kmalloc cache takes a lock: that cache's lock, to count
 * the miss in its bad_frees.
 *
 * Context: process context.
 * Return: the class size, or 0 if @offset is not a live kmalloc object.
 */
u32 fl_ksize(struct fl_slab_root *r, u64 offset)
{
	u32 size = 0;

	if (!r || fl_kmalloc_free_at(r, offset, &size, true))
		return 0;
	return size;
}
FL_EXPORT(fl_ksize);
