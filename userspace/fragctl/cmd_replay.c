// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_replay.c - fragctl replay: run a heap trace (libfragtrace.so) through
 * fraglab's allocators and compare the strategies in one table.
 *
 *   fragctl replay TRACE [--sim] [--strategy S|all] [--arena SIZE]
 *                  [--max-order N] [--no-grouping] [--series FILE.csv|.json]
 *                  [--svg FILE]
 *
 * --sim replays through the core compiled into fragctl (replay_sim.c);
 * without it through /dev/fraglab (replay_kernel.c).  docs/WORKLOADS.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fragctl.h"
#include "replay.h"
#include "replay_alloc.h"
#include "replay_fc.h"

struct rp_opts {
	const char *trace;
	bool sim;
	bool all;
	int strategy;
	struct rp_sim_cfg cfg;
	const char *series;
	const char *svg;
	bool tty;
};

/* The unit (shift 20, 10 or 0) bytes up to @max are shown in. */
static unsigned int rp_unit(uint64_t max)
{
	return max >= (1ULL << 20) ? 20 : max >= (1ULL << 10) ? 10 : 0;
}

/* @b in the unit @shift: one unit for a whole table column. */
static const char *rp_size_in(uint64_t b, unsigned int shift, char *buf,
			      size_t len)
{
	if (shift)
		snprintf(buf, len, "%.1f %ciB", (double)b / (1ULL << shift),
			 shift == 20 ? 'M' : 'K');
	else
		snprintf(buf, len, "%" PRIu64 " B", b);
	return buf;
}

static const char *rp_size(uint64_t b, char *buf, size_t len)
{
	return rp_size_in(b, rp_unit(b), buf, len);
}

static void rp_progress(void *arg, const char *name, uint64_t done,
			uint64_t total)
{
	unsigned int pct = total ? (unsigned int)(done * 100 / total) : 100;

	fprintf(stderr, "\rreplaying %-10s %3u%%%s", name, pct,
		done == total ? "\r                         \r" : "");
	fflush(stderr);
}

static bool rp_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int rp_parse_opts(int argc, char **argv, struct rp_opts *o)
{
	const char *strat, *arena, *maxo, *ranges;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->sim = fc_flag(&argc, argv, "--sim");
	o->cfg.grouping = !fc_flag(&argc, argv, "--no-grouping");
	strat = fc_opt(&argc, argv, "--strategy");
	arena = fc_opt(&argc, argv, "--arena");
	ranges = fc_opt(&argc, argv, "--ranges");
	maxo = fc_opt(&argc, argv, "--max-order");
	o->series = fc_opt(&argc, argv, "--series");
	o->svg = fc_opt(&argc, argv, "--svg");
	if (argc != 2)
		return fc_usage(argc < 2 ? "replay needs a trace file" :
				"replay takes one trace file, not '%s'",
				argc < 2 ? "" : argv[2]);
	o->trace = argv[1];
	if (!strat || !strcmp(strat, "all")) {
		o->all = true;
	} else {
		o->strategy = rp_strategy_parse(strat);
		if (o->strategy < 0)
			return fc_usage("unknown strategy '%s': use buddy, slab, first-fit, next-fit, best-fit, worst-fit or all",
					strat);
	}
	o->cfg.arena_bytes = 64ULL << 20;
	if (arena) {
		if (fc_parse_size(arena, &v) || v < (4ULL << 20) ||
		    v > (16ULL << 30))
			return fc_usage("arena size '%s' is not a size between 4M and 16G",
					arena);
		o->cfg.arena_bytes = v & ~4095ULL;
	}
	if (ranges) {
		char *copy = strdup(ranges), *tok, *save = NULL;
		uint64_t sum = 0;

		if (!copy)
			return fc_fail("--ranges", -ENOMEM);
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (o->cfg.nr_ranges >= RP_MAX_RANGES ||
			    fc_parse_size(tok, &v) || !v || v % 4096 ||
			    v > (16ULL << 30)) {
				free(copy);
				return fc_usage("--ranges takes up to %d sizes, multiples of 4K, separated by commas, not '%s'",
						RP_MAX_RANGES, ranges);
			}
			o->cfg.range_pages[o->cfg.nr_ranges++] = v / 4096;
			sum += v;
		}
		free(copy);
		if (!o->sim || !o->cfg.nr_ranges || sum < (4ULL << 20) ||
		    sum > (16ULL << 30) || (arena && sum != o->cfg.arena_bytes))
			return fc_usage("--ranges is for --sim: sizes adding up to 4M..16G (and to --arena, if given)");
		o->cfg.arena_bytes = sum;
	}
	o->cfg.max_order = 10;
	if (maxo) {
		if (fc_parse_u64(maxo, &v) || v > 10)
			return fc_usage("max order '%s' is not a number from 0 to 10",
					maxo);
		o->cfg.max_order = (uint32_t)v;
	}
	if (o->series && !rp_ends_with(o->series, ".csv") &&
	    !rp_ends_with(o->series, ".json"))
		return fc_usage("the series file must end in .csv or .json, not '%s'",
				o->series);
	/*
	 * The \r progress line only where a terminal redraws it: not into
	 * files and pipes, nor a serial console logged to a file (the box
	 * sets TERM=dumb there).
	 */
	o->tty = isatty(STDERR_FILENO) && getenv("TERM") &&
		 strcmp(getenv("TERM"), "dumb");
	return 0;
}

