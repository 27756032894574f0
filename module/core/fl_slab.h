/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_slab.h - fraglab's slab allocator (portable core) on top of fl_buddy.
 *
 * Object caches in the style of Bonwick's slab allocator (1994) with the
 * per-CPU arrays of Bonwick & Adams (2001) / the kernel's old SLAB, and
 * SLUB's slab geometry (calculate_order(), min_partial).  Every slab page
 * comes from fraglab's own buddy (owner_kind FL_OWN_SLAB, owner cookie =
 * the slab's metadata), all metadata lives outside the arena.  See the
 * design comment at the top of fl_slab.c and docs/SLAB.md.  The size
 * classes and the slabinfo text are in fl_slab_common.c, fl_kmalloc() in
 * fl_kmalloc.c; the hooks between them are in fl_slab_internal.h.
 *
 * Objects are named by their arena byte offset (page index << PAGE_SHIFT
 * plus the offset inside the page); that is what the glue hands to
 * userspace.  A kernel virtual address is also returned when the arena
 * has one (NULL in metadata-only simulations).
 *
 * In-kernel API: the kernel glue in module/ wraps these functions as
 * fraglab_cache_create() / fraglab_cache_alloc() / fraglab_cache_free() /
 * fraglab_cache_destroy() for kernel code and the in-kernel self-test:
 *
 *   struct fl_slab_cache *fraglab_cache_create(const char *name,
 *		unsigned int size, unsigned int align, unsigned int flags,
 *		void (*ctor)(void *obj, void *arg), void *arg);  (ERR_PTR)
 *   void *fraglab_cache_alloc(struct fl_slab_cache *c);  (NULL on failure)
 *   int fraglab_cache_free(struct fl_slab_cache *c, void *obj);
 *   int fraglab_cache_destroy(struct fl_slab_cache *c);
 */
#ifndef FL_SLAB_H
#define FL_SLAB_H

#include "fl_port.h"
#include "fl_buddy.h"

#define FL_SLAB_NAME_LEN	32	/* including the NUL: 31 characters */
#define FL_SLAB_MAX_ORDER	3	/* SLUB's slub_max_order (COSTLY_ORDER) */
#define FL_SLAB_MAX_SIZE	(FL_PAGE_SIZE << FL_SLAB_MAX_ORDER)
#define FL_SLAB_MIN_ALIGN	8	/* arch_slab_minalign() / sizeof(void *) */
#define FL_SLAB_CACHE_LINE	64	/* colour step (SLAB: cache_line_size()) */
#define FL_SLAB_MIN_PARTIAL	5	/* mm/slub.c MIN_PARTIAL */
#define FL_SLAB_MAX_PARTIAL	10	/* mm/slub.c MAX_PARTIAL */
#define FL_SLAB_FRACT_LEFTOVER	16	/* calculate_order(): first fraction */

/* fl_slab_cache_create() flags */
#define FL_SLAB_RECLAIMABLE	(1U << 0)	/* slab pages are FL_MT_RECLAIMABLE */
#define FL_SLAB_COLOUR		(1U << 1)	/* Bonwick colouring of slabs */
#define FL_SLAB_NO_CPU_CACHE	(1U << 2)	/* no per-CPU arrays (limit 0) */
#define FL_SLAB_KMALLOC		(1U << 3)	/* size-class cache (internal) */
#define FL_SLAB_ACCOUNT		(1U << 4)	/* all its metadata memcg-charged */
/*
 * Used while the checker runs, without the serialisation its caller keeps
 * (the module's in-kernel API, not under fl_dev.lock): the checker takes
 * a violation it sees in such a cache for a change, never for corruption.
 */
#define FL_SLAB_SHARED		(1U << 5)
#define FL_SLAB_USER_FLAGS	(FL_SLAB_RECLAIMABLE | FL_SLAB_COLOUR | \
				 FL_SLAB_NO_CPU_CACHE | FL_SLAB_ACCOUNT | \
				 FL_SLAB_SHARED)

/* fl_slab_cache_shrink() flags */
#define FL_SLAB_SHRINK_ALL	(1U << 0)	/* do not keep min_partial empties */

/*
 * Generic size classes: 8 B ... 8 KiB, powers of two plus 96 and 192
 * (KMALLOC_MIN_SIZE 8, KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH =
 * 2 pages on x86-64, include/linux/slab.h 6.12 and 6.1).  Larger requests
 * go to the buddy at get_order(size) (kmalloc_large), up to
 * FL_KMALLOC_MAX_SIZE = the largest buddy block (KMALLOC_MAX_SIZE =
 * 1 << (MAX_PAGE_ORDER + PAGE_SHIFT), 4 MiB on x86-64).
 */
#define FL_KMALLOC_MIN_SIZE		8
#define FL_KMALLOC_MAX_CACHE_SIZE	8192
#define FL_KMALLOC_MAX_SIZE		(FL_PAGE_SIZE << FL_MAX_ORDER)
#define FL_KMALLOC_NR_CLASSES		13

