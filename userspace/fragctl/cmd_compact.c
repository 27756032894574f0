// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_compact.c - fragctl commands for buddy compaction:
 *
 *   compact [--order N] [--full] [--threshold N] [--movable-only]
 *	     [--policy kernel|emptiest-first]
 *	compact the arena (default: until a free order-9 block exists) and
 *	print the report: free blocks per order before and after, moves,
 *	bytes copied, time, the result in words, and the pageblocks pinned
 *	by unmovable allocations with the arena offset of one culprit each.
 *	--policy picks the scanners (docs/COMPACTION.md; default kernel).
 *	compact --pool ID is the fit pools' (fc_pool_compact(), if linked).
 *
 *   compact-predict [--policy kernel|emptiest-first]
 *	the arena HugePage prediction: free 2 MiB blocks now, the upper
 *	bound, and exactly how many a FULL / ORDER-9 compaction with that
 *	policy would give.
 *
 *   proactive [on|off|N]
 *	proactive compaction: on = proactiveness 20, N = 1..100, off = 0;
 *	without an argument prints the current value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

#define FC_PROACTIVE_DEFAULT	20

/* The fit pools' command provides this; absent, --pool is refused. */
int fc_pool_compact(struct fc_ctx *c, const char *pool) __attribute__((weak));

static const char *const fc_owner_names[] = {
	"none", "user", "slab", "fit pool", "kernel",
};

static const char *fc_owner_name(uint32_t k)
{
	return k < 5 ? fc_owner_names[k] : "?";
}

static void fc_print_row(const char *label, const __u64 *nr_free)
{
	unsigned int o;

	printf("  %-8s", label);
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		printf(" %6" PRIu64, (uint64_t)nr_free[o]);
	putchar('\n');
}

static void fc_json_array(const char *name, const __u64 *v, unsigned int n)
{
	unsigned int i;

	printf("\"%s\":[", name);
	for (i = 0; i < n; i++)
		printf("%s%" PRIu64, i ? "," : "", (uint64_t)v[i]);
	putchar(']');
}

static void fc_json_blockers(const struct fraglab_compact_blocker *b,
			     unsigned int n)
{
	unsigned int i;

	printf("\"blockers\":[");
	for (i = 0; i < n; i++)
		printf("%s{\"pageblock\":%u,\"offset\":%" PRIu64 ",\"order\":%u,"
		       "\"type\":\"%s\",\"owner\":\"%s\"}", i ? "," : "",
		       b[i].block, (uint64_t)b[i].offset, b[i].order,
		       fraglab_mt_name(b[i].migratetype),
		       fc_owner_name(b[i].owner_kind));
	putchar(']');
}

static void fc_print_blockers(const struct fraglab_compact_blocker *b,
			      unsigned int n, unsigned int total)
{
	unsigned int i;

	if (!total)
		return;
	printf("pinned pageblocks: %u (2 MiB each, cannot be emptied)\n", total);
	for (i = 0; i < n; i++)
		printf("  pageblock %u [0x%" PRIx64 "]: %s order-%u %s allocation at arena offset 0x%" PRIx64 "\n",
		       b[i].block, (uint64_t)b[i].block << 21,
		       fraglab_mt_name(b[i].migratetype), b[i].order,
		       fc_owner_name(b[i].owner_kind), (uint64_t)b[i].offset);
	if (total > n)
		printf("  ... and %u more\n", total - n);
}

/* --policy NAME -> FRAGLAB_COMPACT_POLICY_*; -1 for an unknown name. */
static int fc_policy_parse(const char *s)
{
	uint32_t p;

	if (!s)
		return FRAGLAB_COMPACT_POLICY_KERNEL;
	for (p = 0; fraglab_compact_policy_name(p); p++)
		if (!strcmp(s, fraglab_compact_policy_name(p)))
			return p;
	return -1;
}

static const char *fc_policy_name(uint32_t p)
{
	const char *n = fraglab_compact_policy_name(p);

	return n ? n : "?";
}

