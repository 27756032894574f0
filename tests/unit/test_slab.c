// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab.c - tests of module/core/fl_slab.c and fl_kmalloc.c.
 */
#include "fl_test.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"
#include "fl_slab.h"
#include "fl_port_user.h"

static char check_msg[256];

#define CHECK_SLAB(r) do {						\
	int __r = fl_slab_check((r), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_slab_check: %d: %s", __r, check_msg);	\
} while (0)

#define CHECK_BUDDY(b) do {						\
	int __r = fl_buddy_check((b), check_msg, sizeof(check_msg));	\
	if (__r)							\
		FL_TEST_FAIL("fl_buddy_check: %d: %s", __r, check_msg);	\
} while (0)

/* An arena of @nr_pages in one chunk, with memory unless @sim. */
struct arena {
	struct fl_buddy *b;
	struct fl_slab_root *r;
	void *mem;
	u32 nr_pages;
};

static bool arena_init(struct arena *a, u32 nr_pages, bool sim)
{
	struct fl_chunk c = { .start = 0, .nr_pages = nr_pages };

	memset(a, 0, sizeof(*a));
	a->nr_pages = nr_pages;
	if (!sim) {
		a->mem = aligned_alloc(FL_PAGE_SIZE,
				       (size_t)nr_pages * FL_PAGE_SIZE);
		if (!a->mem)
			return false;
		memset(a->mem, 0xa5, (size_t)nr_pages * FL_PAGE_SIZE);
	}
	c.vaddr = a->mem;
	a->b = fl_buddy_create(&c, 1, FL_MAX_ORDER, true);
	if (!a->b)
		return false;
	return fl_slab_root_create(a->b, &a->r) == 0;
}

/*
 * Two chunks of @half pages whose memory is swapped: pages [0, half) live
 * in the second half of the buffer, [half, 2 * half) in the first, so no
 * one section's base and start translate the other's addresses (as in
 * the kernel, where each chunk is wherever alloc_pages() found it).
 */
static bool arena_init_swapped(struct arena *a, u32 half)
{
	struct fl_chunk c[2] = {
		{ .start = 0, .nr_pages = half },
		{ .start = half, .nr_pages = half },
	};

	memset(a, 0, sizeof(*a));
	a->nr_pages = 2 * half;
	a->mem = aligned_alloc(FL_PAGE_SIZE, (size_t)a->nr_pages * FL_PAGE_SIZE);
	if (!a->mem)
		return false;
	c[0].vaddr = (char *)a->mem + (size_t)half * FL_PAGE_SIZE;
	c[1].vaddr = a->mem;
	a->b = fl_buddy_create(c, 2, FL_MAX_ORDER, true);
	if (!a->b)
		return false;
	return fl_slab_root_create(a->b, &a->r) == 0;
}

static void arena_fini(struct arena *a)
{
	fl_slab_root_destroy(a->r);
	if (a->b) {
		struct fl_buddy_stats st;

		fl_buddy_get_stats(a->b, &st);
		CHECK_EQ(st.free_pages, st.total_pages);
		CHECK_BUDDY(a->b);
		fl_buddy_destroy(a->b);
	}
	free(a->mem);
}

static u64 buddy_free_pages(struct fl_buddy *b)
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(b, &st);
	return st.free_pages;
}

static struct fl_slab_stats stats_of(struct fl_slab_cache *c)
{
	struct fl_slab_stats st;

	fl_slab_cache_get_stats(c, &st);
	return st;
}

/* ------------------------------------------------------------ geometry */

/*
 * Independent statement of mm/slub.c calculate_order() (slub_min_order 0,
 * slub_max_order 3): try orders from the min_objects order upwards, first
 * accepting 1/16 of waste, then 1/8, 1/4, 1/2.
 */
static u32 ref_order(u32 size, u32 min_objects)
{
	u32 max_objs = (4096u << 3) / size, min_order = 0, frac, o;

	if (!min_objects)
		min_objects = 1;
	if (max_objs < 1)
		max_objs = 1;
	if (min_objects > max_objs)
		min_objects = max_objs;
	while ((4096u << min_order) < min_objects * size)
		min_order++;
	for (frac = 16; frac >= 2; frac /= 2)
		for (o = min_order; o <= 3; o++)
			if ((4096u << o) % size <= (4096u << o) / frac)
				return o;
	return 99;
}

/*
 * mm/slub.c calculate_sizes() (6.12, 6.1): ALIGN(object_size, sizeof(void
 * *)), plus sizeof(void *) for the free pointer when the cache has a
 * constructor (s->offset = size), then ALIGN(size, align).
 */
static u32 ref_size(u32 object_size, u32 align, bool ctor)
{
	u32 a = align < 8 ? 8 : align;
	u32 s = (object_size + 7) / 8 * 8;

	if (ctor)
		s += 8;
	return (s + a - 1) / a * a;
}

/* get_order(): the smallest order whose block holds @bytes */
static u32 ref_get_order(u32 bytes)
{
	u32 o = 0;

	while ((4096u << o) < bytes)
		o++;
	return o;
}

TEST(geometry_matches_slub_rule)
{
	static const u32 mins[] = { 1, 8, 12, 16, 24, 32 };
	static const u32 aligns[] = { 0, 8, 16, 64, 256, 4096 };
	struct fl_slab_geometry g;
	u32 size, m, a, bad = 0;
	int ctor;

	for (ctor = 0; ctor < 2; ctor++)
	for (size = 1; size <= 32768; size += (size < 8192 ? 1 : 37)) {
		for (m = 0; m < ARRAY_SIZE(mins); m++) {
			for (a = 0; a < ARRAY_SIZE(aligns); a++) {
				u32 rs = ref_size(size, aligns[a], ctor);
				int ret = fl_slab_calc_geometry(size, aligns[a],
								mins[m], ctor, &g);

				if (rs > 32768) {
					bad += ret != -EINVAL;
					continue;
				}
				if (ret || g.size != rs ||
				    g.order != ref_order(rs, mins[m]) ||
				    g.objs != (4096u << g.order) / rs ||
				    g.leftover != (4096u << g.order) % rs ||
				    g.min_order != ref_get_order(rs) ||
				    g.min_objs != (4096u << g.min_order) / rs) {
					if (!bad)
						FL_TEST_FAIL("size %u align %u min %u: ret %d size %u order %u (ref %u) objs %u",
							     size, aligns[a], mins[m], ret,
							     g.size, g.order,
							     ref_order(rs, mins[m]), g.objs);
					bad++;
				}
			}
		}
	}
	CHECK_EQ(bad, 0);
}

TEST(geometry_known_values)
{
	struct fl_slab_geometry g;

	/* 2 CPUs: min_objects 12, as on a 2-vCPU VM's /proc/slabinfo */
	CHECK_EQ(fl_slab_default_min_objects(2), 12);
	CHECK_EQ(fl_slab_default_min_objects(1), 8);
	CHECK_EQ(fl_slab_default_min_objects(8), 20);
	CHECK_EQ(fl_slab_calc_geometry(192, 0, 12, false, &g), 0);
	CHECK(g.order == 0 && g.objs == 21 && g.leftover == 64);
	CHECK_EQ(fl_slab_calc_geometry(1024, 0, 12, false, &g), 0);
	CHECK(g.order == 2 && g.objs == 16);
	CHECK_EQ(fl_slab_calc_geometry(2048, 0, 12, false, &g), 0);
	CHECK(g.order == 3 && g.objs == 16);
	CHECK_EQ(fl_slab_calc_geometry(4096, 0, 12, false, &g), 0);
	CHECK(g.order == 3 && g.objs == 8);
	CHECK_EQ(fl_slab_calc_geometry(8192, 0, 12, false, &g), 0);
	CHECK(g.order == 3 && g.objs == 4);
	/*
	 * Constructor caches, free pointer behind the object
	 * (calculate_sizes()): 4096 -> 4104, min_objects 12 clamped to the
	 * 32768 / 4104 = 7 an order-3 slab holds, so order 3 with 7 objects
	 * (leftover 4040 <= 1/8); 256 -> 264, order 0 (4096 % 264 = 136 <=
	 * 1/16 after get_order(12 * 264) = 0), 4096 / 264 = 15 objects.
	 */
	CHECK_EQ(fl_slab_calc_geometry(4096, 0, 12, true, &g), 0);
	CHECK(g.size == 4096 + 8 && g.order == 3 && g.objs == 32768 / 4104);
	CHECK_EQ(g.objs, 7);
	CHECK_EQ(fl_slab_calc_geometry(256, 0, 12, true, &g), 0);
	CHECK(g.size == 256 + 8 && g.order == 0 && g.objs == 4096 / 264);
	CHECK_EQ(g.objs, 15);
	/* 32768 + 8 does not fit an order-3 slab */
	CHECK_EQ(fl_slab_calc_geometry(32768, 0, 1, true, &g), -EINVAL);
	/*
	 * calculate_order() (6.12 and 6.1): num_present_cpus(), nr_cpu_ids
	 * only when that is <= 1.
	 */
	CHECK_EQ(fl_slab_min_objects_cpus(2, 64), 2);
	CHECK_EQ(fl_slab_min_objects_cpus(1, 64), 64);
	CHECK_EQ(fl_slab_min_objects_cpus(0, 8), 8);
	CHECK_EQ(fl_slab_default_min_objects(fl_slab_min_objects_cpus(2, 64)),
		 4 * (2 + 1));
	/* plain 1/16 rule: 700 -> 704 B: order 0 wastes 576 > 256 */
	CHECK_EQ(fl_slab_calc_geometry(700, 0, 1, false, &g), 0);
	CHECK(g.size == 704 && g.order == 1 && g.objs == 11 &&
	      g.leftover == 448);
	CHECK_EQ(fl_slab_calc_geometry(32768, 0, 1, false, &g), 0);
	CHECK(g.order == 3 && g.objs == 1 && g.leftover == 0);
	/* 20000 B fits only at order 3 with 12768 B left (1/2 accepted) */
	CHECK_EQ(fl_slab_calc_geometry(20000, 0, 1, false, &g), 0);
	CHECK(g.order == 3 && g.objs == 1);
	CHECK_EQ(fl_slab_calc_geometry(100, 64, 1, false, &g), 0);
	CHECK_EQ(g.size, 128);
	CHECK_EQ(fl_slab_calc_geometry(0, 0, 1, false, &g), -EINVAL);
	CHECK_EQ(fl_slab_calc_geometry(32769, 0, 1, false, &g), -EINVAL);
	CHECK_EQ(fl_slab_calc_geometry(30000, 4096, 1, false, &g), 0);
	CHECK(g.size == 32768 && g.order == 3);
	CHECK_EQ(fl_slab_calc_geometry(64, 3, 1, false, &g), -EINVAL);
	CHECK_EQ(fl_slab_calc_geometry(64, 8192, 1, false, &g), -EINVAL);
	CHECK_EQ(fl_slab_min_partial(8), 5);
	CHECK_EQ(fl_slab_min_partial(4096), 6);
	CHECK_EQ(fl_slab_min_partial(32768), 7);
}

