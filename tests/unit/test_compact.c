// SPDX-License-Identifier: GPL-2.0
/*
 * test_compact.c - tests of module/core/fl_compact.c: the scanners on a
 * checkerboard, pinning with and without grouping by mobility, owner
 * callbacks, suitability, and prediction == achieved on random arenas
 * (with real contents, checked after every run) against a reference
 * "ideal" compactor for order-0 layouts.
 */
#include "fl_test.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_metrics.h"
#include "fl_compact.h"

static char check_msg[256];
/*
 * The policy run() and the predictions use.  The tests written for the
 * emptiest-first scanners (their expected numbers come from that
 * policy's rules) set it; the property tests run under both policies.
 */
static u32 cur_policy = FL_COMPACT_POLICY_KERNEL;
static u64 rng_state = 0x2545f4914f6cdd1dULL;

#define CHECK_INV(b) do {						\
	int __r = fl_buddy_check((b), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_buddy_check: %d: %s", __r, check_msg);	\
} while (0)

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct arena {
	struct fl_buddy *b;
	void *mem[4];
	u32 nr_chunks;
};

/* Chunks of @pages[i] pages at 0, 2048, 4096, ... with real memory. */
static int arena_make(struct arena *a, const u32 *pages, u32 nr, bool grouping)
{
	struct fl_chunk c[4];
	u32 i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < nr; i++) {
		a->mem[i] = calloc(pages[i], FL_PAGE_SIZE);
		if (!a->mem[i])
			return -1;
		c[i].start = i * 2048;
		c[i].nr_pages = pages[i];
		c[i].vaddr = a->mem[i];
	}
	a->nr_chunks = nr;
	a->b = fl_buddy_create(c, nr, FL_MAX_ORDER, grouping);
	return a->b ? 0 : -1;
}

static void arena_free(struct arena *a)
{
	u32 i;

	if (a->b)
		fl_buddy_destroy(a->b);
	for (i = 0; i < a->nr_chunks; i++)
		free(a->mem[i]);
}

/* Allocate and stamp every page with the owner cookie. */
static int alloc_stamped(struct fl_buddy *b, u32 order, u8 mt, u8 kind,
			 u64 owner, u32 *idx)
{
	struct fl_buddy_req req = { .order = order, .mt = mt,
				    .owner_kind = kind, .owner = owner };
	u32 p;
	int ret = fl_buddy_alloc(b, &req, idx);

	if (ret)
		return ret;
	for (p = 0; p < (1U << order); p++) {
		u64 *w = fl_buddy_page_addr(b, *idx + p);

		w[0] = owner;
		w[1] = p;
		w[511] = ~owner;
	}
	return 0;
}

/* Every allocated block still carries its owner's stamp. */
static int contents_ok(struct fl_buddy *b)
{
	u32 i, n = fl_buddy_nr_pages(b), p;
	struct fl_page_info pi;
	int bad = 0;

	for (i = 0; i < n; i++) {
		if (fl_buddy_page_info(b, i, &pi) || pi.state != FL_PAGE_ALLOC_HEAD)
			continue;
		for (p = 0; p < (1U << pi.order); p++) {
			u64 *w = fl_buddy_page_addr(b, i + p);

			if (w[0] != pi.owner || w[1] != p || w[511] != ~pi.owner)
				bad++;
		}
	}
	return bad;
}

static u32 nr_alloc(struct fl_buddy *b)
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(b, &st);
	return st.nr_allocated;
}

static int run(struct fl_buddy *b, u32 mode, u32 order,
	       struct fl_compact_result *r)
{
	struct fl_compact_params p = {
		.mode = mode, .order = order, .policy = cur_policy,
	};

	return fl_compact_run(b, &p, NULL, NULL, r);
}

static u32 largest_order(const u64 *nr_free)
{
	int o;

	for (o = FL_MAX_ORDER; o >= 0; o--)
		if (nr_free[o])
			return o;
	return 0;
}

/* 2048 order-0 movable pages, every other one freed. */
static void checkerboard(struct fl_buddy *b, u32 *idx, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		CHECK_EQ(alloc_stamped(b, 0, FL_MT_MOVABLE, FL_OWN_USER,
				       1000 + i, &idx[i]), 0);
	for (i = 0; i < n; i += 2)
		CHECK_EQ(fl_buddy_free(b, idx[i]), 0);
}

TEST(checkerboard_full)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_result r;
	struct fl_compact_pred pred;
	struct fl_buddy_stats st;
	struct arena a;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	checkerboard(a.b, idx, 2048);
	fl_buddy_get_stats(a.b, &st);
	CHECK_EQ(st.nr_free[0], 1024);
	CHECK_EQ(st.nr_free[1], 0);
	CHECK(fl_compact_score(a.b, 9) == 100);

	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	CHECK_EQ(pred.hugepages_now, 0);
	CHECK_EQ(pred.pb_movable, 4);
	CHECK_EQ(pred.pb_blocked, 0);
	CHECK_EQ(pred.obtainable_max, 2);	/* 1024 free pages: 2 blocks */
	CHECK_EQ(pred.predicted_full, 2);

	REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(r.nr_free_before[0], 1024);
	/* largest free block == total free: one order-10 block of 1024 pages */
	CHECK_EQ(r.nr_free_after[10], 1);
	CHECK_EQ(largest_order(r.nr_free_after), 10);
	CHECK_EQ(fl_metrics_free_pages(r.nr_free_after, FL_NR_ORDERS), 1024);
	CHECK_EQ(r.moved, 512);
	CHECK_EQ(r.pages_moved, 512);
	CHECK_EQ(r.bytes_copied, 512 * FL_PAGE_SIZE);
	CHECK_EQ(fl_compact_hugepages(a.b), pred.predicted_full);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_EQ(nr_alloc(a.b), 1024);
	CHECK_EQ(fl_compact_score(a.b, 9), 0);
	CHECK_INV(a.b);

	/* nothing left to do */
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_NEEDED);
	CHECK_EQ(r.moved, 0);
	arena_free(&a);
}

