// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_export.c - pictures and exports:
 *   fragctl export --prometheus [--output FILE]   node_exporter textfile
 *   fragctl map [--svg FILE] [--trace T --strategy S --at N]  arena picture
 *                                          (live, or of a --sim replay)
 *   replay --svg (rp_svg_*): footprint and fragmentation over time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "fl_buddy.h"
#include "fl_metrics.h"
#include "../../module/fl_page_uapi.h"	/* glue shared with the module */
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

/*
 * A "nice" tick step for an axis from 0 to @max with about @want ticks:
 * 1, 2 or 5 times a power of ten.
 */
static double rp_svg_step(double max, int want)
{
	double raw = max / want, mag = 1;

	if (raw <= 0)
		return 1;
	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw)
		mag /= 10;
	if (raw <= mag)
		return mag;
	if (raw <= 2 * mag)
		return 2 * mag;
	if (raw <= 5 * mag)
		return 5 * mag;
	return 10 * mag;
}

/* An operation count for a tick label, one style per axis (@max): 4000, 20k, 0.2M. */
static void rp_svg_count(char *buf, size_t len, double v, double max)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (max >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (max >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

#define RP_SVG_LEFT	90
#define RP_SVG_W	740

/* Each strategy: its own dash pattern and marker, so equal lines show. */
static const char *const rp_dashes[RP_NR_STRATEGIES] = {
	"none", "7,3", "2,2", "9,3,2,3", "4,4", "12,4",
};

static void rp_svg_marker(FILE *f, unsigned int i, double x, double y)
{
	const char *c = rp_colours[i % RP_NR_STRATEGIES];

	switch (i % RP_NR_STRATEGIES) {
	case 0:
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%s'/>\n", x, y, c);
		break;
	case 1:
		fprintf(f, "<rect x='%.1f' y='%.1f' width='7' height='7' fill='%s'/>\n",
			x - 3.5, y - 3.5, c);
		break;
	case 2:
		fprintf(f, "<path d='M%.1f %.1fl4 7h-8z' fill='%s'/>\n", x, y - 4, c);
		break;
	case 3:
		fprintf(f, "<path d='M%.1f %.1fl4 4l-4 4l-4 -4z' fill='%s'/>\n", x, y - 4, c);
		break;
	case 4:
		fprintf(f, "<path d='M%.1f %.1fh8M%.1f %.1fv8' stroke='%s' stroke-width='2.5'/>\n",
			x - 4, y, x, y - 4, c);
		break;
	default:
		fprintf(f, "<path d='M%.1f %.1fl7 7M%.1f %.1fl-7 7' stroke='%s' stroke-width='2.5'/>\n",
			x - 3.5, y - 3.5, x + 3.5, y - 3.5, c);
		break;
	}
}

/* Vertical grid lines and x tick labels (operations) under @top + @h. */
static void rp_svg_xaxis(FILE *f, int top, int h, uint64_t xmax, bool labels)
{
	double step = rp_svg_step((double)xmax, 8), v;
	char b[32];

	for (v = 0; v <= (double)xmax; v += step) {
		double x = RP_SVG_LEFT + v * RP_SVG_W / (double)xmax;

		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>\n",
			x, top, x, top + h);
		if (!labels)
			continue;
		rp_svg_count(b, sizeof(b), v, (double)xmax);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#333'/>"
			"<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>\n",
			x, top + h, x, top + h + 4, x, top + h + 16, b);
	}
}

/*
 * One panel: y = value(point) on a 0..ymax axis with ticks every @step in
 * @unit (divisor @div), x = operations.  Lines carry their strategy's dash
 * and a marker every eighth of the way (staggered per strategy).
 */
