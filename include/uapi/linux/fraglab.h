/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fraglab.h - the userspace ABI of /dev/fraglab.
 *
 * One header, shared by the module and by userspace (libfraglab, fragctl,
 * tests).  Rules (Documentation/process/botching-up-ioctls.rst):
 *  - only __u32/__u64 (and __s32/__s64), explicit padding, every struct a
 *    multiple of 8 bytes, no pointers (user pointers travel as __u64);
 *  - every "reserved"/"pad" field must be zero on input (-EINVAL if not)
 *    and is zeroed on output;
 *  - unknown flags are -EINVAL, unknown commands -ENOTTY;
 *  - handles are opaque 64-bit values, valid only on the file descriptor
 *    that created them; closing the fd frees everything it owns;
 *  - userspace sees arena byte offsets, never physical addresses or
 *    kernel pointers.
 *
 * Command number ranges (nr byte of the ioctl):
 *   0x00-0x0f  general + buddy        0x10-0x1f  slab
 *   0x20-0x2f  fit pools              0x30-0x3f  compaction
 *   0x40-0x4f  HugePage probes        0x50-0x5f  benchmarks
 *   0x60-0x6f  arena map
 */
#ifndef _UAPI_LINUX_FRAGLAB_H
#define _UAPI_LINUX_FRAGLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FRAGLAB_DEVICE		"/dev/fraglab"
#define FRAGLAB_IOC_MAGIC	0xF7

#define FRAGLAB_API_MAJOR	1	/* incompatible changes */
/*
 * API minor: additions; 1 = arena map (0x60), 2 = per-CPU page lists,
 * 3 = compaction policy, 4 = fraglab_bench's fl_min_ps/kernel_min_ps
 */
#define FRAGLAB_API_MINOR	4

#define FRAGLAB_NR_ORDERS	11	/* orders 0..10 */
#define FRAGLAB_PAGEBLOCK_ORDER	9	/* 2 MiB HugePage on x86-64 */

/* Feature bits reported by FRAGLAB_IOC_VERSION. */
#define FRAGLAB_FEAT_BUDDY	(1ULL << 0)
#define FRAGLAB_FEAT_MMAP	(1ULL << 1)
#define FRAGLAB_FEAT_BATCH	(1ULL << 2)
#define FRAGLAB_FEAT_SLAB	(1ULL << 3)
#define FRAGLAB_FEAT_POOL	(1ULL << 4)
#define FRAGLAB_FEAT_COMPACT	(1ULL << 5)
#define FRAGLAB_FEAT_PROBE	(1ULL << 6)
#define FRAGLAB_FEAT_BENCH	(1ULL << 7)
#define FRAGLAB_FEAT_MAP	(1ULL << 8)	/* FRAGLAB_IOC_PAGE_INFO */
#define FRAGLAB_FEAT_PCP	(1ULL << 9)	/* FRAGLAB_SET_PCP_HIGH */
#define FRAGLAB_FEAT_COMPACT_POLICY (1ULL << 10) /* fraglab_compact.policy */

/* Migrate types: the kernel's numbering. */
#define FRAGLAB_MT_UNMOVABLE	0
#define FRAGLAB_MT_MOVABLE	1
#define FRAGLAB_MT_RECLAIMABLE	2
#define FRAGLAB_MT_TYPES	3

/**
 * struct fraglab_version - FRAGLAB_IOC_VERSION (out only; in must be zero).
 * @api_major: out: ABI major version; changes only with an incompatible ABI
 * @api_minor: out: ABI minor version; grows with every addition
 * @features: FRAGLAB_FEAT_*
 * @page_size: out: PAGE_SIZE in bytes
 * @max_order: largest order the arena hands out
 * @kernel_max_order: MAX_ORDER / MAX_PAGE_ORDER of the kernel
 * @block_order: pageblock order: 9
 * @arena_pages: pages in the arena
 * @arena_bytes: out: the arena in bytes
 * @nr_chunks: physically contiguous ranges
 * @group_by_mobility: out: 1 if pageblocks are grouped by migrate type
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_version {
	__u32 api_major;
	__u32 api_minor;
	__u64 features;
	__u32 page_size;
	__u32 max_order;
	__u32 kernel_max_order;
	__u32 block_order;
	__u64 arena_pages;
	__u64 arena_bytes;
	__u32 nr_chunks;
	__u32 group_by_mobility;
	__u64 reserved[4];
};

/* fraglab_alloc.flags */
#define FRAGLAB_ALLOC_BY_ORDER	(1U << 0)	/* use .order, ignore .size */
#define FRAGLAB_ALLOC_ZERO	(1U << 1)	/* accepted; memory always reads as zero when first mapped */
#define FRAGLAB_ALLOC_FLAGS	(FRAGLAB_ALLOC_BY_ORDER | FRAGLAB_ALLOC_ZERO)

/**
 * struct fraglab_alloc - FRAGLAB_IOC_ALLOC, and the element of a batch.
 * @size: in: bytes wanted (rounded up to a power-of-two number of pages),
 *        unless FRAGLAB_ALLOC_BY_ORDER.
 * @order: in: order wanted with FRAGLAB_ALLOC_BY_ORDER; out: order granted.
 * @migratetype: in: FRAGLAB_MT_*.
 * @flags: in: FRAGLAB_ALLOC_*.
 * @result: out (batches): 0 or a negative errno for this element.
 * @handle: out: opaque handle.
 * @offset: out: byte offset of the block in the arena.
 * @granted: out: bytes granted (PAGE_SIZE << order).
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_alloc {
	__u64 size;
	__u32 order;
	__u32 migratetype;
	__u32 flags;
	__s32 result;
	__u64 handle;
	__u64 offset;
	__u64 granted;
	__u64 reserved[2];
};

/**
 * struct fraglab_handle - FRAGLAB_IOC_FREE, and the element of a free batch.
 * @handle: in: an allocation handle of this fd
 * @result: out (batches)
 * @pad: must be zero
 */
struct fraglab_handle {
	__u64 handle;
	__s32 result;
	__u32 pad;
};

/* fraglab_query.kind */
#define FRAGLAB_KIND_PAGES	1	/* buddy allocation */
#define FRAGLAB_KIND_OBJECT	2	/* slab object */
#define FRAGLAB_KIND_POOL	3	/* fit-pool allocation */

