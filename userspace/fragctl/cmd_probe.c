// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_probe.c - fragctl commands for HugePage availability:
 *
 *   probe hugepages [--system] [--try N] [--compact]
 *	the arena (fraglab's buddy: free order >= 9 blocks), or with
 *	--system the real machine: per zone free blocks, order-9 indices,
 *	pageblock types, and (root) trial order-9 allocations without and
 *	with compaction.  --try/--compact imply --system.
 *
 *   compare [--tolerance N] [--exact]
 *	the arena's buddyinfo next to /proc/buddyinfo (same columns), then
 *	the module's real-system counts checked against /proc/buddyinfo read
 *	just before and just after the probe.  A zone agrees exactly when
 *	the probe equals one of the two reads; otherwise it agrees when no
 *	order differs by more than N blocks (default 16: a live system
 *	drifts).  --exact retries up to 20 times and accepts nothing but
 *	exact agreement.  Exit status 1 on disagreement.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

#define FC_PROC_BUDDYINFO	"/proc/buddyinfo"
#define FC_HP_ORDER		9
#define FC_DEFAULT_TOLERANCE	16
#define FC_EXACT_ATTEMPTS	20
#define FC_LIVE_ATTEMPTS	3

#define fc_bi_zone fraglab_zone_free

static int fc_read_buddyinfo(struct fc_bi_zone *z, int max)
{
	char *text;
	int ret;

	ret = fraglab_read_file(FC_PROC_BUDDYINFO, &text);
	if (ret)
		return ret;
	ret = fraglab_parse_buddyinfo(text, z, max);
	free(text);
	return ret;
}

static int fc_probe_fail(const char *what, int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		fprintf(stderr, "fragctl: %s: trial allocations change the real machine's memory and need root (CAP_SYS_ADMIN)\n",
			what);
		return 1;
	case -ENOTTY:
		fprintf(stderr, "fragctl: %s: this fraglab.ko has no HugePage probe (FRAGLAB_IOC_PROBE_SYSTEM): rebuild and reload the module\n",
			what);
		return 1;
	case -EINVAL:
		fprintf(stderr, "fragctl: %s: --try is 1..probe_max (see /sys/module/fraglab/parameters/probe_max)\n",
			what);
		return 1;
	default:
		return fc_fail(what, err);
	}
}

static uint64_t fc_hugepages(const __u64 *nr_free)
{
	uint64_t n = 0;
	unsigned int o;

	for (o = FC_HP_ORDER; o < FRAGLAB_NR_ORDERS; o++)
		n += nr_free[o] << (o - FC_HP_ORDER);
	return n;
}

/* "-1.000" / "0.873": the kernel's way of printing an index. */
static const char *fc_index(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%s%d.%03d", v < 0 ? "-" : "", abs(v) / 1000,
		 abs(v) % 1000);
	return buf;
}

static void fc_print_orders_json(const __u64 *nr_free)
{
	unsigned int o;

	putchar('[');
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		printf("%s%" PRIu64, o ? "," : "", (uint64_t)nr_free[o]);
	putchar(']');
}

/* ---- probe hugepages (arena) --------------------------------------------- */

/* The compaction engine's exact prediction; false if the module lacks it. */
static bool fc_arena_prediction(struct fc_ctx *c, struct fraglab_hugepages_arena *h)
{
	memset(h, 0, sizeof(*h));
	return !fraglab_ioctl(&c->fl, FRAGLAB_IOC_HUGEPAGES_ARENA, h);
}

