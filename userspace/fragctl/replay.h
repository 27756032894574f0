/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - replaying heap traces through fraglab's allocators.
 *
 * replay.c (no libfraglab, no fragctl: also compiled into tests/unit)
 * parses a fragtrace file into a strategy-independent list of operations
 * and runs that list through a backend, measuring after every operation.
 * replay_sim.c has the backends over the core compiled into fragctl,
 * replay_kernel.c the ones over /dev/fraglab.  See docs/WORKLOADS.md.
 */
#ifndef FRAGCTL_REPLAY_H
#define FRAGCTL_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum rp_kind {
	RP_ALLOC = 0,
	RP_FREE = 1,
};

/* One replay operation; slots are dense: slot N is the Nth allocation. */
struct rp_op {
	uint32_t kind;
	uint32_t slot;
	uint64_t size;
	uint64_t align;
};

struct rp_trace {
	struct rp_op *ops;
	size_t nr_ops;
	size_t cap;
	uint32_t nr_slots;
	/* What the parser saw. */
	uint64_t lines;
	uint64_t events;
	uint64_t allocs;		/* RP_ALLOC ops */
	uint64_t frees;			/* RP_FREE ops */
	uint64_t reallocs;
	uint64_t mmaps;
	uint64_t unmatched_frees;	/* free of an id never seen (ignored) */
	uint64_t failed_in_trace;	/* NULL results in the trace (skipped) */
	uint64_t double_allocs;		/* id allocated while live (freed first) */
	uint64_t live_at_end;
	uint64_t peak_live_bytes;	/* max sum of live requested bytes */
	uint64_t max_size;
	/* id -> live slot (open addressing), used while parsing only */
	uint64_t *keys;
	uint32_t *vals;
	uint64_t map_cap;
	uint64_t map_used;
	uint64_t live_bytes;
	uint64_t *slot_size;
	uint32_t slot_cap;
	/*
	 * Indices of the RP_ALLOC ops that came from a realloc of a live
	 * block; the op right after each one is the RP_FREE of the old block
	 * (in order).  For replaying through real allocators (fragreplay).
	 */
	size_t *re_ops;
	size_t nr_re_ops, re_cap;
};

/*
 * The operations of a parsed trace for fragreplay (replay --allocator):
 * this header, nr_ops struct rp_op, nr_re_ops uint64_t (rp_trace.re_ops).
 */
#define FR_MAGIC	"FLOPS01"
struct fr_file_hdr {
	char magic[8];
	uint64_t nr_ops;
	uint64_t nr_slots;
	uint64_t nr_re_ops;
};

void rp_trace_init(struct rp_trace *t);
void rp_trace_free(struct rp_trace *t);
/* Parse one line; 0, or -EINVAL with a sentence in err. */
int rp_trace_line(struct rp_trace *t, const char *line, char *err,
		  size_t errlen);
/* Finish parsing (drops the id map). */
void rp_trace_done(struct rp_trace *t);
int rp_trace_load(const char *path, struct rp_trace *t, char *err,
		  size_t errlen);

/* State of an allocator after an operation. */
struct rp_state {
	uint64_t footprint;	/* bytes the allocator holds (see docs) */
	uint64_t free_bytes;	/* free bytes it could still hand out */
	uint64_t largest_free;	/* largest contiguous free block, bytes */
	uint32_t ext_permille;	/* fl_metrics_external_frag() */
};

struct rp_backend {
	const char *name;
	void *priv;
	/* 0 with *granted set, or a negative errno (a failed allocation). */
	int (*alloc)(void *priv, uint32_t slot, uint64_t size, uint64_t align,
		     uint64_t *granted);
	int (*free)(void *priv, uint32_t slot);
	int (*sample)(void *priv, struct rp_state *st);
	void (*destroy)(void *priv);
};

struct rp_result {
	char name[32];
	uint64_t ops;
	uint64_t allocs;
	uint64_t frees;
	uint64_t peak_footprint;
	uint64_t peak_requested;	/* live requested bytes at their peak */
	uint64_t peak_granted;
	uint32_t internal_permille;	/* time-weighted: sum(G-R)/sum(G) */
	uint32_t ext_mean_permille;	/* time-weighted mean */
	uint32_t ext_peak_permille;
	uint64_t min_largest_free;
	uint64_t final_largest_free;
	uint64_t failures;
	uint64_t failures_fragmented;	/* free bytes >= request, no block */
	double seconds;
	double ops_per_sec;
	int error;			/* backend error that stopped the run */
};

/* Where the time series goes (NULL: none). */
struct rp_series {
	FILE *f;
	bool json;
	bool first;
	uint64_t every;		/* sample every N ops */
	/* kept in memory for the SVG chart when svg_cap > 0 */
	struct rp_point *pts;
	size_t nr_pts;
	size_t svg_cap;
};

struct rp_point {
	uint64_t op;		/* operations done, 1..nr_ops */
	uint64_t footprint;
	uint64_t requested;
	uint64_t failures;	/* failed allocations so far */
	uint32_t ext_permille;
};

typedef void (*rp_progress_fn)(void *arg, const char *name, uint64_t done,
			       uint64_t total);

int rp_run(const struct rp_trace *t, struct rp_backend *b,
	   struct rp_result *r, struct rp_series *s, rp_progress_fn progress,
	   void *progress_arg);
/* Stop after @stop_at ops (0: run all); used by fragctl map. */
extern uint64_t rp_stop_at;

/* Strategies in table order. */
enum rp_strategy {
	RP_BUDDY = 0,
	RP_SLAB,
	RP_FIRST_FIT,
	RP_NEXT_FIT,
	RP_BEST_FIT,
	RP_WORST_FIT,
	RP_NR_STRATEGIES,
};

extern const char *const rp_strategy_names[RP_NR_STRATEGIES];
int rp_strategy_parse(const char *s);

/* Replay geometry shared by sim and kernel. */
#define RP_SLAB_MAX		8192	/* FL_KMALLOC_MAX_SIZE: above: buddy */
#define RP_POOL_GRAN		16	/* fit pools: granularity */
#define RP_POOL_OWNER		0x7265706c6179ULL	/* "replay" */

/* slab: object size class for a request (kmalloc classes), 0 if > 8 KiB. */
uint32_t rp_slab_class(uint64_t size, uint64_t align);

/* Sim backends (replay_sim.c). */
#define RP_MAX_RANGES	64

/*
 * @nr_ranges: 0 = one chunk of @arena_bytes; else the arena is that many
 * physically separate chunks of @range_pages pages each (in index order;
 * their sum is @arena_bytes), as a module arena can be: what the pools'
 * segments follow (replay --ranges, FRAGLAB_PAGE_RANGE_START).
 */
struct rp_sim_cfg {
	uint64_t arena_bytes;
	uint32_t max_order;
	bool grouping;
	uint32_t nr_ranges;
	uint32_t range_pages[RP_MAX_RANGES];
};
int rp_sim_backend(int strategy, const struct rp_sim_cfg *cfg,
		   uint32_t nr_slots, struct rp_backend *b);
/* The sim backend's buddy allocator (for fragctl map --svg). */
struct fl_buddy *rp_sim_buddy(void *priv);

#endif /* FRAGCTL_REPLAY_H */
