// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bench.c - fragctl bench: fraglab's allocators against the kernel's,
 * one table (issue 9, docs/BENCHMARKS.md).
 *
 *   bench [--only buddy|slab|bulk|fit|compact|ioctl] [--iterations N]
 *         [--runs N] [--holes N,N] [--compact-mb N] [--pcp HIGH]
 *
 * Every row but the last runs inside the kernel (FRAGLAB_IOC_BENCH, root):
 * both sides of a pair in the same call, the same loop shape, the median
 * of --runs runs of --iterations ops.  The ioctl row is timed here, from
 * userspace: order-0 alloc+free through one ioctl each vs through
 * FRAGLAB_IOC_BATCH in batches of FC_BENCH_BATCH; it includes the handle
 * table and fl_dev.lock, not zeroing (a block is zeroed on its first
 * fault, and the bench never maps its blocks).
 *
 * Columns: fraglab ns/op, kernel ns/op, ratio fraglab/kernel, the target
 * from issue 9 and whether it is met.  Rows with a '*' hit the kernel
 * module's 1 s per-run budget and timed fewer ops (the "ops" column).
 * Exit status: 0 when every row ran (met or not), 1 on an error.
 * With --json the same rows come out as one JSON object (times in ns,
 * null where a column is "-").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fragctl.h"

#define FC_BENCH_BATCH		64
#define FC_BENCH_IOCTL_OPS	20000
#define FC_BENCH_IOCTL_RUNS	5
#define FC_BENCH_PCP_MAX_ORDER	3	/* the kernel's PAGE_ALLOC_COSTLY_ORDER */

static const char *const fc_fit_names[] = {
	"first-fit", "next-fit", "best-fit", "worst-fit",
};

struct fc_bench_opts {
	uint64_t iterations;
	uint32_t runs;
	uint32_t holes[4];
	unsigned int nr_holes;
	uint32_t compact_mb;
	int64_t pcp;		/* --pcp: the device's lists for the ioctl row; -1 = as set */
	const char *only;
	unsigned int errors;
	unsigned int missed;
	uint32_t flags_seen;
	bool json;
	unsigned int nr_rows;	/* JSON rows printed so far */
};

static void fc_bench_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

/* A JSON number, or null for "no value" (v <= 0). */
static void fc_bench_json_num(const char *key, double v, const char *fmt)
{
	printf(", \"%s\": ", key);
	if (v > 0)
		printf(fmt, v);
	else
		printf("null");
}

static void fc_bench_json_error(struct fc_bench_opts *o, const char *name,
				int err)
{
	printf("%s\n    {\"pair\": ", o->nr_rows++ ? "," : "");
	fc_bench_json_str(name);
	printf(", \"error\": ");
	fc_bench_json_str(fraglab_strerror(err));
	printf(", \"errno\": %d}", -err);
}

static void fc_bench_header(void)
{
	printf("%-40s %12s %12s %8s %9s %9s %8s  %-9s %s\n", "pair",
	       "fraglab", "kernel", "ratio", "fl cyc", "k cyc", "ops",
	       "target", "met");
	printf("%-40s %12s %12s %8s %9s %9s %8s  %-9s %s\n", "",
	       "ns/op", "ns/op", "fl/k", "/op", "/op", "", "(ratio)", "");
}

/* One row; target 0 means none. */
static void fc_bench_row(struct fc_bench_opts *o, const char *name,
			 double fl_ns, double k_ns, double fl_cyc,
			 double k_cyc, uint64_t ops, bool budget,
			 const char *cmp, double target)
{
	char ratio[16] = "-", kns[16] = "-", kcyc[16] = "-", tgt[16] = "-";
	char fcyc[16] = "-";
	const char *met = "-";
	double r;

	if (k_ns > 0) {
		r = fl_ns / k_ns;
		snprintf(ratio, sizeof(ratio), "%.2f", r);
		snprintf(kns, sizeof(kns), "%.1f", k_ns);
		if (k_cyc > 0)
			snprintf(kcyc, sizeof(kcyc), "%.0f", k_cyc);
		if (target > 0) {
			snprintf(tgt, sizeof(tgt), "%s %.2f", cmp, target);
			met = r <= target ? "met" : "NOT MET";
			if (r > target)
				o->missed++;
		}
	}
	if (fl_cyc > 0)
		snprintf(fcyc, sizeof(fcyc), "%.0f", fl_cyc);
	if (o->json) {
		printf("%s\n    {\"pair\": ", o->nr_rows++ ? "," : "");
		fc_bench_json_str(name);
		fc_bench_json_num("fraglab_ns", fl_ns, "%.1f");
		fc_bench_json_num("kernel_ns", k_ns, "%.1f");
		fc_bench_json_num("ratio", k_ns > 0 ? fl_ns / k_ns : 0, "%.3f");
		fc_bench_json_num("fraglab_cycles", fl_cyc, "%.0f");
		fc_bench_json_num("kernel_cycles", k_ns > 0 ? k_cyc : 0, "%.0f");
		printf(", \"ops\": %" PRIu64 ", \"budget_hit\": %s", ops,
		       budget ? "true" : "false");
		fc_bench_json_num("target_ratio", k_ns > 0 ? target : 0, "%.2f");
		printf(", \"met\": %s}", !strcmp(met, "-") ? "null" :
		       !strcmp(met, "met") ? "true" : "false");
		fflush(stdout);
		return;
	}
	printf("%-39s%c %12.1f %12s %8s %9s %9s %8" PRIu64 "  %-9s %s\n",
	       name, budget ? '*' : ' ', fl_ns, kns, ratio, fcyc, kcyc, ops,
	       tgt, met);
	fflush(stdout);
}