static int fc_probe_arena(struct fc_ctx *c)
{
	struct fraglab_hugepages_arena h;
	struct fraglab_stats st;
	bool pred;
	uint64_t now;
	int ret;

	ret = fraglab_stats(&c->fl, &st);
	if (ret)
		return fc_fail("stats", ret);
	now = fc_hugepages(st.nr_free);
	pred = fc_arena_prediction(c, &h);
	if (c->json) {
		printf("{\"arena\":{\"free_pages\":%" PRIu64 ",\"total_pages\":%" PRIu64
		       ",\"free_order9\":%" PRIu64 ",\"free_order10\":%" PRIu64
		       ",\"hugepages_now\":%" PRIu64 ",\"prediction\":",
		       (uint64_t)st.free_pages, (uint64_t)st.total_pages,
		       (uint64_t)st.nr_free[9], (uint64_t)st.nr_free[10], now);
		if (pred)
			printf("{\"blocks\":%u,\"free\":%u,\"movable\":%u,\"blocked\":%u,"
			       "\"huge\":%u,\"obtainable_max\":%" PRIu64
			       ",\"predicted_full\":%" PRIu64 ",\"predicted_order\":%" PRIu64 "}",
			       h.nr_blocks, h.blocks_free, h.blocks_movable,
			       h.blocks_blocked, h.blocks_huge,
			       (uint64_t)h.obtainable_max, (uint64_t)h.predicted_full,
			       (uint64_t)h.predicted_order);
		else
			printf("null");
		printf("}}\n");
		return 0;
	}
	printf("arena: HugePage (2 MiB, order 9) availability in fraglab's buddy\n");
	printf("free: %" PRIu64 " of %" PRIu64 " pages; free blocks of order 9: %" PRIu64
	       ", order 10: %" PRIu64 "\n",
	       (uint64_t)st.free_pages, (uint64_t)st.total_pages,
	       (uint64_t)st.nr_free[9], (uint64_t)st.nr_free[10]);
	printf("HugePages obtainable now: %" PRIu64 " (%" PRIu64 " MiB)\n", now,
	       now * 2);
	if (!pred) {
		printf("after compaction: no prediction from this module build\n");
		return 0;
	}
	printf("pageblocks: %u, %u free, %u movable, %u blocked by unmovable allocations\n",
	       h.nr_blocks, h.blocks_free, h.blocks_movable, h.blocks_blocked);
	printf("after compaction (exact): %" PRIu64 " with full compaction, %" PRIu64
	       " with order-9 compaction (upper bound %" PRIu64 ")\n",
	       (uint64_t)h.predicted_full, (uint64_t)h.predicted_order,
	       (uint64_t)h.obtainable_max);
	return 0;
}

/* ---- probe hugepages --system -------------------------------------------- */

static void fc_system_totals(const struct fraglab_probe_system *p,
			     uint64_t *now, uint64_t *movable, uint64_t *free)
{
	unsigned int i;

	*now = *movable = *free = 0;
	for (i = 0; i < p->nr_zones; i++) {
		*now += p->zones[i].hugepages_now;
		*movable += p->zones[i].pageblocks[FRAGLAB_PB_MOVABLE];
		*free += p->zones[i].free_pages;
	}
}

static void fc_print_system_json(const struct fraglab_probe_system *p)
{
	uint64_t now, movable, free;
	unsigned int i, t;

	fc_system_totals(p, &now, &movable, &free);
	printf("{\"system\":{\"free_pages\":%" PRIu64 ",\"nr_orders\":%u,"
	       "\"pageblock_order\":%u,\"try_cap\":%u,\"hugepages_now\":%" PRIu64
	       ",\"movable_pageblocks\":%" PRIu64 ",\"zones\":[",
	       (uint64_t)p->free_pages, p->nr_orders, p->block_order,
	       p->try_cap, now, movable);
	for (i = 0; i < p->nr_zones; i++) {
		const struct fraglab_zone_probe *z = &p->zones[i];

		printf("%s{\"node\":%d,\"zone\":\"%s\",\"nr_free\":", i ? "," : "",
		       z->node, z->name);
		fc_print_orders_json(z->nr_free);
		printf(",\"free_pages\":%" PRIu64 ",\"managed_pages\":%" PRIu64
		       ",\"hugepages_now\":%" PRIu64 ",\"unusable_index_9\":%d,"
		       "\"extfrag_index_9\":%d,\"pageblocks\":[",
		       (uint64_t)z->free_pages, (uint64_t)z->managed_pages,
		       (uint64_t)z->hugepages_now, z->unusable_index_9,
		       z->extfrag_index_9);
		for (t = 0; t < FRAGLAB_PB_TYPES; t++)
			printf("%s%" PRIu64, t ? "," : "", (uint64_t)z->pageblocks[t]);
		printf("]}");
	}
	printf("]");
	if (p->flags & FRAGLAB_PROBE_TRY) {
		printf(",\"trial\":{\"asked\":%u,\"tried\":%u,\"ok_nocompact\":%u,"
		       "\"ns_nocompact\":%" PRIu64 ",\"max_ns_nocompact\":%" PRIu64,
		       p->try_count, p->tried, p->ok_nocompact,
		       (uint64_t)p->ns_nocompact, (uint64_t)p->max_ns_nocompact);
		if (p->flags & FRAGLAB_PROBE_TRY_COMPACT)
			printf(",\"tried_compact\":%u,\"ok_compact\":%u,"
			       "\"ns_compact\":%" PRIu64 ",\"max_ns_compact\":%" PRIu64,
			       p->tried_compact, p->ok_compact,
			       (uint64_t)p->ns_compact,
			       (uint64_t)p->max_ns_compact);
		printf("}");
	}
	printf("}}\n");
}

