// SPDX-License-Identifier: GPL-2.0
/*
 * t_map - FRAGLAB_IOC_PAGE_INFO and fragctl map on the live arena.
 *
 * Allocates known blocks - buddy blocks of several orders and all three
 * migrate types, objects of an unmovable and a reclaimable slab cache, a
 * fit pool - and checks that the page-by-page answer says exactly that:
 * state, order, position in the block, migrate type, owner, pageblock.
 * The totals must agree with FRAGLAB_IOC_STATS (free pages, free blocks
 * per order, allocated pages).  After a full compaction the moved buddy
 * allocations carry FRAGLAB_PAGE_MOVED at their new offset.  Then fragctl
 * map --svg draws the live arena (well-formed SVG with the colours of
 * what was allocated) and fragctl --json map reports the same counts.
 * Without the module, fragctl map refuses and points at --trace.
 * Leaves fraglab unloaded.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_box.h"
#include "fl_json.h"

#define PAGE	4096ULL
#define SVG	"/tmp/t_map.svg"
#define MAXOUT	(4 * 1024 * 1024)

static struct fraglab fl;
static struct fraglab_page *pg;
static uint64_t npages;

static int reload_map(void)
{
	free(pg);
	pg = NULL;
	return fraglab_arena_map(&fl, &pg, &npages);
}

/* Every page of [idx, idx + 2^order) is this allocated block. */
static bool block_is(uint64_t idx, unsigned int order, unsigned int mt,
		     unsigned int owner, const char *what)
{
	uint64_t i, n = 1ULL << order;

	for (i = 0; i < n; i++) {
		const struct fraglab_page *p = &pg[idx + i];

		if (p->state != FRAGLAB_PAGE_ALLOCATED || p->order != order ||
		    p->migratetype != mt || p->owner != owner ||
		    p->block_offset != i ||
		    !!(p->flags & FRAGLAB_PAGE_HEAD) != (i == 0) ||
		    p->pageblock != (idx + i) >> FRAGLAB_PAGEBLOCK_ORDER ||
		    p->pageblock_mt >= FRAGLAB_MT_TYPES) {
			tap_diag("%s: page %" PRIu64 ": state %u order %u mt %u owner %u off %u flags %#x pb %u/%u",
				 what, idx + i, p->state, p->order,
				 p->migratetype, p->owner, p->block_offset,
				 p->flags, p->pageblock, p->pageblock_mt);
			return false;
		}
	}
	return true;
}

/* Totals of the map against FRAGLAB_IOC_STATS. */
static void totals_match(const char *when)
{
	uint64_t nr_free[FRAGLAB_NR_ORDERS] = { 0 }, fr = 0, al = 0, hole = 0, i;
	struct fraglab_stats st;
	bool pb_same = true, orders_ok = true;
	unsigned int o;

	if (!tap_is_int(reload_map(), 0, "%s: page info of the whole arena", when))
		return;
	fraglab_stats(&fl, &st);
	for (i = 0; i < npages; i++) {
		const struct fraglab_page *p = &pg[i];

		if (p->state == FRAGLAB_PAGE_HOLE)
			hole++;
		else if (p->state == FRAGLAB_PAGE_FREE)
			fr++;
		else
			al++;
		if (p->state == FRAGLAB_PAGE_FREE && (p->flags & FRAGLAB_PAGE_HEAD))
			nr_free[p->order < FRAGLAB_NR_ORDERS ? p->order : 0]++;
		if (p->state != FRAGLAB_PAGE_HOLE && i % 512 &&
		    pg[i - 1].state != FRAGLAB_PAGE_HOLE &&
		    p->pageblock_mt != pg[i - 1].pageblock_mt)
			pb_same = false;
	}
	tap_is_int(fr, st.free_pages, "%s: free pages = stats free_pages (%" PRIu64 ")", when, fr);
	tap_is_int(al, st.total_pages - st.free_pages, "%s: allocated pages = total - free", when);
	tap_is_int(hole, npages - st.total_pages, "%s: hole pages = index space - arena", when);
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		if (nr_free[o] != st.nr_free[o]) {
			tap_diag("order %u: %" PRIu64 " free heads, stats %" PRIu64,
				 o, nr_free[o], (uint64_t)st.nr_free[o]);
			orders_ok = false;
		}
	tap_ok(orders_ok, "%s: free block heads per order = stats nr_free", when);
	tap_ok(pb_same, "%s: one migrate type per pageblock", when);
}

