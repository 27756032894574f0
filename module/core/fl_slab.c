// SPDX-License-Identifier: GPL-2.0
/*
 * fl_slab.c - fraglab's slab allocator (portable core).
 *
 * Compiled into fraglab.ko and into userspace (tests/unit, fragctl --sim,
 * benchmarks); it includes nothing but fl_port.h and fraglab's headers.
 * The allocator and its checker live here (mm/slub.c); the kmalloc size
 * classes and the slabinfo text in fl_slab_common.c (mm/slab_common.c);
 * fl_kmalloc() in fl_kmalloc.c, which reaches this file through the hooks
 * of fl_slab_internal.h.
 *
 * Overview
 * --------
 * A cache (struct fl_slab_cache) hands out objects of one size.  Its
 * memory comes in slabs: one buddy block of 2^order pages taken from
 * fraglab's own buddy with owner_kind FL_OWN_SLAB, migrate type UNMOVABLE
 * (RECLAIMABLE with FL_SLAB_RECLAIMABLE) and the slab's metadata pointer
 * as the owner cookie.  Slab pages are never moved by compaction: objects
 * are named by their arena offset.
 *
 * Geometry (SLUB)
 * ---------------
 * The stride is the object size rounded up to sizeof(void *), plus
 * sizeof(void *) for SLUB's free pointer when the cache has a constructor,
 * and then rounded up to the alignment (calculate_sizes()).  The order is
 * mm/slub.c calculate_order() with slub_min_order 0, slub_max_order 3
 * (PAGE_ALLOC_COSTLY_ORDER) and min_objects = 4 * (fls(nr_cpus) + 1),
 * nr_cpus the present CPUs (nr_cpu_ids if <= 1; the root may override
 * it): start at get_order(min_objects * size),
 * take the smallest order up to 3 whose leftover is <= 1/16 of the slab,
 * then retry with 1/8, 1/4, 1/2 (calc_slab_order()).  Objects per slab
 * = (PAGE_SIZE << order) / size; leftover = the remainder.  min_partial
 * = ilog2(size) / 2 clamped to [MIN_PARTIAL 5, MAX_PARTIAL 10].
 *
 * With FL_SLAB_COLOUR, slabs are coloured as in Bonwick's paper and the
 * old mm/slab.c: colour_off = max(align, cache line), colours =
 * leftover / colour_off, and each new slab starts its first object at
 * colour_next * colour_off, colour_next cycling 0..colours-1.  Colouring
 * moves the leftover from the end of the slab to its front; the waste is
 * the same.
 *
 * Slab metadata (outside the arena)
 * ---------------------------------
 * struct fl_slab is allocated with fl_zalloc() together with two arrays:
 * free_idx[] (SLAB's bufctl as a stack of free object indices: pop on
 * allocate, push on free, so the most recently freed object is reused
 * first) and state[] (one byte per object: FREE in the slab, CACHED in a
 * per-CPU array, LIVE at a caller).  Nothing is ever written into a free
 * object, so a free object keeps its constructed state: the constructor
 * runs once per object when its slab is created and never again (Bonwick's
 * object caching).  The root's page_slab[] (one pointer per arena page,
 * outside the arena) maps an offset to its slab in O(1) without a lock;
 * the buddy's owner cookie says the same thing (the checker compares
 * them).  Kmalloc caches add requested[] (u16 per object) for internal
 * fragmentation accounting.
 *
 * Lists
 * -----
 * Each slab is on exactly one of the cache's full, partial or empty lists
 * according to nr_free (0, between, objs).  Refill takes from partial
 * slabs first, then empty ones, then grows the cache by one slab.  When a
 * flush leaves more than min_partial empty slabs, the extra ones go back
 * to the buddy at once (SLUB's discard in __slab_free()); shrink flushes
 * every per-CPU array and releases the empty slabs beyond min_partial, or
 * all of them with FL_SLAB_SHRINK_ALL (kmem_cache_shrink()).
 *
 * Per-CPU arrays (Bonwick & Adams magazines / SLAB's array_cache)
 * ----------------------------------------------------------------
 * Each CPU (each thread id modulo fl_nr_cpus() in userspace) has an array
 * of up to @limit free objects.  Allocation pops from it (a fast-path
 * hit); when it is empty, up to @batchcount objects are moved from slabs
 * to it under the cache lock (cache_alloc_refill()).  Free pushes onto
 * it; when it is full, the @batchcount oldest objects go back to their
 * slabs (cache_flusharray()).  limit/batchcount follow mm/slab.c
 * enable_cpucache(): 120/60 up to 256 B, 54/27 up to 1 KiB, 24/12 up to
 * a page, 8/4 above; FL_SLAB_NO_CPU_CACHE sets limit 0 and every
 * allocation and free then takes the cache lock (for experiments).
 * Counters that the fast path updates (allocs, frees, hits, misses,
 * requested bytes) live in the per-CPU structure and are summed on read.
 * fl_slab_cache_alloc_bulk()/free_bulk() work on the array the same way
 * and take the cache lock at most once per call; a bulk free remembers
 * the last section and slab it found (struct fl_slab_bulk_hint), so
 * objects of one slab cost no lookup after the first.
 *
 * Locking
 * -------
 * Lock order (outermost first):
 *
 *   fl_slab_root.lock        the cache list (create/destroy/iterate)
 *     fl_slab_cpu.lock       one CPU's array and counters; at most one
 *                            per-CPU lock is held at any time
 *       fl_slab_cache.lock   slab lists, free_idx[], FREE states, counters
 *         fl_buddy lock      taken inside fl_buddy_*()
 *
 * The per-CPU "lock" has local_lock semantics (fl_cpu_lock_t, fl_port.h):
 * the owner pins itself to its CPU with fl_cpu_pin() and then locks; in a
 * non-RT kernel that is preempt_disable() and nothing else (no atomic
 * instruction on the fast path; the core is never called from interrupt
 * context), on PREEMPT_RT it is migrate_disable() plus a per-CPU
 * spinlock (an rt-mutex, so the cache and buddy locks below it may be
 * taken as before), in userspace a mutex per "CPU" (thread id modulo
 * fl_nr_cpus(): several threads share one).  Another CPU's array is
 * flushed by running on that CPU (fl_cpu_for_each(): work_on_cpu() in a
 * non-RT kernel, so drain, shrink and destroy may sleep) and read
 * (statistics, checker) with fl_cpu_remote_lock(), which in a non-RT
 * kernel is no lock at all: those reads are racy unless the cache is
 * quiescent.  The others are fl_lock_t: spinlocks in the kernel
 * (rt-mutexes on PREEMPT_RT), mutexes in userspace.
 * Metadata is never allocated or freed with any lock held (fl_zalloc()
 * may sleep): growing runs unlocked and links the new slab afterwards,
 * released slabs are unlinked and returned to the buddy under the cache
 * lock and their metadata is freed after every lock is dropped.  The
 * constructor runs unlocked too.
 *
 * A free by pointer first finds the arena offset: the cache's last
 * section (c->sec_hint; sections never change), else a hash of the 4 MiB
 * virtual windows the sections overlap.
 *
 * Lookup of a freed offset takes no lock: root->page_slab[page] is set for
 * every page of a slab after the slab is initialised and published (before
 * any of its objects is handed out) and cleared under the cache lock
 * before its pages go back to the buddy; the metadata is freed after
 * that.  A slab is only released when all its objects are FREE, so a
 * free of a LIVE object (the caller owns it) always reads a slab that
 * stays alive.  The object's state must be LIVE.  A double free or a
 * bogus offset is detected (-ENOENT) unless it races with another free
 * of the same object or with the release of that very slab (the read of
 * its metadata could then see freed memory: callers of the in-kernel API
 * must not do that; the ioctls only free objects they handed out).
 *
 * Whole-cache operations (destroy, shrink, stats) visit the per-CPU
 * arrays one at a time.  fl_slab_cache_check() and the -EBUSY test of
 * fl_slab_cache_destroy() are exact only when nothing allocates from or
 * frees to the cache concurrently (as for kmem_cache_destroy()).
 *
 * Errors
 * ------
 * Free: -EINVAL if the object belongs to another cache (a slab of another
 * cache, or a kmalloc cache for fl_slab_cache_free()); -ENOENT if there is
 * no allocated object at that offset (not a slab page, not the start of
 * an object, already free or cached).  Allocation: -ENOMEM if metadata or
 * the buddy is exhausted; nothing changes but the alloc_fail counter.
 */
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_slab.h"
#include "fl_slab_internal.h"
#include "fl_util.h"
#include "fl_check.h"

#define FL_SLAB_MAGIC		0x51ab51abU
#define FL_SLAB_CACHE_MAGIC	0xcac4e51bU
#define FL_SLAB_MAX_OBJS	32767U	/* SLUB's MAX_OBJS_PER_PAGE */
#define FL_SLAB_SECTION_SHIFT	FL_MAX_ORDER

enum fl_slab_obj_state {
	FL_OBJ_FREE = 0,	/* on its slab's free_idx[] stack */
	FL_OBJ_CACHED = 1,	/* in a per-CPU array */
	FL_OBJ_LIVE = 2,	/* handed to a caller */
	FL_OBJ_MARK = 3,	/* transient, fl_slab_check_slab(), cache lock */
};

enum fl_slab_list_id {
	FL_LIST_FULL = 0,
	FL_LIST_PARTIAL = 1,
	FL_LIST_EMPTY = 2,
	FL_LIST_NONE = 3,	/* being created or released */
};

static const char * const fl_slab_list_names[] = {
	"full", "partial", "empty", "none",
};

struct fl_slab_link {
	struct fl_slab_link *next;
	struct fl_slab_link *prev;
};

/**
 * struct fl_slab - metadata of one slab (outside the arena).
 * @magic: FL_SLAB_MAGIC while the slab exists.
 * @list_id: enum fl_slab_list_id.
 * @link: in one of the cache's lists (first member: see fl_slab_of()).
 * @cache: owning cache (immutable).
 * @base: virtual address of the first page, NULL in simulations.
 * @page: buddy head index of the slab.
 * @order: buddy order of this slab: the cache's preferred order, or its
 *         minimum order when the preferred one could not be allocated
 *         (SLUB's allocate_slab() fallback to s->min; struct slab records
 *         slab->objects for the same reason).
 * @objs: objects in this slab.
 * @colour: byte offset of object 0 from the slab start.
 * @nr_free: entries on @free_idx.
 * @free_idx: stack of free object indices.
 * @state: enum fl_slab_obj_state per object.
 * @requested: bytes requested per object (kmalloc caches only).
 * @next_dead: link in a batch of released slabs, freed once unlocked.
 */
struct fl_slab {
	struct fl_slab_link link;
	u32 magic;
	u32 list_id;
	struct fl_slab_cache *cache;
	u8 *base;
	u32 page;
	u32 order;
	u32 objs;
	u32 colour;
	u32 nr_free;
	u16 *free_idx;
	u8 *state;
	u16 *requested;
	struct fl_slab *next_dead;
};

/* An object as stored in a per-CPU array. */
struct fl_slab_ref {
	struct fl_slab *slab;
	u32 idx;
};

/**
 * struct fl_slab_cpu - one CPU's object array and fast-path counters.
 * @lock: with fl_cpu_pin(), protects everything below (local_lock
 *        semantics: no lock at all in a non-RT kernel; see fl_port.h).
 * @avail: objects in @entry; @entry[@avail - 1] is the hottest.
 * @entry: up to the cache's limit objects (state CACHED).
 * @allocs: successful allocations on this CPU not counted in @alloc_hits
 *          (the fast path updates one counter, not two).
 * @frees: successful frees on this CPU not counted in @free_hits.
 * @alloc_hits: allocations served from @entry.
 * @alloc_misses: allocations that refilled or grew.
 * @free_hits: frees pushed to @entry.
 * @free_misses: frees that flushed a batch (or went to the slab).
 * @req_bytes: kmalloc bytes requested minus freed on this CPU.
 * @__pad: keeps CPUs off each other's cache lines.
 */
struct fl_slab_cpu {
	fl_cpu_lock_t lock;
	u32 avail;
	struct fl_slab_ref *entry;
	u64 allocs;
	u64 frees;
	u64 alloc_hits;
	u64 alloc_misses;
	u64 free_hits;
	u64 free_misses;
	s64 req_bytes;
	u8 __pad[64];
};

struct fl_slab_list {
	struct fl_slab_link head;
	u64 nr;
};

struct fl_slab_cache {
	u32 magic;
	char name[FL_SLAB_NAME_LEN];
	struct fl_slab_root *root;
	struct fl_slab_link node;	/* in root->caches */
	u64 seq;		/* creation number: the checker's cursor */
	u32 object_size;
	u32 align;
	u32 flags;
	u8 mt;
	struct fl_slab_geometry geo;
	u32 recip;		/* ceil(2^32 / geo.size): offset -> index */
	u32 min_partial;
	u32 colour_off;
	u32 colours;
	u32 colour_next;
	u32 limit;
	u32 batchcount;
	fl_slab_ctor_t ctor;
	void *ctor_arg;
	const struct fl_slab_section *sec_hint;	/* see fl_slab_cache_ptr_offset() */
	u32 nr_cpus;
	struct fl_slab_cpu *cpu;
	struct fl_slab_ref *entries;

	fl_lock_t lock;
	struct fl_slab_list lists[3];
	u64 free_in_slabs;
	u64 nr_objs;		/* sum of slab->objs (SLUB's node_nr_objs) */
	u64 nr_pages;		/* sum of 1 << slab->order */
	u64 order_fallback;	/* slabs made at the minimum order */
	u64 ctor_calls;
	u64 alloc_fail;
	u64 bad_frees;
	u64 slabs_allocated;
	u64 slabs_freed;
	u64 gen;		/* objects popped and pushed: fl_slab_stamp() */
};

struct fl_slab_section {
	uintptr_t base;
	u32 start;
	u32 nr_pages;
};

/* The section that holds no address: a cache's first section hint. */
static const struct fl_slab_section fl_slab_no_section;

/*
 * Pointer -> section in O(1): a hash of the 4 MiB virtual windows the
 * sections overlap (a section is at most one window long, so it touches
 * at most two, and a window meets at most two full sections).
 */
#define FL_SLAB_WIN_SHIFT	(FL_SLAB_SECTION_SHIFT + FL_PAGE_SHIFT)
#define FL_SLAB_WIN_NONE	0xffffffffU
#define FL_SLAB_WIN_MANY	0xfffffffeU	/* more: binary search */

