// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_buddy.c - fragctl commands for the arena and its buddy allocator:
 * status, alloc, free, query, list, buddyinfo, pagetypeinfo,
 * unusable_index, extfrag_index, stats, check, set, pcp.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_metrics.h"
#include "fragctl.h"

/* The zone name fraglab's debugfs files use (module/fl_debugfs.c). */
#define FC_ZONE_NAME	"fraglab"

static int cmd_status(struct fc_ctx *c, int argc, char **argv)
{
	const struct fraglab_version *v = &c->fl.version;
	struct fraglab_stats st;
	char b1[32], b2[32];
	int ret;

	ret = fraglab_stats(&c->fl, &st);
	if (ret)
		return fc_fail("stats", ret);
	if (c->json) {
		printf("{\"api\":\"%u.%u\",\"features\":%" PRIu64 ",\"page_size\":%u,"
		       "\"max_order\":%u,\"kernel_max_order\":%u,\"pageblock_order\":%u,"
		       "\"arena_bytes\":%" PRIu64 ",\"arena_pages\":%" PRIu64 ","
		       "\"contiguous_ranges\":%u,\"group_by_mobility\":%u,"
		       "\"free_pages\":%" PRIu64 ",\"allocated_blocks\":%" PRIu64 "}\n",
		       v->api_major, v->api_minor, (uint64_t)v->features,
		       v->page_size, v->max_order, v->kernel_max_order,
		       v->block_order, (uint64_t)v->arena_bytes,
		       (uint64_t)v->arena_pages, v->nr_chunks,
		       v->group_by_mobility, (uint64_t)st.free_pages,
		       (uint64_t)st.nr_allocated);
		return 0;
	}
	printf("fraglab ABI %u.%u, page size %u\n", v->api_major, v->api_minor,
	       v->page_size);
	printf("arena: %s in %u physically contiguous range%s\n",
	       fc_human(v->arena_bytes, b1, sizeof(b1)), v->nr_chunks,
	       v->nr_chunks == 1 ? "" : "s");
	printf("buddy: orders 0..%u (kernel: 0..%u), pageblock order %u, grouping by mobility %s\n",
	       v->max_order, v->kernel_max_order, v->block_order,
	       v->group_by_mobility ? "on" : "off");
	printf("free: %s of %s, %" PRIu64 " blocks allocated\n",
	       fc_human(st.free_pages * v->page_size, b1, sizeof(b1)),
	       fc_human(st.total_pages * v->page_size, b2, sizeof(b2)),
	       (uint64_t)st.nr_allocated);
	return 0;
}

static int cmd_alloc(struct fc_ctx *c, int argc, char **argv)
{
	const char *order_s = fc_opt(&argc, argv, "--order");
	const char *type_s = fc_opt(&argc, argv, "--type");
	struct fraglab_alloc a;
	uint64_t size = 0, order = 0;
	int mt = FRAGLAB_MT_MOVABLE;
	unsigned int n;
	char b1[32], b2[32];
	int ret;

	if (type_s) {
		mt = fraglab_mt_parse(type_s);
		if (mt < 0)
			return fc_usage("unknown migrate type '%s': use movable, unmovable or reclaimable",
					type_s);
	}
	if (order_s && fc_parse_u64(order_s, &order))
		return fc_usage("--order needs a number, got '%s'", order_s);
	if (argc > 2)
		return fc_usage("alloc takes one size");
	if (argc == 2 && fc_parse_size(argv[1], &size))
		return fc_usage("'%s' is not a size (examples: 4096, 21K, 2M)", argv[1]);
	if (argc < 2 && !order_s)
		return fc_usage("alloc needs a size or --order N");
	if (argc == 2 && !size)
		return fc_usage("size 0: nothing to allocate");

	ret = fraglab_alloc(&c->fl, size, order_s ? (int)order : -1, mt, &a);
	if (ret == -EINVAL)
		fprintf(stderr, "fragctl: alloc: the arena's largest block is order %u (%s); size 0, a bigger size or order, or a bad type is refused\n",
			c->fl.version.max_order,
			fc_human((uint64_t)c->fl.version.page_size << c->fl.version.max_order, b1, sizeof(b1)));
	if (ret)
		return fc_fail("alloc", ret);
	n = fc_remember(c, a.handle);
	if (c->json) {
		printf("{\"id\":\"@%u\",\"handle\":\"0x%" PRIx64 "\",\"order\":%u,"
		       "\"offset\":%" PRIu64 ",\"requested\":%" PRIu64 ","
		       "\"granted\":%" PRIu64 ",\"internal_waste\":%" PRIu64 ","
		       "\"type\":\"%s\"}\n",
		       n, (uint64_t)a.handle, a.order, (uint64_t)a.offset,
		       (uint64_t)(size ? size : a.granted), (uint64_t)a.granted,
		       (uint64_t)(a.granted - (size ? size : a.granted)),
		       fraglab_mt_name(mt));
		return 0;
	}
	printf("@%u handle 0x%" PRIx64 ": order %u (%s) at arena offset 0x%" PRIx64 " [%s]",
	       n, (uint64_t)a.handle, a.order,
	       fc_human(a.granted, b1, sizeof(b1)), (uint64_t)a.offset,
	       fraglab_mt_name(mt));
	if (size)
		printf(", requested %s, internal fragmentation %s",
		       fc_human(size, b2, sizeof(b2)),
		       fc_human(a.granted - size, b1, sizeof(b1)));
	putchar('\n');
	return 0;
}