/**
 * struct fraglab_query - FRAGLAB_IOC_QUERY: what a handle refers to now.
 * @handle: in.
 * @kind: out: FRAGLAB_KIND_*.
 * @order: out: buddy order (pages kind).
 * @migratetype: out.
 * @offset: out: current byte offset in the arena (changes on compaction).
 * @requested: out: bytes asked for.
 * @granted: out: bytes granted.
 * @mmap_offset: out: the offset to pass to mmap() to map this allocation
 *               (pages kind; 0 otherwise).
 * @moves: out: how many times compaction moved it.
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_query {
	__u64 handle;
	__u32 kind;
	__u32 order;
	__u32 migratetype;
	__u32 pad;
	__u64 offset;
	__u64 requested;
	__u64 granted;
	__u64 mmap_offset;
	__u64 moves;
	__u64 reserved[2];
};

/* fraglab_batch.op */
#define FRAGLAB_BATCH_ALLOC	1	/* ptr -> struct fraglab_alloc[count] */
#define FRAGLAB_BATCH_FREE	2	/* ptr -> struct fraglab_handle[count] */
#define FRAGLAB_BATCH_MAX	65536

/**
 * struct fraglab_batch - FRAGLAB_IOC_BATCH: many allocs or frees in one call.
 * @ptr: in: user pointer to the array.
 * @count: in: number of elements, 1..FRAGLAB_BATCH_MAX.
 * @op: in: FRAGLAB_BATCH_*.
 * @done: out: elements processed; each element's .result says how it went.
 *        Processing stops at the first failure.
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_batch {
	__u64 ptr;
	__u32 count;
	__u32 op;
	__u32 done;
	__u32 pad;
	__u64 reserved[2];
};

/* fraglab_setting.key */
#define FRAGLAB_SET_GROUP_BY_MOBILITY	1	/* value 0/1 */
#define FRAGLAB_SET_PROACTIVE		2	/* 0 = off, 1..100 threshold */
/*
 * Per-CPU page lists for orders 0..3 (the kernel's pcp lists): value =
 * pages a CPU may keep (high), 0 = off (the default), at most
 * FRAGLAB_PCP_HIGH_MAX; batch = high / 4, at most 63.  Every SET drains
 * every list back into the buddy first, even to the same value.
 */
#define FRAGLAB_SET_PCP_HIGH		3
#define FRAGLAB_PCP_HIGH_MAX		65536

/**
 * struct fraglab_setting - FRAGLAB_IOC_SET / FRAGLAB_IOC_GET.
 * @key: in: FRAGLAB_SET_*
 * @pad: must be zero
 * @value: in (SET) or out (GET): the value
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_setting {
	__u32 key;
	__u32 pad;
	__u64 value;
	__u64 reserved[2];
};

/**
 * struct fraglab_check - FRAGLAB_IOC_CHECK: run every invariant checker.
 * @result: out: 0 if consistent, else a negative errno (-EUCLEAN).
 * @message: out: NUL-terminated description of the first violation.
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_check {
	__s32 result;
	__u32 pad;
	__u64 reserved[2];
	char message[128];
};

/**
 * struct fraglab_stats - FRAGLAB_IOC_STATS: the buddy's counters.
 *
 * Ratios are in thousandths (0..1000), rounded down like the kernel's
 * indices.  Free counts are the buddy's free lists (@pcp_pages excluded),
 * as the kernel's mm/vmstat.c reads zone->free_area.
 *
 * @external_frag_permille: 1000 * (1 - largest free block /
 *	min(free pages, 2^@max_order pages)): 0 for an unfragmented arena
 *	whatever its size, 1000 - 1000/n when n pages are free as single
 *	pages.  (Before @unusable_index_9 existed the cap was missing, so a
 *	fresh arena read 937 for 64 MiB.)
 * @unusable_index_9: the kernel's unusable free space index at order 9
 * @total_pages: pages in the arena (holes excluded)
 * @free_pages: free pages now
 * @nr_free: free blocks per order now
 * @alloc_ok: successful allocations per order (cumulative)
 * @alloc_fail: failed allocations per order (cumulative)
 * @fail_fragmented: failures with enough free pages but no block (cumulative)
 * @fail_nomem: failures with not enough free pages (cumulative)
 * @frees: frees (cumulative)
 * @splits: block splits (cumulative)
 * @merges: buddy merges (cumulative)
 * @fallbacks: allocations served from another migrate type (cumulative)
 * @steals: pageblocks converted to another migrate type (cumulative)
 * @nr_allocated: allocated blocks now
 * @requested_bytes: bytes asked for by the live allocations
 * @granted_bytes: bytes of the blocks they got
 * @largest_free_order: FRAGLAB_NR_ORDERS if none
 * @max_order: largest order the arena hands out
 * @internal_frag_permille: 1000 * (granted - requested) / granted
 * @pcp_pages: parked on per-CPU lists: neither free nor allocated
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 *	(mm/vmstat.c unusable_free_index()): the share of free pages not in
 *	order->=9 blocks; 1000 when nothing is free, and always 1000 when
 *	@max_order < 9.
 */
struct fraglab_stats {
	__u64 total_pages;
	__u64 free_pages;
	__u64 nr_free[FRAGLAB_NR_ORDERS];
	__u64 alloc_ok[FRAGLAB_NR_ORDERS];
	__u64 alloc_fail[FRAGLAB_NR_ORDERS];
	__u64 fail_fragmented;
	__u64 fail_nomem;
	__u64 frees;
	__u64 splits;
	__u64 merges;
	__u64 fallbacks;
	__u64 steals;
	__u64 nr_allocated;
	__u64 requested_bytes;
	__u64 granted_bytes;
	__u32 largest_free_order;
	__u32 max_order;
	__u32 internal_frag_permille;
	__u32 external_frag_permille;	/* see below */
	__u64 pcp_pages;
	__s32 unusable_index_9;	/* see below */
	__u32 pad;
	__u64 reserved[2];
};