struct fl_slab_win {
	u64 key;		/* window number + 1; 0 = empty slot */
	u32 sec[2];
};

struct fl_slab_root {
	struct fl_buddy *buddy;
	fl_lock_t lock;
	struct fl_slab_link caches;
	u32 nr_caches;
	u64 next_seq;		/* the last cache's creation number */
	u32 min_objects;
	u32 nr_pages;
	u32 nr_sections;
	u32 win_bits;
	struct fl_slab_section *sections;
	struct fl_slab_win *win;	/* 1 << win_bits slots */
	struct fl_slab **page_slab;	/* per arena page; see "Lookup" */
	struct fl_slab_cache *kmalloc[FL_KMALLOC_NR_CLASSES];
	struct fl_kmalloc_large_stats large;	/* under @lock */
};

/* ------------------------------------------------------------ lists */

static void fl_link_init(struct fl_slab_link *h)
{
	h->next = h;
	h->prev = h;
}

static void fl_link_add(struct fl_slab_link *n, struct fl_slab_link *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static void fl_link_del(struct fl_slab_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n;
	n->prev = n;
}

static bool fl_link_empty(const struct fl_slab_link *h)
{
	return h->next == h;
}

static struct fl_slab *fl_slab_of(struct fl_slab_link *l)
{
	return (struct fl_slab *)l;	/* link is the first member */
}

static struct fl_slab_cache *fl_cache_of(struct fl_slab_link *l)
{
	return (struct fl_slab_cache *)((u8 *)l -
					__builtin_offsetof(struct fl_slab_cache,
							   node));
}

/* ------------------------------------------------------------ geometry */

static u32 fl_slab_order_objects(u32 order, u32 size)
{
	return (u32)((FL_PAGE_SIZE << order) / size);
}

/* mm/slub.c calc_slab_order() */
static u32 fl_slab_calc_order(u32 size, u32 min_order, u32 max_order,
			      u32 fract_leftover)
{
	u32 order;

	for (order = min_order; order <= max_order; order++) {
		u32 slab_size = (u32)FL_PAGE_SIZE << order;
		u32 rem = slab_size % size;

		if (rem <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/**
 * fl_slab_default_min_objects() - SLUB's min_objects for a CPU count.
 * @nr_cpus: number of CPUs (0 or 1 counts as 1).
 *
 * Context: any.
 * Return: 4 * (fls(nr_cpus) + 1), as calculate_order() computes it when
 * slub_min_objects is not set.
 */
u32 fl_slab_default_min_objects(u32 nr_cpus)
{
	if (!nr_cpus)
		nr_cpus = 1;
	return 4 * (fl_fls(nr_cpus) + 1);
}

/**
 * fl_slab_min_objects_cpus() - the CPU count SLUB's min_objects uses.
 * @present: num_present_cpus().
 * @possible: nr_cpu_ids.
 *
 * calculate_order() in mm/slub.c (6.12 and 6.1 alike) takes the present
 * CPUs and falls back to nr_cpu_ids only when that count is <= 1 (some
 * architectures mark CPUs present only when they come online).
 *
 * Context: any.
 * Return: @present, or @possible when @present <= 1.
 */
u32 fl_slab_min_objects_cpus(u32 present, u32 possible)
{
	return present <= 1 ? possible : present;
}

static u32 fl_slab_min_objects_here(void)
{
	return fl_slab_default_min_objects(
		fl_slab_min_objects_cpus(fl_nr_present_cpus(), fl_nr_cpus()));
}

/**
 * fl_slab_min_partial() - SLUB's min_partial for a stride.
 * @size: object stride in bytes.
 *
 * Context: any.
 * Return: ilog2(@size) / 2 clamped to [FL_SLAB_MIN_PARTIAL,
 * FL_SLAB_MAX_PARTIAL] (set_min_partial() in mm/slub.c).
 */
u32 fl_slab_min_partial(u32 size)
{
	u32 mp = fl_ilog2(size) / 2;

	if (mp > FL_SLAB_MAX_PARTIAL)
		mp = FL_SLAB_MAX_PARTIAL;
	if (mp < FL_SLAB_MIN_PARTIAL)
		mp = FL_SLAB_MIN_PARTIAL;
	return mp;
}

/**
 * fl_slab_calc_geometry() - stride, order and objects per slab.
 * @object_size: bytes per object, 1..FL_SLAB_MAX_SIZE.
 * @align: 0 (default FL_SLAB_MIN_ALIGN) or a power of two <= FL_PAGE_SIZE.
 * @min_objects: SLUB's min_objects heuristic (0 or 1: none, i.e. the
 *               plain "smallest order with leftover <= 1/16" rule).
 * @ctor: the cache has a constructor: the stride gets SLUB's out-of-object
 *        free pointer (sizeof(void *)) before the alignment.
 * @g: out.
 *
 * Models mm/slub.c calculate_order() with slub_min_order 0 and
 * slub_max_order FL_SLAB_MAX_ORDER; see the comment at the top of the file.
 *
 * Context: any.
 * Return: 0, or -EINVAL for a size of 0, a stride above FL_SLAB_MAX_SIZE,
 * or a bad alignment.
 */
int fl_slab_calc_geometry(u32 object_size, u32 align, u32 min_objects,
			  bool ctor, struct fl_slab_geometry *g)
{
	u32 size, max_objects, min_order, order, fraction;

	if (!g || !object_size || object_size > FL_SLAB_MAX_SIZE)
		return -EINVAL;
	if (align && (!fl_is_pow2(align) || align > FL_PAGE_SIZE))
		return -EINVAL;
	if (align < FL_SLAB_MIN_ALIGN)
		align = FL_SLAB_MIN_ALIGN;
	size = (u32)fl_align_up(object_size, FL_SLAB_MIN_ALIGN);
	/*
	 * calculate_sizes() (6.12 and 6.1): a constructed object must keep
	 * its contents while free, so SLUB puts the free pointer behind it
	 * (s->offset = size; size += sizeof(void *)) instead of inside.
	 */
	if (ctor)
		size += FL_SLAB_MIN_ALIGN;
	size = (u32)fl_align_up(size, align);
	if (size > FL_SLAB_MAX_SIZE)
		return -EINVAL;

	if (!min_objects)
		min_objects = 1;
	max_objects = fl_slab_order_objects(FL_SLAB_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = fl_get_order((u64)min_objects * size);
	order = FL_SLAB_MAX_ORDER + 1;
	if (fl_slab_order_objects(min_order, size) > FL_SLAB_MAX_OBJS) {
		order = fl_get_order((u64)size * FL_SLAB_MAX_OBJS) - 1;
	} else {
		for (fraction = FL_SLAB_FRACT_LEFTOVER; fraction > 1;
		     fraction /= 2) {
			order = fl_slab_calc_order(size, min_order,
						   FL_SLAB_MAX_ORDER, fraction);
			if (order <= FL_SLAB_MAX_ORDER)
				break;
		}
	}
	if (fl_warn_once(order > FL_SLAB_MAX_ORDER))
		return -EINVAL;
	g->size = size;
	g->order = order;
	g->objs = fl_slab_order_objects(order, size);
	g->leftover = ((u32)FL_PAGE_SIZE << order) - g->objs * size;
	/* calculate_sizes(): s->min = oo_make(get_order(size), size) */
	g->min_order = fl_get_order(size);
	g->min_objs = fl_slab_order_objects(g->min_order, size);
	return 0;
}

/* mm/slab.c enable_cpucache() */
static void fl_slab_tunables(u32 size, u32 *limit, u32 *batch)
{
	u32 l;

	if (size > 131072)
		l = 1;
	else if (size > FL_PAGE_SIZE)
		l = 8;
	else if (size > 1024)
		l = 24;
	else if (size > 256)
		l = 54;
	else
		l = 120;
	*limit = l;
	*batch = (l + 1) / 2;
}

/* ------------------------------------------------------------ root */

/* Binary search of the first hole page in [start, end): holes are tails. */
static u32 fl_slab_section_len(struct fl_buddy *b, u32 start, u32 end)
{
	struct fl_page_info pi;
	u32 lo = start, hi = end;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (fl_buddy_page_info(b, mid, &pi) || pi.state == FL_PAGE_HOLE)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo - start;
}

static u32 fl_slab_win_hash(u64 w, u32 bits)
{
	return (u32)((w * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

static void fl_slab_win_add(struct fl_slab_root *r, u64 w, u32 sec)
{
	u32 mask = (1U << r->win_bits) - 1;
	u32 i = fl_slab_win_hash(w, r->win_bits);

	for (;; i = (i + 1) & mask) {
		struct fl_slab_win *e = &r->win[i];

		if (!e->key) {
			e->key = w + 1;
			e->sec[0] = sec;
			e->sec[1] = FL_SLAB_WIN_NONE;
			return;
		}
		if (e->key != w + 1)
			continue;
		if (e->sec[1] == FL_SLAB_WIN_NONE)
			e->sec[1] = sec;
		else
			e->sec[0] = FL_SLAB_WIN_MANY;
		return;
	}
}

static void fl_slab_build_windows(struct fl_slab_root *r)
{
	u32 i;

	for (i = 0; i < r->nr_sections; i++) {
		const struct fl_slab_section *sec = &r->sections[i];
		u64 w0 = (u64)sec->base >> FL_SLAB_WIN_SHIFT, w1;

		if (!sec->nr_pages)
			continue;
		w1 = ((u64)sec->base +
		      ((u64)sec->nr_pages << FL_PAGE_SHIFT) - 1) >>
		     FL_SLAB_WIN_SHIFT;
		fl_slab_win_add(r, w0, i);
		if (w1 != w0)
			fl_slab_win_add(r, w1, i);
	}
}

static int fl_slab_build_sections(struct fl_slab_root *r)
{
	u32 nr = (r->nr_pages >> FL_SLAB_SECTION_SHIFT) + 1, i, n = 0;

	/* load factor <= 1/2: at most 2 windows per section */
	r->win_bits = 2;
	while ((1U << r->win_bits) < 4 * nr)
		r->win_bits++;
	r->sections = fl_zalloc(sizeof(*r->sections) * nr +
				(sizeof(*r->win) << r->win_bits));
	if (!r->sections)
		return -ENOMEM;
	r->win = (struct fl_slab_win *)(r->sections + nr);
	for (i = 0; i < nr; i++) {
		u32 start = i << FL_SLAB_SECTION_SHIFT, end, len, j;
		void *addr;

		if (start >= r->nr_pages)
			break;
		addr = fl_buddy_page_addr(r->buddy, start);
		if (!addr)
			continue;
		end = min(start + (1U << FL_SLAB_SECTION_SHIFT), r->nr_pages);
		len = fl_slab_section_len(r->buddy, start, end);
		/* insertion sort by address: chunks need not be in order */
		for (j = n; j > 0 && r->sections[j - 1].base > (uintptr_t)addr;
		     j--)
			r->sections[j] = r->sections[j - 1];
		r->sections[j].base = (uintptr_t)addr;
		r->sections[j].start = start;
		r->sections[j].nr_pages = len;
		n++;
	}
	r->nr_sections = n;
	fl_slab_build_windows(r);
	return 0;
}

/**
 * fl_slab_root_create() - create the slab registry of one arena.
 * @b: the arena's buddy; must outlive the root.
 * @out: out: the new root.
 *
 * Names of caches are unique per root.  The SLUB min_objects heuristic is
 * set from fl_nr_cpus(); see fl_slab_root_set_min_objects().
 *
 * Context: process context, may sleep (metadata allocation).
 * Return: 0, -EINVAL for NULL arguments, -ENOMEM.
 */
int fl_slab_root_create(struct fl_buddy *b, struct fl_slab_root **out)
{
	struct fl_slab_root *r;
	int ret;

	if (!b || !out)
		return -EINVAL;
	r = fl_zalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->buddy = b;
	r->nr_pages = fl_buddy_nr_pages(b);
	r->min_objects = fl_slab_min_objects_here();
	fl_link_init(&r->caches);
	ret = fl_slab_build_sections(r);
	if (ret) {
		fl_free(r);
		return ret;
	}
	r->page_slab = fl_zalloc(sizeof(*r->page_slab) * r->nr_pages);
	if (!r->page_slab) {
		fl_free(r->sections);
		fl_free(r);
		return -ENOMEM;
	}
	fl_lock_init(&r->lock);
	*out = r;
	return 0;
}

/**
 * fl_slab_root_buddy() - the buddy a root allocates from.
 * @r: the root.
 *
 * Context: any.
 * Return: the buddy given to fl_slab_root_create().
 */
struct fl_buddy *fl_slab_root_buddy(const struct fl_slab_root *r)
{
	return r->buddy;
}

/**
 * fl_slab_root_set_min_objects() - override SLUB's min_objects.
 * @r: the root.
 * @min_objects: for caches created afterwards; 0 restores the default
 *               (fl_slab_min_objects_cpus() of the present CPUs), 1 gives
 *               the plain 1/16 leftover rule.
 *
 * Context: any; does not affect existing caches.
 */
void fl_slab_root_set_min_objects(struct fl_slab_root *r, u32 min_objects)
{
	fl_lock(&r->lock);
	r->min_objects = min_objects ? min_objects : fl_slab_min_objects_here();
	fl_unlock(&r->lock);
}

/* ------------------------------------------------------------ objects */

static fl_always_inline u64 fl_slab_obj_offset(const struct fl_slab_cache *c,
						const struct fl_slab *s, u32 idx)
{
	return ((u64)s->page << FL_PAGE_SHIFT) + s->colour +
	       (u64)idx * c->geo.size;
}

/*
 * The fl_slab_alloc / fl_slab_free events (kmem_cache_alloc/free): the
 * object's arena offset, its size and the stride it takes.
 */
static fl_always_inline void fl_slab_trace_alloc(const struct fl_slab_cache *c,
						 u64 offset)
{
	fl_trace(fl_slab_alloc, c->name, offset, c->object_size, c->geo.size);
}

static fl_always_inline void fl_slab_trace_free(const struct fl_slab_cache *c,
						u64 offset)
{
	fl_trace(fl_slab_free, c->name, offset, c->object_size, c->geo.size);
}

static fl_always_inline void *fl_slab_obj_ptr(const struct fl_slab_cache *c,
					       const struct fl_slab *s, u32 idx)
{
	if (!s->base)
		return NULL;
	return s->base + s->colour + (size_t)idx * c->geo.size;
}

/*
 * State bytes are read without the lock that wrote them in two places
 * (lookup under the buddy lock, the checker): READ_ONCE() / WRITE_ONCE().
 */
static u8 fl_slab_state_get(const struct fl_slab *s, u32 idx)
{
	return fl_read_once(s->state[idx]);
}

static void fl_slab_state_set(struct fl_slab *s, u32 idx, u8 v)
{
	fl_write_once(s->state[idx], v);
}

/* Point every page of @s's block at @to (@s or NULL); see "Lookup". */
static void fl_slab_set_pages(struct fl_slab_cache *c, struct fl_slab *s,
			      struct fl_slab *to)
{
	struct fl_slab **ps = c->root->page_slab + s->page;
	u32 i;

	for (i = 0; i < (1U << s->order); i++)
		fl_write_once(ps[i], to);
}

static struct fl_slab *fl_slab_page_slab(const struct fl_slab_root *r,
					 u32 page)
{
	return fl_read_once(r->page_slab[page]);
}

/* ------------------------------------------------------------ slab lists */

static u32 fl_slab_list_for(const struct fl_slab *s)
{
	if (!s->nr_free)
		return FL_LIST_FULL;
	if (s->nr_free == s->objs)
		return FL_LIST_EMPTY;
	return FL_LIST_PARTIAL;
}

/* Move @s to the list matching its nr_free.  Cache lock held. */
static void fl_slab_relist(struct fl_slab_cache *c, struct fl_slab *s)
{
	u32 id = fl_slab_list_for(s);

	if (id == s->list_id)
		return;
	if (s->list_id != FL_LIST_NONE) {
		fl_link_del(&s->link);
		c->lists[s->list_id].nr--;
	}
	fl_link_add(&s->link, &c->lists[id].head);
	c->lists[id].nr++;
	s->list_id = id;
}

/* Pop one free object of @s (nr_free > 0).  Cache lock held. */
static u32 fl_slab_pop(struct fl_slab_cache *c, struct fl_slab *s, u8 state)
{
	u32 idx = s->free_idx[--s->nr_free];

	c->free_in_slabs--;
	c->gen++;
	fl_slab_state_set(s, idx, state);
	return idx;
}

/* Push object @idx back onto @s.  Cache lock held. */
static void fl_slab_push(struct fl_slab_cache *c, struct fl_slab *s, u32 idx)
{
	fl_slab_state_set(s, idx, FL_OBJ_FREE);
	s->free_idx[s->nr_free++] = (u16)idx;
	c->free_in_slabs++;
	c->gen++;
	fl_slab_relist(c, s);
}

/*
 * Unlink @s, give its pages back to the buddy and queue its metadata on
 * @dead for fl_slab_free_dead() once every lock is dropped.  Cache lock
 * held; @s must be empty.
 */
static void fl_slab_release(struct fl_slab_cache *c, struct fl_slab *s,
			    struct fl_slab **dead)
{
	int ret;

	fl_link_del(&s->link);
	c->lists[s->list_id].nr--;
	s->list_id = FL_LIST_NONE;
	c->free_in_slabs -= s->nr_free;
	c->nr_objs -= s->objs;
	c->nr_pages -= 1U << s->order;
	fl_slab_set_pages(c, s, NULL);
	ret = fl_buddy_free(c->root->buddy, s->page);
	fl_warn_once(ret);
	s->magic = 0;
	c->slabs_freed++;
	s->next_dead = *dead;
	*dead = s;
}

static void fl_slab_free_dead(struct fl_slab *dead)
{
	while (dead) {
		struct fl_slab *next = dead->next_dead;

		fl_free(dead);
		dead = next;
	}
}

/* Release empty slabs beyond @keep.  Cache lock held.  Returns pages. */
static u64 fl_slab_trim_empty(struct fl_slab_cache *c, u64 keep,
			      struct fl_slab **dead)
{
	struct fl_slab_list *l = &c->lists[FL_LIST_EMPTY];
	u64 pages = 0;

	while (l->nr > keep) {
		/* the oldest empty slab: at the tail */
		struct fl_slab *s = fl_slab_of(l->head.prev);

		pages += 1U << s->order;
		fl_slab_release(c, s, dead);
	}
	return pages;
}

/* ------------------------------------------------------------ growing */

/*
 * A cache's metadata (the cache, its per-CPU arrays and each slab's
 * metadata, fl_slab_new_meta(), on every growth): with FL_SLAB_ACCOUNT
 * charged to the current task's memory cgroup, the task that creates the
 * cache or whose allocation grows it, and uncharged when it is freed.
 * The kernel bills a SLAB_ACCOUNT cache's per-object metadata to the
 * allocating task too (mm/memcontrol.c, 6.12: __memcg_slab_post_alloc_hook()
 * charges obj_full_size(), the object plus its slot in the slab's objcg
 * vector, on every allocation); fraglab's per-slab arrays are per object
 * as well (free_idx[], state[]) and are charged whole when the slab is
 * made.  Cost: docs/RELIABILITY.md, "Charging the core's metadata".
 */
static void *fl_slab_zalloc(u32 flags, size_t bytes)
{
	return (flags & FL_SLAB_ACCOUNT) ? fl_zalloc_account(bytes) :
					   fl_zalloc(bytes);
}

/* Metadata for a slab of the preferred order (the minimum one has fewer). */
static struct fl_slab *fl_slab_new_meta(struct fl_slab_cache *c)
{
	u32 objs = c->geo.objs;
	size_t bytes = sizeof(struct fl_slab) + objs * sizeof(u16) + objs;
	struct fl_slab *s;

	if (c->flags & FL_SLAB_KMALLOC)
		bytes += objs * sizeof(u16);
	s = fl_slab_zalloc(c->flags, bytes);
	if (!s)
		return NULL;
	/* u16 arrays first, right after the (8-byte aligned) struct */
	s->free_idx = (u16 *)(s + 1);
	if (c->flags & FL_SLAB_KMALLOC)
		s->requested = s->free_idx + objs;
	s->state = (u8 *)(s->free_idx + objs +
			  ((c->flags & FL_SLAB_KMALLOC) ? objs : 0));
	s->cache = c;
	s->list_id = FL_LIST_NONE;
	fl_link_init(&s->link);
	return s;
}

static u32 fl_slab_next_colour(struct fl_slab_cache *c)
{
	u32 colour;

	fl_lock(&c->lock);
	colour = c->colour_next * c->colour_off;
	if (++c->colour_next >= c->colours)
		c->colour_next = 0;
	fl_unlock(&c->lock);
	return colour;
}

/* Make the owner cookie point at @s, under the buddy lock (see Lookup). */
static void fl_slab_publish(struct fl_slab_cache *c, struct fl_slab *s)
{
	struct fl_buddy *b = c->root->buddy;
	int ret;

	fl_lock(__fl_buddy_lock(b));
	ret = __fl_buddy_set_owner(b, s->page, FL_OWN_SLAB,
				   (u64)(uintptr_t)s);
	fl_unlock(__fl_buddy_lock(b));
	fl_warn_once(ret);
	fl_slab_set_pages(c, s, s);
}

/* Run the constructor on every object of a fresh slab.  No lock held. */
static u64 fl_slab_construct(struct fl_slab_cache *c, struct fl_slab *s)
{
	u32 i;

	if (!c->ctor || !s->base)
		return 0;
	for (i = 0; i < s->objs; i++)
		c->ctor(fl_slab_obj_ptr(c, s, i), c->ctor_arg);
	return s->objs;
}

/*
 * Take the block of a new slab from the buddy: the preferred order first,
 * then the minimum order that holds one object, as SLUB's allocate_slab()
 * (mm/slub.c, 6.12 and 6.1) retries at s->min when alloc_slab_page() at
 * s->oo fails ("Allocation may have failed due to fragmentation") and
 * counts ORDER_FALLBACK.  The kernel's second try may repeat the same
 * order with reclaim allowed; fraglab's buddy does not reclaim, so it
 * retries only at a smaller order.  Sets @s's order and object count.
 * No lock held.
 */
static int fl_slab_alloc_block(struct fl_slab_cache *c, struct fl_slab *s,
			       bool *fallback)
{
	struct fl_buddy_req req = { 0 };
	u32 idx;
	int ret;

	req.order = c->geo.order;
	req.mt = c->mt;
	req.owner_kind = FL_OWN_SLAB;
	req.requested = c->geo.objs * c->object_size;
	req.owner = 0;		/* published later, once initialised */
	ret = fl_buddy_alloc(c->root->buddy, &req, &idx);
	s->order = c->geo.order;
	s->objs = c->geo.objs;
	*fallback = false;
	if (ret && c->geo.min_order < c->geo.order) {
		req.order = c->geo.min_order;
		req.requested = c->geo.min_objs * c->object_size;
		ret = fl_buddy_alloc(c->root->buddy, &req, &idx);
		s->order = c->geo.min_order;
		s->objs = c->geo.min_objs;
		*fallback = true;
	}
	if (ret)
		return -ENOMEM;
	s->page = idx;
	return 0;
}

/*
 * Grow @c by one slab and take one object of it for the caller (so a
 * grower always makes progress).  No lock held on entry or exit.
 */
static int fl_slab_grow(struct fl_slab_cache *c, struct fl_slab_ref *ref)
{
	struct fl_slab *s;
	bool fallback;
	u64 ctors;
	u32 i;
	int ret;

	s = fl_slab_new_meta(c);
	if (!s) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = fl_slab_alloc_block(c, s, &fallback);
	if (ret)
		goto free_meta;
	for (i = 0; i < s->objs; i++)
		s->free_idx[i] = (u16)(s->objs - 1 - i);
	s->nr_free = s->objs;
	/* the colours are cut from the preferred order's leftover */
	s->colour = fallback ? 0 : fl_slab_next_colour(c);
	s->base = fl_buddy_page_addr(c->root->buddy, s->page);
	s->magic = FL_SLAB_MAGIC;
	fl_slab_publish(c, s);
	ctors = fl_slab_construct(c, s);

	fl_lock(&c->lock);
	c->ctor_calls += ctors;
	c->slabs_allocated++;
	c->order_fallback += fallback;
	c->nr_objs += s->objs;
	c->nr_pages += 1U << s->order;
	c->free_in_slabs += s->nr_free;
	ref->slab = s;
	ref->idx = fl_slab_pop(c, s, FL_OBJ_LIVE);
	fl_slab_relist(c, s);
	fl_unlock(&c->lock);
	return 0;
free_meta:
	fl_free(s);
fail:
	fl_lock(&c->lock);
	c->alloc_fail++;
	fl_unlock(&c->lock);
	return ret;
}

/* ------------------------------------------------------------ refill/flush */

static struct fl_slab *fl_slab_pick(struct fl_slab_cache *c)
{
	if (!fl_link_empty(&c->lists[FL_LIST_PARTIAL].head))
		return fl_slab_of(c->lists[FL_LIST_PARTIAL].head.next);
	if (!fl_link_empty(&c->lists[FL_LIST_EMPTY].head))
		return fl_slab_of(c->lists[FL_LIST_EMPTY].head.next);
	return NULL;
}

/* Move free objects from slabs to @pc's array until it holds @want. */
static void fl_slab_fill(struct fl_slab_cache *c, struct fl_slab_cpu *pc,
			 u32 want)
{
	struct fl_slab *s;

	while (pc->avail < want) {
		s = fl_slab_pick(c);
		if (!s)
			break;
		pc->entry[pc->avail].slab = s;
		pc->entry[pc->avail].idx = fl_slab_pop(c, s, FL_OBJ_CACHED);
		pc->avail++;
		fl_slab_relist(c, s);
	}
}

/*
 * Take one object for the caller (into @ref, state LIVE) and up to
 * batchcount - 1 more into @pc's (empty) array.  Per-CPU and cache locks
 * held.  Returns false if no slab has a free object.
 */
static bool fl_slab_refill(struct fl_slab_cache *c, struct fl_slab_cpu *pc,
			   struct fl_slab_ref *ref)
{
	struct fl_slab *s = fl_slab_pick(c);
	u32 want = c->batchcount ? c->batchcount - 1 : 0;

	if (!s)
		return false;
	ref->slab = s;
	ref->idx = fl_slab_pop(c, s, FL_OBJ_LIVE);
	fl_slab_relist(c, s);
	fl_slab_fill(c, pc, want);
	return true;
}

/* Give back the @n oldest objects of @pc's array.  Both locks held. */
static void fl_slab_flush(struct fl_slab_cache *c, struct fl_slab_cpu *pc,
			  u32 n)
{
	u32 i;

	if (n > pc->avail)
		n = pc->avail;
	for (i = 0; i < n; i++)
		fl_slab_push(c, pc->entry[i].slab, pc->entry[i].idx);
	for (i = n; i < pc->avail; i++)
		pc->entry[i - n] = pc->entry[i];
	pc->avail -= n;
}

/* ------------------------------------------------------------ create */

static int fl_slab_check_name(const char *name)
{
	size_t i, len;

	if (!name)
		return -EINVAL;
	for (len = 0; len < FL_SLAB_NAME_LEN && name[len]; len++)
		;
	if (!len || len >= FL_SLAB_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return -EINVAL;
	return 0;
}

static struct fl_slab_cache *fl_slab_find_locked(struct fl_slab_root *r,
						 const char *name)
{
	struct fl_slab_link *l;

	for (l = r->caches.next; l != &r->caches; l = l->next) {
		struct fl_slab_cache *c = fl_cache_of(l);

		if (!fl_memcmp(c->name, name, fl_strlen(name) + 1))
			return c;
	}
	return NULL;
}

static int fl_slab_cpu_init(struct fl_slab_cache *c)
{
	u32 i;

	c->nr_cpus = fl_nr_cpus();
	if (!c->nr_cpus)
		c->nr_cpus = 1;
	c->cpu = fl_slab_zalloc(c->flags, sizeof(*c->cpu) * c->nr_cpus);
	if (!c->cpu)
		return -ENOMEM;
	if (c->limit) {
		c->entries = fl_slab_zalloc(c->flags, sizeof(*c->entries) *
					    c->limit * c->nr_cpus);
		if (!c->entries) {
			fl_free(c->cpu);
			return -ENOMEM;
		}
	}
	for (i = 0; i < c->nr_cpus; i++) {
		fl_cpu_lock_init(&c->cpu[i].lock);
		c->cpu[i].entry = c->entries ? c->entries + i * c->limit : NULL;
	}
	return 0;
}

static void fl_slab_cpu_fini(struct fl_slab_cache *c)
{
	u32 i;

	for (i = 0; i < c->nr_cpus; i++)
		fl_cpu_lock_destroy(&c->cpu[i].lock);
	fl_free(c->entries);
	fl_free(c->cpu);
}

static void fl_slab_setup(struct fl_slab_cache *c, u32 object_size, u32 align,
			  u32 flags, const struct fl_slab_geometry *g)
{
	c->object_size = object_size;
	c->align = align < FL_SLAB_MIN_ALIGN ? FL_SLAB_MIN_ALIGN : align;
	c->flags = flags;
	c->mt = (flags & FL_SLAB_RECLAIMABLE) ? FL_MT_RECLAIMABLE :
						FL_MT_UNMOVABLE;
	c->geo = *g;
	c->sec_hint = &fl_slab_no_section;
	c->recip = (u32)(((1ULL << 32) + g->size - 1) / g->size);
	c->min_partial = fl_slab_min_partial(g->size);
	c->colour_off = c->align > FL_SLAB_CACHE_LINE ? c->align :
			 FL_SLAB_CACHE_LINE;
	c->colours = 1;
	if ((flags & FL_SLAB_COLOUR) && g->leftover / c->colour_off > 1)
		c->colours = g->leftover / c->colour_off;
	fl_slab_tunables(g->size, &c->limit, &c->batchcount);
	if (flags & FL_SLAB_NO_CPU_CACHE) {
		c->limit = 0;
		c->batchcount = 0;
	}
}

static int __fl_slab_cache_create(struct fl_slab_root *r, const char *name,
				  u32 object_size, u32 align, u32 flags,
				  fl_slab_ctor_t ctor, void *ctor_arg,
				  struct fl_slab_cache **out)
{
	struct fl_slab_geometry g;
	struct fl_slab_cache *c;
	u32 min_objects, i;
	int ret;

	if (!r || !out || fl_slab_check_name(name))
		return -EINVAL;
	fl_lock(&r->lock);
	min_objects = r->min_objects;
	fl_unlock(&r->lock);
	ret = fl_slab_calc_geometry(object_size, align, min_objects, !!ctor,
				    &g);
	if (ret)
		return ret;
	c = fl_slab_zalloc(flags, sizeof(*c));
	if (!c)
		return -ENOMEM;
	fl_strscpy(c->name, name, sizeof(c->name));
	c->root = r;
	c->ctor = ctor;
	c->ctor_arg = ctor_arg;
	fl_slab_setup(c, object_size, align, flags, &g);
	for (i = 0; i < 3; i++)
		fl_link_init(&c->lists[i].head);
	ret = fl_slab_cpu_init(c);
	if (ret) {
		fl_free(c);
		return ret;
	}
	fl_lock_init(&c->lock);
	c->magic = FL_SLAB_CACHE_MAGIC;

	fl_lock(&r->lock);
	if (fl_slab_find_locked(r, c->name)) {
		fl_unlock(&r->lock);
		fl_lock_destroy(&c->lock);
		fl_slab_cpu_fini(c);
		fl_free(c);
		return -EEXIST;
	}
	c->seq = ++r->next_seq;
	fl_link_add(&c->node, r->caches.prev);	/* creation order */
	r->nr_caches++;
	fl_unlock(&r->lock);
	*out = c;
	return 0;
}

/**
 * fl_slab_cache_create() - create an object cache.
 * @r: the arena's slab root.
 * @name: 1..31 printable ASCII characters without spaces, unique in @r.
 * @object_size: bytes per object, 1..FL_SLAB_MAX_SIZE after alignment.
 * @align: 0 for the default (8) or a power of two up to FL_PAGE_SIZE.
 * @flags: FL_SLAB_RECLAIMABLE, FL_SLAB_COLOUR, FL_SLAB_NO_CPU_CACHE,
 *         FL_SLAB_ACCOUNT, FL_SLAB_SHARED.
 * @ctor: constructor, run once per object when its slab is created (never
 *        in simulations without arena memory); may be NULL.
 * @ctor_arg: second argument of @ctor.
 * @out: out: the cache.
 *
 * Context: process context, may sleep.  Takes the root lock.
 * Return: 0; -EINVAL for a bad name, size, alignment or flag; -EEXIST if
 * @name is taken in @r; -ENOMEM.
 */
int fl_slab_cache_create(struct fl_slab_root *r, const char *name,
			 u32 object_size, u32 align, u32 flags,
			 fl_slab_ctor_t ctor, void *ctor_arg,
			 struct fl_slab_cache **out)
{
	if (flags & ~FL_SLAB_USER_FLAGS)
		return -EINVAL;
	return __fl_slab_cache_create(r, name, object_size, align, flags,
				      ctor, ctor_arg, out);
}

/**
 * fl_slab_cache_find() - look a cache up by name.
 * @r: the root.
 * @name: the name.
 *
 * Context: takes the root lock.  The result stays valid only as long as
 * the caller makes sure nobody destroys the cache.
 * Return: the cache, or NULL.
 */
struct fl_slab_cache *fl_slab_cache_find(struct fl_slab_root *r,
					 const char *name)
{
	struct fl_slab_cache *c;

	if (!r || fl_slab_check_name(name))
		return NULL;
	fl_lock(&r->lock);
	c = fl_slab_find_locked(r, name);
	fl_unlock(&r->lock);
	return c;
}

/**
 * fl_slab_cache_name() - a cache's name.
 * @c: the cache.
 *
 * Context: any.
 * Return: the NUL-terminated name.
 */
const char *fl_slab_cache_name(const struct fl_slab_cache *c)
{
	return c->name;
}

/**
 * fl_slab_cache_object_size() - a cache's object size as created.
 * @c: the cache.
 *
 * Context: any.
 * Return: the object size in bytes.
 */
u32 fl_slab_cache_object_size(const struct fl_slab_cache *c)
{
	return c->object_size;
}

/* ------------------------------------------------------------ alloc */

/*
 * Pin the caller to its CPU and lock that CPU's array (local_lock
 * semantics, see fl_port.h): in a non-RT kernel this is only
 * preempt_disable().
 */
static fl_always_inline struct fl_slab_cpu *fl_slab_cpu_get(struct fl_slab_cache *c)
{
	u32 cpu = fl_cpu_pin();
	struct fl_slab_cpu *pc;

	if (unlikely(cpu >= c->nr_cpus))
		cpu %= c->nr_cpus;
	pc = &c->cpu[cpu];
	fl_cpu_lock(&pc->lock);
	return pc;
}

static fl_always_inline void fl_slab_cpu_put(struct fl_slab_cpu *pc)
{
	fl_cpu_unlock(&pc->lock);
	fl_cpu_unpin();
}

static fl_always_inline void fl_slab_alloc_done(struct fl_slab_cpu *pc,
						u32 req_bytes,
						const struct fl_slab_ref *ref)
{
	if (ref->slab->requested) {
		ref->slab->requested[ref->idx] = (u16)req_bytes;
		pc->req_bytes += req_bytes;
	}
	fl_slab_cpu_put(pc);
}

/* The per-CPU array is empty: refill it, or grow.  @pc pinned, locked. */
static fl_noinline int fl_slab_alloc_slow(struct fl_slab_cache *c,
					  struct fl_slab_cpu *pc,
					  u32 req_bytes,
					  struct fl_slab_ref *ref)
{
	bool ok;
	int ret;

	pc->alloc_misses++;
	fl_lock(&c->lock);
	ok = fl_slab_refill(c, pc, ref);
	fl_unlock(&c->lock);
	if (!ok) {
		/* growing may sleep: unpinned; we may come back elsewhere */
		fl_slab_cpu_put(pc);
		ret = fl_slab_grow(c, ref);
		if (ret)
			return ret;
		pc = fl_slab_cpu_get(c);
		if (!pc->avail && c->batchcount > 1) {
			/* the rest of the batch, from the new slab */
			fl_lock(&c->lock);
			fl_slab_fill(c, pc, c->batchcount - 1);
			fl_unlock(&c->lock);
		}
	}
	pc->allocs++;
	fl_slab_alloc_done(pc, req_bytes, ref);
	return 0;
}

/* Allocate one object; @req_bytes for kmalloc accounting (0 otherwise). */
static fl_always_inline int fl_slab_alloc_ref(struct fl_slab_cache *c,
					      u32 req_bytes,
					      struct fl_slab_ref *ref)
{
	struct fl_slab_cpu *pc = fl_slab_cpu_get(c);
	int ret;

	if (unlikely(!pc->avail)) {
		ret = fl_slab_alloc_slow(c, pc, req_bytes, ref);
		if (!ret)
			fl_slab_trace_alloc(c, fl_slab_obj_offset(c, ref->slab,
								  ref->idx));
		return ret;
	}
	*ref = pc->entry[--pc->avail];
	fl_slab_state_set(ref->slab, ref->idx, FL_OBJ_LIVE);
	pc->alloc_hits++;
	fl_slab_alloc_done(pc, req_bytes, ref);
	fl_slab_trace_alloc(c, fl_slab_obj_offset(c, ref->slab, ref->idx));
	return 0;
}

/**
 * fl_slab_cache_alloc() - allocate one object.
 * @c: the cache.
 * @offset: out (may be NULL): the object's arena byte offset.
 * @ptr: out (may be NULL): its virtual address, NULL in simulations.
 *
 * A reused object keeps the state it had when freed (constructed state,
 * if the caller restores it before freeing, as with kmem_cache ctors).
 *
 * Context: process context, may sleep when the cache grows.
 * Return: 0, or -ENOMEM (buddy or metadata exhausted; the cache is
 * unchanged), -EINVAL for a NULL cache.
 */
int fl_slab_cache_alloc(struct fl_slab_cache *c, u64 *offset, void **ptr)
{
	struct fl_slab_ref ref;
	int ret;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	ret = fl_slab_alloc_ref(c, 0, &ref);
	if (ret)
		return ret;
	if (offset)
		*offset = fl_slab_obj_offset(c, ref.slab, ref.idx);
	if (ptr)
		*ptr = fl_slab_obj_ptr(c, ref.slab, ref.idx);
	return 0;
}

/* ------------------------------------------------------------ free */

/*
 * The index of the LIVE object of @s (a slab of @owner) that starts at
 * arena byte @offset, which lies in @s's block.  Return: 0 or -ENOENT.
 */
static fl_always_inline int fl_slab_index(const struct fl_slab_cache *owner,
					  const struct fl_slab *s, u64 offset,
					  u32 *idx)
{
	/*
	 * < 2^15: a slab is at most FL_SLAB_MAX_ORDER (32 KiB).  An offset
	 * inside the colour wraps to >= 2^32 - 2^15, whose quotient is far
	 * above objs (size <= 2^15): no branch of its own.
	 */
	u32 rel = (u32)(offset - ((u64)s->page << FL_PAGE_SHIFT)) - s->colour;
	u32 i;

	/* rel * size < 2^32, so the reciprocal gives the exact quotient */
	i = (u32)(((u64)rel * owner->recip) >> 32);
	if (i >= s->objs || i * owner->geo.size != rel)
		return -ENOENT;
	if (fl_slab_state_get(s, i) != FL_OBJ_LIVE)
		return -ENOENT;
	*idx = i;
	return 0;
}

/*
 * Find the LIVE object at @offset without any lock; see "Lookup" in the
 * comment at the top.  @c NULL accepts any cache.
 */
static fl_always_inline int fl_slab_lookup(struct fl_slab_root *r, struct fl_slab_cache *c,
			  u64 offset, struct fl_slab_ref *ref)
{
	struct fl_slab *s;

	if ((offset >> FL_PAGE_SHIFT) >= r->nr_pages)
		return -ENOENT;
	s = fl_slab_page_slab(r, (u32)(offset >> FL_PAGE_SHIFT));
	if (!s || s->magic != FL_SLAB_MAGIC)
		return -ENOENT;
	if (c && s->cache != c)
		return -EINVAL;
	ref->slab = s;
	return fl_slab_index(s->cache, s, offset, &ref->idx);
}

static void fl_slab_count_bad_free(struct fl_slab_cache *c)
{
	fl_lock(&c->lock);
	c->bad_frees++;
	fl_unlock(&c->lock);
}

/*
 * Free a looked-up object to @pc's array (or, when it is full, a batch
 * to the slabs; the cache lock is then taken and left held in *@locked
 * for the caller to drop).  @acct: the cache may be a kmalloc cache
 * (constant at every call site, so the check folds away where it is
 * not).  The lookup found the object LIVE; a second free racing with
 * this one is not detected (see "Lookup" at the top).  @pc pinned and
 * locked.
 */
static fl_always_inline void fl_slab_free_one(struct fl_slab_cache *c,
					      struct fl_slab_cpu *pc,
					      const struct fl_slab_ref *ref,
					      bool acct, bool *locked)
{
	if (acct && ref->slab->requested)
		pc->req_bytes -= ref->slab->requested[ref->idx];
	if (likely(pc->avail < c->limit)) {
		pc->entry[pc->avail++] = *ref;
		fl_slab_state_set(ref->slab, ref->idx, FL_OBJ_CACHED);
		pc->free_hits++;
		return;
	}
	pc->frees++;
	pc->free_misses++;
	if (!*locked) {
		fl_lock(&c->lock);
		*locked = true;
	}
	if (c->limit) {
		fl_slab_flush(c, pc, c->batchcount);
		pc->entry[pc->avail++] = *ref;
		fl_slab_state_set(ref->slab, ref->idx, FL_OBJ_CACHED);
	} else {
		fl_slab_push(c, ref->slab, ref->idx);
	}
}

/* Free a looked-up LIVE object to its cache.  Return: 0. */
static fl_always_inline int fl_slab_free_ref(struct fl_slab_cache *c,
					     const struct fl_slab_ref *ref)
{
	struct fl_slab_cpu *pc;
	struct fl_slab *dead = NULL;
	bool locked = false;

	fl_slab_trace_free(c, fl_slab_obj_offset(c, ref->slab, ref->idx));
	pc = fl_slab_cpu_get(c);
	fl_slab_free_one(c, pc, ref, true, &locked);
	if (likely(!locked)) {
		fl_slab_cpu_put(pc);
		return 0;
	}
	fl_slab_trim_empty(c, c->min_partial, &dead);
	fl_unlock(&c->lock);
	fl_slab_cpu_put(pc);
	fl_slab_free_dead(dead);
	return 0;
}

static fl_always_inline int fl_slab_free_off(struct fl_slab_cache *c,
					     u64 offset);

/**
 * fl_slab_cache_free() - free one object by arena offset.
 * @c: the cache it was allocated from.
 * @offset: the arena byte offset fl_slab_cache_alloc() returned.
 *
 * Context: process context (may free metadata, which may sleep).
 * Return: 0; -EINVAL if the object belongs to another cache (or @c is a
 * kmalloc cache: use fl_kfree()); -ENOENT if no allocated object starts
 * at @offset (never allocated, already freed, not a slab page).
 */
int fl_slab_cache_free(struct fl_slab_cache *c, u64 offset)
{
	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	return fl_slab_free_off(c, offset);
}

/* fl_slab_cache_free() once @c is known to be a cache. */
static fl_always_inline int fl_slab_free_off(struct fl_slab_cache *c,
					     u64 offset)
{
	struct fl_slab_ref ref;
	int ret;

	ret = fl_slab_lookup(c->root, c, offset, &ref);
	if (!ret && (c->flags & FL_SLAB_KMALLOC))
		ret = -EINVAL;
	if (ret) {
		fl_slab_count_bad_free(c);
		return ret;
	}
	return fl_slab_free_ref(c, &ref);
}

static fl_always_inline int __fl_slab_ptr_to_offset(struct fl_slab_root *r,
						    const void *ptr,
						    u64 *offset);

/**
 * fl_slab_ptr_to_offset() - arena offset of a virtual address.
 * @r: the root.
 * @ptr: an address inside the arena.
 * @offset: out.
 *
 * O(1) through a hash of 4 MiB windows built at root creation (a binary
 * search over the sections if one window meets more than two); lock-free.
 *
 * Context: any.
 * Return: 0, or -ENOENT if @ptr is not inside arena memory (always in
 * metadata-only simulations).
 */
int fl_slab_ptr_to_offset(struct fl_slab_root *r, const void *ptr,
			  u64 *offset)
{
	return __fl_slab_ptr_to_offset(r, ptr, offset);
}

/* Does section @sec hold address @p?  (p below base wraps to a huge value) */
static fl_always_inline bool fl_slab_sec_has(const struct fl_slab_section *sec,
					     uintptr_t p)
{
	return (u64)(p - sec->base) < ((u64)sec->nr_pages << FL_PAGE_SHIFT);
}

/* Arena byte offset of @p, which lies in @sec. */
static fl_always_inline u64 fl_slab_sec_offset(const struct fl_slab_section *sec,
					       uintptr_t p)
{
	return ((u64)sec->start << FL_PAGE_SHIFT) + (p - sec->base);
}

/* The section holding address @p, or NULL. */
static fl_always_inline const struct fl_slab_section *
fl_slab_ptr_section(const struct fl_slab_root *r, uintptr_t p)
{
	u64 w = (u64)p >> FL_SLAB_WIN_SHIFT;
	u32 mask = (1U << r->win_bits) - 1, i, k;
	u32 lo = 0, hi = r->nr_sections;
	const struct fl_slab_section *sec;

	for (i = fl_slab_win_hash(w, r->win_bits); r->win[i].key;
	     i = (i + 1) & mask) {
		const struct fl_slab_win *e = &r->win[i];

		if (e->key != w + 1)
			continue;
		if (e->sec[0] == FL_SLAB_WIN_MANY)
			goto search;
		for (k = 0; k < 2 && e->sec[k] != FL_SLAB_WIN_NONE; k++) {
			sec = &r->sections[e->sec[k]];
			if (fl_slab_sec_has(sec, p))
				return sec;
		}
		return NULL;
	}
	return NULL;
search:
	while (lo < hi) {		/* first section with base > p */
		u32 mid = lo + (hi - lo) / 2;

		if (r->sections[mid].base > p)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!lo || !fl_slab_sec_has(&r->sections[lo - 1], p))
		return NULL;
	return &r->sections[lo - 1];
}

static fl_always_inline int __fl_slab_ptr_to_offset(struct fl_slab_root *r,
						    const void *ptr,
						    u64 *offset)
{
	const struct fl_slab_section *sec;

	sec = fl_slab_ptr_section(r, (uintptr_t)ptr);
	if (!sec)
		return -ENOENT;
	*offset = fl_slab_sec_offset(sec, (uintptr_t)ptr);
	return 0;
}

/*
 * fl_slab_ptr_to_offset() for @c's objects: a cache's slabs usually sit
 * in few sections, so the last section found is tried first.  The hint
 * is shared by every CPU and written only on a miss; sections never
 * change after the root is created, so any value read is a valid
 * section (or fl_slab_no_section, which holds nothing).
 */
static fl_always_inline int fl_slab_cache_ptr_offset(struct fl_slab_cache *c,
						     const void *ptr,
						     u64 *offset)
{
	const struct fl_slab_section *sec = fl_read_once(c->sec_hint);
	uintptr_t p = (uintptr_t)ptr;

	if (unlikely(!fl_slab_sec_has(sec, p))) {
		sec = fl_slab_ptr_section(c->root, p);
		if (!sec)
			return -ENOENT;
		fl_write_once(c->sec_hint, sec);
	}
	*offset = fl_slab_sec_offset(sec, p);
	return 0;
}

/**
 * fl_slab_cache_free_ptr() - free one object by virtual address.
 * @c: the cache it was allocated from.
 * @ptr: the address fl_slab_cache_alloc() returned.
 *
 * Context: process context.
 * Return: as fl_slab_cache_free(); -ENOENT also if @ptr is outside the
 * arena.
 */
int fl_slab_cache_free_ptr(struct fl_slab_cache *c, const void *ptr)
{
	u64 off;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	if (unlikely(fl_slab_cache_ptr_offset(c, ptr, &off))) {
		fl_slab_count_bad_free(c);
		return -ENOENT;
	}
	return fl_slab_free_off(c, off);
}

/* One bulk-allocated object to the caller's arrays. */
static fl_always_inline void fl_slab_bulk_out(struct fl_slab_cache *c,
			     const struct fl_slab_ref *ref, u32 i,
			     u64 *offsets, void **ptrs)
{
	if (ref->slab->requested)
		ref->slab->requested[ref->idx] = 0;
	if (offsets)
		offsets[i] = fl_slab_obj_offset(c, ref->slab, ref->idx);
	if (ptrs)
		ptrs[i] = fl_slab_obj_ptr(c, ref->slab, ref->idx);
}

/*
 * Pop @n objects off @pc's array into the caller's arrays from index @at
 * on (the fast path of a bulk allocation).
 */
static fl_always_inline void fl_slab_bulk_hits(struct fl_slab_cache *c,
					       struct fl_slab_cpu *pc, u32 n,
					       u64 *offsets, void **ptrs,
					       u32 at)
{
	const struct fl_slab_ref *e = pc->entry;
	bool acct = c->flags & FL_SLAB_KMALLOC;
	u32 top = pc->avail, size = c->geo.size, i;

	pc->avail -= n;
	if (!acct && !offsets) {
		/*
		 * By pointer only, as kmem_cache_alloc_bulk() (and the
		 * bench): the arena has memory (alloc_bulk refused a
		 * metadata-only one without @offsets), so base is set.
		 */
		for (i = 0; i < n; i++) {
			struct fl_slab *s = e[top - 1 - i].slab;
			u32 idx = e[top - 1 - i].idx;
			u8 *obj = s->base + s->colour + (size_t)idx * size;

			fl_slab_state_set(s, idx, FL_OBJ_LIVE);
			ptrs[at + i] = obj;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		struct fl_slab *s = e[top - 1 - i].slab;
		u32 idx = e[top - 1 - i].idx;
		u32 rel = s->colour + idx * size;
		u8 *base = s->base;
		u64 page = s->page;

		/* read before the state byte is written (char aliases all) */
		fl_slab_state_set(s, idx, FL_OBJ_LIVE);
		if (acct)
			s->requested[idx] = 0;
		if (offsets)
			offsets[at + i] = (page << FL_PAGE_SHIFT) + rel;
		if (ptrs)
			ptrs[at + i] = base ? base + rel : NULL;
	}
}

/*
 * One fl_slab_alloc event per object of a bulk allocation: the loop out
 * of line behind the enabled test, as fl_trace() does for one event, so
 * that with the event off a bulk allocation pays only the test.
 */
static fl_noinline void __fl_slab_trace_bulk_alloc(struct fl_slab_cache *c,
						   u32 n, const u64 *offsets,
						   void * const *ptrs)
{
	u64 off;
	u32 i;

	for (i = 0; i < n; i++) {
		if (offsets)
			off = offsets[i];
		else if (fl_slab_ptr_to_offset(c->root, ptrs[i], &off))
			continue;
		fl_slab_trace_alloc(c, off);
	}
}

static fl_always_inline void fl_slab_trace_bulk_alloc(struct fl_slab_cache *c,
						       u32 n, const u64 *offsets,
						       void * const *ptrs)
{
	if (fl_trace_enabled(fl_slab_alloc))
		__fl_slab_trace_bulk_alloc(c, n, offsets, ptrs);
}

/**
 * fl_slab_cache_alloc_bulk() - allocate @n objects in one call.
 * @c: the cache.
 * @n: number of objects.
 * @offsets: out: @n arena byte offsets; may be NULL if @ptrs is given and
 *           the arena has memory.
 * @ptrs: out (may be NULL): @n virtual addresses (NULL in simulations).
 *
 * As kmem_cache_alloc_bulk(): all or nothing.  The objects come from this
 * CPU's array first, then straight from the slabs under one cache lock
 * (the array is not refilled), then from new slabs.
 *
 * Context: process context, may sleep when the cache grows.
 * Return: 0; -ENOMEM (nothing is left allocated); -EINVAL (also for no
 * way back: @offsets NULL with @ptrs NULL or a metadata-only arena).
 */
int fl_slab_cache_alloc_bulk(struct fl_slab_cache *c, u32 n, u64 *offsets,
			     void **ptrs)
{
	struct fl_slab_ref ref;
	struct fl_slab_cpu *pc;
	struct fl_slab *s;
	u32 done = 0, hits, misses;
	int ret;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	/* a failure must be able to give back what it took */
	if (n && !offsets && (!ptrs || !c->root->nr_sections))
		return -EINVAL;
	while (done < n) {
		pc = fl_slab_cpu_get(c);
		hits = min(pc->avail, n - done);
		fl_slab_bulk_hits(c, pc, hits, offsets, ptrs, done);
		done += hits;
		misses = 0;
		if (done < n) {
			fl_lock(&c->lock);
			while (done < n && (s = fl_slab_pick(c))) {
				ref.slab = s;
				ref.idx = fl_slab_pop(c, s, FL_OBJ_LIVE);
				fl_slab_relist(c, s);
				fl_slab_bulk_out(c, &ref, done++, offsets,
						 ptrs);
				misses++;
			}
			fl_unlock(&c->lock);
		}
		pc->alloc_hits += hits;
		pc->alloc_misses += misses;
		pc->allocs += misses;	/* hits count in alloc_hits */
		fl_slab_cpu_put(pc);
		if (done == n)
			break;
		/* no free object left in any slab: grow (may sleep) */
		ret = fl_slab_grow(c, &ref);
		if (ret)
			goto fail;
		pc = fl_slab_cpu_get(c);
		pc->alloc_misses++;
		pc->allocs++;
		fl_slab_cpu_put(pc);
		fl_slab_bulk_out(c, &ref, done++, offsets, ptrs);
	}
	fl_slab_trace_bulk_alloc(c, n, offsets, ptrs);
	return 0;
fail:
	/* give back what we took: allocated, then freed, events included */
	fl_slab_trace_bulk_alloc(c, done, offsets, ptrs);
	if (done)
		fl_warn_once(fl_slab_cache_free_bulk(c, done, offsets, ptrs));
	return ret;
}

/*
 * The objects of one bulk free usually share their section and often
 * their slab: remember the last of each.  A remembered slab stays valid
 * for the call: it had a LIVE object at the start, and a slab is released
 * only when all its objects are FREE, so any later object of the call
 * that lies in its block is either its object or a bogus free (which may
 * race with a release in any case; see "Lookup" at the top).
 */
struct fl_slab_bulk_hint {
	uintptr_t sec_base;
	u64 sec_bytes;		/* 0: nothing remembered */
	u64 sec_start;		/* byte offset of the section */
	struct fl_slab *slab;
	u64 slab_start;		/* byte offset of @slab's block */
	u64 slab_bytes;		/* 0: nothing remembered */
};

/* fl_slab_ptr_to_offset() for a bulk free; ~0 if @ptr is not in the arena. */
static fl_always_inline u64 fl_slab_bulk_ptr_offset(const struct fl_slab_root *r,
						    struct fl_slab_bulk_hint *h,
						    const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	const struct fl_slab_section *sec;

	/* p below the base wraps to a huge difference */
	if (likely((u64)(p - h->sec_base) < h->sec_bytes))
		return h->sec_start + (p - h->sec_base);
	sec = fl_slab_ptr_section(r, p);
	if (!sec)
		return ~0ULL;	/* -ENOENT in the lookup */
	h->sec_base = sec->base;
	h->sec_bytes = (u64)sec->nr_pages << FL_PAGE_SHIFT;
	h->sec_start = (u64)sec->start << FL_PAGE_SHIFT;
	return fl_slab_sec_offset(sec, p);
}

/* fl_slab_lookup() for a bulk free of @c's objects. */
static fl_always_inline int fl_slab_bulk_lookup(struct fl_slab_cache *c,
						struct fl_slab_bulk_hint *h,
						u64 off, struct fl_slab_ref *ref)
{
	int ret;

	if (likely(off - h->slab_start < h->slab_bytes)) {
		ref->slab = h->slab;
		return fl_slab_index(c, h->slab, off, &ref->idx);
	}
	ret = fl_slab_lookup(c->root, c, off, ref);
	if (!ret) {
		h->slab = ref->slab;
		h->slab_start = (u64)ref->slab->page << FL_PAGE_SHIFT;
		h->slab_bytes = FL_PAGE_SIZE << ref->slab->order;
	}
	return ret;
}

/*
 * The loop of fl_slab_cache_free_bulk(), inlined once with @offsets and
 * once with @ptrs NULL.  Return: how many entries were bad; *@first is
 * the first one's errno.
 */
static fl_always_inline u32 fl_slab_free_bulk_loop(struct fl_slab_cache *c,
						   struct fl_slab_cpu *pc,
						   u32 n, const u64 *offsets,
						   void * const *ptrs,
						   bool *locked, int *first)
{
	bool kmalloc = c->flags & FL_SLAB_KMALLOC;
	struct fl_slab_bulk_hint h = { 0 };
	u32 i, bad = 0, hits = 0, avail = pc->avail, limit = c->limit;
	struct fl_slab_ref ref;
	u64 off;
	int ret;

	for (i = 0; i < n; i++) {
		if (offsets)
			off = offsets[i];
		else
			off = fl_slab_bulk_ptr_offset(c->root, &h, ptrs[i]);
		ret = fl_slab_bulk_lookup(c, &h, off, &ref);
		if (!ret && kmalloc)
			ret = -EINVAL;
		if (unlikely(ret)) {
			if (!bad++)
				*first = ret;
			continue;
		}
		fl_slab_trace_free(c, off);
		/* fl_slab_free_one()'s fast path, the array index in a register */
		if (likely(avail < limit)) {
			pc->entry[avail++] = ref;
			fl_slab_state_set(ref.slab, ref.idx, FL_OBJ_CACHED);
			hits++;
			continue;
		}
		pc->avail = avail;
		fl_slab_free_one(c, pc, &ref, false, locked);
		avail = pc->avail;
	}
	pc->avail = avail;
	pc->free_hits += hits;
	return bad;
}

/**
 * fl_slab_cache_free_bulk() - free @n objects in one call.
 * @c: the cache they were allocated from.
 * @n: number of objects.
 * @offsets: their arena byte offsets, or NULL to use @ptrs.
 * @ptrs: their virtual addresses (used when @offsets is NULL).
 *
 * The objects go to this CPU's array; when it fills up, batches go back
 * to the slabs under the cache lock, which is taken at most once for the
 * whole call.  Objects that are not live objects of @c are skipped and
 * counted as bad frees.
 *
 * Context: process context.
 * Return: 0, or the first error as fl_slab_cache_free() would return it
 * (every valid object is still freed).
 */
int fl_slab_cache_free_bulk(struct fl_slab_cache *c, u32 n,
			    const u64 *offsets, void * const *ptrs)
{
	struct fl_slab *dead = NULL;
	struct fl_slab_cpu *pc;
	bool locked = false;
	int first = 0;
	u32 bad;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC) ||
	    (!offsets && !ptrs))
		return -EINVAL;
	pc = fl_slab_cpu_get(c);
	if (offsets)
		bad = fl_slab_free_bulk_loop(c, pc, n, offsets, NULL, &locked,
					     &first);
	else
		bad = fl_slab_free_bulk_loop(c, pc, n, NULL, ptrs, &locked,
					     &first);
	if (bad && !locked) {
		fl_lock(&c->lock);
		locked = true;
	}
	if (locked) {
		c->bad_frees += bad;
		fl_slab_trim_empty(c, c->min_partial, &dead);
		fl_unlock(&c->lock);
	}
	fl_slab_cpu_put(pc);
	fl_slab_free_dead(dead);
	return first;
}

/**
 * fl_slab_cache_of() - the cache an allocated object belongs to.
 * @r: the root.
 * @offset: arena byte offset of a live object.
 *
 * Context: takes the buddy lock.
 * Return: the cache, or NULL if no live object starts at @offset.
 */
struct fl_slab_cache *fl_slab_cache_of(struct fl_slab_root *r, u64 offset)
{
	struct fl_slab_ref ref;

	if (fl_slab_lookup(r, NULL, offset, &ref))
		return NULL;
	return ref.slab->cache;
}

/* ------------------------------------------------------------ shrink */

/* fl_cpu_for_each() callback: flush one CPU's array to the slabs. */
static void fl_slab_drain_cpu(unsigned int cpu, void *arg)
{
	struct fl_slab_cache *c = arg;
	struct fl_slab_cpu *pc = &c->cpu[cpu];

	fl_cpu_remote_lock(&pc->lock);
	if (pc->avail) {
		fl_lock(&c->lock);
		fl_slab_flush(c, pc, pc->avail);
		fl_unlock(&c->lock);
	}
	fl_cpu_remote_unlock(&pc->lock);
}

/*
 * Flush every per-CPU array of @c back to its slabs.  In the kernel this
 * runs on each CPU in turn (work_on_cpu(); may sleep).
 */
static void fl_slab_drain_cpus(struct fl_slab_cache *c)
{
	fl_cpu_for_each(c->nr_cpus, fl_slab_drain_cpu, c);
}

/**
 * fl_slab_cache_shrink() - give empty slabs back to the buddy.
 * @c: the cache.
 * @flags: 0 keeps min_partial empty slabs (SLUB's rule on free);
 *         FL_SLAB_SHRINK_ALL releases every empty slab
 *         (kmem_cache_shrink()).
 *
 * Every per-CPU array is flushed first, so objects cached there count
 * as free.  Constructed state of released objects is lost.
 *
 * Context: process context; CPU hotplug held off by the caller
 * (cpus_read_lock() in the kernel: fl_cpu_for_each()).
 * Return: pages returned to the buddy (>= 0), or -EINVAL.
 */
long fl_slab_cache_shrink(struct fl_slab_cache *c, unsigned int flags)
{
	struct fl_slab *dead = NULL;
	u64 pages;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC) ||
	    (flags & ~FL_SLAB_SHRINK_ALL))
		return -EINVAL;
	fl_slab_drain_cpus(c);
	fl_lock(&c->lock);
	pages = fl_slab_trim_empty(c, (flags & FL_SLAB_SHRINK_ALL) ? 0 :
				   c->min_partial, &dead);
	fl_unlock(&c->lock);
	fl_slab_free_dead(dead);
	return (long)pages;
}

/* ------------------------------------------------------------ destroy */

static u64 fl_slab_live(struct fl_slab_cache *c)
{
	u64 allocs = 0, frees = 0;
	u32 i;

	for (i = 0; i < c->nr_cpus; i++) {
		fl_cpu_remote_lock(&c->cpu[i].lock);
		allocs += fl_read_once(c->cpu[i].allocs) +
			  fl_read_once(c->cpu[i].alloc_hits);
		frees += fl_read_once(c->cpu[i].frees) +
			 fl_read_once(c->cpu[i].free_hits);
		fl_cpu_remote_unlock(&c->cpu[i].lock);
	}
	return allocs - frees;
}

/* Release every slab and the cache itself.  @c is unlinked from the root. */
static void fl_slab_cache_free_all(struct fl_slab_cache *c)
{
	struct fl_slab *dead = NULL;
	u32 i;

	fl_slab_drain_cpus(c);
	fl_lock(&c->lock);
	for (i = 0; i < 3; i++) {
		struct fl_slab_list *l = &c->lists[i];

		while (!fl_link_empty(&l->head)) {
			struct fl_slab *s = fl_slab_of(l->head.next);

			/* objects still live are dropped with their slab */
			c->free_in_slabs += s->objs - s->nr_free;
			s->nr_free = s->objs;
			fl_slab_release(c, s, &dead);
		}
	}
	fl_unlock(&c->lock);
	fl_slab_free_dead(dead);
	c->magic = 0;
	fl_lock_destroy(&c->lock);
	fl_slab_cpu_fini(c);
	fl_free(c);
}

static void fl_slab_unlink(struct fl_slab_root *r, struct fl_slab_cache *c)
{
	u32 i;

	fl_link_del(&c->node);
	r->nr_caches--;
	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++)
		if (r->kmalloc[i] == c)
			r->kmalloc[i] = NULL;
}

/**
 * fl_slab_cache_destroy() - destroy an empty cache.
 * @c: the cache; must not be used concurrently.
 *
 * Per-CPU arrays are flushed first; then, if any object is still live,
 * nothing is freed.  Size-class (kmalloc) caches belong to the root and
 * go away only with it.
 *
 * Context: process context; CPU hotplug held off by the caller
 * (cpus_read_lock() in the kernel: fl_cpu_for_each()).  Takes the root
 * lock.
 * Return: 0; -EBUSY if objects are live; -EPERM for a kmalloc cache;
 * -EINVAL for NULL.
 */
int fl_slab_cache_destroy(struct fl_slab_cache *c)
{
	struct fl_slab_root *r;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	if (c->flags & FL_SLAB_KMALLOC)
		return -EPERM;
	r = c->root;
	fl_lock(&r->lock);
	if (fl_slab_live(c)) {
		fl_unlock(&r->lock);
		return -EBUSY;
	}
	fl_slab_unlink(r, c);
	fl_unlock(&r->lock);
	fl_slab_cache_free_all(c);
	return 0;
}

/**
 * fl_slab_cache_destroy_force() - destroy a cache and its live objects.
 * @c: the cache; must not be used concurrently.
 *
 * For the glue when the fd that created the cache is closed: every slab
 * goes back to the buddy, live objects included.
 *
 * Context: process context.  Takes the root lock.
 * Return: number of live objects dropped (>= 0), -EPERM for a kmalloc
 * cache, -EINVAL for NULL.
 */
long fl_slab_cache_destroy_force(struct fl_slab_cache *c)
{
	struct fl_slab_root *r;
	u64 live;

	if (!c || fl_warn_once(c->magic != FL_SLAB_CACHE_MAGIC))
		return -EINVAL;
	if (c->flags & FL_SLAB_KMALLOC)
		return -EPERM;
	r = c->root;
	fl_lock(&r->lock);
	live = fl_slab_live(c);
	fl_slab_unlink(r, c);
	fl_unlock(&r->lock);
	fl_slab_cache_free_all(c);
	return (long)live;
}

/*
 * Give the buddy back the kmalloc_large blocks still held: find each by
 * its owner cookie (fl_kmalloc_large_owner()).  Only at root destroy,
 * when nothing else uses the root.
 */
static void fl_slab_root_free_large(struct fl_slab_root *r)
{
	u64 cookie = fl_kmalloc_large_owner(r);
	struct fl_buddy *b = r->buddy;
	struct fl_page_info pi;
	u32 i = 0;

	while (r->large.live) {
		fl_lock(__fl_buddy_lock(b));
		for (i = __fl_buddy_next_block(b, i, &pi); i != FL_BUDDY_NONE;
		     i = __fl_buddy_next_block(b, i + (1U << pi.order), &pi))
			if (pi.state == FL_PAGE_ALLOC_HEAD &&
			    pi.owner_kind == FL_OWN_KERNEL && pi.owner == cookie)
				break;
		fl_unlock(__fl_buddy_lock(b));
		if (fl_warn_once(i == FL_BUDDY_NONE))
			break;
		fl_warn_once(fl_buddy_free(b, i));
		r->large.live--;
		r->large.pages -= 1U << pi.order;
		fl_cond_resched();
	}
}

/**
 * fl_slab_root_destroy() - destroy every cache and the root.
 * @r: the root (NULL is a no-op); nothing may use it concurrently.
 *
 * Every slab page, live objects included, and every block of a live
 * fl_kmalloc() above FL_KMALLOC_MAX_CACHE_SIZE goes back to the buddy.
 *
 * Context: process context; CPU hotplug held off by the caller
 * (cpus_read_lock() in the kernel: fl_cpu_for_each()).
 */
void fl_slab_root_destroy(struct fl_slab_root *r)
{
	if (!r)
		return;
	for (;;) {
		struct fl_slab_cache *c = NULL;

		fl_lock(&r->lock);
		if (!fl_link_empty(&r->caches)) {
			c = fl_cache_of(r->caches.next);
			fl_slab_unlink(r, c);
		}
		fl_unlock(&r->lock);
		if (!c)
			break;
		fl_slab_cache_free_all(c);
		fl_cond_resched();
	}
	fl_slab_root_free_large(r);
	fl_lock_destroy(&r->lock);
	fl_free(r->page_slab);
	fl_free(r->sections);
	fl_free(r);
}

/**
 * fl_slab_root_for_each() - call @fn for every cache, in creation order.
 * @r: the root.
 * @fn: callback; a non-zero return stops the walk.  Runs with the root
 *      lock held (a spinlock in the kernel): it must not sleep, create or
 *      destroy caches; it may call fl_slab_cache_get_stats().
 * @arg: passed to @fn.
 *
 * Context: takes the root lock.
 * Return: the first non-zero return of @fn, or 0.
 */
int fl_slab_root_for_each(struct fl_slab_root *r,
			  int (*fn)(struct fl_slab_cache *c, void *arg),
			  void *arg)
{
	struct fl_slab_link *l;
	int ret = 0;

	fl_lock(&r->lock);
	for (l = r->caches.next; l != &r->caches && !ret; l = l->next)
		ret = fn(fl_cache_of(l), arg);
	fl_unlock(&r->lock);
	return ret;
}

/* ------------------------------------------------------------ stats */

/**
 * fl_slab_cache_get_stats() - snapshot of a cache's counters.
 * @c: the cache.
 * @st: out.
 *
 * Per-CPU counters are read one CPU at a time, so the snapshot is exact
 * only when the cache is quiescent.
 *
 * Context: takes the per-CPU locks in turn and the cache lock.
 */
void fl_slab_cache_get_stats(struct fl_slab_cache *c, struct fl_slab_stats *st)
{
	s64 req = 0;
	u32 i;

	fl_memset(st, 0, sizeof(*st));
	fl_strscpy(st->name, c->name, sizeof(st->name));
	for (i = 0; i < c->nr_cpus; i++) {
		struct fl_slab_cpu *pc = &c->cpu[i];

		/* racy reads in a non-RT kernel (fl_port.h) */
		fl_cpu_remote_lock(&pc->lock);
		st->allocs += fl_read_once(pc->allocs) +
			      fl_read_once(pc->alloc_hits);
		st->frees += fl_read_once(pc->frees) +
			     fl_read_once(pc->free_hits);
		st->alloc_hits += fl_read_once(pc->alloc_hits);
		st->alloc_misses += fl_read_once(pc->alloc_misses);
		st->free_hits += fl_read_once(pc->free_hits);
		st->free_misses += fl_read_once(pc->free_misses);
		st->cpu_cached += fl_read_once(pc->avail);
		req += fl_read_once(pc->req_bytes);
		fl_cpu_remote_unlock(&pc->lock);
	}
	st->requested_bytes = req > 0 ? (u64)req : 0;
	st->object_size = c->object_size;
	st->align = c->align;
	st->size = c->geo.size;
	st->order = c->geo.order;
	st->objs_per_slab = c->geo.objs;
	st->pages_per_slab = 1U << c->geo.order;
	st->leftover = c->geo.leftover;
	st->min_order = c->geo.min_order;
	st->min_objs = c->geo.min_objs;
	st->colours = c->colours;
	st->flags = c->flags;
	st->limit = c->limit;
	st->batchcount = c->batchcount;
	st->min_partial = c->min_partial;

	fl_lock(&c->lock);
	st->nr_full = c->lists[FL_LIST_FULL].nr;
	st->nr_partial = c->lists[FL_LIST_PARTIAL].nr;
	st->nr_empty = c->lists[FL_LIST_EMPTY].nr;
	st->free_in_slabs = c->free_in_slabs;
	st->num_objs = c->nr_objs;
	st->pages = c->nr_pages;
	st->order_fallback = c->order_fallback;
	st->ctor_calls = c->ctor_calls;
	st->alloc_fail = c->alloc_fail;
	st->bad_frees = c->bad_frees;
	st->slabs_allocated = c->slabs_allocated;
	st->slabs_freed = c->slabs_freed;
	fl_unlock(&c->lock);

	st->nr_slabs = st->nr_full + st->nr_partial + st->nr_empty;
	st->live_objs = st->allocs - st->frees;
	st->padding_bytes = (u64)(c->geo.size - c->object_size) * st->num_objs;
	/* every slab's bytes not covered by its objects (colour included) */
	st->leftover_bytes = (st->pages << FL_PAGE_SHIFT) -
			     st->num_objs * c->geo.size;
}

/* ------------------------------------------------------------ checker */

/*
 * The checker walks one cache at a time in holds of bounded work, each
 * under the root lock (the cache is found again by its @seq, so a cache
 * destroyed meanwhile is simply gone) and that cache's lock, with @pause
 * called between holds once @step units of work (object states, pages,
 * per-CPU entries) are used up.  Everything a hold's cursor relies on is
 * changed only under the cache lock and counted in the cache's stamp
 * (struct fl_slab_stamp); a hold that finds the stamp moved starts the
 * cache over, as fl_buddy_check_paced() does for the buddy.
 */
struct fl_slab_checker {
	struct fl_slab_root *r;		/* NULL: @c is the caller's */
	struct fl_slab_cache *c;	/* valid during a hold only */
	u64 seq;
	char *msg;
	size_t len;
	int ret;
	u32 step;
	void (*pause)(void *arg);
	void *arg;
	u64 budget;			/* work left in this hold */
	/* cursor */
	u32 cpu;			/* next per-CPU array; nr_cpus: lists */
	u32 list_id;
	struct fl_slab_link *p;		/* next slab of lists[list_id] */
	u64 n;				/* slabs seen on lists[list_id] */
	/* sums over the walk */
	u64 cached_live, nfree, objs, pages;
	u64 cached, allocs, frees;
};

/*
 * What moves when a cache changes: the cache lock's generation (every
 * object pushed to or popped from a slab, fl_slab_pop()/fl_slab_push()),
 * slabs made and released, and each CPU's operation counters (its array
 * is read without that CPU's lock outside PREEMPT_RT).  Cache lock held.
 */
struct fl_slab_stamp {
	u64 gen, made, released, cpu_ops;
};

static void fl_slab_stamp(const struct fl_slab_cache *c,
			  struct fl_slab_stamp *st)
{
	u32 i;

	st->gen = c->gen;
	st->made = c->slabs_allocated;
	st->released = c->slabs_freed;
	st->cpu_ops = 0;
	for (i = 0; i < c->nr_cpus; i++) {
		const struct fl_slab_cpu *pc = &c->cpu[i];

		st->cpu_ops += fl_read_once(pc->allocs) +
			       fl_read_once(pc->frees) +
			       fl_read_once(pc->alloc_hits) +
			       fl_read_once(pc->free_hits) +
			       fl_read_once(pc->alloc_misses) +
			       fl_read_once(pc->free_misses);
	}
}

/* One slab: metadata, states, free indices, buddy ownership. */
static void fl_slab_check_slab(struct fl_slab_checker *ck, struct fl_slab *s,
			       u32 list_id, u64 *cached_live)
{
	struct fl_slab_cache *c = ck->c;
	struct fl_page_info pi;
	u32 i, nfree = 0;

	if (s->magic != FL_SLAB_MAGIC || s->cache != c || s->list_id != list_id) {
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u: bad magic/cache/list",
					c->name, s->page);
		return;
	}
	if (!(s->order == c->geo.order && s->objs == c->geo.objs) &&
	    !(s->order == c->geo.min_order && s->objs == c->geo.min_objs)) {
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u: order %u with %u objects is neither the preferred nor the minimum geometry",
					c->name, s->page, s->order, s->objs);
		return;
	}
	if (fl_slab_list_for(s) != list_id) {
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u has %u free of %u but is on the %s list",
					c->name, s->page, s->nr_free, s->objs,
					fl_slab_list_names[list_id]);
		return;
	}
	for (i = 0; i < s->nr_free; i++) {
		u32 idx = s->free_idx[i];

		if (idx >= s->objs) {
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: slab at page %u: free index %u out of range",
						c->name, s->page, idx);
			break;
		}
		if (fl_slab_state_get(s, idx) != FL_OBJ_FREE) {
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: slab at page %u: free index %u listed twice or not free (state %u)",
						c->name, s->page, idx,
						fl_slab_state_get(s, idx));
			break;
		}
		/* FREE states are the cache lock's (held): no CPU owns them */
		fl_slab_state_set(s, idx, FL_OBJ_MARK);
	}
	for (i = 0; i < s->nr_free; i++)
		if (s->free_idx[i] < s->objs &&
		    fl_slab_state_get(s, s->free_idx[i]) == FL_OBJ_MARK)
			fl_slab_state_set(s, s->free_idx[i], FL_OBJ_FREE);
	if (ck->ret)
		return;
	for (i = 0; i < s->objs; i++) {
		u8 st = fl_slab_state_get(s, i);

		if (st == FL_OBJ_FREE)
			nfree++;
		else if (st == FL_OBJ_CACHED || st == FL_OBJ_LIVE)
			(*cached_live)++;
		else {
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: slab at page %u: object %u has state %u",
						c->name, s->page, i, st);
			return;
		}
	}
	if (nfree != s->nr_free)
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u: %u objects FREE but %u on the free stack",
					c->name, s->page, nfree, s->nr_free);
	if (fl_buddy_page_info(c->root->buddy, s->page, &pi) ||
	    pi.state != FL_PAGE_ALLOC_HEAD || pi.owner_kind != FL_OWN_SLAB ||
	    pi.owner != (u64)(uintptr_t)s || pi.order != s->order ||
	    pi.mt != c->mt)
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u is not owned by it in the buddy (state %u kind %u order %u mt %u)",
					c->name, s->page, pi.state,
					pi.owner_kind, pi.order, pi.mt);
	if (s->base != fl_buddy_page_addr(c->root->buddy, s->page))
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u: wrong base address",
					c->name, s->page);
	for (i = 0; i < (1U << s->order); i++)
		if (fl_slab_page_slab(c->root, s->page + i) != s)
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: slab at page %u: page_slab[%u] is not this slab",
						c->name, s->page, s->page + i);
	if (s->colour + (u64)s->objs * c->geo.size >
	    ((u64)FL_PAGE_SIZE << s->order) ||
	    (c->colours > 1 && s->colour % c->colour_off))
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: slab at page %u: bad colour %u",
					c->name, s->page, s->colour);
}

