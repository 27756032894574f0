// SPDX-License-Identifier: GPL-2.0
/*
 * t_pcp - the buddy's per-CPU page lists (FRAGLAB_SET_PCP_HIGH) on the
 * live module.
 *
 * Off by default.  Turned on, an order-0 allocation refills this CPU's
 * list with a batch and a free parks the block: the buddy neither counts
 * it free (stats, buddyinfo) nor allocated, the arena map shows it as
 * owned by "pcp", no merge happens, the next allocation gets the same
 * block back - zeroed again on its first fault, never the previous
 * owner's data - and debugfs "pcp" counts it on the CPU that freed it.
 * Two CPUs keep separate lists.  Compaction, the HugePage query and every
 * SET drain the lists; slab caches and batches work on top of them; the
 * invariant checker passes after every step.  Bad values are -EINVAL,
 * the in-kernel bench pair with lists runs and refuses orders above 3.
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fl_box.h"

#define PAGE	4096ULL

static struct fraglab fl;

static bool checker_ok(const char *when)
{
	char msg[128];
	int ret = fraglab_check(&fl, msg, sizeof(msg));

	if (ret)
		tap_diag("%s: %s", when, msg);
	return tap_is_int(ret, 0, "%s: the invariant checker passes", when);
}

static uint64_t pcp_pages(void)
{
	struct fraglab_stats st;

	if (fraglab_stats(&fl, &st))
		return ~0ULL;
	return st.pcp_pages;
}

/* Sum of "count:" lines of debugfs pcp, and the count of CPU @cpu. */
static long pcp_debugfs(unsigned int want_cpu, long *cpu_count)
{
	char *text = NULL, *p;
	long sum = 0, cpu = -1, v;

	*cpu_count = -1;
	if (fraglab_read_debugfs("pcp", &text))
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (sscanf(p, " cpu: %ld", &v) == 1)
			cpu = v;
		else if (sscanf(p, " count: %ld", &v) == 1) {
			sum += v;
			if (cpu == (long)want_cpu)
				*cpu_count = v;
		}
	}
	free(text);
	return sum;
}

static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Page index of an allocation's offset in the arena map. */
static unsigned int owner_of(uint64_t offset)
{
	struct fraglab_page *pg = NULL;
	uint64_t n = 0;
	unsigned int owner = ~0U;

	if (!fraglab_arena_map(&fl, &pg, &n) && offset / PAGE < n)
		owner = pg[offset / PAGE].state == FRAGLAB_PAGE_ALLOCATED ?
			pg[offset / PAGE].owner : 100 + pg[offset / PAGE].state;
	free(pg);
	return owner;
}

static void default_off_and_errors(void)
{
	uint64_t v = 1;

	tap_ok(fl.version.features & FRAGLAB_FEAT_PCP, "version: pcp feature bit");
	tap_ok(fl.version.api_minor >= 2, "version: API minor %u >= 2",
	       fl.version.api_minor);
	tap_is_int(fraglab_get(&fl, FRAGLAB_SET_PCP_HIGH, &v), 0, "get pcp high");
	tap_is_int(v, 0, "per-CPU lists are off by default");
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, FRAGLAB_PCP_HIGH_MAX + 1),
		   -EINVAL, "high above FRAGLAB_PCP_HIGH_MAX: -EINVAL");
	tap_is_int(pcp_pages(), 0, "nothing parked while off");
}

