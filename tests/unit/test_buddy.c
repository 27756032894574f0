// SPDX-License-Identifier: GPL-2.0
/*
 * test_buddy.c - directed and randomized tests of module/core/fl_buddy.c.
 */
#include "fl_test.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_fault.h"
#include "fl_metrics.h"
#include "fl_check.h"

static char check_msg[256];

/* Both checkers: in one hold, and paced in steps of 3 pages / entries. */
#define CHECK_INV(b) do {						\
	int __r = fl_buddy_check((b), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_buddy_check: %d: %s", __r, check_msg);	\
	__r = fl_buddy_check_paced((b), check_msg, sizeof(check_msg),	\
				   3, NULL, NULL);			\
	if (__r)							\
		FL_TEST_FAIL("fl_buddy_check_paced: %d: %s", __r,	\
			     check_msg);				\
} while (0)

static struct fl_buddy *one_chunk(u32 nr_pages, u32 max_order, bool grouping)
{
	struct fl_chunk c = { .start = 0, .nr_pages = nr_pages, .vaddr = NULL };

	return fl_buddy_create(&c, 1, max_order, grouping);
}

static int alloc_order(struct fl_buddy *b, u32 order, u8 mt, u32 *idx)
{
	struct fl_buddy_req req = { .order = order, .mt = mt,
				    .owner_kind = FL_OWN_KERNEL };

	return fl_buddy_alloc(b, &req, idx);
}

/* The seed: 21 KB in an empty 256 KB region. */
TEST(seed_example)
{
	struct fl_buddy *b = one_chunk(64, 6, true);
	struct fl_buddy_stats st;
	struct fl_buddy_req req = { .mt = FL_MT_MOVABLE,
				    .owner_kind = FL_OWN_USER,
				    .requested = 21 * 1024, .owner = 42 };
	struct fl_page_info pi;
	u32 idx;
	int order;

	REQUIRE(b);
	order = fl_buddy_order_for_size(b, 21 * 1024);
	CHECK_EQ(order, 3);
	req.order = order;
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), 0);
	CHECK_EQ(idx, 0);
	CHECK_INV(b);

	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.granted_bytes, 32 * 1024);
	CHECK_EQ(st.requested_bytes, 21 * 1024);
	CHECK_EQ(st.granted_bytes - st.requested_bytes, 11264);
	CHECK_EQ(st.nr_free[3], 1);
	CHECK_EQ(st.nr_free[4], 1);
	CHECK_EQ(st.nr_free[5], 1);
	CHECK_EQ(st.nr_free[6], 0);
	CHECK_EQ(st.free_pages, 56);
	CHECK_EQ(st.splits, 3);

	/* 256 -> 128 -> 64 -> 32: allocated 32 at 0, free 32, free 64, free 128 */
	CHECK_EQ(fl_buddy_page_info(b, 0, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_ALLOC_HEAD);
	CHECK_EQ(pi.order, 3);
	CHECK_EQ(pi.requested, 21 * 1024);
	CHECK_EQ(pi.owner, 42);
	CHECK_EQ(fl_buddy_page_info(b, 5, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_ALLOC_TAIL);
	CHECK_EQ(pi.head, 0);
	CHECK_EQ(fl_buddy_page_info(b, 8, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_FREE_HEAD);
	CHECK_EQ(pi.order, 3);
	CHECK_EQ(fl_buddy_page_info(b, 16, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_FREE_HEAD);
	CHECK_EQ(pi.order, 4);
	CHECK_EQ(fl_buddy_page_info(b, 32, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_FREE_HEAD);
	CHECK_EQ(pi.order, 5);
	CHECK_EQ(fl_buddy_page_info(b, 63, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_FREE_TAIL);
	CHECK_EQ(pi.head, 32);

	CHECK_EQ(fl_buddy_free(b, idx), 0);
	CHECK_INV(b);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.merges, 3);
	CHECK_EQ(st.nr_free[6], 1);
	CHECK_EQ(st.nr_free[3] + st.nr_free[4] + st.nr_free[5], 0);
	CHECK_EQ(st.free_pages, 64);
	CHECK_EQ(st.requested_bytes, 0);
	CHECK_EQ(st.granted_bytes, 0);
	fl_buddy_destroy(b);
}

TEST(every_order)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	u32 o, idx;

	REQUIRE(b);
	for (o = 0; o <= FL_MAX_ORDER; o++) {
		CHECK_EQ(alloc_order(b, o, FL_MT_MOVABLE, &idx), 0);
		CHECK_EQ(idx & ((1U << o) - 1), 0);
		CHECK_INV(b);
		CHECK_EQ(fl_buddy_free(b, idx), 0);
		CHECK_INV(b);
		fl_buddy_get_stats(b, &st);
		CHECK_EQ(st.nr_free[FL_MAX_ORDER], 1);
		CHECK_EQ(st.free_pages, 1024);
	}
	fl_buddy_destroy(b);
}

static u32 must_alloc(struct fl_buddy *b, u32 order, u8 mt)
{
	u32 idx = FL_BUDDY_NONE;
	int ret = alloc_order(b, order, mt, &idx);

	if (ret)
		FL_TEST_FAIL("alloc order %u mt %u: %d", order, mt, ret);
	return idx;
}

static u64 free_mt_total(struct fl_buddy *b, u8 mt)
{
	u64 nr[FL_MT_TYPES][FL_NR_ORDERS];
	u64 pages = 0;
	int o;

	fl_buddy_free_counts_mt(b, nr);
	for (o = 0; o < FL_NR_ORDERS; o++)
		pages += nr[mt][o] << o;
	return pages;
}

/* Freeing 1024 single pages merges all the way back to one order-10 block. */
TEST(merge_cascade)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	u32 i, o;

	REQUIRE(b);
	CHECK_EQ(must_alloc(b, 0, FL_MT_MOVABLE), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.splits, 10);
	for (o = 0; o < FL_MAX_ORDER; o++)
		CHECK_EQ(st.nr_free[o], 1);
	CHECK_EQ(st.nr_free[FL_MAX_ORDER], 0);
	for (i = 1; i < 1024; i++)
		CHECK_EQ(must_alloc(b, 0, FL_MT_MOVABLE), i);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.free_pages, 0);
	CHECK_EQ(st.largest_free_order, FL_NR_ORDERS);
	CHECK_INV(b);
	/* free odd pages first: nothing can merge */
	for (i = 1; i < 1024; i += 2)
		CHECK_EQ(fl_buddy_free(b, i), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.merges, 0);
	CHECK_EQ(st.nr_free[0], 512);
	CHECK_INV(b);
	/* each even page completes a cascade as far as its neighbours allow */
	for (i = 0; i < 1024; i += 2)
		CHECK_EQ(fl_buddy_free(b, i), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.merges, 1023);
	CHECK_EQ(st.nr_free[FL_MAX_ORDER], 1);
	CHECK_EQ(st.free_pages, 1024);
	CHECK_EQ(st.frees, 1024);
	CHECK_EQ(st.alloc_ok[0], 1024);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* Odd-sized chunks and holes: nothing crosses or merges over a boundary. */
TEST(chunk_boundaries)
{
	static const struct fl_chunk chunks[] = {
		{ .start = 0, .nr_pages = 3 },
		{ .start = 1024, .nr_pages = 1000 },
		{ .start = 3072, .nr_pages = 1 },
		{ .start = 4096, .nr_pages = 1536 },
	};
	static const u64 carve[FL_NR_ORDERS] = { 2, 1, 0, 1, 0, 1, 1, 1, 1, 2, 1 };
	static u32 idx[2540];
	struct fl_buddy *b = fl_buddy_create(chunks, 4, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	struct fl_page_info pi;
	u32 i, n = 0, o;

	REQUIRE(b);
	CHECK_EQ(fl_buddy_nr_pages(b), 5632);
	CHECK_EQ(fl_buddy_nr_pageblocks(b), 11);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.total_pages, 2540);
	CHECK_EQ(st.free_pages, 2540);
	for (o = 0; o < FL_NR_ORDERS; o++)
		CHECK_EQ(st.nr_free[o], carve[o]);
	for (i = 0; i < 4; i++) {
		static const u32 holes[] = { 3, 1023, 2024, 3073 };

		CHECK_EQ(fl_buddy_page_info(b, holes[i], &pi), 0);
		CHECK_EQ(pi.state, FL_PAGE_HOLE);
		CHECK(fl_buddy_page_addr(b, holes[i]) == NULL);
		CHECK_EQ(fl_buddy_free(b, holes[i]), -EINVAL);
	}
	CHECK_EQ(fl_buddy_pageblock_mt(b, 4), -ENOENT);	/* 2048..2559 */
	CHECK_EQ(fl_buddy_pageblock_mt(b, 3), FL_MT_MOVABLE);	/* partial */
	CHECK_EQ(fl_buddy_pageblock_mt(b, 11), -EINVAL);

	/* exhaust with single pages, then free in a scrambled order */
	while (alloc_order(b, 0, FL_MT_MOVABLE, &idx[n]) == 0)
		n++;
	CHECK_EQ(n, 2540);
	CHECK_INV(b);
	fl_test_rng_state = 12345;
	for (i = n - 1; i > 0; i--) {
		u32 j = (u32)(fl_test_rand() % (i + 1)), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	for (i = 0; i < n; i++) {
		CHECK_EQ(fl_buddy_free(b, idx[i]), 0);
		if (i % 97 == 0)
			CHECK_INV(b);
	}
	fl_buddy_get_stats(b, &st);
	for (o = 0; o < FL_NR_ORDERS; o++)
		CHECK_EQ(st.nr_free[o], carve[o]);
	CHECK_INV(b);

	/* the biggest block in chunk 1 is order 9: order 10 comes from chunk 3 */
	i = must_alloc(b, 10, FL_MT_MOVABLE);
	CHECK_EQ(i, 4096);
	CHECK_EQ(alloc_order(b, 10, FL_MT_MOVABLE, &i), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_fragmented, 1);	/* 1516 pages free, no block */
	CHECK_EQ(fl_buddy_free(b, 4096), 0);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* UNMOVABLE on a fresh (all MOVABLE) arena claims a whole order-10 block. */
TEST(migratetype_claim_large)
{
	struct fl_buddy *b = one_chunk(2048, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	u64 pbs[FL_MT_TYPES];
	struct fl_page_info pi;
	u32 a, a2, m;

	REQUIRE(b);
	a = must_alloc(b, 0, FL_MT_UNMOVABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fallbacks, 1);
	CHECK_EQ(st.steals, 2);			/* both pageblocks of the block */
	CHECK_EQ(st.splits, 10);
	fl_buddy_pageblock_counts(b, pbs);
	CHECK_EQ(pbs[FL_MT_UNMOVABLE], 2);
	CHECK_EQ(pbs[FL_MT_MOVABLE], 2);
	CHECK_EQ(pbs[FL_MT_RECLAIMABLE], 0);
	CHECK_EQ(fl_buddy_pageblock_mt(b, a >> 9), FL_MT_UNMOVABLE);
	CHECK_EQ(free_mt_total(b, FL_MT_UNMOVABLE), 1023);
	CHECK_EQ(free_mt_total(b, FL_MT_MOVABLE), 1024);
	CHECK_INV(b);

	/* the next UNMOVABLE one comes from the claimed block, no fallback */
	a2 = must_alloc(b, 0, FL_MT_UNMOVABLE);
	CHECK_EQ(a2 >> 10, a >> 10);
	/* MOVABLE stays in the other order-10 block */
	m = must_alloc(b, 0, FL_MT_MOVABLE);
	CHECK(m >> 10 != a >> 10);
	/* RECLAIMABLE claims a block of its own (falls back on MOVABLE) */
	CHECK_EQ(fl_buddy_page_info(b, must_alloc(b, 9, FL_MT_RECLAIMABLE), &pi), 0);
	CHECK_EQ(pi.mt, FL_MT_RECLAIMABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fallbacks, 2);
	fl_buddy_pageblock_counts(b, pbs);
	CHECK_EQ(pbs[FL_MT_RECLAIMABLE], 1);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * A MOVABLE page from a mostly allocated UNMOVABLE pageblock: claiming
 * fails (64 free < 256), so __rmqueue_steal takes a page and leaves the
 * pageblock UNMOVABLE; a mostly free one is claimed back to MOVABLE.
 */
TEST(migratetype_steal_and_claim_small)
{
	struct fl_buddy *b = one_chunk(512, 9, true);
	struct fl_buddy_stats st;
	struct fl_page_info pi;
	u32 u8_, u7, u6, m, u0;

	REQUIRE(b);
	u8_ = must_alloc(b, 8, FL_MT_UNMOVABLE);	/* claims the pageblock */
	u7 = must_alloc(b, 7, FL_MT_UNMOVABLE);
	u6 = must_alloc(b, 6, FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_UNMOVABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.steals, 1);
	CHECK_EQ(st.fallbacks, 1);
	CHECK_EQ(st.free_pages, 64);

	m = must_alloc(b, 0, FL_MT_MOVABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fallbacks, 2);
	CHECK_EQ(st.steals, 1);				/* not converted */
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_page_info(b, m, &pi), 0);
	CHECK_EQ(pi.mt, FL_MT_MOVABLE);			/* its own type kept */
	CHECK_EQ(free_mt_total(b, FL_MT_UNMOVABLE), 63);
	CHECK_INV(b);

	/* free all but one unmovable page: 511 free, claimable */
	CHECK_EQ(fl_buddy_free(b, m), 0);
	CHECK_EQ(fl_buddy_free(b, u8_), 0);
	CHECK_EQ(fl_buddy_free(b, u7), 0);
	CHECK_EQ(fl_buddy_free(b, u6), 0);
	u0 = must_alloc(b, 0, FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_UNMOVABLE);
	m = must_alloc(b, 4, FL_MT_MOVABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.steals, 2);				/* claimed back */
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_MOVABLE);
	CHECK_EQ(free_mt_total(b, FL_MT_UNMOVABLE), 0);
	CHECK_EQ(free_mt_total(b, FL_MT_MOVABLE), 512 - 1 - 16);
	CHECK_INV(b);
	CHECK_EQ(fl_buddy_free(b, u0), 0);
	CHECK_EQ(fl_buddy_free(b, m), 0);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* Two order-9 buddies of different types merge into one typed block. */
TEST(migratetype_merge_across_pageblocks)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	u32 u, m;

	REQUIRE(b);
	u = must_alloc(b, 9, FL_MT_UNMOVABLE);		/* claims order 10 */
	m = must_alloc(b, 9, FL_MT_MOVABLE);		/* claims its half back */
	CHECK_EQ(fl_buddy_pageblock_mt(b, u >> 9), FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_pageblock_mt(b, m >> 9), FL_MT_MOVABLE);
	CHECK_EQ(fl_buddy_free(b, u), 0);
	CHECK_INV(b);
	CHECK_EQ(fl_buddy_free(b, m), 0);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_MOVABLE);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 1), FL_MT_MOVABLE);
	CHECK_EQ(free_mt_total(b, FL_MT_MOVABLE), 1024);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* Grouping off: every type is served from the same (UNMOVABLE) lists. */
TEST(grouping_off)
{
	struct fl_buddy *on = one_chunk(4096, FL_MAX_ORDER, true);
	struct fl_buddy *off = one_chunk(4096, FL_MAX_ORDER, false);
	struct fl_buddy_stats st;
	struct fl_page_info pi;
	u32 mv, rc, un;

	REQUIRE(on && off);
	CHECK(fl_buddy_grouping(on));
	CHECK(!fl_buddy_grouping(off));

	mv = must_alloc(off, 0, FL_MT_MOVABLE);
	rc = must_alloc(off, 0, FL_MT_RECLAIMABLE);
	un = must_alloc(off, 0, FL_MT_UNMOVABLE);
	CHECK_EQ(mv >> 9, rc >> 9);			/* mixed in one pageblock */
	CHECK_EQ(mv >> 9, un >> 9);
	CHECK_EQ(fl_buddy_pageblock_mt(off, mv >> 9), FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_page_info(off, mv, &pi), 0);
	CHECK_EQ(pi.mt, FL_MT_MOVABLE);			/* still recorded */
	CHECK_EQ(fl_buddy_page_info(off, rc, &pi), 0);
	CHECK_EQ(pi.mt, FL_MT_RECLAIMABLE);
	fl_buddy_get_stats(off, &st);
	CHECK_EQ(st.fallbacks, 1);
	CHECK_INV(off);

	mv = must_alloc(on, 0, FL_MT_MOVABLE);
	rc = must_alloc(on, 0, FL_MT_RECLAIMABLE);
	un = must_alloc(on, 0, FL_MT_UNMOVABLE);
	CHECK(mv >> 9 != rc >> 9);			/* grouped */
	CHECK(mv >> 9 != un >> 9);
	CHECK(rc >> 9 != un >> 9);
	CHECK_INV(on);

	/* toggling at run time keeps every invariant */
	fl_buddy_set_grouping(on, false);
	CHECK(!fl_buddy_grouping(on));
	must_alloc(on, 3, FL_MT_MOVABLE);
	CHECK_INV(on);
	fl_buddy_set_grouping(on, true);
	must_alloc(on, 3, FL_MT_MOVABLE);
	CHECK_INV(on);
	fl_buddy_destroy(on);
	fl_buddy_destroy(off);
}

TEST(errors)
{
	struct fl_buddy *b = one_chunk(100, 6, true);
	struct fl_buddy_req req = { .order = 0, .mt = FL_MT_MOVABLE };
	struct fl_chunk bad[2] = { { .start = 0, .nr_pages = 10 },
				   { .start = 512, .nr_pages = 10 } };
	struct fl_page_info pi;
	u32 idx, o2;

	REQUIRE(b);
	CHECK_EQ(fl_buddy_order_for_size(b, 0), -EINVAL);
	CHECK_EQ(fl_buddy_order_for_size(b, 1), 0);
	CHECK_EQ(fl_buddy_order_for_size(b, 4096), 0);
	CHECK_EQ(fl_buddy_order_for_size(b, 4097), 1);
	CHECK_EQ(fl_buddy_order_for_size(b, 21 * 1024), 3);
	CHECK_EQ(fl_buddy_order_for_size(b, 256 * 1024), 6);
	CHECK_EQ(fl_buddy_order_for_size(b, 256 * 1024 + 1), -EINVAL);
	CHECK_EQ(fl_buddy_order_for_size(b, ~0ULL), -EINVAL);

	req.order = 7;
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), -EINVAL);	/* > max_order */
	req.order = 0;
	req.mt = FL_MT_TYPES;
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), -EINVAL);
	req.mt = FL_MT_MOVABLE;
	req.owner_kind = 99;
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), -EINVAL);
	req.owner_kind = FL_OWN_USER;
	req.requested = 4097;
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), -EINVAL);
	req.requested = 0;
	CHECK_EQ(fl_buddy_alloc(b, NULL, &idx), -EINVAL);
	CHECK_EQ(fl_buddy_alloc(b, &req, NULL), -EINVAL);

	o2 = must_alloc(b, 2, FL_MT_MOVABLE);
	CHECK_EQ(fl_buddy_free(b, o2 + 1), -EINVAL);		/* tail */
	CHECK_EQ(fl_buddy_free(b, 64), -EINVAL);		/* free head */
	CHECK_EQ(fl_buddy_free(b, 70), -EINVAL);		/* free tail */
	CHECK_EQ(fl_buddy_free(b, 100), -EINVAL);		/* out of range */
	CHECK_EQ(fl_buddy_free(b, ~0U), -EINVAL);
	CHECK_EQ(fl_buddy_free(b, o2), 0);
	CHECK_EQ(fl_buddy_free(b, o2), -EINVAL);		/* double free */
	CHECK_EQ(fl_buddy_page_info(b, 100, &pi), -EINVAL);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 1), -EINVAL);
	CHECK_INV(b);

	/* invalid creation parameters */
	CHECK(fl_buddy_create(NULL, 1, 6, true) == NULL);
	CHECK(fl_buddy_create(bad, 0, 6, true) == NULL);
	CHECK(fl_buddy_create(bad, 1, FL_MAX_ORDER + 1, true) == NULL);
	CHECK(fl_buddy_create(bad, 2, 6, true) == NULL);	/* 512 misaligned */
	bad[1].start = 0;
	CHECK(fl_buddy_create(bad, 2, 6, true) == NULL);	/* overlap */
	bad[1].start = 1024;
	bad[1].nr_pages = 0;
	CHECK(fl_buddy_create(bad, 2, 6, true) == NULL);	/* empty chunk */
	bad[1].nr_pages = 10;
	bad[0].start = 2048;
	CHECK(fl_buddy_create(bad, 2, 6, true) == NULL);	/* unsorted */
	bad[0].start = 0;
	fl_buddy_destroy(fl_buddy_create(bad, 2, 6, true));
	fl_buddy_destroy(NULL);
	fl_buddy_destroy(b);
}

