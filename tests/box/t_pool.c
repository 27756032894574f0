// SPDX-License-Identifier: GPL-2.0
/*
 * t_pool - fraglab's fit pools through /dev/fraglab, on a real kernel.
 *
 * The seed's table of contiguous strategies on one directed layout (holes
 * of 5K, 2K, 9K and 3K: a 2K request lands in the first, the exact, the
 * largest hole, or after the roving pointer), the fragmentation failure
 * counter, every error case of the pool ioctls, per-fd ownership, batches,
 * QUERY of pool handles, pool compaction (movable slide down, pinned
 * stay), the debugfs files, and close giving every page back.
 */
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fl_box.h"

#define K		((uint64_t)1024)
#define MMAP_SHIFT	(12 + 11)	/* PAGE_SHIFT + FL_MMAP_ID_SHIFT; the id is the low 40 bits of a handle */

static struct fraglab fl;

static uint64_t palloc(uint32_t pool, uint64_t size, uint32_t flags,
		       uint64_t *handle)
{
	struct fraglab_pool_alloc a;
	int ret = fraglab_pool_alloc(&fl, pool, size, 0, flags, &a);

	if (ret) {
		tap_diag("alloc %" PRIu64 " B: %d", size, ret);
		*handle = 0;
		return ~0ULL;
	}
	*handle = a.handle;
	return a.offset;
}

/* How many lines of debugfs pools/<id>/<file>, and does it contain @needle? */
static int pool_debugfs_lines(uint32_t id, const char *file, const char *needle,
			      int *found)
{
	char name[64], *text, *p;
	int n = 0, ret;

	snprintf(name, sizeof(name), "pools/%u/%s", id, file);
	ret = fraglab_read_debugfs(name, &text);
	if (ret)
		return ret;
	for (p = text; *p; p++)
		n += *p == '\n';
	if (found)
		*found = needle && strstr(text, needle);
	free(text);
	return n;
}

/*
 * Layout in a 64K pool of 1K granules (first fit, in address order):
 * s0 1K | x1 5K | s1 1K | x2 2K | s2 1K | x3 9K | s3 1K | x4 3K | s4 1K |
 * tail 40K; then x1..x4 are freed: holes 5K@1K, 2K@7K, 9K@10K, 3K@20K.
 */