/* Work a slab costs the checker: its states, free stack and pages. */
static u64 fl_slab_check_cost(const struct fl_slab *s)
{
	return (u64)s->objs + s->nr_free + (1U << s->order);
}

/*
 * The lists from the cursor on, until the budget runs out (at least one
 * slab per hold).  Cache lock held.  Return: 0 when every list is done,
 * 1 when the budget ran out first, -EUCLEAN on a violation.
 */
static int fl_slab_check_lists_from(struct fl_slab_checker *ck)
{
	struct fl_slab_cache *c = ck->c;
	bool first = true;

	for (; ck->list_id < 3; ck->list_id++, ck->p = NULL, ck->n = 0) {
		struct fl_slab_list *l = &c->lists[ck->list_id];

		if (!ck->p)
			ck->p = l->head.next;
		while (ck->p != &l->head) {
			struct fl_slab_link *p = ck->p;
			struct fl_slab *s = fl_slab_of(p);
			u64 cost = fl_slab_check_cost(s);

			if (!first && ck->step && cost > ck->budget) {
				ck->budget = 0;
				return 1;
			}
			first = false;
			ck->budget -= ck->budget < cost ? ck->budget : cost;
			if (p->next->prev != p)
				return fl_check_fail(ck->msg, ck->len,
						     "slab %s: %s list is corrupt",
						     c->name,
						     fl_slab_list_names[ck->list_id]);
			fl_slab_check_slab(ck, s, ck->list_id, &ck->cached_live);
			if (ck->ret)
				return ck->ret;
			ck->nfree += s->nr_free;
			ck->objs += s->objs;
			ck->pages += 1U << s->order;
			ck->p = p->next;
			if (++ck->n > l->nr)
				break;
		}
		if (ck->n != l->nr)
			return fl_check_fail(ck->msg, ck->len,
					     "slab %s: %s list holds %llu slabs, counter says %llu",
					     c->name,
					     fl_slab_list_names[ck->list_id],
					     (unsigned long long)ck->n,
					     (unsigned long long)l->nr);
	}
	return 0;
}

