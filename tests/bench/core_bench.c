// SPDX-License-Identifier: GPL-2.0
/*
 * core_bench.c - userspace benchmarks of the portable core (issue 9):
 * the cost of one alloc+free pair in fl_buddy, fl_slab and each fit
 * strategy, as the arena grows from 4 MiB to 16 GiB and as the hole count
 * grows.  Every arena is metadata-only (chunk vaddr NULL): the core never
 * touches arena memory then, so a 16 GiB arena costs only its metadata.
 *
 *   core_bench time     ns/op, median of 5 runs of OPS_TIME pairs (fit:
 *                       OPS_TIME_FIT) (-O2,
 *                       native); noisy on a shared machine: read trends
 *   core_bench insns    re-executes itself under valgrind --tool=callgrind
 *                       and prints instructions per pair (deterministic:
 *                       the numbers docs/BENCHMARKS.md guards)
 *   core_bench cases    (used by insns, inside valgrind) every case once,
 *                       OPS_INSNS pairs each, between CALLGRIND_ZERO_STATS
 *                       and CALLGRIND_DUMP_STATS_AT(case name)
 *
 * Cases (the same in every mode):
 *   buddy-o{0,3,9} <arena>      empty arena: split down and merge back up
 *   buddy-o{0,3}-pcp <arena>    empty arena, per-CPU lists on (high 512):
 *                               the pair pops and pushes a parked block
 *   buddy-o0-half <arena>       half the arena's pages allocated (order 0),
 *                               every other one of them freed again: the
 *                               pair takes and returns one of the holes
 *   slab-{64,256,1024} <arena>  one cache, warm (per-CPU array filled)
 *   fit-<strategy> <holes>      N 16-byte holes + a top hole; the 32-byte
 *                               pair fits only the top hole (fit_setup.h)
 *
 * O(log n) shows as a flat or slowly growing column: the arena column
 * multiplies by 4096 from 4 MiB to 16 GiB, the hole column by 1000.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_slab.h"
#include "fit_setup.h"

#define OPS_TIME	200000U
#define OPS_TIME_FIT	20000U
#define OPS_INSNS	2000U
#define WARMUP		1000U
#define RUNS		5
#define GRAN		FIT_GRAN

static const u64 arena_mb[] = { 4, 64, 1024, 16384 };
static const u32 slab_sizes[] = { 64, 256, 1024 };
static const u64 holes[] = { 1000, 10000, 100000, 1000000 };

static void die(const char *what, int err)
{
	fprintf(stderr, "core_bench: %s: %d\n", what, err);
	exit(1);
}

/* The measured loop and its state. */
struct bench_case {
	char name[48];
	struct fl_buddy *b;
	u32 order;
	struct fl_slab_cache *cache;
	struct fl_fit_pool *pool;
};

static void run_pairs(struct bench_case *bc, u32 n)
{
	struct fl_buddy_req req = {
		.order = bc->order,
		.mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL,
		.requested = FL_PAGE_SIZE << bc->order,
	};
	void *ptr;
	u64 off;
	u32 i, idx;

	for (i = 0; i < n; i++) {
		if (bc->pool) {
			if (fl_fit_alloc(bc->pool, 2 * GRAN, 0, 0, &off))
				die("fit alloc", -ENOMEM);
			fl_fit_free(bc->pool, off);
		} else if (bc->cache) {
			if (fl_slab_cache_alloc(bc->cache, &off, &ptr))
				die("slab alloc", -ENOMEM);
			fl_slab_cache_free(bc->cache, off);
		} else {
			if (fl_buddy_alloc(bc->b, &req, &idx))
				die("buddy alloc", -ENOMEM);
			fl_buddy_free(bc->b, idx);
		}
	}
}

static struct fl_buddy *make_buddy(u64 mb)
{
	struct fl_chunk c = {
		.start = 0,
		.nr_pages = (u32)(mb << (20 - FL_PAGE_SHIFT)),
		.vaddr = NULL,
	};
	struct fl_buddy *b = fl_buddy_create(&c, 1, FL_MAX_ORDER, true);

	if (!b)
		die("fl_buddy_create", -ENOMEM);
	return b;
}

/* Checkerboard of order-0 allocations over the low half. */
static void checkerboard(struct fl_buddy *b, u64 mb)
{
	struct fl_buddy_req req = {
		.order = 0,
		.mt = FL_MT_UNMOVABLE,
		.owner_kind = FL_OWN_KERNEL,
		.requested = FL_PAGE_SIZE,
	};
	u32 half = (u32)(mb << (20 - FL_PAGE_SHIFT)) / 2, i;
	u32 *idx = malloc(half * sizeof(*idx));

	if (!idx)
		die("malloc", -ENOMEM);
	for (i = 0; i < half; i++)
		if (fl_buddy_alloc(b, &req, &idx[i]))
			die("checkerboard alloc", -ENOMEM);
	for (i = 0; i < half; i += 2)
		if (fl_buddy_free(b, idx[i]))
			die("checkerboard free", -EINVAL);
	free(idx);
}

static struct fl_fit_pool *make_pool(u64 n, u32 strategy)
{
	struct fl_fit_segment seg;
	struct fl_fit_pool *p = fit_setup_pool(n, &seg);

