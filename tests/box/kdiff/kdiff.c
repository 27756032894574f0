// SPDX-License-Identifier: GPL-2.0
/*
 * kdiff - differential test: the kernel's own buddy allocator against
 * fraglab's (module/core/fl_buddy.c), step by step, from the same state.
 * tests/box/01-kdiff.sh runs it before every other test, while node 1 is
 * as the boot left it (later tests that fill the RAM spill into node 1
 * and leave its pageblocks claimed: then the sequence meets other states).
 *
 * The box VM has a NUMA node 1 with memory and no CPU (run-box.sh): its
 * one zone is quiet.  fl_kdiff.ko (tests/box/kdiff) runs a sequence of
 * alloc_pages_node(1, gfp | __GFP_THISNODE, order) / __free_pages() there,
 * every allocation through one __rmqueue() (the per-CPU lists bypassed),
 * and prints the zone's free lists and pageblock types before the first
 * step and after every step, each step's block and the fallbacks the
 * kernel's mm_page_alloc_extfrag tracepoint reported (see fl_kdiff.c).
 *
 * The sequence: gen_ops() (fixed seed and rules, 2000 steps).
 *
 * Lockstep comparison (tolerance 0): for every step, fraglab's buddy is
 * seeded with the kernel's state before the step (fl_buddy_seed(): the
 * free lists in the kernel's list order, the pageblock types, the blocks
 * in use with their type), runs the same step and must give
 *   - the same block for an allocation (or fail alike),
 *   - the same fallback (an extfrag event or none) and the same verdict
 *     (claimed: the pageblock now has the allocation's type, or stolen),
 *   - the same pageblock types and the same free blocks (order, type,
 *     position) afterwards.
 * Same state in, same rules => same state out: nothing else (no per-CPU
 * list, no other allocator, no watermark) takes part, so there is no
 * tolerance.  Only the ORDER within a free list may differ where fraglab
 * does not mirror the kernel's list placement; that is counted per cause
 * and reported, not failed (docs/FIDELITY.md).
 *
 * fraglab follows the 6.12 rules (__rmqueue_claim()/__rmqueue_steal() of
 * Debian's 6.12 kernel).  On older kernels (6.1: __rmqueue_fallback() with
 * steal_suitable_fallback()) the steps without a fallback must match as
 * above; the fallback steps are counted and reported as a known
 * difference (TODO), and states 6.1 can reach but fraglab cannot represent
 * (a free block on a list other than its pageblock's type) are skipped
 * and counted.
 *
 * Free-running comparison (diagnostic): fraglab alone from the first
 * state through the whole sequence; the same allocations must succeed
 * (so the free page count ends equal); fallbacks, claims, pageblocks per
 * type and free blocks per order are printed side by side.
 *
 * A noisy zone (pages freed or allocated there by someone else during the
 * run) is detected from the states and the run is repeated (3 tries).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tap.h"
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_kdiff.h"

#define KDIFF_KO	"/fl_kdiff.ko"
#define KDIFF_RUN	"/sys/kernel/debug/fl_kdiff/run"
#define PROACTIVE	"/proc/sys/vm/compaction_proactiveness"
#define NR_OPS		2000
#define SEED		0x6b646966f00dULL
#define NR_ORD		FL_NR_ORDERS
#define NR_KMT		8	/* the kernel's MIGRATE_TYPES, at most */
#define MAX_EV		4

/* ------------------------------------------------------------ sequence */

static uint64_t rng = SEED;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32) % n;
}

/*
 * The sequence's rules: phases of a fixed share of the steps, each with
 * its mix of migrate types, its band of pages in use (per cent of node
 * 1's MemTotal) and its largest order (orders 0..max, uniform).  A step
 * allocates while less than the band's low end is in use, frees above its
 * high end, else allocates with probability 55%; an order that would pass
 * the high end becomes 0; a free picks a random live allocation.
 */
static const struct phase {
	uint8_t steps, unmov, mov, lo, hi, max_order;
} phases[] = {
	/* movable blocks up to 32 pages fill the node: holes everywhere */
	{ 50, 2, 95, 55, 65, 5 },
	/* small non-movable ones: claims where enough is free, else steals */
	{ 25, 55, 5, 55, 70, 3 },
	/* a mix up to order 10, partly emptying the node again */
	{ 25, 30, 50, 30, 65, 10 },
};
#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))