/* Pages parked on per-CPU lists: prediction and run drain them first. */
TEST(pcp_parked_pages_are_drained)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_result r;
	struct fl_compact_pred pred;
	struct fl_buddy_stats st;
	struct arena a;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	REQUIRE(!fl_buddy_set_pcp(a.b, 1000));	/* batch 63 */
	checkerboard(a.b, idx, 2048);
	fl_buddy_get_stats(a.b, &st);
	CHECK(st.pcp_pages > 900);		/* the frees are parked */
	CHECK_EQ(st.free_pages + st.pcp_pages, 1024);
	CHECK_INV(a.b);

	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	fl_buddy_get_stats(a.b, &st);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_EQ(pred.free_pages, 1024);
	CHECK_EQ(pred.pb_blocked, 0);
	CHECK_EQ(pred.predicted_full, 2);

	/* park some again: the run drains them, nothing pins */
	CHECK_EQ(fl_buddy_free(a.b, idx[1]), 0);
	CHECK_EQ(fl_buddy_free(a.b, idx[3]), 0);
	CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE, FL_OWN_USER, 1003,
			       &idx[3]), 0);
	fl_buddy_get_stats(a.b, &st);
	CHECK_EQ(st.pcp_pages, 1);
	REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(r.nr_blocked, 0);
	CHECK_EQ(fl_metrics_free_pages(r.nr_free_after, FL_NR_ORDERS), 1025);
	CHECK_EQ(fl_compact_hugepages(a.b), 2);
	fl_buddy_get_stats(a.b, &st);
	CHECK_EQ(st.pcp_pages, 0);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_EQ(nr_alloc(a.b), 1023);
	CHECK_INV(a.b);
	arena_free(&a);
}

TEST(checkerboard_order_mode_stops_early)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_result r;
	struct fl_compact_pred pred;
	struct arena a;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	checkerboard(a.b, idx, 2048);
	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK(r.fragindex > 500);
	CHECK_EQ(r.moved, 256);		/* exactly one pageblock emptied */
	CHECK_EQ(r.nr_free_after[9], 1);
	CHECK_EQ(fl_compact_hugepages(a.b), 1);
	CHECK_EQ(pred.predicted_order, 1);
	CHECK_EQ(pred.predicted_order_status, FL_COMPACT_SUCCESS);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/*
 * 2048 order-0 allocations, every 512th UNMOVABLE, then every other
 * movable one freed.  Grouping off: the unmovable pages land one per
 * pageblock and pin all four.  Grouping on: they cluster in one stolen
 * pageblock and order-9 blocks become obtainable.
 */
static void pinning_state(struct fl_buddy *b, u32 *idx)
{
	u32 i;

	for (i = 0; i < 2048; i++) {
		u8 mt = i % 512 == 5 ? FL_MT_UNMOVABLE : FL_MT_MOVABLE;

		CHECK_EQ(alloc_stamped(b, 0, mt, FL_OWN_USER, 1000 + i,
				       &idx[i]), 0);
	}
	for (i = 0; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(b, idx[i]), 0);
}

