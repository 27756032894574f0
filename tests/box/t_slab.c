// SPDX-License-Identifier: GPL-2.0
/*
 * t_slab - fraglab's slab caches through /dev/fraglab, on a real kernel.
 *
 * The in-kernel API self-test at load, object caching (constructor calls
 * counted across free/alloc), every error case of the slab ioctls,
 * slabinfo parsed by the same parser as /proc/slabinfo, shrink returning
 * pages to the buddy, buddy exhaustion, SLUB's fallback to the minimum
 * slab order on a fragmented arena, and close destroying caches.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "fl_box.h"


static struct fraglab fl;
static struct fraglab_obj objs[16384];

static void test_selftest_dmesg(void)
{
	int found = system("dmesg | grep -q 'fraglab: slab self-test passed'") == 0;

	tap_ok(found, "in-kernel API self-test passed at load (dmesg)");
}

/*
 * Object caching: as many objects as 5 slabs hold (SLUB's smallest
 * min_partial: freeing them all keeps every slab), freed and allocated
 * again, must not run the constructor again.
 */
static void test_object_caching(void)
{
	struct fraglab_cache_info ci;
	cpu_set_t all, one;
	uint64_t ctors;
	uint32_t id, done;
	int i, N, constructed = 0;

	/*
	 * One CPU for the whole round: objects freed into CPU A's per-CPU
	 * array are not seen by an allocation on CPU B, which grows new
	 * (constructed) slabs instead, as SLUB would.  Seen on the debug
	 * kernel, where the task moved between CPUs mid-test.
	 */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	tap_is_int(sched_getaffinity(0, sizeof(all), &all), 0, "save the CPU affinity");
	tap_is_int(sched_setaffinity(0, sizeof(one), &one), 0, "pin to CPU 0");

	if (!tap_is_int(fraglab_cache_create(&fl, "t-ctor", 72, 0, FRAGLAB_CACHE_CTOR, &id), 0,
			"create cache t-ctor (72 B, constructor)"))
		return;
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.flags, FRAGLAB_CACHE_CTOR, "info: flags as created (FRAGLAB_CACHE_CTOR)");
	N = ci.objs_per_slab * 5;
	tap_ok(N > 0 && N < 16384, "%u objects per slab", ci.objs_per_slab);
	for (i = 0; i < N; i++)
		objs[i].cache_id = id;
	tap_is_int(fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, N, &done), 0,
		   "batch-allocate %d objects", N);
	for (i = 0; i < N; i++)
		constructed += objs[i].constructed;
	tap_is_int(constructed, N, "every object is handed out constructed");
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.active_objs, N, "info: %d active objects", N);
	tap_is_int(ci.ctor_calls, ci.num_objs, "constructor ran once per object slot (%" PRIu64 ")",
		   (uint64_t)ci.ctor_calls);
	/*
	 * mm/slub.c calculate_sizes(): a cache with a constructor keeps the
	 * free pointer behind the object, ALIGN(72, 8) + sizeof(void *).
	 */
	tap_is_int(ci.size, 72 + 8, "stride 80: 72 B plus the free pointer SLUB keeps outside a constructed object");
	tap_is_int(ci.padding_bytes, 8 * ci.num_objs, "padding: the 8-byte free pointer per object");
	ctors = ci.ctor_calls;
	for (i = 0; i < N; i++) {
		objs[i].result = 0;
		objs[i].constructed = 0;
	}
	tap_is_int(fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_FREE, objs, N, &done), 0, "batch-free them");
	for (i = 0; i < N; i++)
		memset(&objs[i], 0, sizeof(objs[i])), objs[i].cache_id = id;
	fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, N, &done);
	constructed = 0;
	for (i = 0; i < N; i++)
		constructed += objs[i].constructed;
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.ctor_calls, ctors, "re-allocation ran no constructor (object caching)");
	tap_is_int(constructed, N, "re-allocated objects still hold their constructed state");
	tap_ok(ci.cpu_hits > 0, "per-CPU fast path used (%" PRIu64 " hits)", (uint64_t)ci.cpu_hits);

	tap_is_int(fraglab_cache_destroy(&fl, id), -EBUSY, "destroy with live objects -> EBUSY");
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.active_objs, N, "... and nothing was freed");
	for (i = 0; i < N; i++)
		objs[i].result = 0, objs[i].constructed = 0;
	fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_FREE, objs, N, &done);
	tap_is_int(fraglab_cache_destroy(&fl, id), 0, "destroy the empty cache");
	sched_setaffinity(0, sizeof(all), &all);
}