static void fc_print_trial(const char *what, uint32_t tried, uint32_t ok,
			   uint64_t ns, uint64_t max_ns)
{
	printf("%s: %u of %u order-9 block%s obtained", what, ok, tried,
	       tried == 1 ? "" : "s");
	if (tried)
		printf(" (%.1f us per attempt, slowest %.1f us)",
		       ns / 1000.0 / tried, max_ns / 1000.0);
	putchar('\n');
}

static void fc_print_system(const struct fraglab_probe_system *p)
{
	uint64_t now, movable, free, bound;
	char b1[16], b2[16];
	unsigned int i;

	fc_system_totals(p, &now, &movable, &free);
	printf("system: HugePage (2 MiB, order %u) availability, per zone (same counts as /proc/buddyinfo)\n",
	       FC_HP_ORDER);
	printf("%-20s %10s %9s %9s %8s %10s %10s %10s %8s\n", "zone", "free MiB",
	       "2MiB now", "unusable", "extfrag", "unmovable", "movable",
	       "reclaim", "other");
	for (i = 0; i < p->nr_zones; i++) {
		const struct fraglab_zone_probe *z = &p->zones[i];
		char name[48];

		snprintf(name, sizeof(name), "Node %d, %s", z->node, z->name);
		printf("%-20s %10.1f %9" PRIu64 " %9s %8s %10" PRIu64 " %10" PRIu64
		       " %10" PRIu64 " %8" PRIu64 "\n",
		       name, z->free_pages / 256.0, (uint64_t)z->hugepages_now,
		       fc_index(z->unusable_index_9, b1, sizeof(b1)),
		       fc_index(z->extfrag_index_9, b2, sizeof(b2)),
		       (uint64_t)z->pageblocks[FRAGLAB_PB_UNMOVABLE],
		       (uint64_t)z->pageblocks[FRAGLAB_PB_MOVABLE],
		       (uint64_t)z->pageblocks[FRAGLAB_PB_RECLAIMABLE],
		       (uint64_t)z->pageblocks[FRAGLAB_PB_OTHER]);
	}
	bound = movable + now;
	if (bound > free >> FC_HP_ORDER)
		bound = free >> FC_HP_ORDER;
	printf("HugePages free now: %" PRIu64 " (%" PRIu64 " MiB of %.1f MiB free)\n",
	       now, now * 2, free / 256.0);
	printf("after compaction: at most %" PRIu64 " (free memory allows %" PRIu64
	       ", %" PRIu64 " movable pageblocks; unmovable ones cannot be emptied)\n",
	       bound, free >> FC_HP_ORDER, movable);
	printf("unusable/extfrag: the kernel's indices for order 9 (extfrag -1.000: a block exists; near 1: fragmentation, near 0: lack of memory)\n");
	if (!(p->flags & FRAGLAB_PROBE_TRY))
		return;
	if (p->tried < p->try_count && p->try_cap < p->try_count)
		printf("trial: asked for %u, the module allows %u now (probe_max, and never more than a quarter of free memory)\n",
		       p->try_count, p->try_cap);
	fc_print_trial("trial without compaction", p->tried, p->ok_nocompact,
		       p->ns_nocompact, p->max_ns_nocompact);
	if (p->flags & FRAGLAB_PROBE_TRY_COMPACT)
		fc_print_trial("trial with compaction", p->tried_compact,
			       p->ok_compact, p->ns_compact, p->max_ns_compact);
	printf("every block was freed again\n");
}

static int fc_probe_system(struct fc_ctx *c, uint32_t flags, uint32_t count)
{
	struct fraglab_probe_system *p;
	int ret;

	p = malloc(sizeof(*p));
	if (!p)
		return fc_fail("probe", -ENOMEM);
	ret = fraglab_probe_system(&c->fl, flags, count, p);
	if (ret) {
		free(p);
		return fc_probe_fail("probe hugepages --system", ret);
	}
	if (c->json)
		fc_print_system_json(p);
	else
		fc_print_system(p);
	free(p);
	return 0;
}