/* The counters against the sums of the walk.  Cache lock held. */
static int fl_slab_check_sums(struct fl_slab_checker *ck)
{
	struct fl_slab_cache *c = ck->c;
	u64 nslabs = c->lists[0].nr + c->lists[1].nr + c->lists[2].nr;

	if (ck->nfree != c->free_in_slabs)
		return fl_check_fail(ck->msg, ck->len,
				     "slab %s: %llu objects free in slabs, counter says %llu",
				     c->name, (unsigned long long)ck->nfree,
				     (unsigned long long)c->free_in_slabs);
	if (ck->objs != c->nr_objs || ck->pages != c->nr_pages)
		return fl_check_fail(ck->msg, ck->len,
				     "slab %s: slabs hold %llu objects in %llu pages, counters say %llu in %llu",
				     c->name, (unsigned long long)ck->objs,
				     (unsigned long long)ck->pages,
				     (unsigned long long)c->nr_objs,
				     (unsigned long long)c->nr_pages);
	if (ck->cached_live != ck->allocs - ck->frees + ck->cached)
		return fl_check_fail(ck->msg, ck->len,
				     "slab %s: %llu objects cached or live in slabs, but %llu live + %llu cached",
				     c->name,
				     (unsigned long long)ck->cached_live,
				     (unsigned long long)(ck->allocs - ck->frees),
				     (unsigned long long)ck->cached);
	if (c->nr_objs != ck->cached_live + c->free_in_slabs)
		return fl_check_fail(ck->msg, ck->len,
				     "slab %s: objects do not add up", c->name);
	if (nslabs != c->slabs_allocated - c->slabs_freed)
		return fl_check_fail(ck->msg, ck->len,
				     "slab %s: %llu slabs, but %llu created - %llu released",
				     c->name, (unsigned long long)nslabs,
				     (unsigned long long)c->slabs_allocated,
				     (unsigned long long)c->slabs_freed);
	return 0;
}