/* @pages: node 1's MemTotal in pages.  Returns the number of steps. */
static int gen_ops(struct fl_kdiff_op *ops, uint32_t pages)
{
	static uint8_t live_order[FL_KDIFF_MAX_SLOTS];
	static uint32_t live[FL_KDIFF_MAX_SLOTS];
	uint32_t nr_live = 0, live_pages = 0, next_slot = 0, i = 0, ph;

	rng = SEED;
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		uint32_t lo = pages / 100 * p->lo, hi = pages / 100 * p->hi;
		uint32_t end = ph == NR_PHASES - 1 ? NR_OPS :
			       i + NR_OPS * p->steps / 100;

		for (; i < end; i++) {
			bool alloc;

			if (!nr_live || live_pages < lo)
				alloc = true;
			else if (live_pages > hi || next_slot == FL_KDIFF_MAX_SLOTS)
				alloc = false;
			else
				alloc = rnd(100) < 55;
			if (alloc) {
				uint32_t order = rnd(p->max_order + 1), m = rnd(100);

				if (live_pages + (1U << order) > hi)
					order = 0;
				ops[i] = (struct fl_kdiff_op){
					.op = FL_KDIFF_ALLOC, .order = order,
					.mt = m < p->unmov ? FL_MT_UNMOVABLE :
					      m < p->unmov + p->mov ? FL_MT_MOVABLE :
					      FL_MT_RECLAIMABLE,
					.slot = next_slot,
				};
				live_order[next_slot] = order;
				live[nr_live++] = next_slot++;
				live_pages += 1U << order;
			} else {
				uint32_t k = rnd(nr_live), s = live[k];

				ops[i] = (struct fl_kdiff_op){
					.op = FL_KDIFF_FREE, .slot = s,
				};
				live[k] = live[--nr_live];
				live_pages -= 1U << live_order[s];
			}
		}
	}
	return i;
}

/* ---------------------------------------------------- the kernel's run */

struct kstate {
	char pb[4096];
	int nr_pb;
	uint32_t *lst[NR_ORD][NR_KMT];
	uint32_t n[NR_ORD][NR_KMT], cap[NR_ORD][NR_KMT];
};

struct kop {
	int alloc;		/* 1 alloc, 0 free */
	int order, mt;
	uint32_t slot;
	long off;		/* -1: failed alloc / empty slot */
	int nr_ev;
	int ev_claimed[MAX_EV];
	long ev_off[MAX_EV];
	int ev_forder[MAX_EV], ev_fmt[MAX_EV];
};

/* The run's text, split into lines, and its header. */
struct krun {
	char *text;
	char **line;
	int nr_line;
	unsigned long start, span;
	int pbo, orders, types, cpu;
	int state_line[NR_OPS + 1];
	struct kop op[NR_OPS];
	char *init_cls;		/* per index: '.' free, 'm', 'u', 'h' */
	char *final_cls;
	bool final_ok;
};

static unsigned long lead;	/* zone start - its 2^max_order aligned base */
static uint32_t nr_idx;		/* fraglab's index space */

static char *read_all(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s));
	close(fd);
	return r < 0 ? -errno : 0;
}

/* Parse "used OFF LEN C" lines from line @l into @cls; returns next line. */
static int parse_used(struct krun *k, int l, char *cls)
{
	unsigned long i;

	for (i = 0; i < nr_idx; i++)
		cls[i] = i < lead || i >= lead + k->span ? 'h' : '.';
	for (; l < k->nr_line && !strncmp(k->line[l], "used ", 5); l++) {
		unsigned long off, len;
		char c;

		if (sscanf(k->line[l], "used %lu %lu %c", &off, &len, &c) != 3 ||
		    off + len > k->span)
			return -1;
		memset(cls + lead + off, c, len);
	}
	return l;
}

