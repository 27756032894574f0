// SPDX-License-Identifier: GPL-2.0
/*
 * test_fit.c - tests of the fit pools (module/core/fl_fit.c) and their
 * augmented AVL tree (fl_fit_tree.c).
 *
 * The central test runs every strategy against the linear-scan reference
 * model (fit_ref.h) on the same random sequences and demands identical
 * results (return codes, offsets, holes, counters), with fl_fit_check()
 * after every operation.  Directed tests reproduce the seed's table and
 * cover errors, fault injection, compaction, the buddy backing and the
 * text output.  FL_SEED in the environment changes the random seed.
 */
#include "fl_test.h"
#include "fl_fit.h"
#include "fl_fit_tree.h"
#include "fl_buddy.h"
#include "fit_ref.h"

static char check_msg[256];

#define CHECK_POOL(p) do {						\
	int __r = fl_fit_check((p), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_fit_check: %d: %s", __r, check_msg);	\
} while (0)

#define KiB	1024ULL
#define MiB	(1024ULL * 1024)

static u64 rng_state;

static u64 rnd(void)
{
	u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

static void seed_rng(u64 salt)
{
	const char *s = getenv("FL_SEED");
	u64 seed = s ? strtoull(s, NULL, 0) : 0x5eed;

	rng_state = (seed ^ (salt * 0x9e3779b97f4a7c15ULL)) | 1;
}

static struct fl_fit_pool *one_seg(u64 start, u64 len, u32 gran, u32 strat)
{
	struct fl_fit_segment s = { .start = start, .len = len };
	struct fl_fit_pool *p = NULL;

	if (fl_fit_create(&s, 1, gran, strat, &p))
		return NULL;
	return p;
}

static u64 must_alloc(struct fl_fit_pool *p, u64 size, u64 align, u32 flags)
{
	u64 off = ~0ULL;
	int ret = fl_fit_alloc(p, size, align, flags, &off);

	if (ret)
		FL_TEST_FAIL("fl_fit_alloc(%llu, %llu) = %d",
			     (unsigned long long)size,
			     (unsigned long long)align, ret);
	return off;
}

/* Every hole of the pool as fl_fit_show_holes() prints it (small buffer). */
static char *pool_holes_text(struct fl_fit_pool *p)
{
	size_t cap = 4096, used = 0;
	char *all = malloc(cap), chunk[100];
	u64 pos = 0;

	all[0] = '\0';
	while (pos != FL_FIT_POS_END) {
		int n = fl_fit_show_holes(p, &pos, chunk, sizeof(chunk));

		if (!n && pos != FL_FIT_POS_END)
			break;
		if (used + n + 1 > cap) {
			cap = (used + n + 1) * 2;
			all = realloc(all, cap);
		}
		memcpy(all + used, chunk, n + 1);
		used += n;
	}
	return all;
}

static char *ref_holes_text(const struct fit_ref *r)
{
	size_t cap = r->nh * 40 + 1, used = 0, i;
	char *all = malloc(cap);

	all[0] = '\0';
	for (i = 0; i < r->nh; i++)
		used += snprintf(all + used, cap - used, "0x%llx %llu\n",
				 (unsigned long long)r->holes[i].start,
				 (unsigned long long)r->holes[i].size);
	return all;
}

/* Full comparison with the reference; returns 0 if equal. */
static int compare_with_ref(struct fl_fit_pool *p, const struct fit_ref *r)
{
	struct fl_fit_stats st;
	char *a, *b;
	int bad = 0;
	u64 largest = 0;
	size_t i;

	fl_fit_get_stats(p, &st);
	for (i = 0; i < r->nh; i++)
		if (r->holes[i].size > largest)
			largest = r->holes[i].size;
	if (st.nr_holes != r->nh || st.free_bytes != r->free_bytes ||
	    st.largest_hole != largest || st.nr_allocated != r->na ||
	    st.fail_fragmented != r->fail_fragmented ||
	    st.fail_nomem != r->fail_nomem || st.rover != r->rover) {
		FL_TEST_FAIL("stats differ: holes %llu/%zu free %llu/%llu "
			     "largest %llu/%llu allocs %llu/%zu rover %llx/%llx",
			     (unsigned long long)st.nr_holes, r->nh,
			     (unsigned long long)st.free_bytes,
			     (unsigned long long)r->free_bytes,
			     (unsigned long long)st.largest_hole,
			     (unsigned long long)largest,
			     (unsigned long long)st.nr_allocated, r->na,
			     (unsigned long long)st.rover,
			     (unsigned long long)r->rover);
		bad = 1;
	}
	a = pool_holes_text(p);
	b = ref_holes_text(r);
	if (strcmp(a, b)) {
		FL_TEST_FAIL("hole lists differ");
		bad = 1;
	}
	free(a);
	free(b);
	return bad;
}

struct diff_cfg {
	const struct fl_fit_segment *segs;
	u32 nr_segs;
	u32 gran;
	u32 strategy;
	int ops;
	bool align;		/* random alignments */
	bool switch_strategy;	/* change strategy now and then */
};

static u64 random_size(u64 pool_bytes, u32 gran)
{
	u64 r = rnd_below(100);

	if (r < 60)
		return 1 + rnd_below(4 * gran);
	if (r < 90)
		return 1 + rnd_below(pool_bytes / 32);
	return 1 + rnd_below(pool_bytes / 6);
}

static u64 random_align(void)
{
	if (rnd_below(3))
		return 0;
	return 1ULL << rnd_below(14);	/* 1 .. 8 KiB, often < granularity */
}

/* One random step on both; returns 0 if they agree. */
static int diff_step(struct fl_fit_pool *p, struct fit_ref *r,
		     const struct diff_cfg *c, int op)
{
	u64 fill = r->pool_bytes - r->free_bytes;
	bool do_alloc = !r->na || rnd_below(r->pool_bytes) >= fill / 2 + fill / 3;

	if (c->switch_strategy && !rnd_below(40)) {
		u32 s = (u32)rnd_below(FL_FIT_NR_STRATEGIES);

		CHECK_EQ(fl_fit_set_strategy(p, s), 0);
		r->strategy = s;
	}
	if (do_alloc) {
		u64 size = random_size(r->pool_bytes, c->gran);
		u64 align = c->align ? random_align() : 0;
		u32 flags = rnd_below(2) ? FL_FIT_MOVABLE : 0;
		u64 o1 = 0, o2 = 0;
		int e = fit_ref_alloc(r, size, align, flags, &o1);
		int g = fl_fit_alloc(p, size, align, flags, &o2);

		if (e != g || (!e && o1 != o2)) {
			FL_TEST_FAIL("op %d %s alloc(%llu, align %llu): "
				     "ref %d @0x%llx, pool %d @0x%llx", op,
				     fl_fit_strategy_names[r->strategy],
				     (unsigned long long)size,
				     (unsigned long long)align, e,
				     (unsigned long long)o1, g,
				     (unsigned long long)o2);
			return 1;
		}
	} else {
		u64 off = r->allocs[rnd_below(r->na)].off;
		int e = fit_ref_free(r, off), g = fl_fit_free(p, off);

		if (e || g) {
			FL_TEST_FAIL("op %d free(0x%llx): ref %d pool %d", op,
				     (unsigned long long)off, e, g);
			return 1;
		}
	}
	if (fl_fit_check(p, check_msg, sizeof(check_msg))) {
		FL_TEST_FAIL("op %d: fl_fit_check: %s", op, check_msg);
		return 1;
	}
	if (!(op % 16) && compare_with_ref(p, r)) {
		FL_TEST_FAIL("op %d: pool and reference differ", op);
		return 1;
	}
	return 0;
}

static void run_diff(const struct diff_cfg *c, u64 salt)
{
	struct fl_fit_pool *p = NULL;
	struct fit_ref r;
	int op;

	seed_rng(salt);
	REQUIRE(!fl_fit_create(c->segs, c->nr_segs, c->gran, c->strategy, &p));
	fit_ref_init(&r, c->segs, c->nr_segs, c->gran, c->strategy);
	for (op = 0; op < c->ops; op++)
		if (diff_step(p, &r, c, op))
			break;
	compare_with_ref(p, &r);
	CHECK(r.fail_fragmented > 0);	/* the failure path was compared */
	/* Free everything: one hole per segment again. */
	while (r.na) {
		u64 off = r.allocs[rnd_below(r.na)].off;

		CHECK_EQ(fit_ref_free(&r, off), 0);
		CHECK_EQ(fl_fit_free(p, off), 0);
	}
	CHECK_POOL(p);
	compare_with_ref(p, &r);
	CHECK_EQ(r.nh, c->nr_segs);
	CHECK_EQ(fl_fit_destroy(p, false), 0);
	fit_ref_destroy(&r);
}

static const struct fl_fit_segment seg_one[] = { { 0, 1 * MiB } };
/* two adjacent segments (kept apart) and a distant one */
static const struct fl_fit_segment seg_three[] = {
	{ 4 * KiB, 64 * KiB }, { 68 * KiB, 32 * KiB }, { 1 * MiB, 256 * KiB },
};
static const struct fl_fit_segment seg_big[] = { { 16 * MiB, 16 * MiB } };

static void diff_all_configs(u32 strategy, bool align)
{
	struct diff_cfg cfgs[] = {
		{ seg_one, 1, 16, strategy, 3000, align, false },
		{ seg_three, 3, 64, strategy, 3000, align, false },
		{ seg_big, 1, 4096, strategy, 2000, align, false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cfgs); i++)
		run_diff(&cfgs[i], strategy * 16 + i * 2 + align);
}

/* ------------------------------------------------------------- tree */

TEST(tree_random_against_sorted_array)
{
	enum { N = 3000 };
	static struct fl_fit_tnode nodes[N];
	static bool in[N];
	struct fl_fit_tnode *root = NULL, *t;
	u64 count;
	int step, i;

	seed_rng(1);
	for (i = 0; i < N; i++) {
		nodes[i].key = (u64)i * 3;	/* unique, sorted by index */
		nodes[i].key2 = 0;
	}
	for (step = 0; step < 20000; step++) {
		i = (int)rnd_below(N);
		if (in[i]) {
			fl_fit_tree_erase(&root, &nodes[i]);
			in[i] = false;
		} else {
			nodes[i].val = rnd_below(1000);
			CHECK_EQ(fl_fit_tree_insert(&root, &nodes[i]), 0);
			in[i] = true;
		}
		if (step % 500)
			continue;
		CHECK_EQ(fl_fit_tree_check(root, &count, check_msg,
					   sizeof(check_msg)), 0);
		/* first_fit against brute force */
		for (int q = 0; q < 50; q++) {
			u64 kmin = rnd_below(3 * N), v = rnd_below(1100);
			struct fl_fit_tnode *want = NULL;

			for (int j = 0; j < N && !want; j++)
				if (in[j] && nodes[j].key >= kmin &&
				    nodes[j].val >= v)
					want = &nodes[j];
			t = fl_fit_tree_first_fit(root, kmin, v);
			CHECK(t == want);
		}
	}
	/* erase keeps order: in-order walk equals the sorted array */
	t = fl_fit_tree_first(root);
	for (i = 0; i < N; i++) {
		if (!in[i])
			continue;
		CHECK(t == &nodes[i]);
		if (t)
			t = fl_fit_tree_next(root, t);
	}
	CHECK(t == NULL);
	CHECK_EQ(fl_fit_tree_insert(&root, fl_fit_tree_first(root)), -EEXIST);
}

/*
 * The recursive tree check fl_fit_tree_check() was before it walked with
 * an explicit stack (fl_fit_tree_check_from()): the reference for where
 * a violation is reported.
 */
struct ref_walk {
	const struct fl_fit_tnode *prev;
	char *msg;
};

static int ref_bad(struct ref_walk *w, const char *what,
		   const struct fl_fit_tnode *n)
{
	snprintf(w->msg, 256, "tree: %s at key %llu/%llu", what,
		 (unsigned long long)n->key, (unsigned long long)n->key2);
	return -EUCLEAN;
}

static int ref_height(const struct fl_fit_tnode *n)
{
	return n ? n->height : 0;
}

static int ref_check_node(const struct fl_fit_tnode *n, int depth,
			  struct ref_walk *w)
{
	int hl, hr, ret;
	u64 m;

	if (!n)
		return 0;
	if (depth >= FL_FIT_TREE_MAX_DEPTH)
		return ref_bad(w, "too deep", n);
	ret = ref_check_node(n->child[0], depth + 1, w);
	if (ret)
		return ret;
	if (w->prev && (n->key < w->prev->key ||
			(n->key == w->prev->key && n->key2 <= w->prev->key2)))
		return ref_bad(w, "keys out of order", n);
	w->prev = n;
	ret = ref_check_node(n->child[1], depth + 1, w);
	if (ret)
		return ret;
	hl = ref_height(n->child[0]);
	hr = ref_height(n->child[1]);
	if (n->height != (hl > hr ? hl : hr) + 1)
		return ref_bad(w, "wrong height", n);
	if (hl - hr > 1 || hr - hl > 1)
		return ref_bad(w, "unbalanced", n);
	m = n->val;
	if (n->child[0] && n->child[0]->max > m)
		m = n->child[0]->max;
	if (n->child[1] && n->child[1]->max > m)
		m = n->child[1]->max;
	if (n->max != m)
		return ref_bad(w, "wrong max augmentation", n);
	return 0;
}

/* fl_fit_tree_check_from() with @budget nodes per call, to the end. */
static int stepped_check(const struct fl_fit_tnode *root, u64 budget,
			 u64 *calls, u64 *count, char *msg)
{
	struct fl_fit_tree_cursor cur = { 0 };
	int ret;

	*calls = 0;
	msg[0] = '\0';
	do {
		u64 b = budget;

		ret = fl_fit_tree_check_from(root, &cur, &b, msg, 256);
		(*calls)++;
	} while (ret == 1);
	*count = cur.count;
	return ret;
}

/*
 * The stepped tree check: on a clean tree it visits every node in
 * ceil(n / budget) calls; on a tree with one node's key, height or max
 * broken it reports the same node and the same reason as the recursive
 * reference and as the one-call check, whatever the budget.
 */
TEST(tree_check_stepped_matches_recursive)
{
	enum { N = 2000 };
	static struct fl_fit_tnode nodes[N];
	struct fl_fit_tnode *root = NULL;
	char ref[256], one[256], step[256];
	u64 calls, count;
	int i, k;

	seed_rng(7);
	for (i = 0; i < N; i++) {
		nodes[i].key = (u64)i * 2;
		nodes[i].val = rnd_below(1000);
		REQUIRE(fl_fit_tree_insert(&root, &nodes[i]) == 0);
	}
	CHECK_EQ(stepped_check(root, 64, &calls, &count, step), 0);
	CHECK_EQ(count, N);
	CHECK_EQ(calls, (N + 63) / 64);
	for (k = 0; k < 60; k++) {
		struct fl_fit_tnode *n = &nodes[rnd_below(N)];
		struct fl_fit_tnode save = *n;
		struct ref_walk w = { .msg = ref };
		u64 budgets[] = { 1, 3, 64, 1000 };
		unsigned int b;
		int want;

		switch (k % 3) {
		case 0:
			n->key = n->key + (rnd() & 1 ? 3 : -3ULL);
			break;
		case 1:
			n->height += 1;
			break;
		default:
			n->max += 1;
			break;
		}
		ref[0] = '\0';
		want = ref_check_node(root, 0, &w);
		CHECK_EQ(want, -EUCLEAN);
		CHECK_EQ(fl_fit_tree_check(root, NULL, one, sizeof(one)), want);
		CHECK(!strcmp(one, ref));
		for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
			CHECK_EQ(stepped_check(root, budgets[b], &calls, &count,
					       step), want);
			if (strcmp(step, ref))
				FL_TEST_FAIL("budget %llu: \"%s\", want \"%s\"",
					     (unsigned long long)budgets[b],
					     step, ref);
		}
		*n = save;
	}
	CHECK_EQ(fl_fit_tree_check(root, &count, one, sizeof(one)), 0);
}

/* A pool of many allocations; between holds, optionally, a change. */
struct fit_pace {
	struct fl_fit_pool *p;
	u32 pauses, mutate;
};

static void fit_pace_pause(void *arg)
{
	struct fit_pace *fp = arg;
	u64 off;

	if (fp->pauses++ >= fp->mutate)
		return;
	CHECK_EQ(fl_fit_alloc(fp->p, 4096, 0, 0, &off), 0);
	CHECK_EQ(fl_fit_free(fp->p, off), 0);
}

/*
 * fl_fit_check_paced(): bounded holds (at least one pause per 64 nodes
 * of 3 trees and the tiling), the same clean verdict as fl_fit_check();
 * changes between holds restart the walk; a change before every hold
 * gives up with -EAGAIN and a sentence.
 */
TEST(check_paced_restarts_and_gives_up)
{
	struct fit_pace fp = { .mutate = 0 };
	u64 offs[4000];
	u32 calm;
	int i;

	fp.p = one_seg(0, 64 * MiB, 4096, FL_FIT_FIRST);
	REQUIRE(fp.p);
	for (i = 0; i < 4000; i++)
		offs[i] = must_alloc(fp.p, 4096 * (1 + rnd_below(3)), 0, 0);
	for (i = 0; i < 4000; i += 2)
		CHECK_EQ(fl_fit_free(fp.p, offs[i]), 0);
	CHECK_POOL(fp.p);
	CHECK_EQ(fl_fit_check_paced(fp.p, check_msg, sizeof(check_msg), 64,
				    fit_pace_pause, &fp), 0);
	calm = fp.pauses;
	/* 2000 holes twice, 2000 allocations, 4000 tiling steps */
	CHECK(calm >= 10000 / 64);
	fp.pauses = 0;
	fp.mutate = 5;
	CHECK_EQ(fl_fit_check_paced(fp.p, check_msg, sizeof(check_msg), 64,
				    fit_pace_pause, &fp), 0);
	CHECK(fp.pauses > calm);
	fp.pauses = 0;
	fp.mutate = ~0U;
	strcpy(check_msg, "stale");
	CHECK_EQ(fl_fit_check_paced(fp.p, check_msg, sizeof(check_msg), 64,
				    fit_pace_pause, &fp), -EAGAIN);
	CHECK(!strcmp(check_msg,
		      "pool changed during each of 8 walks: not verified, try again"));
	fp.mutate = 0;
	CHECK_EQ(fl_fit_check_paced(fp.p, check_msg, sizeof(check_msg), 0,
				    NULL, NULL), 0);
	for (i = 1; i < 4000; i += 2)
		CHECK_EQ(fl_fit_free(fp.p, offs[i]), 0);
	CHECK_EQ(fl_fit_destroy(fp.p, false), 0);
}

TEST(tree_height_is_logarithmic)
{
	enum { N = 1 << 16 };
	struct fl_fit_tnode *nodes = calloc(N, sizeof(*nodes));
	struct fl_fit_tnode *root = NULL;
	u64 count;
	int i;

	REQUIRE(nodes);
	for (i = 0; i < N; i++) {	/* ascending: the worst case of a BST */
		nodes[i].key = i;
		CHECK_EQ(fl_fit_tree_insert(&root, &nodes[i]), 0);
	}
	CHECK_EQ(fl_fit_tree_check(root, &count, check_msg,
				   sizeof(check_msg)), 0);
	CHECK_EQ(count, N);
	CHECK(root->height <= 24);	/* 1.44 log2(65536) = 23 */
	for (i = 0; i < N; i += 2)
		fl_fit_tree_erase(&root, &nodes[i]);
	CHECK_EQ(fl_fit_tree_check(root, &count, check_msg,
				   sizeof(check_msg)), 0);
	CHECK_EQ(count, N / 2);
	CHECK(fl_fit_tree_floor(root, 10, 0) == &nodes[9]);
	CHECK(fl_fit_tree_ceil(root, 10, 0) == &nodes[11]);
	CHECK(fl_fit_tree_find(root, 10, 0) == NULL);
	CHECK(fl_fit_tree_prev(root, &nodes[11]) == &nodes[9]);
	CHECK(fl_fit_tree_last(root) == &nodes[N - 1]);
	free(nodes);
}

/* ------------------------------------------------ against reference */

TEST(first_fit_matches_reference)
{
	diff_all_configs(FL_FIT_FIRST, false);
}

TEST(next_fit_matches_reference)
{
	diff_all_configs(FL_FIT_NEXT, false);
}

TEST(best_fit_matches_reference)
{
	diff_all_configs(FL_FIT_BEST, false);
}

TEST(worst_fit_matches_reference)
{
	diff_all_configs(FL_FIT_WORST, false);
}

TEST(aligned_first_fit_matches_reference)
{
	diff_all_configs(FL_FIT_FIRST, true);
}

TEST(aligned_next_fit_matches_reference)
{
	diff_all_configs(FL_FIT_NEXT, true);
}

TEST(aligned_best_fit_matches_reference)
{
	diff_all_configs(FL_FIT_BEST, true);
}

TEST(aligned_worst_fit_matches_reference)
{
	diff_all_configs(FL_FIT_WORST, true);
}

TEST(strategy_switching_matches_reference)
{
	struct diff_cfg c = { seg_three, 3, 16, FL_FIT_NEXT, 5000, true, true };

	run_diff(&c, 99);
}

/*
 * Many small aligned requests with a fixed alignment: exercises the probe
 * limit (more than FL_FIT_ALIGN_PROBES candidates that do not fit).
 */
TEST(alignment_probe_limit_matches_reference)
{
	u32 s;

	for (s = 0; s < FL_FIT_NR_STRATEGIES; s++) {
		struct fl_fit_pool *p = one_seg(0, 1 * MiB, 16, s);
		struct fit_ref r;
		u64 o1, o2, i;
		int e, g;

		REQUIRE(p);
		fit_ref_init(&r, seg_one, 1, 16, s);
		/* 48-byte holes at 16 mod 64: none can hold 32 B @64 */
		for (i = 0; i < 40; i++) {
			e = fit_ref_alloc(&r, 16, 0, 0, &o1);
			g = fl_fit_alloc(p, 16, 0, 0, &o2);
			CHECK(!e && !g && o1 == o2);
			e = fit_ref_alloc(&r, 48, 0, 0, &o1);
			g = fl_fit_alloc(p, 48, 0, 0, &o2);
			CHECK(!e && !g && o1 == o2);
		}
		for (i = 0; i < 40; i++) {
			CHECK_EQ(fit_ref_free(&r, i * 64 + 16), 0);
			CHECK_EQ(fl_fit_free(p, i * 64 + 16), 0);
		}
		/* and one 96-byte hole at 16 mod 64 that fits 32 @64 at +48 */
		CHECK_EQ(fit_ref_free(&r, 40 * 64 - 64), 0);
		CHECK_EQ(fl_fit_free(p, 40 * 64 - 64), 0);
		e = fit_ref_alloc(&r, 32, 64, 0, &o1);
		g = fl_fit_alloc(p, 32, 64, 0, &o2);
		CHECK_EQ(e, g);
		CHECK_EQ(o1, o2);
		CHECK_POOL(p);
		CHECK_EQ(compare_with_ref(p, &r), 0);
		fl_fit_destroy(p, true);
		fit_ref_destroy(&r);
	}
}

/*
 * The probe limit is part of the semantics: a hole that fits only thanks
 * to its alignment is found among the first FL_FIT_ALIGN_PROBES
 * candidates, and skipped after them (then the first hole that fits
 * whatever its alignment is taken).
 */
static u64 probe_limit_case(u32 strategy, int before)
{
	struct fl_fit_pool *p = one_seg(0, 1 * MiB, 16, strategy);
	struct fit_ref r;
	u64 o1 = 1, o2 = 2, base, i;

	if (!p)
		return ~0ULL;
	fit_ref_init(&r, seg_one, 1, 16, strategy);
	for (i = 0; i < (u64)before; i++) {	/* 48 B at 16 mod 64 */
		CHECK_EQ(fit_ref_alloc(&r, 16, 0, 0, &o1), 0);
		CHECK_EQ(fl_fit_alloc(p, 16, 0, 0, &o2), 0);
		CHECK_EQ(fit_ref_alloc(&r, 48, 0, 0, &o1), 0);
		CHECK_EQ(fl_fit_alloc(p, 48, 0, 0, &o2), 0);
	}
	CHECK_EQ(fit_ref_alloc(&r, 64, 0, 0, &o1), 0);	/* separator */
	CHECK_EQ(fl_fit_alloc(p, 64, 0, 0, &o2), 0);
	base = (u64)before * 64 + 64;		/* 48 B at 0 mod 64: fits */
	CHECK_EQ(fit_ref_alloc(&r, 48, 0, 0, &o1), 0);
	CHECK_EQ(fl_fit_alloc(p, 48, 0, 0, &o2), 0);
	CHECK_EQ(fit_ref_alloc(&r, 16, 0, 0, &o1), 0);
	CHECK_EQ(fl_fit_alloc(p, 16, 0, 0, &o2), 0);
	for (i = 0; i < (u64)before; i++) {
		CHECK_EQ(fit_ref_free(&r, i * 64 + 16), 0);
		CHECK_EQ(fl_fit_free(p, i * 64 + 16), 0);
	}
	CHECK_EQ(fit_ref_free(&r, base), 0);
	CHECK_EQ(fl_fit_free(p, base), 0);
	CHECK_EQ(fit_ref_alloc(&r, 32, 64, 0, &o1), 0);
	CHECK_EQ(fl_fit_alloc(p, 32, 64, 0, &o2), 0);
	CHECK_EQ(o1, o2);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
	fit_ref_destroy(&r);
	return o2;
}

TEST(alignment_probe_limit_semantics)
{
	/* first fit: 10 misfits, then the aligned fit at 704 */
	CHECK_EQ(probe_limit_case(FL_FIT_FIRST, 10), 704);
	/* 20 misfits: the 48 B hole at 1344 is candidate 21: skipped */
	CHECK_EQ(probe_limit_case(FL_FIT_FIRST, 20), 1408);
	CHECK_EQ(probe_limit_case(FL_FIT_NEXT, 20), 1408);
	/* best fit: all 48 B holes come first in size order */
	CHECK_EQ(probe_limit_case(FL_FIT_BEST, 10), 704);
	CHECK_EQ(probe_limit_case(FL_FIT_BEST, 20), 1408);
	/* worst fit: the tail is the largest hole and fits */
	CHECK_EQ(probe_limit_case(FL_FIT_WORST, 20), 1408);
}

/* ----------------------------------------------------------- directed */

/*
 * Holes of 8K, 5K and 3K (in that address order) and a request of 2.5K:
 * first fit takes the 8K hole, best fit the 3K hole (smallest leftover,
 * 512 B), worst fit the 8K hole (largest leftover).
 */
static struct fl_fit_pool *three_holes(u32 strategy, u64 *h8, u64 *h5,
				       u64 *h3)
{
	struct fl_fit_pool *p = one_seg(0, 64 * KiB, 512, strategy);
	u64 sizes[] = { 8 * KiB, 512, 5 * KiB, 512, 3 * KiB, 512 };
	u64 off[6], end;
	int i;

	if (!p)
		return NULL;
	for (i = 0; i < 6; i++)
		off[i] = must_alloc(p, sizes[i], 0, 0);
	end = off[5] + 512;
	must_alloc(p, 64 * KiB - end, 0, 0);	/* no tail hole */
	fl_fit_free(p, off[0]);
	fl_fit_free(p, off[2]);
	fl_fit_free(p, off[4]);
	*h8 = off[0];
	*h5 = off[2];
	*h3 = off[4];
	return p;
}

TEST(seed_table_leftovers)
{
	u64 h8, h5, h3, off;
	struct fl_fit_stats st;
	struct fl_fit_pool *p;

	p = three_holes(FL_FIT_FIRST, &h8, &h5, &h3);
	REQUIRE(p);
	CHECK_EQ(must_alloc(p, 2560, 0, 0), h8);
	fl_fit_destroy(p, true);

	p = three_holes(FL_FIT_BEST, &h8, &h5, &h3);
	REQUIRE(p);
	off = must_alloc(p, 2560, 0, 0);
	CHECK_EQ(off, h3);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.hist[9], 1);	/* the 512 B leftover */
	CHECK_EQ(st.largest_hole, 8 * KiB);	/* big hole untouched */
	CHECK_POOL(p);
	fl_fit_destroy(p, true);

	p = three_holes(FL_FIT_WORST, &h8, &h5, &h3);
	REQUIRE(p);
	off = must_alloc(p, 2560, 0, 0);
	CHECK_EQ(off, h8);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.largest_hole, 8 * KiB - 2560);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
}