#define FRAGLAB_IOC_VERSION	_IOWR(FRAGLAB_IOC_MAGIC, 0x00, struct fraglab_version)
#define FRAGLAB_IOC_ALLOC	_IOWR(FRAGLAB_IOC_MAGIC, 0x01, struct fraglab_alloc)
#define FRAGLAB_IOC_FREE	_IOWR(FRAGLAB_IOC_MAGIC, 0x02, struct fraglab_handle)
#define FRAGLAB_IOC_QUERY	_IOWR(FRAGLAB_IOC_MAGIC, 0x03, struct fraglab_query)
#define FRAGLAB_IOC_BATCH	_IOWR(FRAGLAB_IOC_MAGIC, 0x04, struct fraglab_batch)
#define FRAGLAB_IOC_SET		_IOWR(FRAGLAB_IOC_MAGIC, 0x05, struct fraglab_setting)
#define FRAGLAB_IOC_GET		_IOWR(FRAGLAB_IOC_MAGIC, 0x06, struct fraglab_setting)
#define FRAGLAB_IOC_CHECK	_IOWR(FRAGLAB_IOC_MAGIC, 0x07, struct fraglab_check)
#define FRAGLAB_IOC_STATS	_IOWR(FRAGLAB_IOC_MAGIC, 0x08, struct fraglab_stats)

/* ---- 0x10-0x1f: slab caches ------------------------------------------- */

#define FRAGLAB_CACHE_NAME_LEN	32	/* including the NUL */

/* fraglab_cache_create.flags */
#define FRAGLAB_CACHE_CTOR		(1U << 0)	/* run fraglab's constructor */
#define FRAGLAB_CACHE_RECLAIMABLE	(1U << 1)	/* slab pages are reclaimable */
#define FRAGLAB_CACHE_COLOUR		(1U << 2)	/* colour slabs (Bonwick) */
#define FRAGLAB_CACHE_NO_CPU_CACHE	(1U << 3)	/* no per-CPU object arrays */
#define FRAGLAB_CACHE_FLAGS	(FRAGLAB_CACHE_CTOR | FRAGLAB_CACHE_RECLAIMABLE | \
				 FRAGLAB_CACHE_COLOUR | FRAGLAB_CACHE_NO_CPU_CACHE)

/**
 * struct fraglab_cache_create - FRAGLAB_IOC_CACHE_CREATE.
 * @name: in: 1..31 printable characters, NUL-terminated, unique.
 * @object_size: in: 1..32768 bytes; the stride (object_size rounded up to
 *               8, plus 8 for SLUB's free pointer with FRAGLAB_CACHE_CTOR,
 *               then to @align) must fit an order-3 slab: 32760 at most
 *               with a constructor.
 * @align: in: 0 (default 8) or a power of two.
 * @flags: in: FRAGLAB_CACHE_*.
 * @cache_id: out: id for the other slab commands (valid on this fd).
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_cache_create {
	char name[FRAGLAB_CACHE_NAME_LEN];
	__u32 object_size;
	__u32 align;
	__u32 flags;
	__u32 cache_id;
	__u64 reserved[2];
};

/**
 * struct fraglab_cache_op - FRAGLAB_IOC_CACHE_DESTROY / _SHRINK.
 * @cache_id: in.
 * @flags: in: must be 0.
 * @pages: out (shrink): pages given back to the buddy.
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_cache_op {
	__u32 cache_id;
	__u32 flags;
	__u64 pages;
	__u64 reserved[2];
};

/**
 * struct fraglab_obj - FRAGLAB_IOC_OBJ_ALLOC / _FREE and batch element.
 * @cache_id: in: the cache.
 * @result: out (batches): 0 or a negative errno.
 * @handle: out (alloc) / in (free).
 * @offset: out (alloc): byte offset of the object in the arena.
 * @constructed: out (alloc): 1 if the object held its constructed state
 *               when handed out (constructor caches).
 * @pad: must be 0.
 */
struct fraglab_obj {
	__u32 cache_id;
	__s32 result;
	__u64 handle;
	__u64 offset;
	__u32 constructed;
	__u32 pad;
};

/* fraglab_obj_batch.op */
#define FRAGLAB_OBJ_BATCH_ALLOC	1
#define FRAGLAB_OBJ_BATCH_FREE	2

/**
 * struct fraglab_obj_batch - FRAGLAB_IOC_OBJ_BATCH.
 * @ptr: in: user pointer to struct fraglab_obj[count].
 * @count: in: 1..FRAGLAB_BATCH_MAX.
 * @op: in: FRAGLAB_OBJ_BATCH_*.
 * @done: out: elements processed (stops at the first failure).
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_obj_batch {
	__u64 ptr;
	__u32 count;
	__u32 op;
	__u32 done;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct fraglab_cache_info - FRAGLAB_IOC_CACHE_INFO.
 * @cache_id: in.
 * @flags: out: FRAGLAB_CACHE_* the cache was created with
 * @name: out: the cache name
 * @object_size: out: object size asked for
 * @size: stride
 * @align: out: object alignment
 * @order: out: slab order
 * @objs_per_slab: out: objects per slab
 * @pages_per_slab: out: pages per slab
 * @limit: per-CPU array size
 * @batchcount: out: per-CPU refill/flush batch
 * @active_objs: out: objects in use
 * @num_objs: out: objects in all slabs
 * @active_slabs: out: slabs with an object in use
 * @num_slabs: out: slabs
 * @pages: out: pages in slabs
 * @padding_bytes: internal fragmentation: object padding
 * @leftover_bytes: internal fragmentation: slab leftovers
 * @ctor_calls: out: constructor calls (cumulative)
 * @allocs: out: allocations (cumulative)
 * @frees: out: frees (cumulative)
 * @cpu_hits: alloc + free on the per-CPU fast path
 * @cpu_misses: out: alloc + free that missed the per-CPU array
 * @reserved: must be zero (room for later fields)
 *
 * Everything else out; see /sys/kernel/debug/fraglab/slabinfo.
 */
struct fraglab_cache_info {
	__u32 cache_id;
	__u32 flags;
	char name[FRAGLAB_CACHE_NAME_LEN];
	__u32 object_size;
	__u32 size;
	__u32 align;
	__u32 order;
	__u32 objs_per_slab;
	__u32 pages_per_slab;
	__u32 limit;
	__u32 batchcount;
	__u64 active_objs;
	__u64 num_objs;
	__u64 active_slabs;
	__u64 num_slabs;
	__u64 pages;
	__u64 padding_bytes;
	__u64 leftover_bytes;
	__u64 ctor_calls;
	__u64 allocs;
	__u64 frees;
	__u64 cpu_hits;
	__u64 cpu_misses;
	__u64 reserved[4];
};

