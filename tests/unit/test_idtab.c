// SPDX-License-Identifier: GPL-2.0
/*
 * test_idtab.c - directed and randomized tests of module/core/fl_idtab.c,
 * the ids behind every handle userspace holds.
 *
 * The model: the set of live (id, object) pairs and every id ever retired.
 * After each random insert or remove, every live id looks up its object,
 * and retired ids look up nothing (until their slot's generation wraps,
 * which the reuse-distance test shows takes at least 2^28 insertions).
 */
#include "fl_test.h"
#include "fl_idtab.h"

/* Distinct non-NULL "objects" without allocating any. */
static char objs[1 << 16];

TEST(idtab_basic)
{
	struct fl_idtab t;
	u64 a, b;

	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	CHECK_EQ(fl_idtab_count(&t), 0);
	CHECK(fl_idtab_lookup(&t, 0) == NULL);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[1], &a), 0);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[2], &b), 0);
	CHECK(a != 0 && b != 0 && a != b);
	CHECK(a >> FL_IDTAB_ID_BITS == 0 && b >> FL_IDTAB_ID_BITS == 0);
	CHECK(fl_idtab_lookup(&t, a) == &objs[1]);
	CHECK(fl_idtab_lookup(&t, b) == &objs[2]);
	CHECK_EQ(fl_idtab_count(&t), 2);

	/* a retired id names nothing, now and after its slot is reused */
	CHECK(fl_idtab_remove(&t, a) == &objs[1]);
	CHECK(fl_idtab_lookup(&t, a) == NULL);
	CHECK(fl_idtab_remove(&t, a) == NULL);
	CHECK_EQ(fl_idtab_count(&t), 1);

	/* made-up ids: slot 0, slots beyond the table, bits above 40 */
	CHECK(fl_idtab_lookup(&t, 0) == NULL);
	CHECK(fl_idtab_lookup(&t, FL_IDTAB_MAX_SLOTS - 1) == NULL);
	CHECK(fl_idtab_lookup(&t, b | (1ULL << FL_IDTAB_ID_BITS)) == NULL);
	CHECK(fl_idtab_lookup(&t, ~0ULL) == NULL);
	CHECK(fl_idtab_lookup(&t, b + (1ULL << FL_IDTAB_SLOT_BITS)) == NULL);
	CHECK(fl_idtab_remove(&t, ~0ULL) == NULL);
	CHECK_EQ(fl_idtab_count(&t), 1);
	fl_idtab_destroy(&t);
}

TEST(idtab_bad_limit)
{
	struct fl_idtab t;

	CHECK_EQ(fl_idtab_init(&t, 0, false, 0), -EINVAL);
	CHECK_EQ(fl_idtab_init(&t, 1, false, 0), -EINVAL);
	CHECK_EQ(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS + 1, false, 0), -EINVAL);
	fl_idtab_destroy(&t);	/* zeroed by the failed init: a no-op */
}

/* A table at its limit and full is -EBUSY; one free makes room again. */
TEST(idtab_limit_busy)
{
	struct fl_idtab t;
	u64 ids[16], extra;
	int i;

	REQUIRE(fl_idtab_init(&t, 16, false, 0) == 0);
	for (i = 0; i < 15; i++)
		REQUIRE(fl_idtab_alloc(&t, &objs[i + 1], &ids[i]) == 0);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[99], &extra), -EBUSY);
	CHECK_EQ(fl_idtab_count(&t), 15);
	CHECK(fl_idtab_remove(&t, ids[7]) == &objs[8]);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[99], &extra), 0);
	CHECK(extra != ids[7]);		/* same slot, new generation */
	CHECK((extra & (FL_IDTAB_MAX_SLOTS - 1)) == (ids[7] & (FL_IDTAB_MAX_SLOTS - 1)));
	CHECK(fl_idtab_lookup(&t, ids[7]) == NULL);
	CHECK(fl_idtab_lookup(&t, extra) == &objs[99]);
	fl_idtab_destroy(&t);
}

/* Growth keeps every live id; a failed growth with a free slot left is not an error. */
TEST(idtab_growth)
{
	struct fl_idtab t;
	static u64 ids[20000];
	u32 n = 20000, i, pos = 0, seen = 0;
	u64 id;
	void *o;

	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	CHECK_EQ(t.cap, 0);
	for (i = 0; i < n; i++)
		REQUIRE(fl_idtab_alloc(&t, &objs[i + 1], &ids[i]) == 0);
	CHECK(t.cap >= 2 * n);
	CHECK(t.nr_free >= t.cap / 2 - 1);
	for (i = 0; i < n; i++)
		CHECK(fl_idtab_lookup(&t, ids[i]) == &objs[i + 1]);
	while ((o = fl_idtab_next(&t, &pos, &id))) {
		CHECK(fl_idtab_lookup(&t, id) == o);
		seen++;
	}
	CHECK_EQ(seen, n);

	/* growth due, but it fails: the free slots still serve */
	while (t.nr_free >= t.cap / 2)
		REQUIRE(fl_idtab_alloc(&t, &objs[1], &id) == 0);
	fl_fail_after(0);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[2], &id), 0);
	CHECK(fl_idtab_lookup(&t, id) == &objs[2]);
	fl_fail_reset();
	fl_idtab_destroy(&t);
}

