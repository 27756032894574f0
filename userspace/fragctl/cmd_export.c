// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_export.c - pictures and exports:
 *   fragctl export --prometheus [--output FILE]   node_exporter textfile
 *   fragctl map --svg FILE [--trace T --strategy S --at N]  arena picture
 *   replay --svg (rp_svg_*): footprint and fragmentation over time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "fl_buddy.h"
#include "fl_metrics.h"
#include "fragctl.h"
#include "replay_fc.h"
#include "sysinfo.h"

/* ---- replay --svg ------------------------------------------------------ */

static const char *const rp_colours[RP_NR_STRATEGIES] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
};

int rp_svg_add(struct rp_svg *svg, const char *name,
	       const struct rp_point *pts, size_t nr)
{
	struct rp_point *copy;

	if (svg->nr >= RP_NR_STRATEGIES)
		return -ENOSPC;
	copy = malloc((nr ? nr : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, pts, nr * sizeof(*copy));
	snprintf(svg->lines[svg->nr].name, sizeof(svg->lines[0].name), "%s",
		 name);
	svg->lines[svg->nr].pts = copy;
	svg->lines[svg->nr].nr = nr;
	svg->nr++;
	return 0;
}

void rp_svg_free(struct rp_svg *svg)
{
	unsigned int i;

	for (i = 0; i < svg->nr; i++)
		free(svg->lines[i].pts);
	svg->nr = 0;
}

static void rp_svg_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

/* One panel: y = value(point) scaled to ymax, x = op. */
static void rp_svg_panel(FILE *f, const struct rp_svg *svg, int top,
			 const char *label, double ymax, uint64_t xmax,
			 bool ext)
{
	const int left = 70, w = 760, h = 220;
	unsigned int i;
	size_t j;

	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>\n",
		left, top, w, h);
	fprintf(f, "<text x='%d' y='%d' font-size='13'>%s</text>\n", left,
		top - 6, label);
	fprintf(f, "<text x='%d' y='%d' font-size='11' text-anchor='end'>%.4g</text>\n",
		left - 4, top + 10, ext ? ymax : ymax / 1048576.0);
	fprintf(f, "<text x='%d' y='%d' font-size='11' text-anchor='end'>0</text>\n",
		left - 4, top + h);
	for (i = 0; i < svg->nr; i++) {
		fprintf(f, "<polyline fill='none' stroke-width='1.5' stroke='%s' points='",
			rp_colours[i % RP_NR_STRATEGIES]);
		for (j = 0; j < svg->lines[i].nr; j++) {
			const struct rp_point *p = &svg->lines[i].pts[j];
			double v = ext ? p->ext_permille / 10.0 :
					 (double)p->footprint;
			double x = left + (xmax ? (double)p->op * w / xmax : 0);
			double y = top + h - (ymax > 0 ? v * h / ymax : 0);

			fprintf(f, "%.1f,%.1f ", x, y);
		}
		fputs("'/>\n", f);
	}
}

int rp_svg_write(const struct rp_svg *svg, const char *path,
		 const char *title)
{
	uint64_t xmax = 1, fmax = 1;
	unsigned int i;
	size_t j;
	FILE *f;

	for (i = 0; i < svg->nr; i++)
		for (j = 0; j < svg->lines[i].nr; j++) {
			const struct rp_point *p = &svg->lines[i].pts[j];

			if (p->op > xmax)
				xmax = p->op;
			if (p->footprint > fmax)
				fmax = p->footprint;
		}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' width='900' height='620' font-family='sans-serif'>\n"
		"<rect width='100%%' height='100%%' fill='white'/>\n"
		"<text x='70' y='24' font-size='15'>fragctl replay: ");
	rp_svg_escape(f, title);
	fprintf(f, "</text>\n");
	rp_svg_panel(f, svg, 60, "footprint (MiB) over operations", (double)fmax,
		     xmax, false);
	rp_svg_panel(f, svg, 340, "external fragmentation (%) over operations",
		     100.0, xmax, true);
	for (i = 0; i < svg->nr; i++) {
		fprintf(f, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>",
			70 + i * 130, 585, rp_colours[i % RP_NR_STRATEGIES]);
		fprintf(f, "<text x='%d' y='%d' font-size='12'>%s</text>\n",
			86 + i * 130, 596, svg->lines[i].name);
	}
	fprintf(f, "<text x='830' y='580' font-size='11' text-anchor='end'>operations: %" PRIu64 "</text>\n</svg>\n",
		xmax);
	if (fclose(f)) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return -EIO;
	}
	return 0;
}