/* The seed: 100 MB free, largest hole 5 MB, a 10 MB request fails. */
TEST(seed_100mb_free_10mb_request_fails)
{
	struct fl_fit_pool *p = one_seg(0, 200 * MiB, 4096, FL_FIT_FIRST);
	struct fl_fit_stats st;
	u64 off[40], o;
	int i;

	REQUIRE(p);
	for (i = 0; i < 40; i++)
		off[i] = must_alloc(p, 5 * MiB, 0, 0);
	for (i = 0; i < 40; i += 2)
		CHECK_EQ(fl_fit_free(p, off[i]), 0);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.free_bytes, 100 * MiB);
	CHECK_EQ(st.largest_hole, 5 * MiB);
	CHECK_EQ(st.nr_holes, 20);
	CHECK_EQ(st.ext_frag_permille, 950);
	CHECK_EQ(st.hist[22], 20);	/* 4 MiB <= 5 MiB < 8 MiB */
	CHECK_EQ(fl_fit_alloc(p, 10 * MiB, 0, 0, &o), -ENOMEM);
	CHECK_EQ(fl_fit_alloc(p, 101 * MiB, 0, 0, &o), -ENOMEM);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.fail_fragmented, 1);
	CHECK_EQ(st.fail_nomem, 1);
	CHECK_EQ(st.allocs, 40);
	CHECK_EQ(st.frees, 20);
	CHECK_POOL(p);
	CHECK_EQ(fl_fit_destroy(p, false), -EBUSY);
	CHECK_EQ(fl_fit_destroy(p, true), 0);
}