TEST(pinning_blocked_without_grouping)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_result r;
	struct fl_compact_pred pred;
	struct arena a;
	u32 i;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, false));
	pinning_state(a.b, idx);
	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	CHECK_EQ(pred.pb_blocked, 4);
	CHECK_EQ(pred.nr_blockers, 4);
	CHECK_EQ(pred.obtainable_max, 0);
	CHECK_EQ(pred.predicted_order, 0);
	CHECK_EQ(pred.predicted_order_status, FL_COMPACT_BLOCKED_UNMOVABLE);

	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_BLOCKED_UNMOVABLE);
	CHECK_EQ(r.nr_blocked, 4);
	CHECK_EQ(r.nr_blockers, 4);
	CHECK_EQ(r.moved, 0);
	for (i = 0; i < r.nr_blockers && i < 4; i++) {
		struct fl_page_info pi;

		CHECK_EQ(r.blockers[i].pageblock, i);
		CHECK_EQ(r.blockers[i].idx >> 9, i);
		CHECK_EQ(r.blockers[i].mt, FL_MT_UNMOVABLE);
		CHECK_EQ(fl_buddy_page_info(a.b, r.blockers[i].idx, &pi), 0);
		CHECK_EQ(pi.mt, FL_MT_UNMOVABLE);
	}
	CHECK_EQ(fl_compact_hugepages(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

TEST(pinning_grouping_makes_hugepages_obtainable)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_result r;
	struct fl_compact_pred pred;
	struct arena a;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	pinning_state(a.b, idx);
	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	CHECK_EQ(pred.pb_blocked, 1);
	CHECK_EQ(pred.obtainable_max, 2);	/* 3 clean, 1024 free pages */
	CHECK(pred.predicted_full >= 1);
	printf("  grouping on: %u pinned pageblock(s), predicted %llu\n",
	       pred.pb_blocked, (unsigned long long)pred.predicted_full);

	REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(fl_compact_hugepages(a.b), pred.predicted_full);
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(r.nr_blocked, 1);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/* Non-USER owners pin whatever their migrate type. */
TEST(non_user_owner_pins)
{
	const u32 pages = 1024;
	struct fl_compact_result r;
	struct arena a;
	u32 i, idx;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, false));
	for (i = 0; i < 1024; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE,
				       i == 3 ? FL_OWN_SLAB : FL_OWN_USER, i + 1,
				       &idx), 0);
	for (i = 600; i < 1024; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	for (i = 10; i < 512; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_BLOCKED_UNMOVABLE);
	CHECK_EQ(r.nr_blocked, 1);
	CHECK_EQ(r.blockers[0].idx, 3);
	CHECK_EQ(r.blockers[0].owner_kind, FL_OWN_SLAB);
	CHECK_EQ(r.moved, 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/* A handle table the callbacks keep in sync, like the kernel glue. */
struct handle {
	u32 idx;
	u32 moves;
	bool zapped;
};

struct cb_state {
	struct handle *h;
	u32 prepares;
	u32 moves;
	u32 fail_after;		/* prepare fails after this many; 0 = never */
	struct fl_buddy *b;
	bool lock_free;		/* the buddy lock was free in every callback */
};

static bool lock_is_free(struct fl_buddy *b)
{
	fl_lock_t *l = __fl_buddy_lock(b);

	if (pthread_mutex_trylock(l))
		return false;
	pthread_mutex_unlock(l);
	return true;
}

static int cb_prepare(void *priv, u8 kind, u64 owner)
{
	struct cb_state *s = priv;

	if (!lock_is_free(s->b))
		s->lock_free = false;
	if (kind != FL_OWN_USER)
		return -EINVAL;
	if (s->fail_after && s->prepares >= s->fail_after)
		return -EINTR;
	s->prepares++;
	s->h[owner].zapped = true;
	return 0;
}

static void cb_moved(void *priv, u8 kind, u64 owner, u32 old_idx, u32 new_idx,
		     u32 order)
{
	struct cb_state *s = priv;
	struct handle *h = &s->h[owner];

	if (!lock_is_free(s->b))
		s->lock_free = false;
	CHECK_EQ(kind, FL_OWN_USER);
	CHECK_EQ(h->idx, old_idx);
	CHECK(h->zapped);
	CHECK_EQ(order, 0);
	h->idx = new_idx;
	h->moves++;
	h->zapped = false;
	s->moves++;
}

static const struct fl_compact_ops cb_ops = {
	.prepare = cb_prepare,
	.moved = cb_moved,
};

TEST(callbacks_follow_moves)
{
	static struct handle h[2048];
	const u32 pages = 2048;
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL, .order = 9,
		.policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	struct cb_state s = { .h = h, .lock_free = true };
	struct fl_compact_result r;
	struct fl_page_info pi;
	struct arena a;
	u32 i, moved = 0;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	s.b = a.b;
	for (i = 0; i < 2048; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE, FL_OWN_USER, i,
				       &h[i].idx), 0);
	for (i = 0; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, h[i].idx), 0);
	REQUIRE(!fl_compact_run(a.b, &p, &cb_ops, &s, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(s.moves, r.moved);
	CHECK_EQ(s.prepares, r.moved);
	CHECK(s.lock_free);
	for (i = 1; i < 2048; i += 2) {
		CHECK_EQ(fl_buddy_page_info(a.b, h[i].idx, &pi), 0);
		CHECK_EQ(pi.state, FL_PAGE_ALLOC_HEAD);
		CHECK_EQ(pi.owner, i);
		moved += h[i].moves;
	}
	CHECK_EQ(moved, r.moved);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

TEST(prepare_failure_is_partial)
{
	static struct handle h[2048];
	const u32 pages = 2048;
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL, .order = 9,
		.policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	struct cb_state s = { .h = h, .fail_after = 10, .lock_free = true };
	struct fl_compact_result r;
	struct arena a;
	u32 i;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	s.b = a.b;
	for (i = 0; i < 2048; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE, FL_OWN_USER, i,
				       &h[i].idx), 0);
	for (i = 0; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, h[i].idx), 0);
	REQUIRE(!fl_compact_run(a.b, &p, &cb_ops, &s, &r));
	CHECK_EQ(r.status, FL_COMPACT_PARTIAL);
	CHECK_EQ(r.moved, 10);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

TEST(suitability_and_params)
{
	const u32 pages = 1024;
	struct fl_compact_params p = {
		.mode = 7, .order = 9, .policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	struct fl_compact_result r;
	struct arena a;
	u32 i, idx;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, true));
	CHECK_EQ(fl_compact_run(a.b, &p, NULL, NULL, &r), -EINVAL);
	p.mode = FL_COMPACT_ORDER;
	p.order = 11;
	CHECK_EQ(fl_compact_run(a.b, &p, NULL, NULL, &r), -EINVAL);
	p.order = 9;
	p.flags = 0x80;
	CHECK_EQ(fl_compact_run(a.b, &p, NULL, NULL, &r), -EINVAL);
	p.flags = 0;
	p.threshold = 1001;
	CHECK_EQ(fl_compact_run(a.b, &p, NULL, NULL, &r), -EINVAL);
	p.threshold = 0;
	p.policy = FL_COMPACT_NR_POLICIES;
	CHECK_EQ(fl_compact_run(a.b, &p, NULL, NULL, &r), -EINVAL);
	p.policy = FL_COMPACT_POLICY_EMPTIEST;

	/* empty arena: a block exists */
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_NEEDED);
	CHECK_EQ(r.fragindex, -1000);

	/* nearly full: 300 free order-0 pages < 512: lack of memory */
	for (i = 0; i < 1024; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE, FL_OWN_USER, i,
				       &idx), 0);
	for (i = 0; i < 600; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_SUITABLE);
	CHECK_EQ(r.moved, 0);

	/* 600 free order-0 pages: index 1000-(1000+1171)/600 = 997 > 500 */
	for (i = 600; i < 1200 - 600 + 600 && i < 1024; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	p.order = 9;
	p.threshold = 999;	/* pretend lack of memory up to 999 */
	REQUIRE(!fl_compact_run(a.b, &p, NULL, NULL, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_SUITABLE);
	CHECK(r.fragindex > 900);
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/*
 * Reference "ideal" for order-0 layouts: pageblocks with only free and
 * movable pages can be emptied if their pages fit in the free pages of
 * every pageblock that stays; the best choice empties the emptiest ones.
 */
static u32 ideal_order0(struct fl_buddy *b)
{
	u32 nr_pb = fl_buddy_nr_pageblocks(b), used[64], nc = 0, pb, i, j;
	u64 free_other = 0, need = 0, k, best = 0, nfree = 0;
	struct fl_page_info pi;

	for (pb = 0; pb < nr_pb; pb++) {
		u32 f = 0, u = 0, pin = 0, hole = 0;

		for (i = pb * 512; i < pb * 512 + 512; i++) {
			if (i >= fl_buddy_nr_pages(b) ||
			    fl_buddy_page_info(b, i, &pi) || pi.state == FL_PAGE_HOLE) {
				hole = 1;
				continue;
			}
			if (pi.state == FL_PAGE_FREE_HEAD ||
			    pi.state == FL_PAGE_FREE_TAIL) {
				f++;
				continue;
			}
			fl_buddy_page_info(b, pi.head, &pi);
			if (pi.mt == FL_MT_UNMOVABLE || pi.owner_kind != FL_OWN_USER)
				pin = 1;
			else
				u++;
		}
		if (!hole && f == 512)
			nfree++;
		else if (!hole && !pin)
			used[nc++] = u;
		else
			free_other += f;
	}
	/* sort used ascending */
	for (i = 0; i < nc; i++)
		for (j = i + 1; j < nc; j++)
			if (used[j] < used[i]) {
				u32 t = used[i];

				used[i] = used[j];
				used[j] = t;
			}
	for (k = 0; k <= nc; k++) {
		u64 room = free_other;

		need = 0;
		for (i = 0; i < nc; i++) {
			if (i < k)
				need += used[i];
			else
				room += 512 - used[i];
		}
		if (need <= room)
			best = k;
	}
	return nfree + best;
}

/* A random arena from the current rng state. */
static int random_state(struct arena *a, bool order0, u32 *nallocs)
{
	u32 pages[4], nr = 1 + rnd() % 3, i, n, idx;
	u64 cookie = 1;

	for (i = 0; i < nr; i++)
		pages[i] = 512 + rnd() % 1537;	/* 512..2048 */
	if (arena_make(a, pages, nr, rnd() & 1))
		return -1;
	n = 0;
	for (;;) {
		u32 order = order0 ? 0 : (rnd() % 4 ? rnd() % 3 : rnd() % 7);
		u32 r = rnd() % 100;
		u8 mt = r < 3 ? FL_MT_UNMOVABLE : r < 10 ? FL_MT_RECLAIMABLE :
			FL_MT_MOVABLE;
		u8 kind = rnd() % 200 ? FL_OWN_USER : FL_OWN_POOL;

		if (alloc_stamped(a->b, order, mt, kind, cookie++, &idx))
			break;
		n++;
	}
	/* free a random 30..80% */
	{
		u32 keep = 20 + rnd() % 50;

		for (i = 0; i < fl_buddy_nr_pages(a->b); i++) {
			struct fl_page_info pi;

			if (!fl_buddy_page_info(a->b, i, &pi) &&
			    pi.state == FL_PAGE_ALLOC_HEAD && rnd() % 100 >= keep)
				fl_buddy_free(a->b, i);
		}
	}
	*nallocs = n;
	return 0;
}

static void random_round(bool order0, u32 *achieved_sum, u32 *ideal_sum)
{
	struct fl_compact_pred pred;
	struct fl_compact_result r;
	struct arena a;
	u64 seed = rng_state;
	u32 n, before;

	/* FULL mode */
	REQUIRE(!random_state(&a, order0, &n));
	REQUIRE(!fl_compact_predict(a.b, cur_policy, &pred));
	CHECK(pred.predicted_full <= pred.obtainable_max);
	CHECK(pred.predicted_full >= pred.hugepages_now);
	CHECK(pred.predicted_order <= pred.predicted_full);
	before = nr_alloc(a.b);
	REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(fl_compact_hugepages(a.b), pred.predicted_full);
	CHECK_EQ(r.status, pred.predicted_full_status);
	CHECK_EQ(nr_alloc(a.b), before);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	if (order0) {
		u32 ideal;

		arena_free(&a);
		rng_state = seed;
		REQUIRE(!random_state(&a, order0, &n));
		ideal = ideal_order0(a.b);
		CHECK(pred.predicted_full <= ideal);
		*achieved_sum += pred.predicted_full;
		*ideal_sum += ideal;
	}
	arena_free(&a);

	/* ORDER mode on the same state */
	rng_state = seed;
	REQUIRE(!random_state(&a, order0, &n));
	REQUIRE(!run(a.b, FL_COMPACT_ORDER, 9, &r));
	CHECK_EQ(fl_compact_hugepages(a.b), pred.predicted_order);
	CHECK_EQ(r.status, pred.predicted_order_status);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/* Between two holds of a paced prediction: maybe an alloc and a free. */
struct pred_pace {
	struct fl_buddy *b;
	u32 pauses, from, mutate;	/* change at pauses from..mutate-1 */
};

static void pred_pause(void *arg)
{
	struct pred_pace *pp = arg;
	struct fl_buddy_req req = { .order = 0, .mt = FL_MT_MOVABLE,
				    .owner_kind = FL_OWN_USER };
	u32 idx, n = pp->pauses++;

	if (n < pp->from || n >= pp->mutate)
		return;
	CHECK_EQ(fl_buddy_alloc(pp->b, &req, &idx), 0);
	CHECK_EQ(fl_buddy_free(pp->b, idx), 0);
}

/*
 * fl_compact_predict_paced(): 16 pages per hold gives the very prediction
 * of one hold per walk (step 0) on random layouts, after many pauses;
 * an alloc and a free between holds start the walk over, and the result
 * is the one-hold prediction of the arena as they left it; a change
 * before every hold gives up with -EAGAIN.
 */
TEST(prediction_paced_equals_one_hold)
{
	int round;

	for (round = 0; round < 6; round++) {
		struct fl_compact_pred one, paced;
		struct pred_pace pp = { 0 };
		struct arena a;
		u32 n, calm, k, restarted;

		REQUIRE(!random_state(&a, round & 1, &n));
		pp.b = a.b;
		REQUIRE(!fl_compact_predict_paced(a.b, cur_policy, &one, 0,
						  NULL, NULL));
		REQUIRE(!fl_compact_predict_paced(a.b, cur_policy, &paced, 16,
						  pred_pause, &pp));
		CHECK(!memcmp(&one, &paced, sizeof(one)));
		calm = pp.pauses;
		/* the arena alone: at least its pages / 16 holds */
		CHECK(calm >= fl_buddy_nr_pages(a.b) / 16);
		/*
		 * Changes at 3 pauses from 8 places along the walk: those in
		 * the checked walk (the snapshot and classification, not the
		 * alloc count before it or the clone's build after) restart
		 * it; every result is of the arena as it is left.
		 */
		for (k = 0, restarted = 0; k < 8; k++) {
			pp.pauses = 0;
			pp.from = calm * k / 8;
			pp.mutate = pp.from + 3;
			REQUIRE(!fl_compact_predict_paced(a.b, cur_policy,
							  &paced, 16,
							  pred_pause, &pp));
			restarted += pp.pauses > calm + 3;
			REQUIRE(!fl_compact_predict_paced(a.b, cur_policy,
							  &one, 0, NULL, NULL));
			CHECK(!memcmp(&one, &paced, sizeof(one)));
			pp.pauses = 0;
			pp.mutate = 0;
			REQUIRE(!fl_compact_predict_paced(a.b, cur_policy,
							  &paced, 16,
							  pred_pause, &pp));
			calm = pp.pauses;
		}
		CHECK(restarted > 0);
		pp.pauses = 0;
		pp.from = 0;
		pp.mutate = ~0U;
		CHECK_EQ(fl_compact_predict_paced(a.b, cur_policy, &paced, 16,
						  pred_pause, &pp), -EAGAIN);
		CHECK_INV(a.b);
		arena_free(&a);
	}
}

TEST(prediction_equals_achieved_random)
{
	const char *s = getenv("FL_SEED");
	u32 i, pol, ach = 0, ideal = 0;
	u64 seed;

	if (s)
		rng_state = strtoull(s, NULL, 0) | 1;
	seed = rng_state;
	printf("  FL_SEED=0x%llx\n", (unsigned long long)rng_state);
	/* the same arenas under both policies: prediction == achieved */
	for (pol = 0; pol < FL_COMPACT_NR_POLICIES; pol++) {
		cur_policy = pol;
		rng_state = seed;
		ach = 0;
		ideal = 0;
		for (i = 0; i < 12; i++)
			random_round(false, &ach, &ideal);
		for (i = 0; i < 12; i++)
			random_round(true, &ach, &ideal);
		printf("  %s: order-0 layouts: compactor %u vs ideal %u free 2 MiB blocks\n",
		       fl_compact_policy_names[pol], ach, ideal);
	}
	/* emptiest-first's order is optimal for order 0 (ach is its sum) */
	CHECK_EQ(ach, ideal);
}

static void holes_round(u32 policy)
{
	struct fl_chunk c[2] = {
		{ .start = 0, .nr_pages = 1024 + 300, .vaddr = NULL },
		{ .start = 4096, .nr_pages = 1024, .vaddr = NULL },
	};
	struct fl_buddy *b = fl_buddy_create(c, 2, FL_MAX_ORDER, true);
	struct fl_compact_pred pred;
	struct fl_compact_result r;
	struct fl_buddy_req req = { .mt = FL_MT_MOVABLE,
				    .owner_kind = FL_OWN_USER };
	u32 i, idx;

	REQUIRE(b);
	cur_policy = policy;
	while (!fl_buddy_alloc(b, &req, &idx))
		req.owner++;
	for (i = 0; i < fl_buddy_nr_pages(b); i += 3)
		fl_buddy_free(b, i);
	REQUIRE(!fl_compact_predict(b, cur_policy, &pred));
	CHECK_EQ(pred.nr_pageblocks, 4);	/* the 300-page tail is incomplete */
	REQUIRE(!run(b, FL_COMPACT_FULL, 9, &r));
	CHECK_EQ(r.bytes_copied, 0);
	CHECK_EQ(fl_compact_hugepages(b), pred.predicted_full);
	CHECK_EQ(r.nr_free_after[9] + 2 * r.nr_free_after[10],
		 pred.predicted_full);
	CHECK_INV(b);
	fl_buddy_destroy(b);
}

TEST(prediction_with_holes_and_metadata_only)
{
	holes_round(FL_COMPACT_POLICY_KERNEL);
	holes_round(FL_COMPACT_POLICY_EMPTIEST);
}

/* RECLAIMABLE user pages move by default and pin with MOVABLE_ONLY. */
TEST(reclaimable_moves_unless_movable_only)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL, .order = 9,
		.policy = FL_COMPACT_POLICY_EMPTIEST,
	};
	struct fl_compact_result r;
	struct arena a;
	u32 i;

	cur_policy = FL_COMPACT_POLICY_EMPTIEST;	/* expectations from its rules */
	REQUIRE(!arena_make(&a, &pages, 1, false));
	for (i = 0; i < 2048; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, i % 512 == 7 ? FL_MT_RECLAIMABLE :
				       FL_MT_MOVABLE, FL_OWN_USER, i + 1, &idx[i]), 0);
	for (i = 0; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, idx[i]), 0);

	p.flags = FL_COMPACT_MOVABLE_ONLY;
	REQUIRE(!fl_compact_run(a.b, &p, NULL, NULL, &r));
	CHECK_EQ(r.status, FL_COMPACT_BLOCKED_UNMOVABLE);
	CHECK_EQ(r.nr_blocked, 4);
	CHECK_EQ(r.blockers[0].mt, FL_MT_RECLAIMABLE);
	CHECK_EQ(r.moved, 0);

	p.flags = 0;
	REQUIRE(!fl_compact_run(a.b, &p, NULL, NULL, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(r.nr_blocked, 0);
	CHECK_EQ(r.hugepages_after, 2);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
}

/* The proactive score is extfrag_for_order(9) of the live free counts. */
TEST(score_matches_metrics)
{
	static u32 idx[2048];
	const u32 pages = 2048;
	struct fl_buddy_stats st;
	struct arena a;
	u32 i;

	REQUIRE(!arena_make(&a, &pages, 1, true));
	CHECK_EQ(fl_compact_score(a.b, 9), 0);
	for (i = 0; i < 1024; i++)
		CHECK_EQ(alloc_stamped(a.b, 0, FL_MT_MOVABLE, FL_OWN_USER, i + 1,
				       &idx[i]), 0);
	for (i = 0; i < 1024; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, idx[i]), 0);
	fl_buddy_get_stats(a.b, &st);
	CHECK_EQ(fl_compact_score(a.b, 9), fl_metrics_extfrag_for_order(st.nr_free, 9));
	/* 512 free order-0 pages next to 1024 free in order-10: 33% */
	CHECK_EQ(fl_compact_score(a.b, 9), 512 * 100 / 1536);
	arena_free(&a);
}