#define FRAGLAB_IOC_CACHE_CREATE	_IOWR(FRAGLAB_IOC_MAGIC, 0x10, struct fraglab_cache_create)
#define FRAGLAB_IOC_CACHE_DESTROY	_IOWR(FRAGLAB_IOC_MAGIC, 0x11, struct fraglab_cache_op)
#define FRAGLAB_IOC_CACHE_SHRINK	_IOWR(FRAGLAB_IOC_MAGIC, 0x12, struct fraglab_cache_op)
#define FRAGLAB_IOC_OBJ_ALLOC		_IOWR(FRAGLAB_IOC_MAGIC, 0x13, struct fraglab_obj)
#define FRAGLAB_IOC_OBJ_FREE		_IOWR(FRAGLAB_IOC_MAGIC, 0x14, struct fraglab_obj)
#define FRAGLAB_IOC_OBJ_BATCH		_IOWR(FRAGLAB_IOC_MAGIC, 0x15, struct fraglab_obj_batch)
#define FRAGLAB_IOC_CACHE_INFO		_IOWR(FRAGLAB_IOC_MAGIC, 0x16, struct fraglab_cache_info)

/* ---- 0x20-0x2f: fit pools --------------------------------------------- */

/* fraglab_pool_create.strategy, fraglab_pool_op.value (SET_STRATEGY) */
#define FRAGLAB_POOL_FIRST_FIT	0	/* lowest-address hole that fits */
#define FRAGLAB_POOL_NEXT_FIT	1	/* first fit from the roving pointer */
#define FRAGLAB_POOL_BEST_FIT	2	/* smallest hole that fits */
#define FRAGLAB_POOL_WORST_FIT	3	/* largest hole */
#define FRAGLAB_POOL_STRATEGIES	4

#define FRAGLAB_POOL_MIN_GRAN		16	/* granularity bounds, bytes */
#define FRAGLAB_POOL_MAX_GRAN		4096
#define FRAGLAB_POOL_DEFAULT_GRAN	64	/* granularity 0 means this */

/* fraglab_pool_alloc.flags */
#define FRAGLAB_POOL_ALLOC_MOVABLE	(1U << 0)	/* pool compaction may move it */
#define FRAGLAB_POOL_ALLOC_FLAGS	FRAGLAB_POOL_ALLOC_MOVABLE

/* fraglab_pool_info.hist: bucket b counts holes of 2^b .. 2^(b+1)-1 bytes */
#define FRAGLAB_POOL_HIST_BUCKETS	48

/**
 * struct fraglab_pool_create - FRAGLAB_IOC_POOL_CREATE.
 * @size: in: pool bytes, rounded up to whole pages; taken from the buddy
 *        (max-order blocks first), so a pool may span several segments and
 *        no allocation ever crosses a segment boundary.
 * @granularity: in: 0 (FRAGLAB_POOL_DEFAULT_GRAN) or a power of two
 *               16..4096; requests are rounded up to it.
 * @strategy: in: FRAGLAB_POOL_*_FIT.
 * @pool_id: out: id for the other pool commands (valid on this fd).
 * @flags: in: must be 0.
 * @pool_bytes: out: bytes in the pool.
 * @base: out: arena byte offset of the pool's first segment.
 * @nr_segments: out: physically contiguous segments.
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_pool_create {
	__u64 size;
	__u32 granularity;
	__u32 strategy;
	__u32 pool_id;
	__u32 flags;
	__u64 pool_bytes;
	__u64 base;
	__u32 nr_segments;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct fraglab_pool_op - FRAGLAB_IOC_POOL_DESTROY / _SET_STRATEGY.
 * @pool_id: in.
 * @value: in: the strategy (SET_STRATEGY), 0 for DESTROY.
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_pool_op {
	__u32 pool_id;
	__u32 value;
	__u64 reserved[2];
};

/**
 * struct fraglab_pool_alloc - FRAGLAB_IOC_POOL_ALLOC / _FREE, batch element.
 * @pool_id: in.
 * @flags: in (alloc): FRAGLAB_POOL_ALLOC_*; 0 for free.
 * @size: in (alloc): bytes, 1..pool size.
 * @align: in (alloc): 0 or a power of two; the arena offset is a multiple
 *         of max(@align, granularity).
 * @result: out (batches): 0 or a negative errno for this element.
 * @handle: out (alloc) / in (free).  A FRAGLAB_KIND_POOL handle:
 *          FRAGLAB_IOC_QUERY reports its current offset (compaction moves
 *          it).  Pool allocations cannot be mmap()ed.
 * @offset: out (alloc): arena byte offset.
 * @granted: out (alloc): bytes granted (size rounded up to the granularity).
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 *
 * The memory handed out is zeroed.
 */
struct fraglab_pool_alloc {
	__u32 pool_id;
	__u32 flags;
	__u64 size;
	__u64 align;
	__s32 result;
	__u32 pad;
	__u64 handle;
	__u64 offset;
	__u64 granted;
	__u64 reserved;
};

/* fraglab_pool_batch.op */
#define FRAGLAB_POOL_BATCH_ALLOC	1
#define FRAGLAB_POOL_BATCH_FREE		2

