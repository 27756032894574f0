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

#include "fragctl.h"
#include "replay_fc.h"

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