/*
 * One per-CPU array: entries valid, CACHED and unique.  Read-only: the
 * states of cached objects belong to the CPU whose array holds them, and
 * fl_cpu_remote_lock() excludes that CPU only on PREEMPT_RT (elsewhere
 * its "lock" is its disabled preemption, see fl_port.h), so a mark written
 * here could overwrite the LIVE state its owner just gave the object.
 * Duplicates are found by comparing with the earlier entries instead:
 * at most limit^2 / 2 = 7140 pairs (limit <= 120, fl_slab_tunables()).
 * Both locks held.
 */
static void fl_slab_check_cpu(struct fl_slab_checker *ck,
			      struct fl_slab_cpu *pc, u32 cpu)
{
	struct fl_slab_cache *c = ck->c;
	u32 i, j, avail = fl_read_once(pc->avail);

	if (avail > c->limit) {
		ck->ret = fl_check_fail(ck->msg, ck->len,
					"slab %s: cpu %u holds %u objects, limit %u",
					c->name, cpu, avail, c->limit);
		return;
	}
	for (i = 0; i < avail && !ck->ret; i++) {
		struct fl_slab *s = pc->entry[i].slab;
		u32 idx = pc->entry[i].idx;

		if (!s || s->magic != FL_SLAB_MAGIC || s->cache != c ||
		    s->list_id == FL_LIST_NONE || idx >= s->objs) {
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: cpu %u entry %u: not an object of this cache",
						c->name, cpu, i);
			break;
		}
		if (fl_slab_state_get(s, idx) != FL_OBJ_CACHED) {
			ck->ret = fl_check_fail(ck->msg, ck->len,
						"slab %s: cpu %u entry %u (page %u obj %u): state %u, not cached",
						c->name, cpu, i, s->page, idx,
						fl_slab_state_get(s, idx));
			break;
		}
		for (j = 0; j < i; j++)
			if (pc->entry[j].slab == s && pc->entry[j].idx == idx) {
				ck->ret = fl_check_fail(ck->msg, ck->len,
							"slab %s: cpu %u entries %u and %u (page %u obj %u): duplicate",
							c->name, cpu, j, i,
							s->page, idx);
				break;
			}
	}
}