/* -ENOMEM classified: plain lack of memory vs. fragmentation. */
TEST(exhaustion_and_fragmentation)
{
	struct fl_buddy *b = one_chunk(64, 6, true);
	struct fl_buddy_stats st;
	u32 i, idx;

	REQUIRE(b);
	for (i = 0; i < 64; i++)
		CHECK_EQ(must_alloc(b, 0, FL_MT_MOVABLE), i);
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_nomem, 1);
	CHECK_EQ(st.fail_fragmented, 0);
	CHECK_EQ(st.alloc_fail[0], 1);

	for (i = 0; i < 64; i += 2)		/* 32 free pages, no pair */
		CHECK_EQ(fl_buddy_free(b, i), 0);
	CHECK_EQ(alloc_order(b, 1, FL_MT_MOVABLE, &idx), -ENOMEM);
	CHECK_EQ(alloc_order(b, 5, FL_MT_MOVABLE, &idx), -ENOMEM);
	CHECK_EQ(alloc_order(b, 6, FL_MT_MOVABLE, &idx), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_fragmented, 2);	/* orders 1 and 5: 32 pages free */
	CHECK_EQ(st.fail_nomem, 2);		/* order 6 needs 64 */
	CHECK_EQ(st.alloc_fail[1], 1);
	CHECK_EQ(st.alloc_fail[5], 1);
	CHECK_EQ(st.alloc_fail[6], 1);
	CHECK_EQ(st.nr_free[0], 32);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * The seed's "100 MB free, largest block 5 MB, 10 MB request fails", at
 * small scale: 2048 pages as 32 order-6 blocks, every other one freed:
 * 1024 pages free, largest free block 64 pages, order 7 fails as
 * fragmentation.
 */