/*
 * fl_kmalloc(0) succeeds with ZERO_SIZE_PTR (include/linux/slab.h: the
 * address 16, which faults when used) as its pointer and an offset that no
 * arena has; fl_kfree() of it does nothing and fl_ksize() says 0.
 */
#define FL_ZERO_SIZE_PTR	((void *)16)
#define FL_ZERO_SIZE_OFFSET	(~0ULL - 15)

struct fl_slab_root;
struct fl_slab_cache;

typedef void (*fl_slab_ctor_t)(void *obj, void *arg);

/**
 * struct fl_slab_geometry - how a cache lays out its slabs.
 * @size: object stride: object size rounded up to the alignment.
 * @order: buddy order of one slab (0..FL_SLAB_MAX_ORDER).
 * @objs: objects per slab.
 * @leftover: bytes of a slab not covered by objects.
 * @min_order: order of a slab when @order cannot be allocated: the
 *             smallest that holds one object (SLUB's s->min, get_order()
 *             of the stride; mm/slub.c calculate_sizes()).
 * @min_objs: objects in a slab of @min_order.
 */
struct fl_slab_geometry {
	u32 size;
	u32 order;
	u32 objs;
	u32 leftover;
	u32 min_order;
	u32 min_objs;
};

/**
 * struct fl_slab_stats - a snapshot of one cache.
 *
 * Objects are in one of three places: free in a slab, cached in a per-CPU
 * array (free for the user, allocated from the slab's point of view), or
 * live (handed to a caller).  num_objs = free_in_slabs + cpu_cached + live.
 *
 * @name: cache name.
 * @object_size: object size as created.
 * @align: effective alignment
 * @size: stride (object size rounded to the alignment).
 * @order: buddy order of a slab (the preferred one, SLUB's s->oo).
 * @objs_per_slab: objects per slab of @order.
 * @pages_per_slab: 1 << @order.
 * @leftover: bytes per slab of @order not covered by objects.
 * @min_order: the fallback order (SLUB's s->min).
 * @min_objs: objects per slab of @min_order.
 * @colours: colour offsets cycled (1: no colouring)
 * @flags: FL_SLAB_* creation flags.
 * @limit: per-CPU array size
 * @batchcount: refill/flush batch
 * @min_partial: empty slabs kept on free/shrink.
 * @live_objs: objects held by callers (slabinfo's active_objs).
 * @num_objs: in all slabs (each slab counts its own object count)
 * @free_in_slabs: objects free in their slabs.
 * @cpu_cached: objects in per-CPU arrays.
 * @nr_slabs: slabs.
 * @nr_full: slabs with no free object.
 * @nr_partial: slabs with some free objects.
 * @nr_empty: slabs with no object in use.
 * @pages: pages of all slabs (each slab counts its own order).
 * @padding_bytes: (@size - @object_size) * @num_objs.
 * @leftover_bytes: bytes of all slabs not covered by objects.
 * @requested_bytes: kmalloc caches: live bytes asked for
 * @ctor_calls: constructor calls (cumulative).
 * @allocs: successful allocations (cumulative)
 * @frees: successful frees (cumulative)
 * @alloc_hits: served from the per-CPU array
 * @alloc_misses: had to refill (or bypass)
 * @free_hits: pushed to the per-CPU array
 * @free_misses: had to flush (or bypass)
 * @alloc_fail: -ENOMEM returned
 * @bad_frees: -EINVAL/-ENOENT returned by free
 * @slabs_allocated: cumulative slab creations
 * @slabs_freed: cumulative slab releases to the buddy
 * @order_fallback: slabs made at @min_order because @order could not be
 *                  allocated (SLUB's ORDER_FALLBACK stat)
 */
struct fl_slab_stats {
	char name[FL_SLAB_NAME_LEN];
	u32 object_size;
	u32 align;
	u32 size;
	u32 order;
	u32 objs_per_slab;
	u32 pages_per_slab;
	u32 leftover;
	u32 min_order;
	u32 min_objs;
	u32 colours;
	u32 flags;
	u32 limit;
	u32 batchcount;
	u32 min_partial;
	u64 live_objs;
	u64 num_objs;
	u64 free_in_slabs;
	u64 cpu_cached;
	u64 nr_slabs;
	u64 nr_full;
	u64 nr_partial;
	u64 nr_empty;
	u64 pages;
	u64 padding_bytes;
	u64 leftover_bytes;
	u64 requested_bytes;
	u64 ctor_calls;
	u64 allocs;
	u64 frees;
	u64 alloc_hits;
	u64 alloc_misses;
	u64 free_hits;
	u64 free_misses;
	u64 alloc_fail;
	u64 bad_frees;
	u64 slabs_allocated;
	u64 slabs_freed;
	u64 order_fallback;
};