/*
 * A table allocates nothing until its first id (an open that allocates
 * nothing costs nothing): lookups, walks and removals of an empty table
 * touch no slot array; the first insertion allocates FL_IDTAB_MIN_SLOTS,
 * and a failure there is -ENOMEM with the table still empty.
 */
TEST(idtab_lazy)
{
	struct fl_idtab t;
	u32 pos = 0;
	u64 id;

	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	CHECK(t.slot == NULL && t.cap == 0 && t.nr_free == 0);
	CHECK(fl_idtab_lookup(&t, 1) == NULL);
	CHECK(fl_idtab_lookup(&t, ~0ULL) == NULL);
	CHECK(fl_idtab_remove(&t, 1) == NULL);
	CHECK(fl_idtab_next(&t, &pos, &id) == NULL);
	fl_fail_after(0);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[1], &id), -ENOMEM);
	CHECK(t.slot == NULL && t.cap == 0 && fl_idtab_count(&t) == 0);
	fl_fail_reset();
	CHECK_EQ(fl_idtab_alloc(&t, &objs[1], &id), 0);
	CHECK_EQ(t.cap, FL_IDTAB_MIN_SLOTS);
	CHECK(fl_idtab_lookup(&t, id) == &objs[1]);
	fl_idtab_destroy(&t);
	CHECK(t.slot == NULL && t.cap == 0);

	/* a small limit caps the first allocation too */
	REQUIRE(fl_idtab_init(&t, 16, false, 0) == 0);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[1], &id), 0);
	CHECK_EQ(t.cap, 16);
	fl_idtab_destroy(&t);
}

/*
 * @account: every slot array (the first one and each doubling) comes from
 * fl_zalloc_account(), which the module charges to the caller's memcg;
 * without it, none does.
 */
TEST(idtab_account)
{
	struct fl_idtab t;
	unsigned long before;
	u32 i, grows = 0, cap = 0;
	u64 id;

	before = fl_zalloc_account_calls;
	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, true, 0) == 0);
	CHECK_EQ(fl_zalloc_account_calls, before);	/* nothing yet */
	for (i = 0; i < 3 * FL_IDTAB_MIN_SLOTS; i++) {
		REQUIRE(fl_idtab_alloc(&t, &objs[1 + i % 1000], &id) == 0);
		if (t.cap != cap) {
			grows++;
			cap = t.cap;
		}
	}
	CHECK(grows >= 3);	/* 8192, 16384, 32768, ... */
	CHECK_EQ(fl_zalloc_account_calls - before, grows);
	fl_idtab_destroy(&t);

	before = fl_zalloc_account_calls;
	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	for (i = 0; i < 3 * FL_IDTAB_MIN_SLOTS; i++)
		REQUIRE(fl_idtab_alloc(&t, &objs[1 + i % 1000], &id) == 0);
	CHECK_EQ(fl_zalloc_account_calls, before);
	fl_idtab_destroy(&t);
}

/*
 * @first_gen: fresh slots start at that generation (low 16 bits), so two
 * tables with different ones give different ids for the same slot; the
 * generation still wraps within 16 bits.
 */