/**
 * struct fraglab_pool_batch - FRAGLAB_IOC_POOL_BATCH.
 * @ptr: in: user pointer to struct fraglab_pool_alloc[count].
 * @count: in: 1..FRAGLAB_BATCH_MAX.
 * @op: in: FRAGLAB_POOL_BATCH_*.
 * @done: out: elements processed (stops at the first failure; that
 *        element's .result says why).
 * @pad: must be zero
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_pool_batch {
	__u64 ptr;
	__u32 count;
	__u32 op;
	__u32 done;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct fraglab_pool_info - FRAGLAB_IOC_POOL_INFO.
 * @pool_id: in; everything else out (in: zero).
 * @ext_frag_permille: 1000 * (1 - largest_hole / min(free_bytes, pool size)),
 *                     rounded down; 0 when nothing is free.
 * @fail_fragmented: failed allocations although free_bytes was enough
 *                   (no single hole was): external fragmentation.
 * @fail_nomem: failed allocations with not enough free bytes at all.
 * @rover: next-fit roving pointer (arena byte offset).
 * @hist: holes per size bucket (FRAGLAB_POOL_HIST_BUCKETS).
 * @strategy: FRAGLAB_POOL_* fit strategy
 * @granularity: allocation unit in bytes
 * @nr_segments: contiguous segments of the pool
 * @pool_bytes: pool size in bytes
 * @base: arena byte offset of the first segment
 * @free_bytes: free bytes now
 * @nr_holes: holes now
 * @largest_hole: largest hole in bytes
 * @pad: must be zero
 * @nr_allocated: live allocations
 * @nr_movable: live allocations that compaction may move
 * @allocated_bytes: bytes granted to live allocations
 * @requested_bytes: bytes asked for by live allocations
 * @allocs: allocations (cumulative)
 * @frees: frees (cumulative)
 * @moves: allocations moved by compaction (cumulative)
 * @moved_bytes: bytes moved by compaction (cumulative)
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_pool_info {
	__u32 pool_id;
	__u32 strategy;
	__u32 granularity;
	__u32 nr_segments;
	__u64 pool_bytes;
	__u64 base;
	__u64 free_bytes;
	__u64 nr_holes;
	__u64 largest_hole;
	__u32 ext_frag_permille;
	__u32 pad;
	__u64 nr_allocated;
	__u64 nr_movable;
	__u64 allocated_bytes;
	__u64 requested_bytes;
	__u64 allocs;
	__u64 frees;
	__u64 fail_fragmented;
	__u64 fail_nomem;
	__u64 moves;
	__u64 moved_bytes;
	__u64 rover;
	__u64 hist[FRAGLAB_POOL_HIST_BUCKETS];
	__u64 reserved[4];
};

/**
 * struct fraglab_pool_compact - FRAGLAB_IOC_POOL_COMPACT: slide movable
 * allocations to the start of their segment; pinned ones stay, so the
 * free space becomes one hole between consecutive pinned allocations.
 * @pool_id: in.
 * @flags: in: must be 0.
 * @moved: out: allocations moved (contents copied, handles kept).
 * @moved_bytes: out: bytes copied.
 * @holes_before: out: holes before.
 * @holes_after: out: holes after.
 * @largest_before: out: largest hole before.
 * @largest_after: out: largest hole after.
 * @free_bytes: out: free bytes (unchanged by compaction).
 * @time_ns: out: duration.
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_pool_compact {
	__u32 pool_id;
	__u32 flags;
	__u64 moved;
	__u64 moved_bytes;
	__u64 holes_before;
	__u64 holes_after;
	__u64 largest_before;
	__u64 largest_after;
	__u64 free_bytes;
	__u64 time_ns;
	__u64 reserved[2];
};

#define FRAGLAB_IOC_POOL_CREATE		_IOWR(FRAGLAB_IOC_MAGIC, 0x20, struct fraglab_pool_create)
#define FRAGLAB_IOC_POOL_DESTROY	_IOWR(FRAGLAB_IOC_MAGIC, 0x21, struct fraglab_pool_op)
#define FRAGLAB_IOC_POOL_SET_STRATEGY	_IOWR(FRAGLAB_IOC_MAGIC, 0x22, struct fraglab_pool_op)
#define FRAGLAB_IOC_POOL_ALLOC		_IOWR(FRAGLAB_IOC_MAGIC, 0x23, struct fraglab_pool_alloc)
#define FRAGLAB_IOC_POOL_FREE		_IOWR(FRAGLAB_IOC_MAGIC, 0x24, struct fraglab_pool_alloc)
#define FRAGLAB_IOC_POOL_BATCH		_IOWR(FRAGLAB_IOC_MAGIC, 0x25, struct fraglab_pool_batch)
#define FRAGLAB_IOC_POOL_INFO		_IOWR(FRAGLAB_IOC_MAGIC, 0x26, struct fraglab_pool_info)
#define FRAGLAB_IOC_POOL_COMPACT	_IOWR(FRAGLAB_IOC_MAGIC, 0x27, struct fraglab_pool_compact)

/* ---- 0x30-0x3f: compaction ------------------------------------------- */

/* fraglab_compact.mode */
#define FRAGLAB_COMPACT_MODE_ORDER	0	/* until a free block of .order exists */
#define FRAGLAB_COMPACT_MODE_FULL	1	/* until the scanners meet */

/* fraglab_compact.flags */
#define FRAGLAB_COMPACT_MOVABLE_ONLY	(1U << 0)	/* RECLAIMABLE pins too */
#define FRAGLAB_COMPACT_FLAGS		FRAGLAB_COMPACT_MOVABLE_ONLY

/*
 * fraglab_compact.policy, fraglab_hugepages_arena.policy.  0 is the
 * kernel's (mm/compaction.c of Linux 6.12), so callers built before the
 * field existed (it was reserved, zero) get the kernel's policy.
 */
#define FRAGLAB_COMPACT_POLICY_KERNEL	0
#define FRAGLAB_COMPACT_POLICY_EMPTIEST	1	/* emptiest pageblocks first */

/* fraglab_compact.result, fraglab_hugepages_arena.*_result */
#define FRAGLAB_COMPACT_SUCCESS			0
#define FRAGLAB_COMPACT_PARTIAL			1	/* stopped early */
#define FRAGLAB_COMPACT_NOT_SUITABLE		2	/* lack of memory */
#define FRAGLAB_COMPACT_BLOCKED_UNMOVABLE	3	/* pinned pageblocks */
#define FRAGLAB_COMPACT_NOT_NEEDED		4	/* block already free */

#define FRAGLAB_COMPACT_MAX_BLOCKERS	16

/**
 * struct fraglab_compact_blocker - a pageblock pinned by an allocation
 * that cannot move (unmovable, or not a userspace buddy allocation).
 * @block: pageblock index (arena offset / 2 MiB).
 * @order: order of one pinning allocation in it.
 * @offset: arena byte offset of that allocation.
 * @migratetype: its FRAGLAB_MT_*.
 * @owner_kind: 1 user (unmovable type), 2 slab, 3 fit pool, 4 kernel.
 */
struct fraglab_compact_blocker {
	__u32 block;
	__u32 order;
	__u64 offset;
	__u32 migratetype;
	__u32 owner_kind;
};