/*
 * First fit concentrates small fragments at low addresses: 32 holes of
 * 1 KiB at the bottom, a big hole above; 32 requests of 768 B leave 32
 * useless 256 B fragments at the bottom.  Worst fit leaves the bottom
 * holes alone and eats the big hole instead.
 */
TEST(first_fit_fragments_low_addresses)
{
	u32 strategies[] = { FL_FIT_FIRST, FL_FIT_WORST };
	int k, i;

	for (k = 0; k < 2; k++) {
		struct fl_fit_pool *p = one_seg(0, 1 * MiB, 16, strategies[k]);
		struct fl_fit_stats st;
		u64 off[64], pos = 0, low_small = 0;
		char buf[4096];

		REQUIRE(p);
		for (i = 0; i < 64; i++)
			off[i] = must_alloc(p, 1 * KiB, 0, 0);
		for (i = 0; i < 64; i += 2)
			fl_fit_free(p, off[i]);
		for (i = 0; i < 32; i++)
			must_alloc(p, 768, 0, 0);
		fl_fit_get_stats(p, &st);
		/* count holes below 64 KiB smaller than 1 KiB */
		fl_fit_show_holes(p, &pos, buf, sizeof(buf));
		for (char *l = buf; *l; l = strchr(l, '\n') + 1) {
			unsigned long long o, s;

			if (sscanf(l, "%llx %llu", &o, &s) == 2 &&
			    o < 64 * KiB && s < 1 * KiB)
				low_small++;
		}
		if (strategies[k] == FL_FIT_FIRST) {
			CHECK_EQ(low_small, 32);
			CHECK_EQ(st.hist[8], 32);	/* 256 B fragments */
			CHECK_EQ(st.largest_hole, 1 * MiB - 64 * KiB);
		} else {
			CHECK_EQ(low_small, 0);
			CHECK_EQ(st.hist[10], 32);	/* 1 KiB holes kept */
			CHECK_EQ(st.largest_hole,
				 1 * MiB - 64 * KiB - 32 * 768);
		}
		CHECK_POOL(p);
		fl_fit_destroy(p, true);
	}
}