static int fc_bench_one(struct fc_ctx *c, struct fc_bench_opts *o,
			const char *name, uint32_t which, uint32_t param,
			uint32_t strategy, double target)
{
	struct fraglab_bench b;
	int ret;

	ret = fraglab_bench(&c->fl, which, param, strategy, o->iterations,
			    o->runs, &b);
	if (ret) {
		if (o->json)
			fc_bench_json_error(o, name, ret);
		else
			printf("%-40s error: %s\n", name, fraglab_strerror(ret));
		o->errors++;
		return ret;
	}
	o->flags_seen |= b.flags;
	fc_bench_row(o, name, b.fl_ps / 1000.0, b.kernel_ps / 1000.0,
		     b.fl_mcycles / 1000.0, b.kernel_mcycles / 1000.0,
		     b.kernel_ops && b.kernel_ops < b.fl_ops ? b.kernel_ops :
		     b.fl_ops, b.flags & FRAGLAB_BENCH_BUDGET_HIT, "<=",
		     target);
	return 0;
}

static double fc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fc_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Order-0 alloc+free pairs through single ioctls; ns per pair. */
static int fc_bench_ioctl_single(struct fc_ctx *c, unsigned int ops,
				 double *ns)
{
	struct fraglab_alloc a;
	double t0;
	unsigned int i;
	int ret;

	t0 = fc_now_ns();
	for (i = 0; i < ops; i++) {
		ret = fraglab_alloc(&c->fl, 0, 0, FRAGLAB_MT_UNMOVABLE, &a);
		if (ret)
			return ret;
		ret = fraglab_free(&c->fl, a.handle);
		if (ret)
			return ret;
	}
	*ns = (fc_now_ns() - t0) / ops;
	return 0;
}

/* The same pairs through FRAGLAB_IOC_BATCH, FC_BENCH_BATCH at a time. */
static int fc_bench_ioctl_batch(struct fc_ctx *c, unsigned int ops,
				double *ns)
{
	struct fraglab_alloc a[FC_BENCH_BATCH];
	struct fraglab_handle h[FC_BENCH_BATCH];
	unsigned int i, j;
	uint32_t done;
	double t0;
	int ret;

	/*
	 * Elements are built one by one as the single path builds its
	 * argument, so both sides do the same userspace work per element.
	 */
	t0 = fc_now_ns();
	for (i = 0; i < ops; i += FC_BENCH_BATCH) {
		for (j = 0; j < FC_BENCH_BATCH; j++)
			a[j] = (struct fraglab_alloc){
				.flags = FRAGLAB_ALLOC_BY_ORDER,
				.migratetype = FRAGLAB_MT_UNMOVABLE,
			};
		ret = fraglab_alloc_batch(&c->fl, a, FC_BENCH_BATCH, &done);
		if (ret)
			return ret;
		for (j = 0; j < FC_BENCH_BATCH; j++)
			h[j] = (struct fraglab_handle){ .handle = a[j].handle };
		ret = fraglab_free_batch(&c->fl, h, FC_BENCH_BATCH, &done);
		if (ret)
			return ret;
	}
	*ns = (fc_now_ns() - t0) / ops;
	return 0;
}