/* Walks of one cache the checker starts before it gives up (-EAGAIN). */
#define FL_SLAB_CHECK_TRIES	8

/* The first cache created after creation number @seq.  Root lock held. */
static struct fl_slab_cache *fl_slab_after(struct fl_slab_root *r, u64 seq)
{
	struct fl_slab_link *l;

	for (l = r->caches.next; l != &r->caches; l = l->next)
		if (fl_cache_of(l)->seq > seq)
			return fl_cache_of(l);
	return NULL;
}

/* The cache of creation number @seq, or NULL if it is gone.  Root lock held. */
static struct fl_slab_cache *fl_slab_by_seq(struct fl_slab_root *r, u64 seq)
{
	struct fl_slab_cache *c = fl_slab_after(r, seq - 1);

	return c && c->seq == seq ? c : NULL;
}

/*
 * Take the locks of one hold: the root's and a fresh lookup of the cache
 * (when walking a root), then @cpu's lock (if @cpu < nr_cpus) and the
 * cache lock.  Return: the cache, or NULL (nothing held) if it is gone.
 */
static struct fl_slab_cache *fl_slab_check_hold(struct fl_slab_checker *ck,
						u32 cpu)
{
	struct fl_slab_cache *c = ck->c;

	if (ck->r) {
		fl_lock(&ck->r->lock);
		c = fl_slab_by_seq(ck->r, ck->seq);
		if (!c) {
			fl_unlock(&ck->r->lock);
			return NULL;
		}
		ck->c = c;
	}
	if (cpu < c->nr_cpus)
		fl_cpu_remote_lock(&c->cpu[cpu].lock);
	fl_lock(&c->lock);
	return c;
}

