// SPDX-License-Identifier: GPL-2.0
/*
 * t_buddy - the buddy allocator through /dev/fraglab, on a real kernel.
 *
 * Loads fraglab (default parameters), then: version, alloc by size/order,
 * the ABI's error cases, per-fd ownership, mmap of real arena pages (PFNs
 * checked through /proc/self/pagemap against debugfs "arena"), batches,
 * exhaustion, a fragmentation failure counted as such, buddyinfo parsed
 * by the same parser as /proc/buddyinfo, close freeing everything, the
 * invariant checker.  Then reloads with max_order=6 for the seed's
 * 21 KB -> 32 KB example.  Leaves fraglab unloaded.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fl_box.h"

#define PAGE	4096ULL

static struct fraglab fl;

static int alloc_raw(struct fraglab *f, struct fraglab_alloc *a)
{
	return fraglab_ioctl(f, FRAGLAB_IOC_ALLOC, a);
}

static void test_version(void)
{
	const struct fraglab_version *v = &fl.version;

	tap_is_int(v->api_major, FRAGLAB_API_MAJOR, "version: api major");
	tap_is_int(v->page_size, PAGE, "version: page size");
	tap_is_int(v->max_order, 10, "version: max order 10 by default");
	tap_is_int(v->arena_bytes, 64ULL << 20, "version: 64 MiB arena");
	tap_ok(v->features & FRAGLAB_FEAT_BUDDY, "version: buddy feature bit");
	/* every bit the UAPI defines, no other: the subsystem table's union */
	tap_ok(v->features == (FRAGLAB_FEAT_BUDDY | FRAGLAB_FEAT_MMAP |
			       FRAGLAB_FEAT_BATCH | FRAGLAB_FEAT_SLAB |
			       FRAGLAB_FEAT_POOL | FRAGLAB_FEAT_COMPACT |
			       FRAGLAB_FEAT_PROBE | FRAGLAB_FEAT_BENCH |
			       FRAGLAB_FEAT_MAP | FRAGLAB_FEAT_PCP |
			       FRAGLAB_FEAT_COMPACT_POLICY),
	       "version: features 0x%llx are every FRAGLAB_FEAT_* bit",
	       (unsigned long long)v->features);
	tap_ok(v->nr_chunks >= 1, "version: %u contiguous range(s)", v->nr_chunks);
}

static void test_alloc_by_size(void)
{
	struct fraglab_alloc a;
	struct fraglab_query q;
	int ret;

	ret = fraglab_alloc(&fl, 21 * 1024, -1, FRAGLAB_MT_MOVABLE, &a);
	tap_is_int(ret, 0, "alloc 21K");
	tap_is_int(a.order, 3, "21K -> order 3");
	tap_is_int(a.granted, 32768, "21K -> 32 KiB granted");
	tap_is_int(a.offset % 32768, 0, "block is naturally aligned in the arena");
	ret = fraglab_query(&fl, a.handle, &q);
	tap_is_int(ret, 0, "query");
	tap_is_int(q.requested, 21504, "query: requested 21504 bytes");
	tap_is_int(q.granted - q.requested, 11264, "query: 11 KiB internal waste");
	tap_is_int(q.kind, FRAGLAB_KIND_PAGES, "query: pages kind");
	tap_is_int(fraglab_free(&fl, a.handle), 0, "free");
	tap_is_int(fraglab_free(&fl, a.handle), -ENOENT, "double free -> ENOENT");
	tap_is_int(fraglab_query(&fl, a.handle, &q), -ENOENT, "query freed -> ENOENT");
}

static void test_every_order(void)
{
	struct fraglab_alloc a;
	int o, bad = 0;

	for (o = 0; o <= 10; o++) {
		if (fraglab_alloc(&fl, 0, o, FRAGLAB_MT_UNMOVABLE, &a) ||
		    a.granted != PAGE << o || a.offset % (PAGE << o) ||
		    fraglab_free(&fl, a.handle))
			bad++;
	}
	tap_is_int(bad, 0, "alloc+free every order 0..10, aligned");
}

