// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_pool.c - fragctl commands for fraglab's fit pools (docs/POOLS.md):
 *
 *   pool create SIZE [--strategy first-fit|next-fit|best-fit|worst-fit]
 *                    [--granularity N]
 *   pool alloc ID SIZE [--align N] [--movable] [--try] [COUNT]
 *   pool free ID HANDLE...|--all     pool strategy ID NAME
 *   pool info ID     pool holes ID     pool map ID
 *   pool compact ID  pool destroy ID   (compact --pool ID is the same)
 *
 * ID is the pool id printed by "pool create" (the kernel's, valid on this
 * session's open file), or "." for the pool this session created last.  Allocations are numbered @N like every other
 * allocation of the session.  Pools live as long as the fragctl session.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

/* Explain an errno of a pool command in a plain sentence, then fail. */
static int fc_pool_fail(const char *what, uint32_t id, int err)
{
	switch (-err) {
	case ENOENT:
		fprintf(stderr, "fragctl: %s: pool %u does not exist in this session, or the handle is not a live pool allocation of it\n",
			what, id);
		return 1;
	case EBUSY:
		fprintf(stderr, "fragctl: %s: pool %u still has live allocations: free them first (pool free %u --all); nothing was destroyed\n",
			what, id, id);
		return 1;
	case ENOMEM:
		fprintf(stderr, "fragctl: %s: no hole of pool %u is large enough (see pool info %u: fail_fragmented counts the cases where the total free space would have been enough)\n",
			what, id, id);
		return 1;
	case EINVAL:
		fprintf(stderr, "fragctl: %s: invalid argument: sizes must be 1..pool size, granularity a power of two 16..4096, alignment a power of two, the strategy one of first-fit, next-fit, best-fit, worst-fit, and a handle must belong to this pool\n",
			what);
		return 1;
	default:
		return fc_fail(what, err);
	}
}

/* The pool this session created last: "." names it in scripts. */
static uint32_t fc_last_pool;

static int fc_pool_id(const char *s, uint32_t *id)
{
	uint64_t v;

	if (!strcmp(s, ".") && fc_last_pool) {
		*id = fc_last_pool;
		return 0;
	}
	if (fc_parse_u64(s, &v) || !v || v > UINT32_MAX) {
		fc_usage("'%s' is not a pool id (the number printed by pool create, or . for the last one)", s);
		return 1;
	}
	*id = v;
	return 0;
}

static int pool_create(struct fc_ctx *c, int argc, char **argv)
{
	const char *strat_s = fc_opt(&argc, argv, "--strategy");
	const char *gran_s = fc_opt(&argc, argv, "--granularity");
	struct fraglab_pool_create pc;
	uint64_t size, gran = 0;
	int strat = FRAGLAB_POOL_FIRST_FIT, ret;
	char h[32];

	if (argc != 2)
		return fc_usage("usage: pool create SIZE [--strategy first-fit|next-fit|best-fit|worst-fit] [--granularity SIZE]");
	if (fc_parse_size(argv[1], &size) || !size)
		return fc_usage("'%s' is not a pool size (e.g. 16M)", argv[1]);
	if (strat_s) {
		strat = fraglab_pool_strategy_parse(strat_s);
		if (strat < 0)
			return fc_usage("unknown strategy '%s': use first-fit, next-fit, best-fit or worst-fit", strat_s);
	}
	if (gran_s && (fc_parse_size(gran_s, &gran) || gran > UINT32_MAX))
		return fc_usage("--granularity needs a power of two 16..4096, got '%s'", gran_s);
	ret = fraglab_pool_create(&c->fl, size, gran, strat, &pc);
	if (ret == -EINVAL) {
		fprintf(stderr, "fragctl: pool create: the size must fit the arena and the granularity be a power of two 16..4096\n");
		return 1;
	}
	if (ret == -ENOMEM) {
		fprintf(stderr, "fragctl: pool create: the arena has not got %s free for the pool\n",
			fc_human(size, h, sizeof(h)));
		return 1;
	}
	if (ret)
		return fc_fail("pool create", ret);
	fc_last_pool = pc.pool_id;
	if (c->json)
		printf("{\"pool_id\":%u,\"pool_bytes\":%" PRIu64 ",\"base\":%" PRIu64 ",\"segments\":%u,\"strategy\":\"%s\",\"granularity\":%u}\n",
		       pc.pool_id, (uint64_t)pc.pool_bytes, (uint64_t)pc.base,
		       pc.nr_segments, fraglab_pool_strategy_name(strat),
		       gran ? (unsigned int)gran : FRAGLAB_POOL_DEFAULT_GRAN);
	else
		printf("created pool %u: %s, %s, %u segment%s, arena offset 0x%" PRIx64 "\n",
		       pc.pool_id, fc_human(pc.pool_bytes, h, sizeof(h)),
		       fraglab_pool_strategy_name(strat), pc.nr_segments,
		       pc.nr_segments == 1 ? "" : "s", (uint64_t)pc.base);
	return 0;
}

static int pool_alloc(struct fc_ctx *c, int argc, char **argv)
{
	const char *align_s = fc_opt(&argc, argv, "--align");
	bool movable = fc_flag(&argc, argv, "--movable");
	bool soft = fc_flag(&argc, argv, "--try");
	struct fraglab_pool_alloc a;
	uint64_t size, align = 0, count = 1, i;
	unsigned int n = 0;
	uint32_t id;
	int ret;

	if (argc < 3 || argc > 4)
		return fc_usage("usage: pool alloc ID SIZE [--align N] [--movable] [--try] [COUNT]");
	if (fc_pool_id(argv[1], &id))
		return 1;
	if (fc_parse_size(argv[2], &size) || !size)
		return fc_usage("'%s' is not a size", argv[2]);
	if (align_s && fc_parse_size(align_s, &align))
		return fc_usage("--align needs a power of two, got '%s'", align_s);
	if (argc == 4 && (fc_parse_u64(argv[3], &count) || !count))
		return fc_usage("COUNT must be a positive number");
	for (i = 0; i < count; i++) {
		ret = fraglab_pool_alloc(&c->fl, id, size, align,
					 movable ? FRAGLAB_POOL_ALLOC_MOVABLE : 0,
					 &a);
		if (ret) {
			if (count > 1)
				fprintf(stderr, "fragctl: pool alloc: %" PRIu64 " of %" PRIu64 " allocated\n",
					i, count);
			fc_pool_fail("pool alloc", id, ret);
			/* --try: a failed placement is a result, not an error */
			return soft && ret == -ENOMEM ? 0 : 1;
		}
		n = fc_remember(c, a.handle);
		if (c->json && count == 1)
			printf("{\"pool_id\":%u,\"ref\":\"@%u\",\"handle\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"granted\":%" PRIu64 "}\n",
			       id, n, (uint64_t)a.handle, (uint64_t)a.offset,
			       (uint64_t)a.granted);
		else if (!c->json && count == 1)
			printf("@%u handle 0x%" PRIx64 " at arena offset 0x%" PRIx64 " (%" PRIu64 " B granted)\n",
			       n, (uint64_t)a.handle, (uint64_t)a.offset,
			       (uint64_t)a.granted);
	}
	if (count > 1 && c->json)
		printf("{\"pool_id\":%u,\"allocated\":%" PRIu64 ",\"last\":\"@%u\",\"last_offset\":%" PRIu64 "}\n",
		       id, count, n, (uint64_t)a.offset);
	else if (count > 1)
		printf("allocated %" PRIu64 " ranges from pool %u (@%" PRIu64 "..@%u)\n",
		       count, id, n - count + 1, n);
	return 0;
}

/* Free every pool allocation of this session that belongs to pool @id. */
static int pool_free_all(struct fc_ctx *c, uint32_t id, unsigned int *freed)
{
	struct fraglab_query q;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr_handles; i++) {
		if (!c->handles[i] ||
		    fraglab_query(&c->fl, c->handles[i], &q) ||
		    q.kind != FRAGLAB_KIND_POOL)
			continue;
		ret = fraglab_pool_free(&c->fl, id, c->handles[i]);
		if (ret == -EINVAL)
			continue;	/* another pool's */
		if (ret)
			return fc_pool_fail("pool free", id, ret);
		c->handles[i] = 0;
		(*freed)++;
	}
	return 0;
}

