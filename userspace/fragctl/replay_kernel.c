// SPDX-License-Identifier: GPL-2.0
/*
 * replay_kernel.c - replay backends over /dev/fraglab (libfraglab).
 *
 * The same geometry as replay_sim.c, so the deterministic numbers agree:
 *  buddy      fraglab_alloc() by size, movable;
 *  slab       fraglab_cache_create("replay-<size>", class size, align 0,
 *             FRAGLAB_CACHE_NO_CPU_CACHE) per kmalloc class, requests
 *             above 8 KiB through fraglab_alloc();
 *  *-fit      one pool of the whole arena (FRAGLAB_IOC_POOL_CREATE,
 *             granularity 16) with that strategy, when the module has
 *             the pool ioctls.
 * Footprint and free space come from FRAGLAB_IOC_STATS (buddy, slab) and
 * FRAGLAB_IOC_POOL_INFO (pools), measured relative to the arena at the
 * start: replay on an otherwise idle arena to compare with --sim.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_metrics.h"
#include "fl_slab.h"
#include "replay_fc.h"

struct rp_kern {
	struct fraglab *fl;
	int strategy;
	uint64_t *handle;	/* per slot */
	int8_t *cls;		/* per slot: kmalloc class, -1 buddy */
	uint32_t cache_id[FL_KMALLOC_NR_CLASSES];
	bool have_cache[FL_KMALLOC_NR_CLASSES];
	uint32_t nr_slots;
	uint32_t pool_id;
	bool have_pool;
	uint64_t pool_base;
	uint64_t high_water;
	uint64_t base_used;	/* pages in use before the replay */
};

int rp_kernel_arena(struct fraglab *fl, struct rp_sim_cfg *cfg)
{
	struct fraglab_page *pg;
	uint64_t index_pages = 0, first, i;
	uint32_t n, r = 0;
	int ret;

	cfg->arena_bytes = fl->version.arena_bytes;
	cfg->max_order = fl->version.max_order;
	cfg->grouping = fl->version.group_by_mobility;
	cfg->nr_ranges = 0;
	if (fl->version.nr_chunks <= 1)
		return 0;
	/*
	 * Several physically separate ranges: their sizes (in index order)
	 * from FRAGLAB_PAGE_RANGE_START, so that --sim --ranges can model
	 * the same arena (a fit pool gets one segment per range).
	 */
	pg = (fl->version.features & FRAGLAB_FEAT_MAP) &&
	     fl->version.nr_chunks <= RP_MAX_RANGES ?
	     calloc(FRAGLAB_PAGE_INFO_MAX, sizeof(*pg)) : NULL;
	ret = pg ? fraglab_page_info(fl, 0, 0, NULL, &index_pages) : -ENOTTY;
	for (first = 0; !ret && first < index_pages; first += n) {
		n = index_pages - first < FRAGLAB_PAGE_INFO_MAX ?
		    (uint32_t)(index_pages - first) : FRAGLAB_PAGE_INFO_MAX;
		ret = fraglab_page_info(fl, first, n, pg, NULL);
		for (i = 0; !ret && i < n; i++) {
			if ((pg[i].flags & FRAGLAB_PAGE_RANGE_START) &&
			    r < RP_MAX_RANGES)
				r++;
			if (pg[i].state != FRAGLAB_PAGE_HOLE && r)
				cfg->range_pages[r - 1]++;
		}
	}
	free(pg);
	if (!ret && r == fl->version.nr_chunks) {
		cfg->nr_ranges = r;
		fprintf(stderr, "fragctl: note: the arena is %u physically separate ranges; to model it: --sim --ranges ",
			r);
		for (i = 0; i < r; i++)
			fprintf(stderr, "%s%" PRIu64 "K", i ? "," : "",
				(uint64_t)cfg->range_pages[i] * (fl->version.page_size / 1024));
		fputc('\n', stderr);
	} else {
		memset(cfg->range_pages, 0, sizeof(cfg->range_pages));
		fprintf(stderr, "fragctl: note: the arena has %u physically separate chunks; --sim models one chunk, so its numbers may differ\n",
			fl->version.nr_chunks);
	}
	return 0;
}

static int rp_k_buddy_alloc(struct rp_kern *k, uint32_t slot, uint64_t size,
			    uint64_t *granted)
{
	struct fraglab_alloc a;
	int ret;

	ret = fraglab_alloc(k->fl, size ? size : 1, -1, FRAGLAB_MT_MOVABLE,
			    &a);
	if (ret)
		return ret;
	k->handle[slot] = a.handle;
	k->cls[slot] = -1;
	*granted = a.granted;
	return 0;
}