static void fc_compact_json(const struct fraglab_compact *r)
{
	printf("{\"policy\":\"%s\",\"suitable_min\":%" PRIu64 ",",
	       fc_policy_name(r->policy), (uint64_t)r->suitable_min);
	printf("\"mode\":\"%s\",\"order\":%u,\"result\":\"%s\",\"result_code\":%u,"
	       "\"fragindex\":%d,\"pageblocks_scanned\":%u,\"blocked\":%u,"
	       "\"migrate_scanned\":%" PRIu64 ",\"free_scanned\":%" PRIu64 ","
	       "\"isolated\":%" PRIu64 ",\"moved\":%" PRIu64 ",\"pages_moved\":%" PRIu64 ","
	       "\"bytes_copied\":%" PRIu64 ",\"time_ns\":%" PRIu64 ","
	       "\"hugepages_before\":%" PRIu64 ",\"hugepages_after\":%" PRIu64 ",",
	       r->mode == FRAGLAB_COMPACT_MODE_FULL ? "full" : "order", r->order,
	       fraglab_compact_result_name(r->result), r->result, r->fragindex,
	       r->blocks_scanned, r->nr_blocked, (uint64_t)r->migrate_scanned,
	       (uint64_t)r->free_scanned, (uint64_t)r->isolated,
	       (uint64_t)r->moved, (uint64_t)r->pages_moved,
	       (uint64_t)r->bytes_copied, (uint64_t)r->time_ns,
	       (uint64_t)r->hugepages_before, (uint64_t)r->hugepages_after);
	fc_json_array("nr_free_before", r->nr_free_before, FRAGLAB_NR_ORDERS);
	putchar(',');
	fc_json_array("nr_free_after", r->nr_free_after, FRAGLAB_NR_ORDERS);
	putchar(',');
	fc_json_blockers(r->blockers, r->nr_blockers);
	printf("}\n");
}

static void fc_compact_text(const struct fraglab_compact *r)
{
	char b1[32];
	unsigned int o;

	if (r->mode == FRAGLAB_COMPACT_MODE_FULL)
		printf("compact (full): %s", fraglab_compact_result_name(r->result));
	else
		printf("compact until a free order-%u block exists: %s", r->order,
		       fraglab_compact_result_name(r->result));
	printf(" in %.3f ms (policy %s)\n", r->time_ns / 1e6,
	       fc_policy_name(r->policy));
	if (r->result == FRAGLAB_COMPACT_NOT_SUITABLE && r->suitable_min) {
		uint64_t free_pages = 0;

		for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
			free_pages += (uint64_t)r->nr_free_before[o] << o;
		if (free_pages <= r->suitable_min)
			printf("skipped: %" PRIu64 " free pages, compaction needs more than %" PRIu64 "%s\n",
			       free_pages, (uint64_t)r->suitable_min,
			       r->policy == FRAGLAB_COMPACT_POLICY_KERNEL ?
			       " (watermark + compact_gap() = 2^(order+1))" : "");
	}
	if (r->fragindex == -1000)
		printf("fragmentation index (order %u) before: -1.000 (a block was free)\n",
		       r->order);
	else
		printf("fragmentation index (order %u) before: %d.%03d%s\n", r->order,
		       r->fragindex / 1000, abs(r->fragindex % 1000),
		       r->result == FRAGLAB_COMPACT_NOT_SUITABLE ?
		       " (<= threshold: lack of memory, not fragmentation)" : "");
	printf("moved %" PRIu64 " allocation%s, %" PRIu64 " pages, %s copied\n",
	       (uint64_t)r->moved, r->moved == 1 ? "" : "s",
	       (uint64_t)r->pages_moved, fc_human(r->bytes_copied, b1, sizeof(b1)));
	printf("scanned %u pageblocks; migrate scanner %" PRIu64 " pages, free scanner %" PRIu64 " pages\n",
	       r->blocks_scanned, (uint64_t)r->migrate_scanned,
	       (uint64_t)r->free_scanned);
	printf("  %-8s", "order");
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		printf(" %6u", o);
	putchar('\n');
	fc_print_row("before", r->nr_free_before);
	fc_print_row("after", r->nr_free_after);
	printf("free 2 MiB blocks: %" PRIu64 " -> %" PRIu64 "\n",
	       (uint64_t)r->hugepages_before, (uint64_t)r->hugepages_after);
	fc_print_blockers(r->blockers, r->nr_blockers, r->nr_blocked);
}