TEST(idtab_first_gen)
{
	struct fl_idtab a, b;
	u64 ida, idb, id2;

	REQUIRE(fl_idtab_init(&a, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	REQUIRE(fl_idtab_init(&b, FL_IDTAB_MAX_SLOTS, false, 0x1fffe) == 0);
	REQUIRE(fl_idtab_alloc(&a, &objs[1], &ida) == 0);
	REQUIRE(fl_idtab_alloc(&b, &objs[1], &idb) == 0);
	CHECK_EQ(ida & (FL_IDTAB_MAX_SLOTS - 1), idb & (FL_IDTAB_MAX_SLOTS - 1));
	CHECK_EQ(ida >> FL_IDTAB_SLOT_BITS, 0);
	CHECK_EQ(idb >> FL_IDTAB_SLOT_BITS, 0xfffe);
	CHECK(fl_idtab_lookup(&a, idb) == NULL);
	CHECK(fl_idtab_lookup(&b, ida) == NULL);
	CHECK(fl_idtab_lookup(&b, idb) == &objs[1]);
	/* wraps: 0xfffe -> 0xffff -> 0 */
	b.slot[idb & (FL_IDTAB_MAX_SLOTS - 1)].gen = 0xffff;
	b.slot[idb & (FL_IDTAB_MAX_SLOTS - 1)].obj = &objs[2];
	id2 = (0xffffULL << FL_IDTAB_SLOT_BITS) | (idb & (FL_IDTAB_MAX_SLOTS - 1));
	CHECK(fl_idtab_remove(&b, id2) == &objs[2]);
	CHECK_EQ(b.slot[idb & (FL_IDTAB_MAX_SLOTS - 1)].gen, 0);
	fl_idtab_destroy(&a);
	fl_idtab_destroy(&b);
}

/* Growth failing with no free slot left is -ENOMEM, and nothing changes. */
TEST(idtab_growth_enomem)
{
	struct fl_idtab t;
	u64 id, first;
	u32 live;

	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	REQUIRE(fl_idtab_alloc(&t, &objs[1], &first) == 0);
	fl_fail_after(0);
	while (t.nr_free)
		REQUIRE(fl_idtab_alloc(&t, &objs[2], &id) == 0);
	live = fl_idtab_count(&t);
	CHECK_EQ(fl_idtab_alloc(&t, &objs[3], &id), -ENOMEM);
	CHECK_EQ(fl_idtab_count(&t), live);
	fl_fail_reset();
	CHECK_EQ(fl_idtab_alloc(&t, &objs[3], &id), 0);
	CHECK(fl_idtab_lookup(&t, first) == &objs[1]);
	fl_idtab_destroy(&t);
}

/*
 * The stale-id guarantee: with a small working set a slot is reused only
 * after at least FL_IDTAB_MIN_SLOTS / 2 other insertions, so an id comes
 * back after no fewer than 2^(16 + 12) = 2^28 insertions.
 */
TEST(idtab_reuse_distance)
{
	struct fl_idtab t;
	static u64 last_use[FL_IDTAB_MIN_SLOTS * 2];
	u64 id, n, min_gap = ~0ULL;
	u64 live[64] = { 0 };
	u32 s;
	int i;

	REQUIRE(fl_idtab_init(&t, FL_IDTAB_MAX_SLOTS, false, 0) == 0);
	for (n = 1; n <= 200000; n++) {
		i = n % 64;
		if (live[i])
			REQUIRE(fl_idtab_remove(&t, live[i]) != NULL);
		REQUIRE(fl_idtab_alloc(&t, &objs[i + 1], &id) == 0);
		live[i] = id;
		s = id & (FL_IDTAB_MAX_SLOTS - 1);
		REQUIRE(s < FL_IDTAB_MIN_SLOTS * 2);
		if (last_use[s] && n - last_use[s] < min_gap)
			min_gap = n - last_use[s];
		last_use[s] = n;
	}
	CHECK(min_gap >= FL_IDTAB_MIN_SLOTS / 2);
	CHECK_EQ(t.cap, FL_IDTAB_MIN_SLOTS);	/* 64 live: never grew */
	fl_idtab_destroy(&t);
}

/* Randomized against the model, with a small limit so -EBUSY happens too. */
TEST(idtab_random_model)
{
	enum { MAXLIVE = 3000, RETIRED = 4096 };
	static u64 live_id[MAXLIVE];
	static int live_obj[MAXLIVE];
	static u64 retired[RETIRED];
	struct fl_idtab t;
	u32 limit, nlive = 0, nret = 0, k, pos, seen;
	unsigned long op;
	u64 id;
	void *o;
	int ret;

	fl_test_seed(0x1d7ab5eedULL);
	for (limit = 64; limit <= 1U << 15; limit *= 8) {
		REQUIRE(fl_idtab_init(&t, limit, false, 0) == 0);
		nlive = 0;
		for (op = 0; op < 60000; op++) {
			if (nlive && (fl_test_rand() % 100 < 48 || nlive == MAXLIVE)) {
				k = fl_test_rand() % nlive;
				o = fl_idtab_remove(&t, live_id[k]);
				CHECK(o == &objs[live_obj[k]]);
				retired[nret++ % RETIRED] = live_id[k];
				live_id[k] = live_id[--nlive];
				live_obj[k] = live_obj[nlive];
			} else {
				int ob = 1 + fl_test_rand() % (sizeof(objs) - 1);

				ret = fl_idtab_alloc(&t, &objs[ob], &id);
				if (nlive >= limit - 1) {
					CHECK_EQ(ret, -EBUSY);
					continue;
				}
				REQUIRE(ret == 0);
				CHECK(id && id >> FL_IDTAB_ID_BITS == 0);
				live_id[nlive] = id;
				live_obj[nlive++] = ob;
			}
			if (op % 997 == 0 || op == 59999) {
				for (k = 0; k < nlive; k++)
					CHECK(fl_idtab_lookup(&t, live_id[k]) == &objs[live_obj[k]]);
				for (k = 0; k < min(nret, (u32)RETIRED); k++)
					CHECK(fl_idtab_lookup(&t, retired[k]) == NULL);
				CHECK_EQ(fl_idtab_count(&t), nlive);
				pos = 0;
				seen = 0;
				while (fl_idtab_next(&t, &pos, &id))
					seen++;
				CHECK_EQ(seen, nlive);
			}
		}
		fl_idtab_destroy(&t);
	}
}