static void test_strategies(void)
{
	static const uint64_t sizes[10] = { 1, 5, 1, 2, 1, 9, 1, 3, 1, 40 };
	struct fraglab_pool_create pc;
	struct fraglab_pool_info pi;
	uint64_t h[10], hh, hn[2], at = 0, off, base;
	int i, ok = 1, found;
	char needle[64];
	uint32_t id;

	if (!tap_is_int(fraglab_pool_create(&fl, 64 * K, 1024, FRAGLAB_POOL_FIRST_FIT, &pc), 0,
			"create a 64K first-fit pool, 1K granularity"))
		return;
	id = pc.pool_id;
	base = pc.base;
	tap_ok(pc.pool_bytes == 64 * K && pc.nr_segments == 1,
	       "pool %u: %" PRIu64 " bytes in %u segment at arena offset 0x%" PRIx64,
	       id, (uint64_t)pc.pool_bytes, pc.nr_segments, base);
	for (i = 0; i < 10; i++) {
		off = palloc(id, sizes[i] * K, 0, &h[i]);
		ok &= off == base + at * K;
		at += sizes[i];
	}
	tap_ok(ok, "first fit packs 1K,5K,1K,2K,1K,9K,1K,3K,1K,40K in address order");
	fraglab_pool_info(&fl, id, &pi);
	tap_ok(pi.free_bytes == 0 && pi.nr_holes == 0, "pool full: no hole");
	for (i = 1; i < 9; i += 2)
		fraglab_pool_free(&fl, id, h[i]);
	fraglab_pool_info(&fl, id, &pi);
	tap_ok(pi.nr_holes == 4 && pi.free_bytes == 19 * K && pi.largest_hole == 9 * K,
	       "holes 5K,2K,9K,3K: %" PRIu64 " holes, %" PRIu64 " B free, largest %" PRIu64,
	       (uint64_t)pi.nr_holes, (uint64_t)pi.free_bytes, (uint64_t)pi.largest_hole);
	tap_is_int(pi.ext_frag_permille, 1000 * 10 / 19, "external fragmentation 1 - 9/19 (526 permille)");
	tap_is_int(pool_debugfs_lines(id, "holes", NULL, NULL), 4, "debugfs pools/%u/holes: 4 lines", id);
	snprintf(needle, sizeof(needle), "0x%" PRIx64 " %" PRIu64 "\n", base + 10 * K, 9 * K);
	pool_debugfs_lines(id, "holes", needle, &found);
	tap_ok(found, "debugfs holes lists the 9K hole as '0x%" PRIx64 " 9216'", base + 10 * K);

	off = palloc(id, 2 * K, 0, &hh);
	tap_is_int(off - base, 1 * K, "first-fit: 2K lands in the first hole (5K @1K)");
	fraglab_pool_free(&fl, id, hh);

	tap_is_int(fraglab_pool_set_strategy(&fl, id, FRAGLAB_POOL_BEST_FIT), 0, "switch to best-fit");
	off = palloc(id, 2 * K, 0, &hh);
	tap_is_int(off - base, 7 * K, "best-fit: 2K lands in the 2K hole (@7K, no leftover)");
	fraglab_pool_free(&fl, id, hh);

	fraglab_pool_set_strategy(&fl, id, FRAGLAB_POOL_WORST_FIT);
	off = palloc(id, 2 * K, 0, &hh);
	tap_is_int(off - base, 10 * K, "worst-fit: 2K lands in the largest hole (9K @10K)");
	fraglab_pool_free(&fl, id, hh);

	fraglab_pool_set_strategy(&fl, id, FRAGLAB_POOL_NEXT_FIT);
	fraglab_pool_info(&fl, id, &pi);
	tap_is_int(pi.rover - base, 12 * K, "rover at the end of the last allocation (12K)");
	off = palloc(id, 2 * K, 0, &hn[0]);
	tap_is_int(off - base, 10 * K, "next-fit: 2K starts at the hole holding the rover (@10K)");
	off = palloc(id, 2 * K, 0, &hn[1]);
	tap_is_int(off - base, 12 * K, "next-fit: the next 2K follows it (@12K; first fit would take @1K)");

	/* 15K free, largest hole 5K: an 8K request fails for fragmentation. */
	tap_is_int(fraglab_pool_alloc(&fl, id, 8 * K, 0, 0, NULL), -ENOMEM,
		   "8K with 15K free but no 8K hole -> ENOMEM");
	tap_is_int(fraglab_pool_alloc(&fl, id, 16 * K, 0, 0, NULL), -ENOMEM,
		   "16K with 15K free -> ENOMEM");
	fraglab_pool_info(&fl, id, &pi);
	tap_is_int(pi.fail_fragmented, 1, "fail_fragmented: failed although the total free was enough");
	tap_is_int(pi.fail_nomem, 1, "fail_nomem: not enough free at all");

	fraglab_pool_set_strategy(&fl, id, FRAGLAB_POOL_FIRST_FIT);
	tap_is_int(fraglab_pool_alloc(&fl, id, 1 * K, 4 * K, 0, &(struct fraglab_pool_alloc){0}), 0,
		   "1K aligned to 4K");
	fraglab_pool_info(&fl, id, &pi);
	tap_is_int(pool_debugfs_lines(id, "map", "segment 0", &found) > 2 && found, 1,
		   "debugfs pools/%u/map: segment header and runs", id);
	pool_debugfs_lines(id, "stats", "strategy first-fit", &found);
	tap_ok(found, "debugfs pools/%u/stats names the strategy", id);

	tap_is_int(fraglab_pool_destroy(&fl, id), -EBUSY, "destroy with live allocations -> EBUSY");
	fraglab_pool_info(&fl, id, &pi);
	tap_is_int(pi.nr_allocated, 9, "... and nothing was freed");
	/* Left to test_close_frees: closing the fd frees the rest. */
}

/*
 * A0 B4 C8 D12 E16 F20 G24 H28 (4K each, C pinned), free A, D, F, H:
 * compaction moves B to 0, E to 12K, G to 16K; C stays.
 */