static void test_errors(void)
{
	char name[64];
	struct fraglab_cache_create cc;
	struct fraglab_obj o;
	uint32_t a, b;

	tap_is_int(fraglab_cache_create(&fl, "t-dup", 64, 0, 0, &a), 0, "create t-dup");
	tap_is_int(fraglab_cache_create(&fl, "t-dup", 64, 0, 0, &b), -EEXIST, "duplicate name -> EEXIST");
	tap_is_int(fraglab_cache_create(&fl, "", 64, 0, 0, &b), -EINVAL, "empty name -> EINVAL");
	memset(name, 'x', 31);
	name[31] = '\0';
	tap_is_int(fraglab_cache_create(&fl, name, 64, 0, 0, &b), 0, "31-character name is fine");
	fraglab_cache_destroy(&fl, b);
	memset(&cc, 0, sizeof(cc));
	memset(cc.name, 'y', sizeof(cc.name));
	cc.object_size = 64;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_CACHE_CREATE, &cc), -EINVAL,
		   "unterminated 32-byte name -> EINVAL");
	tap_is_int(fraglab_cache_create(&fl, "bad\tname", 64, 0, 0, &b), -EINVAL, "non-printable name -> EINVAL");
	tap_is_int(fraglab_cache_create(&fl, "t-zero", 0, 0, 0, &b), -EINVAL, "size 0 -> EINVAL");
	tap_is_int(fraglab_cache_create(&fl, "t-huge", 32769, 0, 0, &b), -EINVAL, "size > order-3 slab -> EINVAL");
	tap_is_int(fraglab_cache_create(&fl, "t-align", 64, 24, 0, &b), -EINVAL, "align 24 -> EINVAL");
	tap_is_int(fraglab_cache_create(&fl, "t-flags", 64, 0, 1U << 9, &b), -EINVAL, "unknown flag -> EINVAL");
	memset(&cc, 0, sizeof(cc));
	strcpy(cc.name, "t-res");
	cc.object_size = 64;
	cc.reserved[0] = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_CACHE_CREATE, &cc), -EINVAL, "nonzero reserved -> EINVAL");

	tap_is_int(fraglab_cache_create(&fl, "t-other", 128, 0, 0, &b), 0, "create t-other");
	tap_is_int(fraglab_obj_alloc(&fl, a, &o), 0, "alloc from t-dup");
	tap_is_int(fraglab_obj_free(&fl, b, o.handle), -EINVAL, "free to the wrong cache -> EINVAL");
	tap_is_int(fraglab_obj_free(&fl, a, 0xf7a9000000001234ULL), -ENOENT, "unknown object -> ENOENT");
	tap_is_int(fraglab_obj_free(&fl, a, o.handle), 0, "free to the right cache");
	tap_is_int(fraglab_obj_free(&fl, a, o.handle), -ENOENT, "double free -> ENOENT");
	tap_is_int(fraglab_obj_alloc(&fl, 999999, &o), -ENOENT, "alloc from unknown cache -> ENOENT");
	tap_is_int(fraglab_cache_destroy(&fl, 999999), -ENOENT, "destroy unknown cache -> ENOENT");
	fraglab_cache_destroy(&fl, a);
	fraglab_cache_destroy(&fl, b);
}