/* ------------------------------------------------ the kernel's policy */

/*
 * Expected values below come from mm/compaction.c and mm/page_alloc.c of
 * Linux 6.12, worked by hand in the comments, never from fraglab's output.
 */

/* An arena of @n pages, every page an order-0 MOVABLE user allocation. */
static void all_allocated(struct arena *a, u32 n)
{
	u32 i, idx;

	REQUIRE(!arena_make(a, &n, 1, true));
	for (i = 0; i < n; i++)
		CHECK_EQ(alloc_stamped(a->b, 0, FL_MT_MOVABLE, FL_OWN_USER,
				       i + 1, &idx), 0);
}

struct move_log {
	u32 nr;
	u32 src[4096];
	u32 dst[4096];
};

static void log_moved(void *priv, u8 kind, u64 owner, u32 old_idx,
		      u32 new_idx, u32 order)
{
	struct move_log *l = priv;

	(void)kind;
	(void)owner;
	(void)order;
	if (l->nr < 4096) {
		l->src[l->nr] = old_idx;
		l->dst[l->nr] = new_idx;
	}
	l->nr++;
}

static const struct fl_compact_ops log_ops = { .moved = log_moved };

static int run_logged(struct fl_buddy *b, u32 mode, u32 order, u32 policy,
		      struct move_log *l, struct fl_compact_result *r)
{
	struct fl_compact_params p = {
		.mode = mode, .order = order, .policy = policy,
	};