static void test_errors(void)
{
	struct fraglab_alloc a;
	struct fraglab_handle h;
	int ret;

	tap_is_int(fraglab_alloc(&fl, 0, -1, 1, &a), -EINVAL, "size 0 -> EINVAL");
	tap_is_int(fraglab_alloc(&fl, (4ULL << 20) + 1, -1, 1, &a), -EINVAL,
		   "size > 4 MiB -> EINVAL");
	tap_is_int(fraglab_alloc(&fl, 0, 11, 1, &a), -EINVAL, "order 11 -> EINVAL");
	tap_is_int(fraglab_alloc(&fl, 4096, -1, 3, &a), -EINVAL, "migrate type 3 -> EINVAL");

	memset(&a, 0, sizeof(a));
	a.size = 4096;
	a.flags = 1U << 7;
	tap_is_int(alloc_raw(&fl, &a), -EINVAL, "unknown alloc flag -> EINVAL");
	memset(&a, 0, sizeof(a));
	a.size = 4096;
	a.reserved[1] = 1;
	tap_is_int(alloc_raw(&fl, &a), -EINVAL, "nonzero reserved -> EINVAL");

	memset(&h, 0, sizeof(h));
	h.handle = 0xdeadbeef;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_FREE, &h), -ENOENT, "made-up handle -> ENOENT");
	h.handle = 0;
	h.pad = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_FREE, &h), -EINVAL, "free with nonzero pad -> EINVAL");
	ret = fraglab_ioctl(&fl, _IOWR(FRAGLAB_IOC_MAGIC, 0x0f, struct fraglab_handle), &h);
	tap_is_int(ret, -ENOTTY, "unknown command -> ENOTTY");
	ret = fraglab_ioctl(&fl, _IOWR('x', 0x01, struct fraglab_alloc), &a);
	tap_is_int(ret, -ENOTTY, "foreign ioctl type -> ENOTTY");
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_ALLOC, (void *)16), -EFAULT,
		   "faulting user pointer -> EFAULT");
}

static void test_foreign(void)
{
	struct fraglab other;
	struct fraglab_alloc a;
	struct fraglab_query q;
	void *p;

	if (!tap_is_int(fraglab_open(&other, NULL), 0, "second open"))
		return;
	tap_is_int(fraglab_alloc(&fl, 8192, -1, 1, &a), 0, "alloc on fd 1");
	tap_is_int(fraglab_free(&other, a.handle), -ENOENT, "free from fd 2 -> ENOENT");
	tap_is_int(fraglab_query(&other, a.handle, &q), -ENOENT, "query from fd 2 -> ENOENT");
	fraglab_query(&fl, a.handle, &q);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, other.fd, q.mmap_offset);
	tap_ok(p == MAP_FAILED && errno == ENOENT, "mmap from fd 2 -> ENOENT");
	tap_is_int(fraglab_free(&fl, a.handle), 0, "owner frees it");
	fraglab_close(&other);
}

/* Physical frame of a mapped address, from /proc/self/pagemap (root). */
static uint64_t pfn_of(void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)addr / PAGE * 8) != 8)
		ent = 0;
	close(fd);
	return (ent >> 63) ? ent & ((1ULL << 55) - 1) : 0;
}

/* PFN of arena byte offset @off, from debugfs "arena" range lines. */
static uint64_t arena_pfn(uint64_t off)
{
	unsigned long long lo, hi, aoff, pages;
	uint64_t pfn = 0;
	char *text, *line, *save = NULL;

	if (fraglab_read_debugfs("arena", &text))
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "range %*u: pfn 0x%llx-0x%llx (%llu pages, %*u MiB) arena offset 0x%llx",
			   &lo, &hi, &pages, &aoff) != 4)
			continue;
		if (off >= aoff && off < aoff + pages * PAGE)
			pfn = lo + (off - aoff) / PAGE;
	}
	free(text);
	return pfn;
}