static int parse_run(struct krun *k)
{
	int l, i, cur = -1;

	k->nr_line = 0;
	for (char *p = k->text; *p; p++)
		k->nr_line += *p == '\n';
	k->line = calloc(k->nr_line + 1, sizeof(*k->line));
	if (!k->line)
		return -1;
	l = 0;
	for (char *p = strtok(k->text, "\n"); p; p = strtok(NULL, "\n"))
		k->line[l++] = p;
	k->nr_line = l;
	if (l < 2 || sscanf(k->line[0],
			    "zone %*s node %*d start %lu span %lu pbo %d orders %d types %d cpu %d",
			    &k->start, &k->span, &k->pbo, &k->orders, &k->types,
			    &k->cpu) != 6)
		return -1;
	if (k->pbo != FL_PAGEBLOCK_ORDER || k->orders != NR_ORD ||
	    k->types > NR_KMT || k->start % FL_PAGEBLOCK_PAGES)
		return -2;
	lead = k->start & ((1UL << FL_MAX_ORDER) - 1);
	nr_idx = lead + k->span;
	if (nr_idx / FL_PAGEBLOCK_PAGES >= sizeof(((struct kstate *)0)->pb))
		return -2;
	k->init_cls = malloc(nr_idx);
	k->final_cls = malloc(nr_idx);
	if (!k->init_cls || !k->final_cls)
		return -1;
	l = parse_used(k, 1, k->init_cls);
	if (l < 0)
		return -1;
	for (i = 0; i <= NR_OPS; i++)
		k->state_line[i] = -1;
	for (; l < k->nr_line; l++) {
		char *s = k->line[l];
		int n;

		if (sscanf(s, "state %d", &n) == 1 && n >= 0 && n <= NR_OPS) {
			k->state_line[n] = l;
		} else if (!strncmp(s, "op ", 3)) {
			struct kop *o;
			char t;

			if (sscanf(s, "op %d %c", &n, &t) != 2 || n < 0 || n >= NR_OPS)
				return -1;
			o = &k->op[n];
			cur = n;
			o->alloc = t == 'a';
			if (o->alloc ? sscanf(s, "op %*d a %d %d %u %ld", &o->order,
					      &o->mt, &o->slot, &o->off) != 4 :
			    sscanf(s, "op %*d f %u %ld", &o->slot, &o->off) != 2)
				return -1;
		} else if (!strncmp(s, "ev ", 3)) {
			struct kop *o;
			int e;

			if (sscanf(s, "ev %d", &n) != 1 || n != cur)
				return -1;
			o = &k->op[n];
			e = o->nr_ev++;
			if (e < MAX_EV &&
			    sscanf(s, "ev %*d %ld %*d %d %*d %d %d", &o->ev_off[e],
				   &o->ev_forder[e], &o->ev_fmt[e],
				   &o->ev_claimed[e]) != 4)
				return -1;
		} else if (!strcmp(s, "final")) {
			if (parse_used(k, l + 1, k->final_cls) < 0)
				return -1;
			k->final_ok = true;
		}
	}
	for (i = 0; i <= NR_OPS; i++)
		if (k->state_line[i] < 0)
			return -1;
	return strcmp(k->line[k->nr_line - 1], "done") ? -3 : 0;
}

static int parse_state(struct krun *k, int i, struct kstate *st)
{
	int l = k->state_line[i] + 1, o, mt;

	for (o = 0; o < NR_ORD; o++)
		for (mt = 0; mt < NR_KMT; mt++)
			st->n[o][mt] = 0;
	if (strncmp(k->line[l], "pb ", 3))
		return -1;
	st->nr_pb = strlen(k->line[l] + 3);
	memcpy(st->pb, k->line[l] + 3, st->nr_pb);
	for (l++; l < k->nr_line && strcmp(k->line[l], "end"); l++) {
		char *p = k->line[l], *e;

		if (sscanf(p, "free %d %d", &o, &mt) != 2 || o < 0 || o >= NR_ORD ||
		    mt < 0 || mt >= NR_KMT)
			return -1;
		p += 5;
		strtoul(p, &p, 10);
		strtoul(p, &p, 10);
		for (;;) {
			unsigned long v = strtoul(p, &e, 10);

			if (e == p)
				break;
			p = e;
			if (st->n[o][mt] == st->cap[o][mt]) {
				uint32_t c = st->cap[o][mt] ? 2 * st->cap[o][mt] : 64;
				uint32_t *nl = realloc(st->lst[o][mt], c * sizeof(*nl));

				if (!nl)
					return -1;
				st->lst[o][mt] = nl;
				st->cap[o][mt] = c;
			}
			st->lst[o][mt][st->n[o][mt]++] = v + lead;
		}
	}
	return 0;
}

/* ------------------------------------------------------ fraglab's side */

struct live {
	long idx;		/* fraglab index of the slot's block, -1: none */
	int order, mt;
};

