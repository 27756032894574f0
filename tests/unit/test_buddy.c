// SPDX-License-Identifier: GPL-2.0
/*
 * test_buddy.c - directed and randomized tests of module/core/fl_buddy.c.
 */
#include "fl_test.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"

static char check_msg[256];

#define CHECK_INV(b) do {						\
	int __r = fl_buddy_check((b), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_buddy_check: %d: %s", __r, check_msg);	\
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

/* ------------------------------------------------------------------ */
/* Randomized model test                                              */
/* ------------------------------------------------------------------ */

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static u64 seed_from_env(void)
{
	const char *s = getenv("FL_SEED");

	return s ? strtoull(s, NULL, 0) : 0x5eed5eedULL;
}

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

	req.requested = (u32)(FL_PAGE_SIZE << order) - (u32)(rnd() % (FL_PAGE_SIZE << order));
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

	if (rnd() & 1) {
		/* pick a random free, aligned index from the model */
		u32 n = 1U << l.order, tries;

		for (tries = 0; tries < 8; tries++) {
			u32 t = (u32)(rnd() % m->nr_pages) & ~(n - 1);

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
	u32 idx = (u32)(rnd() % m->nr_pages);
	struct fl_page_info pi;
	u64 o = m->owner[idx];

	if (fl_buddy_page_info(m->b, idx, &pi)) {
		m->failures++;
		return;
	}
	if (o == HOLE_ID ? pi.state != FL_PAGE_HOLE :
	    o == 0 ? (pi.state != FL_PAGE_FREE_HEAD &&
		      pi.state != FL_PAGE_FREE_TAIL) :
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

	while (o < max_order && (rnd() & 3) != 0)
		o += (rnd() & 1);
	if ((rnd() & 63) == 0)
		o = (u32)(rnd() % (max_order + 1));
	return o;
}

static void run_model(const struct fl_chunk *tmpl, u32 nr_chunks, u32 max_order,
		      unsigned long nr_ops, unsigned long full_checks,
		      unsigned long check_every)
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
		u64 r = rnd() % 1000;
		/* keep the arena between roughly 30% and 95% full */
		if (r < 3) {
			fl_buddy_set_grouping(m.b, !fl_buddy_grouping(m.b));
		} else if (r < 20 && m.nr_live) {
			model_move(&m, (u32)(rnd() % m.nr_live));
		} else if (r < 40) {
			model_check_page(&m);
		} else if (m.nr_live && (r < 500 ||
			   m.free_pages * 20 < fl_buddy_nr_pages(m.b))) {
			model_free(&m, (u32)(rnd() % m.nr_live));
		} else {
			model_alloc(&m, random_order(max_order),
				    (u8)(rnd() % FL_MT_TYPES));
		}
		if (op < full_checks || op % check_every == 0) {
			int ret = fl_buddy_check(m.b, check_msg,
						 sizeof(check_msg));

			if (ret) {
				m.failures++;
				FL_TEST_FAIL("op %lu: check: %s", op, check_msg);
			}
			fl_buddy_get_stats(m.b, &st);
			if (st.free_pages != m.free_pages ||
			    st.nr_allocated != m.nr_live) {
				m.failures++;
				FL_TEST_FAIL("op %lu: free %llu/%llu live %llu/%u",
					     op, (unsigned long long)st.free_pages,
					     (unsigned long long)m.free_pages,
					     (unsigned long long)st.nr_allocated,
					     m.nr_live);
			}
		}
	}
	while (m.nr_live && !m.failures)
		model_free(&m, m.nr_live - 1);
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
TEST(random_model)
{
	static const struct fl_chunk chunks[] = {
		{ .start = 0, .nr_pages = 1324 },
		{ .start = 2048, .nr_pages = 1 },
		{ .start = 3072, .nr_pages = 777 },
		{ .start = 4096, .nr_pages = 1024 },
	};

	rng_state = seed_from_env();
	printf("  FL_SEED=0x%llx\n", (unsigned long long)rng_state);
	run_model(chunks, 4, FL_MAX_ORDER, ops_from_env(2000000), 100000, 1000);
	run_model(chunks, 4, 6, ops_from_env(2000000) / 4, 20000, 1000);
}