static void test_mmap(void)
{
	struct fraglab_alloc a;
	struct fraglab_query q;
	size_t len, i, bad = 0;
	unsigned char *p;
	void *v, *v2;
	int ret;

	tap_is_int(fraglab_alloc(&fl, 5 * PAGE, -1, 1, &a), 0, "alloc 20K for mmap");
	ret = fraglab_mmap(&fl, a.handle, &v, &len);
	if (!tap_is_int(ret, 0, "mmap own allocation"))
		return;
	p = v;
	tap_is_int(len, 8 * PAGE, "mapping covers the 32K block");
	for (i = 0; i < len; i++)
		bad += p[i] != 0;
	tap_is_int(bad, 0, "fresh allocation reads as zeroes");
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	tap_ok(pfn_of(p) && pfn_of(p) == arena_pfn(a.offset),
	       "mapped page is the arena's page (pfn 0x%" PRIx64 ")", pfn_of(p));
	tap_ok(pfn_of(p + 7 * PAGE) == arena_pfn(a.offset + 7 * PAGE),
	       "last mapped page is the arena's page");

	/* A second mapping of the same allocation sees the same bytes. */
	fraglab_query(&fl, a.handle, &q);
	v2 = mmap(NULL, len, PROT_READ, MAP_SHARED, fl.fd, q.mmap_offset);
	bad = 0;
	for (i = 0; v2 != MAP_FAILED && i < len; i++)
		bad += ((unsigned char *)v2)[i] != (unsigned char)(i * 7 + 3);
	tap_ok(v2 != MAP_FAILED && !bad, "data written through mmap reads back");
	if (v2 != MAP_FAILED)
		munmap(v2, len);

	v2 = mmap(NULL, len + PAGE, PROT_READ, MAP_SHARED, fl.fd, q.mmap_offset);
	tap_ok(v2 == MAP_FAILED && errno == EINVAL, "mmap beyond the allocation -> EINVAL");
	v2 = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fl.fd, q.mmap_offset);
	tap_ok(v2 == MAP_FAILED && errno == EINVAL, "private mmap -> EINVAL");
	munmap(v, len);
	tap_is_int(fraglab_free(&fl, a.handle), 0, "free mapped allocation");
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Does reading the byte at @p raise SIGBUS? */
static int read_sigbus(volatile unsigned char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = 1;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static size_t nonzero_bytes(const unsigned char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] != 0;
	return n;
}

/*
 * Stale handles and stale mappings, when the pages behind them have
 * already been handed out again, and zeroing on the first fault: the next
 * owner of a block never sees the previous owner's bytes, whether the
 * block was never mapped, mapped but never touched, or written.
 */
static void test_stale_and_zero(void)
{
	struct fraglab_alloc a, b, c;
	struct fraglab_query q;
	unsigned char *pa, *pb, *pc;
	size_t len, lb, lc;
	void *v;
	int tries;

	if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &a) ||
	    fraglab_mmap(&fl, a.handle, &v, &len)) {
		tap_fail("alloc/mmap failed", "stale handles and zeroing: setup");
		return;
	}
	pa = v;
	memset(pa, 0xab, len);
	tap_is_int(fraglab_free(&fl, a.handle), 0, "free a written, still mapped block");
	tap_ok(read_sigbus(pa), "the stale mapping gets SIGBUS");

	/* the buddy hands the same block out again (LIFO free lists) */
	for (tries = 0; tries < 4; tries++) {
		if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &b))
			break;
		if (b.offset == a.offset)
			break;
	}
	if (!tap_ok(b.offset == a.offset, "the freed block is handed out again (offset %llu)",
		    (unsigned long long)a.offset))
		return;
	tap_ok(b.handle != a.handle, "the new allocation has a new handle");
	tap_is_int(fraglab_query(&fl, a.handle, &q), -ENOENT, "query by the stale handle -> ENOENT");
	tap_is_int(fraglab_free(&fl, a.handle), -ENOENT, "free by the stale handle -> ENOENT");
	tap_ok(read_sigbus(pa), "the stale mapping still gets SIGBUS, not the new owner's page");
	munmap(pa, len);

	tap_is_int(fraglab_free(&fl, b.handle ^ (1ULL << 24)), -ENOENT,
		   "a handle with another generation -> ENOENT");
	tap_is_int(fraglab_free(&fl, b.handle ^ (1ULL << 40)), -ENOENT,
		   "a handle with another kind -> ENOENT");
	if (fraglab_mmap(&fl, b.handle, &v, &lb)) {
		tap_fail("mmap failed", "map the reused block");
		return;
	}
	pb = v;
	tap_is_int(nonzero_bytes(pb, lb), 0, "the reused block reads as zeroes (first fault zeroes)");
	memset(pb, 0xcd, lb);
	munmap(pb, lb);
	tap_is_int(fraglab_free(&fl, b.handle), 0, "free the reused block");

	/* mapped, never touched, freed: the mapping faults nothing in */
	if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &c) ||
	    fraglab_mmap(&fl, c.handle, &v, &lc)) {
		tap_fail("alloc/mmap failed", "mapped-untouched block: setup");
		return;
	}
	pc = v;
	tap_ok(c.offset == a.offset, "the same block a third time");
	tap_is_int(fraglab_free(&fl, c.handle), 0, "free a mapped block never touched");
	tap_ok(read_sigbus(pc), "touching that mapping afterwards gets SIGBUS");
	munmap(pc, lc);

	/* written, freed, allocated and not mapped, freed, allocated, mapped */
	if (!fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &c)) {
		fraglab_free(&fl, c.handle);
		if (!fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &c) &&
		    !fraglab_mmap(&fl, c.handle, &v, &lc)) {
			tap_is_int(nonzero_bytes(v, lc), 0,
				   "after owners that never mapped it, the block still reads as zeroes");
			munmap(v, lc);
		} else {
			tap_fail("alloc/mmap failed", "zeroes after unmapped owners");
		}
		fraglab_free(&fl, c.handle);
	}
}