static void rp_svg_panel(FILE *f, const struct rp_svg *svg, int top, int h,
			 const char *label, double ymax, double div,
			 const char *unit, uint64_t xmax, bool ext)
{
	double step = rp_svg_step(ymax / div, 5), v;
	unsigned int i;
	size_t j;

	rp_svg_xaxis(f, top, h, xmax, false);
	for (v = 0; v <= ymax / div + step / 1000; v += step) {
		double y = top + h - v * div * h / ymax;

		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>"
			"<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#333'/>"
			"<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%g</text>\n",
			RP_SVG_LEFT, y, RP_SVG_LEFT + RP_SVG_W, y,
			RP_SVG_LEFT - 4, y, RP_SVG_LEFT, y, RP_SVG_LEFT - 6,
			y + 4, v);
	}
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>\n",
		RP_SVG_LEFT, top, RP_SVG_W, h);
	fprintf(f, "<text x='%d' y='%d' font-size='13'>%s</text>\n", RP_SVG_LEFT,
		top - 6, label);
	fprintf(f, "<text transform='translate(%d %d) rotate(-90)' font-size='12' text-anchor='middle'>%s</text>\n",
		RP_SVG_LEFT - 52, top + h / 2, unit);
	for (i = 0; i < svg->nr; i++) {
		size_t nr = svg->lines[i].nr, every = nr / 8 ? nr / 8 : 1;

		fprintf(f, "<polyline fill='none' stroke-width='1.6' stroke='%s' stroke-dasharray='%s' points='",
			rp_colours[i % RP_NR_STRATEGIES],
			rp_dashes[i % RP_NR_STRATEGIES]);
		for (j = 0; j < nr; j++) {
			const struct rp_point *p = &svg->lines[i].pts[j];

			v = ext ? p->ext_permille / 10.0 : (double)p->footprint;
			fprintf(f, "%.1f,%.1f ",
				RP_SVG_LEFT + (double)p->op * RP_SVG_W / xmax,
				top + h - (ymax > 0 ? v * h / ymax : 0));
		}
		fputs("'/>\n", f);
		for (j = (every * i) / svg->nr; j < nr; j += every) {
			const struct rp_point *p = &svg->lines[i].pts[j];

			v = ext ? p->ext_permille / 10.0 : (double)p->footprint;
			rp_svg_marker(f, i, RP_SVG_LEFT + (double)p->op * RP_SVG_W / xmax,
				      top + h - (ymax > 0 ? v * h / ymax : 0));
		}
	}
}

/*
 * Failed allocations: one row per strategy, a mark wherever failures
 * happened since the previous sample, the total at the end of the row.
 */
static void rp_svg_failures(FILE *f, const struct rp_svg *svg, int top,
			    uint64_t xmax)
{
	const int row = 16;
	unsigned int i;
	size_t j;

	rp_svg_xaxis(f, top, row * (int)svg->nr, xmax, true);
	fprintf(f, "<text x='%d' y='%d' font-size='13'>failed allocations (a mark: failures since the previous sample)</text>\n",
		RP_SVG_LEFT, top - 6);
	for (i = 0; i < svg->nr; i++) {
		int y = top + row * (int)i;
		uint64_t prev = 0, total = 0;

		fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='#888'/>"
			"<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>\n",
			RP_SVG_LEFT, y, RP_SVG_W, row, i % 2 ? "#fafafa" : "#f0f0f0",
			RP_SVG_LEFT - 6, y + 12, svg->lines[i].name);
		for (j = 0; j < svg->lines[i].nr; j++) {
			const struct rp_point *p = &svg->lines[i].pts[j];

			if (p->failures > prev)
				fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='1.5'/>\n",
					RP_SVG_LEFT + (double)p->op * RP_SVG_W / xmax,
					y + 2, RP_SVG_LEFT + (double)p->op * RP_SVG_W / xmax,
					y + row - 2, rp_colours[i % RP_NR_STRATEGIES]);
			prev = p->failures;
			total = p->failures;
		}
		fprintf(f, "<text x='%d' y='%d' font-size='11'>%" PRIu64 "</text>\n",
			RP_SVG_LEFT + RP_SVG_W + 6, y + 12, total);
	}
	fprintf(f, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>operations (allocations and frees replayed, in trace order)</text>\n",
		RP_SVG_LEFT + RP_SVG_W / 2, top + row * (int)svg->nr + 34);
}