/* ------------------------------------------------------------ ctor */

struct obj {
	u64 magic;
	u64 serial;
	u8 payload[48];
};

static unsigned long ctor_runs;

static void obj_ctor(void *p, void *arg)
{
	struct obj *o = p;

	o->magic = (u64)(uintptr_t)arg;
	o->serial = __atomic_add_fetch(&ctor_runs, 1, __ATOMIC_RELAXED);
	memset(o->payload, 0x5c, sizeof(o->payload));
}

static bool obj_constructed(const struct obj *o, u64 magic)
{
	u32 i;

	if (o->magic != magic || !o->serial)
		return false;
	for (i = 0; i < sizeof(o->payload); i++)
		if (o->payload[i] != 0x5c)
			return false;
	return true;
}

TEST(ctor_runs_once_objects_keep_state)
{
	struct arena a;
	struct fl_slab_cache *c;
	struct fl_slab_stats st;
	enum { N = 200 };
	u64 off[N], off2[N];
	void *p[N];
	int i, j, same = 0;

	REQUIRE(arena_init(&a, 1024, false));
	ctor_runs = 0;
	REQUIRE(fl_slab_cache_create(a.r, "obj", sizeof(struct obj), 0, 0,
				     obj_ctor, (void *)0xfeedULL, &c) == 0);
	for (i = 0; i < N; i++) {
		REQUIRE(fl_slab_cache_alloc(c, &off[i], &p[i]) == 0);
		CHECK(obj_constructed(p[i], 0xfeed));
		CHECK((u8 *)p[i] - (u8 *)a.mem == (long)off[i]);
	}
	st = stats_of(c);
	CHECK_EQ(st.ctor_calls, st.num_objs);
	CHECK_EQ(st.ctor_calls, ctor_runs);
	CHECK_EQ(st.live_objs, N);
	CHECK_SLAB(a.r);
	for (i = 0; i < N; i++)
		CHECK_EQ(fl_slab_cache_free(c, off[i]), 0);
	CHECK_SLAB(a.r);
	for (i = 0; i < N; i++) {
		REQUIRE(fl_slab_cache_alloc(c, &off2[i], &p[i]) == 0);
		CHECK(obj_constructed(p[i], 0xfeed));
	}
	CHECK_EQ(stats_of(c).ctor_calls, st.ctor_calls);
	CHECK_EQ(ctor_runs, st.ctor_calls);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			same += off2[i] == off[j];
	/* no slab was created: the objects came from the same slabs */
	CHECK_EQ(stats_of(c).slabs_allocated, st.slabs_allocated);
	CHECK(same >= N - (int)(st.num_objs - N));
	CHECK(stats_of(c).alloc_hits > 0);
	CHECK_SLAB(a.r);
	for (i = 0; i < N; i++)
		CHECK_EQ(fl_slab_cache_free_ptr(c, p[i]), 0);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

/*
 * A slab whose block the buddy says belongs to someone else: the checker
 * reports it through fl_check_fail(), "slab NAME: ..." at that page, and
 * is clean again once the owner is back.
 */
TEST(check_reports_foreign_owner)
{
	struct arena a;
	struct fl_slab_cache *c;
	struct fl_page_info pi;
	char want[96];
	u64 off;
	void *p;
	u32 idx;

	REQUIRE(arena_init(&a, 1024, false));
	REQUIRE(fl_slab_cache_create(a.r, "victim", 64, 0, 0, NULL, NULL,
				     &c) == 0);
	REQUIRE(fl_slab_cache_alloc(c, &off, &p) == 0);
	CHECK_SLAB(a.r);
	fl_lock(__fl_buddy_lock(a.b));
	for (idx = __fl_buddy_next_block(a.b, 0, &pi); idx != FL_BUDDY_NONE;
	     idx = __fl_buddy_next_block(a.b, idx + (1U << pi.order), &pi))
		if (pi.state == FL_PAGE_ALLOC_HEAD &&
		    pi.owner_kind == FL_OWN_SLAB)
			break;
	REQUIRE(idx != FL_BUDDY_NONE);
	CHECK_EQ(__fl_buddy_set_owner(a.b, idx, FL_OWN_SLAB, pi.owner + 1), 0);
	fl_unlock(__fl_buddy_lock(a.b));
	strcpy(check_msg, "stale text");
	CHECK_EQ(fl_slab_check(a.r, check_msg, sizeof(check_msg)), -EUCLEAN);
	snprintf(want, sizeof(want),
		 "slab victim: slab at page %u is not owned by it in the buddy",
		 idx);
	CHECK(!strncmp(check_msg, want, strlen(want)));
	fl_lock(__fl_buddy_lock(a.b));
	CHECK_EQ(__fl_buddy_set_owner(a.b, idx, FL_OWN_SLAB, pi.owner), 0);
	fl_unlock(__fl_buddy_lock(a.b));
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_free(c, off), 0);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&a);
}

/*
 * The paced checker (fl_slab_check_paced()): a cache of many slabs,
 * every other object live, so each slab is on the partial list.
 */
#define PACE_OBJS	2048
#define PACE_STEP	64	/* object states + free entries + pages */

struct pace {
	struct arena a;
	struct fl_slab_cache *c, *gone;
	u64 off[PACE_OBJS];
	u32 pauses, mutate;	/* pauses seen; change the cache on the first @mutate */
	bool destroy;		/* destroy @gone at the first pause */
};

static void pace_init(struct pace *p, u32 flags)
{
	u32 i;
	void *ptr;

	memset(p, 0, sizeof(*p));
	REQUIRE(arena_init(&p->a, 4096, false));
	REQUIRE(fl_slab_cache_create(p->a.r, "paced", 64, 0,
				     flags | FL_SLAB_NO_CPU_CACHE, NULL, NULL,
				     &p->c) == 0);
	for (i = 0; i < PACE_OBJS; i++)
		REQUIRE(fl_slab_cache_alloc(p->c, &p->off[i], &ptr) == 0);
	for (i = 0; i < PACE_OBJS; i += 2)
		REQUIRE(fl_slab_cache_free(p->c, p->off[i]) == 0);
}

static void pace_fini(struct pace *p)
{
	u32 i;

	for (i = 1; i < PACE_OBJS; i += 2)
		CHECK_EQ(fl_slab_cache_free(p->c, p->off[i]), 0);
	CHECK_EQ(fl_slab_cache_destroy(p->c), 0);
	arena_fini(&p->a);
}

/* Between two holds: an allocation and a free, as another user's. */
static void pace_pause(void *arg)
{
	struct pace *p = arg;
	u64 off;
	void *ptr;

	p->pauses++;
	if (p->destroy && p->gone) {
		CHECK_EQ(fl_slab_cache_destroy(p->gone), 0);
		p->gone = NULL;
	}
	if (p->pauses > p->mutate)
		return;
	CHECK_EQ(fl_slab_cache_alloc(p->c, &off, &ptr), 0);
	CHECK_EQ(fl_slab_cache_free(p->c, off), 0);
}

/*
 * Holds are bounded: 64 units each over a cache of 32 slabs (64 objects,
 * 32 free, one page each: 97 units) means at least one pause per slab;
 * changes between holds start the cache over and the verdict is still
 * clean; a change in every walk gives up with -EAGAIN and a sentence.
 */
TEST(check_paced_restarts)
{
	struct pace p;
	u32 calm;

	pace_init(&p, 0);
	CHECK_EQ(fl_slab_check_paced(p.a.r, check_msg, sizeof(check_msg),
				     PACE_STEP, pace_pause, &p), 0);
	calm = p.pauses;
	CHECK(calm >= PACE_OBJS / 64);
	p.pauses = 0;
	p.mutate = 3;
	CHECK_EQ(fl_slab_check_paced(p.a.r, check_msg, sizeof(check_msg),
				     PACE_STEP, pace_pause, &p), 0);
	CHECK(p.pauses > calm);		/* walked again after the changes */
	p.pauses = 0;
	p.mutate = ~0U;
	strcpy(check_msg, "stale text");
	CHECK_EQ(fl_slab_check_paced(p.a.r, check_msg, sizeof(check_msg),
				     PACE_STEP, pace_pause, &p), -EAGAIN);
	CHECK(!strcmp(check_msg,
		      "slab paced: changed during each of 8 walks: not verified, try again"));
	/* unpaced: one walk, no pause, the same verdict */
	CHECK_SLAB(p.a.r);
	pace_fini(&p);
}

/* A cache destroyed between two holds is skipped; the rest is checked. */
TEST(check_paced_cache_destroyed_meanwhile)
{
	struct pace p;

	pace_init(&p, 0);
	REQUIRE(fl_slab_cache_create(p.a.r, "gone", 32, 0, 0, NULL, NULL,
				     &p.gone) == 0);
	p.destroy = true;
	CHECK_EQ(fl_slab_check_paced(p.a.r, check_msg, sizeof(check_msg),
				     PACE_STEP, pace_pause, &p), 0);
	CHECK(!p.gone);
	pace_fini(&p);
}