static void rp_print_trace(const struct fc_ctx *c, const struct rp_opts *o,
			   const struct rp_trace *t)
{
	char b1[32], b2[32];

	if (c->json)
		return;
	printf("trace %s: %zu operations (%" PRIu64 " allocations + %" PRIu64 " frees) from %" PRIu64 " events (%" PRIu64 " reallocs), peak live %s, largest request %s\n",
	       o->trace, t->nr_ops, t->allocs, t->frees, t->events, t->reallocs,
	       rp_size(t->peak_live_bytes, b1, sizeof(b1)),
	       rp_size(t->max_size, b2, sizeof(b2)));
	if (t->unmatched_frees || t->failed_in_trace || t->live_at_end)
		printf("  ignored: %" PRIu64 " frees of unknown blocks, %" PRIu64 " failed calls; %" PRIu64 " blocks never freed\n",
		       t->unmatched_frees, t->failed_in_trace, t->live_at_end);
	printf("replay: %s, arena %s, max order %u, grouping %s\n",
	       o->sim ? "simulation (--sim)" : "kernel (/dev/fraglab)",
	       rp_size(o->cfg.arena_bytes, b1, sizeof(b1)), o->cfg.max_order,
	       o->cfg.grouping ? "on" : "off");
}

static void rp_print_table(const struct rp_result *r, unsigned int n)
{
	uint64_t max_foot = 0, max_largest = 0;
	unsigned int i, u_foot, u_largest;
	char b1[32], b2[32];

	for (i = 0; i < n; i++) {
		if (r[i].peak_footprint > max_foot)
			max_foot = r[i].peak_footprint;
		if (r[i].min_largest_free > max_largest)
			max_largest = r[i].min_largest_free;
	}
	u_foot = rp_unit(max_foot);
	u_largest = rp_unit(max_largest);

	printf("\n%-10s %12s %9s %9s %9s %12s %9s %9s %12s\n", "strategy",
	       "peak foot", "int frag", "ext mean", "ext peak", "min largest",
	       "failures", "frag fail", "ops/s");
	for (i = 0; i < n; i++)
		printf("%-10s %12s %8.1f%% %8.1f%% %8.1f%% %12s %9" PRIu64 " %9" PRIu64 " %12.0f\n",
		       r[i].name,
		       rp_size_in(r[i].peak_footprint, u_foot, b1, sizeof(b1)),
		       r[i].internal_permille / 10.0,
		       r[i].ext_mean_permille / 10.0,
		       r[i].ext_peak_permille / 10.0,
		       rp_size_in(r[i].min_largest_free, u_largest, b2, sizeof(b2)),
		       r[i].failures, r[i].failures_fragmented,
		       r[i].ops_per_sec);
	printf("\npeak foot: most arena bytes held (pools: highest end offset); int frag: time-weighted\n"
	       "(granted - requested) / granted; ext: 1 - largest free block / min(free, biggest block\n"
	       "possible); frag fail: failures with enough free bytes but no block big enough.\n"
	       "Time = operations. Details: docs/WORKLOADS.md.\n");
}