static void fc_bench_ioctl(struct fc_ctx *c, struct fc_bench_opts *o)
{
	double single[FC_BENCH_IOCTL_RUNS], batch[FC_BENCH_IOCTL_RUNS];
	unsigned int r, ops = FC_BENCH_IOCTL_OPS;
	uint64_t old_pcp = 0;
	char name[64] = "ioctl order-0 batch64 vs single";
	int ret = 0;

	ops -= ops % FC_BENCH_BATCH;
	if (o->pcp >= 0) {
		/* the device's per-CPU lists for this row only, then back */
		ret = fraglab_get(&c->fl, FRAGLAB_SET_PCP_HIGH, &old_pcp);
		if (!ret)
			ret = fraglab_set(&c->fl, FRAGLAB_SET_PCP_HIGH, o->pcp);
		snprintf(name, sizeof(name), "ioctl order-0 batch64 vs single, pcp %" PRId64,
			 o->pcp);
	}
	for (r = 0; r < FC_BENCH_IOCTL_RUNS && !ret; r++) {
		ret = fc_bench_ioctl_batch(c, ops, &batch[r]);
		if (!ret)
			ret = fc_bench_ioctl_single(c, ops, &single[r]);
	}
	if (o->pcp >= 0 && fraglab_set(&c->fl, FRAGLAB_SET_PCP_HIGH, old_pcp)) {
		fprintf(stderr, "fragctl: could not set the per-CPU lists back to high %" PRIu64
			" (fragctl pcp %" PRIu64 ")\n", old_pcp, old_pcp);
		o->errors++;
	}
	if (ret) {
		if (o->json)
			fc_bench_json_error(o, name, ret);
		else
			printf("%-40s error: %s\n", name, fraglab_strerror(ret));
		o->errors++;
		return;
	}
	qsort(single, FC_BENCH_IOCTL_RUNS, sizeof(double), fc_cmp_double);
	qsort(batch, FC_BENCH_IOCTL_RUNS, sizeof(double), fc_cmp_double);
	/* "fraglab" = batched, "kernel" = single: the ratio is batch/single */
	fc_bench_row(o, name, batch[FC_BENCH_IOCTL_RUNS / 2],
		     single[FC_BENCH_IOCTL_RUNS / 2], 0, 0, ops, false, "<=",
		     0.20);
}

static bool fc_bench_want(const struct fc_bench_opts *o, const char *what)
{
	return !o->only || !strcmp(o->only, what);
}