/*
 * A corrupt slab deep in the walk is found by the paced walk with the
 * same sentence as by the one-hold walk; in a FL_SLAB_SHARED cache (the
 * in-kernel API's, changed by its users during the check) the same state
 * is "not verified", never corruption.
 */
static void check_paced_corrupt(u32 flags, int want)
{
	struct pace p;
	struct fl_page_info pi;
	char one[256], want_msg[96];
	u32 idx, n = 0;

	pace_init(&p, flags);
	fl_lock(__fl_buddy_lock(p.a.b));
	for (idx = __fl_buddy_next_block(p.a.b, 0, &pi); idx != FL_BUDDY_NONE;
	     idx = __fl_buddy_next_block(p.a.b, idx + (1U << pi.order), &pi))
		if (pi.state == FL_PAGE_ALLOC_HEAD &&
		    pi.owner_kind == FL_OWN_SLAB && ++n == 20)
			break;
	REQUIRE(idx != FL_BUDDY_NONE);
	CHECK_EQ(__fl_buddy_set_owner(p.a.b, idx, FL_OWN_SLAB, pi.owner + 1), 0);
	fl_unlock(__fl_buddy_lock(p.a.b));
	CHECK_EQ(fl_slab_check(p.a.r, one, sizeof(one)), want);
	CHECK_EQ(fl_slab_check_paced(p.a.r, check_msg, sizeof(check_msg),
				     PACE_STEP, pace_pause, &p), want);
	CHECK(!strcmp(one, check_msg));
	if (want == -EUCLEAN) {
		snprintf(want_msg, sizeof(want_msg),
			 "slab paced: slab at page %u is not owned by it in the buddy",
			 idx);
		CHECK(!strncmp(check_msg, want_msg, strlen(want_msg)));
		/* the 20th slab by address is the 13th on its (LIFO) list */
		CHECK(p.pauses >= 12);
	} else {
		CHECK(!strcmp(check_msg,
			      "slab paced: changed during each of 8 walks: not verified, try again"));
	}
	CHECK_EQ(fl_slab_cache_check(p.c, one, sizeof(one)), want);
	fl_lock(__fl_buddy_lock(p.a.b));
	CHECK_EQ(__fl_buddy_set_owner(p.a.b, idx, FL_OWN_SLAB, pi.owner), 0);
	fl_unlock(__fl_buddy_lock(p.a.b));
	CHECK_SLAB(p.a.r);
	pace_fini(&p);
}

TEST(check_paced_finds_corruption)
{
	check_paced_corrupt(0, -EUCLEAN);
}

TEST(check_paced_shared_cache_not_verified)
{
	check_paced_corrupt(FL_SLAB_SHARED, -EAGAIN);
}

TEST(sim_arena_no_memory_no_ctor)
{
	struct arena a;
	struct fl_slab_cache *c;
	u64 off;
	void *p = (void *)1;

	REQUIRE(arena_init(&a, 256, true));
	ctor_runs = 0;
	REQUIRE(fl_slab_cache_create(a.r, "sim", 64, 0, 0, obj_ctor, NULL,
				     &c) == 0);
	CHECK_EQ(fl_slab_cache_alloc(c, &off, &p), 0);
	CHECK(p == NULL);
	CHECK_EQ(ctor_runs, 0);
	CHECK_EQ(stats_of(c).ctor_calls, 0);
	CHECK_EQ(fl_slab_cache_of(a.r, off), c);
	CHECK_EQ(fl_slab_ptr_to_offset(a.r, (void *)0x1000, &off), -ENOENT);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_free(c, off), 0);
	arena_fini(&a);
}

/* ------------------------------------------------------------ errors */

TEST(create_errors)
{
	struct arena a, a2;
	struct fl_slab_cache *c, *c2;

	REQUIRE(arena_init(&a, 256, false));
	REQUIRE(arena_init(&a2, 256, false));
	CHECK_EQ(fl_slab_cache_create(a.r, "", 64, 0, 0, NULL, NULL, &c),
		 -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, NULL, 64, 0, 0, NULL, NULL, &c),
		 -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "0123456789012345678901234567890x",
				      64, 0, 0, NULL, NULL, &c), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "0123456789012345678901234567890",
				      64, 0, 0, NULL, NULL, &c), 0);
	CHECK_EQ(fl_slab_cache_create(a.r, "with space", 64, 0, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "tab\there", 64, 0, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "bel\a", 64, 0, 0, NULL, NULL, &c2),
		 -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "hi\xc3\xa9", 64, 0, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "0123456789012345678901234567890",
				      32, 0, 0, NULL, NULL, &c2), -EEXIST);
	/* names are per root */
	CHECK_EQ(fl_slab_cache_create(a2.r, "0123456789012345678901234567890",
				      32, 0, 0, NULL, NULL, &c2), 0);
	CHECK_EQ(fl_slab_cache_find(a.r, "0123456789012345678901234567890"),
		 c);
	CHECK(fl_slab_cache_find(a.r, "nope") == NULL);
	CHECK_EQ(fl_slab_cache_create(a.r, "zero", 0, 0, 0, NULL, NULL, &c2),
		 -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "huge", 32769, 0, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "max", 32768, 0, 0, NULL, NULL,
				      &c2), 0);
	CHECK_EQ(fl_slab_cache_create(a.r, "align3", 64, 3, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "align12", 64, 12, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "align8k", 64, 8192, 0, NULL, NULL,
				      &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "flags", 64, 0, FL_SLAB_KMALLOC,
				      NULL, NULL, &c2), -EINVAL);
	CHECK_EQ(fl_slab_cache_create(a.r, "flags2", 64, 0, 1U << 20, NULL,
				      NULL, &c2), -EINVAL);
	CHECK_SLAB(a.r);
	CHECK_SLAB(a2.r);
	arena_fini(&a);
	arena_fini(&a2);
}

TEST(free_and_destroy_errors)
{
	struct arena a;
	struct fl_slab_cache *c1, *c2, *km;
	u64 o1, o2, ok, pages;
	struct fl_slab_stats st;

	REQUIRE(arena_init(&a, 256, false));
	REQUIRE(fl_slab_cache_create(a.r, "c1", 100, 0, 0, NULL, NULL, &c1) ==
		0);
	REQUIRE(fl_slab_cache_create(a.r, "c2", 100, 0, 0, NULL, NULL, &c2) ==
		0);
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	CHECK_EQ(fl_kmalloc_init(a.r), 0);	/* idempotent */
	REQUIRE(fl_slab_cache_alloc(c1, &o1, NULL) == 0);
	REQUIRE(fl_slab_cache_alloc(c2, &o2, NULL) == 0);
	REQUIRE(fl_kmalloc(a.r, 100, &ok, NULL) == 0);
	km = fl_kmalloc_cache(a.r, 100);
	REQUIRE(km != NULL);

	CHECK_EQ(fl_slab_cache_free(c1, o2), -EINVAL);	/* wrong cache */
	CHECK_EQ(fl_slab_cache_free(c2, o1), -EINVAL);
	CHECK_EQ(fl_slab_cache_free(c1, ok), -EINVAL);	/* kmalloc object */
	CHECK_EQ(fl_slab_cache_free(km, ok), -EINVAL);	/* use fl_kfree */
	CHECK_EQ(fl_kfree(a.r, o1), -EINVAL);		/* not a kmalloc one */
	CHECK_EQ(fl_slab_cache_free(c1, o1 + 8), -ENOENT);	/* inside */
	CHECK_EQ(fl_slab_cache_free(c1, o1 + 104), -ENOENT);	/* never */
	CHECK_EQ(fl_slab_cache_free(c1, 200ULL << 12), -ENOENT); /* free pg */
	CHECK_EQ(fl_slab_cache_free(c1, 1ULL << 40), -ENOENT);	/* outside */
	CHECK_EQ(fl_slab_cache_free_ptr(c1, &a), -ENOENT);
	CHECK_EQ(fl_kfree(a.r, ok + 1), -ENOENT);
	CHECK_EQ(fl_ksize(a.r, ok), 128);
	CHECK_EQ(fl_ksize(a.r, o1), 0);
	CHECK_SLAB(a.r);

	/* destroy with a live object: -EBUSY and nothing freed */
	pages = buddy_free_pages(a.b);
	st = stats_of(c1);
	CHECK_EQ(fl_slab_cache_destroy(c1), -EBUSY);
	CHECK_EQ(buddy_free_pages(a.b), pages);
	CHECK_EQ(stats_of(c1).nr_slabs, st.nr_slabs);
	CHECK_EQ(stats_of(c1).live_objs, 1);
	CHECK_EQ(fl_slab_cache_destroy(km), -EPERM);
	CHECK_EQ(fl_slab_cache_destroy_force(km), -EPERM);
	CHECK_SLAB(a.r);

	CHECK_EQ(fl_slab_cache_free(c1, o1), 0);
	CHECK_EQ(fl_slab_cache_free(c1, o1), -ENOENT);	/* double free */
	CHECK_EQ(fl_kfree(a.r, ok), 0);
	CHECK_EQ(fl_kfree(a.r, ok), -ENOENT);
	CHECK(stats_of(c1).bad_frees >= 6);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy(c1), 0);
	CHECK(fl_slab_cache_find(a.r, "c1") == NULL);
	CHECK_EQ(fl_slab_cache_destroy_force(c2), 1);	/* o2 dropped */
	CHECK_SLAB(a.r);
	/* above the largest buddy block: the kernel's page allocator fails */
	CHECK_EQ(fl_kmalloc(a.r, (4096u << 10) + 1, &ok, NULL), -EINVAL);
	CHECK_EQ(fl_kmalloc(a.r, (size_t)-1, &ok, NULL), -EINVAL);
	arena_fini(&a);
}