	memset(l, 0, sizeof(*l));
	return fl_compact_run(b, &p, &log_ops, l, r);
}

/*
 * calculate_min_free_kbytes(): int_sqrt(kbytes * 16) clamped 128..262144;
 * __setup_per_zone_wmarks(): min = that in pages, low = min +
 * max(min / 4, managed * 10 / 10000).
 */
TEST(kernel_watermarks_from_calculate_min_free_kbytes)
{
	static const struct {
		u64 pages, kbytes, min, low;
	} t[] = {
		{ 256, 128, 32, 40 },		/* 1 MiB: sqrt(16384) = 128 */
		{ 2048, 362, 90, 112 },		/* 8 MiB: 362^2 <= 131072 < 363^2 */
		{ 16384, 1024, 256, 320 },	/* 64 MiB */
		{ 262144, 4096, 1024, 1286 },	/* 1 GiB: gap 262 > 256 */
		{ 1ULL << 32, 262144, 65536, 65536 + 4294967 },	/* clamped */
	};
	struct fl_compact_wmarks w;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		fl_compact_watermarks(t[i].pages, &w);
		CHECK_EQ(w.min_free_kbytes, t[i].kbytes);
		CHECK_EQ(w.min, t[i].min);
		CHECK_EQ(w.low, t[i].low);
	}
}