TEST(seed_external_fragmentation)
{
	struct fl_buddy *b = one_chunk(2048, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	u32 i, idx;
	char line[FL_METRICS_LINE_MAX];

	REQUIRE(b);
	for (i = 0; i < 32; i++)
		must_alloc(b, 6, FL_MT_MOVABLE);
	for (i = 0; i < 2048; i += 128)
		CHECK_EQ(fl_buddy_free(b, i), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.free_pages, 1024);
	CHECK_EQ(st.largest_free_order, 6);
	CHECK_EQ(alloc_order(b, 7, FL_MT_MOVABLE, &idx), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_fragmented, 1);
	CHECK_EQ(st.fail_nomem, 0);
	/* 1 - largest / min(free, 2^max_order): (1024 - 64) * 1000 / 1024 */
	CHECK_EQ(fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					      st.max_order),
		 (1024 - 64) * 1000 / 1024);
	CHECK_EQ(fl_metrics_unusable_index(st.nr_free, 7), 1000);
	/* 1000 - (1000 + 1024 * 1000 / 128) / 16 = 1000 - 562 */
	CHECK_EQ(fl_metrics_fragmentation_index(st.nr_free, 7), 438);
	CHECK_EQ(fl_metrics_fragmentation_index(st.nr_free, 6), -1000);
	fl_metrics_format_buddyinfo(line, sizeof(line), 0, "fraglab", st.nr_free);
	CHECK_STR(line, "Node 0, zone  fraglab      0      0      0      0      0"
		  "      0     16      0      0      0      0 \n");
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * A fresh arena is not fragmented: every free page is in a max-order
 * block.  External fragmentation (1 - largest / min(free, 2^max_order))
 * is 0, and so is the kernel's unusable free space index at order 9
 * (mm/vmstat.c unusable_free_index(), 6.12: (free_pages -
 * (free_blocks_suitable << 9)) * 1000 / free_pages, with every free page
 * in a suitable block).  Taking one max-order block out leaves it at 0
 * (the old 1 - largest / free read 937 for this 64 MiB arena and went
 * down when a block was taken); splitting one leaves 2^10 - 1 free pages
 * outside max-order blocks.
 */
TEST(fresh_arena_unfragmented)
{
	struct fl_buddy *b = one_chunk(16384, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	u64 free, small;

	REQUIRE(b);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.nr_free[FL_MAX_ORDER], 16);
	CHECK_EQ(fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					      st.max_order), 0);
	CHECK_EQ(fl_metrics_unusable_index(st.nr_free, FL_PAGEBLOCK_ORDER), 0);
	must_alloc(b, FL_MAX_ORDER, FL_MT_MOVABLE);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					      st.max_order), 0);
	must_alloc(b, 0, FL_MT_MOVABLE);
	fl_buddy_get_stats(b, &st);
	free = 14 * 1024 + 1023;
	small = 1023 - 512;	/* orders 0..8 of the split block */
	CHECK_EQ(st.free_pages, free);
	CHECK_EQ(fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					      st.max_order), 0);
	CHECK_EQ(fl_metrics_unusable_index(st.nr_free, FL_PAGEBLOCK_ORDER),
		 (int)(small * 1000 / free));
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* Metrics against hand-computed values of the mm/vmstat.c formulas. */
TEST(metrics_formulas)
{
	static const u64 nr[FL_NR_ORDERS] = { 3, 2, 0, 1 };
	static const u64 none[FL_NR_ORDERS];
	static const u64 one8[FL_NR_ORDERS] = { 0, 0, 0, 1 };
	static const int unusable[FL_NR_ORDERS] = {
		0, 200, 466, 466, 1000, 1000, 1000, 1000, 1000, 1000, 1000 };
	static const int frag[FL_NR_ORDERS] = {
		-1000, -1000, -1000, -1000, 678, 756, 795, 814, 824, 829, 831 };
	struct fl_contig_info ci;
	char line[FL_METRICS_LINE_MAX];
	unsigned int o;

	fl_metrics_contig_info(nr, 2, &ci);
	CHECK_EQ(ci.free_pages, 15);
	CHECK_EQ(ci.free_blocks_total, 6);
	CHECK_EQ(ci.free_blocks_suitable, 2);
	for (o = 0; o < FL_NR_ORDERS; o++) {
		CHECK_EQ(fl_metrics_unusable_index(nr, o), unusable[o]);
		CHECK_EQ(fl_metrics_fragmentation_index(nr, o), frag[o]);
		CHECK_EQ(fl_metrics_unusable_index(none, o), 1000);
		CHECK_EQ(fl_metrics_fragmentation_index(none, o), 0);
	}
	CHECK_EQ(fl_metrics_extfrag_for_order(nr, 2), 46);
	CHECK_EQ(fl_metrics_extfrag_for_order(none, 2), 0);
	CHECK_EQ(fl_metrics_free_pages(nr, FL_NR_ORDERS), 15);
	CHECK_EQ(fl_metrics_largest_order(nr, FL_NR_ORDERS), 3);
	CHECK_EQ(fl_metrics_largest_order(none, FL_NR_ORDERS), -1);
	/* 15 free, largest 8: cap min(15, 2^10) = 15, (15 - 8) * 1000 / 15 */
	CHECK_EQ(fl_metrics_external_permille(nr, FL_NR_ORDERS, 10),
		 (15 - 8) * 1000 / 15);
	/* max_order 3: the 8-page block is as large as a block can be */
	CHECK_EQ(fl_metrics_external_permille(nr, FL_NR_ORDERS, 3), 0);
	CHECK_EQ(fl_metrics_external_permille(none, FL_NR_ORDERS, 10), 0);
	/* rounded down like unusable_free_index(): 1/3 of the cap is 666 */
	CHECK_EQ(fl_metrics_external_frag(3, 1, 1024), 2000 / 3);
	CHECK_EQ(fl_metrics_external_frag(100, 5, 4096), 950);
	CHECK_EQ(fl_metrics_internal_permille(21504, 32768), 343);
	CHECK_EQ(fl_metrics_internal_permille(0, 0), 0);
	CHECK_EQ(fl_metrics_internal_permille(4096, 4096), 0);
	/* one order-3 block, order 4: 1000 - (1000 + 500) / 1 < 0, as in the kernel */
	CHECK_EQ(fl_metrics_fragmentation_index(one8, 4), -500);

	fl_metrics_format_buddyinfo(line, sizeof(line), 0, "fraglab", nr);
	CHECK_STR(line, "Node 0, zone  fraglab      3      2      0      1      0"
		  "      0      0      0      0      0      0 \n");
	fl_metrics_format_unusable(line, sizeof(line), 0, "fraglab", nr);
	CHECK_STR(line, "Node 0, zone  fraglab 0.000 0.200 0.466 0.466 1.000 1.000"
		  " 1.000 1.000 1.000 1.000 1.000 \n");
	fl_metrics_format_extfrag(line, sizeof(line), 0, "fraglab", nr);
	CHECK_STR(line, "Node 0, zone  fraglab -1.000 -1.000 -1.000 -1.000  0.678"
		  "  0.756  0.795  0.814  0.824  0.829  0.831 \n");
	fl_metrics_format_extfrag(line, sizeof(line), 0, "fraglab", one8);
	CHECK_STR(line, "Node 0, zone  fraglab -1.000 -1.000 -1.000 -1.000  0.-500"
		  "  0.-250  0.-125  0.-62  0.-31  0.-15  0.-07 \n");
	fl_metrics_format_buddyinfo(line, sizeof(line), 1, "Normal", none);
	CHECK_STR(line, "Node 1, zone   Normal      0      0      0      0      0"
		  "      0      0      0      0      0      0 \n");
	/* truncation is safe */
	CHECK_EQ(fl_metrics_format_buddyinfo(line, 10, 0, "fraglab", nr), 9);
	CHECK_EQ(strlen(line), 9);
}