static int cmd_compact(struct fc_ctx *c, int argc, char **argv)
{
	const char *order_s = fc_opt(&argc, argv, "--order");
	const char *thr_s = fc_opt(&argc, argv, "--threshold");
	const char *pool_s = fc_opt(&argc, argv, "--pool");
	const char *policy_s = fc_opt(&argc, argv, "--policy");
	bool full = fc_flag(&argc, argv, "--full");
	bool movable_only = fc_flag(&argc, argv, "--movable-only");
	uint64_t order = FRAGLAB_PAGEBLOCK_ORDER, thr = 0;
	int policy = fc_policy_parse(policy_s);
	struct fraglab_compact r;
	int ret;

	if (pool_s) {
		if (!fc_pool_compact)
			return fc_usage("compact --pool: fit pools are not built into this fragctl");
		return fc_pool_compact(c, pool_s);
	}
	if (argc > 1)
		return fc_usage("compact takes options only: [--order N] [--full] [--threshold N] [--movable-only] [--policy P]");
	if (policy < 0)
		return fc_usage("--policy needs kernel or emptiest-first, got '%s'",
				policy_s);
	if (order_s && (fc_parse_u64(order_s, &order) || order >= FRAGLAB_NR_ORDERS))
		return fc_usage("--order needs 0..%u, got '%s'", FRAGLAB_NR_ORDERS - 1, order_s);
	if (!order_s && order > c->fl.version.max_order)
		order = c->fl.version.max_order;	/* small max_order arenas */
	if (order > c->fl.version.max_order)
		return fc_usage("--order %" PRIu64 ": the arena's largest order is %u",
				order, c->fl.version.max_order);
	if (thr_s && (fc_parse_u64(thr_s, &thr) || thr > 1000))
		return fc_usage("--threshold needs 0..1000 (0 = 500), got '%s'", thr_s);
	ret = fraglab_compact_policy(&c->fl, full ? FRAGLAB_COMPACT_MODE_FULL :
				     FRAGLAB_COMPACT_MODE_ORDER, order,
				     movable_only ? FRAGLAB_COMPACT_MOVABLE_ONLY : 0,
				     thr, policy, &r);
	if (ret == -EINVAL && policy &&
	    !(c->fl.version.features & FRAGLAB_FEAT_COMPACT_POLICY))
		return fc_fail("compact --policy (the loaded module predates it)", ret);
	if (ret)
		return fc_fail("compact", ret);
	if (c->json)
		fc_compact_json(&r);
	else
		fc_compact_text(&r);
	return 0;
}

static void fc_predict_json(const struct fraglab_hugepages_arena *h)
{
	printf("{\"policy\":\"%s\",", fc_policy_name(h->policy));
	printf("\"hugepages_now\":%" PRIu64 ",\"free_pages\":%" PRIu64 ","
	       "\"pageblocks\":%u,\"pageblocks_free\":%u,\"pageblocks_movable\":%u,"
	       "\"pageblocks_blocked\":%u,\"pageblocks_huge_alloc\":%u,"
	       "\"movable_pages\":%" PRIu64 ",\"obtainable_max\":%" PRIu64 ","
	       "\"predicted_full\":%" PRIu64 ",\"predicted_full_result\":\"%s\","
	       "\"predicted_order9\":%" PRIu64 ",\"predicted_order9_result\":\"%s\",",
	       (uint64_t)h->hugepages_now, (uint64_t)h->free_pages, h->nr_blocks,
	       h->blocks_free, h->blocks_movable, h->blocks_blocked,
	       h->blocks_huge, (uint64_t)h->movable_pages,
	       (uint64_t)h->obtainable_max, (uint64_t)h->predicted_full,
	       fraglab_compact_result_name(h->full_result),
	       (uint64_t)h->predicted_order,
	       fraglab_compact_result_name(h->order_result));
	fc_json_array("nr_free", h->nr_free, FRAGLAB_NR_ORDERS);
	putchar(',');
	fc_json_blockers(h->blockers, h->nr_blockers);
	printf("}\n");
}