static struct fl_seed_block *seed_blk;
static uint32_t nr_seed, cap_seed;
static char *cover;
static uint8_t seed_pb[4096];

static int add_blk(uint32_t idx, int order, int mt, int is_free)
{
	if (nr_seed == cap_seed) {
		uint32_t c = cap_seed ? 2 * cap_seed : 4096;
		struct fl_seed_block *n = realloc(seed_blk, c * sizeof(*n));

		if (!n)
			return -1;
		seed_blk = n;
		cap_seed = c;
	}
	seed_blk[nr_seed++] = (struct fl_seed_block){
		.idx = idx, .order = order, .mt = mt, .free = is_free,
	};
	return 0;
}

/*
 * Seed @b with kernel state @st, the live allocations @lv of the sequence
 * and the pages in use at the start (@init_cls).  Returns 0, -EAGAIN when
 * the state shows someone else used the zone, -ENOTSUP when fraglab
 * cannot hold it (types or lists it does not have, or an invariant it
 * keeps and the kernel does not), with @why.
 */
static int seed_state(struct fl_buddy *b, const struct kstate *st,
		      const struct live *lv, const char *init_cls,
		      char *why, size_t len)
{
	uint32_t i, o, mt, pb0 = lead / FL_PAGEBLOCK_PAGES;
	int ret;

	nr_seed = 0;
	memset(cover, 0, nr_idx);
	for (i = 0; i < fl_buddy_nr_pageblocks(b); i++) {
		int t = i < pb0 || i - pb0 >= (uint32_t)st->nr_pb ? FL_MT_MOVABLE :
			st->pb[i - pb0] - '0';

		if (t < 0 || t >= FL_MT_TYPES) {
			snprintf(why, len, "pageblock %u has type %d", i, t);
			return -ENOTSUP;
		}
		seed_pb[i] = t;
	}
	for (o = 0; o < NR_ORD; o++) {
		for (mt = 0; mt < NR_KMT; mt++) {
			if (st->n[o][mt] && mt >= FL_MT_TYPES) {
				snprintf(why, len, "free list %u/%u is not empty", o, mt);
				return -ENOTSUP;
			}
			for (i = 0; i < st->n[o][mt]; i++) {
				uint32_t x = st->lst[o][mt][i];

				if (x + (1U << o) > nr_idx ||
				    memchr(cover + x, 1, 1U << o) ||
				    add_blk(x, o, mt, 1))
					return -EAGAIN;
				memset(cover + x, 1, 1U << o);
			}
		}
	}
	for (i = 0; i < FL_KDIFF_MAX_SLOTS; i++) {
		if (lv[i].idx < 0)
			continue;
		if (memchr(cover + lv[i].idx, 1, 1U << lv[i].order) ||
		    add_blk(lv[i].idx, lv[i].order, lv[i].mt, 0))
			return -EAGAIN;
		memset(cover + lv[i].idx, 1, 1U << lv[i].order);
	}
	/* the rest was in use before the sequence: maximal aligned blocks */
	for (i = 0; i < nr_idx;) {
		char c = init_cls[i];

		if (cover[i]) {
			i++;
			continue;
		}
		if (c == '.')
			return -EAGAIN;	/* free at the start, not ours, used now */
		for (o = FL_MAX_ORDER; o; o--) {
			uint32_t k;

			if ((i & ((1U << o) - 1)) || i + (1U << o) > nr_idx)
				continue;
			for (k = i; k < i + (1U << o); k++)
				if (cover[k] || init_cls[k] != c)
					break;
			if (k == i + (1U << o))
				break;
		}
		if (add_blk(i, o, c == 'm' ? FL_MT_MOVABLE : FL_MT_UNMOVABLE, 0))
			return -EAGAIN;
		memset(cover + i, 1, 1U << o);
		i += 1U << o;
	}
	ret = fl_buddy_seed(b, seed_pb, seed_blk, nr_seed, why, len);
	if (ret == -EUCLEAN)
		return -ENOTSUP;
	if (ret) {
		snprintf(why, len, "fl_buddy_seed: %d", ret);
		return -EAGAIN;
	}
	return 0;
}

struct diff {
	uint32_t pb, set, order;	/* pageblocks, free sets, list order */
	char first[200];
};

/* Compare fraglab's state with the kernel's @st. */
static uint32_t *mark, stamp;