static void fl_slab_check_unhold(struct fl_slab_checker *ck, u32 cpu)
{
	struct fl_slab_cache *c = ck->c;

	fl_unlock(&c->lock);
	if (cpu < c->nr_cpus)
		fl_cpu_remote_unlock(&c->cpu[cpu].lock);
	if (ck->r)
		fl_unlock(&ck->r->lock);
}

/*
 * One step of the walk, both locks held: a per-CPU array, or slabs until
 * the budget runs out, or the closing sums.  Return: 1 for more, 0 when
 * the walk is done, -EUCLEAN.
 */
static int fl_slab_check_step(struct fl_slab_checker *ck)
{
	struct fl_slab_cache *c = ck->c;
	int ret;

	if (ck->cpu < c->nr_cpus) {
		struct fl_slab_cpu *pc = &c->cpu[ck->cpu];
		u32 avail = fl_read_once(pc->avail);
		u64 cost = 1 + (u64)avail * avail / 2;

		fl_slab_check_cpu(ck, pc, ck->cpu);
		if (ck->ret)
			return ck->ret;
		ck->cached += avail;
		ck->allocs += pc->allocs + pc->alloc_hits;
		ck->frees += pc->frees + pc->free_hits;
		ck->cpu++;
		ck->budget -= ck->budget < cost ? ck->budget : cost;
		return 1;
	}
	ret = fl_slab_check_lists_from(ck);
	if (ret)
		return ret;
	return fl_slab_check_sums(ck);
}