static int cmd_probe(struct fc_ctx *c, int argc, char **argv)
{
	const char *try_s = fc_opt(&argc, argv, "--try");
	bool compact = fc_flag(&argc, argv, "--compact");
	bool system = fc_flag(&argc, argv, "--system");
	uint32_t flags = 0;
	uint64_t n = 0;

	if (argc != 2 || strcmp(argv[1], "hugepages"))
		return fc_usage("usage: probe hugepages [--system] [--try N] [--compact]");
	if (try_s && (fc_parse_u64(try_s, &n) || !n || n > UINT32_MAX))
		return fc_usage("--try needs a positive number of order-9 blocks, got '%s'", try_s);
	if (compact && !try_s)
		n = 1;
	if (try_s || compact)
		flags = FRAGLAB_PROBE_TRY | (compact ? FRAGLAB_PROBE_TRY_COMPACT : 0);
	if (!system && !flags)
		return fc_probe_arena(c);
	return fc_probe_system(c, flags, (uint32_t)n);
}

/* ---- compare ------------------------------------------------------------- */

static void fc_print_row(const char *name, const __u64 *nr_free)
{
	unsigned int o;

	printf("%-24s", name);
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		printf(" %7" PRIu64, (uint64_t)nr_free[o]);
	putchar('\n');
}

static void fc_print_side_by_side(const struct fc_bi_zone *proc, int nr,
				  const struct fraglab_stats *st)
{
	char name[48];
	unsigned int o;
	int i;

	printf("free blocks per order: the arena (fraglab) and the real system (/proc/buddyinfo)\n");
	printf("%-24s", "order");
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		printf(" %7u", o);
	putchar('\n');
	fc_print_row("fraglab arena", st->nr_free);
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "Node %d, zone %s", proc[i].node,
			 proc[i].zone);
		fc_print_row(name, proc[i].nr_free);
	}
}

/* Largest per-order difference between the module and one /proc read. */
static uint64_t fc_zone_diff(const struct fraglab_zone_probe *m,
			     const struct fc_bi_zone *z, unsigned int *at)
{
	uint64_t worst = 0;
	unsigned int o;

	*at = 0;
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++) {
		uint64_t a = m->nr_free[o], b = o < z->nr_orders ? z->nr_free[o] : 0;
		uint64_t d = a > b ? a - b : b - a;

		if (d > worst) {
			worst = d;
			*at = o;
		}
	}
	return worst;
}

struct fc_zone_verdict {
	bool exact;
	bool agree;
	uint64_t diff;		/* largest per-order difference */
	unsigned int order;	/* where */
};

/* One snapshot: /proc, module, /proc. Returns true if every zone agrees. */
static int fc_compare_once(struct fc_ctx *c, struct fraglab_probe_system *p,
			   struct fc_bi_zone *before, struct fc_bi_zone *after,
			   struct fc_zone_verdict *v, uint64_t tol, bool *all)
{
	int nb, na, ret;
	unsigned int i, at_b, at_a;

	nb = fc_read_buddyinfo(before, FRAGLAB_PROBE_MAX_ZONES);
	ret = fraglab_probe_system(&c->fl, 0, 0, p);
	na = fc_read_buddyinfo(after, FRAGLAB_PROBE_MAX_ZONES);
	if (ret)
		return ret;
	if (nb < 0 || na < 0)
		return nb < 0 ? nb : na;
	*all = (unsigned int)nb == p->nr_zones && (unsigned int)na == p->nr_zones;
	for (i = 0; i < p->nr_zones; i++) {
		uint64_t db, da;

		memset(&v[i], 0, sizeof(v[i]));
		if (i >= (unsigned int)nb || i >= (unsigned int)na ||
		    before[i].node != p->zones[i].node ||
		    strcmp(before[i].zone, p->zones[i].name)) {
			v[i].diff = UINT64_MAX;
			*all = false;
			continue;
		}
		db = fc_zone_diff(&p->zones[i], &before[i], &at_b);
		da = fc_zone_diff(&p->zones[i], &after[i], &at_a);
		v[i].diff = db < da ? db : da;
		v[i].order = db < da ? at_b : at_a;
		v[i].exact = !v[i].diff;
		v[i].agree = v[i].diff <= tol;
		*all = *all && v[i].agree;
	}
	return 0;
}

static void fc_print_verdicts(const struct fraglab_probe_system *p,
			      const struct fc_zone_verdict *v, uint64_t tol,
			      unsigned int attempts, bool all)
{
	unsigned int i;

	printf("\nthe module's real-system counts against /proc/buddyinfo (read just before and after; tolerance %" PRIu64 " block%s per order)\n",
	       tol, tol == 1 ? "" : "s");
	for (i = 0; i < p->nr_zones; i++) {
		printf("Node %d, zone %-8s ", p->zones[i].node, p->zones[i].name);
		if (v[i].diff == UINT64_MAX)
			printf("DISAGREE: /proc/buddyinfo has no such zone at this position\n");
		else if (v[i].exact)
			printf("agree (exact)\n");
		else if (v[i].agree)
			printf("agree within tolerance (largest difference %" PRIu64 " at order %u)\n",
			       v[i].diff, v[i].order);
		else
			printf("DISAGREE: %" PRIu64 " blocks apart at order %u\n",
			       v[i].diff, v[i].order);
	}
	printf("%s after %u attempt%s\n", all ? "agreement" : "DISAGREEMENT",
	       attempts, attempts == 1 ? "" : "s");
}