static void fc_predict_text(const struct fraglab_hugepages_arena *h)
{
	printf("arena HugePages (2 MiB blocks), compaction policy %s:\n",
	       fc_policy_name(h->policy));
	printf("  free now:                          %" PRIu64 "\n",
	       (uint64_t)h->hugepages_now);
	printf("  pageblocks:                        %u (free %u, free+movable %u, pinned %u, huge allocations %u)\n",
	       h->nr_blocks, h->blocks_free, h->blocks_movable, h->blocks_blocked,
	       h->blocks_huge);
	printf("  at most obtainable (free+movable): %" PRIu64 "\n",
	       (uint64_t)h->obtainable_max);
	printf("  after 'compact --full':            %" PRIu64 " (%s)\n",
	       (uint64_t)h->predicted_full,
	       fraglab_compact_result_name(h->full_result));
	printf("  after 'compact --order 9':         %" PRIu64 " (%s)\n",
	       (uint64_t)h->predicted_order,
	       fraglab_compact_result_name(h->order_result));
	fc_print_blockers(h->blockers, h->nr_blockers, h->blocks_blocked);
}

/**
 * fc_compact_predict_print() - print the arena HugePage prediction.
 * @c: the session (device open).
 * @policy: FRAGLAB_COMPACT_POLICY_* of the predicted runs.
 *
 * For "probe hugepages" as well as "compact-predict".
 *
 * Return: 0 or an exit status.
 */
int fc_compact_predict_print(struct fc_ctx *c, uint32_t policy)
{
	struct fraglab_hugepages_arena h;
	int ret;

	ret = fraglab_hugepages_arena_policy(&c->fl, policy, &h);
	if (ret)
		return fc_fail("hugepages arena prediction", ret);
	if (c->json)
		fc_predict_json(&h);
	else
		fc_predict_text(&h);
	return 0;
}

static int cmd_compact_predict(struct fc_ctx *c, int argc, char **argv)
{
	const char *policy_s = fc_opt(&argc, argv, "--policy");
	int policy = fc_policy_parse(policy_s);

	if (argc > 1)
		return fc_usage("compact-predict takes only [--policy P]");
	if (policy < 0)
		return fc_usage("--policy needs kernel or emptiest-first, got '%s'",
				policy_s);
	return fc_compact_predict_print(c, policy);
}

static int cmd_proactive(struct fc_ctx *c, int argc, char **argv)
{
	uint64_t v;
	int ret;

	if (argc > 2)
		return fc_usage("proactive takes on, off or 1..100");
	if (argc == 2) {
		if (!strcmp(argv[1], "on"))
			v = FC_PROACTIVE_DEFAULT;
		else if (!strcmp(argv[1], "off"))
			v = 0;
		else if (fc_parse_u64(argv[1], &v) || v > 100)
			return fc_usage("proactive: '%s' is not on, off or 0..100", argv[1]);
		ret = fraglab_set(&c->fl, FRAGLAB_SET_PROACTIVE, v);
		if (ret)
			return fc_fail("proactive", ret);
	}
	ret = fraglab_get(&c->fl, FRAGLAB_SET_PROACTIVE, &v);
	if (ret)
		return fc_fail("proactive", ret);
	if (c->json)
		printf("{\"proactiveness\":%" PRIu64 ",\"enabled\":%s}\n", v,
		       v ? "true" : "false");
	else if (v)
		printf("proactive compaction: on, proactiveness %" PRIu64
		       " (compacts when the order-9 fragmentation score exceeds %" PRIu64 ")\n",
		       v, v >= 10 ? 110 - v : 100);
	else
		printf("proactive compaction: off\n");
	return 0;
}

const struct fc_cmd fc_cmds_compact[] = {
	{ "compact", "[--order N] [--full] [--threshold N] [--movable-only] [--policy kernel|emptiest-first] | --pool ID",
	  "compact the arena (default: until a free order-9 block exists, Linux 6.12's policy) and report", cmd_compact, true },
	{ "compact-predict", "[--policy kernel|emptiest-first]",
	  "free 2 MiB blocks now and exactly after compaction, with the pinned pageblocks", cmd_compact_predict, true },
	{ "proactive", "[on|off|1..100]",
	  "proactive compaction (vm.compaction_proactiveness; on = 20)", cmd_proactive, true },
	{ NULL }
};
