/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libfraglab - the C library for /dev/fraglab (what liburing is to
 * io_uring).  Every function returns 0 (or a value >= 0) on success and a
 * negative errno on failure; fraglab_strerror() turns that into a plain
 * sentence.  There is exactly one copy of the ioctl code: this library.
 *
 * Allocations belong to the open file: fraglab_close() (or process exit)
 * frees everything the handle owns.
 */
#ifndef LIBFRAGLAB_H
#define LIBFRAGLAB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/fraglab.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FRAGLAB_DEBUGFS	"/sys/kernel/debug/fraglab"

struct fraglab {
	int fd;
	struct fraglab_version version;
};

int fraglab_open(struct fraglab *fl, const char *path);
void fraglab_close(struct fraglab *fl);

/* Buddy allocations. order < 0: allocate by size. */
int fraglab_alloc(struct fraglab *fl, uint64_t size, int order,
		  unsigned int migratetype, struct fraglab_alloc *out);
int fraglab_free(struct fraglab *fl, uint64_t handle);
int fraglab_query(struct fraglab *fl, uint64_t handle, struct fraglab_query *q);
int fraglab_alloc_batch(struct fraglab *fl, struct fraglab_alloc *reqs,
			uint32_t count, uint32_t *done);
int fraglab_free_batch(struct fraglab *fl, struct fraglab_handle *hs,
		       uint32_t count, uint32_t *done);

/* Map an allocation this fd owns; *len receives its size. */
int fraglab_mmap(struct fraglab *fl, uint64_t handle, void **addr, size_t *len);
int fraglab_munmap(void *addr, size_t len);

int fraglab_set(struct fraglab *fl, uint32_t key, uint64_t value);
int fraglab_get(struct fraglab *fl, uint32_t key, uint64_t *value);
int fraglab_check(struct fraglab *fl, char *msg, size_t len);
int fraglab_stats(struct fraglab *fl, struct fraglab_stats *st);

/* Slab caches: objects are named by handle and arena offset. */
int fraglab_cache_create(struct fraglab *fl, const char *name,
			 uint32_t object_size, uint32_t align, uint32_t flags,
			 uint32_t *cache_id);
int fraglab_cache_destroy(struct fraglab *fl, uint32_t cache_id);
int fraglab_cache_shrink(struct fraglab *fl, uint32_t cache_id,
			 uint64_t *pages);
int fraglab_cache_info(struct fraglab *fl, uint32_t cache_id,
		       struct fraglab_cache_info *ci);
int fraglab_obj_alloc(struct fraglab *fl, uint32_t cache_id,
		      struct fraglab_obj *out);
int fraglab_obj_free(struct fraglab *fl, uint32_t cache_id, uint64_t handle);
int fraglab_obj_batch(struct fraglab *fl, uint32_t op, struct fraglab_obj *objs,
		      uint32_t count, uint32_t *done);

/*
 * Fit pools: contiguous byte ranges placed first/next/best/worst fit.
 * Allocations are named by handle (FRAGLAB_KIND_POOL) and arena offset;
 * they cannot be mmap()ed.  fraglab_pool_create() fills pc (pool_id,
 * pool_bytes, base, nr_segments) if pc is not NULL.
 */
int fraglab_pool_create(struct fraglab *fl, uint64_t size, uint32_t granularity,
			uint32_t strategy, struct fraglab_pool_create *pc);
int fraglab_pool_destroy(struct fraglab *fl, uint32_t pool_id);
int fraglab_pool_set_strategy(struct fraglab *fl, uint32_t pool_id,
			      uint32_t strategy);
int fraglab_pool_alloc(struct fraglab *fl, uint32_t pool_id, uint64_t size,
		       uint64_t align, uint32_t flags,
		       struct fraglab_pool_alloc *out);
int fraglab_pool_free(struct fraglab *fl, uint32_t pool_id, uint64_t handle);
int fraglab_pool_batch(struct fraglab *fl, uint32_t op,
		       struct fraglab_pool_alloc *elems, uint32_t count,
		       uint32_t *done);
int fraglab_pool_info(struct fraglab *fl, uint32_t pool_id,
		      struct fraglab_pool_info *pi);
int fraglab_pool_compact(struct fraglab *fl, uint32_t pool_id,
			 struct fraglab_pool_compact *out);
/* "first-fit".."worst-fit" (also "first".."worst"); -EINVAL if unknown. */
const char *fraglab_pool_strategy_name(uint32_t strategy);
int fraglab_pool_strategy_parse(const char *name);

/* Raw ioctl with errno mapping, for commands added by later layers. */
int fraglab_ioctl(struct fraglab *fl, unsigned long cmd, void *arg);