/*
 * The case: 600 free order-0 pages, order 9.  An 8 MiB arena has
 * low = 112 (above), and __compaction_suitable() wants free > low +
 * compact_gap(9) = 112 + 1024 = 1136: the kernel skips
 * (COMPACT_SKIPPED).  emptiest-first needs only 2^9 and runs.
 */
TEST(kernel_suitability_needs_watermark_plus_compact_gap)
{
	struct fl_compact_result r;
	struct move_log *l = calloc(1, sizeof(*l));
	struct arena a;
	u32 i, n;

	REQUIRE(l);
	all_allocated(&a, 2048);
	for (i = 0, n = 0; n < 600; i += 3, n++)	/* scattered order-0 */
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 9, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_SUITABLE);
	CHECK_EQ(r.suitable_min, 1136);
	CHECK_EQ(r.moved, 0);
	CHECK_EQ(l->nr, 0);
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 9,
			    FL_COMPACT_POLICY_EMPTIEST, l, &r));
	CHECK(r.status != FL_COMPACT_NOT_SUITABLE);
	CHECK(r.moved > 0);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);

	/* the comparison is strict (__zone_watermark_ok(): free <= mark fails) */
	all_allocated(&a, 2048);
	for (i = 0; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);
	for (i = 1, n = 0; n < 112; i += 16, n++)
		CHECK_EQ(fl_buddy_free(a.b, i), 0);	/* 1136 free */
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 9, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	CHECK_EQ(r.status, FL_COMPACT_NOT_SUITABLE);
	CHECK_EQ(fl_buddy_free(a.b, 3), 0);		/* 1137 free */
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 9, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	CHECK(r.status != FL_COMPACT_NOT_SUITABLE);
	CHECK(r.moved > 0);
	CHECK_INV(a.b);
	arena_free(&a);
	free(l);
}