TEST(kmalloc_classes)
{
	static const struct { size_t bytes; u32 size; } t[] = {
		{ 1, 8 }, { 8, 8 }, { 9, 16 }, { 16, 16 }, { 17, 32 },
		{ 24, 32 }, { 32, 32 }, { 33, 64 }, { 64, 64 }, { 65, 96 },
		{ 96, 96 }, { 97, 128 }, { 128, 128 }, { 129, 192 },
		{ 192, 192 }, { 193, 256 }, { 256, 256 }, { 257, 512 },
		{ 1000, 1024 }, { 1025, 2048 }, { 4096, 4096 }, { 4097, 8192 },
		{ 8192, 8192 },
	};
	struct arena a;
	struct fl_slab_stats st;
	u64 off[ARRAY_SIZE(t)];
	void *p;
	u32 i;

	REQUIRE(arena_init(&a, 1024, false));
	CHECK(fl_kmalloc(a.r, 8, &off[0], NULL) == -EINVAL); /* before init */
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	CHECK_EQ(fl_kmalloc_index(0), -EINVAL);
	CHECK_EQ(fl_kmalloc_index(8193), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK_EQ(fl_kmalloc_class_size(fl_kmalloc_index(t[i].bytes)),
			 t[i].size);
		CHECK_EQ(fl_kmalloc(a.r, t[i].bytes, &off[i], &p), 0);
		CHECK_EQ(fl_ksize(a.r, off[i]), t[i].size);
		memset(p, 0x77, t[i].bytes);
	}
	CHECK_STR(fl_slab_cache_name(fl_kmalloc_cache(a.r, 1000)),
		  "kmalloc-1k");
	CHECK_STR(fl_slab_cache_name(fl_kmalloc_cache(a.r, 150)),
		  "kmalloc-192");
	fl_slab_cache_get_stats(fl_kmalloc_cache(a.r, 100), &st);
	CHECK_EQ(st.requested_bytes, 97 + 128);
	CHECK_EQ(st.live_objs, 2);
	CHECK_SLAB(a.r);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		CHECK_EQ(fl_kfree(a.r, off[i]), 0);
	fl_slab_cache_get_stats(fl_kmalloc_cache(a.r, 100), &st);
	CHECK_EQ(st.requested_bytes, 0);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

/* Every kmalloc-* cache: no object, no slab (the counters, not the text). */
static u64 kmalloc_slab_objs(struct fl_slab_root *r)
{
	u64 n = 0;
	u32 i;

	for (i = 0; i < FL_KMALLOC_NR_CLASSES; i++) {
		struct fl_slab_cache *c;

		c = fl_kmalloc_cache(r, fl_kmalloc_class_size(i));
		if (c)
			n += stats_of(c).num_objs + stats_of(c).live_objs;
	}
	return n;
}

/*
 * kmalloc(0): __do_kmalloc_node() (mm/slub.c 6.12) returns ZERO_SIZE_PTR,
 * ((void *)16, include/linux/slab.h) without touching a cache; kfree()
 * of it is a no-op (ZERO_OR_NULL_PTR()), __ksize() of it is 0.
 */
TEST(kmalloc_zero_size)
{
	struct arena a;
	u64 off, free0;
	void *p = NULL;

	REQUIRE(arena_init(&a, 64, false));
	free0 = buddy_free_pages(a.b);
	/* no cache needed: it works before fl_kmalloc_init() too */
	CHECK_EQ(fl_kmalloc(a.r, 0, &off, &p), 0);
	CHECK(p == (void *)16);
	CHECK(off == FL_ZERO_SIZE_OFFSET);
	CHECK(off >= (u64)a.nr_pages << 12);	/* never an arena offset */
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	CHECK_EQ(fl_kmalloc(a.r, 0, &off, &p), 0);
	CHECK(p == (void *)16);
	CHECK_EQ(fl_ksize(a.r, off), 0);
	CHECK_EQ(fl_kfree(a.r, off), 0);
	CHECK_EQ(fl_kfree(a.r, off), 0);	/* always a no-op */
	CHECK_EQ(kmalloc_slab_objs(a.r), 0);
	CHECK_EQ(buddy_free_pages(a.b), free0);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

/*
 * Above KMALLOC_MAX_CACHE_SIZE (2 pages on x86-64, 6.12 and 6.1)
 * __do_kmalloc_node() calls ___kmalloc_large_node(): a compound page of
 * get_order(size), __ksize() = folio_size() = PAGE_SIZE << order, counted
 * in NR_SLAB_UNRECLAIMABLE_B and in no /proc/slabinfo line; kfree() of it
 * is free_large_kmalloc().  Up to KMALLOC_MAX_SIZE = PAGE_SIZE <<
 * MAX_PAGE_ORDER; above that the page allocator fails.
 */
TEST(kmalloc_large)
{
	static const size_t sz[] = {
		8193, 12288, 16384, 16385, 65536, 100000, 4096u << 10,
	};
	enum { N = ARRAY_SIZE(sz) };
	struct fl_kmalloc_large_stats ls;
	struct fl_page_info pi;
	u64 off[N], free0, pages = 0, x;
	static char before[4096], after[4096];
	u32 i, order;
	void *p;

	struct arena a;

	REQUIRE(arena_init(&a, 4096, false));	/* two 4 MiB blocks and more */
	free0 = buddy_free_pages(a.b);
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	REQUIRE(fl_kmalloc(a.r, 100, &x, NULL) == 0);	/* a slab line */
	fl_slab_slabinfo(a.r, before, sizeof(before));
	for (i = 0; i < N; i++) {
		/* get_order(): smallest order whose block holds the bytes */
		for (order = 0; ((size_t)4096 << order) < sz[i]; order++)
			;
		REQUIRE(fl_kmalloc(a.r, sz[i], &off[i], &p) == 0);
		CHECK_EQ(off[i] % ((u64)4096 << order), 0);
		CHECK_EQ(fl_ksize(a.r, off[i]), 4096u << order);
		REQUIRE(fl_buddy_page_info(a.b, (u32)(off[i] >> 12), &pi) == 0);
		CHECK_EQ(pi.order, order);
		CHECK_EQ(pi.requested, sz[i]);
		CHECK_EQ(pi.mt, FL_MT_UNMOVABLE);
		REQUIRE(p != NULL);
		memset(p, 0x3c, (size_t)4096 << order);	/* all of ksize */
		pages += 1u << order;
		CHECK_EQ(fl_ksize(a.r, off[i] + 4096), 0);	/* not a start */
		CHECK_EQ(fl_kfree(a.r, off[i] + 4096), -ENOENT);
	}
	fl_kmalloc_large_get_stats(a.r, &ls);
	CHECK_EQ(ls.allocs, N);
	CHECK_EQ(ls.live, N);
	CHECK_EQ(ls.pages, pages);
	CHECK_EQ(buddy_free_pages(a.b) + pages +
		 stats_of(fl_kmalloc_cache(a.r, 100)).pages, free0);
	fl_slab_slabinfo(a.r, after, sizeof(after));
	CHECK_STR(after, before);	/* in no kmalloc-* line */
	CHECK_SLAB(a.r);
	CHECK_BUDDY(a.b);

	for (i = 0; i < N; i++) {
		CHECK_EQ(fl_kfree(a.r, off[i]), 0);
		CHECK_EQ(fl_kfree(a.r, off[i]), -ENOENT);	/* double free */
		CHECK_EQ(fl_ksize(a.r, off[i]), 0);
	}
	fl_kmalloc_large_get_stats(a.r, &ls);
	CHECK_EQ(ls.frees, N);
	CHECK_EQ(ls.live, 0);
	CHECK_EQ(ls.pages, 0);
	CHECK_EQ(fl_kfree(a.r, x), 0);
	CHECK_SLAB(a.r);

	/* a cache object is not a kmalloc_large block, nor the reverse */
	REQUIRE(fl_kmalloc(a.r, 8192 + 1, &off[0], NULL) == 0);
	CHECK_EQ(fl_kfree(a.r, off[0] + 1), -ENOENT);
	/* the arena runs out: -ENOMEM, counters untouched */
	for (i = 1; i < N; i++)
		if (fl_kmalloc(a.r, 4096u << 10, &off[i], NULL))
			break;
	CHECK(i < N);
	CHECK_EQ(fl_kmalloc(a.r, 4096u << 10, &x, NULL), -ENOMEM);
	fl_kmalloc_large_get_stats(a.r, &ls);
	CHECK_EQ(ls.live, i);
	/* left live: root destroy gives them back (arena_fini checks) */
	arena_fini(&a);
}

TEST(enomem_leaves_cache_consistent)
{
	struct arena a;
	struct fl_slab_cache *c;
	u64 off[64];
	int n = 0, i, ret = 0;

	REQUIRE(arena_init(&a, 16, false));
	REQUIRE(fl_slab_cache_create(a.r, "big", 4000, 0, 0, NULL, NULL, &c) ==
		0);
	/* 4000 B -> order 3 slabs of 8 objects; 16 pages = 2 slabs */
	CHECK_EQ(stats_of(c).objs_per_slab, 8);
	while (n < 64 && (ret = fl_slab_cache_alloc(c, &off[n], NULL)) == 0)
		n++;
	CHECK_EQ(ret, -ENOMEM);
	CHECK_EQ(n, 16);
	CHECK_EQ(fl_slab_cache_alloc(c, &off[n], NULL), -ENOMEM);
	CHECK_EQ(stats_of(c).alloc_fail, 2);
	CHECK_EQ(buddy_free_pages(a.b), 0);
	CHECK_SLAB(a.r);
	for (i = 0; i < n; i++)
		CHECK_EQ(fl_slab_cache_free(c, off[i]), 0);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_alloc(c, &off[0], NULL), 0);
	CHECK_EQ(fl_slab_cache_free(c, off[0]), 0);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&a);
}

/*
 * mm/slub.c allocate_slab() (6.12, 6.1): when the slab of the preferred
 * order s->oo cannot be allocated, retry at s->min = get_order(size),
 * whose slab holds (PAGE_SIZE << min_order) / size objects
 * (calculate_sizes()), and count ORDER_FALLBACK.  /proc/slabinfo then
 * shows num_objs = the sum of every slab's own object count, objperslab
 * and pagesperslab of s->oo (get_slabinfo()).
 */