static void test_slabinfo_and_shrink(void)
{
	struct fl_slabinfo_row sys[512], ours[64];
	struct fraglab_stats before, after;
	struct fraglab_cache_info ci;
	uint64_t pages = 0;
	uint32_t id, done;
	char *text;
	int n, i, found = 0;

	if (fraglab_read_file("/proc/slabinfo", &text) == 0) {
		n = fl_parse_slabinfo(text, sys, 512);
		free(text);
		tap_ok(n > 10, "/proc/slabinfo parses (%d caches)", n);
	} else {
		tap_ok(0, "read /proc/slabinfo");
	}
	fraglab_stats(&fl, &before);
	tap_is_int(fraglab_cache_create(&fl, "t-info", 200, 0, 0, &id), 0, "create t-info (200 B)");
	for (i = 0; i < 5000; i++)
		memset(&objs[i], 0, sizeof(objs[i])), objs[i].cache_id = id;
	tap_is_int(fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, 5000, &done), 0, "alloc 5000");
	if (!tap_is_int(fraglab_read_debugfs("slabinfo", &text), 0, "read debugfs slabinfo"))
		return;
	n = fl_parse_slabinfo(text, ours, 64);
	free(text);
	tap_ok(n >= 1, "debugfs slabinfo parses with the /proc/slabinfo parser (%d caches)", n);
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.flags, 0, "t-info: info flags 0, as created");
	{
		uint32_t f = FRAGLAB_CACHE_RECLAIMABLE | FRAGLAB_CACHE_COLOUR |
			     FRAGLAB_CACHE_NO_CPU_CACHE, fid;
		struct fraglab_cache_info fi;

		if (tap_is_int(fraglab_cache_create(&fl, "t-flags", 64, 0, f, &fid), 0,
			       "create t-flags (reclaimable, colour, no CPU cache)")) {
			fraglab_cache_info(&fl, fid, &fi);
			tap_is_int(fi.flags, f, "t-flags: info flags are the FRAGLAB_CACHE_* it was created with");
			tap_is_int(fraglab_cache_destroy(&fl, fid), 0, "destroy t-flags");
		}
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ours[i].name, "t-info"))
			continue;
		found = ours[i].active_objs == 5000 && ours[i].num_objs == ci.num_objs &&
			ours[i].objsize == ci.size && ours[i].objperslab == ci.objs_per_slab &&
			ours[i].pagesperslab == ci.pages_per_slab && ours[i].num_slabs == ci.num_slabs;
	}
	tap_ok(found, "slabinfo line for t-info agrees with the info ioctl");
	for (i = 0; i < 5000; i++)
		objs[i].result = 0;
	fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_FREE, objs, 5000, &done);
	fraglab_stats(&fl, &after);
	tap_ok(after.free_pages < before.free_pages, "empty slabs still held before shrink");
	tap_is_int(fraglab_cache_shrink(&fl, id, &pages), 0, "shrink");
	tap_ok(pages > 0, "shrink gave %" PRIu64 " pages back", pages);
	fraglab_stats(&fl, &after);
	tap_is_int(after.free_pages, before.free_pages, "buddy free pages back to where they were");
	fraglab_cache_destroy(&fl, id);
}

static void test_exhaustion(void)
{
	struct fraglab_stats st;
	char msg[128];
	uint32_t id, done = 0;
	int i, ret;

	tap_is_int(fraglab_cache_create(&fl, "t-big", 16384, 0, 0, &id), 0, "create t-big (16 KiB)");
	for (i = 0; i < 16384; i++)
		memset(&objs[i], 0, sizeof(objs[i])), objs[i].cache_id = id;
	ret = fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, 16384, &done);
	tap_is_int(ret, -ENOMEM, "allocating until the buddy is exhausted -> ENOMEM");
	tap_ok(done > 1000, "%u objects of 16 KiB fit in the arena", done);
	tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariants hold after ENOMEM");
	for (i = 0; i < (int)done; i++)
		objs[i].result = 0;
	tap_is_int(fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_FREE, objs, done, &done), 0, "free them all");
	fraglab_cache_shrink(&fl, id, NULL);
	fraglab_cache_destroy(&fl, id);
	fraglab_stats(&fl, &st);
	tap_is_int(st.free_pages, st.total_pages, "every page back in the buddy");
}

/*
 * mm/slub.c allocate_slab() (6.12, 6.1): when no block of the preferred
 * order s->oo is free, the slab is made at s->min = get_order(size),
 * holding (PAGE_SIZE << min_order) / size objects; /proc/slabinfo's
 * num_objs counts each slab's own objects while objperslab and
 * pagesperslab stay those of s->oo (get_slabinfo()).  The arena is filled
 * with single pages and every other one given back, so only order-0
 * blocks are free.
 */
static struct fraglab_alloc pg[20000];
static struct fraglab_handle pgh[20000];