/*
 * Scanner order.  Pageblocks 0..3 hold 100, 50, 400 and 300 allocated
 * pages at their low ends.  The migration scanner starts at pageblock 0
 * (not at pageblock 1, the emptiest); its first batch is pages 0..31
 * (COMPACT_CLUSTER_MAX), list_add()ed so page 31 migrates first.  The
 * free scanner starts at the top pageblock and isolates its free blocks
 * upwards from its first free page 1536 + 300 = 1836: order 2 at 1836,
 * order 4 at 1840, order 6 at 1856 (84 >= 32 pages: stop).
 * compaction_alloc() takes the smallest order first and splits from the
 * low end: 31 -> 1836, 30 -> 1837, 29 -> 1838, 28 -> 1839, 27 -> 1840.
 * With pageblock 3 made UNMOVABLE, suitable_migration_target() skips it:
 * pageblock 2 from 1024 + 400 = 1424 (order 4), so 31 -> 1424, and
 * nothing ever lands in pageblock 3.
 */
static void layout_100_50_400_300(struct arena *a)
{
	static const u32 used[4] = { 100, 50, 400, 300 };
	u32 pb, i;

	all_allocated(a, 2048);
	for (pb = 0; pb < 4; pb++)
		for (i = pb * 512 + used[pb]; i < pb * 512 + 512; i++)
			CHECK_EQ(fl_buddy_free(a->b, i), 0);
}