TEST(slab_order_fallback)
{
	enum { PAGES = 64, N = 3 };
	struct fl_buddy_req req = { .order = 0, .mt = FL_MT_UNMOVABLE,
				    .owner_kind = FL_OWN_KERNEL };
	struct fl_slab_cache *km, *c;
	struct fl_slab_stats st;
	struct fl_page_info pi;
	u32 page[PAGES], i, idx, pref, min_order, min_objs;
	u64 off[N], coff, pages0;
	char line[160], want[160];
	struct arena a;
	void *p;

	REQUIRE(arena_init(&a, PAGES, false));
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	REQUIRE(fl_slab_cache_create(a.r, "frag-2k", 2048, 0, 0, NULL, NULL,
				     &c) == 0);
	km = fl_kmalloc_cache(a.r, 2048);
	REQUIRE(km != NULL);
	/* the rule: preferred order from calculate_order(), minimum order */
	pref = ref_order(2048, fl_slab_default_min_objects(
		fl_slab_min_objects_cpus(fl_nr_present_cpus(), fl_nr_cpus())));
	min_order = ref_get_order(2048);
	min_objs = (4096u << min_order) / 2048;
	REQUIRE(pref > 0);			/* else nothing to fall back from */
	CHECK_EQ(min_order, 0);
	CHECK_EQ(min_objs, 2);

	/* every page taken, every other one given back: only order-0 free */
	for (i = 0; i < PAGES; i++)
		REQUIRE(fl_buddy_alloc(a.b, &req, &page[i]) == 0);
	for (i = 0; i < PAGES; i++)
		if (!(page[i] & 1))
			REQUIRE(fl_buddy_free(a.b, page[i]) == 0);
	req.order = 1;
	CHECK_EQ(fl_buddy_alloc(a.b, &req, &idx), -ENOMEM);
	pages0 = buddy_free_pages(a.b);
	CHECK_EQ(pages0, PAGES / 2);

	for (i = 0; i < N; i++) {
		REQUIRE(fl_kmalloc(a.r, 2048, &off[i], &p) == 0);
		CHECK_EQ(fl_ksize(a.r, off[i]), 2048);
		if (p)
			memset(p, 0x5a, 2048);
	}
	CHECK_EQ(fl_slab_cache_alloc(c, &coff, NULL), 0);
	CHECK_SLAB(a.r);
	CHECK_BUDDY(a.b);

	st = stats_of(km);
	CHECK_EQ(st.order, pref);		/* s->oo does not change */
	CHECK_EQ(st.objs_per_slab, (4096u << pref) / 2048);
	CHECK_EQ(st.min_order, min_order);
	CHECK_EQ(st.min_objs, min_objs);
	CHECK_EQ(st.nr_slabs, (N + min_objs - 1) / min_objs);
	CHECK_EQ(st.num_objs, st.nr_slabs * min_objs);
	CHECK_EQ(st.pages, st.nr_slabs << min_order);
	CHECK_EQ(st.order_fallback, st.nr_slabs);
	CHECK_EQ(st.live_objs, N);
	CHECK_EQ(st.leftover_bytes, 0);
	CHECK_EQ(stats_of(c).num_objs, min_objs);
	CHECK_EQ(buddy_free_pages(a.b),
		 pages0 - st.pages - stats_of(c).pages);
	/* each slab is an order-0 block of the buddy */
	for (i = 0; i < N; i++) {
		REQUIRE(fl_buddy_page_info(a.b, (u32)(off[i] >> 12), &pi) == 0);
		CHECK_EQ(pi.order, min_order);
		CHECK_EQ(pi.owner_kind, FL_OWN_SLAB);
	}
	/* slabinfo: SLUB's get_slabinfo() values */
	fl_slab_format_line(&st, line, sizeof(line));
	snprintf(want, sizeof(want),
		 "%-17s %6u %6u %6u %4u %4d : tunables %4u %4u %4u : slabdata %6u %6u %6u\n",
		 "kmalloc-2k", N, (N + min_objs - 1) / min_objs * min_objs,
		 2048, (4096u << pref) / 2048, 1 << pref, 0, 0, 0,
		 (N + min_objs - 1) / min_objs,
		 (N + min_objs - 1) / min_objs, 0);
	CHECK_STR(line, want);

	for (i = 0; i < N; i++)
		CHECK_EQ(fl_kfree(a.r, off[i]), 0);
	CHECK_EQ(fl_slab_cache_free(c, coff), 0);
	CHECK_SLAB(a.r);
	CHECK(fl_slab_cache_shrink(km, FL_SLAB_SHRINK_ALL) >= 0);
	CHECK(fl_slab_cache_shrink(c, FL_SLAB_SHRINK_ALL) >= 0);
	CHECK_EQ(stats_of(km).num_objs, 0);
	CHECK_EQ(stats_of(km).pages, 0);
	CHECK_EQ(buddy_free_pages(a.b), pages0);
	CHECK_SLAB(a.r);

	/* fragmentation gone: the next slab has the preferred order again */
	for (i = 0; i < PAGES; i++)
		if (page[i] & 1)
			REQUIRE(fl_buddy_free(a.b, page[i]) == 0);
	CHECK_EQ(fl_kmalloc(a.r, 2048, &off[0], NULL), 0);
	st = stats_of(km);
	CHECK_EQ(st.pages, 1u << pref);
	CHECK_EQ(st.num_objs, (4096u << pref) / 2048);
	CHECK_EQ(st.order_fallback, (N + min_objs - 1) / min_objs);
	CHECK_EQ(fl_kfree(a.r, off[0]), 0);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

/* ------------------------------------------------------------ shrink */

TEST(shrink_returns_pages_to_buddy)
{
	struct arena a;
	struct fl_slab_cache *c;
	struct fl_slab_stats st;
	enum { N = 2000 };
	static u64 off[N];
	u64 free0, free1, free2;
	long got;
	int i;

	REQUIRE(arena_init(&a, 2048, false));
	free0 = buddy_free_pages(a.b);
	REQUIRE(fl_slab_cache_create(a.r, "shrinkme", 256, 0, 0, NULL, NULL,
				     &c) == 0);
	for (i = 0; i < N; i++)
		REQUIRE(fl_slab_cache_alloc(c, &off[i], NULL) == 0);
	st = stats_of(c);
	CHECK_EQ(st.pages + buddy_free_pages(a.b), free0);
	for (i = 0; i < N; i++)
		CHECK_EQ(fl_slab_cache_free(c, off[i]), 0);
	st = stats_of(c);
	CHECK(st.nr_empty <= st.min_partial);	/* freed on flush */
	CHECK(st.slabs_freed > 0);
	CHECK_SLAB(a.r);
	free1 = buddy_free_pages(a.b);
	got = fl_slab_cache_shrink(c, 0);
	CHECK(got >= 0);
	st = stats_of(c);
	CHECK_EQ(st.cpu_cached, 0);
	CHECK_EQ(st.nr_empty, st.min_partial);
	CHECK_EQ(buddy_free_pages(a.b), free1 + (u64)got);
	got = fl_slab_cache_shrink(c, FL_SLAB_SHRINK_ALL);
	CHECK_EQ(got, (long)(st.min_partial << st.order));
	free2 = buddy_free_pages(a.b);
	CHECK_EQ(free2, free0);
	CHECK(free2 > free1);
	CHECK_EQ(stats_of(c).nr_slabs, 0);
	CHECK_EQ(fl_slab_cache_shrink(c, 0x80), -EINVAL);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

TEST(colouring_cycles_offsets)
{
	struct arena a;
	struct fl_slab_cache *c;
	struct fl_slab_stats st;
	u64 first[8];
	u32 i, k;

	REQUIRE(arena_init(&a, 256, false));
	fl_slab_root_set_min_objects(a.r, 1);
	/* 1000 B: order 0, 4 objects, leftover 96 -> no colour at 64 B? */
	REQUIRE(fl_slab_cache_create(a.r, "col", 1800, 0, FL_SLAB_COLOUR |
				     FL_SLAB_NO_CPU_CACHE, NULL, NULL, &c) ==
		0);
	st = stats_of(c);
	/* 1800 B, min_objects 1: order 0 wastes 496 > 256, order 1 leftover
	 * 8192 - 4 * 1800 = 992 <= 512? no; order 2: 16384 - 9*1800 = 184
	 */
	CHECK_EQ(st.order, 2);
	CHECK_EQ(st.leftover, 184);
	CHECK_EQ(st.colours, 2);
	CHECK_EQ(st.limit, 0);
	for (i = 0; i < 4; i++) {
		REQUIRE(fl_slab_cache_alloc(c, &first[i], NULL) == 0);
		for (k = 1; k < st.objs_per_slab; k++) {
			u64 o;

			REQUIRE(fl_slab_cache_alloc(c, &o, NULL) == 0);
		}
		CHECK_EQ(first[i] % (FL_PAGE_SIZE << st.order),
			 (i % 2) * 64);
	}
	/* the colour in front of object 0 holds no object */
	for (i = 1; i <= 64; i += 7)
		CHECK_EQ(fl_slab_cache_free(c, first[1] - i), -ENOENT);
	CHECK_EQ(stats_of(c).bad_frees, 10);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy_force(c), 4 * st.objs_per_slab);
	arena_fini(&a);
}

/* ------------------------------------------------------------ slabinfo */

static char emitted[4096];

static void emit_cat(void *arg, const char *line)
{
	(void)arg;
	strncat(emitted, line, sizeof(emitted) - strlen(emitted) - 1);
}

TEST(slabinfo_format)
{
	struct arena a;
	struct fl_slab_cache *c;
	char buf[4096], small[300];
	u64 off[50];
	int i;
	size_t n;

	REQUIRE(arena_init(&a, 256, false));
	fl_slab_root_set_min_objects(a.r, 12);
	REQUIRE(fl_slab_cache_create(a.r, "test-obj", 100, 0, 0, NULL, NULL,
				     &c) == 0);
	for (i = 0; i < 50; i++)
		REQUIRE(fl_slab_cache_alloc(c, &off[i], NULL) == 0);
	n = fl_slab_slabinfo(a.r, buf, sizeof(buf));
	CHECK_EQ(n, strlen(buf));
	/*
	 * 104 B stride, 39 per order-0 slab.  Alloc 1 grows slab A and moves
	 * its other 38 objects to the per-CPU array (batch 60); 2..39 hit;
	 * 40 grows slab B (+38 cached); 41..50 hit: 2 slabs, 28 cached.
	 */
	CHECK_STR(buf,
		  "slabinfo - version: 2.1\n"
		  "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
		  "test-obj              50     78    104   39    1 : tunables    0    0    0 : slabdata      2      2      0\n");
	emitted[0] = '\0';
	fl_slab_slabinfo_emit(a.r, emit_cat, NULL);
	CHECK_STR(emitted, buf);
	/* truncation stops at a line boundary */
	n = fl_slab_slabinfo(a.r, small, sizeof(small));
	CHECK_EQ(n, strlen(small));
	CHECK(n > 0 && small[n - 1] == '\n');
	CHECK(strncmp(small, buf, n) == 0);
	n = fl_slab_cache_detail(c, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "cache test-obj\n"));
	CHECK(strstr(buf, "objects total 78 live 50 cpu_cached 28 free_in_slabs 0"));
	CHECK(strstr(buf, "waste padding 312 B leftover 80 B total 392 B of 8192 B (4.7%)"));
	CHECK(strstr(buf, "alloc hits 48 misses 2 (96.0% hit)"));
	for (i = 0; i < 50; i++)
		CHECK_EQ(fl_slab_cache_free(c, off[i]), 0);

	/*
	 * SLUB's get_slabinfo() (mm/slub.c): tunables 0 0 0 and
	 * active_slabs = num_slabs, empty slabs included.  Without per-CPU
	 * arrays: 40 objects fill slab A (39) and start slab B; freeing the
	 * one in B leaves B empty (kept: min_partial 5), 2 slabs.
	 */
	REQUIRE(fl_slab_cache_create(a.r, "test-nc", 100, 0,
				     FL_SLAB_NO_CPU_CACHE, NULL, NULL, &c) == 0);
	for (i = 0; i < 40; i++)
		REQUIRE(fl_slab_cache_alloc(c, &off[i], NULL) == 0);
	CHECK_EQ(fl_slab_cache_free(c, off[39]), 0);
	n = fl_slab_slabinfo(a.r, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "test-nc               39     78    104   39    1 : tunables    0    0    0 : slabdata      2      2      0\n"));
	for (i = 0; i < 39; i++)
		CHECK_EQ(fl_slab_cache_free(c, off[i]), 0);
	arena_fini(&a);
}

