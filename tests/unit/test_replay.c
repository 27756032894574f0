// SPDX-License-Identifier: GPL-2.0
/*
 * test_replay.c - fragtrace parser and the --sim replay (fragctl replay).
 *
 * Includes fragctl's strategy-independent replay (userspace/fragctl/
 * replay.c) and its sim backends (replay_sim.c): both are pure C over the
 * core, so they build here like the core itself.  The expected numbers of
 * the tiny trace below are worked out by hand in the comments.
 */
#include "fl_test.h"

#include "../../userspace/fragctl/replay.c"
#include "../../userspace/fragctl/replay_sim.c"

/*
 * Arena 4 MiB.  Events and what they become:
 *   a = malloc(100)                    alloc slot0
 *   b = malloc(5000)                   alloc slot1
 *   free(a)                            free slot0
 *   c = malloc(8192)                   alloc slot2
 *   d = realloc(b, 20000)              alloc slot3, free slot1
 *   free(zz)   never allocated         ignored (unmatched)
 *   malloc(64) returned NULL           ignored (failed in trace)
 *   e = malloc(8 MiB)                  alloc slot4: fails (arena 4 MiB)
 */
static const char *const tiny[] = {
	"#fragtrace 1 pid=1 exe=hand-written",
	"# seq op tid ns id size align old",
	"0 m 1 0 a 100 0 0",
	"1 m 1 10 b 5000 0 0",
	"2 f 1 20 a 0 0 0",
	"3 m 1 30 c 8192 0 0",
	"4 r 1 40 d 20000 0 b",
	"5 f 1 50 ff 0 0 0",
	"6 m 1 60 0 64 0 0",
	"7 m 1 70 e 8388608 0 0",
	NULL,
};

static void load_tiny(struct rp_trace *t)
{
	char err[256];
	int i;

	rp_trace_init(t);
	for (i = 0; tiny[i]; i++)
		CHECK_EQ(rp_trace_line(t, tiny[i], err, sizeof(err)), 0);
	rp_trace_done(t);
}

static const struct rp_sim_cfg cfg4m = {
	.arena_bytes = 4 << 20, .max_order = 10, .grouping = true,
};

static void run_tiny(int strategy, struct rp_result *r)
{
	struct rp_backend b;
	struct rp_trace t;

	load_tiny(&t);
	REQUIRE(rp_sim_backend(strategy, &cfg4m, t.nr_slots, &b) == 0);
	CHECK_EQ(rp_run(&t, &b, r, NULL, NULL, NULL), 0);
	b.destroy(b.priv);
	rp_trace_free(&t);
}

TEST(parse_tiny)
{
	struct rp_trace t;
	static const uint32_t kind[] = { RP_ALLOC, RP_ALLOC, RP_FREE, RP_ALLOC,
					 RP_ALLOC, RP_FREE, RP_ALLOC };
	static const uint32_t slot[] = { 0, 1, 0, 2, 3, 1, 4 };
	size_t i;

	load_tiny(&t);
	CHECK_EQ(t.events, 8);
	CHECK_EQ(t.nr_ops, 7);
	CHECK_EQ(t.allocs, 5);
	CHECK_EQ(t.frees, 2);
	CHECK_EQ(t.reallocs, 1);
	CHECK_EQ(t.unmatched_frees, 1);
	CHECK_EQ(t.failed_in_trace, 1);
	CHECK_EQ(t.live_at_end, 3);		/* c, d, e */
	CHECK_EQ(t.peak_live_bytes, 8192 + 20000 + 8388608);
	for (i = 0; i < t.nr_ops && i < 7; i++) {
		CHECK_EQ(t.ops[i].kind, kind[i]);
		CHECK_EQ(t.ops[i].slot, slot[i]);
	}
	CHECK_EQ(t.ops[4].size, 20000);
	rp_trace_free(&t);
}