static int pool_free(struct fc_ctx *c, int argc, char **argv)
{
	unsigned int freed = 0;
	uint32_t id;
	uint64_t h;
	int ret, a;

	if (argc < 3)
		return fc_usage("usage: pool free ID HANDLE...|--all");
	if (fc_pool_id(argv[1], &id))
		return 1;
	if (!strcmp(argv[2], "--all")) {
		if (pool_free_all(c, id, &freed))
			return 1;
	} else {
		for (a = 2; a < argc; a++) {
			if (fc_parse_handle(c, argv[a], &h))
				return fc_pool_fail(argv[a], id, -ENOENT);
			ret = fraglab_pool_free(&c->fl, id, h);
			if (ret == -EINVAL) {
				fprintf(stderr, "fragctl: %s is an allocation of another pool, not of pool %u\n",
					argv[a], id);
				return 1;
			}
			if (ret)
				return fc_pool_fail(argv[a], id, ret);
			fc_forget(c, h);
			freed++;
		}
	}
	if (c->json)
		printf("{\"pool_id\":%u,\"freed\":%u}\n", id, freed);
	else
		printf("freed %u allocation%s of pool %u\n", freed,
		       freed == 1 ? "" : "s", id);
	return 0;
}

static int pool_strategy(struct fc_ctx *c, int argc, char **argv)
{
	uint32_t id;
	int s, ret;

	if (argc != 3)
		return fc_usage("usage: pool strategy ID first-fit|next-fit|best-fit|worst-fit");
	if (fc_pool_id(argv[1], &id))
		return 1;
	s = fraglab_pool_strategy_parse(argv[2]);
	if (s < 0)
		return fc_usage("unknown strategy '%s': use first-fit, next-fit, best-fit or worst-fit", argv[2]);
	ret = fraglab_pool_set_strategy(&c->fl, id, s);
	if (ret)
		return fc_pool_fail("pool strategy", id, ret);
	if (c->json)
		printf("{\"pool_id\":%u,\"strategy\":\"%s\"}\n", id,
		       fraglab_pool_strategy_name(s));
	else
		printf("pool %u: strategy %s\n", id, fraglab_pool_strategy_name(s));
	return 0;
}