/*
 * Walk the cache once, in holds.  Return: 0, -EUCLEAN, -EAGAIN if it
 * changed between two holds (or a violation was seen in a cache that
 * changes without its user's serialisation), -ENOENT if it is gone.
 */
static int fl_slab_check_walk(struct fl_slab_checker *ck)
{
	struct fl_slab_stamp then, now;
	bool started = false, shared = false;
	int ret;

	ck->ret = 0;
	ck->cpu = 0;
	ck->list_id = 0;
	ck->p = NULL;
	ck->n = 0;
	ck->cached_live = ck->nfree = ck->objs = ck->pages = 0;
	ck->cached = ck->allocs = ck->frees = 0;
	ck->budget = ck->step;
	for (;;) {
		u32 cpu = ck->cpu;
		struct fl_slab_cache *c;

		if (ck->step && !ck->budget) {
			if (ck->pause)
				ck->pause(ck->arg);
			ck->budget = ck->step;
		}
		c = fl_slab_check_hold(ck, cpu);
		if (!c)
			return -ENOENT;
		shared = c->flags & FL_SLAB_SHARED;
		fl_slab_stamp(c, &now);
		if (!started) {
			then = now;
			started = true;
		}
		if (fl_memcmp(&now, &then, sizeof(now)))
			ret = -EAGAIN;
		else if (ck->r && c->root != ck->r)
			ret = fl_check_fail(ck->msg, ck->len,
					    "slab %s: wrong root", c->name);
		else
			ret = fl_slab_check_step(ck);
		/* a violation in a cache its users change meanwhile */
		if (ret == -EUCLEAN && shared)
			ret = -EAGAIN;
		fl_slab_check_unhold(ck, cpu);
		if (ret != 1)
			return ret;
	}
}

/*
 * Verify one cache in holds, started over when it changed.  Return: 0,
 * -EUCLEAN, -EAGAIN after FL_SLAB_CHECK_TRIES changed walks, 0 also if
 * the cache is gone (destroyed during the check: nothing left to verify).
 */
static int fl_slab_check_one(struct fl_slab_checker *ck)
{
	unsigned int tries;
	int ret = -EAGAIN;

	for (tries = 0; tries < FL_SLAB_CHECK_TRIES && ret == -EAGAIN;
	     tries++) {
		if (ck->msg && ck->len)
			ck->msg[0] = '\0';
		ret = fl_slab_check_walk(ck);
	}
	return ret == -ENOENT ? 0 : ret;
}

/**
 * fl_slab_cache_check() - verify a cache's invariants.
 * @c: the cache; the caller keeps it alive.
 * @msg: out (may be NULL): the first violation found.
 * @len: size of @msg.
 *
 * Checks: list membership matches each slab's free count; list counters;
 * free indices in range and unique, FREE states match the free stacks;
 * per-CPU entries belong to the cache, are CACHED and unique; counters
 * add up (live + cached + free = objects); every slab's block is an
 * allocated FL_OWN_SLAB block of the cache's order and migrate type whose
 * owner cookie is that slab.  A walk the cache's users overtake starts
 * over; a violation seen in a FL_SLAB_SHARED cache counts as such a
 * change, never as corruption (see fl_slab_check_paced()).
 *
 * Context: process context; takes each CPU's lock with the cache lock,
 * then the cache lock, in turn.
 * Return: 0, -EUCLEAN, or -EAGAIN if the cache changed during every walk.
 */
int fl_slab_cache_check(struct fl_slab_cache *c, char *msg, size_t len)
{
	struct fl_slab_checker ck = { .c = c, .msg = msg, .len = len };
	int ret;

	if (msg && len)
		msg[0] = '\0';
	if (!c || c->magic != FL_SLAB_CACHE_MAGIC)
		return fl_check_fail(msg, len, "slab: not a cache");
	ret = fl_slab_check_one(&ck);
	if (ret == -EAGAIN && msg && len)
		fl_scnprintf(msg, len, "slab %s: changed during each of %u walks: not verified, try again",
			     c->name, FL_SLAB_CHECK_TRIES);
	return ret;
}

/*
 * The registry in one hold of the root lock, O(caches): @c's name is
 * unique (when @c is given), or (@c NULL) the count and the size-class
 * table point at listed kmalloc caches of their size.
 */
static int fl_slab_check_registry(struct fl_slab_root *r,
				  struct fl_slab_cache *c)
{
	struct fl_slab_link *l;
	u32 n = 0, i, found = 0;
	int ret = 0;

	for (l = r->caches.next; l != &r->caches && !ret; l = l->next) {
		struct fl_slab_cache *o = fl_cache_of(l);

		n++;
		if (c && o != c &&
		    !fl_memcmp(c->name, o->name, FL_SLAB_NAME_LEN))
			ret = -EUCLEAN;
		for (i = 0; !c && i < FL_KMALLOC_NR_CLASSES; i++)
			if (r->kmalloc[i] == o && (o->flags & FL_SLAB_KMALLOC) &&
			    o->object_size == fl_kmalloc_class_size(i))
				found++;
	}
	if (c)
		return ret;
	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++)
		if (!r->kmalloc[i])
			found++;
	if (n != r->nr_caches || found != FL_KMALLOC_NR_CLASSES)
		ret = -EUCLEAN;
	return ret;
}

/**
 * fl_slab_check_paced() - verify every cache of a root in bounded steps.
 * @r: the root.
 * @msg: out (may be NULL): the first violation found.
 * @len: size of @msg.
 * @step: work per hold of a cache's lock: object states, free-stack
 *        entries and pages of the slabs walked (at least one slab), or
 *        per-CPU entries; 0: no bound.
 * @pause: called with every lock dropped between two holds (the kernel
 *         passes cond_resched()); may be NULL.
 * @arg: passed to @pause.
 *
 * fl_slab_cache_check() for every cache, in creation order, then cache
 * names unique, the cache count and the size-class table.  Every hold
 * takes the root lock and finds its cache again by creation number, so
 * caches may come and go between holds (one destroyed meanwhile is not
 * checked).  A cache that changed between two holds is walked again,
 * FL_SLAB_CHECK_TRIES times at most (as fl_buddy_check_paced()); a
 * violation in a FL_SLAB_SHARED cache (the in-kernel API's, which its
 * users change without the device's serialisation) is taken for such a
 * change, so the verdict is never corruption read from a moving state.
 * A cache left unverified makes the result -EAGAIN unless another one is
 * corrupt.
 *
 * Context: process context; takes the root lock, each CPU's lock and the
 * cache lock per hold; @pause may sleep if the caller may.
 * Return: 0, -EUCLEAN on the first violation, or -EAGAIN (and a sentence
 * in @msg) if some cache changed during each of its walks.
 */
int fl_slab_check_paced(struct fl_slab_root *r, char *msg, size_t len,
			u32 step, void (*pause)(void *arg), void *arg)
{
	struct fl_slab_checker ck = { .r = r, .msg = msg, .len = len,
				      .step = step, .pause = pause,
				      .arg = arg };
	char again[FL_SLAB_NAME_LEN] = "";
	u64 seq = 0;
	int ret;

	if (msg && len)
		msg[0] = '\0';
	for (;;) {
		struct fl_slab_cache *c;

		fl_lock(&r->lock);
		c = fl_slab_after(r, seq);
		if (!c) {
			ret = fl_slab_check_registry(r, NULL);
			fl_unlock(&r->lock);
			break;
		}
		seq = c->seq;
		ck.seq = seq;
		ret = fl_slab_check_registry(r, c);
		fl_unlock(&r->lock);
		if (ret)
			break;
		ret = fl_slab_check_one(&ck);
		if (ret == -EAGAIN && !again[0])
			fl_memcpy(again, ck.c->name, FL_SLAB_NAME_LEN);
		else if (ret)
			return ret;
		if (pause)
			pause(arg);
	}
	if (ret)
		return fl_check_fail(msg, len,
				     "slab root: duplicate names, bad count or size-class table");
	if (!again[0])
		return 0;
	if (msg && len)
		fl_scnprintf(msg, len, "slab %s: changed during each of %u walks: not verified, try again",
			     again, FL_SLAB_CHECK_TRIES);
	return -EAGAIN;
}

/**
 * fl_slab_check() - verify every cache of a root.
 * @r: the root.
 * @msg: out (may be NULL): the first violation found.
 * @len: size of @msg.
 *
 * fl_slab_check_paced() without a bound on a hold's work or a pause.
 *
 * Context: takes the root lock, then each cache's locks.
 * Return: 0, -EUCLEAN, or -EAGAIN if a cache changed during every walk.
 */
int fl_slab_check(struct fl_slab_root *r, char *msg, size_t len)
{
	return fl_slab_check_paced(r, msg, len, 0, NULL, NULL);
}

/* ------------------------------------------------------------ kmalloc hooks */

/* The hooks of fl_kmalloc.c; documented in fl_slab_internal.h. */

int fl_kmalloc_set_class(struct fl_slab_root *r, unsigned int index,
			 struct fl_slab_cache *c)
{
	int ret = 0;

	fl_lock(&r->lock);
	if (r->kmalloc[index])
		ret = -EEXIST;
	else
		r->kmalloc[index] = c;
	fl_unlock(&r->lock);
	return ret;
}

struct fl_slab_cache *fl_kmalloc_get_class(struct fl_slab_root *r,
					   unsigned int index)
{
	struct fl_slab_cache *c;

	fl_lock(&r->lock);
	c = r->kmalloc[index];
	fl_unlock(&r->lock);
	return c;
}

int fl_kmalloc_create_class(struct fl_slab_root *r, const char *name,
			    u32 size, struct fl_slab_cache **out)
{
	return __fl_slab_cache_create(r, name, size, 0, FL_SLAB_KMALLOC,
				      NULL, NULL, out);
}

void fl_kmalloc_destroy_class(struct fl_slab_cache *c)
{
	struct fl_slab_root *r = c->root;

	fl_lock(&r->lock);
	fl_slab_unlink(r, c);
	fl_unlock(&r->lock);
	fl_slab_cache_free_all(c);
}

int fl_kmalloc_alloc_in(struct fl_slab_cache *c, u32 bytes, u64 *offset,
			void **ptr)
{
	struct fl_slab_ref ref;
	int ret;

	ret = fl_slab_alloc_ref(c, bytes, &ref);
	if (ret)
		return ret;
	if (offset)
		*offset = fl_slab_obj_offset(c, ref.slab, ref.idx);
	if (ptr)
		*ptr = fl_slab_obj_ptr(c, ref.slab, ref.idx);
	return 0;
}

void fl_kmalloc_large_account(struct fl_slab_root *r, u32 order, bool alloc)
{
	fl_lock(&r->lock);
	if (alloc) {
		r->large.allocs++;
		r->large.live++;
		r->large.pages += 1U << order;
	} else {
		r->large.frees++;
		r->large.live--;
		r->large.pages -= 1U << order;
	}
	fl_unlock(&r->lock);
}

/**
 * fl_kmalloc_large_get_stats() - the kmalloc_large counters of a root.
 * @r: the root.
 * @st: out.
 *
 * Context: takes the root lock.
 */
void fl_kmalloc_large_get_stats(struct fl_slab_root *r,
				struct fl_kmalloc_large_stats *st)
{
	fl_lock(&r->lock);
	*st = r->large;
	fl_unlock(&r->lock);
}

int fl_kmalloc_free_at(struct fl_slab_root *r, u64 offset, u32 *size,
		       bool dry_run)
{
	struct fl_slab_ref ref;
	struct fl_slab_cache *c;
	int ret;

	ret = fl_slab_lookup(r, NULL, offset, &ref);
	if (ret)
		return ret;
	c = ref.slab->cache;
	if (!(c->flags & FL_SLAB_KMALLOC)) {
		fl_slab_count_bad_free(c);
		return -EINVAL;
	}
	if (size)
		*size = c->object_size;
	if (dry_run)
		return 0;
	return fl_slab_free_ref(c, &ref);
}