static void fc_print_compare_json(const struct fraglab_stats *st,
				  const struct fraglab_probe_system *p,
				  const struct fc_bi_zone *proc,
				  const struct fc_zone_verdict *v, uint64_t tol,
				  unsigned int attempts, bool all)
{
	unsigned int i;

	printf("{\"arena\":{\"nr_free\":");
	fc_print_orders_json(st->nr_free);
	printf("},\"tolerance\":%" PRIu64 ",\"attempts\":%u,\"agree\":%s,\"zones\":[",
	       tol, attempts, all ? "true" : "false");
	for (i = 0; i < p->nr_zones; i++) {
		printf("%s{\"node\":%d,\"zone\":\"%s\",\"module\":", i ? "," : "",
		       p->zones[i].node, p->zones[i].name);
		fc_print_orders_json(p->zones[i].nr_free);
		printf(",\"proc\":");
		fc_print_orders_json(proc[i].nr_free);
		printf(",\"exact\":%s,\"agree\":%s,\"max_diff\":%" PRId64 "}",
		       v[i].exact ? "true" : "false",
		       v[i].agree ? "true" : "false",
		       v[i].diff == UINT64_MAX ? (int64_t)-1 : (int64_t)v[i].diff);
	}
	printf("]}\n");
}

struct fc_compare {
	struct fraglab_probe_system p;
	struct fc_bi_zone before[FRAGLAB_PROBE_MAX_ZONES];
	struct fc_bi_zone after[FRAGLAB_PROBE_MAX_ZONES];
	struct fc_zone_verdict v[FRAGLAB_PROBE_MAX_ZONES];
};

static int cmd_compare(struct fc_ctx *c, int argc, char **argv)
{
	const char *tol_s = fc_opt(&argc, argv, "--tolerance");
	bool exact = fc_flag(&argc, argv, "--exact");
	uint64_t tol = FC_DEFAULT_TOLERANCE;
	unsigned int attempts = 0, max_attempts;
	struct fraglab_stats st;
	struct fc_compare *cmp;
	bool all = false;
	int ret;

	if (argc != 1)
		return fc_usage("usage: compare [--tolerance N] [--exact]");
	if (tol_s && fc_parse_u64(tol_s, &tol))
		return fc_usage("--tolerance needs a number of blocks, got '%s'", tol_s);
	if (exact)
		tol = 0;
	max_attempts = exact ? FC_EXACT_ATTEMPTS : FC_LIVE_ATTEMPTS;
	ret = fraglab_stats(&c->fl, &st);
	if (ret)
		return fc_fail("stats", ret);
	cmp = calloc(1, sizeof(*cmp));
	if (!cmp)
		return fc_fail("compare", -ENOMEM);
	while (attempts < max_attempts && !all) {
		attempts++;
		ret = fc_compare_once(c, &cmp->p, cmp->before, cmp->after,
				      cmp->v, tol, &all);
		if (ret)
			break;
	}
	if (ret) {
		free(cmp);
		if (ret == -ENOENT || ret == -EACCES)
			fprintf(stderr, "fragctl: compare: cannot read %s\n",
				FC_PROC_BUDDYINFO);
		return ret == -ENOENT || ret == -EACCES ?
			1 : fc_probe_fail("compare", ret);
	}
	if (c->json) {
		fc_print_compare_json(&st, &cmp->p, cmp->before, cmp->v, tol,
				      attempts, all);
	} else {
		fc_print_side_by_side(cmp->before, (int)cmp->p.nr_zones, &st);
		fc_print_verdicts(&cmp->p, cmp->v, tol, attempts, all);
	}
	free(cmp);
	return all ? 0 : 1;
}

const struct fc_cmd fc_cmds_probe[] = {
	{ "probe", "hugepages [--system] [--try N] [--compact]",
	  "can N 2 MiB blocks be had now, in the arena or (--system) the real machine; trials need root",
	  cmd_probe, true },
	{ "compare", "[--tolerance N] [--exact]",
	  "arena vs /proc/buddyinfo side by side; the module's system counts checked against /proc/buddyinfo",
	  cmd_compare, true },
	{ NULL }
};