/* ------------------------------------------------------------ model */

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void rnd_seed(void)
{
	const char *s = getenv("FL_SEED");

	rnd_state = s ? strtoull(s, NULL, 0) : 0x2545f4914f6cdd1dULL;
	if (!rnd_state)
		rnd_state = 1;
}

#define MODEL_CACHES	6
#define MODEL_MAX	600

struct model_obj {
	u64 off;
	void *p;
	u32 bytes;
};

static struct model_obj live[MODEL_CACHES + 1][MODEL_MAX];
static u32 nlive[MODEL_CACHES + 1];

static void stamp(void *p, u32 bytes, u64 off)
{
	if (!bytes)		/* ZERO_SIZE_PTR: nothing behind it */
		return;
	if (p && bytes >= 8)
		memcpy(p, &off, 8);
	else if (p)
		memset(p, (u8)off, bytes);
}

static bool stamped(const void *p, u32 bytes, u64 off)
{
	u8 want[8];

	if (!p || !bytes)
		return true;
	if (bytes >= 8)
		return !memcmp(p, &off, 8);
	memset(want, (u8)off, sizeof(want));
	return !memcmp(p, want, bytes);
}

TEST(randomized_model)
{
	static const struct { const char *name; u32 size, align, flags; } d[] = {
		{ "m-tiny", 5, 0, 0 },
		{ "m-odd", 100, 0, FL_SLAB_COLOUR },
		{ "m-al64", 72, 64, FL_SLAB_RECLAIMABLE },
		{ "m-nocpu", 500, 0, FL_SLAB_NO_CPU_CACHE | FL_SLAB_COLOUR },
		{ "m-page", 3000, 0, 0 },
		{ "m-big", 9000, 0, FL_SLAB_RECLAIMABLE },
	};
	struct fl_buddy_req req = { .order = 0, .mt = FL_MT_UNMOVABLE,
				    .owner_kind = FL_OWN_KERNEL };
	struct fl_slab_cache *c[MODEL_CACHES];
	static u32 held[1200];
	u32 step, k, i, bad = 0, nheld = 0;
	struct arena a;

	rnd_seed();
	REQUIRE(arena_init(&a, 1200, false));
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	for (k = 0; k < MODEL_CACHES; k++)
		REQUIRE(fl_slab_cache_create(a.r, d[k].name, d[k].size,
					     d[k].align, d[k].flags, NULL,
					     NULL, &c[k]) == 0);
	memset(nlive, 0, sizeof(nlive));
	for (step = 0; step < 4000 && !bad; step++) {
		u32 op = rnd() % 100, ck = rnd() % (MODEL_CACHES + 1);
		struct model_obj *m;
		int ret;

		/*
		 * Single pages held and given back at random fragment the
		 * arena; halfway, every free page is taken and every other
		 * one given back, so only order-0 blocks are free and slabs
		 * must fall back to their minimum order.
		 */
		if (step == 2000) {
			u32 j = nheld;

			while (nheld < ARRAY_SIZE(held) &&
			       !fl_buddy_alloc(a.b, &req, &held[nheld]))
				nheld++;
			while (j < nheld) {
				if (held[j] & 1) {
					j++;
					continue;
				}
				CHECK_EQ(fl_buddy_free(a.b, held[j]), 0);
				held[j] = held[--nheld];
			}
		} else if (rnd() % 2 == 0) {
			if (nheld < ARRAY_SIZE(held) && rnd() % 4 &&
			    !fl_buddy_alloc(a.b, &req, &held[nheld]))
				nheld++;
			else if (nheld) {
				i = rnd() % nheld;
				CHECK_EQ(fl_buddy_free(a.b, held[i]), 0);
				held[i] = held[--nheld];
			}
		}
		if (op < 55 && nlive[ck] < MODEL_MAX) {
			m = &live[ck][nlive[ck]];
			if (ck == MODEL_CACHES) {
				/* kmalloc: 0, the classes, kmalloc_large */
				m->bytes = rnd() % 16 ? rnd() % 8193 :
					   8193 + rnd() % 40000;
				ret = fl_kmalloc(a.r, m->bytes, &m->off, &m->p);
			} else {
				m->bytes = d[ck].size;
				ret = fl_slab_cache_alloc(c[ck], &m->off,
							  &m->p);
			}
			if (ret == -ENOMEM)
				continue;
			if (ret) {
				bad++;
				FL_TEST_FAIL("step %u alloc: %d", step, ret);
				break;
			}
			if (ck < MODEL_CACHES && d[ck].align)
				bad += !!(m->off % d[ck].align);
			stamp(m->p, m->bytes, m->off);
			nlive[ck]++;
		} else if (op < 97 && nlive[ck]) {
			i = rnd() % nlive[ck];
			m = &live[ck][i];
			if (!stamped(m->p, m->bytes, m->off)) {
				bad++;
				FL_TEST_FAIL("step %u: object at %llu clobbered",
					     step, (unsigned long long)m->off);
			}
			ret = ck == MODEL_CACHES ? fl_kfree(a.r, m->off) :
			      fl_slab_cache_free(c[ck], m->off);
			if (ret) {
				bad++;
				FL_TEST_FAIL("step %u free: %d", step, ret);
			}
			*m = live[ck][--nlive[ck]];
		} else if (ck < MODEL_CACHES) {
			if (fl_slab_cache_shrink(c[ck], rnd() & 1 ?
						 FL_SLAB_SHRINK_ALL : 0) < 0)
				bad++;
		}
		if (fl_slab_check(a.r, check_msg, sizeof(check_msg))) {
			bad++;
			FL_TEST_FAIL("step %u: %s", step, check_msg);
		}
		if ((step % 500) == 0)
			CHECK_BUDDY(a.b);
	}
	CHECK_EQ(bad, 0);
	for (k = 0, i = 0; k < MODEL_CACHES; k++)
		i += !!stats_of(c[k]).order_fallback;
	for (k = 0; k < FL_KMALLOC_NR_CLASSES; k++)
		i += !!stats_of(fl_kmalloc_cache(a.r,
				fl_kmalloc_class_size(k))).order_fallback;
	CHECK(i > 0);	/* the model did reach the fallback */
	for (k = 0; k < MODEL_CACHES; k++)
		CHECK_EQ(stats_of(c[k]).live_objs, nlive[k]);
	/* every live object distinct: sort-free O(n^2) over a few thousand */
	for (k = 0; k <= MODEL_CACHES; k++)
		for (i = 0; i < nlive[k]; i++)
			if (k < MODEL_CACHES || (live[k][i].bytes &&
						 live[k][i].bytes <= 8192))
				CHECK(fl_slab_cache_of(a.r, live[k][i].off) !=
				      NULL);
	for (i = 0; i < nheld; i++)
		CHECK_EQ(fl_buddy_free(a.b, held[i]), 0);
	arena_fini(&a);			/* root destroy drops live objects */
}

/* ------------------------------------------------------------ threads */

#define THREADS		4
#define ROUNDS		20000

struct thr {
	struct fl_slab_cache *c[2];
	struct fl_slab_root *r;
	int id;
	int errors;
};

static void *hammer(void *arg)
{
	struct thr *t = arg;
	struct { u64 off; u64 *p; } held[64];
	u64 seed = 0x9e3779b97f4a7c15ULL * (t->id + 1);
	int n = 0, i;

	for (i = 0; i < ROUNDS; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		if ((seed % 3) && n < 64) {
			struct fl_slab_cache *c = t->c[seed & 4 ? 1 : 0];
			void *p;

			if (fl_slab_cache_alloc(c, &held[n].off, &p)) {
				t->errors++;
				continue;
			}
			held[n].p = p;
			held[n].p[0] = held[n].off ^ (u64)t->id;
			held[n].p[1] = (u64)t->id;
			n++;
		} else if (n) {
			int j = seed % n;
			struct fl_slab_cache *c;

			if (held[j].p[0] != (held[j].off ^ (u64)t->id) ||
			    held[j].p[1] != (u64)t->id)
				t->errors++;
			c = fl_slab_cache_of(t->r, held[j].off);
			if (!c || fl_slab_cache_free(c, held[j].off))
				t->errors++;
			held[j] = held[--n];
		}
	}
	while (n--)
		if (fl_slab_cache_free(fl_slab_cache_of(t->r, held[n].off),
				       held[n].off))
			t->errors++;
	return NULL;
}