static void pool_info_json(const struct fraglab_pool_info *pi)
{
	unsigned int b, first = 1;

	printf("{\"pool_id\":%u,\"strategy\":\"%s\",\"granularity\":%u,\"segments\":%u,"
	       "\"pool_bytes\":%" PRIu64 ",\"base\":%" PRIu64 ",\"free_bytes\":%" PRIu64 ","
	       "\"holes\":%" PRIu64 ",\"largest_hole\":%" PRIu64 ",\"ext_frag_permille\":%u,"
	       "\"allocations\":%" PRIu64 ",\"movable\":%" PRIu64 ",\"allocated_bytes\":%" PRIu64 ","
	       "\"requested_bytes\":%" PRIu64 ",\"allocs\":%" PRIu64 ",\"frees\":%" PRIu64 ","
	       "\"fail_fragmented\":%" PRIu64 ",\"fail_nomem\":%" PRIu64 ",\"moves\":%" PRIu64 ","
	       "\"moved_bytes\":%" PRIu64 ",\"rover\":%" PRIu64 ",\"hole_hist\":{",
	       pi->pool_id, fraglab_pool_strategy_name(pi->strategy),
	       pi->granularity, pi->nr_segments, (uint64_t)pi->pool_bytes,
	       (uint64_t)pi->base, (uint64_t)pi->free_bytes,
	       (uint64_t)pi->nr_holes, (uint64_t)pi->largest_hole,
	       pi->ext_frag_permille, (uint64_t)pi->nr_allocated,
	       (uint64_t)pi->nr_movable, (uint64_t)pi->allocated_bytes,
	       (uint64_t)pi->requested_bytes, (uint64_t)pi->allocs,
	       (uint64_t)pi->frees, (uint64_t)pi->fail_fragmented,
	       (uint64_t)pi->fail_nomem, (uint64_t)pi->moves,
	       (uint64_t)pi->moved_bytes, (uint64_t)pi->rover);
	for (b = 0; b < FRAGLAB_POOL_HIST_BUCKETS; b++) {
		if (!pi->hist[b])
			continue;
		printf("%s\"%" PRIu64 "\":%" PRIu64, first ? "" : ",",
		       (uint64_t)1 << b, (uint64_t)pi->hist[b]);
		first = 0;
	}
	puts("}}");
}