/* Worst fit eats the largest hole; best fit keeps it. */
TEST(worst_fit_depletes_largest_hole)
{
	u64 largest[2];
	int k, i;

	for (k = 0; k < 2; k++) {
		struct fl_fit_pool *p = one_seg(0, 1 * MiB, 16,
						k ? FL_FIT_WORST : FL_FIT_BEST);
		struct fl_fit_stats st;
		u64 off[64];

		REQUIRE(p);
		for (i = 0; i < 64; i++)	/* 64 x 8 KiB, tail 512 KiB */
			off[i] = must_alloc(p, 8 * KiB, 0, 0);
		for (i = 0; i < 64; i += 2)
			fl_fit_free(p, off[i]);
		for (i = 0; i < 32; i++)
			must_alloc(p, 4 * KiB, 0, 0);
		fl_fit_get_stats(p, &st);
		largest[k] = st.largest_hole;
		CHECK_POOL(p);
		fl_fit_destroy(p, true);
	}
	CHECK_EQ(largest[0], 512 * KiB);		/* best: intact */
	CHECK_EQ(largest[1], 512 * KiB - 32 * 4 * KiB);	/* worst: eaten */
}

/* Next fit: the rover is the end of the last allocation; wraps around. */
TEST(next_fit_rover_rule)
{
	struct fl_fit_pool *p = one_seg(0, 16 * KiB, 1024, FL_FIT_NEXT);
	struct fl_fit_stats st;
	u64 a, b, c, d;

	REQUIRE(p);
	a = must_alloc(p, 1024, 0, 0);		/* [0,1K) rover 1K */
	b = must_alloc(p, 1024, 0, 0);		/* [1K,2K) rover 2K */
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1024);
	CHECK_EQ(fl_fit_free(p, a), 0);		/* hole [0,1K) below rover */
	c = must_alloc(p, 1024, 0, 0);		/* first fit would take 0 */
	CHECK_EQ(c, 2048);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.rover, 3072);
	/* fill the rest: rover at the end, the next request wraps to 0 */
	d = must_alloc(p, 13 * 1024, 0, 0);
	CHECK_EQ(d, 3072);
	CHECK_EQ(must_alloc(p, 1024, 0, 0), 0);
	/* rover 1K; freeing b and c makes the hole [1K,3K) around it */
	CHECK_EQ(fl_fit_free(p, b), 0);
	CHECK_EQ(fl_fit_free(p, c), 0);
	CHECK_EQ(must_alloc(p, 1024, 0, 0), 1024);
	/* rover 2K is inside the hole [2K,3K): taken from its start */
	CHECK_EQ(must_alloc(p, 1024, 0, 0), 2048);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
}

