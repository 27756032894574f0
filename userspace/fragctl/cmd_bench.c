// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bench.c - fragctl bench: fraglab's allocators against the kernel's,
 * one table (docs/BENCHMARKS.md).
 *
 *   bench [--only buddy|pcp|slab|bulk|fit|compact|ioctl] [--iterations N]
 *         [--runs N] [--holes N,N] [--compact-mb N] [--pcp HIGH] [--icount]
 *
 * Every row but the last runs inside the kernel (FRAGLAB_IOC_BENCH, root):
 * both sides of a pair in the same call, the same loop shape and
 * preemption state, a warm-up run each, then --runs runs in ABBA order;
 * each side's median.  The ioctl row is timed here, from userspace:
 * order-0 alloc+free through one ioctl each vs through FRAGLAB_IOC_BATCH
 * in batches of FC_BENCH_BATCH, with a warm-up and ABBA order too; it
 * includes the handle table and fl_dev.lock, not zeroing (a block is
 * zeroed on its first fault, and the bench never maps its blocks).
 *
 * On a real machine the times are wall time, ns per op: each side's
 * median over the runs.  Under qemu with -icount shift=0 (make bench),
 * guest time counts guest instructions: --icount labels the columns so
 * (fragctl cannot tell by itself) and takes each side's minimum over the
 * runs instead, since there an interrupt or timer tick inside a run only
 * adds instructions to it (a tick in two of three runs moved a median by
 * 1.7%; the minimum is the work itself and repeats).
 *
 * Columns: fraglab and kernel per op, ratio fraglab/kernel, ops timed,
 * preemption during the loops, whether both sides zeroed (the kernel's
 * init_on_alloc), the target and whether it is met (ratio <= target).
 * Rows with a '*' hit the kernel module's 1 s per-run budget and timed
 * fewer ops.  Exit status: 0 when every row ran (met or not), 1 on an
 * error.  With --json the same rows come out as one JSON object (null
 * where a column is "-").
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
	const char *unit;	/* "ns" or "insns" (--icount) */
	bool min;		/* --icount: each side's minimum, not median */
	unsigned int errors;
	unsigned int missed;
	uint32_t flags_seen;
	unsigned int kernel_rows;	/* in-kernel rows that ran */
	bool json;
	unsigned int nr_rows;	/* JSON rows printed so far */
};

/*
 * One group of in-kernel rows: one FRAGLAB_BENCH_* pair over a list of
 * params (NULL: --holes, or --compact-mb), for each strategy up to
 * @nr_strategies (fit pools).  @target: the ratio fraglab/kernel to meet
 * (0: none), for rows where neither side zeroes (the kernel booted
 * init_on_alloc=0; docs/BENCHMARKS.md).
 */
struct fc_bench_group {
	const char *only;
	uint32_t which;
	const char *name;	/* printf: %u param, then %s strategy */
	const unsigned int *params;
	unsigned int nr_params;
	unsigned int nr_strategies;
	double target;
};

static const unsigned int fc_orders[] = { 0, 1, 3, 9 };
static const unsigned int fc_pcp_orders[] = { 0, 1, 2, 3 };
static const unsigned int fc_order9[] = { 9 };
static const unsigned int fc_sizes[] = { 64, 256, 1024 };

#define FC_PARAMS(a)	.params = (a), .nr_params = sizeof(a) / sizeof((a)[0])