static void compare_state(struct fl_buddy *b, const struct kstate *st,
			  struct diff *d)
{
	static uint32_t buf[1 << 16];
	uint32_t i, o, mt, pb0 = lead / FL_PAGEBLOCK_PAGES;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < (uint32_t)st->nr_pb; i++) {
		int f = fl_buddy_pageblock_mt(b, i + pb0);

		if (f != st->pb[i] - '0' && !d->pb++)
			snprintf(d->first, sizeof(d->first),
				 "pageblock %u: kernel %c, fraglab %d", i, st->pb[i], f);
	}
	for (o = 0; o < NR_ORD; o++) {
		for (mt = 0; mt < FL_MT_TYPES; mt++) {
			uint32_t n = fl_buddy_free_list(b, o, mt, buf, 1 << 16);
			uint32_t kn = st->n[o][mt], j;
			bool same_set = n == kn && n <= (1 << 16);
			bool same_order = same_set;

			stamp++;
			for (j = 0; same_set && j < kn; j++)
				mark[st->lst[o][mt][j]] = stamp;
			for (j = 0; same_set && j < n; j++) {
				if (buf[j] != st->lst[o][mt][j])
					same_order = false;
				same_set = mark[buf[j]] == stamp;
			}
			if (!same_set && !d->set++ && !d->pb)
				snprintf(d->first, sizeof(d->first),
					 "free list %u/%u: kernel %u blocks (head %ld), fraglab %u (head %ld)",
					 o, mt, kn, kn ? (long)(st->lst[o][mt][0] - lead) : -1L,
					 n, n ? (long)(buf[0] - lead) : -1L);
			else if (same_set && !same_order)
				d->order++;
		}
	}
}

static bool kernel_is_6_12_rules(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return true;
	return maj > 6 || (maj == 6 && min >= 12);
}

struct totals {
	uint32_t steps, skipped, noisy;
	uint32_t fb_steps, fb_same, nofb_steps, nofb_same;
	uint32_t blk_diff, ev_diff, claim_diff, pb_diff, set_diff, order_diff;
	uint32_t k_fb, k_claim, f_fb, f_claim;
	char first[4][256];
};

static void note(char *dst, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(char *dst, const char *fmt, ...)
{
	va_list ap;

	if (*dst)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, 256, fmt, ap);
	va_end(ap);
}

/* Free pages of a state: every block on every list. */
static long kstate_free_pages(const struct kstate *st)
{
	long pages = 0;
	int o, m;

	for (o = 0; o < NR_ORD; o++)
		for (m = 0; m < NR_KMT; m++)
			pages += (long)st->n[o][m] << o;
	return pages;
}

/*
 * What one step does to the zone's free pages: an allocation takes
 * 2^order (rmqueue_buddy()), a free gives them back (free_one_page()),
 * a failed allocation or the free of an empty slot nothing.  Any other
 * change between the two states is someone else's: e.g. another CPU's
 * per-CPU lists drained into the zone mid-step (seen on PREEMPT_RT).
 */
static long step_free_delta(const struct kop *o, const struct live *lv)
{
	if (o->off < 0)
		return 0;
	if (o->alloc)
		return -(1L << o->order);
	return lv[o->slot].idx >= 0 ? 1L << lv[o->slot].order : 0;
}