/* Every metadata allocation of create can fail; nothing leaks (LSan). */
TEST(create_fault_injection)
{
	struct fl_chunk c[2] = { { .start = 0, .nr_pages = 700 },
				 { .start = 1024, .nr_pages = 5 } };
	struct fl_buddy *b;
	unsigned long n, failed = 0;

	for (n = 0; n < 16; n++) {
		fl_fail_nth(n);
		b = fl_buddy_create(c, 2, FL_MAX_ORDER, true);
		fl_fail_reset();
		if (!b) {
			failed++;
			continue;
		}
		CHECK_INV(b);
		fl_buddy_destroy(b);
	}
	CHECK_EQ(failed, 5);		/* struct, chunks, regions, pageblocks, pages */
	fl_fail_after(0);
	CHECK(fl_buddy_create(c, 2, FL_MAX_ORDER, true) == NULL);
	fl_fail_every(2);
	for (n = 0; n < 8; n++)
		fl_buddy_destroy(fl_buddy_create(c, 2, FL_MAX_ORDER, true));
	fl_fail_reset();
	CHECK(fl_fail_injected() > 0);
}

/*
 * The core's fault attribute follows should_fail_ex() (lib/fault-inject.c,
 * 6.12): @times, then @space, then @interval, then @probability.  With
 * space 2, interval 3, times 2: calls 0 and 1 are space, the interval
 * counter then reaches 3 at call 4 and 6 at call 7, and @times is used up.
 */
TEST(fault_attr_rules)
{
	struct fl_fault_attr a = FL_FAULT_ATTR_INIT(a);
	unsigned long i, n = 0;
	char got[13] = "", want[] = "....x..x....";

	for (i = 0; i < 12; i++)
		got[i] = fl_should_fail(&a) ? 'x' : '.';
	CHECK(!strcmp(got, "............"));	/* times 0: off */
	fl_fault_set(&a, 2, 3, 2);
	for (i = 0; i < 12; i++)
		got[i] = fl_should_fail(&a) ? 'x' : '.';
	CHECK(!strcmp(got, want));
	CHECK_EQ(fl_fault_injected(&a), 2);
	a.probability = 0;
	fl_fault_set(&a, 0, 1, -1);
	for (i = 0; i < 100; i++)
		n += fl_should_fail(&a);
	CHECK_EQ(n, 0);
	a.probability = 50;
	for (i = 0; i < 1000; i++)
		n += fl_should_fail(&a);
	CHECK(n > 400 && n < 600);
	CHECK_EQ(a.times, -1);			/* -1 is never used up */
}

/* __fl_buddy_alloc_at / __fl_buddy_move / __fl_buddy_next_block. */
TEST(compaction_primitives)
{
	struct fl_chunk c[2] = { { .start = 0, .nr_pages = 1024 },
				 { .start = 2048, .nr_pages = 100 } };
	struct fl_buddy_req req = { .order = 0, .mt = FL_MT_MOVABLE,
				    .owner_kind = FL_OWN_SLAB, .requested = 100,
				    .owner = 7 };
	struct fl_buddy_stats st;
	struct fl_page_info pi;
	struct fl_buddy *b;
	u64 pages = 0;
	u32 i, dst, n = 0;
	u8 *mem0 = calloc(1024, FL_PAGE_SIZE), *mem1 = calloc(100, FL_PAGE_SIZE);

	REQUIRE(mem0 && mem1);
	c[0].vaddr = mem0;
	c[1].vaddr = mem1;
	b = fl_buddy_create(c, 2, FL_MAX_ORDER, true);
	REQUIRE(b);
	fl_lock(__fl_buddy_lock(b));
	CHECK_EQ(__fl_buddy_alloc_at(b, 37, &req), 0);
	CHECK_EQ(__fl_buddy_alloc_at(b, 37, &req), -EBUSY);
	CHECK_EQ(__fl_buddy_alloc_at(b, 1500, &req), -EINVAL);	/* hole */
	CHECK_EQ(__fl_buddy_alloc_at(b, 5000, &req), -EINVAL);	/* range */
	req.order = 1;
	CHECK_EQ(__fl_buddy_alloc_at(b, 39, &req), -EINVAL);	/* misaligned */
	CHECK_EQ(__fl_buddy_alloc_at(b, 36, &req), -EBUSY);	/* overlaps 37 */
	req.order = 3;
	CHECK_EQ(__fl_buddy_alloc_at(b, 2096, &req), 0);
	CHECK_EQ(__fl_buddy_page_info(b, 37, &pi), 0);
	CHECK_EQ(pi.state, FL_PAGE_ALLOC_HEAD);
	CHECK_EQ(pi.owner_kind, FL_OWN_SLAB);
	CHECK_EQ(pi.owner, 7);
	CHECK_EQ(__fl_buddy_check(b, check_msg, sizeof(check_msg)), 0);

	memset(mem0 + 37 * FL_PAGE_SIZE, 0xab, FL_PAGE_SIZE);
	CHECK_EQ(__fl_buddy_move(b, 37, 900, &dst), 0);
	CHECK_EQ(dst, 900);
	CHECK_EQ(mem0[900 * FL_PAGE_SIZE + 123], 0xab);
	CHECK_EQ(__fl_buddy_page_info(b, 900, &pi), 0);
	CHECK_EQ(pi.owner, 7);
	CHECK_EQ(pi.requested, 100);
	CHECK_EQ(__fl_buddy_page_info(b, 37, &pi), 0);
	CHECK(pi.state == FL_PAGE_FREE_HEAD || pi.state == FL_PAGE_FREE_TAIL);
	CHECK_EQ(__fl_buddy_move(b, 37, FL_BUDDY_ANY, &dst), -EINVAL);
	CHECK_EQ(__fl_buddy_move(b, 900, 2096, &dst), -EBUSY);
	CHECK_EQ(__fl_buddy_move(b, 2096, FL_BUDDY_ANY, &dst), 0);
	CHECK_EQ(__fl_buddy_set_owner(b, 900, FL_OWN_POOL, 9), 0);
	CHECK_EQ(__fl_buddy_set_owner(b, 901, FL_OWN_POOL, 9), -EINVAL);

	/* the walk covers every page exactly once */
	for (i = __fl_buddy_next_block(b, 0, &pi); i != FL_BUDDY_NONE;
	     i = __fl_buddy_next_block(b, i + (1U << pi.order), &pi)) {
		CHECK_EQ(pi.head, i);
		pages += 1U << pi.order;
		n++;
	}
	CHECK_EQ(pages, 1124);
	CHECK_EQ(__fl_buddy_next_block(b, 1500, &pi), 2048);
	CHECK_EQ(__fl_buddy_next_block(b, 901, &pi), 901);	/* a head */
	CHECK_EQ(__fl_buddy_next_block(b, 3, &pi), 512);	/* tail of 0..511 */
	CHECK_EQ(pi.order, 8);				/* 512..767 */
	CHECK_EQ(__fl_buddy_next_block(b, 5000, &pi), FL_BUDDY_NONE);
	CHECK_EQ(__fl_buddy_check(b, check_msg, sizeof(check_msg)), 0);
	fl_unlock(__fl_buddy_lock(b));

	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.nr_allocated, 2);
	CHECK_EQ(st.alloc_ok[0], 1);		/* moves are not allocations */
	CHECK_EQ(st.alloc_ok[3], 1);
	CHECK_EQ(st.frees, 0);
	CHECK_EQ(st.requested_bytes, 100 + 100);
	CHECK_INV(b);
	fl_buddy_destroy(b);
	free(mem0);
	free(mem1);
}

/* A clean check leaves an empty message; msg may be NULL. */
TEST(check_message)
{
	struct fl_buddy *b = one_chunk(64, 6, true);
	struct fl_buddy_req req = { .order = 2, .mt = FL_MT_MOVABLE };
	u32 idx;

	REQUIRE(b);
	CHECK_EQ(fl_buddy_alloc(b, &req, &idx), 0);
	CHECK_EQ(fl_buddy_check(b, check_msg, sizeof(check_msg)), 0);
	CHECK_STR(check_msg, "");
	CHECK_EQ(fl_buddy_check(b, NULL, 0), 0);
	fl_buddy_destroy(b);
}