/* ---- export --prometheus ----------------------------------------------- */

static void px_help(FILE *f, const char *name, const char *type,
		    const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void px_system(FILE *f, const struct fc_sys *s)
{
	unsigned int z, o, i;
	uint64_t slab = 0, waste = 0;

	px_help(f, "fraglab_system_buddyinfo_blocks", "gauge",
		"Free blocks per order from /proc/buddyinfo (like node_exporter's node_buddyinfo_blocks; size is the order).");
	for (z = 0; z < s->nr_zones; z++)
		for (o = 0; o < s->zones[z].nr_orders; o++)
			fprintf(f, "fraglab_system_buddyinfo_blocks{node=\"%d\",zone=\"%s\",size=\"%u\"} %" PRIu64 "\n",
				s->zones[z].node, s->zones[z].zone, o,
				s->zones[z].nr_free[o]);
	px_help(f, "fraglab_system_free_bytes", "gauge",
		"Free memory per zone from /proc/buddyinfo.");
	for (z = 0; z < s->nr_zones; z++)
		fprintf(f, "fraglab_system_free_bytes{node=\"%d\",zone=\"%s\"} %" PRIu64 "\n",
			s->zones[z].node, s->zones[z].zone,
			s->zones[z].free_pages * s->page_size);
	px_help(f, "fraglab_system_unusable_index", "gauge",
		"Fraction of free memory in blocks too small for the order (mm/vmstat.c unusable_free_index, 0..1).");
	for (z = 0; z < s->nr_zones; z++)
		fprintf(f, "fraglab_system_unusable_index{node=\"%d\",zone=\"%s\",order=\"9\"} %.3f\n",
			s->zones[z].node, s->zones[z].zone,
			s->zones[z].unusable_9 / 1000.0);
	px_help(f, "fraglab_system_fragmentation_index", "gauge",
		"Kernel fragmentation index for the order (extfrag_index: near 1 = failure due to fragmentation, near 0 = lack of memory, -1 = would succeed).");
	for (z = 0; z < s->nr_zones; z++)
		fprintf(f, "fraglab_system_fragmentation_index{node=\"%d\",zone=\"%s\",order=\"9\"} %.3f\n",
			s->zones[z].node, s->zones[z].zone,
			s->zones[z].fragindex_9 / 1000.0);
	px_help(f, "fraglab_system_hugepage_blocks_free", "gauge",
		"Free 2 MiB blocks (order >= 9) that could become HugePages now.");
	for (z = 0; z < s->nr_zones; z++)
		fprintf(f, "fraglab_system_hugepage_blocks_free{node=\"%d\",zone=\"%s\"} %" PRIu64 "\n",
			s->zones[z].node, s->zones[z].zone,
			s->zones[z].huge_blocks);
	if (s->has_pagetypeinfo) {
		static const char *const mt[3] = { "unmovable", "movable",
						   "reclaimable" };

		px_help(f, "fraglab_system_pageblocks", "gauge",
			"Pageblocks per migrate type from /proc/pagetypeinfo.");
		for (z = 0; z < s->nr_zones; z++)
			for (i = 0; i < 3 && s->zones[z].has_blocks; i++)
				fprintf(f, "fraglab_system_pageblocks{node=\"%d\",zone=\"%s\",type=\"%s\"} %" PRIu64 "\n",
					s->zones[z].node, s->zones[z].zone,
					mt[i], s->zones[z].blocks[i]);
	}
	px_help(f, "fraglab_system_hugepages_total", "gauge",
		"HugePages_Total from /proc/meminfo.");
	fprintf(f, "fraglab_system_hugepages_total %" PRIu64 "\n", s->hp_total);
	px_help(f, "fraglab_system_hugepages_free", "gauge",
		"HugePages_Free from /proc/meminfo.");
	fprintf(f, "fraglab_system_hugepages_free %" PRIu64 "\n", s->hp_free);
	if (!s->nr_slabs)
		return;
	for (i = 0; i < s->nr_slabs; i++) {
		slab += s->slabs[i].bytes;
		waste += s->slabs[i].bytes - s->slabs[i].used;
	}
	px_help(f, "fraglab_system_slab_bytes", "gauge",
		"Bytes in slab pages per cache (/proc/slabinfo; the 20 biggest caches and the total).");
	fprintf(f, "fraglab_system_slab_bytes{cache=\"_total\"} %" PRIu64 "\n", slab);
	for (i = 0; i < s->nr_slabs && i < 20; i++)
		fprintf(f, "fraglab_system_slab_bytes{cache=\"%s\"} %" PRIu64 "\n",
			s->slabs[i].name, s->slabs[i].bytes);
	px_help(f, "fraglab_system_slab_waste_bytes", "gauge",
		"Bytes in slab pages not holding active objects (free objects, padding, leftover).");
	fprintf(f, "fraglab_system_slab_waste_bytes{cache=\"_total\"} %" PRIu64 "\n", waste);
	for (i = 0; i < s->nr_slabs && i < 20; i++)
		fprintf(f, "fraglab_system_slab_waste_bytes{cache=\"%s\"} %" PRIu64 "\n",
			s->slabs[i].name, s->slabs[i].bytes - s->slabs[i].used);
}

static void px_arena(FILE *f, struct fraglab *fl)
{
	struct fraglab_stats st;
	unsigned int o;
	uint64_t huge = 0;

	if (fraglab_stats(fl, &st))
		return;
	px_help(f, "fraglab_arena_buddyinfo_blocks", "gauge",
		"Free blocks per order in fraglab's arena (size is the order).");
	for (o = 0; o < FRAGLAB_NR_ORDERS; o++) {
		fprintf(f, "fraglab_arena_buddyinfo_blocks{size=\"%u\"} %llu\n",
			o, (unsigned long long)st.nr_free[o]);
		if (o >= 9)
			huge += st.nr_free[o] << (o - 9);
	}
	px_help(f, "fraglab_arena_pages", "gauge", "Pages in the arena.");
	fprintf(f, "fraglab_arena_pages %llu\n", (unsigned long long)st.total_pages);
	px_help(f, "fraglab_arena_free_pages", "gauge", "Free pages in the arena.");
	fprintf(f, "fraglab_arena_free_pages %llu\n", (unsigned long long)st.free_pages);
	px_help(f, "fraglab_arena_hugepage_blocks_free", "gauge",
		"Free 2 MiB blocks in the arena.");
	fprintf(f, "fraglab_arena_hugepage_blocks_free %" PRIu64 "\n", huge);
	px_help(f, "fraglab_arena_unusable_index", "gauge",
		"Arena unusable free index at order 9 (0..1).");
	fprintf(f, "fraglab_arena_unusable_index{order=\"9\"} %.3f\n",
		fl_metrics_unusable_index((const u64 *)st.nr_free, 9) / 1000.0);
	px_help(f, "fraglab_arena_internal_fragmentation_ratio", "gauge",
		"(granted - requested) / granted over live buddy allocations.");
	fprintf(f, "fraglab_arena_internal_fragmentation_ratio %.3f\n",
		st.internal_frag_permille / 1000.0);
	px_help(f, "fraglab_arena_external_fragmentation_ratio", "gauge",
		"1 - largest free block / free memory in the arena.");
	fprintf(f, "fraglab_arena_external_fragmentation_ratio %.3f\n",
		st.external_frag_permille / 1000.0);
	px_help(f, "fraglab_arena_alloc_failures_total", "counter",
		"Failed buddy allocations; reason=fragmented: enough free pages but no block.");
	fprintf(f, "fraglab_arena_alloc_failures_total{reason=\"fragmented\"} %llu\n",
		(unsigned long long)st.fail_fragmented);
	fprintf(f, "fraglab_arena_alloc_failures_total{reason=\"nomem\"} %llu\n",
		(unsigned long long)st.fail_nomem);
}

static int cmd_export(struct fc_ctx *c, int argc, char **argv)
{
	const char *out = fc_opt(&argc, argv, "--output");
	bool prom = fc_flag(&argc, argv, "--prometheus");
	char tmp[4200];
	struct fc_sys s;
	struct fraglab fl;
	FILE *f = stdout;
	int ret;

	if (!prom)
		return fc_usage("export needs a format: --prometheus");
	if (argc > 1)
		return fc_usage("export does not take '%s'", argv[1]);
	ret = fc_sys_read(&s, true);
	if (ret) {
		fprintf(stderr, "fragctl: cannot read /proc/buddyinfo: %s\n",
			strerror(-ret));
		return 1;
	}
	if (out) {
		/* node_exporter reads the file any time: write, then rename */
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid());
		f = fopen(tmp, "w");
		if (!f) {
			fprintf(stderr, "fragctl: cannot write %s: %s\n", tmp,
				strerror(errno));
			fc_sys_free(&s);
			return 1;
		}
	}
	px_system(f, &s);
	fc_sys_free(&s);
	if (c->opened) {
		px_arena(f, &c->fl);
	} else if (!fraglab_open(&fl, c->device ? c->device : FRAGLAB_DEVICE)) {
		px_arena(f, &fl);
		fraglab_close(&fl);
	}
	if (out) {
		if (fclose(f) || rename(tmp, out)) {
			fprintf(stderr, "fragctl: cannot write %s: %s\n", out,
				strerror(errno));
			unlink(tmp);
			return 1;
		}
	}
	return 0;
}