static int rp_k_cache(struct rp_kern *k, uint32_t size, int *ci)
{
	char name[FRAGLAB_CACHE_NAME_LEN];
	int i = fl_kmalloc_index(size);
	int ret;

	if (i < 0)
		return -EINVAL;
	*ci = i;
	if (k->have_cache[i])
		return 0;
	snprintf(name, sizeof(name), "replay-%u", size);
	ret = fraglab_cache_create(k->fl, name, size, 0,
				   FRAGLAB_CACHE_NO_CPU_CACHE,
				   &k->cache_id[i]);
	if (ret == -EEXIST) {
		snprintf(name, sizeof(name), "replay%d-%u", (int)getpid(),
			 size);
		ret = fraglab_cache_create(k->fl, name, size, 0,
					   FRAGLAB_CACHE_NO_CPU_CACHE,
					   &k->cache_id[i]);
	}
	if (!ret)
		k->have_cache[i] = true;
	return ret;
}

#ifdef FRAGLAB_IOC_POOL_CREATE
static int rp_k_pool_alloc(struct rp_kern *k, uint32_t slot, uint64_t size,
			   uint64_t align, uint64_t *granted)
{
	struct fraglab_pool_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.pool_id = k->pool_id;
	a.size = size ? size : 1;
	a.align = align;
	ret = fraglab_ioctl(k->fl, FRAGLAB_IOC_POOL_ALLOC, &a);
	if (ret)
		return ret;
	k->handle[slot] = a.handle;
	*granted = a.granted;
	if (a.offset + a.granted - k->pool_base > k->high_water)
		k->high_water = a.offset + a.granted - k->pool_base;
	return 0;
}

static int rp_k_pool_free(struct rp_kern *k, uint32_t slot)
{
	struct fraglab_pool_alloc a;

	memset(&a, 0, sizeof(a));
	a.pool_id = k->pool_id;
	a.handle = k->handle[slot];
	return fraglab_ioctl(k->fl, FRAGLAB_IOC_POOL_FREE, &a);
}

static int rp_k_pool_sample(struct rp_kern *k, struct rp_state *st)
{
	struct fraglab_pool_info pi;
	int ret;

	memset(&pi, 0, sizeof(pi));
	pi.pool_id = k->pool_id;
	ret = fraglab_ioctl(k->fl, FRAGLAB_IOC_POOL_INFO, &pi);
	if (ret)
		return ret;
	st->footprint = k->high_water;
	st->free_bytes = pi.free_bytes;
	st->largest_free = pi.largest_hole;
	st->ext_permille = fl_metrics_external_frag(pi.free_bytes, pi.largest_hole,
					   pi.pool_bytes / (pi.nr_segments ?
							    pi.nr_segments : 1));
	return 0;
}

static int rp_k_pool_create(struct rp_kern *k, int strategy)
{
	struct fraglab_pool_create pc;
	int ret;

	if (!(k->fl->version.features & FRAGLAB_FEAT_POOL))
		return -EOPNOTSUPP;
	memset(&pc, 0, sizeof(pc));
	pc.size = k->fl->version.arena_bytes;
	pc.granularity = RP_POOL_GRAN;
	pc.strategy = strategy - RP_FIRST_FIT;
	ret = fraglab_ioctl(k->fl, FRAGLAB_IOC_POOL_CREATE, &pc);
	if (ret == -ENOTTY)
		return -EOPNOTSUPP;
	if (ret)
		return ret;
	k->pool_id = pc.pool_id;
	k->pool_base = pc.base;
	k->have_pool = true;
	return 0;
}

static void rp_k_pool_destroy(struct rp_kern *k)
{
	struct fraglab_pool_op op;

	memset(&op, 0, sizeof(op));
	op.pool_id = k->pool_id;
	fraglab_ioctl(k->fl, FRAGLAB_IOC_POOL_DESTROY, &op);
}
#else
static int rp_k_pool_alloc(struct rp_kern *k, uint32_t slot, uint64_t size,
			   uint64_t align, uint64_t *granted)
{
	return -EOPNOTSUPP;
}

static int rp_k_pool_free(struct rp_kern *k, uint32_t slot)
{
	return -EOPNOTSUPP;
}

static int rp_k_pool_sample(struct rp_kern *k, struct rp_state *st)
{
	return -EOPNOTSUPP;
}