static int cmd_free(struct fc_ctx *c, int argc, char **argv)
{
	uint64_t h;
	int ret, i;

	if (argc < 2)
		return fc_usage("free needs a handle (@N or 0x...)");
	for (i = 1; i < argc; i++) {
		if (fc_parse_handle(c, argv[i], &h))
			return fc_fail(argv[i], -ENOENT);
		ret = fraglab_free(&c->fl, h);
		if (ret)
			return fc_fail(argv[i], ret);
		fc_forget(c, h);
		if (!c->json)
			printf("freed %s\n", argv[i]);
	}
	if (c->json) {
		char esc[128];

		printf("{\"freed\":[");
		for (i = 1; i < argc; i++)
			printf("%s\"%s\"", i > 1 ? "," : "",
			       fc_json_esc(argv[i], esc, sizeof(esc)));
		puts("]}");
	}
	return 0;
}

static void print_query(struct fc_ctx *c, unsigned int n,
			const struct fraglab_query *q, bool first)
{
	char b1[32], b2[32];

	if (c->json) {
		printf("%s{\"id\":\"@%u\",\"handle\":\"0x%" PRIx64 "\",\"kind\":%u,"
		       "\"order\":%u,\"type\":\"%s\",\"offset\":%" PRIu64 ","
		       "\"requested\":%" PRIu64 ",\"granted\":%" PRIu64 ","
		       "\"moves\":%" PRIu64 "}",
		       first ? "" : ",", n, (uint64_t)q->handle, q->kind,
		       q->order, fraglab_mt_name(q->migratetype),
		       (uint64_t)q->offset, (uint64_t)q->requested,
		       (uint64_t)q->granted, (uint64_t)q->moves);
		return;
	}
	printf("@%-4u 0x%016" PRIx64 " order %2u %-11s offset 0x%08" PRIx64 " requested %-9s granted %-9s moves %" PRIu64 "\n",
	       n, (uint64_t)q->handle, q->order,
	       fraglab_mt_name(q->migratetype), (uint64_t)q->offset,
	       fc_human(q->requested, b1, sizeof(b1)),
	       fc_human(q->granted, b2, sizeof(b2)), (uint64_t)q->moves);
}

static int cmd_query(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_query q;
	uint64_t h;
	int ret;

	if (argc != 2)
		return fc_usage("query needs one handle (@N or 0x...)");
	if (fc_parse_handle(c, argv[1], &h))
		return fc_fail(argv[1], -ENOENT);
	ret = fraglab_query(&c->fl, h, &q);
	if (ret)
		return fc_fail(argv[1], ret);
	print_query(c, 0, &q, true);
	if (c->json)
		putchar('\n');
	return 0;
}

static int cmd_list(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_query q;
	bool first = true;
	unsigned int i;

	if (c->json)
		putchar('[');
	for (i = 0; i < c->nr_handles; i++) {
		if (!c->handles[i] || fraglab_query(&c->fl, c->handles[i], &q))
			continue;
		print_query(c, i + 1, &q, first);
		first = false;
	}
	if (c->json)
		puts("]");
	else if (first)
		puts("no allocations in this session (allocations live as long as the fragctl process: use -c 'alloc 21K; list' or fragctl shell)");
	return 0;
}