static const struct fc_bench_group fc_bench_groups[] = {
	{ .only = "buddy", .which = FRAGLAB_BENCH_BUDDY,
	  .name = "buddy order %u vs alloc_pages", FC_PARAMS(fc_orders) },
	{ .only = "buddy", .which = FRAGLAB_BENCH_BUDDY_COMP,
	  .name = "buddy order %u vs alloc_pages(__GFP_COMP)",
	  FC_PARAMS(fc_order9) },
	{ .only = "pcp", .which = FRAGLAB_BENCH_BUDDY_PCP,
	  .name = "buddy order %u pcp vs alloc_pages",
	  FC_PARAMS(fc_pcp_orders), .target = 1.0 },
	{ .only = "slab", .which = FRAGLAB_BENCH_SLAB,
	  .name = "slab %u B vs kmem_cache", FC_PARAMS(fc_sizes),
	  .target = 1.0 },
	{ .only = "bulk", .which = FRAGLAB_BENCH_SLAB_BULK,
	  .name = "slab bulk16 %u B vs _bulk", FC_PARAMS(fc_sizes),
	  .target = 1.0 },
	{ .only = "fit", .which = FRAGLAB_BENCH_FIT,
	  .name = "fit %2$s %1$u holes", .nr_strategies = 4 },
	{ .only = "compact", .which = FRAGLAB_BENCH_COMPACT,
	  .name = "compaction %u MiB/page vs memcpy" },
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

static void fc_bench_error(struct fc_bench_opts *o, const char *name, int err)
{
	o->errors++;
	if (!o->json) {
		printf("%-44s error: %s\n", name, fraglab_strerror(err));
		return;
	}
	printf("%s\n    {\"pair\": ", o->nr_rows++ ? "," : "");
	fc_bench_json_str(name);
	printf(", \"error\": ");
	fc_bench_json_str(fraglab_strerror(err));
	printf(", \"errno\": %d}", -err);
}

static void fc_bench_header(const struct fc_bench_opts *o)
{
	char unit[16];

	snprintf(unit, sizeof(unit), "%s/op", o->unit);
	printf("%-44s %11s %11s %7s %8s %-4s %-4s %-7s %s\n", "pair",
	       "fraglab", "kernel", "ratio", "ops", "pre", "zero", "target",
	       "met");
	printf("%-44s %11s %11s %7s %8s %-4s %-4s %-7s %s\n", "", unit, unit,
	       "fl/k", "", "", "", "", "");
}

/*
 * One row; @r: the ratio (0: @fl / @k); @target 0 means none.  @flags:
 * FRAGLAB_BENCH_* of the pair (the ioctl row: 0).
 */
static void fc_bench_row(struct fc_bench_opts *o, const char *name,
			 double fl, double k, double r, uint64_t ops,
			 uint32_t flags, double target)
{
	char ratio[16] = "-", kstr[16] = "-", tgt[16] = "-";
	bool zero = flags & FRAGLAB_BENCH_FL_ZEROES;
	const char *met = "-";

	if (k > 0 && r <= 0)
		r = fl / k;

	/* the targets are for pairs where neither side zeroes */
	if (zero)
		target = 0;
	if (k > 0) {
		snprintf(ratio, sizeof(ratio), "%.3f", r);
		snprintf(kstr, sizeof(kstr), "%.1f", k);
		if (target > 0) {
			snprintf(tgt, sizeof(tgt), "<= %.2f", target);
			met = r <= target ? "met" : "NOT MET";
			if (r > target)
				o->missed++;
		}
	}
	if (o->json) {
		printf("%s\n    {\"pair\": ", o->nr_rows++ ? "," : "");
		fc_bench_json_str(name);
		printf(", \"unit\": \"%s\"", o->unit);
		fc_bench_json_num("fraglab", fl, "%.1f");
		fc_bench_json_num("kernel", k, "%.1f");
		fc_bench_json_num("ratio", r, "%.4f");
		printf(", \"ops\": %" PRIu64 ", \"budget_hit\": %s, \"preempt_on\": %s, \"zeroing\": %s",
		       ops, flags & FRAGLAB_BENCH_BUDGET_HIT ? "true" : "false",
		       flags & FRAGLAB_BENCH_PREEMPT_ON ? "true" : "false",
		       zero ? "true" : "false");
		fc_bench_json_num("target_ratio", k > 0 ? target : 0, "%.2f");
		printf(", \"met\": %s}", !strcmp(met, "-") ? "null" :
		       !strcmp(met, "met") ? "true" : "false");
		fflush(stdout);
		return;
	}
	printf("%-43s%c %11.1f %11s %7s %8" PRIu64 " %-4s %-4s %-7s %s\n",
	       name, flags & FRAGLAB_BENCH_BUDGET_HIT ? '*' : ' ', fl, kstr,
	       ratio, ops, flags & FRAGLAB_BENCH_PREEMPT_ON ? "on" : "off",
	       zero ? "yes" : "no", tgt, met);
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
		fc_bench_error(o, name, ret);
		return ret;
	}
	o->flags_seen |= b.flags;
	o->kernel_rows++;
	fc_bench_row(o, name, (o->min ? b.fl_min_ps : b.fl_ps) / 1000.0,
		     b.flags & FRAGLAB_BENCH_NO_KERNEL ? 0 :
		     (o->min ? b.kernel_min_ps : b.kernel_ps) / 1000.0,
		     0, b.kernel_ops && b.kernel_ops < b.fl_ops ? b.kernel_ops :
		     b.fl_ops, b.flags, target);
	return 0;
}