TEST(parse_errors)
{
	struct rp_trace t;
	char err[256] = "";

	rp_trace_init(&t);
	CHECK_EQ(rp_trace_line(&t, "hello world", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 1") != NULL);
	CHECK_EQ(rp_trace_line(&t, "0 x 1 0 a 1 0 0", err, sizeof(err)), -EINVAL);
	CHECK_EQ(rp_trace_line(&t, "0 m 1 0 a 1 0", err, sizeof(err)), -EINVAL);
	CHECK_EQ(rp_trace_line(&t, "0 m 1 0 a 1 0 0 junk", err, sizeof(err)), -EINVAL);
	CHECK_EQ(rp_trace_line(&t, "0 p 1 0 a 64 24 0", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "power of two") != NULL);
	CHECK_EQ(rp_trace_line(&t, "   ", err, sizeof(err)), 0);
	CHECK_EQ(rp_trace_line(&t, "0 p 1 0 a 64 32 0\n", err, sizeof(err)), 0);
	CHECK_EQ(t.ops[0].align, 32);
	rp_trace_done(&t);
	rp_trace_free(&t);
}

TEST(parse_realloc_forms)
{
	struct rp_trace t;
	char err[64];

	rp_trace_init(&t);
	/* realloc(NULL, 10) = malloc; in place; realloc(p, 0) = free */
	CHECK_EQ(rp_trace_line(&t, "0 r 1 0 a 10 0 0", err, sizeof(err)), 0);
	CHECK_EQ(rp_trace_line(&t, "1 r 1 0 a 20 0 a", err, sizeof(err)), 0);
	CHECK_EQ(rp_trace_line(&t, "2 r 1 0 0 0 0 a", err, sizeof(err)), 0);
	/* failed realloc: nothing changes */
	CHECK_EQ(rp_trace_line(&t, "3 m 1 0 b 5 0 0", err, sizeof(err)), 0);
	CHECK_EQ(rp_trace_line(&t, "4 r 1 0 0 99 0 b", err, sizeof(err)), 0);
	rp_trace_done(&t);
	CHECK_EQ(t.nr_ops, 5);	/* A0, A1 F0, F1, A2 */
	CHECK_EQ(t.ops[1].kind, RP_ALLOC);
	CHECK_EQ(t.ops[2].kind, RP_FREE);
	CHECK_EQ(t.ops[2].slot, 0);
	CHECK_EQ(t.ops[3].slot, 1);
	CHECK_EQ(t.failed_in_trace, 1);
	CHECK_EQ(t.live_at_end, 1);
	rp_trace_free(&t);
}

/*
 * fl_metrics_external_frag(): 1000 * (cap - largest) / cap, cap = min(free,
 * largest block), rounded down like the kernel's unusable_free_index().
 */
TEST(ext_permille)
{
	CHECK_EQ(fl_metrics_external_frag(0, 0, 4096), 0);
	CHECK_EQ(fl_metrics_external_frag(100, 100, 4096), 0);
	CHECK_EQ(fl_metrics_external_frag(100, 5, 4096), 950);	/* the seed's 100 MB / 5 MB */
	CHECK_EQ(fl_metrics_external_frag(64 << 20, 4 << 20, 4 << 20), 0);
	CHECK_EQ(fl_metrics_external_frag(3 << 20, 1 << 20, 4 << 20),
		 (3 - 1) * 1000 / 3);
}

/*
 * buddy, by hand (granted G / requested R after each of the 7 ops):
 *   a: order 0  G  4096 R   100        footprint  4 KiB
 *   b: order 1  G 12288 R  5100                  12 KiB
 *   free a      G  8192 R  5000                   8 KiB
 *   c: order 1  G 16384 R 13192                  16 KiB
 *   d: order 3  G 49152 R 33192                  48 KiB  <- peak
 *   free b      G 40960 R 28192                  40 KiB
 *   e: 8 MiB > max block: fails, 4 MiB - 40 KiB free < 8 MiB: not "fragmented"
 * internal = sum(G - R) / sum(G) = 59064 / 172032 = 343 permille.
 * The first split leaves a 2 MiB block as the largest free one.
 */
TEST(sim_buddy_by_hand)
{
	struct rp_result r;

	run_tiny(RP_BUDDY, &r);
	CHECK_EQ(r.ops, 7);
	CHECK_EQ(r.allocs, 4);
	CHECK_EQ(r.frees, 2);
	CHECK_EQ(r.peak_footprint, 49152);
	CHECK_EQ(r.peak_granted, 49152);
	CHECK_EQ(r.peak_requested, 33192);
	CHECK_EQ(r.internal_permille, 343);
	CHECK_EQ(r.failures, 1);
	CHECK_EQ(r.failures_fragmented, 0);
	CHECK_EQ(r.min_largest_free, 2 << 20);
	/* 1 - 2 MiB / (4 MiB - 4 KiB), rounded down: highest after the
	 * first op, when the most is free beside the 2 MiB block */
	CHECK_EQ(r.ext_peak_permille,
		 (((4ULL << 20) - 4096 - (2 << 20)) * 1000) / ((4 << 20) - 4096));
}

/*
 * first fit, granularity 16, one 4 MiB segment at offset 0:
 *   a 100 -> [0, 112)   b 5000 -> [112, 5120)   free a
 *   c 8192 -> [5120, 13312) (the 112-byte hole is too small)
 *   d 20000 -> [13312, 33312)   free b   e fails (not enough free bytes)
 * footprint (highest end) peaks at 33312.
 */
TEST(sim_first_fit_by_hand)
{
	struct rp_result r;

	run_tiny(RP_FIRST_FIT, &r);
	CHECK_EQ(r.peak_footprint, 33312);
	CHECK_EQ(r.peak_granted, 5008 + 8192 + 20000);
	CHECK_EQ(r.failures, 1);
	CHECK_EQ(r.failures_fragmented, 0);
	/* final: holes [0, 5120) and the tail */
	CHECK_EQ(r.final_largest_free, (4 << 20) - 33312);
	run_tiny(RP_BEST_FIT, &r);
	CHECK_EQ(r.peak_footprint, 33312);
}

/* A fragmented failure: free bytes suffice, no hole does. */
TEST(sim_fragmented_failure)
{
	static const char *const lines[] = {
		"0 m 1 0 1 2097152 0 0", "1 m 1 0 2 1048576 0 0",
		"2 m 1 0 3 1048576 0 0", "3 f 1 0 1 0 0 0",
		"4 f 1 0 3 0 0 0", "5 m 1 0 4 3145728 0 0", NULL,
	};
	struct rp_backend b;
	struct rp_result r;
	struct rp_trace t;
	char err[64];
	int i;

	rp_trace_init(&t);
	for (i = 0; lines[i]; i++)
		CHECK_EQ(rp_trace_line(&t, lines[i], err, sizeof(err)), 0);
	rp_trace_done(&t);
	REQUIRE(rp_sim_backend(RP_FIRST_FIT, &cfg4m, t.nr_slots, &b) == 0);
	CHECK_EQ(rp_run(&t, &b, &r, NULL, NULL, NULL), 0);
	b.destroy(b.priv);
	/* holes: [0, 2M) and [3M, 4M): 3 MiB free, largest 2 MiB */
	CHECK_EQ(r.failures, 1);
	CHECK_EQ(r.failures_fragmented, 1);
	CHECK_EQ(r.final_largest_free, 2 << 20);
	/* (3M - 2M) * 1000 / 3M, rounded down (the old round-up gave 334) */
	CHECK_EQ(r.ext_peak_permille, (3 - 2) * 1000 / 3);
	rp_trace_free(&t);
}

/* Every strategy replays the tiny trace; the same run twice is identical. */
TEST(sim_all_deterministic)
{
	struct rp_result r1, r2;
	int s;

	for (s = 0; s < RP_NR_STRATEGIES; s++) {
		run_tiny(s, &r1);
		run_tiny(s, &r2);
		CHECK_EQ(r1.failures, 1);
		CHECK_EQ(r1.peak_footprint, r2.peak_footprint);
		CHECK_EQ(r1.internal_permille, r2.internal_permille);
		CHECK_EQ(r1.ext_mean_permille, r2.ext_mean_permille);
		CHECK_EQ(r1.min_largest_free, r2.min_largest_free);
		CHECK(r1.peak_footprint >= 33192);
	}
	/* slab: 100 B -> 128, 5000 and 8192 B -> 8 KiB objects, d -> buddy */
	run_tiny(RP_SLAB, &r1);
	CHECK_EQ(r1.peak_granted, 8192 + 8192 + 32768);
}

TEST(slab_class)
{
	CHECK_EQ(rp_slab_class(0, 0), 8);
	CHECK_EQ(rp_slab_class(100, 0), 128);
	CHECK_EQ(rp_slab_class(65, 0), 96);
	CHECK_EQ(rp_slab_class(65, 64), 128);	/* 96 is not 64-aligned */
	CHECK_EQ(rp_slab_class(8192, 0), 8192);
	CHECK_EQ(rp_slab_class(8193, 0), 0);
	CHECK_EQ(rp_slab_class(10, 4096), 4096);
}

/*
 * --ranges: an 8 MiB arena in two physically separate 4 MiB ranges gives
 * a first-fit pool two segments, so a 5 MiB request fails although 8 MiB
 * are free (fragmentation); in one range it fits.  Bad layouts: -EINVAL.
 */
TEST(sim_ranges)
{
	static const char *const big[] = {
		"0 m 1 0 a 5242880 0 0",
		NULL,
	};
	struct rp_sim_cfg one = { .arena_bytes = 8 << 20, .max_order = 10,
				  .grouping = true };
	struct rp_sim_cfg two = one, bad = one;
	struct rp_backend b;
	struct rp_result r;
	struct rp_trace t;
	char err[64];
	int i;

	two.nr_ranges = 2;
	two.range_pages[0] = 1024;
	two.range_pages[1] = 1024;
	bad.nr_ranges = 2;
	bad.range_pages[0] = 1024;
	bad.range_pages[1] = 512;	/* adds up to 6 MiB, not 8 */
	rp_trace_init(&t);
	for (i = 0; big[i]; i++)
		CHECK_EQ(rp_trace_line(&t, big[i], err, sizeof(err)), 0);
	rp_trace_done(&t);

	REQUIRE(rp_sim_backend(RP_FIRST_FIT, &one, t.nr_slots, &b) == 0);
	CHECK_EQ(rp_run(&t, &b, &r, NULL, NULL, NULL), 0);
	CHECK_EQ(r.failures, 0);
	b.destroy(b.priv);

	REQUIRE(rp_sim_backend(RP_FIRST_FIT, &two, t.nr_slots, &b) == 0);
	CHECK_EQ(rp_run(&t, &b, &r, NULL, NULL, NULL), 0);
	CHECK_EQ(r.failures, 1);
	CHECK_EQ(r.failures_fragmented, 1);
	CHECK_EQ(r.min_largest_free, 4 << 20);
	b.destroy(b.priv);

	CHECK_EQ(rp_sim_backend(RP_FIRST_FIT, &bad, t.nr_slots, &b), -EINVAL);
	rp_trace_free(&t);
}