/* Alignment: the front piece stays a hole; holes that fit only aligned. */
TEST(alignment_front_piece_stays_a_hole)
{
	struct fl_fit_pool *p = one_seg(0, 64 * KiB, 16, FL_FIT_FIRST);
	struct fl_fit_stats st;
	struct fl_fit_alloc_info ai;
	u64 a, b, pos = 0;
	char buf[256];

	REQUIRE(p);
	a = must_alloc(p, 16, 0, 0);
	CHECK_EQ(a, 0);
	b = must_alloc(p, 100, 4096, FL_FIT_MOVABLE);
	CHECK_EQ(b, 4096);
	CHECK_EQ(fl_fit_lookup(p, b, &ai), 0);
	CHECK_EQ(ai.size, 112);
	CHECK_EQ(ai.requested, 100);
	CHECK_EQ(ai.align, 4096);
	CHECK_EQ(ai.flags, FL_FIT_MOVABLE);
	fl_fit_show_holes(p, &pos, buf, sizeof(buf));
	CHECK_STR(buf, "0x10 4080\n0x1070 61328\n");
	CHECK_EQ(pos, FL_FIT_POS_END);
	/* a 4096-byte hole at 8192 fits 4096 @4096 exactly: found */
	CHECK_EQ(fl_fit_free(p, b), 0);
	b = must_alloc(p, 8192 - 16, 0, 0);	/* [16, 8192) */
	CHECK_EQ(b, 16);
	must_alloc(p, 4096, 0, 0);		/* [8192, 12288) */
	must_alloc(p, 16, 0, 0);		/* [12288, +16) */
	CHECK_EQ(fl_fit_free(p, 8192), 0);
	CHECK_EQ(must_alloc(p, 4096, 4096, 0), 8192);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.requested_bytes, 16 + 8192 - 16 + 16 + 4096);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
}

/* Holes never cross a segment boundary, even between adjacent segments. */
TEST(segments_do_not_coalesce)
{
	struct fl_fit_segment segs[] = { { 0, 4096 }, { 4096, 4096 } };
	struct fl_fit_pool *p = NULL;
	struct fl_fit_stats st;
	u64 a, b, o;

	REQUIRE(!fl_fit_create(segs, 2, 4096, FL_FIT_FIRST, &p));
	a = must_alloc(p, 4096, 0, 0);
	b = must_alloc(p, 4096, 0, 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 4096);
	CHECK_EQ(fl_fit_free(p, a), 0);
	CHECK_EQ(fl_fit_free(p, b), 0);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.nr_holes, 2);
	/*
	 * Both segments wholly free: no request the pool can ever grant
	 * (at most one segment, 4096) fails, so 1 - 4096 / min(8192, 4096)
	 * = 0, not the uncapped 1 - 4096 / 8192.
	 */
	CHECK_EQ(st.ext_frag_permille, 0);
	CHECK_EQ(fl_fit_alloc(p, 8192, 0, 0, &o), -ENOMEM);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.fail_fragmented, 1);
	CHECK_EQ(fl_fit_nr_segments(p), 2);
	CHECK_POOL(p);
	fl_fit_destroy(p, false);
}

/*
 * External fragmentation of a two-segment pool, by its definition
 * (fl_metrics_external_frag(): 1000 * (1 - largest / min(free, largest
 * segment)), rounded down), computed here from the hole sizes.
 */
TEST(ext_frag_capped_by_largest_segment)
{
	struct fl_fit_segment segs[] = { { 0, MiB }, { 2 * MiB, MiB } };
	struct fl_fit_pool *p = NULL;
	struct fl_fit_stats st;
	u64 off[4], big;
	int i;

	REQUIRE(!fl_fit_create(segs, 2, 4096, FL_FIT_FIRST, &p));
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.ext_frag_permille, 0);		/* fresh */
	for (i = 0; i < 4; i++)
		off[i] = must_alloc(p, MiB / 4, 0, 0);	/* fills segment 0 */
	CHECK_EQ(fl_fit_free(p, off[0]), 0);
	CHECK_EQ(fl_fit_free(p, off[2]), 0);
	fl_fit_get_stats(p, &st);
	/* free 1.5 MiB, largest 1 MiB = the cap: every grantable size fits */
	CHECK_EQ(st.free_bytes, 3 * MiB / 2);
	CHECK_EQ(st.ext_frag_permille, 0);
	big = must_alloc(p, 3 * MiB / 4, 0, 0);		/* only segment 1 fits */
	CHECK_EQ(big, 2 * MiB);
	fl_fit_get_stats(p, &st);
	/* holes 256K, 256K, 256K: 1000 * (768K - 256K) / 768K = 666 */
	CHECK_EQ(st.free_bytes, 3 * MiB / 4);
	CHECK_EQ(st.largest_hole, MiB / 4);
	CHECK_EQ(st.ext_frag_permille, 1000 * (3 * MiB / 4 - MiB / 4) / (3 * MiB / 4));
	CHECK_EQ(st.ext_frag_permille, 666);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
}