static void fc_bench_group(struct fc_ctx *c, struct fc_bench_opts *o,
			   const struct fc_bench_group *g)
{
	const unsigned int *params = g->params;
	unsigned int nr = g->nr_params, i, s;
	char name[80];
	size_t len;

	if (g->which == FRAGLAB_BENCH_FIT) {
		params = o->holes;
		nr = o->nr_holes;
	} else if (g->which == FRAGLAB_BENCH_COMPACT) {
		params = &o->compact_mb;
		nr = 1;
	}
	for (i = 0; i < nr; i++)
		for (s = 0; s < (g->nr_strategies ? g->nr_strategies : 1); s++) {
			snprintf(name, sizeof(name), g->name, params[i],
				 g->nr_strategies ? fc_fit_names[s] : "");
			len = strlen(name);
			/* genalloc has first and best fit */
			if (g->which == FRAGLAB_BENCH_FIT && (s == 0 || s == 2))
				snprintf(name + len, sizeof(name) - len,
					 " vs genalloc");
			fc_bench_one(c, o, name, g->which, params[i], s,
				     g->target);
		}
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

/*
 * Batched vs single: a warm-up of each, then FC_BENCH_IOCTL_RUNS runs in
 * ABBA order (batched first in even runs); the row shows the medians and
 * the median of the per-run ratios, or with --icount the minima and their
 * ratio.
 */
static void fc_bench_ioctl(struct fc_ctx *c, struct fc_bench_opts *o)
{
	double single[FC_BENCH_IOCTL_RUNS], batch[FC_BENCH_IOCTL_RUNS];
	double ratio[FC_BENCH_IOCTL_RUNS], warm;
	unsigned int ops = FC_BENCH_IOCTL_OPS, mid = FC_BENCH_IOCTL_RUNS / 2;
	uint64_t old_pcp = 0;
	char name[64] = "ioctl order-0 batch64 vs single";
	int r, ret = 0;

	ops -= ops % FC_BENCH_BATCH;
	if (o->pcp >= 0) {
		/* the device's per-CPU lists for this row only, then back */
		ret = fraglab_get(&c->fl, FRAGLAB_SET_PCP_HIGH, &old_pcp);
		if (!ret)
			ret = fraglab_set(&c->fl, FRAGLAB_SET_PCP_HIGH, o->pcp);
		snprintf(name, sizeof(name), "ioctl order-0 batch64 vs single, pcp %" PRId64,
			 o->pcp);
	}
	if (!ret)
		ret = fc_bench_ioctl_batch(c, ops, &warm);
	if (!ret)
		ret = fc_bench_ioctl_single(c, ops, &warm);
	for (r = 0; r < FC_BENCH_IOCTL_RUNS && !ret; r++) {
		if (r & 1) {
			ret = fc_bench_ioctl_single(c, ops, &single[r]);
			if (!ret)
				ret = fc_bench_ioctl_batch(c, ops, &batch[r]);
		} else {
			ret = fc_bench_ioctl_batch(c, ops, &batch[r]);
			if (!ret)
				ret = fc_bench_ioctl_single(c, ops, &single[r]);
		}
		if (!ret)
			ratio[r] = batch[r] / single[r];
	}
	if (o->pcp >= 0 && fraglab_set(&c->fl, FRAGLAB_SET_PCP_HIGH, old_pcp)) {
		fprintf(stderr, "fragctl: could not set the per-CPU lists back to high %" PRIu64
			" (fragctl pcp %" PRIu64 ")\n", old_pcp, old_pcp);
		o->errors++;
	}
	if (ret) {
		fc_bench_error(o, name, ret);
		return;
	}
	qsort(single, FC_BENCH_IOCTL_RUNS, sizeof(double), fc_cmp_double);
	qsort(batch, FC_BENCH_IOCTL_RUNS, sizeof(double), fc_cmp_double);
	qsort(ratio, FC_BENCH_IOCTL_RUNS, sizeof(double), fc_cmp_double);
	/* "fraglab" = batched, "kernel" = single */
	if (o->min)
		fc_bench_row(o, name, batch[0], single[0], batch[0] / single[0],
			     ops, 0, 0.20);
	else
		fc_bench_row(o, name, batch[mid], single[mid], ratio[mid], ops,
			     0, 0.20);
}

/*
 * init_on_alloc as the kernel command line sets it (the module's flag
 * says what the kernel does; this says why): "init_on_alloc=N" from
 * /proc/cmdline, or "not on the command line" (CONFIG_INIT_ON_ALLOC_DEFAULT_ON
 * decides then).
 */
static void fc_bench_cmdline_init(char *out, size_t len)
{
	char line[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");

	snprintf(out, len, "not on the command line (CONFIG_INIT_ON_ALLOC_DEFAULT_ON decides)");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		for (p = strstr(line, "init_on_alloc="); p;
		     p = strstr(p + 1, "init_on_alloc="))
			if (p == line || p[-1] == ' ')
				snprintf(out, len, "/proc/cmdline has init_on_alloc=%.*s",
					 (int)strcspn(p + 14, " \n"), p + 14);
	}
	fclose(f);
}

static bool fc_bench_want(const struct fc_bench_opts *o, const char *what)
{
	return !o->only || !strcmp(o->only, what);
}

static int fc_bench_parse_holes(struct fc_bench_opts *o, const char *v)
{
	char *copy = strdup(v), *tok, *save = NULL;
	uint64_t n;

	if (!copy)
		return -ENOMEM;
	o->nr_holes = 0;
	for (tok = strtok_r(copy, ",", &save); tok && o->nr_holes < 4;
	     tok = strtok_r(NULL, ",", &save)) {
		if (fc_parse_u64(tok, &n) || !n || n > FRAGLAB_BENCH_MAX_HOLES) {
			free(copy);
			return -EINVAL;
		}
		o->holes[o->nr_holes++] = n;
	}
	free(copy);
	return o->nr_holes ? 0 : -EINVAL;
}

static int cmd_bench(struct fc_ctx *c, int argc, char **argv)
{
	struct fc_bench_opts o = {
		.holes = { 1000, 100000 },
		.nr_holes = 2,
		.compact_mb = 16,
		.pcp = -1,
		.unit = "ns",
	};
	char init_src[128];
	const char *v;
	uint64_t n;
	unsigned int i;
	bool zeroed;

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
	if (v && fc_bench_parse_holes(&o, v))
		return fc_usage("bad --holes %s\n", v);
	v = fc_opt(&argc, argv, "--pcp");
	if (v) {
		if (fc_parse_u64(v, &n) || n > FRAGLAB_PCP_HIGH_MAX)
			return fc_usage("bad --pcp %s: the ioctl row's per-CPU list high mark, 0..%u\n",
					v, FRAGLAB_PCP_HIGH_MAX);
		o.pcp = (int64_t)n;
	}
	if (fc_flag(&argc, argv, "--icount")) {
		o.unit = "insns";
		o.min = true;
	}
	o.only = fc_opt(&argc, argv, "--only");
	if (argc > 1)
		return fc_usage("bench: unexpected argument %s\n", argv[1]);

	if (o.min && c->fl.version.api_minor < 4)
		return fc_usage("bench --icount: the loaded module (ABI %u.%u) reports no minima; it needs ABI 1.4\n",
				c->fl.version.api_major, c->fl.version.api_minor);
	o.json = c->json;
	fc_bench_cmdline_init(init_src, sizeof(init_src));
	if (o.json) {
		printf("{\"iterations\": %" PRIu64 ", \"runs\": %u, \"unit\": \"%s\", \"statistic\": \"%s\", \"rows\": [",
		       o.iterations ? o.iterations : 100000,
		       o.runs ? o.runs : 5, o.unit, o.min ? "min" : "median");
	} else {
		printf("# fragctl bench: iterations %" PRIu64 ", runs %u (0 = module default: 100000, 5); unit: %s; each side's %s over the runs\n",
		       o.iterations, o.runs,
		       !strcmp(o.unit, "ns") ? "wall-clock ns per op" :
		       "guest instructions per op (qemu -icount shift=0: 1 ns = 1 instruction)",
		       o.min ? "minimum (icount: interference only adds)" : "median");
		fc_bench_header(&o);
	}
	for (i = 0; i < sizeof(fc_bench_groups) / sizeof(fc_bench_groups[0]); i++)
		if (fc_bench_want(&o, fc_bench_groups[i].only))
			fc_bench_group(c, &o, &fc_bench_groups[i]);
	if (fc_bench_want(&o, "ioctl"))
		fc_bench_ioctl(c, &o);

	zeroed = o.flags_seen & FRAGLAB_BENCH_INIT_ON_ALLOC;
	if (o.json) {
		printf("\n  ], \"init_on_alloc\": %s, \"init_on_alloc_source\": ",
		       o.kernel_rows ? (zeroed ? "true" : "false") : "null");
		fc_bench_json_str(init_src);
		printf(", \"not_met\": %u, \"errors\": %u}\n", o.missed,
		       o.errors);
		return o.errors ? 1 : 0;
	}
	printf("# kernel init_on_alloc: %s (%s)%s\n",
	       !o.kernel_rows ? "unknown (no in-kernel row ran)" :
	       zeroed ? "on: the kernel zeroes what it allocates, and the fraglab side zeroes the same bytes (zero = yes)" :
	       "off: neither side zeroes", init_src,
	       zeroed ? "; targets apply to rows without zeroing only" : "");
	printf("# pre: preemption during the timed loops, the same for both sides (on: a side may sleep, or PREEMPT_RT)\n");
	printf("# buddy order N: the device's arena, its per-CPU lists as set (off by default): no target; pcp rows: a private buddy with lists on (high 512, batch 63), as the kernel has for orders 0-3\n");
	printf("# targets: ratio <= 1.00 for buddy pcp and slab rows, <= 0.20 for the batched ioctl (%s); compaction and fit pools are judged natively (tests/bench)\n",
	       o.min ? "ratio of the minima" : "per-run ratios' median");
	if (!strcmp(o.unit, "insns"))
		printf("# icount: a rep string instruction counts once per iteration, so zeroing and copying (zero = yes rows, compaction vs memcpy) are over-weighted: compare those natively\n");
	printf("# * = a side hit the 1 s per-run budget (ops column: ops timed by the slower side)\n");
	printf("# %u rows not meeting their target, %u errors\n", o.missed,
	       o.errors);
	return o.errors ? 1 : 0;
}

const struct fc_cmd fc_cmds_bench[] = {
	{ "bench", "[--only buddy|pcp|slab|bulk|fit|compact|ioctl] [--iterations N] [--runs N] [--holes N,N] [--compact-mb N] [--pcp HIGH] [--icount]",
	  "fraglab's allocators vs the kernel's, in-kernel pairs + ioctl path (root): per-op wall time, the kernel's init_on_alloc state; --pcp: the ioctl row with the device's per-CPU lists at HIGH, set back afterwards; --icount: label the times as guest instructions (qemu -icount shift=0) and take each side's minimum over the runs; --json: one object with a row per pair",
	  cmd_bench, true },
	{ NULL }
};