/* fl_check_fail(): -EUCLEAN, the first description kept, NULL allowed. */
TEST(check_fail_helper)
{
	char m[16] = "";

	CHECK_EQ(fl_check_fail(m, sizeof(m), "page %u: %s", 7U, "bad"), -EUCLEAN);
	CHECK_STR(m, "page 7: bad");
	CHECK_EQ(fl_check_fail(m, sizeof(m), "second %d", 2), -EUCLEAN);
	CHECK_STR(m, "page 7: bad");
	m[0] = '\0';
	CHECK_EQ(fl_check_fail(m, sizeof(m), "%s", "a much longer description"),
		 -EUCLEAN);
	CHECK_STR(m, "a much longer d");
	CHECK_EQ(fl_check_fail(NULL, 0, "nowhere %d", 1), -EUCLEAN);
	CHECK_EQ(fl_check_fail(m, 0, "nowhere %d", 1), -EUCLEAN);
}

struct paced_arg {
	struct fl_buddy *b;
	unsigned int pauses, mutations;
	u32 idx[8];
};

/*
 * Between two steps: allocate or free a block, the first 6 times (fewer
 * than the 8 walks the checker starts before it holds the lock).
 */
static void paced_mutate(void *p)
{
	struct paced_arg *a = p;
	unsigned int k = a->mutations;

	a->pauses++;
	if (k >= 6)
		return;
	if (k < 3)
		CHECK_EQ(alloc_order(a->b, k, FL_MT_MOVABLE, &a->idx[k]), 0);
	else
		CHECK_EQ(fl_buddy_free(a->b, a->idx[k - 3]), 0);
	a->mutations++;
}

/*
 * The paced checker over an allocator that changes between its steps:
 * every change starts the walk over (a walk that mixed two states would
 * count free and allocated pages of different moments), and once nothing
 * changes any more a whole walk runs and finds everything consistent.
 */
TEST(check_paced_restarts)
{
	struct fl_buddy *b = one_chunk(4096, 10, true);
	struct paced_arg a = { .b = NULL };
	unsigned int whole;
	u32 i, idx;

	REQUIRE(b);
	for (i = 0; i < 200; i++)		/* many blocks: many steps */
		CHECK_EQ(alloc_order(b, i % 3, FL_MT_MOVABLE, &idx), 0);
	a.b = b;
	CHECK_EQ(fl_buddy_check_paced(b, check_msg, sizeof(check_msg), 16,
				      paced_mutate, &a), 0);
	CHECK_STR(check_msg, "");
	CHECK_EQ(a.mutations, 6);
	/*
	 * The frees undid the allocations: a quiet walk over the same state
	 * pauses P times.  The mutating one paused once in each of the 6
	 * walks a change cut short, then P times in the whole walk.
	 */
	whole = a.pauses - 6;
	a.pauses = 0;
	a.mutations = 6;
	CHECK_EQ(fl_buddy_check_paced(b, NULL, 0, 16, paced_mutate, &a), 0);
	CHECK(a.pauses > 4096 / 1024);
	CHECK_EQ(a.pauses, whole);
	CHECK_EQ(fl_buddy_check_paced(b, NULL, 0, 0, NULL, NULL), 0);
	fl_buddy_destroy(b);
}

/* Between two steps, the first 3 times: move a block (compaction's path). */
static void paced_move(void *p)
{
	struct paced_arg *a = p;
	u32 dst;

	a->pauses++;
	if (a->mutations >= 3)
		return;
	fl_lock(__fl_buddy_lock(a->b));
	CHECK_EQ(__fl_buddy_move(a->b, a->idx[0], FL_BUDDY_ANY, &dst), 0);
	fl_unlock(__fl_buddy_lock(a->b));
	a->idx[0] = dst;
	a->mutations++;
}

/*
 * A move counts no allocation and no free: b->gen alone tells the paced
 * checker about it.  P pauses for a quiet walk, then 3 walks cut short by
 * a move each and one whole walk: P + 3.
 */
TEST(check_paced_restarts_on_move)
{
	struct fl_buddy *b = one_chunk(4096, 10, true);
	struct paced_arg a = { .b = NULL };
	unsigned int quiet;
	u32 i, idx;

	REQUIRE(b);
	for (i = 0; i < 200; i++)
		CHECK_EQ(alloc_order(b, i % 3, FL_MT_MOVABLE, &idx), 0);
	a.b = b;
	a.idx[0] = idx;
	a.mutations = 3;
	CHECK_EQ(fl_buddy_check_paced(b, NULL, 0, 16, paced_move, &a), 0);
	quiet = a.pauses;
	a.pauses = 0;
	a.mutations = 0;
	CHECK_EQ(fl_buddy_check_paced(b, check_msg, sizeof(check_msg), 16,
				      paced_move, &a), 0);
	CHECK_STR(check_msg, "");
	CHECK_EQ(a.mutations, 3);
	CHECK_EQ(a.pauses, quiet + 3);
	fl_buddy_destroy(b);
}

/* Between every two steps: one more allocation (an allocator never quiet). */
static void paced_always(void *p)
{
	struct paced_arg *a = p;
	u32 idx;

	a->pauses++;
	CHECK_EQ(alloc_order(a->b, 0, FL_MT_MOVABLE, &idx), 0);
}

/*
 * Changes after every step: the checker gives up after 8 walks, one step
 * each (never a whole walk under the lock), and says so.
 */
TEST(check_paced_gives_up)
{
	struct fl_buddy *b = one_chunk(4096, 10, true);
	struct paced_arg a = { .b = NULL };
	u32 i, idx;

	REQUIRE(b);
	for (i = 0; i < 200; i++)
		CHECK_EQ(alloc_order(b, i % 3, FL_MT_MOVABLE, &idx), 0);
	a.b = b;
	CHECK_EQ(fl_buddy_check_paced(b, check_msg, sizeof(check_msg), 16,
				      paced_always, &a), -EAGAIN);
	CHECK_EQ(a.pauses, 8);
	CHECK_STR(check_msg, "buddy changed during each of 8 walks: not verified, try again");
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

static void paced_count(void *p)
{
	(*(unsigned int *)p)++;
}

/*
 * A corrupt state (a free block on a list of another type than its
 * pageblock's, as fl_buddy_seed() leaves it) is found by the paced
 * checker as by the one-hold checker, with the same message, at the
 * step that reaches block 384: with steps of one page, after three.
 */
TEST(check_paced_finds_corruption)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	static const u8 pb[2] = { FL_MT_MOVABLE, FL_MT_MOVABLE };
	struct fl_seed_block bad[] = {
		{ .idx = 384, .order = 6, .mt = FL_MT_UNMOVABLE, .free = 1 },
		{ .idx = 256, .order = 6, .mt = FL_MT_MOVABLE, .free = 1 },
		{ .idx = 0, .order = 8, .mt = FL_MT_UNMOVABLE },
		{ .idx = 320, .order = 6, .mt = FL_MT_MOVABLE },
		{ .idx = 448, .order = 6, .mt = FL_MT_MOVABLE },
		{ .idx = 512, .order = 9, .mt = FL_MT_MOVABLE },
	};
	char whole[sizeof(check_msg)];
	unsigned int pauses = 0;

	REQUIRE(b);
	CHECK_EQ(fl_buddy_seed(b, pb, bad, 6, whole, sizeof(whole)), -EUCLEAN);
	CHECK_EQ(fl_buddy_check(b, whole, sizeof(whole)), -EUCLEAN);
	CHECK(whole[0] != '\0');
	CHECK_EQ(fl_buddy_check_paced(b, check_msg, sizeof(check_msg), 1,
				      paced_count, &pauses), -EUCLEAN);
	CHECK_STR(check_msg, whole);
	CHECK_EQ(pauses, 3);	/* blocks 0, 256, 320: one per step */
	fl_buddy_destroy(b);
}

/* ------------------------------------------------------------------ */
/* Randomized model test                                              */
/* ------------------------------------------------------------------ */


static unsigned long ops_from_env(unsigned long dflt)
{
	const char *s = getenv("FL_OPS");

	return s ? strtoul(s, NULL, 0) : dflt;
}

struct live {
	u32 idx;
	u32 order;
	u64 id;
};

struct model {
	struct fl_buddy *b;
	const struct fl_chunk *chunks;
	u32 nr_chunks;
	u32 nr_pages;
	u32 max_order;
	u64 *owner;		/* per page: live id, 0 free, ~0 hole */
	struct live *live;
	u32 nr_live;
	u64 free_pages;
	u64 next_id;
	bool pcp;		/* toggle the per-CPU lists now and then */
	unsigned long failures;	/* model mismatches (to stop early) */
};

#define HOLE_ID (~0ULL)

static void stamp(struct model *m, u32 idx, u32 order, u64 id)
{
	u32 i;

	for (i = 0; i < (1U << order); i++) {
		u64 *p = fl_buddy_page_addr(m->b, idx + i);

		if (!p) {
			m->failures++;
			FL_TEST_FAIL("no address for page %u", idx + i);
			return;
		}
		p[0] = id;
		p[FL_PAGE_SIZE / 8 - 1] = ~id;
	}
}

static void verify_stamp(struct model *m, u32 idx, u32 order, u64 id)
{
	u32 i;

	for (i = 0; i < (1U << order); i++) {
		u64 *p = fl_buddy_page_addr(m->b, idx + i);

		if (!p || p[0] != id || p[FL_PAGE_SIZE / 8 - 1] != ~id) {
			m->failures++;
			FL_TEST_FAIL("page %u of block %u (id %llu) overwritten",
				     idx + i, idx, (unsigned long long)id);
			return;
		}
	}
}