static int rp_k_pool_create(struct rp_kern *k, int strategy)
{
	return -EOPNOTSUPP;
}

static void rp_k_pool_destroy(struct rp_kern *k)
{
}
#endif

static int rp_k_alloc(void *priv, uint32_t slot, uint64_t size,
		      uint64_t align, uint64_t *granted)
{
	struct rp_kern *k = priv;
	struct fraglab_obj obj;
	int ci, ret;
	uint32_t cls;

	switch (k->strategy) {
	case RP_BUDDY:
		return rp_k_buddy_alloc(k, slot, size, granted);
	case RP_SLAB:
		cls = rp_slab_class(size, align);
		if (!cls)
			return rp_k_buddy_alloc(k, slot, size, granted);
		ret = rp_k_cache(k, cls, &ci);
		if (ret)
			return ret;
		ret = fraglab_obj_alloc(k->fl, k->cache_id[ci], &obj);
		if (ret)
			return ret;
		k->handle[slot] = obj.handle;
		k->cls[slot] = ci;
		*granted = cls;
		return 0;
	default:
		return rp_k_pool_alloc(k, slot, size, align, granted);
	}
}

static int rp_k_free(void *priv, uint32_t slot)
{
	struct rp_kern *k = priv;
	int ret;

	if (k->strategy >= RP_FIRST_FIT)
		ret = rp_k_pool_free(k, slot);
	else if (k->cls[slot] < 0)
		ret = fraglab_free(k->fl, k->handle[slot]);
	else
		ret = fraglab_obj_free(k->fl, k->cache_id[k->cls[slot]],
				       k->handle[slot]);
	if (!ret)
		k->handle[slot] = 0;
	return ret;
}

static int rp_k_sample(void *priv, struct rp_state *st)
{
	struct rp_kern *k = priv;
	struct fraglab_stats fs;
	int ret;

	if (k->strategy >= RP_FIRST_FIT)
		return rp_k_pool_sample(k, st);
	ret = fraglab_stats(k->fl, &fs);
	if (ret)
		return ret;
	st->footprint = (fs.total_pages - fs.free_pages - k->base_used) *
			k->fl->version.page_size;
	st->free_bytes = fs.free_pages * k->fl->version.page_size;
	st->largest_free = fs.largest_free_order < FRAGLAB_NR_ORDERS ?
		(uint64_t)k->fl->version.page_size << fs.largest_free_order : 0;
	st->ext_permille = fl_metrics_external_frag(st->free_bytes, st->largest_free,
					   (uint64_t)k->fl->version.page_size <<
					   k->fl->version.max_order);
	return 0;
}

static void rp_k_destroy(void *priv)
{
	struct rp_kern *k = priv;
	uint32_t i;

	/* give back what the trace never freed, then the caches/pool */
	for (i = 0; i < k->nr_slots; i++)
		if (k->handle[i])
			rp_k_free(k, i);
	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++)
		if (k->have_cache[i])
			fraglab_cache_destroy(k->fl, k->cache_id[i]);
	if (k->have_pool)
		rp_k_pool_destroy(k);
	free(k->handle);
	free(k->cls);
	free(k);
}

int rp_kernel_backend(struct fraglab *fl, int strategy, uint32_t nr_slots,
		      struct rp_backend *b)
{
	struct fraglab_stats fs;
	struct rp_kern *k;
	int ret;

	if (strategy < 0 || strategy >= RP_NR_STRATEGIES)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->fl = fl;
	k->strategy = strategy;
	k->nr_slots = nr_slots;
	k->handle = calloc(nr_slots ? nr_slots : 1, sizeof(*k->handle));
	k->cls = calloc(nr_slots ? nr_slots : 1, sizeof(*k->cls));
	ret = -ENOMEM;
	if (!k->handle || !k->cls)
		goto fail;
	ret = fraglab_stats(fl, &fs);
	if (ret)
		goto fail;
	k->base_used = fs.total_pages - fs.free_pages;
	if (strategy >= RP_FIRST_FIT) {
		ret = rp_k_pool_create(k, strategy);
		if (ret)
			goto fail;
	}
	b->name = rp_strategy_names[strategy];
	b->priv = k;
	b->alloc = rp_k_alloc;
	b->free = rp_k_free;
	b->sample = rp_k_sample;
	b->destroy = rp_k_destroy;
	return 0;
fail:
	rp_k_destroy(k);
	return ret;
}
