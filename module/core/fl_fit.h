/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_fit.h - fraglab's contiguous fit pools (portable core).
 *
 * A pool hands out byte ranges of one or more physically contiguous
 * segments of the arena with one of the four classical placement
 * strategies (first, next, best and worst fit) in O(log n) of the number
 * of holes.  Offsets are arena byte offsets (what userspace sees), sizes
 * are rounded up to the pool's granularity.  See docs/FIT.md and the
 * comment at the top of fl_fit.c.
 *
 * Locking: every fl_fit_*() function takes the pool's own lock.  The
 * functions that may allocate metadata (create, alloc, move, compact)
 * drop it around fl_zalloc() and are for process context only; the
 * others may be called from any context that may take a spinlock.
 */
#ifndef FL_FIT_H
#define FL_FIT_H

#include "fl_port.h"

struct fl_buddy;
struct fl_fit_pool;

/*
 * Placement strategies.  The numbers are ABI: the pool ioctls pass them
 * unchanged (FRAGLAB_POOL_FIRST_FIT ... in include/uapi/linux/fraglab.h).
 */
enum fl_fit_strategy {
	FL_FIT_FIRST = 0,	/* lowest-address hole that fits */
	FL_FIT_NEXT = 1,	/* first fit from the roving pointer, wrapping */
	FL_FIT_BEST = 2,	/* smallest hole that fits, ties: lowest address */
	FL_FIT_WORST = 3,	/* largest hole, ties: lowest address */
	FL_FIT_NR_STRATEGIES = 4,
};

/* "first-fit", "next-fit", "best-fit", "worst-fit" */
extern const char * const fl_fit_strategy_names[FL_FIT_NR_STRATEGIES];

/* Per-allocation flags (ABI too: FRAGLAB_POOL_ALLOC_MOVABLE). */
#define FL_FIT_MOVABLE		(1U << 0)	/* compaction may move it */
#define FL_FIT_ALLOC_FLAGS	(FL_FIT_MOVABLE)

#define FL_FIT_MIN_GRAN		16U		/* granularity bounds, bytes */
#define FL_FIT_MAX_GRAN		4096U
#define FL_FIT_MAX_ALIGN	(1ULL << 40)	/* largest alignment accepted */
#define FL_FIT_MAX_SEGMENTS	65536U

/*
 * With an alignment larger than the granularity, a hole that is big
 * enough for the size may still be too small once its start is rounded
 * up.  The search examines at most this many such candidates in strategy
 * order, then takes the first hole that fits whatever its alignment
 * (size >= request + align - granularity).  See fl_fit.c.
 */
#define FL_FIT_ALIGN_PROBES	16

/* *pos value of fl_fit_show_holes()/fl_fit_show_map() when done. */
#define FL_FIT_POS_END		(~0ULL)

/* Histogram of hole sizes: bucket b counts holes with 2^b <= size < 2^(b+1). */
#define FL_FIT_HIST_BUCKETS	48

/**
 * struct fl_fit_segment - one physically contiguous range of a pool.
 * @start: arena byte offset; a multiple of the pool's granularity.
 * @len: bytes; a non-zero multiple of the granularity.
 */
struct fl_fit_segment {
	u64 start;
	u64 len;
};

/**
 * struct fl_fit_alloc_info - one live allocation.
 * @offset: arena byte offset.
 * @size: bytes granted (request rounded up to the granularity).
 * @requested: bytes asked for.
 * @align: effective alignment (max(align asked, granularity)).
 * @flags: FL_FIT_* allocation flags.
 * @seg: index of the segment holding it.
 */
struct fl_fit_alloc_info {
	u64 offset;
	u64 size;
	u64 requested;
	u64 align;
	u32 flags;
	u32 seg;
};