/* Is there an aligned, fully free run of 2^order pages? */
static bool model_has_free_block(struct model *m, u32 order)
{
	u32 n = 1U << order, i, j;

	for (i = 0; i + n <= m->nr_pages; i += n) {
		for (j = 0; j < n && m->owner[i + j] == 0; j++)
			;
		if (j == n)
			return true;
	}
	return false;
}

static void model_alloc(struct model *m, u32 order, u8 mt)
{
	struct fl_buddy_req req = { .order = order, .mt = mt,
				    .owner_kind = FL_OWN_USER };
	struct fl_buddy_stats st0, st1;
	u32 idx, i;
	int ret;

	req.requested = (u32)(FL_PAGE_SIZE << order) - (u32)(fl_test_rand() % (FL_PAGE_SIZE << order));
	req.owner = ++m->next_id;
	fl_buddy_get_stats(m->b, &st0);
	ret = fl_buddy_alloc(m->b, &req, &idx);
	if (ret) {
		bool frag;

		if (ret != -ENOMEM || model_has_free_block(m, order)) {
			m->failures++;
			FL_TEST_FAIL("alloc order %u: %d with a free block", order,
				     ret);
			return;
		}
		fl_buddy_get_stats(m->b, &st1);
		frag = m->free_pages >= (1ULL << order);
		if (st1.fail_fragmented != st0.fail_fragmented + frag ||
		    st1.fail_nomem != st0.fail_nomem + !frag) {
			m->failures++;
			FL_TEST_FAIL("failure of order %u misclassified", order);
		}
		return;
	}
	if (idx & ((1U << order) - 1) || idx + (1U << order) > m->nr_pages) {
		m->failures++;
		FL_TEST_FAIL("block %u order %u misaligned/out of range", idx, order);
		return;
	}
	for (i = 0; i < (1U << order); i++) {
		if (m->owner[idx + i]) {
			m->failures++;
			FL_TEST_FAIL("block %u order %u overlaps page %u (%llx)",
				     idx, order, idx + i,
				     (unsigned long long)m->owner[idx + i]);
			return;
		}
	}
	for (i = 0; i < (1U << order); i++)
		m->owner[idx + i] = req.owner;
	m->free_pages -= 1U << order;
	m->live[m->nr_live++] = (struct live){ idx, order, req.owner };
	stamp(m, idx, order, req.owner);
}

static void model_forget(struct model *m, u32 k)
{
	struct live *l = &m->live[k];
	u32 i;

	for (i = 0; i < (1U << l->order); i++)
		m->owner[l->idx + i] = 0;
	m->free_pages += 1U << l->order;
	m->live[k] = m->live[--m->nr_live];
}

static void model_free(struct model *m, u32 k)
{
	struct live *l = &m->live[k];
	int ret;

	verify_stamp(m, l->idx, l->order, l->id);
	ret = fl_buddy_free(m->b, l->idx);
	if (ret) {
		m->failures++;
		FL_TEST_FAIL("free %u: %d", l->idx, ret);
	}
	model_forget(m, k);
}

/* Compaction primitive: move a live block somewhere (ANY or a chosen spot). */
static void model_move(struct model *m, u32 k)
{
	struct live l = m->live[k];
	struct fl_page_info pi;
	u32 target = FL_BUDDY_ANY, dst, i;
	int ret;

	if (fl_test_rand() & 1) {
		/* pick a random free, aligned index from the model */
		u32 n = 1U << l.order, tries;

		for (tries = 0; tries < 8; tries++) {
			u32 t = (u32)(fl_test_rand() % m->nr_pages) & ~(n - 1);

			for (i = 0; i < n && t + i < m->nr_pages &&
			     m->owner[t + i] == 0; i++)
				;
			if (i == n) {
				target = t;
				break;
			}
		}
	}
	fl_lock(__fl_buddy_lock(m->b));
	if (target != FL_BUDDY_ANY)
		__fl_buddy_drain_pcp(m->b);	/* as compaction does */
	ret = __fl_buddy_move(m->b, l.idx, target, &dst);
	if (!ret)
		__fl_buddy_page_info(m->b, dst, &pi);
	fl_unlock(__fl_buddy_lock(m->b));
	if (ret == -ENOMEM && target == FL_BUDDY_ANY)
		return;
	if (ret || (target != FL_BUDDY_ANY && dst != target) ||
	    pi.state != FL_PAGE_ALLOC_HEAD || pi.order != l.order ||
	    pi.owner != l.id) {
		m->failures++;
		FL_TEST_FAIL("move %u -> %u: %d dst %u", l.idx, target, ret, dst);
		return;
	}
	for (i = 0; i < (1U << l.order); i++) {
		if (m->owner[dst + i]) {
			m->failures++;
			FL_TEST_FAIL("move target %u overlaps", dst);
			return;
		}
	}
	verify_stamp(m, dst, l.order, l.id);	/* contents were copied */
	model_forget(m, k);
	for (i = 0; i < (1U << l.order); i++)
		m->owner[dst + i] = l.id;
	m->free_pages -= 1U << l.order;
	m->live[m->nr_live++] = (struct live){ dst, l.order, l.id };
}

static void model_check_page(struct model *m)
{
	u32 idx = (u32)(fl_test_rand() % m->nr_pages);
	struct fl_page_info pi;
	u64 o = m->owner[idx];

	if (fl_buddy_page_info(m->b, idx, &pi)) {
		m->failures++;
		return;
	}
	if (o == HOLE_ID ? pi.state != FL_PAGE_HOLE :
	    o == 0 ? (pi.state != FL_PAGE_FREE_HEAD &&
		      pi.state != FL_PAGE_FREE_TAIL &&
		      /* parked on a per-CPU list: free to the model */
		      ((pi.state != FL_PAGE_ALLOC_HEAD &&
			pi.state != FL_PAGE_ALLOC_TAIL) ||
		       pi.owner_kind != FL_OWN_PCP || pi.owner)) :
	    (pi.owner != o || (pi.state != FL_PAGE_ALLOC_HEAD &&
			       pi.state != FL_PAGE_ALLOC_TAIL))) {
		m->failures++;
		FL_TEST_FAIL("page %u: state %u owner %llu, model %llx", idx,
			     pi.state, (unsigned long long)pi.owner,
			     (unsigned long long)o);
	}
}

static u32 random_order(u32 max_order)
{
	/* mostly small orders, sometimes big ones */
	u32 o = 0;

	while (o < max_order && (fl_test_rand() & 3) != 0)
		o += (fl_test_rand() & 1);
	if ((fl_test_rand() & 63) == 0)
		o = (u32)(fl_test_rand() % (max_order + 1));
	return o;
}

static void run_model(const struct fl_chunk *tmpl, u32 nr_chunks, u32 max_order,
		      unsigned long nr_ops, unsigned long full_checks,
		      unsigned long check_every, bool pcp)
{
	struct fl_chunk chunks[8];
	struct model m = { 0 };
	struct fl_buddy_stats st;
	unsigned long op;
	u32 c, i;

	memcpy(chunks, tmpl, sizeof(*tmpl) * nr_chunks);
	for (c = 0; c < nr_chunks; c++) {
		chunks[c].vaddr = malloc((size_t)chunks[c].nr_pages * FL_PAGE_SIZE);
		REQUIRE(chunks[c].vaddr);
	}
	m.chunks = chunks;
	m.nr_chunks = nr_chunks;
	m.max_order = max_order;
	m.b = fl_buddy_create(chunks, nr_chunks, max_order, true);
	REQUIRE(m.b);
	m.pcp = pcp;
	if (pcp)
		REQUIRE(!fl_buddy_set_pcp(m.b, 64));
	m.nr_pages = fl_buddy_nr_pages(m.b);
	m.owner = calloc(m.nr_pages, sizeof(*m.owner));
	m.live = calloc(m.nr_pages, sizeof(*m.live));
	REQUIRE(m.owner && m.live);
	for (i = 0; i < m.nr_pages; i++)
		m.owner[i] = HOLE_ID;
	for (c = 0; c < nr_chunks; c++) {
		for (i = 0; i < chunks[c].nr_pages; i++)
			m.owner[chunks[c].start + i] = 0;
		m.free_pages += chunks[c].nr_pages;
	}

	for (op = 0; op < nr_ops && !m.failures; op++) {
		u64 r = fl_test_rand() % 1000;
		/* frees win when less than 5% of the arena is free */
		if (r < 3) {
			fl_buddy_set_grouping(m.b, !fl_buddy_grouping(m.b));
		} else if (r < 5 && m.pcp) {
			static const u32 highs[] = { 0, 1, 6, 64, 1000 };

			REQUIRE(!fl_buddy_set_pcp(m.b, highs[fl_test_rand() % 5]));
		} else if (r < 20 && m.nr_live) {
			model_move(&m, (u32)(fl_test_rand() % m.nr_live));
		} else if (r < 40) {
			model_check_page(&m);
		} else if (m.nr_live && (r < 500 ||
			   m.free_pages * 20 < fl_buddy_nr_pages(m.b))) {
			model_free(&m, (u32)(fl_test_rand() % m.nr_live));
		} else {
			model_alloc(&m, random_order(max_order),
				    (u8)(fl_test_rand() % FL_MT_TYPES));
		}
		if (op < full_checks || op % check_every == 0) {
			int ret = fl_buddy_check(m.b, check_msg,
						 sizeof(check_msg));

			if (ret) {
				m.failures++;
				FL_TEST_FAIL("op %lu: check: %s", op, check_msg);
			}
			fl_buddy_get_stats(m.b, &st);
			if (st.free_pages + st.pcp_pages != m.free_pages ||
			    st.nr_allocated != m.nr_live) {
				m.failures++;
				FL_TEST_FAIL("op %lu: free %llu+%llu/%llu live %llu/%u",
					     op, (unsigned long long)st.free_pages,
					     (unsigned long long)st.pcp_pages,
					     (unsigned long long)m.free_pages,
					     (unsigned long long)st.nr_allocated,
					     m.nr_live);
			}
		}
	}
	while (m.nr_live && !m.failures)
		model_free(&m, m.nr_live - 1);
	CHECK_INV(m.b);
	fl_buddy_drain_pcp(m.b);
	CHECK_INV(m.b);
	fl_buddy_get_stats(m.b, &st);
	CHECK_EQ(st.free_pages, st.total_pages);
	CHECK_EQ(st.requested_bytes, 0);
	printf("  model: max_order %u, %lu ops, %llu allocs, %llu fails (%llu fragmented), "
	       "%llu fallbacks, %llu steals\n", max_order, op,
	       (unsigned long long)(st.alloc_ok[0] + st.alloc_ok[1] + st.alloc_ok[2] +
				    st.alloc_ok[3] + st.alloc_ok[4] + st.alloc_ok[5] +
				    st.alloc_ok[6] + st.alloc_ok[7] + st.alloc_ok[8] +
				    st.alloc_ok[9] + st.alloc_ok[10]),
	       (unsigned long long)(st.fail_fragmented + st.fail_nomem),
	       (unsigned long long)st.fail_fragmented,
	       (unsigned long long)st.fallbacks, (unsigned long long)st.steals);
	fl_buddy_destroy(m.b);
	free(m.owner);
	free(m.live);
	for (c = 0; c < nr_chunks; c++)
		free(chunks[c].vaddr);
}