/**
 * struct fraglab_compact - FRAGLAB_IOC_COMPACT: compact the buddy arena.
 * @mode: in: FRAGLAB_COMPACT_MODE_*.
 * @order: in: target order (ORDER mode; FULL reports against it too).
 * @flags: in: FRAGLAB_COMPACT_*.
 * @threshold: in: fragmentation index threshold 0..1000, 0 = 500
 *             (vm.extfrag_threshold): ORDER mode is NOT_SUITABLE when the
 *             index for @order is 0..threshold (lack of memory).
 * @result: out: FRAGLAB_COMPACT_SUCCESS etc.
 * @fragindex: out: fragmentation index for @order before (thousandths;
 *             -1000 when a block of @order was already free).
 * @blocks_scanned: out: pageblocks the migration scanner visited.
 * @nr_blocked: out: pageblocks pinned by unmovable allocations.
 * @migrate_scanned: out: pages the migration scanner looked at.
 * @free_scanned: out: pages the free scanner looked at.
 * @isolated: out: allocations picked for a move.
 * @moved: out: allocations moved.
 * @pages_moved: out: pages moved.
 * @bytes_copied: out: bytes copied.
 * @time_ns: out: duration.
 * @nr_free_before: out: free blocks per order before.
 * @nr_free_after: out: free blocks per order after.
 * @hugepages_before: out: entirely free pageblocks (2 MiB blocks) before.
 * @hugepages_after: out: the same after.
 * @nr_blockers: out: entries of @blockers filled (address order).
 * @pad: zero.
 * @blockers: out: pinned pageblocks with one culprit each.
 * @policy: in: FRAGLAB_COMPACT_POLICY_*.
 * @pad2: zero.
 * @suitable_min: out: ORDER mode: free pages must be above this for the
 *                run to start (kernel policy: the arena's low or min
 *                watermark + compact_gap() = 2^(order+1); emptiest-first:
 *                2^order - 1); 0 for FULL or when not needed.
 * @reserved: zero.
 */
struct fraglab_compact {
	__u32 mode;
	__u32 order;
	__u32 flags;
	__u32 threshold;
	__u32 result;
	__s32 fragindex;
	__u32 blocks_scanned;
	__u32 nr_blocked;
	__u64 migrate_scanned;
	__u64 free_scanned;
	__u64 isolated;
	__u64 moved;
	__u64 pages_moved;
	__u64 bytes_copied;
	__u64 time_ns;
	__u64 nr_free_before[FRAGLAB_NR_ORDERS];
	__u64 nr_free_after[FRAGLAB_NR_ORDERS];
	__u64 hugepages_before;
	__u64 hugepages_after;
	__u32 nr_blockers;
	__u32 pad;
	struct fraglab_compact_blocker blockers[FRAGLAB_COMPACT_MAX_BLOCKERS];
	__u32 policy;
	__u32 pad2;
	__u64 suitable_min;
	__u64 reserved[2];
};

/**
 * struct fraglab_hugepages_arena - FRAGLAB_IOC_HUGEPAGES_ARENA: how many
 * 2 MiB blocks can the arena give now, and after compaction?  In: all zero
 * but @policy.
 * @free_pages: free pages.
 * @nr_free: free blocks per order.
 * @hugepages_now: entirely free pageblocks (nr_free[9] + 2 * nr_free[10]).
 * @nr_blocks: pageblocks entirely inside the arena's chunks.
 * @blocks_free: entirely free pageblocks.
 * @blocks_movable: pageblocks holding only free pages and movable
 *                  userspace allocations (some of them).
 * @blocks_blocked: pageblocks pinned by an unmovable allocation.
 * @blocks_huge: pageblocks covered by an allocation of order >= 9.
 * @movable_pages: allocated pages in @blocks_movable.
 * @obtainable_max: blocks_free + blocks_movable, at most free_pages / 512:
 *                  the upper bound.
 * @predicted_full: exact 2 MiB blocks after FULL compaction now.
 * @predicted_order: exact 2 MiB blocks after ORDER-mode compaction to
 *                   order 9 (default threshold) now.
 * @full_result: the result code that FULL run would report.
 * @order_result: the result code that ORDER run would report.
 * @nr_blockers: entries of @blockers filled (address order).
 * @blockers: pinned pageblocks with one culprit each.
 * @policy: in: FRAGLAB_COMPACT_POLICY_* of both predicted runs.
 * @pad: zero.
 * @reserved: zero.
 */
struct fraglab_hugepages_arena {
	__u64 free_pages;
	__u64 nr_free[FRAGLAB_NR_ORDERS];
	__u64 hugepages_now;
	__u32 nr_blocks;
	__u32 blocks_free;
	__u32 blocks_movable;
	__u32 blocks_blocked;
	__u32 blocks_huge;
	__u32 nr_blockers;
	__u64 movable_pages;
	__u64 obtainable_max;
	__u64 predicted_full;
	__u64 predicted_order;
	__u32 full_result;
	__u32 order_result;
	struct fraglab_compact_blocker blockers[FRAGLAB_COMPACT_MAX_BLOCKERS];
	__u32 policy;
	__u32 pad;
	__u64 reserved[3];
};

#define FRAGLAB_IOC_COMPACT		_IOWR(FRAGLAB_IOC_MAGIC, 0x30, struct fraglab_compact)
#define FRAGLAB_IOC_HUGEPAGES_ARENA	_IOWR(FRAGLAB_IOC_MAGIC, 0x31, struct fraglab_hugepages_arena)

/* ---- 0x40-0x4f: HugePage probes --------------------------------------- */

#define FRAGLAB_PROBE_MAX_ZONES	8	/* zones reported, all nodes together */
#define FRAGLAB_ZONE_NAME_LEN	16	/* zone name, NUL-terminated */

/* fraglab_probe_system.flags */
#define FRAGLAB_PROBE_TRY		(1U << 0)	/* trial without compaction */
#define FRAGLAB_PROBE_TRY_COMPACT	(1U << 1)	/* then with compaction */
#define FRAGLAB_PROBE_FLAGS	(FRAGLAB_PROBE_TRY | FRAGLAB_PROBE_TRY_COMPACT)

/* fraglab_zone_probe.pageblocks[]: /proc/pagetypeinfo "Number of blocks" */
#define FRAGLAB_PB_UNMOVABLE	0
#define FRAGLAB_PB_MOVABLE	1
#define FRAGLAB_PB_RECLAIMABLE	2
#define FRAGLAB_PB_OTHER	3	/* HighAtomic, CMA, Isolate */
#define FRAGLAB_PB_TYPES	4