static uint64_t json_u64(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : ~0ULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_fragctl(bool have_fragctl)
{
	static char out[MAXOUT];
	struct fraglab_stats st;
	char *svg;
	int ret, el;

	if (!have_fragctl) {
		tap_skip("fragctl is not in the box", "fragctl map --svg");
		return;
	}
	unlink(SVG);
	ret = fl_box_run("fragctl map --svg " SVG " 2>&1", out, sizeof(out));
	tap_is_int(ret, 0, "fragctl map --svg " SVG " (live arena) exits 0");
	tap_ok(strstr(out, "live arena") != NULL, "fragctl map says it drew the live arena");
	svg = slurp(SVG);
	if (!tap_ok(svg != NULL, "the SVG exists"))
		return;
	el = fl_xml_wellformed(svg);
	tap_ok(el > 10, "the SVG is well-formed XML (%d elements)", el);
	tap_ok(!strncmp(svg, "<?xml", 5) && strstr(svg, "<svg xmlns='http://www.w3.org/2000/svg'"),
	       "the SVG has the prolog and the svg root");
	tap_ok(strstr(svg, "fill='#2ca02c'") && strstr(svg, "fill='#d62728'") &&
	       strstr(svg, "fill='#e6c229'") && strstr(svg, "fill='#1f77b4'") &&
	       strstr(svg, "fill='#9467bd'") && strstr(svg, "fill='#f4f4f4'"),
	       "the SVG has movable, unmovable, reclaimable, slab, pool and free pages");
	tap_ok(strstr(svg, "<title>pageblock 0: ") != NULL, "the SVG has the pageblock grid");
	free(svg);

	ret = fl_box_run("fragctl --json map 2>&1", out, sizeof(out));
	tap_is_int(ret, 0, "fragctl --json map exits 0");
	tap_ok(fl_json_valid(out), "fragctl --json map is valid JSON (%zu bytes)", strlen(out));
	tap_ok(!strncmp(out, "{\"source\": \"live\"", 17), "its source is the live arena");
	fraglab_stats(&fl, &st);
	tap_is_int(json_u64(out, "\"free\": "), st.free_pages, "JSON free pages = stats");
	tap_is_int(json_u64(out, "\"index_pages\": "), npages, "JSON index_pages = page info");
	tap_ok(json_u64(out, "\"slab\": ") > 0 && json_u64(out, "\"pool\": ") > 0 &&
	       json_u64(out, "\"movable\": ") > 0, "JSON counts slab, pool and movable pages");
}

int main(void)
{
	static const struct { unsigned int order, mt; } want[] = {
		{ 0, FRAGLAB_MT_UNMOVABLE }, { 1, FRAGLAB_MT_MOVABLE },
		{ 2, FRAGLAB_MT_RECLAIMABLE }, { 3, FRAGLAB_MT_MOVABLE },
		{ 5, FRAGLAB_MT_UNMOVABLE }, { 7, FRAGLAB_MT_RECLAIMABLE },
		{ 9, FRAGLAB_MT_MOVABLE }, { 10, FRAGLAB_MT_UNMOVABLE },
	};
	struct fraglab_alloc a[sizeof(want) / sizeof(want[0])];
	struct fraglab_alloc small[64];
	struct fraglab_cache_info ci;
	struct fraglab_pool_create pc;
	struct fraglab_pool_alloc pa;
	struct fraglab_compact cr;
	struct fraglab_query q;
	struct fraglab_obj o1, o2;
	uint32_t c1, c2;
	bool have_fragctl = !system("command -v fragctl >/dev/null 2>&1");
	bool ok, moved_seen = false, moved_ok = true;
	uint64_t i, pool_pages = 0;
	char msg[128];
	unsigned int k;
	int ret;

	if (!tap_is_int(fl_box_load("arena_mb=16"), 0, "insmod arena_mb=16"))
		return tap_done();
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open"))
		tap_bail("cannot open");
	tap_ok(fl.version.features & FRAGLAB_FEAT_MAP, "version: map feature bit");
	tap_ok(fl.version.api_minor >= 1, "version: API minor %u >= 1", fl.version.api_minor);

	totals_match("fresh arena");
	ok = true;
	for (i = 0; i < npages; i++)
		if (pg[i].state == FRAGLAB_PAGE_ALLOCATED || pg[i].owner)
			ok = false;
	tap_ok(ok, "fresh arena: no allocated page, no owner");
	for (i = 0, k = 0; i < npages; i++)
		k += !!(pg[i].flags & FRAGLAB_PAGE_RANGE_START);
	tap_ok(k == fl.version.nr_chunks && (pg[0].flags & FRAGLAB_PAGE_RANGE_START),
	       "FRAGLAB_PAGE_RANGE_START on %u pages = the arena's %u contiguous ranges, page 0 first",
	       k, fl.version.nr_chunks);

	/* buddy blocks of several orders and every migrate type */
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		if (!tap_is_int(fraglab_alloc(&fl, 0, want[k].order, want[k].mt, &a[k]), 0,
				"alloc order %u %s", want[k].order, fraglab_mt_name(want[k].mt)))
			tap_bail("alloc");
	/* two slab caches: unmovable and reclaimable */
	if (!tap_is_int(fraglab_cache_create(&fl, "t_map_u", 256, 0, 0, &c1), 0, "cache t_map_u") ||
	    !tap_is_int(fraglab_cache_create(&fl, "t_map_r", 1000, 0, FRAGLAB_CACHE_RECLAIMABLE, &c2), 0,
			"cache t_map_r (reclaimable)") ||
	    !tap_is_int(fraglab_obj_alloc(&fl, c1, &o1), 0, "object of t_map_u") ||
	    !tap_is_int(fraglab_obj_alloc(&fl, c2, &o2), 0, "object of t_map_r"))
		tap_bail("slab");
	/* a fit pool */
	if (!tap_is_int(fraglab_pool_create(&fl, 192 * 1024, 0, FRAGLAB_POOL_BEST_FIT, &pc), 0,
			"pool of 192K") ||
	    !tap_is_int(fraglab_pool_alloc(&fl, pc.pool_id, 5000, 0, 0, &pa), 0, "pool alloc"))
		tap_bail("pool");

	if (!tap_is_int(reload_map(), 0, "page info after the allocations"))
		tap_bail("page info");
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "order %u %s", want[k].order,
			 fraglab_mt_name(want[k].mt));
		tap_ok(block_is(a[k].offset / PAGE, want[k].order, want[k].mt,
				FRAGLAB_OWNER_BUDDY, what),
		       "%s at offset %#llx: every page allocated, order, mt, owner buddy, position, pageblock",
		       what, (unsigned long long)a[k].offset);
	}
	ok = true;
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		if (want[k].order >= FRAGLAB_PAGEBLOCK_ORDER &&
		    pg[a[k].offset / PAGE].pageblock_mt != want[k].mt)
			ok = false;
	tap_ok(ok, "order >= 9 blocks: their pageblocks have their migrate type");

	if (!tap_is_int(fraglab_cache_info(&fl, c1, &ci), 0, "cache info t_map_u"))
		tap_bail("cache info");
	{
		const struct fraglab_page *p = &pg[o1.offset / PAGE];

		tap_ok(p->state == FRAGLAB_PAGE_ALLOCATED && p->owner == FRAGLAB_OWNER_SLAB &&
		       p->migratetype == FRAGLAB_MT_UNMOVABLE && p->order == ci.order,
		       "t_map_u object's page: slab, unmovable, order %u (state %u owner %u mt %u order %u)",
		       ci.order, p->state, p->owner, p->migratetype, p->order);
		tap_ok(block_is(o1.offset / PAGE - p->block_offset, ci.order,
				FRAGLAB_MT_UNMOVABLE, FRAGLAB_OWNER_SLAB, "slab t_map_u"),
		       "t_map_u's slab: every page of the block");
	}
	if (!tap_is_int(fraglab_cache_info(&fl, c2, &ci), 0, "cache info t_map_r"))
		tap_bail("cache info");
	{
		const struct fraglab_page *p = &pg[o2.offset / PAGE];

		tap_ok(p->state == FRAGLAB_PAGE_ALLOCATED && p->owner == FRAGLAB_OWNER_SLAB &&
		       p->migratetype == FRAGLAB_MT_RECLAIMABLE && p->order == ci.order,
		       "t_map_r object's page: slab, reclaimable, order %u (state %u owner %u mt %u order %u)",
		       ci.order, p->state, p->owner, p->migratetype, p->order);
	}
	ok = true;
	for (i = pc.base / PAGE; i < (pc.base + pc.pool_bytes) / PAGE && pc.nr_segments == 1; i++)
		if (pg[i].state != FRAGLAB_PAGE_ALLOCATED || pg[i].owner != FRAGLAB_OWNER_POOL ||
		    pg[i].migratetype != FRAGLAB_MT_UNMOVABLE)
			ok = false;
	tap_ok(ok, "pool: %u segment(s), the pages at its base are pool, unmovable", pc.nr_segments);
	tap_ok(pg[pa.offset / PAGE].owner == FRAGLAB_OWNER_POOL, "the pool allocation's page is a pool page");
	for (i = 0; i < npages; i++)
		pool_pages += pg[i].owner == FRAGLAB_OWNER_POOL;
	tap_is_int(pool_pages, pc.pool_bytes / PAGE, "pool pages = pool_bytes / page size");

	totals_match("after the allocations");
	test_fragctl(have_fragctl);

	/* compaction: movable order-0 pages, every other freed, FULL compaction */
	for (k = 0; k < 64; k++)
		if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &small[k]))
			tap_bail("small alloc");
	for (k = 0; k < 64; k += 2)
		fraglab_free(&fl, small[k].handle);
	/*
	 * emptiest-first empties the small pages' sparse pageblock first;
	 * the kernel's address-order scanners may meet below it and move
	 * only other allocations, leaving nothing here to check the flag on
	 */
	ret = fraglab_compact_policy(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0,
				     FRAGLAB_COMPACT_POLICY_EMPTIEST, &cr);
	tap_is_int(ret, 0, "FULL compaction (%" PRIu64 " moved)", (uint64_t)cr.moved);
	if (!tap_is_int(reload_map(), 0, "page info after compaction"))
		tap_bail("page info");
	for (k = 1; k < 64; k += 2) {
		if (fraglab_query(&fl, small[k].handle, &q))
			continue;
		if (q.moves)
			moved_seen = true;
		if (!!(pg[q.offset / PAGE].flags & FRAGLAB_PAGE_MOVED) != !!q.moves ||
		    pg[q.offset / PAGE].owner != FRAGLAB_OWNER_BUDDY)
			moved_ok = false;
	}
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		if (!fraglab_query(&fl, a[k].handle, &q) &&
		    !!(pg[q.offset / PAGE].flags & FRAGLAB_PAGE_MOVED) != !!q.moves)
			moved_ok = false;
	tap_ok(moved_seen || !cr.moved, "compaction moved some of the order-0 pages");
	tap_ok(moved_ok, "FRAGLAB_PAGE_MOVED is set exactly on the pages of moved allocations");
	totals_match("after compaction");

	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "invariant checker clean%s%s", ret ? ": " : "", ret ? msg : "");
	fraglab_close(&fl);

	/* everything freed with the fd: the map is all free */
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "reopen"))
		tap_bail("reopen");
	totals_match("after close");
	ok = true;
	for (i = 0; i < npages; i++)
		if (pg[i].state == FRAGLAB_PAGE_ALLOCATED)
			ok = false;
	tap_ok(ok, "after close: no allocated page");
	fraglab_close(&fl);
	free(pg);

	tap_is_int(fl_box_unload(), 0, "rmmod");
	if (have_fragctl) {
		static char out[4096];

		ret = fl_box_run("fragctl map --svg " SVG " 2>&1", out, sizeof(out));
		tap_ok(ret != 0 && strstr(out, "--trace"),
		       "without the module fragctl map fails and points at --trace");
	}
	return tap_done();
}