static void park_and_reuse(void)
{
	struct fraglab_stats st0, st1;
	struct fraglab_alloc a, b;
	uint64_t before;
	long mine;
	void *addr;
	size_t len;

	pin(0);
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 8), 0, "pcp high 8 (batch 2)");
	fraglab_stats(&fl, &st0);
	tap_is_int(fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &a), 0,
		   "order-0 allocation with the lists on");
	tap_is_int(pcp_pages(), 1, "the refill parked the second block of its batch");
	tap_is_int(fraglab_mmap(&fl, a.handle, &addr, &len), 0, "mmap it");
	memset(addr, 0xa5, len);
	fraglab_munmap(addr, len);
	checker_ok("one parked");

	fraglab_stats(&fl, &st0);
	tap_is_int(fraglab_free(&fl, a.handle), 0, "free it");
	fraglab_stats(&fl, &st1);
	tap_is_int(st1.pcp_pages, 2, "the free parked the block");
	tap_is_int(st1.free_pages, st0.free_pages, "a parked block is not free");
	tap_is_int(st1.merges, st0.merges, "and does not merge");
	tap_is_int(st1.nr_allocated, st0.nr_allocated - 1, "nor allocated");
	tap_is_int(owner_of(a.offset), FRAGLAB_OWNER_PCP, "the arena map says pcp");
	tap_is_int(pcp_debugfs(0, &mine), 2, "debugfs pcp: 2 pages in all");
	tap_is_int(mine, 2, "debugfs pcp: on CPU 0, which freed it");
	checker_ok("two parked");

	tap_is_int(fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &b), 0,
		   "allocate again");
	tap_is_int(b.offset, a.offset, "the last freed block comes back (hot)");
	tap_is_int(fraglab_mmap(&fl, b.handle, &addr, &len), 0, "mmap the new allocation");
	tap_ok(((unsigned char *)addr)[0] == 0 && ((unsigned char *)addr)[len - 1] == 0,
	       "it is zeroed, not the previous owner's data");
	fraglab_munmap(addr, len);
	tap_is_int(fraglab_free(&fl, b.handle), 0, "free it again");

	before = pcp_pages();
	tap_ok(before > 0, "pages parked before the drain (%" PRIu64 ")", before);
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 8), 0, "set the same high: a drain");
	fraglab_stats(&fl, &st1);
	tap_is_int(st1.pcp_pages, 0, "nothing parked after the drain");
	tap_is_int(st1.free_pages, st1.total_pages, "every page free again");
	checker_ok("drained");
}

/* A CPU never keeps high pages or more. */
static void high_mark(void)
{
	struct fraglab_alloc a[64];
	long mine;
	unsigned int i;
	bool under = true;

	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 16), 0, "pcp high 16");
	for (i = 0; i < 64; i++)
		if (fraglab_alloc(&fl, 0, i % 4, FRAGLAB_MT_UNMOVABLE, &a[i]))
			break;
	tap_is_int(i, 64, "64 allocations of orders 0..3");
	while (i--) {
		fraglab_free(&fl, a[i].handle);
		pcp_debugfs(0, &mine);
		if (mine >= 16)
			under = false;
	}
	tap_ok(under, "CPU 0 stayed below high after every free");
	checker_ok("after the high-mark frees");
}

/* CPU 1 gets its own lists. */
static void second_cpu(void)
{
	long mine0, mine1;
	pid_t pid;
	int status;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		tap_skip("one CPU", "CPU 1 keeps its own lists");
		return;
	}
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 64), 0, "pcp high 64 (drains)");
	pid = fork();
	if (pid == 0) {
		struct fraglab child;
		struct fraglab_alloc a;
		int bad = pin(1);

		bad |= fraglab_open(&child, NULL);
		bad |= fraglab_alloc(&child, 0, 0, FRAGLAB_MT_MOVABLE, &a);
		bad |= fraglab_free(&child, a.handle);
		fraglab_close(&child);
		_exit(bad ? 1 : 0);
	}
	tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && !WEXITSTATUS(status),
	       "a child on CPU 1 allocates and frees");
	pcp_debugfs(1, &mine1);
	pcp_debugfs(0, &mine0);
	tap_ok(mine1 > 0, "debugfs pcp: CPU 1 holds pages (%ld)", mine1);
	tap_is_int(mine0, 0, "debugfs pcp: CPU 0 holds none");
	checker_ok("two CPUs");
}