static int cmd_stats(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_stats s;
	unsigned int o;
	int ret;

	ret = fraglab_stats(&c->fl, &s);
	if (ret)
		return fc_fail("stats", ret);
	if (c->json) {
		printf("{\"total_pages\":%" PRIu64 ",\"free_pages\":%" PRIu64 ","
		       "\"allocated_blocks\":%" PRIu64 ",\"requested_bytes\":%" PRIu64 ","
		       "\"granted_bytes\":%" PRIu64 ",\"internal_frag_permille\":%u,"
		       "\"external_frag_permille\":%u,\"largest_free_order\":%d,"
		       "\"fail_fragmented\":%" PRIu64 ",\"fail_nomem\":%" PRIu64 ","
		       "\"frees\":%" PRIu64 ",\"splits\":%" PRIu64 ",\"merges\":%" PRIu64 ","
		       "\"fallbacks\":%" PRIu64 ",\"steals\":%" PRIu64 ",\"max_order\":%u,"
		       "\"unusable_index_9_permille\":%d,\"nr_free\":[",
		       (uint64_t)s.total_pages, (uint64_t)s.free_pages,
		       (uint64_t)s.nr_allocated, (uint64_t)s.requested_bytes,
		       (uint64_t)s.granted_bytes, s.internal_frag_permille,
		       s.external_frag_permille,
		       s.largest_free_order < FRAGLAB_NR_ORDERS ? (int)s.largest_free_order : -1,
		       (uint64_t)s.fail_fragmented, (uint64_t)s.fail_nomem,
		       (uint64_t)s.frees, (uint64_t)s.splits, (uint64_t)s.merges,
		       (uint64_t)s.fallbacks, (uint64_t)s.steals, s.max_order,
		       s.unusable_index_9);
		for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
			printf("%s%" PRIu64, o ? "," : "", (uint64_t)s.nr_free[o]);
		printf("],\"alloc_ok\":[");
		for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
			printf("%s%" PRIu64, o ? "," : "", (uint64_t)s.alloc_ok[o]);
		printf("],\"alloc_fail\":[");
		for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
			printf("%s%" PRIu64, o ? "," : "", (uint64_t)s.alloc_fail[o]);
		puts("]}");
		return 0;
	}
	return fc_print_debugfs("stats");
}

static int cmd_check(struct fc_ctx *c, int argc, char **argv)
{
	char msg[128];
	int ret;

	ret = fraglab_check(&c->fl, msg, sizeof(msg));
	if (c->json) {
		printf("{\"ok\":%s,\"result\":%d,\"message\":\"%s\"}\n",
		       ret ? "false" : "true", ret, ret ? msg : "");
		return ret ? 1 : 0;
	}
	if (ret == -EUCLEAN) {
		printf("INCONSISTENT: %s\n", msg);
		return 1;
	}
	if (ret)
		return fc_fail("check", ret);
	puts("OK: every invariant holds");
	return 0;
}

static int cmd_set(struct fc_ctx *c, int argc, char **argv)
{
	int ret;

	if (argc != 3 || strcmp(argv[1], "grouping"))
		return fc_usage("usage: set grouping on|off");
	if (strcmp(argv[2], "on") && strcmp(argv[2], "off"))
		return fc_usage("grouping is 'on' or 'off'");
	ret = fraglab_set(&c->fl, FRAGLAB_SET_GROUP_BY_MOBILITY,
			  !strcmp(argv[2], "on"));
	if (ret)
		return fc_fail("set grouping", ret);
	if (c->json)
		printf("{\"group_by_mobility\":%s}\n",
		       !strcmp(argv[2], "on") ? "true" : "false");
	else
		printf("grouping by mobility %s\n", argv[2]);
	return 0;
}

/* "pcp on": the high mark of a 64 MiB+ zone's pcp lists, batch 63. */
#define FC_PCP_DEFAULT	512