static void test_batch_and_exhaustion(void)
{
	static struct fraglab_alloc as[16384];
	static struct fraglab_handle hs[16384];
	struct fraglab_stats st;
	struct fraglab_alloc one;
	uint32_t done = 0, i, n = 0;
	int ret;

	for (i = 0; i < 16384; i++) {
		memset(&as[i], 0, sizeof(as[i]));
		as[i].flags = FRAGLAB_ALLOC_BY_ORDER;
		as[i].migratetype = FRAGLAB_MT_MOVABLE;
	}
	ret = fraglab_alloc_batch(&fl, as, 16384, &done);
	tap_is_int(ret, 0, "batch: 16384 order-0 allocations fill 64 MiB");
	tap_is_int(done, 16384, "batch: done == count");
	tap_is_int(fraglab_alloc(&fl, 0, 0, 1, &one), -ENOMEM, "full arena -> ENOMEM");
	fraglab_stats(&fl, &st);
	tap_is_int(st.free_pages, 0, "stats: 0 free pages");
	tap_ok(st.fail_nomem >= 1, "stats: plain out-of-memory counted");

	/* Free every other page: half the arena free, no order-1 block. */
	for (i = 0; i < 16384; i += 2)
		hs[n++].handle = as[i].handle;
	ret = fraglab_free_batch(&fl, hs, n, &done);
	tap_is_int(ret, 0, "batch free of every other page");
	fraglab_stats(&fl, &st);
	tap_is_int(st.free_pages, 8192, "stats: 8192 pages free");
	tap_is_int(st.nr_free[0], 8192, "stats: all of them order 0");
	tap_is_int(fraglab_alloc(&fl, 8192, -1, 1, &one), -ENOMEM,
		   "8K with 32 MiB free but no pair -> ENOMEM");
	fraglab_stats(&fl, &st);
	tap_is_int(st.fail_fragmented, 1, "stats: counted as a fragmentation failure");
	/* largest 1 page, cap min(8192 free, 1024-page max-order block) */
	tap_is_int(st.external_frag_permille, (1024 - 1) * 1000 / 1024,
		   "stats: external fragmentation 1 - 1/1024 (99.9%%)");
	/* unusable_free_index(9): no page of the 8192 is in an order-9 block */
	tap_is_int(st.unusable_index_9, 1000, "stats: unusable index at order 9 is 1.000");

	n = 0;
	for (i = 1; i < 16384; i += 2)
		hs[n++].handle = as[i].handle;
	hs[n - 1].handle = 12345;	/* bad element: stops the batch there */
	ret = fraglab_free_batch(&fl, hs, n, &done);
	tap_is_int(ret, -ENOENT, "batch with a bad handle -> ENOENT");
	tap_is_int(done, n - 1, "batch stops at the bad element");
	tap_is_int(hs[n - 1].result, -ENOENT, "bad element's result");
	tap_is_int(fraglab_free(&fl, as[16383].handle), 0, "free the last one");
	fraglab_stats(&fl, &st);
	tap_is_int(st.nr_free[10], 16, "everything merged back: 16 order-10 blocks");
	tap_is_int(st.external_frag_permille, 0, "stats: unfragmented again, external fragmentation 0");
	tap_is_int(st.unusable_index_9, 0, "stats: unusable index at order 9 is 0.000");
}