static void pool_info_text(const struct fraglab_pool_info *pi)
{
	char h1[32], h2[32], h3[32];
	unsigned int b;

	printf("pool %u: %s, granularity %u B, %u segment%s at arena offset 0x%" PRIx64 "\n",
	       pi->pool_id, fraglab_pool_strategy_name(pi->strategy),
	       pi->granularity, pi->nr_segments, pi->nr_segments == 1 ? "" : "s",
	       (uint64_t)pi->base);
	printf("  size %s, free %s in %" PRIu64 " hole%s, largest hole %s\n",
	       fc_human(pi->pool_bytes, h1, sizeof(h1)),
	       fc_human(pi->free_bytes, h2, sizeof(h2)),
	       (uint64_t)pi->nr_holes, pi->nr_holes == 1 ? "" : "s",
	       fc_human(pi->largest_hole, h3, sizeof(h3)));
	printf("  external fragmentation %u.%u%% (1 - largest hole / free)\n",
	       pi->ext_frag_permille / 10, pi->ext_frag_permille % 10);
	printf("  allocations %" PRIu64 " (%" PRIu64 " movable), %" PRIu64 " B granted for %" PRIu64 " B asked\n",
	       (uint64_t)pi->nr_allocated, (uint64_t)pi->nr_movable,
	       (uint64_t)pi->allocated_bytes, (uint64_t)pi->requested_bytes);
	printf("  allocs %" PRIu64 ", frees %" PRIu64 ", failed %" PRIu64 " although the total free space was enough, %" PRIu64 " for lack of memory\n",
	       (uint64_t)pi->allocs, (uint64_t)pi->frees,
	       (uint64_t)pi->fail_fragmented, (uint64_t)pi->fail_nomem);
	printf("  moved by compaction: %" PRIu64 " (%" PRIu64 " B); next-fit rover at 0x%" PRIx64 "\n",
	       (uint64_t)pi->moves, (uint64_t)pi->moved_bytes,
	       (uint64_t)pi->rover);
	printf("  hole sizes:");
	for (b = 0; b < FRAGLAB_POOL_HIST_BUCKETS; b++)
		if (pi->hist[b])
			printf(" %s+:%" PRIu64, fc_human((uint64_t)1 << b, h1, sizeof(h1)),
			       (uint64_t)pi->hist[b]);
	putchar('\n');
}

static int pool_info(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_pool_info pi;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: pool info ID");
	if (fc_pool_id(argv[1], &id))
		return 1;
	ret = fraglab_pool_info(&c->fl, id, &pi);
	if (ret)
		return fc_pool_fail("pool info", id, ret);
	if (c->json)
		pool_info_json(&pi);
	else
		pool_info_text(&pi);
	return 0;
}

/* One debugfs holes/map line as a JSON object; false if it does not parse. */
static bool pool_line_json(const char *line, bool first, bool *in_seg)
{
	unsigned long long a, b, n, k;
	unsigned int i;

	if (sscanf(line, "segment %u 0x%llx %llu", &i, &a, &b) == 3) {
		printf("%s{\"segment\":%u,\"start\":%llu,\"bytes\":%llu,\"runs\":[",
		       *in_seg ? "]}," : "", i, a, b);
		*in_seg = true;
		return true;
	}
	if (sscanf(line, "used 0x%llx %llu allocs=%llu pinned=%llu", &a, &b,
		   &n, &k) == 4) {
		printf("%s{\"state\":\"used\",\"offset\":%llu,\"bytes\":%llu,\"allocations\":%llu,\"pinned\":%llu}",
		       first ? "" : ",", a, b, n, k);
		return true;
	}
	if (sscanf(line, "free 0x%llx %llu", &a, &b) == 2) {
		printf("%s{\"state\":\"free\",\"offset\":%llu,\"bytes\":%llu}",
		       first ? "" : ",", a, b);
		return true;
	}
	if (sscanf(line, "0x%llx %llu", &a, &b) == 2) {
		printf("%s{\"offset\":%llu,\"bytes\":%llu}", first ? "" : ",",
		       a, b);
		return true;
	}
	return false;
}