/**
 * struct fraglab_zone_probe - one zone of the real system, as the kernel's
 * buddy allocator sees it (one /proc/buddyinfo line and more).
 * @node: NUMA node id.
 * @zone_idx: the kernel's zone index (0 = DMA on x86-64).
 * @name: zone name as /proc/buddyinfo prints it ("DMA32", "Normal").
 * @nr_free: free blocks per order (zone->free_area[order].nr_free, read
 *           under zone->lock); orders beyond nr_orders are 0.
 * @pageblocks: pageblocks per FRAGLAB_PB_* type over the zone span.
 * @free_pages: sum of nr_free[o] << o.
 * @managed_pages: pages the buddy allocator manages in the zone.
 * @hugepages_now: free order >= 9 blocks in 2 MiB units.
 * @unusable_index_9: the kernel's unusable free space index for order 9,
 *                    in thousandths.
 * @extfrag_index_9: the kernel's fragmentation index for order 9, in
 *                   thousandths; -1000 means a suitable block exists.
 * @reserved: must be zero (room for later fields)
 */
struct fraglab_zone_probe {
	__s32 node;
	__u32 zone_idx;
	char name[FRAGLAB_ZONE_NAME_LEN];
	__u64 nr_free[FRAGLAB_NR_ORDERS];
	__u64 pageblocks[FRAGLAB_PB_TYPES];
	__u64 free_pages;
	__u64 managed_pages;
	__u64 hugepages_now;
	__s32 unusable_index_9;
	__s32 extfrag_index_9;
	__u64 reserved[2];
};

/**
 * struct fraglab_probe_system - FRAGLAB_IOC_PROBE_SYSTEM: can the machine
 * give out 2 MiB blocks right now, and would compaction help?
 * @flags: in: FRAGLAB_PROBE_* (0 = read-only snapshot).  Trials need
 *         CAP_SYS_ADMIN (-EPERM otherwise).
 * @try_count: in: order-9 blocks to try, 1..probe_max (module parameter,
 *             default 64) with a trial flag, else 0; -EINVAL outside that.
 * @nr_zones: out: entries of @zones filled (populated zones of online
 *            nodes, in /proc/buddyinfo order).
 * @nr_orders: out: the kernel's number of buddy orders.
 * @block_order: out: the kernel's pageblock order (pageblock_order).
 * @try_cap: out: what a trial may take now: min(probe_max, a quarter of
 *           the free pages in order-9 units).  Trials are clamped to it.
 * @free_pages: out: the kernel's NR_FREE_PAGES.
 * @tried: out: blocks attempted without compaction.
 * @ok_nocompact: out: obtained without reclaim or compaction.
 * @tried_compact: out: blocks attempted with compaction allowed.
 * @ok_compact: out: obtained with compaction allowed.
 * @ns_nocompact: out: total nanoseconds of the attempts without compaction.
 * @ns_compact: out: total nanoseconds of the attempts with compaction.
 * @max_ns_nocompact: out: slowest single attempt without compaction.
 * @max_ns_compact: out: slowest single attempt with compaction.
 * @zones: out: the zones, snapshot taken before any trial.
 * @reserved: must be zero (room for later fields)
 *
 * Each trial stops at its first failure and frees every block it got
 * before the next step; the compaction trial starts from scratch.
 */
struct fraglab_probe_system {
	__u32 flags;
	__u32 try_count;
	__u32 nr_zones;
	__u32 nr_orders;
	__u32 block_order;
	__u32 try_cap;
	__u64 free_pages;
	__u32 tried;
	__u32 ok_nocompact;
	__u32 tried_compact;
	__u32 ok_compact;
	__u64 ns_nocompact;
	__u64 ns_compact;
	__u64 max_ns_nocompact;
	__u64 max_ns_compact;
	__u64 reserved[4];
	struct fraglab_zone_probe zones[FRAGLAB_PROBE_MAX_ZONES];
};

#define FRAGLAB_IOC_PROBE_SYSTEM	_IOWR(FRAGLAB_IOC_MAGIC, 0x40, struct fraglab_probe_system)

/* ---- 0x50-0x5f: benchmarks -------------------------------------------- */

/* fraglab_bench.which: what to measure (fraglab side vs kernel side) */
#define FRAGLAB_BENCH_BUDDY	1	/* param order: fl_buddy vs alloc_pages */
#define FRAGLAB_BENCH_SLAB	2	/* param size: fl_slab vs kmem_cache */
#define FRAGLAB_BENCH_SLAB_BULK	3	/* the same, FRAGLAB_BENCH_BULK at once */
#define FRAGLAB_BENCH_FIT	4	/* param holes, .strategy: vs genalloc */
#define FRAGLAB_BENCH_COMPACT	5	/* param MiB: compaction vs memcpy */
/* param order 0..3: fl_buddy with per-CPU lists on vs alloc_pages */
#define FRAGLAB_BENCH_BUDDY_PCP	6
/* param order: fl_buddy vs alloc_pages(__GFP_COMP) (compound setup) */
#define FRAGLAB_BENCH_BUDDY_COMP	7

#define FRAGLAB_BENCH_BULK		16	/* objects per bulk call */
#define FRAGLAB_BENCH_MAX_ITERS		10000000ULL
#define FRAGLAB_BENCH_MAX_RUNS		15
#define FRAGLAB_BENCH_MAX_HOLES		1000000
#define FRAGLAB_BENCH_MAX_COMPACT_MB	64

/* fraglab_bench.flags (out) */
#define FRAGLAB_BENCH_NO_KERNEL		(1U << 0)	/* no kernel counterpart */
#define FRAGLAB_BENCH_INIT_ON_ALLOC	(1U << 1)	/* kernel zeroes on alloc */
#define FRAGLAB_BENCH_BUDGET_HIT	(1U << 2)	/* a side stopped early */
/* both sides ran with preemption enabled: PREEMPT_RT, or a side may sleep */
#define FRAGLAB_BENCH_PREEMPT_ON	(1U << 3)
/* the fraglab side zeroed its blocks/objects as the kernel did */
#define FRAGLAB_BENCH_FL_ZEROES		(1U << 4)