TEST(threads_hammer_percpu_path)
{
	struct arena a;
	struct thr t[THREADS];
	pthread_t tid[THREADS];
	struct fl_slab_cache *c0, *c1;
	struct fl_slab_stats s0, s1;
	int i;

	REQUIRE(arena_init(&a, 4096, false));
	REQUIRE(fl_slab_cache_create(a.r, "thr-a", 16, 0, 0, NULL, NULL, &c0) ==
		0);
	REQUIRE(fl_slab_cache_create(a.r, "thr-b", 200, 0, FL_SLAB_COLOUR,
				     NULL, NULL, &c1) == 0);
	for (i = 0; i < THREADS; i++) {
		t[i].c[0] = c0;
		t[i].c[1] = c1;
		t[i].r = a.r;
		t[i].id = i;
		t[i].errors = 0;
		REQUIRE(pthread_create(&tid[i], NULL, hammer, &t[i]) == 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(t[i].errors, 0);
	}
	CHECK_SLAB(a.r);
	s0 = stats_of(c0);
	s1 = stats_of(c1);
	CHECK_EQ(s0.live_objs, 0);
	CHECK_EQ(s1.live_objs, 0);
	CHECK(s0.alloc_hits > s0.alloc_misses * 10);
	CHECK_EQ(s0.allocs + s1.allocs, s0.frees + s1.frees);
	CHECK_EQ(fl_slab_cache_destroy(c0), 0);
	CHECK_EQ(fl_slab_cache_destroy(c1), 0);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

/* ------------------------------------------------------------ bulk */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void * const *)a;
	uintptr_t y = (uintptr_t)*(void * const *)b;

	return x < y ? -1 : x > y;
}

/* Fisher-Yates with the tests' generator (FL_SEED replays it). */
static void shuffle_ptrs(void **p, u32 n)
{
	u32 i, j;

	for (i = n ? n - 1 : 0; i > 0; i--) {
		void *t;

		j = (u32)(fl_test_rand() % (i + 1));
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
}

/* @n offsets are distinct live objects of @c */
static void check_bulk_objects(struct fl_slab_root *r, struct fl_slab_cache *c,
			       const u64 *off, u32 n)
{
	u64 *sorted = malloc(sizeof(*sorted) * (n ? n : 1));
	u32 i;

	REQUIRE(sorted);
	memcpy(sorted, off, sizeof(*off) * n);
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (i = 0; i < n; i++) {
		CHECK(fl_slab_cache_of(r, sorted[i]) == c);
		if (i)
			CHECK(sorted[i] != sorted[i - 1]);
	}
	free(sorted);
}

TEST(bulk_alloc_free)
{
	static const u32 sizes[] = { 1, 16, 61, 120, 121, 500 };
	struct arena a;
	struct fl_slab_cache *c, *nc;
	u64 off[500], extra;
	void *ptr[500];
	struct fl_slab_stats st;
	u32 k, i;

	REQUIRE(arena_init(&a, 2048, false));
	REQUIRE(fl_slab_cache_create(a.r, "bulk", 64, 0, 0, NULL, NULL, &c) ==
		0);
	REQUIRE(fl_slab_cache_create(a.r, "bulk-nocpu", 256, 0,
				     FL_SLAB_NO_CPU_CACHE, NULL, NULL,
				     &nc) == 0);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		u32 n = sizes[k];

		/* by offset */
		CHECK_EQ(fl_slab_cache_alloc_bulk(c, n, off, ptr), 0);
		check_bulk_objects(a.r, c, off, n);
		for (i = 0; i < n; i++) {
			u64 o;

			CHECK_EQ(fl_slab_ptr_to_offset(a.r, ptr[i], &o), 0);
			CHECK_EQ(o, off[i]);
			memset(ptr[i], (int)i, 64);
		}
		CHECK_EQ(stats_of(c).live_objs, n);
		CHECK_SLAB(a.r);
		CHECK_EQ(fl_slab_cache_free_bulk(c, n, off, NULL), 0);
		CHECK_EQ(stats_of(c).live_objs, 0);
		CHECK_SLAB(a.r);
		/* by pointer, and without a cpu cache */
		CHECK_EQ(fl_slab_cache_alloc_bulk(c, n, NULL, ptr), 0);
		CHECK_EQ(fl_slab_cache_free_bulk(c, n, NULL, ptr), 0);
		CHECK_EQ(fl_slab_cache_alloc_bulk(nc, n, off, NULL), 0);
		check_bulk_objects(a.r, nc, off, n);
		CHECK_EQ(fl_slab_cache_free_bulk(nc, n, off, NULL), 0);
		CHECK_SLAB(a.r);
	}
	st = stats_of(c);
	CHECK_EQ(st.live_objs, 0);
	CHECK(st.alloc_hits > 0 && st.alloc_misses > 0);
	CHECK(st.cpu_cached <= st.limit);
	CHECK_EQ(stats_of(nc).cpu_cached, 0);

	/* mixing with single calls; bad entries skipped, the rest freed */
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 10, off, NULL), 0);
	CHECK_EQ(fl_slab_cache_alloc(c, &extra, NULL), 0);
	CHECK_EQ(fl_slab_cache_free(c, off[3]), 0);
	st = stats_of(c);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 10, off, NULL), -ENOENT);
	CHECK_EQ(stats_of(c).bad_frees, st.bad_frees + 1);
	CHECK_EQ(stats_of(c).live_objs, 1);
	off[0] = extra;
	CHECK_EQ(fl_slab_cache_free_bulk(nc, 1, off, NULL), -EINVAL);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 1, off, NULL), 0);
	CHECK_EQ(stats_of(c).live_objs, 0);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 0, off, NULL), 0);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 0, off, NULL), 0);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 1, NULL, NULL), -EINVAL);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 1, NULL, NULL), -EINVAL);
	CHECK_EQ(fl_slab_cache_alloc_bulk(NULL, 1, off, NULL), -EINVAL);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	CHECK_EQ(fl_slab_cache_destroy(nc), 0);
	arena_fini(&a);
}

/*
 * A bulk free by pointer remembers the last section and slab: objects
 * spread over many slabs and two chunks (whose memory is swapped), in
 * address order (the hints hit) and shuffled (they miss), with bad
 * entries among them that land in a remembered slab (a duplicate, a
 * pointer into an object) or elsewhere (another cache's object, outside
 * the arena).  Every bad entry is skipped and counted, every good one
 * freed.
 */
TEST(bulk_free_hints)
{
	enum { N = 3000, BAD = 6 };
	struct arena a;
	struct fl_slab_cache *c, *d;
	void **ptr = calloc(N + BAD, sizeof(*ptr));
	void *other;
	u64 bad0;
	u32 i, j, n;

	REQUIRE(ptr);
	printf("  FL_SEED=0x%llx\n", (unsigned long long)fl_test_seed(7));
	REQUIRE(arena_init_swapped(&a, 1024));	/* two sections */
	REQUIRE(fl_slab_cache_create(a.r, "hint", 2048, 0, 0, NULL, NULL,
				     &c) == 0);
	REQUIRE(fl_slab_cache_create(a.r, "other", 2048, 0, 0, NULL, NULL,
				     &d) == 0);
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < N; i++)
			REQUIRE(fl_slab_cache_alloc(c, NULL, &ptr[i]) == 0);
		REQUIRE(fl_slab_cache_alloc(d, NULL, &other) == 0);
		if (pass)	/* shuffled: the hints mostly miss */
			shuffle_ptrs(ptr, N);
		else		/* address order: the hints mostly hit */
			qsort(ptr, N, sizeof(*ptr), cmp_ptr);
		n = N;
		ptr[n++] = ptr[10];			/* duplicate, same slab */
		ptr[n++] = (char *)ptr[11] + 64;	/* inside an object */
		ptr[n++] = other;			/* another cache */
		ptr[n++] = (char *)a.mem - 64;		/* outside the arena */
		ptr[n++] = NULL;
		ptr[n++] = ptr[N - 1];			/* duplicate, last */
		/* move the bad ones among the good ones */
		for (i = 0; i < BAD; i++) {
			void *t = ptr[N + i];

			j = 100 * (i + 1);
			ptr[N + i] = ptr[j];
			ptr[j] = t;
		}
		bad0 = stats_of(c).bad_frees;
		CHECK(fl_slab_cache_free_bulk(c, n, NULL, ptr) != 0);
		CHECK_EQ(stats_of(c).bad_frees, bad0 + BAD);
		CHECK_EQ(stats_of(c).live_objs, 0);
		CHECK_EQ(stats_of(d).live_objs, 1);
		CHECK_SLAB(a.r);
		CHECK_EQ(fl_slab_cache_free_ptr(d, other), 0);
	}
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	CHECK_EQ(fl_slab_cache_destroy(d), 0);
	arena_fini(&a);
	free(ptr);
}

/*
 * A single free by pointer tries the cache's last section first: frees
 * that alternate between two chunks whose memory is swapped must each
 * find their own section.
 */