/*
 * holes / map: the debugfs file (root, debugfs mounted).  As JSON:
 * holes -> [{"offset","bytes"}...] in address order; map -> one object per
 * segment {"segment","start","bytes","runs":[{"state":"free"|"used",
 * "offset","bytes"[,"allocations","pinned"]}...]}.  Offsets are arena
 * byte offsets, as everywhere.
 */
static int pool_debugfs(struct fc_ctx *c, int argc, char **argv,
			const char *file)
{
	char name[64], *text, *line, *save = NULL;
	struct fraglab_pool_info pi;
	bool map = !strcmp(file, "map"), in_seg = false, first = true;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: pool %s ID", file);
	if (fc_pool_id(argv[1], &id))
		return 1;
	ret = fraglab_pool_info(&c->fl, id, &pi);
	if (ret)
		return fc_pool_fail(file, id, ret);
	snprintf(name, sizeof(name), "pools/%u/%s", id, file);
	if (!c->json)
		return fc_print_debugfs(name);
	ret = fraglab_read_debugfs(name, &text);
	if (ret)
		return fc_print_debugfs(name);
	printf("{\"pool_id\":%u,\"%s\":[", id, map ? "segments" : "holes");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool seg = map && !strncmp(line, "segment ", 8);

		if (!pool_line_json(line, first, &in_seg)) {
			free(text);
			printf("]}\n");
			fprintf(stderr, "fragctl: pool %s: cannot parse '%s'\n",
				file, line);
			return 1;
		}
		first = seg;
	}
	printf("%s]}\n", in_seg ? "]}" : "");
	free(text);
	return 0;
}

/*
 * stats: every counter of FRAGLAB_IOC_POOL_INFO as "name value" lines (the
 * debugfs stats format, but from the ioctl: no root, no debugfs needed);
 * as JSON the same object as "pool info".
 */
static int pool_stats(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_pool_info pi;
	unsigned int b;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: pool stats ID");
	if (fc_pool_id(argv[1], &id))
		return 1;
	ret = fraglab_pool_info(&c->fl, id, &pi);
	if (ret)
		return fc_pool_fail("pool stats", id, ret);
	if (c->json) {
		pool_info_json(&pi);
		return 0;
	}
	printf("pool_id %u\nstrategy %s\ngranularity %u\nsegments %u\n"
	       "pool_bytes %" PRIu64 "\nbase 0x%" PRIx64 "\nfree_bytes %" PRIu64 "\n"
	       "allocated_bytes %" PRIu64 "\nrequested_bytes %" PRIu64 "\n"
	       "allocations %" PRIu64 "\nmovable %" PRIu64 "\nholes %" PRIu64 "\n"
	       "largest_hole %" PRIu64 "\nexternal_frag_permille %u\n"
	       "allocs %" PRIu64 "\nfrees %" PRIu64 "\nfail_fragmented %" PRIu64 "\n"
	       "fail_nomem %" PRIu64 "\nmoves %" PRIu64 "\nmoved_bytes %" PRIu64 "\n"
	       "rover 0x%" PRIx64 "\nhole_hist",
	       pi.pool_id, fraglab_pool_strategy_name(pi.strategy),
	       pi.granularity, pi.nr_segments, (uint64_t)pi.pool_bytes,
	       (uint64_t)pi.base, (uint64_t)pi.free_bytes,
	       (uint64_t)pi.allocated_bytes, (uint64_t)pi.requested_bytes,
	       (uint64_t)pi.nr_allocated, (uint64_t)pi.nr_movable,
	       (uint64_t)pi.nr_holes, (uint64_t)pi.largest_hole,
	       pi.ext_frag_permille, (uint64_t)pi.allocs, (uint64_t)pi.frees,
	       (uint64_t)pi.fail_fragmented, (uint64_t)pi.fail_nomem,
	       (uint64_t)pi.moves, (uint64_t)pi.moved_bytes,
	       (uint64_t)pi.rover);
	for (b = 0; b < FRAGLAB_POOL_HIST_BUCKETS; b++)
		if (pi.hist[b])
			printf(" %" PRIu64 ":%" PRIu64, (uint64_t)1 << b,
			       (uint64_t)pi.hist[b]);
	putchar('\n');
	return 0;
}