/**
 * struct fl_kmalloc_large_stats - fl_kmalloc() requests above
 * FL_KMALLOC_MAX_CACHE_SIZE, served by the buddy.
 *
 * The kernel counts these pages in NR_SLAB_UNRECLAIMABLE_B (meminfo's
 * SUnreclaim, ___kmalloc_large_node()) and in no kmalloc-* line of
 * /proc/slabinfo; fraglab keeps them here, outside every cache.
 *
 * @allocs: successful allocations (cumulative).
 * @frees: frees (cumulative).
 * @live: blocks held now.
 * @pages: pages held now (each block PAGE_SIZE << get_order(size)).
 */
struct fl_kmalloc_large_stats {
	u64 allocs;
	u64 frees;
	u64 live;
	u64 pages;
};

/* Registry (one per arena). */
int fl_slab_root_create(struct fl_buddy *b, struct fl_slab_root **out);
void fl_slab_root_destroy(struct fl_slab_root *r);
struct fl_buddy *fl_slab_root_buddy(const struct fl_slab_root *r);
void fl_slab_root_set_min_objects(struct fl_slab_root *r, u32 min_objects);

/* Geometry (pure functions, used by the tests and the docs). */
u32 fl_slab_default_min_objects(u32 nr_cpus);
u32 fl_slab_min_objects_cpus(u32 present, u32 possible);
int fl_slab_calc_geometry(u32 object_size, u32 align, u32 min_objects,
			  bool ctor, struct fl_slab_geometry *g);
u32 fl_slab_min_partial(u32 size);

/* Caches. */
int fl_slab_cache_create(struct fl_slab_root *r, const char *name,
			 u32 object_size, u32 align, u32 flags,
			 fl_slab_ctor_t ctor, void *ctor_arg,
			 struct fl_slab_cache **out);
int fl_slab_cache_destroy(struct fl_slab_cache *c);
long fl_slab_cache_destroy_force(struct fl_slab_cache *c);
struct fl_slab_cache *fl_slab_cache_find(struct fl_slab_root *r,
					 const char *name);
int fl_slab_cache_alloc(struct fl_slab_cache *c, u64 *offset, void **ptr);
int fl_slab_cache_free(struct fl_slab_cache *c, u64 offset);
int fl_slab_cache_free_ptr(struct fl_slab_cache *c, const void *ptr);
int fl_slab_cache_alloc_bulk(struct fl_slab_cache *c, u32 n, u64 *offsets,
			     void **ptrs);
int fl_slab_cache_free_bulk(struct fl_slab_cache *c, u32 n,
			    const u64 *offsets, void * const *ptrs);
long fl_slab_cache_shrink(struct fl_slab_cache *c, unsigned int flags);
void fl_slab_cache_get_stats(struct fl_slab_cache *c, struct fl_slab_stats *st);
const char *fl_slab_cache_name(const struct fl_slab_cache *c);
u32 fl_slab_cache_object_size(const struct fl_slab_cache *c);
int fl_slab_root_for_each(struct fl_slab_root *r,
			  int (*fn)(struct fl_slab_cache *c, void *arg),
			  void *arg);

/* Address translation. */
int fl_slab_ptr_to_offset(struct fl_slab_root *r, const void *ptr,
			  u64 *offset);
struct fl_slab_cache *fl_slab_cache_of(struct fl_slab_root *r, u64 offset);

/* Generic size classes. */
int fl_kmalloc_init(struct fl_slab_root *r);
int fl_kmalloc_index(size_t bytes);
u32 fl_kmalloc_class_size(unsigned int index);
struct fl_slab_cache *fl_kmalloc_cache(struct fl_slab_root *r, size_t bytes);
int fl_kmalloc(struct fl_slab_root *r, size_t bytes, u64 *offset, void **ptr);
int fl_kfree(struct fl_slab_root *r, u64 offset);
u32 fl_ksize(struct fl_slab_root *r, u64 offset);
void fl_kmalloc_large_get_stats(struct fl_slab_root *r,
				struct fl_kmalloc_large_stats *st);

/* Invariants. */
int fl_slab_cache_check(struct fl_slab_cache *c, char *msg, size_t len);
int fl_slab_check(struct fl_slab_root *r, char *msg, size_t len);
int fl_slab_check_paced(struct fl_slab_root *r, char *msg, size_t len,
			u32 step, void (*pause)(void *arg), void *arg);

/* Text output: /proc/slabinfo 2.1 and a per-cache detail view. */
typedef void (*fl_slab_emit_t)(void *arg, const char *line);
void fl_slab_slabinfo_emit(struct fl_slab_root *r, fl_slab_emit_t emit,
			   void *arg);
size_t fl_slab_slabinfo(struct fl_slab_root *r, char *buf, size_t len);
int fl_slab_format_header(char *buf, size_t len);
int fl_slab_format_line(const struct fl_slab_stats *st, char *buf,
			size_t len);
size_t fl_slab_cache_detail(struct fl_slab_cache *c, char *buf, size_t len);

#endif /* FL_SLAB_H */
