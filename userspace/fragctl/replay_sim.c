// SPDX-License-Identifier: GPL-2.0
/*
 * replay_sim.c - replay backends over the core compiled into fragctl.
 *
 * One arena of cfg->arena_bytes in one chunk (page index 0 up), or in
 * cfg->nr_ranges chunks whose memory is not contiguous (like a module
 * arena in several physically separate ranges):
 *  buddy      every request is a buddy block of the smallest order that
 *             holds it (movable pages);
 *  slab       requests up to 8 KiB go to one slab cache per kmalloc size
 *             class (named replay-<size>, no per-CPU arrays, so the result
 *             does not depend on which CPU ran what), bigger ones to the
 *             buddy as above; the slab needs real memory, so this arena is
 *             backed by malloc()ed pages;
 *  *-fit      one fit pool over the whole arena taken from the buddy
 *             (granularity 16 bytes) with that placement strategy.
 * The kernel backends (replay_kernel.c) do exactly the same through
 * /dev/fraglab, so both give the same numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_buddy.h"
#include "fl_fit.h"
#include "fl_metrics.h"
#include "fl_slab.h"
#include "replay.h"

struct rp_sim {
	int strategy;
	struct fl_buddy *b;
	struct fl_slab_root *root;
	struct fl_slab_cache *caches[FL_KMALLOC_NR_CLASSES];
	struct fl_fit_pool *pool;
	u64 pool_base;
	u64 high_water;		/* pools: highest end offset - base */
	u64 max_block;		/* largest block it can ever hand out */
	void *mem;
	/* per slot: buddy index, slab offset or pool offset; + class index */
	u64 *where;
	int8_t *cls;
};

static int rp_sim_buddy_alloc(struct rp_sim *s, uint32_t slot, uint64_t size,
			      uint64_t *granted)
{
	struct fl_buddy_req req = {
		.mt = FL_MT_MOVABLE,
		.owner_kind = FL_OWN_USER,
	};
	int order = fl_buddy_order_for_size(s->b, size ? size : 1);
	u32 idx;
	int ret;

	if (order < 0)
		return -E2BIG;
	req.order = order;
	req.requested = size > UINT32_MAX ? UINT32_MAX : (u32)size;
	ret = fl_buddy_alloc(s->b, &req, &idx);
	if (ret)
		return ret;
	s->where[slot] = idx;
	s->cls[slot] = -1;
	*granted = (u64)FL_PAGE_SIZE << order;
	return 0;
}

static int rp_sim_cache(struct rp_sim *s, u32 size, int *ci)
{
	char name[FL_SLAB_NAME_LEN];
	int i = fl_kmalloc_index(size);
	int ret;

	if (i < 0)
		return -EINVAL;
	*ci = i;
	if (s->caches[i])
		return 0;
	snprintf(name, sizeof(name), "replay-%u", size);
	ret = fl_slab_cache_create(s->root, name, size, 0,
				   FL_SLAB_NO_CPU_CACHE, NULL, NULL,
				   &s->caches[i]);
	return ret;
}

static int rp_sim_alloc(void *priv, uint32_t slot, uint64_t size,
			uint64_t align, uint64_t *granted)
{
	struct rp_sim *s = priv;
	u64 off;
	int ci, ret;
	u32 cls;

	switch (s->strategy) {
	case RP_BUDDY:
		return rp_sim_buddy_alloc(s, slot, size, granted);
	case RP_SLAB:
		cls = rp_slab_class(size, align);
		if (!cls)
			return rp_sim_buddy_alloc(s, slot, size, granted);
		ret = rp_sim_cache(s, cls, &ci);
		if (ret)
			return ret;
		ret = fl_slab_cache_alloc(s->caches[ci], &off, NULL);
		if (ret)
			return ret;
		s->where[slot] = off;
		s->cls[slot] = ci;
		*granted = cls;
		return 0;
	default:
		ret = fl_fit_alloc(s->pool, size ? size : 1, align, 0, &off);
		if (ret)
			return ret;
		{
			struct fl_fit_alloc_info ai;

			ret = fl_fit_lookup(s->pool, off, &ai);
			if (ret)
				return ret;
			*granted = ai.size;
			if (off + ai.size - s->pool_base > s->high_water)
				s->high_water = off + ai.size - s->pool_base;
		}
		s->where[slot] = off;
		return 0;
	}
}

static int rp_sim_free(void *priv, uint32_t slot)
{
	struct rp_sim *s = priv;

	switch (s->strategy) {
	case RP_BUDDY:
		return fl_buddy_free(s->b, (u32)s->where[slot]);
	case RP_SLAB:
		if (s->cls[slot] < 0)
			return fl_buddy_free(s->b, (u32)s->where[slot]);
		return fl_slab_cache_free(s->caches[s->cls[slot]],
					  s->where[slot]);
	default:
		return fl_fit_free(s->pool, s->where[slot]);
	}
}