/* ------------------------------------------------------------- errors */

TEST(errors)
{
	struct fl_fit_segment s = { 0, 64 * KiB };
	struct fl_fit_segment bad[] = { { 4096, 4096 }, { 0, 4096 } };
	struct fl_fit_segment ovl[] = { { 0, 8192 }, { 4096, 4096 } };
	struct fl_fit_segment mis = { 8, 4096 };
	struct fl_fit_segment zero = { 0, 0 };
	struct fl_fit_pool *p = NULL;
	u64 o, a;

	/* granularity */
	CHECK_EQ(fl_fit_create(&s, 1, 48, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&s, 1, 8, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&s, 1, 8192, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&s, 1, 0, FL_FIT_FIRST, &p), -EINVAL);
	/* strategy */
	CHECK_EQ(fl_fit_create(&s, 1, 16, 4, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&s, 1, 16, ~0U, &p), -EINVAL);
	/* segments */
	CHECK_EQ(fl_fit_create(bad, 2, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(ovl, 2, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&mis, 1, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&zero, 1, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(&s, 0, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK_EQ(fl_fit_create(NULL, 1, 16, FL_FIT_FIRST, &p), -EINVAL);
	CHECK(p == NULL);

	REQUIRE(!fl_fit_create(&s, 1, 16, FL_FIT_BEST, &p));
	CHECK_EQ(fl_fit_set_strategy(p, 4), -EINVAL);
	CHECK_EQ(fl_fit_get_strategy(p), FL_FIT_BEST);
	/* size 0, larger than the pool */
	CHECK_EQ(fl_fit_alloc(p, 0, 0, 0, &o), -EINVAL);
	CHECK_EQ(fl_fit_alloc(p, 64 * KiB + 1, 0, 0, &o), -EINVAL);
	CHECK_EQ(fl_fit_alloc(p, ~0ULL, 0, 0, &o), -EINVAL);
	/* alignment not a power of two, too large; unknown flags */
	CHECK_EQ(fl_fit_alloc(p, 16, 48, 0, &o), -EINVAL);
	CHECK_EQ(fl_fit_alloc(p, 16, 3, 0, &o), -EINVAL);
	CHECK_EQ(fl_fit_alloc(p, 16, FL_FIT_MAX_ALIGN * 2, 0, &o), -EINVAL);
	CHECK_EQ(fl_fit_alloc(p, 16, 0, 2, &o), -EINVAL);
	/* a huge but valid alignment just does not fit */
	CHECK_EQ(fl_fit_alloc(p, 16, FL_FIT_MAX_ALIGN, 0, &o), 0);
	CHECK_EQ(o, 0);
	CHECK_EQ(fl_fit_alloc(p, 16, FL_FIT_MAX_ALIGN, 0, &o), -ENOMEM);
	/* free of a non-allocated offset */
	a = must_alloc(p, 100, 0, 0);
	CHECK_EQ(fl_fit_free(p, a + 16), -ENOENT);
	CHECK_EQ(fl_fit_free(p, 60 * KiB), -ENOENT);
	CHECK_EQ(fl_fit_free(p, 1 * MiB), -ENOENT);
	CHECK_EQ(fl_fit_free(p, a), 0);
	CHECK_EQ(fl_fit_free(p, a), -ENOENT);		/* double free */
	CHECK_EQ(fl_fit_lookup(p, a, &(struct fl_fit_alloc_info){ 0 }),
		 -ENOENT);
	/* strategies by name */
	CHECK_EQ(fl_fit_strategy_from_name("best-fit"), FL_FIT_BEST);
	CHECK_EQ(fl_fit_strategy_from_name("next"), FL_FIT_NEXT);
	CHECK_EQ(fl_fit_strategy_from_name("worst-fitx"), -EINVAL);
	CHECK_EQ(fl_fit_strategy_from_name("best-"), -EINVAL);
	CHECK_EQ(fl_fit_strategy_from_name("buddy"), -EINVAL);
	/* destroy with live allocations */
	CHECK_EQ(fl_fit_destroy(p, false), -EBUSY);
	CHECK_POOL(p);
	CHECK_EQ(fl_fit_free(p, 0), 0);
	CHECK_EQ(fl_fit_destroy(p, false), 0);
	CHECK_EQ(fl_fit_destroy(NULL, false), 0);
}

/* -------------------------------------------------- fault injection */

static void snapshot(struct fl_fit_pool *p, struct fl_fit_stats *st, char **h)
{
	fl_fit_get_stats(p, st);
	*h = pool_holes_text(p);
}

TEST(fault_injection_leaves_pool_consistent)
{
	struct fl_fit_pool *p = NULL;
	struct fit_ref r;
	unsigned long k;
	int op, injected = 0;

	/* creation fails cleanly at every metadata allocation */
	for (k = 0; k < 3; k++) {	/* pool, segments, first batch */
		fl_fail_nth(k);
		CHECK_EQ(fl_fit_create(seg_three, 3, 16, FL_FIT_FIRST, &p),
			 -ENOMEM);
	}
	fl_fail_nth(3);
	CHECK_EQ(fl_fit_create(seg_three, 3, 16, FL_FIT_FIRST, &p), 0);
	fl_fail_reset();
	CHECK_POOL(p);
	CHECK_EQ(fl_fit_destroy(p, false), 0);

	seed_rng(7);
	REQUIRE(!fl_fit_create(seg_one, 1, 16, FL_FIT_BEST, &p));
	fit_ref_init(&r, seg_one, 1, 16, FL_FIT_BEST);
	for (op = 0; op < 4000; op++) {
		if (!r.na || rnd_below(3)) {
			u64 size = 1 + rnd_below(200), o1 = 0, o2 = 0;
			struct fl_fit_stats before, after;
			unsigned long inj = fl_fail_injected();
			char *hb, *ha;
			int e, g;

			snapshot(p, &before, &hb);
			fl_fail_every(1);
			g = fl_fit_alloc(p, size, 0, 0, &o2);
			fl_fail_reset();
			if (fl_fail_injected() != inj) {
				CHECK_EQ(g, -ENOMEM);
				/* metadata failure: nothing changed at all */
				snapshot(p, &after, &ha);
				CHECK(!memcmp(&before, &after, sizeof(before)));
				CHECK_STR(ha, hb);
				free(ha);
				CHECK_POOL(p);
				injected++;
				g = fl_fit_alloc(p, size, 0, 0, &o2);
			}
			free(hb);
			e = fit_ref_alloc(&r, size, 0, 0, &o1);
			CHECK_EQ(g, e);
			CHECK_EQ(o1, o2);
		} else {
			u64 off = r.allocs[rnd_below(r.na)].off;

			fl_fail_every(1);	/* free never allocates */
			CHECK_EQ(fl_fit_free(p, off), 0);
			fl_fail_reset();
			CHECK_EQ(fit_ref_free(&r, off), 0);
		}
		CHECK_POOL(p);
	}
	CHECK(injected > 0);
	CHECK_EQ(compare_with_ref(p, &r), 0);
	fl_fit_destroy(p, true);
	fit_ref_destroy(&r);
}

/* --------------------------------------------------------- compaction */

struct compact_ctx {
	u8 *mem;		/* backing bytes, indexed by offset - base */
	u64 base;
	int calls;
	int fail_at;		/* return -EIO on this call (or -1) */
};

static int compact_move(void *priv, u64 old_off, u64 new_off, u64 len)
{
	struct compact_ctx *c = priv;

	if (c->calls++ == c->fail_at)
		return -EIO;
	if (new_off >= old_off)
		return -EINVAL;
	memmove(c->mem + new_off - c->base, c->mem + old_off - c->base, len);
	return 0;
}

struct live {
	u64 off;
	u64 size;
	u8 id;
	bool movable;
};

static int live_cmp(const void *x, const void *y)
{
	const struct live *a = x, *b = y;

	return a->off < b->off ? -1 : a->off > b->off;
}

/* After compaction: no free byte before any movable allocation (per
 * stretch between pinned allocations), contents intact. */
static void check_compacted(struct fl_fit_pool *p, struct compact_ctx *c,
			    struct live *lv, int n)
{
	struct fl_fit_alloc_info ai;
	u64 off = 0, pos;
	u32 seg = ~0U;
	int i, holes_in_stretch = 0;

	/* contents: each live allocation's bytes carry its id */
	for (i = 0; i < n; i++)
		for (pos = 0; pos < lv[i].size; pos++)
			if (c->mem[lv[i].off - c->base + pos] != lv[i].id) {
				FL_TEST_FAIL("alloc %d contents lost", i);
				break;
			}
	/* a movable allocation directly follows its predecessor */
	pos = 0;
	for (off = 0; !fl_fit_next_alloc(p, off, &ai); off = ai.offset + ai.size) {
		struct fl_fit_segment s;

		if (ai.seg != seg) {
			seg = ai.seg;
			fl_fit_get_segment(p, seg, &s);
			pos = s.start;
			holes_in_stretch = 0;
		}
		if ((ai.flags & FL_FIT_MOVABLE) && ai.offset != pos)
			FL_TEST_FAIL("movable alloc at 0x%llx, could be 0x%llx",
				     (unsigned long long)ai.offset,
				     (unsigned long long)pos);
		holes_in_stretch += ai.offset != pos;
		if (holes_in_stretch > 1)
			FL_TEST_FAIL("two holes before 0x%llx",
				     (unsigned long long)ai.offset);
		if (!(ai.flags & FL_FIT_MOVABLE))
			holes_in_stretch = 0;
		pos = ai.offset + ai.size;
	}
}

TEST(compaction_packs_movable_allocations)
{
	struct compact_ctx c = { .fail_at = -1 };
	struct live lv[400];
	struct fl_fit_stats st;
	struct fl_fit_pool *p = NULL;
	int n = 0, i, moved, live_n;
	u64 total_free;

	seed_rng(11);
	REQUIRE(!fl_fit_create(seg_three, 3, 64, FL_FIT_FIRST, &p));
	c.base = seg_three[0].start;
	c.mem = calloc(1, seg_three[2].start + seg_three[2].len - c.base);
	REQUIRE(c.mem);
	for (i = 0; i < 400; i++) {
		u64 size = 1 + rnd_below(3000), off;
		bool movable = rnd_below(5) != 0;

		if (fl_fit_alloc(p, size, 0, movable ? FL_FIT_MOVABLE : 0,
				 &off))
			break;
		lv[n].off = off;
		lv[n].size = size;
		lv[n].id = (u8)(n + 1);
		lv[n].movable = movable;
		memset(c.mem + off - c.base, lv[n].id, size);
		n++;
	}
	/* free a random half */
	live_n = 0;
	for (i = 0; i < n; i++) {
		if (rnd_below(2)) {
			CHECK_EQ(fl_fit_free(p, lv[i].off), 0);
			continue;
		}
		lv[live_n++] = lv[i];
	}
	qsort(lv, live_n, sizeof(lv[0]), live_cmp);
	fl_fit_get_stats(p, &st);
	total_free = st.free_bytes;
	CHECK(st.nr_holes > 10);
	moved = fl_fit_compact(p, compact_move, &c);
	CHECK(moved > 0);
	CHECK_EQ(moved, c.calls);
	/* map each live allocation to its new offset by walking in order */
	{
		struct fl_fit_alloc_info ai;
		u64 off = 0;
		int k = 0;

		/* order is preserved by compaction */
		for (off = 0; !fl_fit_next_alloc(p, off, &ai);
		     off = ai.offset + ai.size) {
			if (k < live_n) {
				CHECK_EQ(ai.requested, lv[k].size);
				lv[k].off = ai.offset;
			}
			k++;
		}
		CHECK_EQ(k, live_n);
	}
	check_compacted(p, &c, lv, live_n);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.free_bytes, total_free);
	CHECK_EQ(st.moves, moved);
	CHECK_POOL(p);
	/* a second pass has nothing to do */
	CHECK_EQ(fl_fit_compact(p, compact_move, &c), 0);
	fl_fit_destroy(p, true);
	free(c.mem);
}

TEST(compaction_all_movable_gives_one_hole_per_segment)
{
	struct fl_fit_pool *p = one_seg(0, 1 * MiB, 16, FL_FIT_WORST);
	struct fl_fit_stats st;
	u64 off[100];
	int i;

	REQUIRE(p);
	for (i = 0; i < 100; i++)
		off[i] = must_alloc(p, 1000 + i, 0, FL_FIT_MOVABLE);
	for (i = 0; i < 100; i += 3)
		fl_fit_free(p, off[i]);
	CHECK(fl_fit_compact(p, NULL, NULL) > 0);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.nr_holes, 1);
	CHECK_EQ(st.largest_hole, st.free_bytes);
	CHECK_EQ(st.ext_frag_permille, 0);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
}

TEST(compaction_callback_error_and_move_errors)
{
	struct compact_ctx c = { .fail_at = 1 };
	struct fl_fit_pool *p = one_seg(0, 64 * KiB, 16, FL_FIT_FIRST);
	struct fl_fit_alloc_info ai;
	u64 a, b, d, e, f, g;

	REQUIRE(p);
	c.mem = calloc(1, 64 * KiB);
	a = must_alloc(p, 1024, 0, FL_FIT_MOVABLE);
	b = must_alloc(p, 1024, 0, FL_FIT_MOVABLE);
	d = must_alloc(p, 1024, 0, FL_FIT_MOVABLE);
	e = must_alloc(p, 1024, 256, 0);	/* pinned, at 3K */
	g = must_alloc(p, 1024, 0, FL_FIT_MOVABLE);
	f = must_alloc(p, 1024, 0, FL_FIT_MOVABLE);	/* at 5K */
	CHECK_EQ(e, 3072);
	CHECK_EQ(f, 5120);
	CHECK_EQ(fl_fit_free(p, a), 0);
	CHECK_EQ(fl_fit_free(p, d), 0);
	CHECK_EQ(fl_fit_free(p, g), 0);
	/* fl_fit_move errors */
	CHECK_EQ(fl_fit_move(p, a, 0), -ENOENT);
	CHECK_EQ(fl_fit_move(p, b, 8), -EINVAL);	/* misaligned */
	CHECK_EQ(fl_fit_move(p, b, e), -EBUSY);		/* pinned there */
	CHECK_EQ(fl_fit_move(p, b, e - 512), -EBUSY);	/* overlaps e */
	CHECK_EQ(fl_fit_move(p, b, b), 0);
	CHECK_EQ(fl_fit_move(p, b, 2048), 0);		/* up */
	CHECK_EQ(fl_fit_lookup(p, 2048, &ai), 0);
	CHECK_EQ(fl_fit_move(p, 2048, 16), 0);
	CHECK_POOL(p);
	CHECK_EQ(fl_fit_move(p, 16, 1040), 0);		/* down, overlapping */
	CHECK_EQ(fl_fit_move(p, 1040, 2048), 0);
	CHECK_EQ(must_alloc(p, 512, 0, FL_FIT_MOVABLE), 0);
	/* b moves down to 512, then the callback for f fails */
	CHECK_EQ(fl_fit_compact(p, compact_move, &c), -EIO);
	CHECK_EQ(fl_fit_lookup(p, 2048, &ai), -ENOENT);
	CHECK_EQ(fl_fit_lookup(p, 512, &ai), 0);
	CHECK_EQ(fl_fit_lookup(p, f, &ai), 0);
	CHECK_POOL(p);
	fl_fit_destroy(p, true);
	free(c.mem);
}

/* -------------------------------------------------------------- buddy */

TEST(pool_from_buddy_segments_and_return)
{
	struct fl_chunk ch = { .start = 0, .nr_pages = 8192, .vaddr = NULL };
	struct fl_buddy *b;
	struct fl_buddy_stats bs;
	struct fl_fit_pool *p = NULL;
	struct fl_fit_stats st;
	struct fl_fit_segment s;
	void *mem = malloc(8192 * FL_PAGE_SIZE);
	u64 o;
	u32 i;

	REQUIRE(mem);
	ch.vaddr = mem;
	b = fl_buddy_create(&ch, 1, FL_MAX_ORDER, false);
	REQUIRE(b);
	/* 16 MiB + 12 KiB: 4 order-10 blocks, an order-1 and an order-0 */
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 16 * MiB + 12 * KiB - 100,
					       4096, FL_FIT_BEST, 7, &p), 0);
	REQUIRE(p);
	fl_fit_get_stats(p, &st);
	CHECK_EQ(st.pool_bytes, 16 * MiB + 12 * KiB);
	CHECK(st.nr_segments >= 1 && st.nr_segments <= 6);
	for (i = 0; i < fl_fit_nr_segments(p); i++) {
		CHECK_EQ(fl_fit_get_segment(p, i, &s), 0);
		CHECK_EQ(s.start % FL_PAGE_SIZE, 0);
	}
	fl_buddy_get_stats(b, &bs);
	CHECK_EQ(bs.free_pages, 8192 - 4099);
	CHECK_EQ(bs.nr_allocated, 6);
	CHECK_POOL(p);
	o = must_alloc(p, 1 * MiB, 0, 0);
	CHECK_EQ(fl_fit_destroy(p, false), -EBUSY);
	CHECK_EQ(fl_fit_free(p, o), 0);
	CHECK_EQ(fl_fit_destroy(p, false), 0);
	fl_buddy_get_stats(b, &bs);
	CHECK_EQ(bs.free_pages, 8192);
	CHECK_EQ(bs.nr_allocated, 0);
	/* too big for the arena; no memory left in the buddy */
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 8193 * FL_PAGE_SIZE, 4096,
					       FL_FIT_BEST, 7, &p), -EINVAL);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 0, 4096, FL_FIT_BEST, 7, &p),
		 -EINVAL);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 4096, 4096, 9, 7, &p),
		 -EINVAL);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 4096, 4095, 0, 7, &p),
		 -EINVAL);
	/* fault injection in the metadata: buddy gets everything back */
	for (i = 0; i < 5; i++) {
		fl_fail_nth(i);
		CHECK_EQ(fl_fit_pool_create_from_buddy(b, 5 * MiB, 4096,
						       FL_FIT_FIRST, 7, &p),
			 -ENOMEM);
		fl_fail_reset();
		fl_buddy_get_stats(b, &bs);
		CHECK_EQ(bs.free_pages, 8192);
	}
	fl_buddy_destroy(b);
	free(mem);
}