TEST(kernel_scanners_walk_address_order)
{
	static const u32 want_src[5] = { 31, 30, 29, 28, 27 };
	static const u32 want_dst[5] = { 1836, 1837, 1838, 1839, 1840 };
	struct move_log *l = calloc(1, sizeof(*l));
	struct fl_compact_result r;
	struct arena a;
	u32 i;

	REQUIRE(l);
	layout_100_50_400_300(&a);
	REQUIRE(!run_logged(a.b, FL_COMPACT_FULL, 9, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	REQUIRE(l->nr >= 5);
	for (i = 0; i < 5; i++) {
		CHECK_EQ(l->src[i], want_src[i]);
		CHECK_EQ(l->dst[i], want_dst[i]);
	}
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);

	/* emptiest-first empties pageblock 1 (50 pages) first */
	layout_100_50_400_300(&a);
	REQUIRE(!run_logged(a.b, FL_COMPACT_FULL, 9,
			    FL_COMPACT_POLICY_EMPTIEST, l, &r));
	REQUIRE(l->nr >= 1);
	CHECK_EQ(l->src[0] >> FL_PAGEBLOCK_ORDER, 1);
	arena_free(&a);
	free(l);
}

TEST(kernel_unmovable_pageblocks_are_never_targets)
{
	struct move_log *l = calloc(1, sizeof(*l));
	struct fl_compact_result r;
	struct arena a;
	u32 i;

	REQUIRE(l);
	layout_100_50_400_300(&a);
	fl_lock(__fl_buddy_lock(a.b));
	CHECK_EQ(__fl_buddy_set_pageblock_mt(a.b, 3, FL_MT_UNMOVABLE), 0);
	fl_unlock(__fl_buddy_lock(a.b));
	REQUIRE(!run_logged(a.b, FL_COMPACT_FULL, 9, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	REQUIRE(l->nr >= 1);
	CHECK_EQ(l->src[0], 31);
	CHECK_EQ(l->dst[0], 1424);
	for (i = 0; i < l->nr && i < 4096; i++)
		CHECK(l->dst[i] >> FL_PAGEBLOCK_ORDER != 3);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);
	free(l);
}

/*
 * compact_finished() stops only at a pageblock boundary.  Pageblock 0:
 * pages 1, 3, ..., 63 and 64..511 allocated; 1 and 2 full; 3 with its
 * odd pages allocated.  Free: 32 + 256 = 288 order-0 pages, above low
 * 112 + compact_gap(4) = 144; fragmentation index(4) = 1000 - (1000 +
 * 288 * 1000 / 16) / 288 = 935 > 500: suitable.  Batch 1 (32 pages:
 * 1..63) empties pages 0..63, a free order-6 block, but migrate_pfn is
 * 64, not pageblock aligned: go on.  Batch 2 (finish_pageblock: 64..511,
 * 448 pages) gets the 224 free pages left in pageblock 3 (pageblock 2
 * has none; pageblock 1 is below pageblock_end_pfn(migrate_pfn = 512));
 * migrated from the top, 511..288 move; then the scanners have met.
 * 256 moves, 64..287 stay.  emptiest-first only starts a source whose
 * movable pages fit above it: pageblock 3 (256, rank 0) sees 32 free
 * pages, pageblock 0 (480, rank 1) none: it moves nothing (PARTIAL).
 */
static void layout_boundary(struct arena *a)
{
	u32 i;

	all_allocated(a, 2048);
	for (i = 0; i < 64; i += 2)
		CHECK_EQ(fl_buddy_free(a->b, i), 0);
	for (i = 1536; i < 2048; i += 2)
		CHECK_EQ(fl_buddy_free(a->b, i), 0);
}

TEST(kernel_stops_only_at_pageblock_boundary)
{
	struct move_log *l = calloc(1, sizeof(*l));
	struct fl_compact_result r;
	struct fl_page_info pi;
	struct arena a;

	REQUIRE(l);
	layout_boundary(&a);
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 4, FL_COMPACT_POLICY_KERNEL,
			    l, &r));
	CHECK_EQ(r.status, FL_COMPACT_SUCCESS);
	CHECK_EQ(r.moved, 256);
	CHECK_EQ(l->src[31], 1);		/* batch 1 ends with page 1 */
	CHECK_EQ(l->src[32], 511);		/* batch 2 starts at the top */
	CHECK_EQ(l->src[255], 288);
	CHECK(!fl_buddy_page_info(a.b, 287, &pi) &&
	      pi.state == FL_PAGE_ALLOC_HEAD);
	CHECK(!fl_buddy_page_info(a.b, 288, &pi) &&
	      pi.state == FL_PAGE_FREE_HEAD);
	CHECK_EQ(contents_ok(a.b), 0);
	CHECK_INV(a.b);
	arena_free(&a);

	layout_boundary(&a);
	REQUIRE(!run_logged(a.b, FL_COMPACT_ORDER, 4,
			    FL_COMPACT_POLICY_EMPTIEST, l, &r));
	CHECK_EQ(r.status, FL_COMPACT_PARTIAL);
	CHECK_EQ(r.moved, 0);
	arena_free(&a);
	free(l);
}

/*
 * The checkerboard (even pages free) under the kernel's scanners:
 * pageblock 0 empties into pageblock 3 (32 + 224 pages).  Pageblock 1's
 * first batch (513..575) goes to pageblock 2 (1024, 1026, ...); its
 * second batch (577..1023) finds no free page above
 * pageblock_end_pfn(1024) = 1536 but pageblock 2's, which the free
 * scanner cannot reach any more: the scanners have met.  288 moves, one
 * free 2 MiB block; emptiest-first gets two.  The prediction follows
 * the policy it is asked for.
 */
TEST(kernel_checkerboard_and_prediction_follow_policy)
{
	static const u32 want_moved[2] = { 288, 512 };
	static const u32 want_huge[2] = { 1, 2 };
	struct fl_compact_pred pred;
	struct fl_compact_result r;
	struct arena a;
	u32 pol, i;

	for (pol = 0; pol < FL_COMPACT_NR_POLICIES; pol++) {
		all_allocated(&a, 2048);
		for (i = 0; i < 2048; i += 2)
			CHECK_EQ(fl_buddy_free(a.b, i), 0);
		REQUIRE(!fl_compact_predict(a.b, pol, &pred));
		CHECK_EQ(pred.policy, pol);
		CHECK_EQ(pred.predicted_full, want_huge[pol]);
		cur_policy = pol;
		REQUIRE(!run(a.b, FL_COMPACT_FULL, 9, &r));
		CHECK_EQ(r.moved, want_moved[pol]);
		CHECK_EQ(r.hugepages_after, want_huge[pol]);
		CHECK_EQ(contents_ok(a.b), 0);
		CHECK_INV(a.b);
		arena_free(&a);
	}
}