/* Slab caches and batches on top of the lists; compaction drains. */
static void users_and_drains(void)
{
	struct fraglab_alloc reqs[64];
	struct fraglab_handle hs[32];
	struct fraglab_hugepages_arena h;
	struct fraglab_compact cr;
	struct fraglab_obj o[200];
	uint32_t cache, done = 0;
	unsigned int i;
	bool ok = true;

	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 512), 0, "pcp high 512");
	tap_is_int(fraglab_cache_create(&fl, "t_pcp", 256, 0, 0, &cache), 0,
		   "a slab cache");
	for (i = 0; i < 200 && ok; i++)
		ok = !fraglab_obj_alloc(&fl, cache, &o[i]);
	tap_ok(ok, "200 objects");
	for (i = 0; i < 200 && ok; i++)
		ok = !fraglab_obj_free(&fl, cache, o[i].handle);
	tap_ok(ok, "freed");
	tap_is_int(fraglab_cache_destroy(&fl, cache), 0, "cache destroyed");
	checker_ok("slab on the lists");

	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i < 64; i++) {
		reqs[i].flags = FRAGLAB_ALLOC_BY_ORDER;
		reqs[i].order = 0;
		reqs[i].migratetype = FRAGLAB_MT_MOVABLE;
	}
	tap_is_int(fraglab_alloc_batch(&fl, reqs, 64, &done), 0, "a batch of 64");
	memset(hs, 0, sizeof(hs));
	for (i = 0; i < 32; i++)
		hs[i].handle = reqs[2 * i].handle;
	tap_is_int(fraglab_free_batch(&fl, hs, 32, &done), 0, "free every other one");
	tap_ok(pcp_pages() > 0, "pages parked (%" PRIu64 ")", pcp_pages());
	checker_ok("batch on the lists");

	tap_is_int(fraglab_hugepages_arena(&fl, &h), 0, "HugePage query");
	tap_is_int(pcp_pages(), 0, "the HugePage query drained the lists");
	for (i = 0; i < 32; i++)
		fraglab_free(&fl, reqs[2 * i + 1].handle);
	tap_ok(pcp_pages() > 0, "parked again (%" PRIu64 ")", pcp_pages());
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0, &cr), 0,
		   "full compaction");
	tap_is_int(pcp_pages(), 0, "compaction drained the lists");
	checker_ok("after compaction");
}

static void bench_pair(void)
{
	struct fraglab_bench b;

	tap_is_int(fraglab_bench(&fl, FRAGLAB_BENCH_BUDDY_PCP, 4, 0, 1000, 1, &b),
		   -EINVAL, "bench with lists: order 4 is -EINVAL");
	tap_is_int(fraglab_bench(&fl, FRAGLAB_BENCH_BUDDY_PCP, 0, 0, 2000, 1, &b),
		   0, "bench with lists: order 0 runs");
	tap_ok(b.fl_ps > 0 && b.kernel_ps > 0 && b.fl_ops == 2000,
	       "both sides timed 2000 ops (fraglab %" PRIu64 " ps, kernel %" PRIu64 " ps)",
	       (uint64_t)b.fl_ps, (uint64_t)b.kernel_ps);
	tap_is_int(pcp_pages(), 0, "the bench's private buddy left the arena alone");
}

/* fragctl pcp: on, drain, a bad value, --json, off. */
static void fragctl_pcp(void)
{
	char out[512];
	int st;

	if (system("command -v fragctl >/dev/null 2>&1")) {
		tap_skip("no fragctl in the box", "fragctl pcp");
		return;
	}
	st = fl_box_run("fragctl pcp on 2>&1", out, sizeof(out));
	tap_ok(st == 0 && strstr(out, "on, high 512"), "fragctl pcp on: %s", strtok(out, "\n"));
	st = fl_box_run("fragctl pcp drain 2>&1", out, sizeof(out));
	tap_ok(st == 0 && strstr(out, " 0 pages parked"), "fragctl pcp drain: %s", strtok(out, "\n"));
	st = fl_box_run("fragctl pcp lots 2>&1", out, sizeof(out));
	tap_ok(st != 0 && strstr(out, "not on, off, drain or a number"),
	       "fragctl pcp lots: refused in a sentence");
	st = fl_box_run("fragctl --json pcp 2>&1", out, sizeof(out));
	tap_ok(st == 0 && strstr(out, "\"pcp_high\":512") && strstr(out, "\"enabled\":true"),
	       "fragctl --json pcp");
	st = fl_box_run("fragctl pcp off 2>&1", out, sizeof(out));
	tap_ok(st == 0 && strstr(out, "off"), "fragctl pcp off");
}

int main(void)
{
	uint64_t v = 1;

	if (!tap_is_int(fl_box_load("arena_mb=16"), 0, "insmod arena_mb=16"))
		return tap_done();
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open"))
		tap_bail("cannot open");
	default_off_and_errors();
	park_and_reuse();
	high_mark();
	second_cpu();
	users_and_drains();
	bench_pair();
	fragctl_pcp();
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PCP_HIGH, 0), 0, "lists off");
	fraglab_get(&fl, FRAGLAB_SET_PCP_HIGH, &v);
	tap_is_int(v, 0, "off again");
	tap_is_int(pcp_pages(), 0, "nothing parked");
	checker_ok("off");
	fraglab_close(&fl);
	tap_is_int(fl_box_unload(), 0, "rmmod");
	return tap_done();
}