/* Adjacent max-order blocks merge within a chunk, never across chunks. */
TEST(pool_from_buddy_chunk_boundaries)
{
	struct fl_chunk ch[2] = {
		{ .start = 0, .nr_pages = 1024, .vaddr = NULL },
		{ .start = 1024, .nr_pages = 1024, .vaddr = NULL },
	};
	struct fl_fit_pool *p = NULL;
	struct fl_buddy *b;
	u8 *mem = malloc(2048 * FL_PAGE_SIZE);

	REQUIRE(mem);
	/* no addresses: adjacency is unknown, kept as two segments */
	b = fl_buddy_create(ch, 2, FL_MAX_ORDER, false);
	REQUIRE(b);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 8 * MiB, 4096, FL_FIT_FIRST,
					       1, &p), 0);
	REQUIRE(p);
	CHECK_EQ(fl_fit_nr_segments(p), 2);
	CHECK_POOL(p);
	fl_fit_destroy(p, false);
	fl_buddy_destroy(b);
	/* two chunks of one buffer: physically contiguous, one segment */
	ch[0].vaddr = mem;
	ch[1].vaddr = mem + 1024 * FL_PAGE_SIZE;
	b = fl_buddy_create(ch, 2, FL_MAX_ORDER, false);
	REQUIRE(b);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 8 * MiB, 4096, FL_FIT_FIRST,
					       1, &p), 0);
	REQUIRE(p);
	CHECK_EQ(fl_fit_nr_segments(p), 1);
	CHECK_POOL(p);
	fl_fit_destroy(p, false);
	/* no room for a second pool */
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 8 * MiB, 4096, FL_FIT_FIRST,
					       1, &p), 0);
	CHECK_EQ(fl_fit_pool_create_from_buddy(b, 4096, 4096, FL_FIT_FIRST,
					       1, &(struct fl_fit_pool *){ 0 }),
		 -ENOMEM);
	fl_fit_destroy(p, false);
	fl_buddy_destroy(b);
	free(mem);
}