/* Read a debugfs file of fraglab into a malloc()ed string. */
int fraglab_read_debugfs(const char *name, char **text);
int fraglab_read_file(const char *path, char **text);

/*
 * HugePage probe of the real system (FRAGLAB_IOC_PROBE_SYSTEM): per-zone
 * free blocks as /proc/buddyinfo, order-9 indices, pageblock types; with
 * FRAGLAB_PROBE_TRY (root) up to try_count order-9 trial allocations.
 */
int fraglab_probe_system(struct fraglab *fl, uint32_t flags,
			 uint32_t try_count, struct fraglab_probe_system *out);

/*
 * Buddy compaction (FRAGLAB_IOC_COMPACT).  mode FRAGLAB_COMPACT_MODE_ORDER
 * compacts until a free block of @order exists, _FULL until the scanners
 * meet; threshold 0 = 500.  The report (moves, bytes, time, free blocks
 * before/after, blockers) lands in *out.
 */
int fraglab_compact(struct fraglab *fl, uint32_t mode, uint32_t order,
		    uint32_t flags, uint32_t threshold,
		    struct fraglab_compact *out);
/*
 * The same with a FRAGLAB_COMPACT_POLICY_* (fraglab_compact() uses 0, the
 * kernel's).  A module without FRAGLAB_FEAT_COMPACT_POLICY refuses a
 * nonzero policy with -EINVAL.
 */
int fraglab_compact_policy(struct fraglab *fl, uint32_t mode, uint32_t order,
			   uint32_t flags, uint32_t threshold, uint32_t policy,
			   struct fraglab_compact *out);
const char *fraglab_compact_result_name(uint32_t result);
/* "kernel", "emptiest-first"; NULL for an unknown policy. */
const char *fraglab_compact_policy_name(uint32_t policy);
/*
 * Arena HugePage prediction (FRAGLAB_IOC_HUGEPAGES_ARENA): free 2 MiB
 * blocks now, the upper bound, the exact count after FULL / ORDER-9
 * compaction, and the pinned pageblocks.
 */
int fraglab_hugepages_arena(struct fraglab *fl,
			    struct fraglab_hugepages_arena *out);
/* The prediction for runs of a FRAGLAB_COMPACT_POLICY_*. */
int fraglab_hugepages_arena_policy(struct fraglab *fl, uint32_t policy,
				   struct fraglab_hugepages_arena *out);

/*
 * In-kernel benchmark pair (FRAGLAB_IOC_BENCH, CAP_SYS_ADMIN): which is a
 * FRAGLAB_BENCH_*, param its order / object size / hole count / MiB;
 * iterations and runs 0 pick the defaults (100000, 5).  Median per-op
 * times of both sides land in *out.
 */
int fraglab_bench(struct fraglab *fl, uint32_t which, uint32_t param,
		  uint32_t strategy, uint64_t iterations, uint32_t runs,
		  struct fraglab_bench *out);

/*
 * Arena map (FRAGLAB_IOC_PAGE_INFO): what each arena page is now - hole,
 * free or allocated, its block's order and migrate type, its owner (buddy
 * allocation, slab, pool, in-kernel), its pageblock and the pageblock's
 * type.  fraglab_page_info() fills out[0..count) for pages first..,
 * splitting into FRAGLAB_PAGE_INFO_MAX calls (each call one snapshot);
 * count 0 only stores the page-index space size in *index_pages.
 * fraglab_arena_map() returns the whole arena in a malloc()ed array.
 */
int fraglab_page_info(struct fraglab *fl, uint64_t first, uint32_t count,
		      struct fraglab_page *out, uint64_t *index_pages);
int fraglab_arena_map(struct fraglab *fl, struct fraglab_page **pages,
		      uint64_t *nr);
const char *fraglab_owner_name(unsigned int owner);	/* "buddy", "slab".. */
const char *fraglab_page_state_name(unsigned int state); /* "free".. */

/*
 * /proc/buddyinfo text ("Node 0, zone   Normal  1 2 ..."): THE parser, used
 * on the kernel's file and on fraglab's debugfs buddyinfo alike.
 */
#define FRAGLAB_BUDDYINFO_MAX_ORDERS	32
struct fraglab_zone_free {
	int node;
	char zone[32];
	unsigned int nr_orders;
	__u64 nr_free[FRAGLAB_BUDDYINFO_MAX_ORDERS];
};
int fraglab_parse_buddyinfo(const char *text, struct fraglab_zone_free *z,
			    int max);

const char *fraglab_strerror(int err);
const char *fraglab_mt_name(unsigned int mt);
int fraglab_mt_parse(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* LIBFRAGLAB_H */