/* The lockstep comparison over every step; -EAGAIN for a noisy zone. */
static int lockstep(struct krun *k, struct fl_buddy *b, struct totals *t)
{
	static struct live lv[FL_KDIFF_MAX_SLOTS];
	static struct kstate before, after;
	char why[256];
	int i, ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < FL_KDIFF_MAX_SLOTS; i++)
		lv[i].idx = -1;
	if (parse_state(k, 0, &before))
		return -EIO;
	for (i = 0; i < NR_OPS; i++) {
		const struct kop *o = &k->op[i];
		struct fl_buddy_stats s0, s1;
		struct diff d;
		uint32_t idx = 0;
		long f_off = -1;
		int f_ev, f_claim = 0, k_claim, same;

		if (parse_state(k, i + 1, &after))
			return -EIO;
		if (kstate_free_pages(&after) - kstate_free_pages(&before) !=
		    step_free_delta(o, lv)) {
			tap_diag("step %d: node 1's free pages changed by %ld, the step accounts for %ld: not quiet",
				 i, kstate_free_pages(&after) - kstate_free_pages(&before),
				 step_free_delta(o, lv));
			return -EAGAIN;
		}
		ret = seed_state(b, &before, lv, k->init_cls, why, sizeof(why));
		if (ret == -EAGAIN)
			return ret;
		t->steps++;
		if (ret) {
			t->skipped++;
			note(t->first[3], "step %d: state not representable: %s", i, why);
			goto next;
		}
		fl_buddy_get_stats(b, &s0);
		if (o->alloc) {
			struct fl_buddy_req req = {
				.order = o->order, .mt = o->mt,
				.owner_kind = FL_OWN_KERNEL,
			};

			if (!fl_buddy_alloc(b, &req, &idx)) {
				f_off = idx - lead;
				f_claim = fl_buddy_pageblock_mt(b, idx >> FL_PAGEBLOCK_ORDER) == o->mt;
			}
		} else if (o->off >= 0) {
			fl_buddy_free(b, o->off + lead);
		}
		fl_buddy_get_stats(b, &s1);
		f_ev = (int)(s1.fallbacks - s0.fallbacks);
		k_claim = o->nr_ev ? o->ev_claimed[0] : 0;
		compare_state(b, &after, &d);

		t->k_fb += o->nr_ev;
		t->k_claim += o->nr_ev && k_claim;
		t->f_fb += f_ev;
		t->f_claim += f_ev && f_claim;
		same = (!o->alloc || f_off == o->off) && f_ev == o->nr_ev &&
		       (!f_ev || f_claim == k_claim) && !d.pb && !d.set;
		if (o->nr_ev || f_ev) {
			t->fb_steps++;
			t->fb_same += same;
		} else {
			t->nofb_steps++;
			t->nofb_same += same;
		}
		if (o->alloc && f_off != o->off) {
			t->blk_diff++;
			note(t->first[0], "step %d alloc order %d mt %d: kernel block %ld, fraglab %ld (kernel fallbacks %d)",
			     i, o->order, o->mt, o->off, f_off, o->nr_ev);
		}
		if (f_ev != o->nr_ev || (f_ev && f_claim != k_claim)) {
			t->ev_diff += f_ev != o->nr_ev;
			t->claim_diff += f_ev == o->nr_ev;
			note(t->first[1], "step %d alloc order %d mt %d: kernel %d fallback(s)%s, fraglab %d%s",
			     i, o->order, o->mt, o->nr_ev,
			     o->nr_ev ? (k_claim ? " claimed" : " stolen") : "",
			     f_ev, f_ev ? (f_claim ? " claimed" : " stolen") : "");
		}
		t->pb_diff += !!d.pb;
		t->set_diff += !!d.set;
		t->order_diff += !d.set && d.order;
		if (d.pb || d.set)
			note(t->first[2], "step %d (%s): %s", i,
			     o->alloc ? "alloc" : "free", d.first);
next:
		/* the next step starts from the kernel's state, whatever ours */
		if (o->alloc && o->off >= 0)
			lv[o->slot] = (struct live){
				.idx = o->off + lead, .order = o->order, .mt = o->mt,
			};
		else if (!o->alloc)
			lv[o->slot].idx = -1;
		{
			struct kstate tmp = before;

			before = after;
			after = tmp;
		}
	}
	/* the end: in use = in use at the start + ours, nothing else */
	memset(cover, 0, nr_idx);
	for (i = 0; i < FL_KDIFF_MAX_SLOTS; i++)
		if (lv[i].idx >= 0)
			memset(cover + lv[i].idx, 1, 1U << lv[i].order);
	for (i = 0; i < (int)nr_idx; i++) {
		char a = k->init_cls[i], f = k->final_cls[i];

		if (cover[i] ? f == '.' : (a == '.') != (f == '.'))
			return -EAGAIN;
	}
	return 0;
}

/*
 * fraglab alone through the whole sequence from the first state: frees
 * free fraglab's own block of the slot.  Prints both sides' totals;
 * returns the number of allocations whose success differs.
 */