static void test_compaction(void)
{
	static const char names[] = "ABCDEFGH";
	struct fraglab_pool_create pc;
	struct fraglab_pool_compact cp;
	struct fraglab_pool_info pi;
	struct fraglab_query q;
	uint64_t h[8], base;
	char msg[128];
	uint32_t id;
	int i, found;

	if (!tap_is_int(fraglab_pool_create(&fl, 64 * K, 0, FRAGLAB_POOL_FIRST_FIT, &pc), 0,
			"create a 64K pool, default granularity"))
		return;
	id = pc.pool_id;
	base = pc.base;
	for (i = 0; i < 8; i++)
		palloc(id, 4 * K, i == 2 ? 0 : FRAGLAB_POOL_ALLOC_MOVABLE, &h[i]);
	for (i = 0; i < 8; i++) {
		if (i == 0 || i == 3 || i == 5 || i == 7) {
			fraglab_pool_free(&fl, id, h[i]);
			h[i] = 0;
		}
	}
	if (!tap_is_int(fraglab_pool_compact(&fl, id, &cp), 0, "compact pool %u", id))
		return;
	tap_is_int(cp.moved, 3, "3 movable allocations moved");
	tap_is_int(cp.moved_bytes, 12 * K, "12K copied");
	tap_ok(cp.holes_before == 4 && cp.holes_after == 2,
	       "holes %" PRIu64 " -> %" PRIu64 " (one before the pin, one after)",
	       (uint64_t)cp.holes_before, (uint64_t)cp.holes_after);
	tap_ok(cp.largest_before == 36 * K && cp.largest_after == 44 * K,
	       "largest hole 36K -> 44K");
	for (i = 1; i < 7; i++) {
		static const uint64_t want[8] = { 0, 0, 8, 0, 12, 0, 16, 0 };

		if (!h[i])
			continue;
		fraglab_query(&fl, h[i], &q);
		tap_ok(q.kind == FRAGLAB_KIND_POOL && q.offset == base + want[i] * K &&
		       q.moves == (i == 2 ? 0 : 1),
		       "%c%s now at %" PRIu64 "K (moves %" PRIu64 ")", names[i],
		       i == 2 ? " (pinned)" : "", (uint64_t)(q.offset - base) / K,
		       (uint64_t)q.moves);
	}
	pool_debugfs_lines(id, "map", "pinned=1", &found);
	tap_ok(found, "debugfs map shows the pinned allocation");
	fraglab_pool_info(&fl, id, &pi);
	tap_ok(pi.moves == 3 && pi.nr_movable == 3, "info: moves 3, movable 3");
	tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariant checker after compaction %s", msg);
	for (i = 0; i < 8; i++)
		if (h[i])
			tap_is_int(fraglab_pool_free(&fl, id, h[i]), 0, "free %c by handle after the move", names[i]);
	fraglab_pool_info(&fl, id, &pi);
	tap_ok(pi.nr_holes == 1 && pi.free_bytes == 64 * K, "empty pool is one hole again");
	tap_is_int(fraglab_pool_destroy(&fl, id), 0, "destroy the empty pool");
	tap_ok(pool_debugfs_lines(id, "holes", NULL, NULL) < 0, "its debugfs directory is gone");
}