/* ---- map --svg: the arena as pages, from a --sim replay ---------------- */

static const char *map_colour(const struct fl_page_info *pi,
			      const struct fl_page_info *head)
{
	if (pi->state == FL_PAGE_HOLE)
		return "#000000";
	if (pi->state == FL_PAGE_FREE_HEAD || pi->state == FL_PAGE_FREE_TAIL)
		return "#f4f4f4";
	switch (head->owner_kind) {
	case FL_OWN_SLAB:
		return "#1f77b4";	/* slab: blue */
	case FL_OWN_POOL:
		return "#9467bd";	/* pool: purple */
	default:
		break;
	}
	switch (head->mt) {
	case FL_MT_MOVABLE:
		return "#2ca02c";	/* movable: green */
	case FL_MT_RECLAIMABLE:
		return "#e6c229";	/* reclaimable: yellow */
	default:
		return "#d62728";	/* unmovable: red */
	}
}

static int map_write(struct fl_buddy *b, const char *path, const char *title)
{
	u32 n = fl_buddy_nr_pages(b), i, cols = 64, cell;
	struct fl_page_info pi, head;
	FILE *f;

	while (cols * cols < n && cols < 256)
		cols *= 2;
	cell = cols <= 64 ? 12 : cols <= 128 ? 6 : 3;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%u' font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='white'/>\n<text x='10' y='20' font-size='14'>",
		cols * cell + 20, (n + cols - 1) / cols * cell + 80);
	rp_svg_escape(f, title);
	fprintf(f, "</text>\n");
	for (i = 0; i < n; i++) {
		if (fl_buddy_page_info(b, i, &pi))
			continue;
		head = pi;
		if (pi.state == FL_PAGE_ALLOC_TAIL)
			fl_buddy_page_info(b, pi.head, &head);
		fprintf(f, "<rect x='%u' y='%u' width='%u' height='%u' fill='%s'/>\n",
			10 + (i % cols) * cell, 30 + (i / cols) * cell, cell,
			cell, map_colour(&pi, &head));
	}
	/* pageblock grid: 512 pages per block */
	for (i = 0; i < n; i += FL_PAGEBLOCK_PAGES)
		fprintf(f, "<rect x='%u' y='%u' width='%u' height='%u' fill='none' stroke='#333' stroke-width='1'/>\n",
			10 + (i % cols) * cell, 30 + (i / cols) * cell,
			(FL_PAGEBLOCK_PAGES < cols ? FL_PAGEBLOCK_PAGES : cols) * cell,
			(FL_PAGEBLOCK_PAGES > cols ? FL_PAGEBLOCK_PAGES / cols : 1) * cell);
	fprintf(f, "<text x='10' y='%u' font-size='12'>free: light grey, movable: green, unmovable: red, reclaimable: yellow, slab: blue, pool: purple; boxes: 2 MiB pageblocks</text>\n</svg>\n",
		(n + cols - 1) / cols * cell + 55);
	return fclose(f) ? 1 : 0;
}