static int cmd_pcp(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_stats st;
	uint64_t v;
	int ret;

	if (argc > 2)
		return fc_usage("pcp takes on, off, drain or a high mark 0..%u",
				FRAGLAB_PCP_HIGH_MAX);
	if (argc == 2) {
		if (!strcmp(argv[1], "on")) {
			v = FC_PCP_DEFAULT;
		} else if (!strcmp(argv[1], "off")) {
			v = 0;
		} else if (!strcmp(argv[1], "drain")) {
			/* any SET drains: set the current value again */
			ret = fraglab_get(&c->fl, FRAGLAB_SET_PCP_HIGH, &v);
			if (ret)
				return fc_fail("pcp", ret);
		} else if (fc_parse_u64(argv[1], &v) || v > FRAGLAB_PCP_HIGH_MAX) {
			return fc_usage("pcp: '%s' is not on, off, drain or a number of pages 0..%u",
					argv[1], FRAGLAB_PCP_HIGH_MAX);
		}
		ret = fraglab_set(&c->fl, FRAGLAB_SET_PCP_HIGH, v);
		if (ret == -EINVAL && !(c->fl.version.features & FRAGLAB_FEAT_PCP)) {
			fprintf(stderr, "fragctl: this fraglab module has no per-CPU page lists (load a newer fraglab.ko)\n");
			return 1;
		}
		if (ret)
			return fc_fail("pcp", ret);
	}
	ret = fraglab_get(&c->fl, FRAGLAB_SET_PCP_HIGH, &v);
	if (!ret)
		ret = fraglab_stats(&c->fl, &st);
	if (ret)
		return fc_fail("pcp", ret);
	if (c->json) {
		printf("{\"pcp_high\":%" PRIu64 ",\"enabled\":%s,\"pcp_pages\":%" PRIu64 "}\n",
		       v, v ? "true" : "false", (uint64_t)st.pcp_pages);
		return 0;
	}
	if (v)
		printf("per-CPU page lists: on, high %" PRIu64 " pages per CPU; %" PRIu64
		       " pages parked (neither free nor allocated; per CPU: /sys/kernel/debug/fraglab/pcp)\n",
		       v, (uint64_t)st.pcp_pages);
	else
		printf("per-CPU page lists: off (every free merges at once)\n");
	return 0;
}

static int cmd_debugfs(const char *name)
{
	return fc_print_debugfs(name);
}

/*
 * --json for the /proc-style files: computed from the ioctls (no root, no
 * debugfs) with the same fl_metrics.c functions the module's debugfs
 * files use, so the numbers are those of the text.
 */
static int fc_json_orders(struct fc_ctx *c, const char *key,
			  int (*index)(const u64 *nr_free, unsigned int order))
{
	struct fraglab_stats st;
	u64 nr_free[FL_NR_ORDERS];
	unsigned int o;
	int ret;

	ret = fc_open(c);
	if (ret)
		return ret;
	ret = fraglab_stats(&c->fl, &st);
	if (ret)
		return fc_fail("stats", ret);
	for (o = 0; o < FL_NR_ORDERS; o++)
		nr_free[o] = st.nr_free[o];
	printf("{\"node\":0,\"zone\":\"%s\",\"%s\":[", FC_ZONE_NAME, key);
	for (o = 0; o < FL_NR_ORDERS; o++) {
		if (index)
			printf("%s%d", o ? "," : "", index(nr_free, o));
		else
			printf("%s%" PRIu64, o ? "," : "", (uint64_t)nr_free[o]);
	}
	puts("]}");
	return 0;
}

static int cmd_buddyinfo(struct fc_ctx *c, int argc, char **argv)
{
	if (c->json)
		return fc_json_orders(c, "nr_free", NULL);
	return cmd_debugfs("buddyinfo");
}

/*
 * pagetypeinfo --json from the arena map (FRAGLAB_IOC_PAGE_INFO): free
 * blocks per migrate type (the free list a block is on) and order, and
 * pageblocks per migrate type.
 */
static int fc_pagetypeinfo_json(struct fc_ctx *c)
{
	uint64_t nr_free[FRAGLAB_MT_TYPES][FRAGLAB_NR_ORDERS] = { { 0 } };
	uint64_t blocks[FRAGLAB_MT_TYPES] = { 0 }, n, i;
	struct fraglab_page *pg;
	unsigned int t, o;
	int ret;

	ret = fc_open(c);
	if (ret)
		return ret;
	ret = fraglab_arena_map(&c->fl, &pg, &n);
	if (ret)
		return fc_fail("pagetypeinfo (FRAGLAB_IOC_PAGE_INFO)", ret);
	for (i = 0; i < n; i++) {
		const struct fraglab_page *p = &pg[i];

		if (p->state == FRAGLAB_PAGE_FREE && (p->flags & FRAGLAB_PAGE_HEAD) &&
		    p->migratetype < FRAGLAB_MT_TYPES && p->order < FRAGLAB_NR_ORDERS)
			nr_free[p->migratetype][p->order]++;
		/* a pageblock counts if its first page is in the arena */
		if (!(i % (1U << FRAGLAB_PAGEBLOCK_ORDER)) &&
		    p->state != FRAGLAB_PAGE_HOLE && p->pageblock_mt < FRAGLAB_MT_TYPES)
			blocks[p->pageblock_mt]++;
	}
	free(pg);
	printf("{\"node\":0,\"zone\":\"%s\",\"pageblock_order\":%u,\"pages_per_block\":%u,\"free\":{",
	       FC_ZONE_NAME, FRAGLAB_PAGEBLOCK_ORDER, 1U << FRAGLAB_PAGEBLOCK_ORDER);
	for (t = 0; t < FRAGLAB_MT_TYPES; t++) {
		printf("%s\"%s\":[", t ? "," : "", fraglab_mt_name(t));
		for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
			printf("%s%" PRIu64, o ? "," : "", nr_free[t][o]);
		putchar(']');
	}
	printf("},\"blocks\":{");
	for (t = 0; t < FRAGLAB_MT_TYPES; t++)
		printf("%s\"%s\":%" PRIu64, t ? "," : "", fraglab_mt_name(t),
		       blocks[t]);
	puts("}}");
	return 0;
}