	if (!p)
		die("fit pool setup", -ENOMEM);
	fl_fit_set_strategy(p, strategy);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* time: median ns per pair; cases: callgrind dump per case. */
static void measure(struct bench_case *bc, bool cg)
{
	u32 ops = bc->pool ? OPS_TIME_FIT : OPS_TIME;
	double ns[RUNS];
	u64 t0;
	int r;

	run_pairs(bc, WARMUP);
	if (cg) {
		CALLGRIND_ZERO_STATS;
		run_pairs(bc, OPS_INSNS);
		CALLGRIND_DUMP_STATS_AT(bc->name);
		return;
	}
	for (r = 0; r < RUNS; r++) {
		t0 = fl_ns();
		run_pairs(bc, ops);
		ns[r] = (double)(fl_ns() - t0) / ops;
	}
	qsort(ns, RUNS, sizeof(double), cmp_double);
	printf("%-28s %10.1f\n", bc->name, ns[RUNS / 2]);
	fflush(stdout);
}

static void all_cases(bool cg)
{
	static const u32 orders[] = { 0, 3, 9 };
	struct fl_slab_root *root;
	struct bench_case bc;
	unsigned int a, i;
	u32 s;

	for (a = 0; a < ARRAY_SIZE(arena_mb); a++) {
		memset(&bc, 0, sizeof(bc));
		bc.b = make_buddy(arena_mb[a]);
		for (i = 0; i < ARRAY_SIZE(orders); i++) {
			bc.order = orders[i];
			snprintf(bc.name, sizeof(bc.name), "buddy-o%u %" PRIu64 "M",
				 orders[i], arena_mb[a]);
			measure(&bc, cg);
		}
		/* the same pairs served by the per-CPU lists */
		if (fl_buddy_set_pcp(bc.b, 512))
			die("fl_buddy_set_pcp", -ENOMEM);
		for (i = 0; i < 2; i++) {
			bc.order = orders[i];
			snprintf(bc.name, sizeof(bc.name), "buddy-o%u-pcp %" PRIu64 "M",
				 orders[i], arena_mb[a]);
			measure(&bc, cg);
		}
		if (fl_buddy_set_pcp(bc.b, 0))
			die("fl_buddy_set_pcp", -EINVAL);
		checkerboard(bc.b, arena_mb[a]);
		bc.order = 0;
		snprintf(bc.name, sizeof(bc.name), "buddy-o0-half %" PRIu64 "M",
			 arena_mb[a]);
		measure(&bc, cg);
		fl_buddy_destroy(bc.b);

		bc.b = make_buddy(arena_mb[a]);
		if (fl_slab_root_create(bc.b, &root))
			die("fl_slab_root_create", -ENOMEM);
		for (i = 0; i < ARRAY_SIZE(slab_sizes); i++) {
			char cname[FL_SLAB_NAME_LEN];

			snprintf(cname, sizeof(cname), "bench-%u", slab_sizes[i]);
			if (fl_slab_cache_create(root, cname, slab_sizes[i], 0,
						 0, NULL, NULL, &bc.cache))
				die("fl_slab_cache_create", -ENOMEM);
			snprintf(bc.name, sizeof(bc.name), "slab-%u %" PRIu64 "M",
				 slab_sizes[i], arena_mb[a]);
			measure(&bc, cg);
			fl_slab_cache_destroy_force(bc.cache);
			bc.cache = NULL;
		}
		fl_slab_root_destroy(root);
		fl_buddy_destroy(bc.b);
	}
	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		/* callgrind: 10^6 holes only costs setup time; skip it there */
		if (cg && holes[i] > 100000)
			continue;
		for (s = 0; s < FL_FIT_NR_STRATEGIES; s++) {
			memset(&bc, 0, sizeof(bc));
			bc.pool = make_pool(holes[i], s);
			snprintf(bc.name, sizeof(bc.name), "fit-%s %" PRIu64,
				 fl_fit_strategy_names[s], holes[i]);
			measure(&bc, cg);
			fl_fit_destroy(bc.pool, true);
		}
	}
}

/* Run "self cases" under callgrind, print instructions per pair. */
static int insns(const char *self)
{
	char dir[] = "/tmp/core_bench.XXXXXX", cmd[1024], line[512];
	char name[128] = "";
	FILE *f;
	int ret;

	if (!mkdtemp(dir))
		die("mkdtemp", -errno);
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --callgrind-out-file=%s/cg.out "
		 "%s cases >/dev/null 2>%s/valgrind.log", dir, self, dir);
	ret = system(cmd);
	if (ret) {
		fprintf(stderr, "core_bench: valgrind failed (%d), see %s\n",
			ret, dir);
		return 1;
	}
	/* one dump file per case, cg.out.N in order; "desc: Trigger:" names it */
	printf("%-28s %12s\n", "case", "insns/pair");
	for (int n = 1;; n++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/cg.out.%d", dir, n);
		f = fopen(path, "r");
		if (!f)
			break;
		name[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			char *p = strstr(line, "Client Request: ");
			unsigned long long tot;

			if (!strncmp(line, "desc: Trigger:", 14) && p) {
				snprintf(name, sizeof(name), "%s",
					 p + strlen("Client Request: "));
				name[strcspn(name, "\n")] = '\0';
			}
			if (sscanf(line, "totals: %llu", &tot) == 1 ||
			    sscanf(line, "summary: %llu", &tot) == 1) {
				printf("%-28s %12.1f\n", name,
				       (double)tot / OPS_INSNS);
				break;
			}
		}
		fclose(f);
		unlink(path);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "time";

	if (!strcmp(mode, "time")) {
		printf("%-28s %10s\n", "case", "ns/pair");
		all_cases(false);
		return 0;
	}
	if (!strcmp(mode, "cases")) {
		all_cases(true);
		return 0;
	}
	if (!strcmp(mode, "insns"))
		return insns(argv[0]);
	fprintf(stderr, "usage: core_bench [time|insns|cases]\n");
	return 2;
}