static int cmd_bench(struct fc_ctx *c, int argc, char **argv)
{
	static const unsigned int orders[] = { 0, 1, 3, 9 };
	static const unsigned int sizes[] = { 64, 256, 1024 };
	struct fc_bench_opts o = {
		.holes = { 1000, 100000 },
		.nr_holes = 2,
		.compact_mb = 16,
		.pcp = -1,
	};
	const char *v;
	char name[64];
	uint64_t n;
	unsigned int i, s;

	v = fc_opt(&argc, argv, "--iterations");
	if (v && (fc_parse_u64(v, &o.iterations) ||
		  o.iterations > FRAGLAB_BENCH_MAX_ITERS))
		return fc_usage("bad --iterations %s\n", v);
	v = fc_opt(&argc, argv, "--runs");
	if (v && (fc_parse_u64(v, &n) || !n || n > FRAGLAB_BENCH_MAX_RUNS))
		return fc_usage("bad --runs %s (1..%d)\n", v,
				FRAGLAB_BENCH_MAX_RUNS);
	if (v)
		o.runs = n;
	v = fc_opt(&argc, argv, "--compact-mb");
	if (v && (fc_parse_u64(v, &n) || n < 4 ||
		  n > FRAGLAB_BENCH_MAX_COMPACT_MB))
		return fc_usage("bad --compact-mb %s (4..%d)\n", v,
				FRAGLAB_BENCH_MAX_COMPACT_MB);
	if (v)
		o.compact_mb = n;
	v = fc_opt(&argc, argv, "--holes");
	if (v) {
		char *copy = strdup(v), *tok, *save = NULL;

		if (!copy)
			return fc_fail("strdup", -ENOMEM);
		o.nr_holes = 0;
		for (tok = strtok_r(copy, ",", &save); tok && o.nr_holes < 4;
		     tok = strtok_r(NULL, ",", &save)) {
			if (fc_parse_u64(tok, &n) || !n ||
			    n > FRAGLAB_BENCH_MAX_HOLES) {
				free(copy);
				return fc_usage("bad --holes %s\n", v);
			}
			o.holes[o.nr_holes++] = n;
		}
		free(copy);
	}
	v = fc_opt(&argc, argv, "--pcp");
	if (v) {
		if (fc_parse_u64(v, &n) || n > FRAGLAB_PCP_HIGH_MAX)
			return fc_usage("bad --pcp %s: the ioctl row's per-CPU list high mark, 0..%u\n",
					v, FRAGLAB_PCP_HIGH_MAX);
		o.pcp = (int64_t)n;
	}
	o.only = fc_opt(&argc, argv, "--only");
	if (argc > 1)
		return fc_usage("bench: unexpected argument %s\n", argv[1]);

	o.json = c->json;
	if (o.json) {
		printf("{\"iterations\": %" PRIu64 ", \"runs\": %u, \"rows\": [",
		       o.iterations ? o.iterations : 100000,
		       o.runs ? o.runs : 5);
	} else {
		printf("# fragctl bench: iterations %" PRIu64 ", runs %u (0 = module default: 100000, 5)\n",
		       o.iterations, o.runs);
		fc_bench_header();
	}
	if (fc_bench_want(&o, "buddy")) {
		/*
		 * The kernel serves orders 0..3 from its per-CPU lists: the
		 * comparable fraglab rows are those with its lists on.  The
		 * rows without them show what the lists save (no target).
		 */
		for (i = 0; i < 4; i++) {
			bool pcp_order = orders[i] <= FC_BENCH_PCP_MAX_ORDER;

			snprintf(name, sizeof(name), "buddy order %u%s vs alloc_pages",
				 orders[i], pcp_order ? " no pcp" : "");
			fc_bench_one(c, &o, name, FRAGLAB_BENCH_BUDDY,
				     orders[i], 0, pcp_order ? 0 : 1.0);
		}
		for (i = 0; i < 4 && orders[i] <= FC_BENCH_PCP_MAX_ORDER; i++) {
			snprintf(name, sizeof(name),
				 "buddy order %u pcp vs alloc_pages", orders[i]);
			fc_bench_one(c, &o, name, FRAGLAB_BENCH_BUDDY_PCP,
				     orders[i], 0, 1.0);
		}
	}
	if (fc_bench_want(&o, "slab"))
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name),
				 "slab %u B vs kmem_cache", sizes[i]);
			fc_bench_one(c, &o, name, FRAGLAB_BENCH_SLAB,
				     sizes[i], 0, 1.0);
		}
	if (fc_bench_want(&o, "bulk"))
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name),
				 "slab bulk%d %u B vs _bulk", FRAGLAB_BENCH_BULK,
				 sizes[i]);
			fc_bench_one(c, &o, name, FRAGLAB_BENCH_SLAB_BULK,
				     sizes[i], 0, 1.0);
		}
	if (fc_bench_want(&o, "fit"))
		for (i = 0; i < o.nr_holes; i++)
			for (s = 0; s < 4; s++) {
				snprintf(name, sizeof(name), "fit %s %u holes%s",
					 fc_fit_names[s], o.holes[i],
					 s == 0 || s == 2 ? " vs genalloc" : "");
				fc_bench_one(c, &o, name, FRAGLAB_BENCH_FIT,
					     o.holes[i], s, 0);
			}
	if (fc_bench_want(&o, "compact")) {
		snprintf(name, sizeof(name), "compaction %u MiB/page vs memcpy",
			 o.compact_mb);
		fc_bench_one(c, &o, name, FRAGLAB_BENCH_COMPACT, o.compact_mb,
			     0, 2.0);
	}
	if (fc_bench_want(&o, "ioctl"))
		fc_bench_ioctl(c, &o);

	if (o.json) {
		printf("\n  ], \"init_on_alloc\": %s, \"preempt_on\": %s, \"not_met\": %u, \"errors\": %u}\n",
		       o.flags_seen & FRAGLAB_BENCH_INIT_ON_ALLOC ? "true" : "false",
		       o.flags_seen & FRAGLAB_BENCH_PREEMPT_ON ? "true" : "false",
		       o.missed, o.errors);
		return o.errors ? 1 : 0;
	}
	printf("# buddy orders 0-3: \"pcp\" rows run a private buddy with per-CPU lists on (high 512, batch 63), as the kernel side has; \"no pcp\" rows run the device's arena as set (lists off by default): no target\n");
	printf("# targets (issue 9): ratio fraglab/kernel <= 1.00 for buddy and slab; compaction at >= 50%% of memcpy speed (time ratio <= 2.00); batched ioctl >= 5x single (time ratio <= 0.20)\n");
	printf("# * = a side hit the 1 s per-run budget (ops column: ops timed by the slower side)\n");
	printf("# kernel init_on_alloc: %s; preemption during loops: %s\n",
	       o.flags_seen & FRAGLAB_BENCH_INIT_ON_ALLOC ? "on (kernel side zeroes)" : "off",
	       o.flags_seen & FRAGLAB_BENCH_PREEMPT_ON ? "enabled (PREEMPT_RT)" : "disabled per chunk");
	printf("# %u rows not meeting their target, %u errors\n", o.missed,
	       o.errors);
	return o.errors ? 1 : 0;
}

const struct fc_cmd fc_cmds_bench[] = {
	{ "bench", "[--only buddy|slab|bulk|fit|compact|ioctl] [--iterations N] [--runs N] [--holes N,N] [--compact-mb N] [--pcp HIGH]",
	  "fraglab's allocators vs the kernel's, in-kernel pairs + ioctl path (root); --pcp: the ioctl row with the device's per-CPU lists at HIGH, set back afterwards; --json: one object with a row per pair (ns/op, cycles, ratio, target, met)",
	  cmd_bench, true },
	{ NULL }
};