static int free_run(struct krun *k, struct fl_buddy *b, const struct totals *t,
		    uint64_t *f_free)
{
	static struct live lv[FL_KDIFF_MAX_SLOTS];
	static struct kstate st;
	static uint32_t fidx[FL_KDIFF_MAX_SLOTS];
	struct fl_buddy_stats s;
	uint64_t nr_pb[FL_MT_TYPES] = { 0 };
	char why[256];
	int i, diff = 0, first = -1;

	for (i = 0; i < FL_KDIFF_MAX_SLOTS; i++)
		lv[i].idx = -1;
	if (parse_state(k, 0, &st))
		return -1;
	if (seed_state(b, &st, lv, k->init_cls, why, sizeof(why))) {
		tap_diag("free-running: the first state is not a fraglab state: %s", why);
		return -2;
	}
	for (i = 0; i < NR_OPS; i++) {
		const struct kop *o = &k->op[i];

		if (o->alloc) {
			struct fl_buddy_req req = {
				.order = o->order, .mt = o->mt,
				.owner_kind = FL_OWN_KERNEL,
			};
			int ok = !fl_buddy_alloc(b, &req, &fidx[o->slot]);

			if (ok != (o->off >= 0))
				diff++;
			if (!ok)
				fidx[o->slot] = UINT32_MAX;
			else if (first < 0 && fidx[o->slot] != o->off + lead)
				first = i;
		} else if (fidx[o->slot] != UINT32_MAX) {
			fl_buddy_free(b, fidx[o->slot]);
			fidx[o->slot] = UINT32_MAX;
		}
	}
	fl_buddy_get_stats(b, &s);
	fl_buddy_pageblock_counts(b, nr_pb);
	*f_free = s.free_pages;
	tap_diag("free-running: first different block at step %d; fallbacks kernel %u fraglab %llu; pageblocks U/M/R fraglab %llu/%llu/%llu",
		 first, t->k_fb, (unsigned long long)s.fallbacks,
		 (unsigned long long)nr_pb[0], (unsigned long long)nr_pb[1],
		 (unsigned long long)nr_pb[2]);
	return diff;
}

/* ---------------------------------------------------------------- main */

static int run_kernel(struct krun *k, const struct fl_kdiff_op *ops)
{
	size_t len;
	int fd, ret;

	fd = open(KDIFF_RUN, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, ops, NR_OPS * sizeof(*ops)) < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	free(k->text);
	free(k->line);
	free(k->init_cls);
	free(k->final_cls);
	memset(k, 0, sizeof(*k));
	k->text = read_all(KDIFF_RUN, &len);
	if (!k->text)
		return -EIO;
	return parse_run(k);
}

/* Node 1's MemTotal (fixed by the VM's size, unlike its MemFree). */
static uint32_t node1_pages(void)
{
	size_t len;
	char *t = read_all("/sys/devices/system/node/node1/meminfo", &len);
	char *p = t ? strstr(t, "MemTotal:") : NULL;
	unsigned long kb = 0;

	if (p)
		sscanf(p, "MemTotal: %lu", &kb);
	free(t);
	return kb / 4;
}

/*
 * "flbox.kdiff=report" on the kernel command line (check-debug.sh sets it):
 * the comparisons are reported as TODO instead of failing.  On the debug
 * kernel node 1 is not the quiet zone this test needs: one free block
 * appeared there that no step freed (step 191 of one run: 150 order-0
 * blocks where fraglab had 149), and the quiet-zone check did not see who.
 */
static bool kdiff_report_only(void)
{
	char buf[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, "flbox.kdiff=report") != NULL;
}

/* tap_is_int(), or the same line as a TODO in report-only mode. */
static void kdiff_is(bool report, long long got, long long want,
		     const char *what)
{
	if (!report) {
		tap_is_int(got, want, "%s", what);
		return;
	}
	printf("%sok %d - %s (got %lld, want %lld) # TODO debug kernel: node 1 not quiet (flbox.kdiff=report)\n",
	       got == want ? "" : "not ", ++tap_n, what, got, want);
	fflush(stdout);
}