/*
 * Three chunks with odd sizes and holes between them.  fl_buddy_check()
 * after every one of the first 100k operations, then every 1000th; the
 * model (page owner map + live list + data stamps) after every operation.
 */
static const struct fl_chunk model_chunks[] = {
	{ .start = 0, .nr_pages = 1324 },
	{ .start = 2048, .nr_pages = 1 },
	{ .start = 3072, .nr_pages = 777 },
	{ .start = 4096, .nr_pages = 1024 },
};

TEST(random_model)
{
	fl_test_seed(0x5eed5eedULL);
	printf("  FL_SEED=0x%llx\n", (unsigned long long)fl_test_rng_state);
	run_model(model_chunks, 4, FL_MAX_ORDER, ops_from_env(2000000), 100000, 1000,
		  false);
	run_model(model_chunks, 4, 6, ops_from_env(2000000) / 4, 20000, 1000, false);
}

/*
 * The same model with the per-CPU lists on (high 64) and resized, turned
 * off and on again now and then: parked pages count as free to the model
 * (free_pages + pcp_pages), never as anybody's, and an allocation may
 * only fail when no aligned free run exists, parked pages included.
 */
TEST(random_model_pcp)
{
	fl_test_seed(0x9c9c5eedULL);
	printf("  FL_SEED=0x%llx\n", (unsigned long long)fl_test_rng_state);
	run_model(model_chunks, 4, FL_MAX_ORDER, ops_from_env(2000000) / 2, 50000,
		  1000, true);
	run_model(model_chunks, 4, 3, ops_from_env(2000000) / 8, 20000, 1000, true);
}

static void pcp_stats(struct fl_buddy *b, struct fl_buddy_stats *st,
		      struct fl_pcp_info *pi)
{
	fl_buddy_get_stats(b, st);
	REQUIRE(!fl_buddy_pcp_info(b, fl_cpu_id(), pi));
}

/* Per-CPU lists: refill, hot reuse without split or merge, high, drain. */
TEST(pcp_lists)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	struct fl_pcp_info pi;
	struct fl_page_info info;
	u32 idx, again, i, live[8];

	REQUIRE(b);
	CHECK_EQ(fl_buddy_pcp_info(b, 0, &pi), -ENOENT);
	CHECK_EQ(fl_buddy_set_pcp(b, FL_PCP_HIGH_MAX + 1), -EINVAL);
	REQUIRE(!fl_buddy_set_pcp(b, 8));		/* batch 2 */
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.pcp_high, 8);
	CHECK_EQ(st.pcp_batch, 2);
	CHECK_EQ(fl_buddy_pcp_info(b, fl_nr_cpus(), &pi), -ENOENT);

	/* the refill takes two order-0 blocks: one handed out, one parked */
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.splits, 10);
	CHECK_EQ(st.pcp_pages, 1);
	CHECK_EQ(st.free_pages, 1022);
	CHECK_EQ(st.nr_allocated, 1);
	CHECK_EQ(pi.count, 1);
	CHECK_EQ(pi.nr[0][FL_MT_MOVABLE], 1);
	CHECK_INV(b);

	/* a free parks: no merge, not free, not allocated */
	CHECK_EQ(fl_buddy_free(b, idx), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.merges, 0);
	CHECK_EQ(st.pcp_pages, 2);
	CHECK_EQ(st.free_pages, 1022);
	CHECK_EQ(st.nr_allocated, 0);
	CHECK_EQ(st.granted_bytes, 0);
	CHECK_EQ(fl_buddy_page_info(b, idx, &info), 0);
	CHECK_EQ(info.state, FL_PAGE_ALLOC_HEAD);
	CHECK_EQ(info.owner_kind, FL_OWN_PCP);
	CHECK_INV(b);
	/* a parked block is nobody's: free, move and set_owner refuse it */
	CHECK_EQ(fl_buddy_free(b, idx), -EINVAL);
	fl_lock(__fl_buddy_lock(b));
	CHECK_EQ(__fl_buddy_move(b, idx, FL_BUDDY_ANY, &again), -EINVAL);
	CHECK_EQ(__fl_buddy_set_owner(b, idx, FL_OWN_USER, 1), -EINVAL);
	fl_unlock(__fl_buddy_lock(b));

	/* the hot pair: the last freed block comes back, nothing splits */
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &again), 0);
	CHECK_EQ(again, idx);
	CHECK_EQ(fl_buddy_free(b, again), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.splits, 10);
	CHECK_EQ(st.merges, 0);
	CHECK_EQ(st.alloc_ok[0], 2);
	CHECK_EQ(st.frees, 2);

	/* high: a CPU never keeps 8 pages; batch (2) goes back each time */
	for (i = 0; i < 8; i++)
		CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &live[i]), 0);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(fl_buddy_free(b, live[i]), 0);
		pcp_stats(b, &st, &pi);
		CHECK(pi.count < 8);
		CHECK_INV(b);
	}
	CHECK(st.merges > 0);

	/* drain: everything merges back into one order-10 block */
	fl_buddy_drain_pcp(b);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_EQ(pi.count, 0);
	CHECK_EQ(st.free_pages, 1024);
	CHECK_EQ(st.nr_free[FL_MAX_ORDER], 1);
	CHECK_INV(b);

	/* off: a free merges at once again */
	REQUIRE(!fl_buddy_set_pcp(b, 0));
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	CHECK_EQ(fl_buddy_free(b, idx), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_EQ(st.nr_free[FL_MAX_ORDER], 1);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/* Parked pages never make an allocation fail: it drains and retries. */
TEST(pcp_drain_on_failure)
{
	struct fl_buddy *b = one_chunk(16, 4, true);
	struct fl_buddy_stats st;
	u32 idx[16], big, i;

	REQUIRE(b);
	REQUIRE(!fl_buddy_set_pcp(b, 16));		/* batch 4 */
	for (i = 0; i < 16; i++)
		CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx[i]), 0);
	for (i = 0; i < 16; i++)
		CHECK_EQ(fl_buddy_free(b, idx[i]), 0);
	fl_buddy_get_stats(b, &st);
	CHECK(st.pcp_pages > 0);
	CHECK(st.nr_free[4] == 0);
	CHECK_INV(b);
	/* order 4 needs every page: the parked ones must come back */
	CHECK_EQ(alloc_order(b, 4, FL_MT_MOVABLE, &big), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_EQ(st.alloc_fail[4], 0);
	CHECK_INV(b);
	CHECK_EQ(fl_buddy_free(b, big), 0);
	/* and a real failure is still classified after the drain */
	for (i = 0; i < 16; i++)
		CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx[i]), 0);
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &big), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_nomem, 1);
	for (i = 1; i < 16; i += 2)
		CHECK_EQ(fl_buddy_free(b, idx[i]), 0);
	CHECK_EQ(alloc_order(b, 1, FL_MT_MOVABLE, &big), -ENOMEM);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fail_fragmented, 1);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * Free placement, 6.12 mm/page_alloc.c __free_one_page(): after merging,
 * the block goes to the tail of its list when buddy_merge_likely(): the
 * order is below MAX_PAGE_ORDER - 1 and the buddy of the block one order
 * up, (pfn & ~(1 << order)) ^ (1 << (order + 1)), is free at order + 1.
 * Otherwise to the head.  Allocations take the head.
 *
 * 64 pages, max_order 6: allocating order 0, 0, 1, 0, 0, 0, 0 from the
 * fresh block hands out 0, 1, [2,3], 4, 5, 6, 7 (lowest first: expand()
 * keeps the lower half).  Then:
 *   free 6, 7: merge into order 1 at 6 (its buddy 4 is allocated);
 *   free 0:    order 0 at 0; higher buddy (0 & ~1) ^ 2 = 2 is allocated:
 *              head, list = [0];
 *   free 4:    order 0 at 4; higher buddy (4 & ~1) ^ 2 = 6 is free at
 *              order 1: tail, list = [0, 4].
 * The next order-0 allocation gets 0 (head insertion would have given 4).
 */