static void rp_print_json(const struct rp_opts *o, const struct rp_trace *t,
			  const struct rp_result *r, unsigned int n)
{
	unsigned int i;

	printf("{\"trace\": {\"path\": \"%s\", \"events\": %" PRIu64 ", \"allocs\": %" PRIu64 ", \"frees\": %" PRIu64 ", \"reallocs\": %" PRIu64 ", \"unmatched_frees\": %" PRIu64 ", \"failed_in_trace\": %" PRIu64 ", \"live_at_end\": %" PRIu64 ", \"peak_live_bytes\": %" PRIu64 "},\n",
	       o->trace, t->events, t->allocs, t->frees, t->reallocs,
	       t->unmatched_frees, t->failed_in_trace, t->live_at_end,
	       t->peak_live_bytes);
	printf(" \"mode\": \"%s\", \"arena_bytes\": %" PRIu64 ", \"max_order\": %u, \"grouping\": %s,",
	       o->sim ? "sim" : "kernel", o->cfg.arena_bytes,
	       o->cfg.max_order, o->cfg.grouping ? "true" : "false");
	if (o->cfg.nr_ranges) {
		printf(" \"range_pages\": [");
		for (i = 0; i < o->cfg.nr_ranges; i++)
			printf("%s%u", i ? ", " : "", o->cfg.range_pages[i]);
		printf("],");
	}
	printf("\n \"results\": [");
	for (i = 0; i < n; i++)
		printf("%s\n  {\"strategy\": \"%s\", \"ops\": %" PRIu64 ", \"peak_footprint\": %" PRIu64 ", \"peak_requested\": %" PRIu64 ", \"peak_granted\": %" PRIu64 ", \"internal_frag_permille\": %u, \"ext_frag_mean_permille\": %u, \"ext_frag_peak_permille\": %u, \"min_largest_free\": %" PRIu64 ", \"failures\": %" PRIu64 ", \"failures_fragmented\": %" PRIu64 ", \"seconds\": %.6f, \"ops_per_sec\": %.0f}",
		       i ? "," : "", r[i].name, r[i].ops, r[i].peak_footprint,
		       r[i].peak_requested, r[i].peak_granted,
		       r[i].internal_permille, r[i].ext_mean_permille,
		       r[i].ext_peak_permille, r[i].min_largest_free,
		       r[i].failures, r[i].failures_fragmented, r[i].seconds,
		       r[i].ops_per_sec);
	printf("\n]}\n");
}

static int rp_backend_for(struct fc_ctx *c, const struct rp_opts *o,
			  int strategy, const struct rp_trace *t,
			  struct rp_backend *b)
{
	int ret;

	if (o->sim)
		ret = rp_sim_backend(strategy, &o->cfg, t->nr_slots, b);
	else
		ret = rp_kernel_backend(&c->fl, strategy, t->nr_slots, b);
	if (ret == -EOPNOTSUPP)
		fprintf(stderr, "fragctl: replay %s: this fraglab has no fit pool ioctls yet; use --sim for the fit strategies\n",
			rp_strategy_names[strategy]);
	else if (ret)
		fc_fail(rp_strategy_names[strategy], ret);
	return ret;
}