int rp_svg_write(const struct rp_svg *svg, const char *path,
		 const char *title)
{
	const int foot_top = 84, ext_top = 340, fail_top = 560;
	uint64_t xmax = svg->nr_ops ? svg->nr_ops : 1, fmax = 1;
	int legend_y = fail_top + 16 * (int)svg->nr + 64;
	double div;
	unsigned int i;
	size_t j;
	FILE *f;

	for (i = 0; i < svg->nr; i++)
		for (j = 0; j < svg->lines[i].nr; j++)
			if (svg->lines[i].pts[j].footprint > fmax)
				fmax = svg->lines[i].pts[j].footprint;
	div = fmax >= (4ULL << 20) ? 1048576.0 : 1024.0;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' width='900' height='%d' font-family='sans-serif'>\n"
		"<rect width='100%%' height='100%%' fill='white'/>\n"
		"<text x='%d' y='24' font-size='15'>fragctl replay: ", legend_y + 30,
		RP_SVG_LEFT);
	rp_svg_escape(f, title);
	fprintf(f, "</text>\n<text x='%d' y='44' font-size='12' fill='#444'>",
		RP_SVG_LEFT);
	rp_svg_escape(f, svg->caption);
	fprintf(f, "; %" PRIu64 " operations</text>\n", svg->nr_ops);
	rp_svg_panel(f, svg, foot_top, 200, "footprint: arena bytes held",
		     (double)fmax * 1.05, div, div > 1024 ? "MiB" : "KiB",
		     xmax, false);
	rp_svg_panel(f, svg, ext_top, 160,
		     "external fragmentation: 1 - largest free block / free",
		     100.0, 1, "%", xmax, true);
	rp_svg_failures(f, svg, fail_top, xmax);
	for (i = 0; i < svg->nr; i++) {
		int x = RP_SVG_LEFT + (int)i * 125;

		fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='1.6' stroke-dasharray='%s'/>",
			x, legend_y, x + 34, legend_y,
			rp_colours[i % RP_NR_STRATEGIES],
			rp_dashes[i % RP_NR_STRATEGIES]);
		rp_svg_marker(f, i, x + 17, legend_y);
		fprintf(f, "<text x='%d' y='%d' font-size='12'>%s</text>\n",
			x + 40, legend_y + 4, svg->lines[i].name);
	}
	fprintf(f, "</svg>\n");
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
	px_help(f, "fraglab_system_unusable_free_ratio", "gauge",
		"Fraction of free memory in blocks too small for the order (mm/vmstat.c unusable_free_index, 0..1).");
	for (z = 0; z < s->nr_zones; z++)
		fprintf(f, "fraglab_system_unusable_free_ratio{node=\"%d\",zone=\"%s\",order=\"9\"} %.3f\n",
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
	px_help(f, "fraglab_system_hugepages_reserved", "gauge",
		"HugePages_Total from /proc/meminfo: the size of the reserved HugePage pool.");
	fprintf(f, "fraglab_system_hugepages_reserved %" PRIu64 "\n", s->hp_total);
	px_help(f, "fraglab_system_hugepages_free", "gauge",
		"HugePages_Free from /proc/meminfo.");
	fprintf(f, "fraglab_system_hugepages_free %" PRIu64 "\n", s->hp_free);
	if (!s->nr_slabs)
		return;
	for (i = 0; i < s->nr_slabs; i++) {
		slab += s->slabs[i].bytes;
		waste += s->slabs[i].bytes - s->slabs[i].used;
	}
	/*
	 * The totals are metrics of their own, not a cache="_total" label:
	 * sum(fraglab_system_slab_cache_bytes) must not count anything twice.
	 */
	px_help(f, "fraglab_system_slab_bytes", "gauge",
		"Bytes in slab pages of all caches (/proc/slabinfo).");
	fprintf(f, "fraglab_system_slab_bytes %" PRIu64 "\n", slab);
	px_help(f, "fraglab_system_slab_waste_bytes", "gauge",
		"Bytes in slab pages of all caches not holding active objects (free objects, padding, leftover).");
	fprintf(f, "fraglab_system_slab_waste_bytes %" PRIu64 "\n", waste);
	px_help(f, "fraglab_system_slab_cache_bytes", "gauge",
		"Bytes in slab pages of each of the 20 biggest caches (/proc/slabinfo).");
	for (i = 0; i < s->nr_slabs && i < 20; i++)
		fprintf(f, "fraglab_system_slab_cache_bytes{cache=\"%s\"} %" PRIu64 "\n",
			s->slabs[i].name, s->slabs[i].bytes);
	px_help(f, "fraglab_system_slab_cache_waste_bytes", "gauge",
		"Bytes in slab pages of each of the 20 biggest caches not holding active objects.");
	for (i = 0; i < s->nr_slabs && i < 20; i++)
		fprintf(f, "fraglab_system_slab_cache_waste_bytes{cache=\"%s\"} %" PRIu64 "\n",
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
	px_help(f, "fraglab_arena_size_bytes", "gauge", "Size of the arena.");
	fprintf(f, "fraglab_arena_size_bytes %llu\n",
		(unsigned long long)st.total_pages * fl->version.page_size);
	px_help(f, "fraglab_arena_free_bytes", "gauge", "Free memory in the arena.");
	fprintf(f, "fraglab_arena_free_bytes %llu\n",
		(unsigned long long)st.free_pages * fl->version.page_size);
	px_help(f, "fraglab_arena_hugepage_blocks_free", "gauge",
		"Free 2 MiB blocks in the arena.");
	fprintf(f, "fraglab_arena_hugepage_blocks_free %" PRIu64 "\n", huge);
	px_help(f, "fraglab_arena_unusable_free_ratio", "gauge",
		"Arena unusable free index at order 9 (mm/vmstat.c unusable_free_index, 0..1).");
	fprintf(f, "fraglab_arena_unusable_free_ratio{order=\"9\"} %.3f\n",
		fl_metrics_unusable_index((const u64 *)st.nr_free, 9) / 1000.0);
	px_help(f, "fraglab_arena_internal_fragmentation_ratio", "gauge",
		"(granted - requested) / granted over live buddy allocations.");
	fprintf(f, "fraglab_arena_internal_fragmentation_ratio %.3f\n",
		st.internal_frag_permille / 1000.0);
	px_help(f, "fraglab_arena_external_fragmentation_ratio", "gauge",
		"1 - largest free block / min(free memory, max-order block): 0 when unfragmented.");
	fprintf(f, "fraglab_arena_external_fragmentation_ratio %.3f\n",
		st.external_frag_permille / 1000.0);
	px_help(f, "fraglab_arena_alloc_failures_total", "counter",
		"Failed buddy allocations; reason=fragmented: enough free pages but no block.");
	fprintf(f, "fraglab_arena_alloc_failures_total{reason=\"fragmented\"} %llu\n",
		(unsigned long long)st.fail_fragmented);
	fprintf(f, "fraglab_arena_alloc_failures_total{reason=\"nomem\"} %llu\n",
		(unsigned long long)st.fail_nomem);
}

/* Is @tok a JSON number (Prometheus also writes NaN, +Inf, -Inf)? */
static bool px_json_number(const char *tok)
{
	const char *p = tok;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
	       *p == 'E' || *p == '+' || *p == '-')
		p++;
	return !*p && tok[strlen(tok) - 1] != '.';
}