static void test_buddyinfo_parser(void)
{
	struct fl_zone_free sys[FL_BOX_MAX_ZONES], ours[1];
	struct fraglab_stats st;
	char *text;
	int n, o, same = 1;

	if (!tap_is_int(fraglab_read_file("/proc/buddyinfo", &text), 0, "read /proc/buddyinfo"))
		return;
	n = fl_parse_buddyinfo(text, sys, FL_BOX_MAX_ZONES);
	free(text);
	tap_ok(n >= 1 && sys[0].nr_orders == 11, "/proc/buddyinfo parses: %d zones, %u orders",
	       n, n > 0 ? sys[0].nr_orders : 0);

	if (!tap_is_int(fraglab_read_debugfs("buddyinfo", &text), 0, "read debugfs buddyinfo"))
		return;
	tap_ok(!strncmp(text, "Node 0, zone  fraglab ", 22), "buddyinfo line starts like the kernel's");
	n = fl_parse_buddyinfo(text, ours, 1);
	free(text);
	tap_ok(n == 1 && !strcmp(ours[0].zone, "fraglab") && ours[0].nr_orders == sys[0].nr_orders,
	       "debugfs buddyinfo parses with the same parser, same columns");
	fraglab_stats(&fl, &st);
	for (o = 0; o < 11; o++)
		same &= ours[0].nr_free[o] == st.nr_free[o];
	tap_ok(same, "debugfs buddyinfo agrees with the stats ioctl");
}

static void test_close_frees(void)
{
	struct fraglab other;
	struct fraglab_alloc a;
	struct fraglab_stats before, after;
	int i;

	fraglab_stats(&fl, &before);
	if (fraglab_open(&other, NULL))
		return;
	for (i = 0; i < 100; i++)
		fraglab_alloc(&other, 0, i % 5, i % 3, &a);
	fraglab_close(&other);
	fraglab_stats(&fl, &after);
	tap_is_int(after.free_pages, before.free_pages, "closing an fd frees all it owned");
}

static void test_check(void)
{
	char msg[128];

	tap_is_int(fraglab_check(&fl, msg, sizeof(msg)), 0, "invariant checker: consistent");
}

static void test_seed_example(void)
{
	struct fraglab_alloc a;
	struct fraglab_stats st;
	int ret;

	if (!tap_is_int(fl_box_load("arena_mb=4 max_order=6"), 0, "insmod max_order=6"))
		return;
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open"))
		goto unload;
	fraglab_stats(&fl, &st);
	tap_is_int(st.nr_free[6], 16, "4 MiB = 16 empty 256 KB regions");
	ret = fraglab_alloc(&fl, 21 * 1024, -1, FRAGLAB_MT_MOVABLE, &a);
	tap_is_int(ret, 0, "seed: request 21 KB");
	tap_is_int(a.granted, 32 * 1024, "seed: rounded up to 32 KB");
	fraglab_stats(&fl, &st);
	tap_is_int(st.granted_bytes - st.requested_bytes, 11 * 1024, "seed: 11 KB internal fragmentation");
	tap_ok(st.nr_free[3] == 1 && st.nr_free[4] == 1 && st.nr_free[5] == 1 &&
	       st.nr_free[6] == 15, "seed: split 256 -> 128 -> 64 -> 32, free buddies 32, 64, 128");
	tap_is_int(fraglab_free(&fl, a.handle), 0, "seed: free the 32 KB block");
	fraglab_stats(&fl, &st);
	tap_ok(st.nr_free[3] == 0 && st.nr_free[4] == 0 && st.nr_free[5] == 0 &&
	       st.nr_free[6] == 16, "seed: merges 32+32 -> 64 -> 128 -> 256");
	tap_is_int(fraglab_alloc(&fl, 0, 7, 1, &a), -EINVAL, "order 7 > max_order 6 -> EINVAL");
	fraglab_close(&fl);
unload:
	tap_is_int(fl_box_unload(), 0, "rmmod");
}

int main(void)
{
	if (!tap_is_int(fl_box_load("arena_mb=64"), 0, "insmod arena_mb=64"))
		return tap_done();
	if (tap_is_int(fraglab_open(&fl, NULL), 0, "open /dev/fraglab")) {
		test_version();
		test_alloc_by_size();
		test_every_order();
		test_errors();
		test_foreign();
		test_mmap();
		test_stale_and_zero();
		test_batch_and_exhaustion();
		test_buddyinfo_parser();
		test_close_frees();
		test_check();
		fraglab_close(&fl);
	}
	tap_is_int(fl_box_unload(), 0, "rmmod");
	test_seed_example();
	return tap_done();
}