static void test_errors(void)
{
	struct fraglab_pool_create pc;
	struct fraglab_pool_alloc a, other;
	struct fraglab_pool_info pi;
	struct fraglab_alloc ba;
	struct fraglab_query q;
	struct fraglab other_fd;
	uint32_t id, id2;
	void *addr;
	size_t len;

	tap_is_int(fraglab_pool_create(&fl, 0, 0, 0, NULL), -EINVAL, "create size 0 -> EINVAL");
	tap_is_int(fraglab_pool_create(&fl, 1ULL << 40, 0, 0, NULL), -EINVAL, "create larger than the arena -> EINVAL");
	tap_is_int(fraglab_pool_create(&fl, 64 * K, 48, 0, NULL), -EINVAL, "granularity 48 (not a power of two) -> EINVAL");
	tap_is_int(fraglab_pool_create(&fl, 64 * K, 8, 0, NULL), -EINVAL, "granularity 8 (< 16) -> EINVAL");
	tap_is_int(fraglab_pool_create(&fl, 64 * K, 8192, 0, NULL), -EINVAL, "granularity 8192 (> 4096) -> EINVAL");
	tap_is_int(fraglab_pool_create(&fl, 64 * K, 0, 4, NULL), -EINVAL, "unknown strategy 4 -> EINVAL");
	memset(&pc, 0, sizeof(pc));
	pc.size = 64 * K;
	pc.reserved[1] = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_POOL_CREATE, &pc), -EINVAL, "create: reserved != 0 -> EINVAL");
	pc.reserved[1] = 0;
	pc.flags = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_POOL_CREATE, &pc), -EINVAL, "create: unknown flags -> EINVAL");

	if (!tap_is_int(fraglab_pool_create(&fl, 64 * K, 64, FRAGLAB_POOL_BEST_FIT, &pc), 0, "create a pool"))
		return;
	id = pc.pool_id;
	tap_is_int(fraglab_pool_set_strategy(&fl, id, 9), -EINVAL, "set unknown strategy -> EINVAL");
	tap_is_int(fraglab_pool_alloc(&fl, id, 0, 0, 0, NULL), -EINVAL, "alloc size 0 -> EINVAL");
	tap_is_int(fraglab_pool_alloc(&fl, id, 64 * K + 1, 0, 0, NULL), -EINVAL, "alloc larger than the pool -> EINVAL");
	tap_is_int(fraglab_pool_alloc(&fl, id, 100, 96, 0, NULL), -EINVAL, "alignment 96 (not a power of two) -> EINVAL");
	tap_is_int(fraglab_pool_alloc(&fl, id, 100, 0, 2, NULL), -EINVAL, "unknown alloc flag -> EINVAL");
	tap_is_int(fraglab_pool_alloc(&fl, 999999, 100, 0, 0, NULL), -ENOENT, "alloc from an unknown pool -> ENOENT");
	tap_is_int(fraglab_pool_alloc(&fl, id, 100, 0, 0, &a), 0, "alloc 100 B");
	tap_is_int(a.granted, 128, "granted 128 B (two 64 B granules)");
	tap_is_int(fraglab_query(&fl, a.handle, &q), 0, "QUERY a pool handle");
	tap_ok(q.kind == FRAGLAB_KIND_POOL && q.offset == a.offset && q.requested == 100 &&
	       q.granted == 128 && q.mmap_offset == 0, "QUERY: kind pool, offset, 100/128 B, no mmap offset");
	tap_is_int(fraglab_mmap(&fl, a.handle, &addr, &len), -EINVAL, "fraglab_mmap of a pool allocation -> EINVAL");
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fl.fd, (off_t)((a.handle & ((1ULL << 40) - 1)) << MMAP_SHIFT));
	tap_ok(addr == MAP_FAILED && errno == ENOENT, "raw mmap at its id -> ENOENT (pool memory is not mappable)");
	if (addr != MAP_FAILED)
		munmap(addr, 4096);

	fraglab_pool_create(&fl, 64 * K, 64, 0, &pc);
	id2 = pc.pool_id;
	fraglab_pool_alloc(&fl, id2, 100, 0, 0, &other);
	tap_is_int(fraglab_pool_free(&fl, id, other.handle), -EINVAL, "free a handle of another pool -> EINVAL");
	tap_is_int(fraglab_pool_free(&fl, id, 0xf7a9030000fffff0ULL), -ENOENT, "free a made-up handle -> ENOENT");
	if (!fraglab_alloc(&fl, 4096, -1, FRAGLAB_MT_MOVABLE, &ba)) {
		tap_is_int(fraglab_pool_free(&fl, id, ba.handle), -ENOENT, "free a buddy handle as a pool allocation -> ENOENT");
		fraglab_free(&fl, ba.handle);
	}
	{
		struct fraglab_pool_alloc f = { .pool_id = id, .handle = a.handle, .offset = 1 };

		tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_POOL_FREE, &f), -EINVAL, "free with a non-zero unused field -> EINVAL");
	}

	if (tap_is_int(fraglab_open(&other_fd, NULL), 0, "open a second fd")) {
		tap_is_int(fraglab_pool_info(&other_fd, id, &pi), -ENOENT, "second fd: info of the first fd's pool -> ENOENT");
		tap_is_int(fraglab_pool_alloc(&other_fd, id, 100, 0, 0, NULL), -ENOENT, "second fd: alloc -> ENOENT");
		tap_is_int(fraglab_pool_free(&other_fd, id, a.handle), -ENOENT, "second fd: free -> ENOENT");
		tap_is_int(fraglab_pool_destroy(&other_fd, id), -ENOENT, "second fd: destroy -> ENOENT");
		tap_is_int(fraglab_pool_compact(&other_fd, id, NULL), -ENOENT, "second fd: compact -> ENOENT");
		fraglab_close(&other_fd);
	}
	tap_is_int(fraglab_pool_free(&fl, id, a.handle), 0, "free it");
	tap_is_int(fraglab_pool_free(&fl, id, a.handle), -ENOENT, "free it again -> ENOENT");
	tap_is_int(fraglab_pool_free(&fl, id2, other.handle), 0, "free the other pool's allocation");
	tap_is_int(fraglab_pool_destroy(&fl, id), 0, "destroy pool %u", id);
	tap_is_int(fraglab_pool_destroy(&fl, id), -ENOENT, "destroy it again -> ENOENT");
	tap_is_int(fraglab_pool_destroy(&fl, id2), 0, "destroy pool %u", id2);
	tap_is_int(fraglab_ioctl(&fl, _IOWR(FRAGLAB_IOC_MAGIC, 0x2f, struct fraglab_pool_op), &pc), -ENOTTY,
		   "unknown command 0x2f -> ENOTTY");
}