/**
 * struct fl_fit_stats - a pool's counters.
 * @pool_bytes: sum of the segment lengths.
 * @nr_segments: number of segments.
 * @granularity: bytes.
 * @strategy: enum fl_fit_strategy.
 * @ext_frag_permille: live: 1000 * (1 - largest_hole / min(free_bytes,
 *	largest segment)), fl_metrics_external_frag(); 0 when nothing is free.
 * @nr_holes: live: number of holes.
 * @free_bytes: live: sum of the hole sizes.
 * @largest_hole: live: bytes.
 * @nr_allocated: live: allocations.
 * @nr_movable: live: allocations with FL_FIT_MOVABLE.
 * @allocated_bytes: live: granted bytes.
 * @requested_bytes: live: bytes asked for.
 * @allocs: cumulative: successful allocations.
 * @frees: cumulative: frees.
 * @fail_fragmented: cumulative: failed although free_bytes >= request.
 * @fail_nomem: cumulative: failed, not enough free bytes at all.
 * @moves: cumulative: allocations moved (fl_fit_move()/fl_fit_compact()).
 * @moved_bytes: cumulative: bytes moved.
 * @rover: live: the next-fit roving pointer.
 * @hist: live: holes per size bucket (see FL_FIT_HIST_BUCKETS).
 */
struct fl_fit_stats {
	u64 pool_bytes;
	u32 nr_segments;
	u32 granularity;
	u32 strategy;
	u32 ext_frag_permille;
	u64 nr_holes;
	u64 free_bytes;
	u64 largest_hole;
	u64 nr_allocated;
	u64 nr_movable;
	u64 allocated_bytes;
	u64 requested_bytes;
	u64 allocs;
	u64 frees;
	u64 fail_fragmented;
	u64 fail_nomem;
	u64 moves;
	u64 moved_bytes;
	u64 rover;
	u64 hist[FL_FIT_HIST_BUCKETS];
};

/**
 * typedef fl_fit_move_fn - compaction callback: move the contents.
 * @priv: the caller's cookie.
 * @old_off: current arena byte offset of the allocation.
 * @new_off: its new offset (lower); the ranges may overlap (memmove).
 * @len: bytes (granted size).
 *
 * Called without the pool lock held, before the pool's metadata moves.
 * Return: 0 to go on, or a negative errno to stop compaction with this
 * allocation left where it was.
 */
typedef int (*fl_fit_move_fn)(void *priv, u64 old_off, u64 new_off, u64 len);

int fl_fit_create(const struct fl_fit_segment *segs, u32 nr_segs,
		  u32 granularity, u32 strategy, struct fl_fit_pool **out);
int fl_fit_pool_create_from_buddy(struct fl_buddy *b, u64 bytes,
				  u32 granularity, u32 strategy, u64 owner,
				  struct fl_fit_pool **out);
int fl_fit_destroy(struct fl_fit_pool *p, bool force);

int fl_fit_set_strategy(struct fl_fit_pool *p, u32 strategy);
u32 fl_fit_get_strategy(struct fl_fit_pool *p);
int fl_fit_strategy_from_name(const char *name);
u32 fl_fit_granularity(const struct fl_fit_pool *p);
u32 fl_fit_nr_segments(const struct fl_fit_pool *p);
int fl_fit_get_segment(const struct fl_fit_pool *p, u32 i,
		       struct fl_fit_segment *seg);

int fl_fit_alloc(struct fl_fit_pool *p, u64 size, u64 align, u32 flags,
		 u64 *offset);
int fl_fit_free(struct fl_fit_pool *p, u64 offset);
int fl_fit_lookup(struct fl_fit_pool *p, u64 offset,
		  struct fl_fit_alloc_info *ai);
int fl_fit_next_alloc(struct fl_fit_pool *p, u64 from,
		      struct fl_fit_alloc_info *ai);
int fl_fit_move(struct fl_fit_pool *p, u64 old_off, u64 new_off);
int fl_fit_compact(struct fl_fit_pool *p, fl_fit_move_fn move, void *priv);

void fl_fit_get_stats(struct fl_fit_pool *p, struct fl_fit_stats *st);
int fl_fit_check(struct fl_fit_pool *p, char *msg, size_t len);
int fl_fit_check_paced(struct fl_fit_pool *p, char *msg, size_t len,
		       u32 step, void (*pause)(void *arg), void *arg);

int fl_fit_show_stats(struct fl_fit_pool *p, char *buf, size_t len);
int fl_fit_show_holes(struct fl_fit_pool *p, u64 *pos, char *buf,
		      size_t len);
int fl_fit_show_map(struct fl_fit_pool *p, u64 *pos, char *buf, size_t len);

#endif /* FL_FIT_H */