static void test_order_fallback(void)
{
	const uint32_t size = 2048, n = 3;
	/* the rule, not fraglab: get_order(2048) = 0, 4096 / 2048 = 2 */
	const uint32_t min_order = 0, min_objs = 2;
	const uint32_t slabs = (n + min_objs - 1) / min_objs;
	struct fl_slabinfo_row rows[64];
	struct fraglab_cache_info ci;
	struct fraglab_alloc one;
	struct fraglab_stats st;
	struct fraglab_obj o[3];
	uint32_t id, done, total = 0, nfree = 0, i;
	char msg[128], *text;
	int rows_n, found = 0, ret;

	if (!tap_is_int(fraglab_cache_create(&fl, "t-fallback", size, 0, 0, &id), 0,
			"create t-fallback (2048 B)"))
		return;
	fraglab_cache_info(&fl, id, &ci);
	tap_ok(ci.order > min_order, "preferred slab order %u is above the minimum order %u",
	       ci.order, min_order);
	do {
		uint32_t chunk = 2048;

		if (total + chunk > sizeof(pg) / sizeof(pg[0]))
			break;
		for (i = 0; i < chunk; i++) {
			memset(&pg[total + i], 0, sizeof(pg[0]));
			pg[total + i].flags = FRAGLAB_ALLOC_BY_ORDER;
			pg[total + i].migratetype = FRAGLAB_MT_UNMOVABLE;
		}
		ret = fraglab_alloc_batch(&fl, &pg[total], chunk, &done);
		total += done;
	} while (!ret);
	tap_is_int(ret, -ENOMEM, "arena filled with %u single pages", total);
	for (i = 0; i < total; i++)
		if (!((pg[i].offset >> 12) & 1))
			pgh[nfree++].handle = pg[i].handle;
	tap_is_int(fraglab_free_batch(&fl, pgh, nfree, &done), 0,
		   "every other page given back (%u)", nfree);
	tap_is_int(fraglab_alloc(&fl, 0, 1, FRAGLAB_MT_UNMOVABLE, &one), -ENOMEM,
		   "no free block of order 1 is left");

	for (i = 0; i < n; i++)
		tap_is_int(fraglab_obj_alloc(&fl, id, &o[i]), 0,
			   "object %u of 2048 B allocated at the minimum order", i);
	fraglab_cache_info(&fl, id, &ci);
	tap_is_int(ci.num_slabs, slabs, "%u slabs", slabs);
	tap_is_int(ci.num_objs, slabs * min_objs, "num_objs = slabs * %u objects", min_objs);
	tap_is_int(ci.pages, slabs << min_order, "pages = slabs << min_order");
	tap_is_int(ci.objs_per_slab, (4096u << ci.order) / size, "objperslab stays that of s->oo");
	if (tap_is_int(fraglab_read_debugfs("slabinfo", &text), 0, "read debugfs slabinfo")) {
		rows_n = fl_parse_slabinfo(text, rows, 64);
		free(text);
		for (i = 0; rows_n > 0 && i < (uint32_t)rows_n; i++)
			if (!strcmp(rows[i].name, "t-fallback"))
				found = rows[i].active_objs == n &&
					rows[i].num_objs == slabs * min_objs &&
					rows[i].objperslab == (4096u << ci.order) / size &&
					rows[i].pagesperslab == 1u << ci.order &&
					rows[i].num_slabs == slabs &&
					rows[i].active_slabs == slabs;
		tap_ok(found, "slabinfo line: SLUB's values after the fallback");
	}
	tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0,
		   "invariants hold after the fallback");
	for (i = 0; i < n; i++)
		tap_is_int(fraglab_obj_free(&fl, id, o[i].handle), 0, "free object %u", i);
	fraglab_cache_shrink(&fl, id, NULL);
	tap_is_int(fraglab_cache_destroy(&fl, id), 0, "destroy t-fallback");
	nfree = 0;
	for (i = 0; i < total; i++)
		if ((pg[i].offset >> 12) & 1)
			pgh[nfree++].handle = pg[i].handle;
	tap_is_int(fraglab_free_batch(&fl, pgh, nfree, &done), 0, "free the other pages");
	fraglab_stats(&fl, &st);
	tap_is_int(st.free_pages, st.total_pages, "every page back in the buddy");
	tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariants hold at the end");
}

static void test_close(void)
{
	struct fraglab other;
	struct fraglab_obj o;
	uint32_t id;

	if (fraglab_open(&other, NULL))
		return;
	fraglab_cache_create(&other, "t-close", 64, 0, 0, &id);
	fraglab_obj_alloc(&other, id, &o);
	tap_is_int(fraglab_obj_alloc(&fl, id, &o), -ENOENT, "another fd cannot use the cache");
	fraglab_close(&other);
	tap_is_int(fraglab_cache_create(&fl, "t-close", 64, 0, 0, &id), 0,
		   "closing the fd destroyed its cache (name free again)");
	fraglab_cache_destroy(&fl, id);
}

int main(void)
{
	char msg[128];

	if (!tap_is_int(fl_box_load("arena_mb=64 slab_selftest=1"), 0, "insmod slab_selftest=1"))
		return tap_done();
	test_selftest_dmesg();
	if (tap_is_int(fraglab_open(&fl, NULL), 0, "open /dev/fraglab")) {
		tap_ok(fl.version.features & FRAGLAB_FEAT_SLAB, "slab feature bit");
		test_object_caching();
		test_errors();
		test_slabinfo_and_shrink();
		test_exhaustion();
		test_order_fallback();
		test_close();
		tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariant checker: consistent");
		fraglab_close(&fl);
	}
	tap_is_int(fl_box_unload(), 0, "rmmod");
	return tap_done();
}