static int rp_open_series(const struct rp_opts *o, struct rp_series *s,
			  const struct rp_trace *t)
{
	memset(s, 0, sizeof(*s));
	s->every = t->nr_ops / 2000 ? t->nr_ops / 2000 : 1;
	s->first = true;
	if (o->svg) {
		s->svg_cap = 2100;
		s->pts = calloc(s->svg_cap, sizeof(*s->pts));
		if (!s->pts)
			return -ENOMEM;
	}
	if (!o->series)
		return 0;
	s->f = fopen(o->series, "w");
	if (!s->f) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", o->series,
			strerror(errno));
		return -errno;
	}
	s->json = rp_ends_with(o->series, ".json");
	if (s->json)
		fputs("[", s->f);
	else
		fputs("strategy,op,requested,granted,footprint,free,largest_free,ext_frag_permille,failures\n",
		      s->f);
	return 0;
}

static bool rp_has_opt(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], name, len) &&
		    (!argv[i][len] || argv[i][len] == '='))
			return true;
	return false;
}

/*
 * Without --arena, the simulated arena fits the trace: the smallest power
 * of two >= 2 x its peak live bytes (room for rounding and fragmentation),
 * at least 64 MiB, at most 16 GiB.  A module arena cannot grow: warn.
 */
static void rp_fit_arena(struct rp_opts *o, const struct rp_trace *t,
			 bool arena_given)
{
	uint64_t want = 64ULL << 20;
	char b1[32], b2[32];

	while (want < 2 * t->peak_live_bytes && want < (16ULL << 30))
		want <<= 1;
	if (o->sim && !arena_given && !o->cfg.nr_ranges &&
	    want > o->cfg.arena_bytes) {
		fprintf(stderr, "fragctl: replay: arena %s to fit the trace's peak live %s (--arena to choose)\n",
			rp_size(want, b1, sizeof(b1)),
			rp_size(t->peak_live_bytes, b2, sizeof(b2)));
		o->cfg.arena_bytes = want;
	} else if (t->peak_live_bytes > o->cfg.arena_bytes) {
		fprintf(stderr, "fragctl: replay: the trace's peak live %s does not fit the %s arena: allocations will fail; %s\n",
			rp_size(t->peak_live_bytes, b1, sizeof(b1)),
			rp_size(o->cfg.arena_bytes, b2, sizeof(b2)),
			o->sim ? "use --arena" : "load the module with a bigger arena or use --sim");
	}
}