/* ---------------------------------------------------------- text output */

TEST(text_output)
{
	struct fl_fit_segment segs[] = { { 0, 4096 }, { 8192, 4096 } };
	struct fl_fit_pool *p = NULL;
	char buf[2048], small[40], mid[64];
	u64 pos = 0;
	int n;

	REQUIRE(!fl_fit_create(segs, 2, 256, FL_FIT_WORST, &p));
	CHECK_EQ(must_alloc(p, 256, 0, 0), 0);	/* equal holes: lowest */
	CHECK_EQ(must_alloc(p, 512, 0, FL_FIT_MOVABLE), 8192);
	CHECK_EQ(must_alloc(p, 256, 0, FL_FIT_MOVABLE), 256);
	n = fl_fit_show_map(p, &pos, buf, sizeof(buf));
	CHECK_EQ(pos, FL_FIT_POS_END);
	CHECK_EQ(n, (int)strlen(buf));
	CHECK_STR(buf,
		  "segment 0 0x0 4096\n"
		  "used 0x0 512 allocs=2 pinned=1\n"
		  "free 0x200 3584\n"
		  "segment 1 0x2000 4096\n"
		  "used 0x2000 512 allocs=1 pinned=0\n"
		  "free 0x2200 3584\n");
	/* resumable with a small buffer: same text */
	{
		char all[2048] = "";

		pos = 0;
		while (pos != FL_FIT_POS_END) {
			n = fl_fit_show_map(p, &pos, mid, sizeof(mid));
			REQUIRE(n > 0);
			strcat(all, mid);
		}
		CHECK_STR(all, buf);
	}
	pos = 0;
	n = fl_fit_show_holes(p, &pos, small, 16);
	CHECK_EQ(n, 11);
	CHECK_STR(small, "0x200 3584\n");
	CHECK_EQ(pos, 0x2200);
	n = fl_fit_show_holes(p, &pos, small, 8);
	CHECK_EQ(n, 0);				/* too small for a line */
	CHECK_EQ(pos, 0x2200);
	n = fl_fit_show_stats(p, buf, sizeof(buf));
	CHECK_EQ(n, (int)strlen(buf));
	CHECK(strstr(buf, "strategy worst-fit\n"));
	CHECK(strstr(buf, "holes 2\n"));
	CHECK(strstr(buf, "largest_hole 3584\n"));
	/* free 7168, largest 3584, cap one segment: 1000 * 512 / 4096 */
	CHECK(strstr(buf, "external_frag_permille 125\n"));
	CHECK(strstr(buf, "hole_hist 2048:2\n"));
	n = fl_fit_show_stats(p, small, sizeof(small));
	CHECK(n > 0 && n < (int)sizeof(small));
	fl_fit_destroy(p, true);
}