int main(void)
{
	static struct fl_kdiff_op ops[NR_OPS];
	static struct krun k;
	bool rules612 = kernel_is_6_12_rules();
	bool report = kdiff_report_only();
	struct totals t;
	struct fl_chunk chunk;
	struct fl_buddy *b = NULL;
	char proactive[32] = "";
	uint32_t pages;
	uint64_t f_free;
	size_t len;
	char *s;
	int ret = -1, try;

	pages = node1_pages();
	if (!pages) {
		tap_fail("no node 1 (FRAGLAB_VM_NODE1 empty?)",
			 "node 1 has memory");
		return tap_done();
	}
	tap_ok(system("/sbin/fl-insmod " KDIFF_KO " >/dev/null") == 0,
	       "insmod fl_kdiff.ko");
	/* kcompactd's proactive compaction would move pages of node 1 */
	s = read_all(PROACTIVE, &len);
	if (s) {
		snprintf(proactive, sizeof(proactive), "%s", s);
		free(s);
		write_str(PROACTIVE, "0");
	}
	gen_ops(ops, pages);
	tap_diag("node 1: %u pages; %d steps; kernel rules %s", pages,
		 NR_OPS, rules612 ? "6.12 (fraglab's)" : "before 6.12");

	for (try = 1; try <= 3; try++) {
		ret = run_kernel(&k, ops);
		if (ret) {
			tap_diag("try %d: kernel run/parse failed: %d", try, ret);
			continue;
		}
		if (!b) {
			chunk = (struct fl_chunk){ .start = 0, .nr_pages = nr_idx };
			b = fl_buddy_create(&chunk, 1, FL_MAX_ORDER, true);
			cover = malloc(nr_idx);
			mark = calloc(nr_idx, sizeof(*mark));
			if (!b || !cover || !mark)
				tap_bail("fl_buddy_create(%u pages)", nr_idx);
		}
		ret = lockstep(&k, b, &t);
		if (ret != -EAGAIN)
			break;
		tap_diag("try %d: node 1 was not quiet (pages used or freed by someone else), again", try);
	}
	if (proactive[0])
		write_str(PROACTIVE, proactive);
	tap_ok(system("rmmod fl_kdiff") == 0, "rmmod fl_kdiff");
	if (!tap_ok(ret == 0, "the kernel's run: parsed, node 1 quiet (ret %d)", ret))
		return tap_done();

	tap_diag("zone start pfn %lu, %lu pages, ran on cpu %d; kernel: %u fallbacks (%u claimed), fraglab: %u (%u claimed)",
		 k.start, k.span, k.cpu, t.k_fb, t.k_claim, t.f_fb, t.f_claim);
	/*
	 * How much the sequence exercises depends on the pages in use after
	 * boot, which differ from boot to boot: 3-14 fallbacks and 0-8
	 * steals seen on 6.12.118, 3 claims on 6.1.  Printed, not required:
	 * a count that varies per boot would make the test flaky.
	 */
	tap_diag("coverage: the kernel fell back %u times, claimed %u, stole %u",
		 t.k_fb, t.k_claim, t.k_fb - t.k_claim);
	tap_is_int(t.steps, NR_OPS, "every step compared");
	if (rules612) {
		tap_is_int(t.skipped, 0, "every kernel state is a fraglab state");
		if (t.first[3][0])
			tap_diag("%s", t.first[3]);
	} else {
		tap_diag("%u of %u steps skipped: 6.1 state fraglab does not hold (%s)",
			 t.skipped, t.steps, t.first[3]);
	}
	kdiff_is(report, t.nofb_same, t.nofb_steps,
		 "steps without a fallback: same block, same pageblocks, same free blocks");
	if (rules612) {
		kdiff_is(report, t.fb_same, t.fb_steps,
			 "steps with a fallback: same block, same claim/steal, same pageblocks, same free blocks");
	} else {
		printf("%sok %d - steps with a fallback: fraglab's 6.12 rules vs the kernel's: %u of %u the same # TODO fraglab models the 6.12 claim/steal split (docs/FIDELITY.md)\n",
		       t.fb_same == t.fb_steps ? "" : "not ", ++tap_n,
		       t.fb_same, t.fb_steps);
	}
	tap_diag("differences: block %u, fallback %u, claim/steal %u, pageblocks %u, free blocks %u; list order only %u",
		 t.blk_diff, t.ev_diff, t.claim_diff, t.pb_diff, t.set_diff,
		 t.order_diff);
	for (int i = 0; i < 3; i++)
		if (t.first[i][0])
			tap_diag("first: %s", t.first[i]);

	ret = free_run(&k, b, &t, &f_free);
	/* as the lockstep skips: a state only 6.1 reaches has no fraglab twin */
	if (ret == -2 && !rules612)
		tap_skip("6.1's first state is not a fraglab state (counted above)",
			 "free-running fraglab: the same allocations succeed");
	else
		kdiff_is(report, ret, 0, "free-running fraglab: the same allocations succeed");
	fl_buddy_destroy(b);
	free(cover);
	free(mark);
	return tap_done();
}