static int cmd_map(struct fc_ctx *c, int argc, char **argv)
{
	const char *svg = fc_opt(&argc, argv, "--svg");
	const char *trace = fc_opt(&argc, argv, "--trace");
	const char *strat = fc_opt(&argc, argv, "--strategy");
	const char *at = fc_opt(&argc, argv, "--at");
	const char *arena = fc_opt(&argc, argv, "--arena");
	struct rp_sim_cfg cfg = { .arena_bytes = 64ULL << 20, .max_order = 10,
				  .grouping = true };
	struct rp_backend b;
	struct rp_result r;
	struct rp_trace t;
	char err[256], title[512];
	uint64_t v = 0;
	int s = RP_SLAB, ret;

	if (!svg)
		return fc_usage("map needs --svg FILE");
	if (!trace)
		return fc_usage("map draws the arena of a --sim replay: give --trace TRACE (the live arena needs a per-page ioctl the module does not have yet)");
	if (argc > 1)
		return fc_usage("map does not take '%s'", argv[1]);
	if (strat) {
		s = rp_strategy_parse(strat);
		if (s < 0)
			return fc_usage("unknown strategy '%s': use buddy, slab, first-fit, next-fit, best-fit or worst-fit",
					strat);
	}
	if (arena) {
		if (fc_parse_size(arena, &v) || v < (4ULL << 20) ||
		    v > (1ULL << 30))
			return fc_usage("arena size '%s' is not a size between 4M and 1G",
					arena);
		cfg.arena_bytes = v & ~4095ULL;
	}
	if (at && fc_parse_u64(at, &v))
		return fc_usage("--at needs an operation number, not '%s'", at);
	ret = rp_trace_load(trace, &t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fragctl: %s\n", err);
		rp_trace_free(&t);
		return 1;
	}
	ret = rp_sim_backend(s, &cfg, t.nr_slots, &b);
	if (ret) {
		rp_trace_free(&t);
		return fc_fail("map", ret);
	}
	rp_stop_at = at ? v : 0;
	ret = rp_run(&t, &b, &r, NULL, NULL, NULL);
	rp_stop_at = 0;
	if (!ret) {
		snprintf(title, sizeof(title), "%s after %" PRIu64 " of %zu ops, %s (--sim)",
			 trace, r.ops, t.nr_ops, rp_strategy_names[s]);
		ret = map_write(rp_sim_buddy(b.priv), svg, title);
		if (!ret && !c->json)
			printf("wrote %s: %s\n", svg, title);
	} else {
		fc_fail("map", ret);
		ret = 1;
	}
	b.destroy(b.priv);
	rp_trace_free(&t);
	return ret;
}

const struct fc_cmd fc_cmds_export[] = {
	{ "export", "--prometheus [--output FILE]",
	  "print the system's buddyinfo per order, fragmentation indices, HugePage availability and slab usage (and the arena's, if fraglab.ko is loaded) in node_exporter textfile format; --output writes FILE atomically",
	  cmd_export, false },
	{ "map", "--svg FILE --trace TRACE [--strategy S] [--at OP] [--arena SIZE]",
	  "draw the arena as an SVG (pages coloured free/movable/unmovable/reclaimable/slab/pool, 2 MiB pageblock grid) after replaying TRACE with --sim up to operation OP (default: the end; strategy default slab)",
	  cmd_map, false },
	{ NULL },
};
