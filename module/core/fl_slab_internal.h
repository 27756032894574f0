/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_slab_internal.h - slab internals for the rest of the slab layer of
 * the portable core.  Not for the kernel glue, nor for other allocators.
 *
 * The slab layer is three files, split the way mm/ splits SLUB:
 *
 *   fl_slab.c         the allocator (mm/slub.c): caches, slabs, per-CPU
 *                     arrays, lookup, the invariant checker, and the
 *                     hooks below that let the size classes use it
 *   fl_slab_common.c  the kmalloc size-class table and the slabinfo text
 *                     (mm/slab_common.c); it calls fl_slab.c only through
 *                     the public fl_slab.h
 *   fl_kmalloc.c      fl_kmalloc()/fl_kfree()/fl_ksize() (the kmalloc
 *                     entry points of include/linux/slab.h); it calls
 *                     fl_slab.c only through this header
 *
 * fl_slab.c calls nothing in fl_kmalloc.c.
 */
#ifndef FL_SLAB_INTERNAL_H
#define FL_SLAB_INTERNAL_H

#include "fl_port.h"
#include "fl_slab.h"

/* fl_slab_common.c */

/**
 * fl_kmalloc_class_name() - cache name of a size class ("kmalloc-2k").
 * @index: class index.
 *
 * Context: any.
 * Return: the name, or NULL for a bad index.
 */
const char *fl_kmalloc_class_name(unsigned int index);

/* fl_slab.c: the size-class layer's hooks into the allocator */

/**
 * fl_kmalloc_set_class() - install a size-class cache.
 * @r: the root.
 * @index: class index.
 * @c: the cache.
 *
 * Context: takes the root lock.
 * Return: 0, or -EEXIST if the class already has a cache.
 */
int fl_kmalloc_set_class(struct fl_slab_root *r, unsigned int index,
			 struct fl_slab_cache *c);

/**
 * fl_kmalloc_get_class() - the cache of a size class, or NULL.
 * @r: the root.
 * @index: class index < FL_KMALLOC_NR_CLASSES.
 *
 * Context: takes the root lock.
 * Return: the cache, or NULL before fl_kmalloc_init().
 */
struct fl_slab_cache *fl_kmalloc_get_class(struct fl_slab_root *r,
					   unsigned int index);

/**
 * fl_kmalloc_create_class() - create a kmalloc cache (no user flags).
 * @r: the root.
 * @name: its name.
 * @size: object size.
 * @out: out: the cache.
 *
 * Context: process context, may sleep.
 * Return: as fl_slab_cache_create().
 */
int fl_kmalloc_create_class(struct fl_slab_root *r, const char *name,
			    u32 size, struct fl_slab_cache **out);

/**
 * fl_kmalloc_destroy_class() - undo fl_kmalloc_create_class() on failure.
 * @c: a kmalloc cache with no live objects.
 *
 * Context: process context.
 */
void fl_kmalloc_destroy_class(struct fl_slab_cache *c);

/**
 * fl_kmalloc_alloc_in() - allocate from a kmalloc cache.
 * @c: the size-class cache.
 * @bytes: requested bytes (for accounting).
 * @offset: out (may be NULL).
 * @ptr: out (may be NULL).
 *
 * Context: process context.
 * Return: as fl_slab_cache_alloc().
 */
int fl_kmalloc_alloc_in(struct fl_slab_cache *c, u32 bytes, u64 *offset,
			void **ptr);

/**
 * fl_kmalloc_free_at() - free (or only look up) a kmalloc object.
 * @r: the root.
 * @offset: the object's offset.
 * @size: out (may be NULL): the size of its class (for fl_ksize()).
 * @dry_run: only look the object up.
 *
 * The lookup takes no lock (see "Lookup" at the top of fl_slab.c); an
 * object of a cache that is not a size class is counted in that cache's
 * bad_frees under its cache lock; a free takes the per-CPU lock and, when
 * the per-CPU array is full, the cache lock and the buddy lock.
 *
 * Context: process context.
 * Return: 0; -ENOENT if no live object starts at @offset; -EINVAL if it
 * belongs to a cache that is not a size class.
 */
int fl_kmalloc_free_at(struct fl_slab_root *r, u64 offset, u32 *size,
		       bool dry_run);

/**
 * fl_kmalloc_large_owner() - owner cookie of a root's kmalloc_large blocks.
 * @r: the root.
 *
 * A block fl_kmalloc() takes from the buddy for a request above
 * FL_KMALLOC_MAX_CACHE_SIZE is an FL_OWN_KERNEL block with this cookie:
 * the root's address + 1, which no pointer cookie can equal (the root is
 * aligned).  It plays the part of the kernel's "not a slab folio" test in
 * kfree().
 *
 * Context: any.
 * Return: the cookie.
 */
static inline u64 fl_kmalloc_large_owner(const struct fl_slab_root *r)
{
	return (u64)(uintptr_t)r + 1;
}

/**
 * fl_kmalloc_large_account() - count a kmalloc_large block in the root.
 * @r: the root.
 * @order: the block's order.
 * @alloc: true when it was allocated, false when freed.
 *
 * Context: takes the root lock.
 */
void fl_kmalloc_large_account(struct fl_slab_root *r, u32 order, bool alloc);

#endif /* FL_SLAB_INTERNAL_H */