static int cmd_pagetypeinfo(struct fc_ctx *c, int argc, char **argv)
{
	if (c->json)
		return fc_pagetypeinfo_json(c);
	return cmd_debugfs("pagetypeinfo");
}

static int cmd_unusable(struct fc_ctx *c, int argc, char **argv)
{
	if (c->json)
		return fc_json_orders(c, "unusable_index_permille",
				      fl_metrics_unusable_index);
	return cmd_debugfs("unusable_index");
}

static int cmd_extfrag(struct fc_ctx *c, int argc, char **argv)
{
	if (c->json)
		return fc_json_orders(c, "extfrag_index_permille",
				      fl_metrics_fragmentation_index);
	return cmd_debugfs("extfrag_index");
}

/* arena --json: what FRAGLAB_IOC_VERSION and PAGE_INFO say (no PFNs). */
static int cmd_arena(struct fc_ctx *c, int argc, char **argv)
{
	const struct fraglab_version *v = &c->fl.version;
	uint64_t index_pages = 0;
	int ret;

	if (!c->json)
		return cmd_debugfs("arena");
	ret = fc_open(c);
	if (ret)
		return ret;
	ret = fraglab_page_info(&c->fl, 0, 0, NULL, &index_pages);
	if (ret)
		return fc_fail("arena (FRAGLAB_IOC_PAGE_INFO)", ret);
	printf("{\"arena_bytes\":%" PRIu64 ",\"arena_pages\":%" PRIu64 ",\"index_pages\":%" PRIu64 ","
	       "\"contiguous_ranges\":%u,\"page_size\":%u,\"max_order\":%u,"
	       "\"kernel_max_order\":%u,\"pageblock_order\":%u}\n",
	       (uint64_t)v->arena_bytes, (uint64_t)v->arena_pages, index_pages,
	       v->nr_chunks, v->page_size, v->max_order, v->kernel_max_order,
	       v->block_order);
	return 0;
}

const struct fc_cmd fc_cmds_buddy[] = {
	{ "status", "", "the arena and the buddy allocator in a few lines", cmd_status, true },
	{ "arena", "", "the arena's alloc_pages blocks and PFN ranges (debugfs, root); --json: sizes and orders from the ioctls, no PFNs", cmd_arena, false },
	{ "alloc", "SIZE [--order N] [--type movable|unmovable|reclaimable] | --order N [--type movable|unmovable|reclaimable]",
	  "allocate from the buddy (SIZE with K/M/G suffix, rounded up to a power of two)", cmd_alloc, true },
	{ "free", "HANDLE...", "free allocations (@N = the Nth of this session, or 0x...)", cmd_free, true },
	{ "query", "HANDLE", "what a handle refers to now (order, offset, moves)", cmd_query, true },
	{ "list", "", "allocations made in this session", cmd_list, true },
	{ "buddyinfo", "", "the arena in /proc/buddyinfo format", cmd_buddyinfo, false },
	{ "pagetypeinfo", "", "free blocks per migrate type, /proc/pagetypeinfo format", cmd_pagetypeinfo, false },
	{ "unusable_index", "", "the kernel's unusable free space index per order", cmd_unusable, false },
	{ "extfrag_index", "", "the kernel's fragmentation index per order", cmd_extfrag, false },
	{ "stats", "", "allocation counters and internal/external fragmentation", cmd_stats, true },
	{ "check", "", "run every invariant checker in the module", cmd_check, true },
	{ "set", "grouping on|off", "switch grouping by mobility at runtime", cmd_set, true },
	{ "pcp", "[on|off|drain|HIGH]",
	  "per-CPU page lists for orders 0..3 (the kernel's pcp): on = high 512, off (default), drain, or a high mark in pages", cmd_pcp, true },
	{ NULL }
};