static int rp_replay(struct fc_ctx *c, int argc, char **argv)
{
	struct rp_result res[RP_NR_STRATEGIES];
	struct ra_result ares[RA_NR];
	struct rp_svg svg = { 0 };
	struct rp_series s;
	struct rp_trace t;
	struct rp_opts o;
	char err[256];
	unsigned int n = 0, an = 0, amask = 0;
	int first, last, i, ret;
	const char *alloc = fc_opt(&argc, argv, "--allocator");
	bool arena_given = rp_has_opt(argc, argv, "--arena");
	bool strategies = !alloc || rp_has_opt(argc, argv, "--strategy");

	if (alloc && ra_parse(alloc, &amask))
		return fc_usage("unknown allocator in '%s': use glibc, jemalloc, tcmalloc, mimalloc or all",
				alloc);
	ret = rp_parse_opts(argc, argv, &o);
	if (ret)
		return ret;
	if (!strategies) {
		ret = rp_trace_load(o.trace, &t, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "fragctl: %s\n", err);
			rp_trace_free(&t);
			return 1;
		}
		ret = ra_run(&t, amask, ares, &an);
		if (!ret && c->json) {
			printf("{\"trace\": ");
			fc_json_str(o.trace);
			printf(", \"events\": %" PRIu64 ", \"allocators\": ", t.events);
			ra_print_json(ares, an);
			printf("}\n");
		} else if (!ret) {
			printf("trace %s: %" PRIu64 " events, %" PRIu64 " allocations, %" PRIu64 " frees, %" PRIu64 " reallocs\n",
			       o.trace, t.events, t.allocs, t.frees, t.reallocs);
			ra_print(ares, an, NULL, 0);
		}
		rp_trace_free(&t);
		return ret ? 1 : 0;
	}
	if (!o.sim) {
		ret = fc_open(c);
		if (ret)
			return ret;
		ret = rp_kernel_arena(&c->fl, &o.cfg);
		if (ret)
			return fc_fail("arena", ret);
	}
	ret = rp_trace_load(o.trace, &t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fragctl: %s\n", err);
		rp_trace_free(&t);
		return 1;
	}
	rp_fit_arena(&o, &t, arena_given);
	rp_print_trace(c, &o, &t);
	ret = rp_open_series(&o, &s, &t);
	if (ret) {
		rp_trace_free(&t);
		return 1;
	}
	first = o.all ? 0 : o.strategy;
	last = o.all ? RP_NR_STRATEGIES - 1 : o.strategy;
	for (i = first; i <= last; i++) {
		struct rp_backend b;

		ret = rp_backend_for(c, &o, i, &t, &b);
		if (ret == -EOPNOTSUPP && o.all) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		s.nr_pts = 0;
		ret = rp_run(&t, &b, &res[n], &s, o.tty ? rp_progress : NULL,
			     NULL);
		b.destroy(b.priv);
		if (ret) {
			fc_fail(rp_strategy_names[i], ret);
			break;
		}
		if (o.svg)
			rp_svg_add(&svg, res[n].name, s.pts, s.nr_pts);
		n++;
	}
	if (s.f) {
		if (s.json)
			fputs("\n]\n", s.f);
		fclose(s.f);
	}
	if (!ret && o.svg) {
		char b1[32];

		svg.nr_ops = t.nr_ops;
		snprintf(svg.caption, sizeof(svg.caption),
			 "%s, arena %s, max order %u, grouping %s",
			 o.sim ? "simulation (--sim)" : "kernel (/dev/fraglab)",
			 rp_size(o.cfg.arena_bytes, b1, sizeof(b1)),
			 o.cfg.max_order, o.cfg.grouping ? "on" : "off");
		ret = rp_svg_write(&svg, o.svg, o.trace) ? 1 : 0;
	}
	rp_svg_free(&svg);
	free(s.pts);
	if (!ret && alloc)
		ret = ra_run(&t, amask, ares, &an);
	if (n) {
		if (c->json)
			rp_print_json(&o, &t, res, n);
		else
			rp_print_table(res, n);
	}
	if (an && c->json) {
		printf("{\"allocators\": ");
		ra_print_json(ares, an);
		printf("}\n");
	} else if (an) {
		ra_print(ares, an, res, n);
	}
	rp_trace_free(&t);
	return ret ? 1 : 0;
}

const struct fc_cmd fc_cmds_replay[] = {
	{ "replay", "TRACE [--sim] [--strategy buddy|slab|first-fit|next-fit|best-fit|worst-fit|all] [--allocator glibc,jemalloc,tcmalloc,mimalloc|all] [--arena SIZE] [--ranges SIZE,SIZE...] [--max-order N] [--no-grouping] [--series FILE.csv|FILE.json] [--svg FILE]",
	  "replay a libfragtrace.so heap trace through fraglab's allocators (default: all strategies, through /dev/fraglab; --sim: through the core built into fragctl, arena 64M unless --arena; --ranges: an arena of that many physically separate ranges, as the kernel replay's note prints for a module arena that is not contiguous) and compare footprint, fragmentation and failures; --allocator: the same trace through the real malloc libraries, one process each with the library preloaded (peak RSS, RSS at end, live bytes, RSS/live ratio, time); alone it needs no module, with --strategy both tables. Without --arena a --sim arena grows to fit the trace's peak live bytes",
	  rp_replay, false },
	{ NULL },
};