TEST(free_ptr_section_hint)
{
	enum { N = 3000 };
	struct arena a;
	struct fl_slab_cache *c;
	void **ptr = calloc(N, sizeof(*ptr));
	u32 i;

	REQUIRE(ptr);
	REQUIRE(arena_init_swapped(&a, 1024));
	REQUIRE(fl_slab_cache_create(a.r, "hint1", 2048, 0, 0, NULL, NULL,
				     &c) == 0);
	printf("  FL_SEED=0x%llx\n", (unsigned long long)fl_test_seed(11));
	for (i = 0; i < N; i++)
		REQUIRE(fl_slab_cache_alloc(c, NULL, &ptr[i]) == 0);
	shuffle_ptrs(ptr, N);
	for (i = 0; i < N; i++)
		CHECK_EQ(fl_slab_cache_free_ptr(c, ptr[i]), 0);
	CHECK_EQ(fl_slab_cache_free_ptr(c, (char *)a.mem - 2048), -ENOENT);
	CHECK_EQ(fl_slab_cache_free_ptr(c, ptr[0]), -ENOENT);
	CHECK_EQ(stats_of(c).live_objs, 0);
	CHECK_EQ(stats_of(c).bad_frees, 2);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&a);
	free(ptr);
}

TEST(bulk_enomem_all_or_nothing)
{
	struct arena a, sim;
	struct fl_slab_cache *c;
	u64 off[64];
	u32 free_before;

	REQUIRE(arena_init(&a, 16, false));
	REQUIRE(fl_slab_cache_create(a.r, "big", 4000, 0, 0, NULL, NULL, &c) ==
		0);
	/* 16 pages = 2 order-3 slabs of 8 objects */
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 17, off, NULL), -ENOMEM);
	CHECK_EQ(stats_of(c).live_objs, 0);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 16, off, NULL), 0);
	check_bulk_objects(a.r, c, off, 16);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 1, off + 16, NULL), -ENOMEM);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 16, off, NULL), 0);
	CHECK_EQ(fl_slab_cache_shrink(c, FL_SLAB_SHRINK_ALL), 16);
	free_before = buddy_free_pages(a.b);
	CHECK_EQ(free_before, 16);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&a);

	/* metadata-only arena: offsets are the only way back */
	REQUIRE(arena_init(&sim, 1024, true));
	REQUIRE(fl_slab_cache_create(sim.r, "sim", 32, 0, 0, NULL, NULL, &c) ==
		0);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 4, NULL, (void **)off), -EINVAL);
	CHECK_EQ(fl_slab_cache_alloc_bulk(c, 40, off, NULL), 0);
	check_bulk_objects(sim.r, c, off, 40);
	CHECK_EQ(fl_slab_cache_free_bulk(c, 40, off, NULL), 0);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&sim);
}

/*
 * Several threads on fewer "CPUs" than threads (two threads share each
 * per-CPU array): bulk and single allocations, and frees of objects
 * another thread allocated (through a shared mailbox), so objects move
 * between CPU arrays and slabs concurrently.  Data patterns detect an
 * object handed out twice.
 */
#define MBOX		256

struct mbox {
	pthread_mutex_t lock;
	u32 n;
	u64 off[MBOX];
	u64 *p[MBOX];
	u64 tag[MBOX];
};

struct cthr {
	struct fl_slab_cache *c;
	struct mbox *mb;
	int id;
	int errors;
	u64 ops;
};

static void *cross_hammer(void *arg)
{
	struct cthr *t = arg;
	u64 seed = 0x243f6a8885a308d3ULL * (t->id + 1);
	u64 off[32];
	void *ptr[32];
	int i;

	for (i = 0; i < ROUNDS / 4; i++) {
		u32 n, j, k;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = 1 + seed % 32;
		if (n == 1) {
			if (fl_slab_cache_alloc(t->c, &off[0], &ptr[0]))
				t->errors++;
		} else if (fl_slab_cache_alloc_bulk(t->c, n, off, ptr)) {
			t->errors++;
			continue;
		}
		for (j = 0; j < n; j++) {
			u64 *p = ptr[j];

			p[0] = off[j];
			p[1] = seed + j;
		}
		/* hand the objects over; take back as many to free */
		pthread_mutex_lock(&t->mb->lock);
		for (j = 0; j < n && t->mb->n < MBOX; j++) {
			k = t->mb->n++;
			t->mb->off[k] = off[j];
			t->mb->p[k] = ptr[j];
			t->mb->tag[k] = seed + j;
		}
		/* objects that did not fit are freed right away below */
		for (k = 0; k < j && t->mb->n; k++) {
			u32 m = --t->mb->n;
			u64 *p = t->mb->p[m];

			if (p[0] != t->mb->off[m] || p[1] != t->mb->tag[m])
				t->errors++;
			off[k] = t->mb->off[m];
			ptr[k] = p;
		}
		pthread_mutex_unlock(&t->mb->lock);
		for (; j < n; j++, k++) {
			off[k] = off[j];
			ptr[k] = ptr[j];
		}
		if (seed & 8) {
			if (fl_slab_cache_free_bulk(t->c, k, NULL, ptr))
				t->errors++;
		} else {
			for (j = 0; j < k; j++)
				if (fl_slab_cache_free(t->c, off[j]))
					t->errors++;
		}
		t->ops += n;
	}
	return NULL;
}

TEST(threads_bulk_cross_cpu_frees)
{
	struct arena a;
	struct cthr t[THREADS];
	pthread_t tid[THREADS];
	struct fl_slab_cache *c;
	struct fl_slab_stats st;
	struct mbox *mb = calloc(1, sizeof(*mb));
	u32 i;

	REQUIRE(mb);
	pthread_mutex_init(&mb->lock, NULL);
	fl_set_nr_cpus(2);
	REQUIRE(arena_init(&a, 4096, false));
	REQUIRE(fl_slab_cache_create(a.r, "cross", 48, 0, 0, NULL, NULL, &c) ==
		0);
	for (i = 0; i < THREADS; i++) {
		t[i].c = c;
		t[i].mb = mb;
		t[i].id = (int)i;
		t[i].errors = 0;
		t[i].ops = 0;
		REQUIRE(pthread_create(&tid[i], NULL, cross_hammer, &t[i]) ==
			0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(t[i].errors, 0);
		CHECK(t[i].ops > 0);
	}
	CHECK_EQ(stats_of(c).live_objs, mb->n);
	CHECK_SLAB(a.r);
	for (i = 0; i < mb->n; i++) {
		CHECK_EQ(mb->p[i][0], mb->off[i]);
		CHECK_EQ(fl_slab_cache_free(c, mb->off[i]), 0);
	}
	st = stats_of(c);
	CHECK_EQ(st.live_objs, 0);
	CHECK(st.alloc_hits > 0);
	CHECK_SLAB(a.r);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	arena_fini(&a);
	fl_set_nr_cpus(0);
	pthread_mutex_destroy(&mb->lock);
	free(mb);
}

/* ------------------------------------------------------------ faults */

TEST(fault_injection_metadata)
{
	struct arena a;
	struct fl_slab_cache *c;
	struct fl_slab_root *r2;
	u64 off[300];
	unsigned long k;
	int ok_create = 0, ok_alloc = 0, ok_init = 0;

	REQUIRE(arena_init(&a, 1024, false));
	for (k = 0; k < 6; k++) {
		unsigned long inj = fl_fail_injected();
		int ret;

		fl_fail_nth(k);
		ret = fl_slab_root_create(a.b, &r2);
		fl_fail_reset();
		if (ret == 0)
			fl_slab_root_destroy(r2);
		else
			CHECK(ret == -ENOMEM && fl_fail_injected() == inj + 1);
	}
	for (k = 0; k < 6; k++) {
		int ret;

		fl_fail_nth(k);
		ret = fl_slab_cache_create(a.r, "flaky", 64, 0, 0, NULL, NULL,
					   &c);
		fl_fail_reset();
		if (ret == 0) {
			ok_create++;
			CHECK_EQ(fl_slab_cache_destroy(c), 0);
		} else {
			CHECK_EQ(ret, -ENOMEM);
		}
		CHECK_SLAB(a.r);
	}
	CHECK(ok_create >= 1);
	REQUIRE(fl_slab_cache_create(a.r, "flaky", 4000, 0,
				     FL_SLAB_NO_CPU_CACHE, NULL, NULL, &c) == 0);
	/* 8 objects per slab; every 3rd slab's metadata allocation fails */
	fl_fail_every(3);
	for (k = 0; k < 300; k++) {
		int ret = fl_slab_cache_alloc(c, &off[ok_alloc], NULL);

		if (ret == 0)
			ok_alloc++;
		else
			CHECK_EQ(ret, -ENOMEM);
		if ((k % 16) == 0)
			CHECK_SLAB(a.r);
	}
	fl_fail_reset();
	CHECK(ok_alloc > 0 && ok_alloc < 300);
	CHECK(stats_of(c).alloc_fail > 0);
	CHECK_EQ(stats_of(c).live_objs, ok_alloc);
	CHECK_SLAB(a.r);
	for (k = 0; k < (unsigned long)ok_alloc; k++)
		CHECK_EQ(fl_slab_cache_free(c, off[k]), 0);
	CHECK_EQ(fl_slab_cache_destroy(c), 0);
	/* kmalloc init failing half way is retried */
	for (k = 0; k < 40 && !ok_init; k++) {
		fl_fail_nth(k);
		if (fl_kmalloc_init(a.r) == 0)
			ok_init = 1;
		fl_fail_reset();
		CHECK_SLAB(a.r);
	}
	CHECK_EQ(fl_kmalloc_init(a.r), 0);
	CHECK(fl_kmalloc_cache(a.r, 8192) != NULL);
	CHECK_SLAB(a.r);
	arena_fini(&a);
}

TEST(root_destroy_returns_everything)
{
	struct arena a;
	struct fl_slab_cache *c;
	u64 off;
	int i;

	REQUIRE(arena_init(&a, 512, false));
	REQUIRE(fl_kmalloc_init(a.r) == 0);
	REQUIRE(fl_slab_cache_create(a.r, "leaky", 333, 0, 0, NULL, NULL,
				     &c) == 0);
	for (i = 0; i < 500; i++)
		REQUIRE(fl_slab_cache_alloc(c, &off, NULL) == 0);
	for (i = 1; i < 3000; i += 97)
		REQUIRE(fl_kmalloc(a.r, i, &off, NULL) == 0);
	CHECK(buddy_free_pages(a.b) < 512);
	CHECK_SLAB(a.r);
	CHECK_BUDDY(a.b);
	arena_fini(&a);		/* checks free_pages == total_pages */
}