TEST(free_to_tail_buddy_merge_likely)
{
	static const u32 order[] = { 0, 0, 1, 0, 0, 0, 0 };
	static const u32 want[] = { 0, 1, 2, 4, 5, 6, 7 };
	struct fl_buddy *b = one_chunk(64, 6, true);
	u32 i, idx;

	REQUIRE(b);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		CHECK_EQ(must_alloc(b, order[i], FL_MT_MOVABLE), want[i]);
	CHECK_EQ(fl_buddy_free(b, 6), 0);
	CHECK_EQ(fl_buddy_free(b, 7), 0);
	CHECK_EQ(fl_buddy_free(b, 0), 0);
	CHECK_EQ(fl_buddy_free(b, 4), 0);
	CHECK_INV(b);
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	CHECK_EQ(idx, 0);
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	CHECK_EQ(idx, 4);
	/* order 1 now: [6] only, so 6 */
	CHECK_EQ(alloc_order(b, 1, FL_MT_MOVABLE, &idx), 0);
	CHECK_EQ(idx, 6);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * 6.12 mm/page_alloc.c nr_pcp_alloc(), with pcp->high_min == high_max
 * (fraglab's fixed high: the autotuning step is a no-op), as a reference
 * to compare with.  6.1 (rmqueue_pcplist()) has no alloc_factor.
 */
static int ref_nr_pcp_alloc(int high, int base_batch, int count, int order,
			    int *alloc_factor)
{
	int batch, max_nr_alloc;

	if (high < base_batch)
		return 1;
	if (order)
		batch = base_batch;
	else
		batch = base_batch << *alloc_factor;
	if (!order) {
		max_nr_alloc = high - count - base_batch;
		if (max_nr_alloc < base_batch)
			max_nr_alloc = base_batch;
		if (batch <= max_nr_alloc && *alloc_factor < 5)	/* CONFIG_PCP_BATCH_SCALE_MAX */
			(*alloc_factor)++;
		if (batch > max_nr_alloc)
			batch = max_nr_alloc;
	}
	if (batch > 1)
		batch = batch >> order > 2 ? batch >> order : 2;
	return batch;
}

/*
 * Refill sizes: every time this CPU's order-0 list runs empty the refill
 * takes nr_pcp_alloc() blocks (one handed out, the rest parked), growing
 * while refills follow refills and halved by a free
 * (free_unref_page_commit(): alloc_factor >>= 1).  Order 3 with batch 2
 * takes max(2 >> 3, 2) = 2 blocks.
 */
TEST(pcp_refill_nr_pcp_alloc)
{
	struct fl_buddy *b = one_chunk(4096, FL_MAX_ORDER, true);
	struct fl_buddy_stats st;
	struct fl_pcp_info pi;
	int factor = 0, n, round;
	u32 idx, i, last = 0;

	REQUIRE(b);
	REQUIRE(!fl_buddy_set_pcp(b, 512));
	pcp_stats(b, &st, &pi);
	for (round = 0; round < 5; round++) {
		n = ref_nr_pcp_alloc(st.pcp_high, st.pcp_batch, 0, 0, &factor);
		CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &last), 0);
		pcp_stats(b, &st, &pi);
		CHECK_EQ(pi.count, (u32)n - 1);
		for (i = 1; i < (u32)n; i++)
			CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
		pcp_stats(b, &st, &pi);
		CHECK_EQ(pi.count, 0);
	}
	/* a free halves the factor; its page is handed out next */
	CHECK_EQ(fl_buddy_free(b, last), 0);
	factor >>= 1;
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	CHECK_EQ(idx, last);
	n = ref_nr_pcp_alloc(st.pcp_high, st.pcp_batch, 0, 0, &factor);
	CHECK_EQ(alloc_order(b, 0, FL_MT_MOVABLE, &idx), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(pi.count, (u32)n - 1);
	CHECK_INV(b);

	REQUIRE(!fl_buddy_set_pcp(b, 8));
	pcp_stats(b, &st, &pi);
	factor = 0;
	n = ref_nr_pcp_alloc(st.pcp_high, st.pcp_batch, 0, 3, &factor);
	CHECK_EQ(alloc_order(b, 3, FL_MT_MOVABLE, &idx), 0);
	pcp_stats(b, &st, &pi);
	CHECK_EQ(pi.count, (u32)(n - 1) << 3);
	CHECK_EQ(pi.nr[3][FL_MT_MOVABLE], (u32)n - 1);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * The claim test counts a block parked on a per-CPU list as neither free
 * nor movable: 6.12 prep_move_freepages_block() counts PageBuddy pages as
 * free and PageLRU/__PageMovable pages as movable, and a pcp page is
 * neither.  try_to_steal_block() for an UNMOVABLE request in a MOVABLE
 * pageblock: alike = pageblock_nr_pages - (free + movable), claim if
 * free + alike >= pageblock_nr_pages / 2.
 *
 * One pageblock: 300 order-0 MOVABLE pages allocated (0..299), then 100
 * of them freed onto the per-CPU lists: 200 movable, 100 parked, 212
 * free.  An order-4 UNMOVABLE allocation (not a pcp order) falls back.
 */
TEST(pcp_parked_counts_as_neither_in_claim)
{
	struct fl_buddy *b = one_chunk(512, FL_PAGEBLOCK_ORDER, true);
	struct fl_buddy_stats st;
	u32 i, idx, nr_free, movable, alike;
	bool claim;

	REQUIRE(b);
	for (i = 0; i < 300; i++)
		CHECK_EQ(must_alloc(b, 0, FL_MT_MOVABLE), i);
	REQUIRE(!fl_buddy_set_pcp(b, 400));
	for (i = 0; i < 100; i++)
		CHECK_EQ(fl_buddy_free(b, i), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.pcp_pages, 100);
	nr_free = (u32)st.free_pages;
	CHECK_EQ(nr_free, 212);
	movable = 200;
	alike = FL_PAGEBLOCK_PAGES - (nr_free + movable);
	claim = nr_free + alike >= FL_PAGEBLOCK_PAGES / 2;
	CHECK(claim);	/* 212 + 100 >= 256; with parked as movable: 212 */
	CHECK_EQ(alloc_order(b, 4, FL_MT_UNMOVABLE, &idx), 0);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.steals, claim ? 1 : 0);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0),
		 claim ? FL_MT_UNMOVABLE : FL_MT_MOVABLE);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

/*
 * fl_buddy_seed() keeps the given list order and refuses bad states; a
 * claim then takes the lowest of the claimed pageblock's free blocks:
 * __move_freepages_block() moves them with move_to_free_list(), i.e.
 * list_move_tail() (mm/page_alloc.c, 6.1 and 6.12), in pfn order, and
 * __rmqueue_smallest() takes the new list's head.
 */
TEST(seed_state_and_claim_order)
{
	struct fl_buddy *b = one_chunk(1024, FL_MAX_ORDER, true);
	static const u8 pb[2] = { FL_MT_MOVABLE, FL_MT_MOVABLE };
	/* pageblock 0: 256 unmovable, two free order-6 blocks (list order
	 * 384 first), two movable order-6; pageblock 1: one movable block
	 */
	struct fl_seed_block blk[] = {
		{ .idx = 384, .order = 6, .mt = FL_MT_MOVABLE, .free = 1 },
		{ .idx = 256, .order = 6, .mt = FL_MT_MOVABLE, .free = 1 },
		{ .idx = 0, .order = 8, .mt = FL_MT_UNMOVABLE },
		{ .idx = 320, .order = 6, .mt = FL_MT_MOVABLE },
		{ .idx = 448, .order = 6, .mt = FL_MT_MOVABLE },
		{ .idx = 512, .order = 9, .mt = FL_MT_MOVABLE },
	};
	struct fl_seed_block bad[6];
	struct fl_buddy_stats st;
	u32 list[4];

	REQUIRE(b);
	/* overlap, a page left out: refused, nothing changed */
	memcpy(bad, blk, sizeof(blk));
	bad[3].idx = 256;
	CHECK_EQ(fl_buddy_seed(b, pb, bad, 6, check_msg, sizeof(check_msg)), -EINVAL);
	CHECK_EQ(fl_buddy_seed(b, pb, blk, 5, check_msg, sizeof(check_msg)), -EINVAL);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.free_pages, 1024);
	/* a free block on a list other than its pageblock's: not fraglab's */
	memcpy(bad, blk, sizeof(blk));
	bad[0].mt = FL_MT_UNMOVABLE;
	CHECK_EQ(fl_buddy_seed(b, pb, bad, 6, check_msg, sizeof(check_msg)), -EUCLEAN);

	CHECK_EQ(fl_buddy_seed(b, pb, blk, 6, check_msg, sizeof(check_msg)), 0);
	CHECK_INV(b);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.free_pages, 128);
	CHECK_EQ(st.nr_allocated, 4);
	CHECK_EQ(fl_buddy_free_list(b, 6, FL_MT_MOVABLE, list, 4), 2);
	CHECK_EQ(list[0], 384);
	CHECK_EQ(list[1], 256);

	/* free 128 + alike 512 - (128 + 128 movable) >= 256: claimed; the
	 * kernel's lists are then 256, 384 and the head is split
	 */
	CHECK_EQ(must_alloc(b, 0, FL_MT_UNMOVABLE), 256);
	CHECK_EQ(fl_buddy_pageblock_mt(b, 0), FL_MT_UNMOVABLE);
	CHECK_EQ(fl_buddy_free_list(b, 6, FL_MT_UNMOVABLE, list, 4), 1);
	CHECK_EQ(list[0], 384);
	fl_buddy_get_stats(b, &st);
	CHECK_EQ(st.fallbacks, 1);
	CHECK_EQ(st.steals, 1);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}