static int pool_holes(struct fc_ctx *c, int argc, char **argv)
{
	return pool_debugfs(c, argc, argv, "holes");
}

static int pool_map(struct fc_ctx *c, int argc, char **argv)
{
	return pool_debugfs(c, argc, argv, "map");
}

static int pool_compact(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_pool_compact pc;
	char h1[32], h2[32];
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: pool compact ID");
	if (fc_pool_id(argv[1], &id))
		return 1;
	ret = fraglab_pool_compact(&c->fl, id, &pc);
	if (ret)
		return fc_pool_fail("pool compact", id, ret);
	if (c->json) {
		printf("{\"pool_id\":%u,\"moved\":%" PRIu64 ",\"moved_bytes\":%" PRIu64 ","
		       "\"holes_before\":%" PRIu64 ",\"holes_after\":%" PRIu64 ","
		       "\"largest_before\":%" PRIu64 ",\"largest_after\":%" PRIu64 ","
		       "\"free_bytes\":%" PRIu64 ",\"time_ns\":%" PRIu64 "}\n",
		       id, (uint64_t)pc.moved, (uint64_t)pc.moved_bytes,
		       (uint64_t)pc.holes_before, (uint64_t)pc.holes_after,
		       (uint64_t)pc.largest_before, (uint64_t)pc.largest_after,
		       (uint64_t)pc.free_bytes, (uint64_t)pc.time_ns);
		return 0;
	}
	printf("pool %u: moved %" PRIu64 " allocation%s (%" PRIu64 " B) in %" PRIu64 " us\n",
	       id, (uint64_t)pc.moved, pc.moved == 1 ? "" : "s",
	       (uint64_t)pc.moved_bytes, (uint64_t)pc.time_ns / 1000);
	printf("  holes %" PRIu64 " -> %" PRIu64 ", largest hole %s -> %s\n",
	       (uint64_t)pc.holes_before, (uint64_t)pc.holes_after,
	       fc_human(pc.largest_before, h1, sizeof(h1)),
	       fc_human(pc.largest_after, h2, sizeof(h2)));
	return 0;
}

/* "compact --pool ID" (cmd_compact.c calls this through a weak symbol). */
int fc_pool_compact(struct fc_ctx *c, const char *pool);

int fc_pool_compact(struct fc_ctx *c, const char *pool)
{
	char *argv[] = { "compact", (char *)pool, NULL };

	return pool_compact(c, 2, argv);
}

static int pool_destroy(struct fc_ctx *c, int argc, char **argv)
{
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: pool destroy ID");
	if (fc_pool_id(argv[1], &id))
		return 1;
	ret = fraglab_pool_destroy(&c->fl, id);
	if (ret)
		return fc_pool_fail("pool destroy", id, ret);
	if (c->json)
		printf("{\"pool_id\":%u,\"destroyed\":true}\n", id);
	else
		printf("destroyed pool %u\n", id);
	return 0;
}

static int cmd_pool(struct fc_ctx *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct fc_ctx *c, int argc, char **argv);
	} subs[] = {
		{ "create", pool_create }, { "alloc", pool_alloc },
		{ "free", pool_free }, { "strategy", pool_strategy },
		{ "info", pool_info }, { "stats", pool_stats },
		{ "holes", pool_holes },
		{ "map", pool_map }, { "compact", pool_compact },
		{ "destroy", pool_destroy },
	};
	unsigned int i;

	if (argc < 2)
		return fc_usage("pool needs a subcommand: create, alloc, free, strategy, info, stats, holes, map, compact, destroy");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(c, argc - 1, argv + 1);
	return fc_usage("unknown pool subcommand '%s'", argv[1]);
}

const struct fc_cmd fc_cmds_pool[] = {
	{ "pool", "create SIZE [--strategy first-fit|next-fit|best-fit|worst-fit] [--granularity SIZE] | alloc ID SIZE [--align N] [--movable] [--try] [COUNT] | free ID HANDLE...|--all | strategy ID NAME | info ID | stats ID | holes ID | map ID | compact ID | destroy ID",
	  "contiguous fit pools: first/next/best/worst fit, holes, compaction; stats prints every counter as name value lines; --json for every subcommand (holes and map as objects with arena offsets)", cmd_pool, true },
	{ NULL }
};