static int rp_sim_sample(void *priv, struct rp_state *st)
{
	struct rp_sim *s = priv;

	if (s->pool) {
		struct fl_fit_stats fs;

		fl_fit_get_stats(s->pool, &fs);
		st->footprint = s->high_water;
		st->free_bytes = fs.free_bytes;
		st->largest_free = fs.largest_hole;
		st->ext_permille = fl_metrics_external_frag(fs.free_bytes,
						   fs.largest_hole,
						   s->max_block);
	} else {
		struct fl_buddy_stats bs;

		fl_buddy_get_stats(s->b, &bs);
		st->footprint = (bs.total_pages - bs.free_pages) << FL_PAGE_SHIFT;
		st->free_bytes = bs.free_pages << FL_PAGE_SHIFT;
		st->largest_free = bs.largest_free_order < FL_NR_ORDERS ?
			(u64)FL_PAGE_SIZE << bs.largest_free_order : 0;
		st->ext_permille = fl_metrics_external_frag(st->free_bytes,
						   st->largest_free,
						   s->max_block);
	}
	return 0;
}

static void rp_sim_destroy(void *priv)
{
	struct rp_sim *s = priv;
	int i;

	if (s->pool)
		fl_fit_destroy(s->pool, true);
	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++)
		if (s->caches[i])
			fl_slab_cache_destroy_force(s->caches[i]);
	if (s->root)
		fl_slab_root_destroy(s->root);
	if (s->b)
		fl_buddy_destroy(s->b);
	free(s->mem);
	free(s->where);
	free(s->cls);
	free(s);
}

int rp_sim_backend(int strategy, const struct rp_sim_cfg *cfg,
		   uint32_t nr_slots, struct rp_backend *be)
{
	struct fl_chunk chunks[RP_MAX_RANGES], chunk = { 0 };
	uint32_t nr_chunks = 1, i, next = 0;
	struct rp_sim *s;
	int ret = -ENOMEM;

	if (strategy < 0 || strategy >= RP_NR_STRATEGIES)
		return -EINVAL;
	if (cfg->arena_bytes < FL_PAGE_SIZE || cfg->max_order > FL_MAX_ORDER ||
	    cfg->nr_ranges > RP_MAX_RANGES)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->strategy = strategy;
	s->where = calloc(nr_slots ? nr_slots : 1, sizeof(*s->where));
	s->cls = calloc(nr_slots ? nr_slots : 1, sizeof(*s->cls));
	if (!s->where || !s->cls)
		goto fail;
	chunk.nr_pages = (u32)(cfg->arena_bytes >> FL_PAGE_SHIFT);
	/*
	 * Ranges: each chunk starts at an index aligned to 2^FL_MAX_ORDER
	 * (as fl_arena.c places them), with a page of address space between
	 * one chunk's memory and the next: not contiguous.
	 */
	chunks[0] = chunk;
	if (cfg->nr_ranges) {
		u64 sum = 0;

		nr_chunks = cfg->nr_ranges;
		for (i = 0; i < nr_chunks; i++) {
			if (!cfg->range_pages[i])
				goto fail_inval;
			chunks[i].start = next;
			chunks[i].nr_pages = cfg->range_pages[i];
			sum += cfg->range_pages[i];
			next += (cfg->range_pages[i] + (1U << FL_MAX_ORDER) - 1) &
				~((1U << FL_MAX_ORDER) - 1);
		}
		if (sum != chunk.nr_pages)
			goto fail_inval;
	} else {
		next = chunk.nr_pages;
	}
	/*
	 * Back the arena with (untouched, so free) memory: slab objects hold
	 * freelist pointers, and a pool's blocks become one segment only
	 * when their addresses are contiguous, as in the kernel's arena.
	 */
	s->mem = aligned_alloc(FL_PAGE_SIZE,
			       (size_t)(next + nr_chunks) << FL_PAGE_SHIFT);
	if (!s->mem)
		goto fail;
	for (i = 0; i < nr_chunks; i++)
		chunks[i].vaddr = (char *)s->mem +
				  ((size_t)(chunks[i].start + i) << FL_PAGE_SHIFT);
	s->max_block = (u64)FL_PAGE_SIZE << cfg->max_order;
	s->b = fl_buddy_create(chunks, nr_chunks, cfg->max_order, cfg->grouping);
	if (!s->b)
		goto fail;
	if (strategy == RP_SLAB) {
		ret = fl_slab_root_create(s->b, &s->root);
		if (ret)
			goto fail;
	} else if (strategy >= RP_FIRST_FIT) {
		struct fl_fit_segment seg;

		ret = fl_fit_pool_create_from_buddy(s->b,
				(u64)chunk.nr_pages << FL_PAGE_SHIFT,
				RP_POOL_GRAN, strategy - RP_FIRST_FIT,
				RP_POOL_OWNER, &s->pool);
		if (ret)
			goto fail;
		if (!fl_fit_get_segment(s->pool, 0, &seg))
			s->pool_base = seg.start;
		/* as the kernel backend sees it: pool bytes per segment */
		s->max_block = ((u64)chunk.nr_pages << FL_PAGE_SHIFT) /
			       fl_fit_nr_segments(s->pool);
	}
	be->name = rp_strategy_names[strategy];
	be->priv = s;
	be->alloc = rp_sim_alloc;
	be->free = rp_sim_free;
	be->sample = rp_sim_sample;
	be->destroy = rp_sim_destroy;
	return 0;
fail_inval:
	ret = -EINVAL;
fail:
	rp_sim_destroy(s);
	return ret;
}

struct fl_buddy *rp_sim_buddy(void *priv)
{
	return ((struct rp_sim *)priv)->b;
}