/**
 * struct fraglab_bench - FRAGLAB_IOC_BENCH: run one in-kernel pair
 * (CAP_SYS_ADMIN).  Both sides run in the same call with the same loop
 * shape and preemption state: one untimed warm-up run each, then @runs
 * timed ones in ABBA order; each side reports the median and (API minor 4)
 * the minimum over them of its per-op time.
 * @which: in: FRAGLAB_BENCH_*.
 * @param: in: buddy order (BUDDY_PCP: 0..3); slab object size (8..4096); fit hole count
 *         (1..FRAGLAB_BENCH_MAX_HOLES); compaction arena MiB (4..64).
 * @strategy: in: fit strategy (0 first, 1 next, 2 best, 3 worst).
 * @runs: in: repetitions, 0 = 5, at most FRAGLAB_BENCH_MAX_RUNS.
 * @iterations: in: operations per run, 0 = 100000, at most
 *              FRAGLAB_BENCH_MAX_ITERS (an op is one alloc+free pair; for
 *              compaction one 4 KiB page moved or copied).  A side that
 *              needs more than 1 s per run stops early (BUDGET_HIT).
 * @flags: out: FRAGLAB_BENCH_* flags.
 * @pad: zero.
 * @fl_ps: out: fraglab, median picoseconds per op.
 * @fl_mcycles: out: 0 (was get_cycles() per op: the host TSC in the box).
 * @kernel_ps: out: kernel side, median picoseconds per op (0: none).
 * @kernel_mcycles: out: 0 (as @fl_mcycles).
 * @fl_ops: out: fraglab ops timed in the last run.
 * @kernel_ops: out: kernel ops timed in the last run.
 * @bytes: out: compaction: bytes moved per run.
 * @fl_min_ps: out (in: zero): fraglab, the smallest per-op time of the runs.
 * @kernel_min_ps: out (in: zero): kernel side, likewise (0: none).
 * @reserved: zero.
 *
 * Under qemu -icount, where the clock counts instructions, what interferes
 * with a run (an interrupt, a timer tick) only adds to it, so the minimum
 * is the count of the work itself and repeats; on a real machine the
 * median is the figure to read.
 */
struct fraglab_bench {
	__u32 which;
	__u32 param;
	__u32 strategy;
	__u32 runs;
	__u64 iterations;
	__u32 flags;
	__u32 pad;
	__u64 fl_ps;
	__u64 fl_mcycles;
	__u64 kernel_ps;
	__u64 kernel_mcycles;
	__u64 fl_ops;
	__u64 kernel_ops;
	__u64 bytes;
	__u64 fl_min_ps;
	__u64 kernel_min_ps;
	__u64 reserved[2];
};

#define FRAGLAB_IOC_BENCH		_IOWR(FRAGLAB_IOC_MAGIC, 0x50, struct fraglab_bench)

/* ---- 0x60-0x6f: arena map --------------------------------------------- */

#define FRAGLAB_PAGE_INFO_MAX	65536	/* pages per FRAGLAB_IOC_PAGE_INFO */

/* fraglab_page.state */
#define FRAGLAB_PAGE_HOLE	0	/* index between two chunks: no memory */
#define FRAGLAB_PAGE_FREE	1	/* in a free buddy block */
#define FRAGLAB_PAGE_ALLOCATED	2	/* in an allocated buddy block */

/* fraglab_page.owner: who holds the allocated block */
#define FRAGLAB_OWNER_NONE	0	/* free or hole */
#define FRAGLAB_OWNER_BUDDY	1	/* a userspace buddy allocation */
#define FRAGLAB_OWNER_SLAB	2	/* a slab of a fraglab slab cache */
#define FRAGLAB_OWNER_POOL	3	/* backing of a fit pool */
#define FRAGLAB_OWNER_OTHER	4	/* in-kernel user (benchmarks) */
#define FRAGLAB_OWNER_PCP	5	/* parked on a per-CPU page list */

/* fraglab_page.flags */
#define FRAGLAB_PAGE_HEAD	(1U << 0)	/* first page of its block */
#define FRAGLAB_PAGE_MOVED	(1U << 1)	/* buddy allocation that compaction moved */
#define FRAGLAB_PAGE_RANGE_START (1U << 2)	/* first page of a contiguous range */

/**
 * struct fraglab_page - one arena page, as FRAGLAB_IOC_PAGE_INFO reports it.
 * @state: FRAGLAB_PAGE_HOLE / _FREE / _ALLOCATED.
 * @flags: FRAGLAB_PAGE_HEAD, FRAGLAB_PAGE_MOVED, FRAGLAB_PAGE_RANGE_START
 *         (the arena's ranges follow each other in the page-index space;
 *         the flag says where physical contiguity breaks, which decides
 *         the segments of a fit pool - never the addresses).
 * @migratetype: allocated: the allocation's FRAGLAB_MT_*; free: the free
 *               list the block is on; hole: 0.
 * @owner: FRAGLAB_OWNER_*.
 * @order: order of the buddy block the page belongs to (hole: 0).
 * @block_offset: the page's index inside that block (0 for the head).
 * @pageblock: pageblock index (page index >> FRAGLAB_PAGEBLOCK_ORDER).
 * @pageblock_mt: the pageblock's migrate type (FRAGLAB_MT_*; hole: 0).
 */
struct fraglab_page {
	__u32 state;
	__u32 flags;
	__u32 migratetype;
	__u32 owner;
	__u32 order;
	__u32 block_offset;
	__u32 pageblock;
	__u32 pageblock_mt;
};

/**
 * struct fraglab_page_info - FRAGLAB_IOC_PAGE_INFO: the arena page by page
 * (one consistent snapshot per call).  Pages are arena page indices: byte
 * offset / page size, the same numbering as every other offset of the ABI.
 * @ptr: in: user pointer to struct fraglab_page[@count].
 * @first: in: first page index.
 * @count: in: pages wanted, 1..FRAGLAB_PAGE_INFO_MAX; @first + @count must
 *         not exceed the arena's page-index space (-EINVAL).
 * @flags: in: must be 0.
 * @index_pages: out: size of the page-index space (arena pages plus the
 *               holes between chunks); ask with @first 0, @count 1 first.
 * @arena_pages: out: pages in the arena (holes excluded).
 * @reserved: zero.
 */
struct fraglab_page_info {
	__u64 ptr;
	__u64 first;
	__u32 count;
	__u32 flags;
	__u64 index_pages;
	__u64 arena_pages;
	__u64 reserved[4];
};

#define FRAGLAB_IOC_PAGE_INFO		_IOWR(FRAGLAB_IOC_MAGIC, 0x60, struct fraglab_page_info)

#endif /* _UAPI_LINUX_FRAGLAB_H */