/*
 * --json: the same samples as one object, one entry per metric:
 * {"metrics": [{"name", "type", "help", "samples": [{"labels": {...},
 * "value": number|null}]}]}.  Label values are copied as they are (the
 * Prometheus escapes \\, \" and \n are JSON escapes too).
 */
static void px_to_json(FILE *f, char *text)
{
	char *line, *save = NULL, name[128] = "", esc[1024];
	bool in_metric = false, first_sample = true, first_metric = true;

	fprintf(f, "{\"metrics\": [");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p, *val;

		if (!strncmp(line, "# HELP ", 7)) {
			p = line + 7;
			val = strchr(p, ' ');
			if (!val)
				continue;
			*val++ = '\0';
			fprintf(f, "%s\n  {\"name\": \"%s\", ", in_metric ? "]}," :
				first_metric ? "" : ",", fc_json_esc(p, esc, sizeof(esc)));
			fprintf(f, "\"help\": \"%s\"", fc_json_esc(val, esc, sizeof(esc)));
			snprintf(name, sizeof(name), "%s", p);
			in_metric = true;
			first_metric = false;
			first_sample = true;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			p = strrchr(line, ' ');
			if (in_metric && p)
				fprintf(f, ", \"type\": \"%s\", \"samples\": [",
					fc_json_esc(p + 1, esc, sizeof(esc)));
			continue;
		}
		if (line[0] == '#' || !in_metric)
			continue;
		val = strrchr(line, ' ');
		if (!val)
			continue;
		*val++ = '\0';
		fprintf(f, "%s{\"labels\": {", first_sample ? "" : ", ");
		first_sample = false;
		p = strchr(line, '{');
		if (p) {
			char *end = strrchr(p, '}');
			bool first_label = true;

			if (end)
				*end = '\0';
			p++;
			while (*p) {
				char *eq = strchr(p, '='), *q;

				if (!eq || eq[1] != '"')
					break;
				*eq = '\0';
				/* the closing quote: not preceded by a backslash */
				for (q = eq + 2; *q && !(*q == '"' && q[-1] != '\\'); q++)
					;
				fprintf(f, "%s\"%s\": \"%.*s\"", first_label ? "" : ", ",
					p, (int)(q - eq - 2), eq + 2);
				first_label = false;
				p = *q ? q + 1 : q;
				if (*p == ',')
					p++;
			}
		}
		fprintf(f, "}, \"value\": %s}", px_json_number(val) ? val : "null");
	}
	fprintf(f, "%s\n]}\n", in_metric ? "]}" : "");
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

	char *text = NULL;
	size_t text_len = 0;
	FILE *real = NULL;

	if (!prom && !c->json)
		return fc_usage("export needs a format: --prometheus (or --json)");
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
	if (c->json) {
		/* the Prometheus text first, then turned into JSON */
		real = f;
		f = open_memstream(&text, &text_len);
		if (!f) {
			fc_sys_free(&s);
			if (out) {
				fclose(real);
				unlink(tmp);
			}
			return fc_fail("export", -ENOMEM);
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
	if (real) {
		fclose(f);
		f = real;
		px_to_json(f, text);
		free(text);
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

/* ---- map: the arena page by page, live or from a --sim replay ---------- */

/*
 * Both sources end up as struct fraglab_page[] (the FRAGLAB_IOC_PAGE_INFO
 * format): the live arena straight from the ioctl, a --sim replay's
 * arena converted from the core's fl_buddy_page_info().  One drawing and
 * one JSON writer serve both.
 */
struct map_arena {
	struct fraglab_page *pages;
	uint64_t nr;		/* page-index space */
	uint64_t arena_pages;	/* holes excluded */
	uint32_t page_size;
};

enum map_class {
	MAP_HOLE, MAP_FREE, MAP_MOVABLE, MAP_UNMOVABLE, MAP_RECLAIMABLE,
	MAP_SLAB, MAP_POOL, MAP_OTHER, MAP_PCP, MAP_NR_CLASSES
};

static const char *const map_class_names[MAP_NR_CLASSES] = {
	"hole", "free", "movable", "unmovable", "reclaimable", "slab", "pool",
	"other", "pcp",
};

static const char *const map_class_colours[MAP_NR_CLASSES] = {
	"#000000",	/* hole: black */
	"#f4f4f4",	/* free: light grey */
	"#2ca02c",	/* movable: green */
	"#d62728",	/* unmovable: red */
	"#e6c229",	/* reclaimable: yellow */
	"#1f77b4",	/* slab: blue */
	"#9467bd",	/* pool: purple */
	"#7f7f7f",	/* other (in-kernel): dark grey */
	"#9edae5",	/* parked on a per-CPU list: light cyan */
};

static enum map_class map_class_of(const struct fraglab_page *p)
{
	if (p->state == FRAGLAB_PAGE_HOLE)
		return MAP_HOLE;
	if (p->state == FRAGLAB_PAGE_FREE)
		return MAP_FREE;
	switch (p->owner) {
	case FRAGLAB_OWNER_SLAB:
		return MAP_SLAB;
	case FRAGLAB_OWNER_POOL:
		return MAP_POOL;
	case FRAGLAB_OWNER_OTHER:
		return MAP_OTHER;
	case FRAGLAB_OWNER_PCP:
		return MAP_PCP;
	default:
		break;
	}
	switch (p->migratetype) {
	case FRAGLAB_MT_MOVABLE:
		return MAP_MOVABLE;
	case FRAGLAB_MT_RECLAIMABLE:
		return MAP_RECLAIMABLE;
	default:
		return MAP_UNMOVABLE;
	}
}

/* The simulated buddy's pages in FRAGLAB_IOC_PAGE_INFO form. */
static int map_from_buddy(struct fl_buddy *b, struct map_arena *m)
{
	struct fl_page_pb_cache pbc = FL_PAGE_PB_CACHE_INIT;
	u32 n = fl_buddy_nr_pages(b), i;
	struct fl_page_info pi;

	m->pages = calloc(n ? n : 1, sizeof(*m->pages));
	if (!m->pages)
		return -ENOMEM;
	m->nr = n;
	m->arena_pages = 0;
	m->page_size = FL_PAGE_SIZE;
	for (i = 0; i < n; i++) {
		if (fl_buddy_page_info(b, i, &pi)) {
			m->pages[i].pageblock = i >> FL_PAGEBLOCK_ORDER;
			continue;
		}
		fl_page_to_uapi(b, i, &pi, &pbc, &m->pages[i]);
		if (pi.state != FL_PAGE_HOLE)
			m->arena_pages++;
	}
	return 0;
}

/* Pageblocks whose every page is free, of those not wholly a hole. */
static void map_free_blocks(const struct map_arena *m, uint64_t *free_blocks,
			    uint64_t *blocks)
{
	uint64_t i, j, end, fr, holes;

	*free_blocks = 0;
	*blocks = 0;
	for (i = 0; i < m->nr; i += FL_PAGEBLOCK_PAGES) {
		end = i + FL_PAGEBLOCK_PAGES < m->nr ? i + FL_PAGEBLOCK_PAGES : m->nr;
		for (j = i, fr = 0, holes = 0; j < end; j++) {
			fr += m->pages[j].state == FRAGLAB_PAGE_FREE;
			holes += m->pages[j].state == FRAGLAB_PAGE_HOLE;
		}
		if (holes == end - i)
			continue;
		(*blocks)++;
		*free_blocks += fr == FL_PAGEBLOCK_PAGES;
	}
}

/* The page map: one cell per page, pageblock borders thinner as cells shrink. */
static void map_svg_pages(FILE *f, const struct map_arena *m, unsigned int cols,
			  unsigned int cell)
{
	uint64_t n = m->nr, i;

	/* one rect per run of same-class pages within a row */
	for (i = 0; i < n;) {
		enum map_class k = map_class_of(&m->pages[i]);
		uint64_t j = i + 1;

		while (j < n && j % cols && map_class_of(&m->pages[j]) == k)
			j++;
		fprintf(f, "<rect x='%" PRIu64 "' y='%" PRIu64 "' width='%" PRIu64 "' height='%u' fill='%s'/>\n",
			10 + (i % cols) * cell, 50 + (i / cols) * cell,
			(j - i) * cell, cell, map_class_colours[k]);
		i = j;
	}
	/* pageblock grid: 512 pages per block, its migrate type as a tooltip */
	for (i = 0; i < n; i += FL_PAGEBLOCK_PAGES) {
		const struct fraglab_page *p = &m->pages[i];

		fprintf(f, "<rect x='%" PRIu64 "' y='%" PRIu64 "' width='%u' height='%u' fill='none' stroke='%s' stroke-width='1'><title>pageblock %u: %s</title></rect>\n",
			10 + (i % cols) * cell, 50 + (i / cols) * cell,
			(FL_PAGEBLOCK_PAGES < cols ? FL_PAGEBLOCK_PAGES : cols) * cell,
			(FL_PAGEBLOCK_PAGES > cols ? FL_PAGEBLOCK_PAGES / cols : 1) * cell,
			cell >= 12 ? "#333" : cell >= 6 ? "#666" : "#999", p->pageblock,
			p->state == FRAGLAB_PAGE_HOLE ? "hole" :
			fraglab_mt_name(p->pageblock_mt));
	}
}

/*
 * The pageblock map, for big arenas: one cell per 2 MiB pageblock, its
 * pages stacked by class from the bottom (free is the background), so a
 * cell's colours are the shares of its 512 pages.
 */
static void map_svg_blocks(FILE *f, const struct map_arena *m,
			   unsigned int cols, unsigned int cell)
{
	uint64_t i, j, b, end, cls[MAP_NR_CLASSES];
	unsigned int c;
	double y;

	for (i = 0, b = 0; i < m->nr; i += FL_PAGEBLOCK_PAGES, b++) {
		unsigned int x0 = 10 + (unsigned int)(b % cols) * cell;
		unsigned int y0 = 50 + (unsigned int)(b / cols) * cell;

		end = i + FL_PAGEBLOCK_PAGES < m->nr ? i + FL_PAGEBLOCK_PAGES : m->nr;
		memset(cls, 0, sizeof(cls));
		for (j = i; j < end; j++)
			cls[map_class_of(&m->pages[j])]++;
		fprintf(f, "<g><title>pageblock %u: %s, %" PRIu64 " of %" PRIu64 " pages free</title>"
			"<rect x='%u' y='%u' width='%u' height='%u' fill='%s'/>\n",
			m->pages[i].pageblock,
			cls[MAP_HOLE] == end - i ? "hole" :
			fraglab_mt_name(m->pages[i].pageblock_mt),
			cls[MAP_FREE], end - i, x0, y0, cell, cell,
			map_class_colours[MAP_FREE]);
		y = y0 + cell;
		for (c = 0; c < MAP_NR_CLASSES; c++) {
			double h = (double)cell * cls[c] / FL_PAGEBLOCK_PAGES;

			if (c == MAP_FREE || !cls[c])
				continue;
			y -= h;
			fprintf(f, "<rect x='%u' y='%.2f' width='%u' height='%.2f' fill='%s'/>\n",
				x0, y, cell, h, map_class_colours[c]);
		}
		fprintf(f, "<rect x='%u.5' y='%u.5' width='%u' height='%u' fill='none' stroke='%s' stroke-width='1'/></g>\n",
			x0, y0, cell - 1, cell - 1, cell >= 16 ? "#777" : "#aaa");
	}
}

/* Arenas above this many bytes are drawn a pageblock per cell. */
#define MAP_PAGE_LEVEL_MAX	(64ULL << 20)

static int map_write_svg(const struct map_arena *m, const char *path,
			 const char *title)
{
	uint64_t n = m->nr, rows, free_blocks, blocks, cls_any[MAP_NR_CLASSES] = { 0 };
	bool by_block = n * m->page_size > MAP_PAGE_LEVEL_MAX;
	unsigned int cols, cell, c, x, y, width, legend_y;
	uint64_t units, i;
	FILE *f;

	units = by_block ? (n + FL_PAGEBLOCK_PAGES - 1) / FL_PAGEBLOCK_PAGES : n;
	if (by_block) {
		for (cols = 16; (uint64_t)cols * cols < units && cols < 128; cols *= 2)
			;
		cell = cols <= 16 ? 28 : cols <= 32 ? 16 : cols <= 64 ? 10 : 6;
	} else {
		for (cols = 64; (uint64_t)cols * cols < units && cols < 256; cols *= 2)
			;
		cell = cols <= 64 ? 12 : cols <= 128 ? 6 : 3;
	}
	rows = (units + cols - 1) / cols;
	width = cols * cell + 20 < 720 ? 720 : cols * cell + 20;
	for (i = 0; i < n; i++)
		cls_any[map_class_of(&m->pages[i])]++;
	map_free_blocks(m, &free_blocks, &blocks);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%" PRIu64 "' font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='white'/>\n<text x='10' y='20' font-size='14'>",
		width, rows * cell + 150);
	rp_svg_escape(f, title);
	fprintf(f, "</text>\n<text x='10' y='40' font-size='13' font-weight='bold'>%" PRIu64 " of %" PRIu64 " pageblocks entirely free (2 MiB blocks a HugePage could use)</text>\n<g shape-rendering='crispEdges'>\n",
		free_blocks, blocks);
	if (by_block)
		map_svg_blocks(f, m, cols, cell);
	else
		map_svg_pages(f, m, cols, cell);
	fprintf(f, "</g>\n");
	/* the legend: each entry as wide as its label, wrapped at the width */
	legend_y = (unsigned int)(rows * cell + 66);
	for (c = 0, x = 10, y = legend_y; c < MAP_NR_CLASSES; c++) {
		unsigned int w = 16 + 7 * (unsigned int)strlen(map_class_names[c]) + 18;

		if (c == MAP_HOLE && !cls_any[c])
			continue;
		if (x + w > width) {
			x = 10;
			y += 18;
		}
		fprintf(f, "<rect x='%u' y='%u' width='12' height='12' fill='%s' stroke='#333' stroke-width='0.5'/><text x='%u' y='%u' font-size='12'>%s</text>\n",
			x, y, map_class_colours[c], x + 16, y + 11,
			map_class_names[c]);
		x += w;
	}
	if (by_block)
		fprintf(f, "<text x='10' y='%u' font-size='12'>one cell per 2 MiB pageblock, %u per row (arenas above %llu MiB); in a cell the</text>\n"
			"<text x='10' y='%u' font-size='12'>share of its %u pages of each kind, stacked from the bottom, free on top; hover for its migrate type</text>\n</svg>\n",
			y + 32, cols, MAP_PAGE_LEVEL_MAX >> 20, y + 48,
			FL_PAGEBLOCK_PAGES);
	else
		fprintf(f, "<text x='10' y='%u' font-size='12'>one cell per %u-byte page, %u per row; boxes: 2 MiB pageblocks (hover for the migrate type)</text>\n</svg>\n",
			y + 32, m->page_size, cols);
	if (fclose(f)) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * JSON: totals per class, pageblocks, and the blocks in address order (a
 * run of hole pages is one "hole" entry).  Every page is in exactly one
 * block, so the blocks' pages add up to index_pages.
 */
static void map_write_json(const struct map_arena *m, const char *source,
			   const char *title, const char *svg)
{
	uint64_t cls[MAP_NR_CLASSES] = { 0 }, i, j;
	unsigned int c;
	bool first = true;

	for (i = 0; i < m->nr; i++)
		cls[map_class_of(&m->pages[i])]++;
	printf("{\"source\": \"%s\", \"title\": ", source);
	fc_json_str(title);
	printf(", \"svg\": ");
	if (svg)
		fc_json_str(svg);
	else
		printf("null");
	printf(", \"page_size\": %u, \"index_pages\": %" PRIu64 ", \"arena_pages\": %" PRIu64 ", \"pages\": {",
	       m->page_size, m->nr, m->arena_pages);
	for (c = 0; c < MAP_NR_CLASSES; c++)
		printf("%s\"%s\": %" PRIu64, c ? ", " : "", map_class_names[c],
		       cls[c]);
	printf("}, \"pageblocks\": [");
	for (i = 0; i < m->nr; i += FL_PAGEBLOCK_PAGES) {
		uint64_t fr = 0, end = i + FL_PAGEBLOCK_PAGES;
		const struct fraglab_page *p = &m->pages[i];

		if (end > m->nr)
			end = m->nr;
		for (j = i; j < end; j++)
			fr += m->pages[j].state == FRAGLAB_PAGE_FREE;
		printf("%s{\"index\": %u, \"migratetype\": \"%s\", \"pages\": %" PRIu64 ", \"free\": %" PRIu64 "}",
		       i ? ", " : "", p->pageblock,
		       p->state == FRAGLAB_PAGE_HOLE ? "hole" :
		       fraglab_mt_name(p->pageblock_mt), end - i, fr);
	}
	printf("], \"blocks\": [");
	for (i = 0; i < m->nr; i = j) {
		const struct fraglab_page *p = &m->pages[i];

		if (p->state == FRAGLAB_PAGE_HOLE) {
			for (j = i + 1; j < m->nr &&
			     m->pages[j].state == FRAGLAB_PAGE_HOLE; j++)
				;
			printf("%s{\"first_page\": %" PRIu64 ", \"offset\": %" PRIu64 ", \"pages\": %" PRIu64 ", \"state\": \"hole\"}",
			       first ? "" : ", ", i, i * m->page_size, j - i);
			first = false;
			continue;
		}
		/* a block: from its head, 1 << order pages (clipped) */
		j = i - p->block_offset + (1ULL << p->order);
		if (j <= i || j > m->nr)
			j = i + 1;
		printf("%s{\"first_page\": %" PRIu64 ", \"offset\": %" PRIu64 ", \"pages\": %" PRIu64 ", \"order\": %u, \"state\": \"%s\", \"migratetype\": \"%s\", \"owner\": \"%s\", \"class\": \"%s\", \"moved\": %s}",
		       first ? "" : ", ", i, i * m->page_size, j - i, p->order,
		       fraglab_page_state_name(p->state),
		       fraglab_mt_name(p->migratetype),
		       fraglab_owner_name(p->owner),
		       map_class_names[map_class_of(p)],
		       p->flags & FRAGLAB_PAGE_MOVED ? "true" : "false");
		first = false;
	}
	printf("]}\n");
}

/* The live arena of the loaded module. */
static int map_live(struct fc_ctx *c, struct map_arena *m, char *title,
		    size_t len)
{
	const char *dev = c->device ? c->device : FRAGLAB_DEVICE;
	struct fraglab_stats st;
	int ret;

	if (!c->opened && access(dev, F_OK)) {
		fprintf(stderr, "fragctl: map: %s does not exist: load fraglab.ko for the live arena, or draw a simulated one with --trace TRACE\n",
			dev);
		return 1;
	}
	ret = fc_open(c);
	if (ret)
		return ret;
	ret = fraglab_arena_map(&c->fl, &m->pages, &m->nr);
	if (ret)
		return fc_fail("map (FRAGLAB_IOC_PAGE_INFO)", ret);
	m->arena_pages = c->fl.version.arena_pages;
	m->page_size = c->fl.version.page_size;
	if (!fraglab_stats(&c->fl, &st))
		snprintf(title, len, "%s: live arena, %" PRIu64 " MiB, %" PRIu64 " of %" PRIu64 " pages free, %" PRIu64 " allocations",
			 dev, m->arena_pages * m->page_size >> 20,
			 (uint64_t)st.free_pages, (uint64_t)st.total_pages,
			 (uint64_t)st.nr_allocated);
	else
		snprintf(title, len, "%s: live arena", dev);
	return 0;
}

/* The arena of a --sim replay of @trace, stopped at --at. */
static int map_sim(int argc, char **argv, const char *trace,
		   struct map_arena *m, char *title, size_t len)
{
	const char *strat = fc_opt(&argc, argv, "--strategy");
	const char *at = fc_opt(&argc, argv, "--at");
	const char *arena = fc_opt(&argc, argv, "--arena");
	struct rp_sim_cfg cfg = { .arena_bytes = 64ULL << 20, .max_order = 10,
				  .grouping = true };
	struct rp_backend b;
	struct rp_result r;
	struct rp_trace t;
	char err[256];
	uint64_t v = 0;
	int s = RP_SLAB, ret;

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
		snprintf(title, len, "%s after %" PRIu64 " of %zu ops, %s (--sim)",
			 trace, r.ops, t.nr_ops, rp_strategy_names[s]);
		ret = map_from_buddy(rp_sim_buddy(b.priv), m);
		if (ret)
			ret = fc_fail("map", ret);
	} else {
		ret = fc_fail("map", ret);
	}
	b.destroy(b.priv);
	rp_trace_free(&t);
	return ret;
}

static int cmd_map(struct fc_ctx *c, int argc, char **argv)
{
	const char *svg = fc_opt(&argc, argv, "--svg");
	const char *trace = fc_opt(&argc, argv, "--trace");
	bool sim = fc_flag(&argc, argv, "--sim");
	struct map_arena m = { 0 };
	char title[512];
	int ret;

	if (!svg && !c->json)
		return fc_usage("map needs --svg FILE and/or --json");
	if (sim && !trace)
		return fc_usage("map --sim draws the arena of a simulated replay: give --trace TRACE");
	if (trace) {
		ret = map_sim(argc, argv, trace, &m, title, sizeof(title));
	} else {
		if (argc > 1)
			return fc_usage("map does not take '%s'%s", argv[1],
					!strncmp(argv[1], "--", 2) &&
					strcmp(argv[1], "--svg") ?
					" without --trace (the live arena)" : "");
		ret = map_live(c, &m, title, sizeof(title));
	}
	if (ret) {
		free(m.pages);
		return ret;
	}
	if (svg)
		ret = map_write_svg(&m, svg, title);
	if (!ret) {
		if (c->json)
			map_write_json(&m, trace ? "sim" : "live", title, svg);
		else
			printf("wrote %s: %s\n", svg, title);
	}
	free(m.pages);
	return ret;
}

const struct fc_cmd fc_cmds_export[] = {
	{ "export", "[--prometheus] [--output FILE]",
	  "print the system's buddyinfo per order, fragmentation indices, HugePage availability and slab usage (and the arena's, if fraglab.ko is loaded) in node_exporter textfile format; --output writes FILE atomically; with --json the same samples as one JSON object",
	  cmd_export, false },
	{ "map", "[--svg FILE] [--trace TRACE [--sim] [--strategy S] [--at OP] [--arena SIZE]]",
	  "draw the live arena of the loaded module page by page as an SVG (pages coloured free/movable/unmovable/reclaimable/slab/pool/other, 2 MiB pageblock grid), and with --json list its blocks, pageblocks and page counts; with --trace, the arena of a --sim replay of TRACE up to operation OP instead (default: the end; strategy default slab)",
	  cmd_map, false },
	{ NULL },
};
