// SPDX-License-Identifier: GPL-2.0
/*
 * compact_bench.c - native cost of fl_compact_run() per page moved against
 * memcpy() of the same number of pages: the layout of the in-kernel
 * compaction pair (module/fl_bench.c): an arena with memory, every other
 * order-0 page a movable user allocation, one FULL run (no-op owner
 * callbacks), then memcpy of as many 4 KiB pages inside the same buffer.
 *
 *   compact_bench [MiB [runs]]     default 16 MiB, 5 runs; one line per run
 *
 * Native time on a shared host is noisy; the profile (valgrind
 * --tool=callgrind compact_bench 16 1) is what says where the time goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_compact.h"

static int prepare(void *priv, u8 kind, u64 owner)
{
	return 0;
}

static void moved(void *priv, u8 kind, u64 owner, u32 from, u32 to, u32 order)
{
}

static const struct fl_compact_ops ops = {
	.prepare = prepare,
	.moved = moved,
};

int main(int argc, char **argv)
{
	u32 mb = argc > 1 ? (u32)atoi(argv[1]) : 16;
	int runs = argc > 2 ? atoi(argv[2]) : 5, r;
	u32 pages = mb << (20 - FL_PAGE_SHIFT), i, idx;
	char *buf = aligned_alloc(FL_PAGE_SIZE, (size_t)pages * FL_PAGE_SIZE);
	static struct fl_compact_result res;

	if (!buf || mb < 4)
		return 2;
	memset(buf, 1, (size_t)pages * FL_PAGE_SIZE);
	printf("compaction %u MiB, every other page movable: ns per page moved\n",
	       mb);
	for (r = -1; r < runs; r++) {	/* run -1: warm-up, not printed */
		struct fl_chunk ch = {
			.start = 0, .nr_pages = pages, .vaddr = buf,
		};
		struct fl_buddy_req req = {
			.order = 0, .mt = FL_MT_MOVABLE,
			.owner_kind = FL_OWN_USER, .requested = FL_PAGE_SIZE,
		};
		/* the policy docs/BENCHMARKS.md's per-page cost was measured with */
		struct fl_compact_params p = {
			.mode = FL_COMPACT_FULL, .order = FL_PAGEBLOCK_ORDER,
			.policy = FL_COMPACT_POLICY_EMPTIEST,
		};
		struct fl_buddy *b = fl_buddy_create(&ch, 1, FL_MAX_ORDER, true);
		u64 t0, t1, t2, n, half = pages / 2;

		if (!b)
			return 1;
		for (i = 0; i < pages; i++) {
			req.owner = i;
			if (fl_buddy_alloc(b, &req, &idx))
				return 1;
		}
		for (i = 0; i < pages; i += 2)
			fl_buddy_free(b, i);
		t0 = fl_ns();
		if (fl_compact_run(b, &p, &ops, NULL, &res))
			return 1;
		t1 = fl_ns();
		n = res.pages_moved;
		for (i = 0; i < n; i++)
			memcpy(buf + (size_t)(i % half) * FL_PAGE_SIZE,
			       buf + (size_t)(half + i % half) * FL_PAGE_SIZE,
			       FL_PAGE_SIZE);
		t2 = fl_ns();
		__asm__ volatile("" ::: "memory");
		if (r >= 0)
				printf("run %d: moved %llu pages: compaction %.1f ns/page, memcpy %.1f ns/page, ratio %.2f\n",
			       r + 1, (unsigned long long)n,
			       n ? (double)(t1 - t0) / n : 0,
			       n ? (double)(t2 - t1) / n : 0,
			       t2 > t1 ? (double)(t1 - t0) / (double)(t2 - t1) : 0);
		fl_buddy_destroy(b);
	}
	free(buf);
	return 0;
}