static void test_batch(void)
{
	static struct fraglab_pool_alloc el[100];
	struct fraglab_pool_create pc;
	struct fraglab_pool_info pi;
	uint32_t id, done = 0;
	int i;

	if (!tap_is_int(fraglab_pool_create(&fl, 1024 * K, 16, FRAGLAB_POOL_FIRST_FIT, &pc), 0,
			"create a 1M pool, 16 B granules"))
		return;
	id = pc.pool_id;
	for (i = 0; i < 100; i++) {
		el[i].pool_id = id;
		el[i].size = 16 + i;
	}
	el[50].size = 0;
	tap_is_int(fraglab_pool_batch(&fl, FRAGLAB_POOL_BATCH_ALLOC, el, 100, &done), -EINVAL,
		   "batch of 100 with a size 0 at #50 -> EINVAL");
	tap_is_int(done, 50, "stopped at the bad element (done 50)");
	tap_is_int(el[50].result, -EINVAL, "element 50 says EINVAL");
	fraglab_pool_info(&fl, id, &pi);
	tap_is_int(pi.nr_allocated, 50, "50 allocations live");
	for (i = 0; i < 50; i++) {
		uint64_t h = el[i].handle;

		memset(&el[i], 0, sizeof(el[i]));
		el[i].pool_id = id;
		el[i].handle = h;
	}
	tap_is_int(fraglab_pool_batch(&fl, FRAGLAB_POOL_BATCH_FREE, el, 50, &done), 0, "batch-free them");
	fraglab_pool_info(&fl, id, &pi);
	tap_ok(pi.nr_allocated == 0 && pi.nr_holes == 1, "pool empty, one hole");
	fraglab_pool_destroy(&fl, id);
}

/* A second fd with pools and allocations: closing it gives every page back. */
static void test_close_frees(void)
{
	struct fraglab_pool_create pc;
	struct fraglab_stats st0, st1;
	struct fraglab other;
	struct stat sb;
	char path[128];
	int i;

	if (fraglab_open(&other, NULL))
		return;
	fraglab_stats(&fl, &st0);
	tap_is_int(fraglab_pool_create(&other, 6 * 1024 * K, 0, FRAGLAB_POOL_WORST_FIT, &pc), 0,
		   "second fd: create a 6M pool");
	tap_ok(pc.nr_segments >= 1 && pc.pool_bytes == 6 * 1024 * K, "6M in %u segment(s)", pc.nr_segments);
	for (i = 0; i < 200; i++)
		fraglab_pool_alloc(&other, pc.pool_id, 1000 + i * 37, 0,
				   i & 1 ? FRAGLAB_POOL_ALLOC_MOVABLE : 0, NULL);
	fraglab_stats(&fl, &st1);
	tap_is_int(st0.free_pages - st1.free_pages, 6 * 256, "the pool took 1536 pages from the buddy");
	snprintf(path, sizeof(path), FRAGLAB_DEBUGFS "/pools/%u", pc.pool_id);
	tap_is_int(stat(path, &sb), 0, "debugfs %s exists", path);
	fraglab_close(&other);
	fraglab_stats(&fl, &st1);
	tap_is_int(st1.free_pages, st0.free_pages, "closing the fd gave every page back");
	tap_ok(stat(path, &sb) != 0, "and removed its debugfs directory");
}

int main(void)
{
	struct fraglab_stats st0, st1;
	char msg[128];

	if (!tap_is_int(fl_box_load("arena_mb=64"), 0, "insmod arena_mb=64"))
		return tap_done();
	if (tap_is_int(fraglab_open(&fl, NULL), 0, "open /dev/fraglab")) {
		tap_ok(fl.version.features & FRAGLAB_FEAT_POOL, "pool feature bit");
		fraglab_stats(&fl, &st0);
		test_errors();
		test_batch();
		test_compaction();
		test_close_frees();
		test_strategies();
		tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariant checker: consistent %s", msg);
		fraglab_close(&fl);
		if (!fraglab_open(&fl, NULL)) {
			fraglab_stats(&fl, &st1);
			tap_is_int(st1.free_pages, st0.free_pages,
				   "after close (pool with live allocations) every page is back");
			tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariant checker after close %s", msg);
			fraglab_close(&fl);
		}
	}
	tap_is_int(fl_box_unload(), 0, "rmmod");
	return tap_done();
}
