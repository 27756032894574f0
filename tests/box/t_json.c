// SPDX-License-Identifier: GPL-2.0
/*
 * t_json - every fragctl command honours --json.
 *
 * Runs each command of `fragctl --help` (alone, or in a -c session for the
 * ones that need earlier allocations) with --json and checks that it exits
 * 0 and prints valid JSON: one value for a single command, one value per
 * line for a session.  Then a few values are compared with the text
 * output or the ioctls: buddyinfo / pagetypeinfo counts against the debugfs
 * text, pool stats against pool info, bench rows against --only.
 * Leaves fraglab unloaded.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_box.h"
#include "fl_json.h"

#define MAXOUT	(4 * 1024 * 1024)

static char out[MAXOUT];

/* One command: exit 0 and exactly one JSON value. */
static void one(const char *args)
{
	char cmd[512];
	int ret;

	snprintf(cmd, sizeof(cmd), "fragctl --json %s 2>/dev/null", args);
	ret = fl_box_run(cmd, out, sizeof(out));
	if (!tap_ok(ret == 0 && fl_json_valid(out) && strlen(out) > 2,
		    "fragctl --json %s: exit 0, one JSON value", args))
		tap_diag("exit %d, output: %.300s", ret, out);
}

/* A -c session: exit 0, every line one JSON value, @lines of them. */
static void session(const char *what, const char *script, int lines)
{
	char cmd[1024];
	int ret, n;

	snprintf(cmd, sizeof(cmd), "fragctl --json -c '%s' 2>/dev/null", script);
	ret = fl_box_run(cmd, out, sizeof(out));
	n = fl_json_lines_valid(out);
	if (!tap_ok(ret == 0 && n == lines,
		    "%s: exit 0, %d lines, each one JSON value", what, lines))
		tap_diag("exit %d, %d valid lines, output: %.600s", ret, n, out);
}

static uint64_t json_u64(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : ~0ULL;
}

int main(void)
{
	static char text[MAXOUT];
	struct fraglab_zone_free z[4];
	struct fraglab_alloc a1, a2;
	struct fraglab fl;
	uint64_t v;
	const char *p;
	int ret, n;
	unsigned int o;
	bool ok;

	if (system("command -v fragctl >/dev/null 2>&1")) {
		tap_skip("fragctl is not in the box", "fragctl --json");
		return tap_done();
	}
	/* without the module: the commands that do not need it */
	one("audit");
	one("export --prometheus");
	one("replay /data/python3.trace --sim --strategy buddy");
	one("map --trace /data/python3.trace --arena 8M");

	if (!tap_is_int(fl_box_load("arena_mb=16"), 0, "insmod arena_mb=16"))
		return tap_done();
	one("status");
	one("arena");
	one("buddyinfo");
	one("pagetypeinfo");
	one("unusable_index");
	one("extfrag_index");
	one("stats");
	one("check");
	one("set grouping on");
	one("compact --order 3");
	one("compact --full");
	one("compact-predict");
	one("proactive");
	one("slabinfo");
	one("slabtop");
	one("export --prometheus");
	one("map");
	one("probe hugepages");
	one("probe hugepages --system");
	one("compare");
	one("replay /data/python3.trace --strategy buddy");
	one("bench --only buddy --iterations 1000 --runs 1");
	session("buddy session",
		"alloc 21K; alloc 8K --type unmovable; query @1; list; free @1 @2; list", 6);
	session("slab session",
		"slab create j\"q\\\\ 64 --reclaimable; slab alloc j\"q\\\\ 3; slab info j\"q\\\\; slabinfo; slabtop; "
		"slab free j\"q\\\\ @2; slab shrink j\"q\\\\; slab free j\"q\\\\ --all; slab destroy j\"q\\\\", 9);
	session("pool session",
		"pool create 64K --granularity 1K; pool alloc . 1K; pool alloc . 5K; pool alloc . 1K --movable; "
		"pool alloc . 2K 3; pool free . @2; pool info .; pool stats .; pool holes .; pool map .; "
		"pool strategy . best-fit; pool compact .; compact --pool .; pool free . --all; pool destroy .", 15);

	/* values: JSON against text / ioctls */
	{
		uint64_t jv[FRAGLAB_NR_ORDERS] = { 0 };
		char *q;

		ret = fl_box_run("fragctl --json buddyinfo", out, sizeof(out));
		q = strstr(out, "\"nr_free\":[");
		for (o = 0; q && o < FRAGLAB_NR_ORDERS; o++) {
			jv[o] = strtoull(q + (o ? 1 : 11), &q, 10);
			if (*q != ',' && *q != ']')
				q = NULL;
		}
		ret |= fl_box_run("fragctl buddyinfo", out, sizeof(out));
		n = fl_parse_buddyinfo(out, z, 4);
		ok = q && !ret && n == 1 && z[0].nr_orders == FRAGLAB_NR_ORDERS;
		for (o = 0, v = 0; ok && o < FRAGLAB_NR_ORDERS; o++) {
			ok = z[0].nr_free[o] == jv[o];
			v += jv[o] << o;
		}
		tap_ok(ok && v, "buddyinfo: JSON nr_free = text, every order (%" PRIu64 " free pages)", v);
	}
	/* pageblocks of several types, held on this fd while both run */
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open") ||
	    !tap_is_int(fraglab_alloc(&fl, 64 * 1024, -1, FRAGLAB_MT_UNMOVABLE, &a1), 0, "alloc 64K unmovable") ||
	    !tap_is_int(fraglab_alloc(&fl, 2 << 20, -1, FRAGLAB_MT_RECLAIMABLE, &a2), 0, "alloc 2M reclaimable"))
		tap_bail("alloc");
	ret = fl_box_run("fragctl --json pagetypeinfo", out, sizeof(out));
	p = strstr(out, "\"blocks\":{");
	if (tap_ok(!ret && p, "pagetypeinfo --json has blocks")) {
		uint64_t bu = json_u64(p, "\"unmovable\":"), bm = json_u64(p, "\"movable\":"),
			 br = json_u64(p, "\"reclaimable\":");

		ret = fl_box_run("fragctl pagetypeinfo", out, sizeof(out));
		p = strstr(out, "Number of blocks type");
		p = p ? strstr(p, "Node 0, zone") : NULL;
		if (tap_ok(!ret && p, "pagetypeinfo text has the block counts")) {
			unsigned long long tu, tm, tr;
			char zone[32];

			ok = sscanf(p, "Node 0, zone %31s %llu %llu %llu", zone, &tu, &tm, &tr) == 4 &&
			     tu == bu && tm == bm && tr == br;
			tap_ok(ok && bu && br, "pagetypeinfo: JSON blocks %" PRIu64 "/%" PRIu64 "/%" PRIu64 " = text",
			       bu, bm, br);
		}
	}
	fraglab_close(&fl);
	ret = fl_box_run("fragctl --json -c 'pool create 64K; pool alloc . 3K; pool info .; pool stats .'",
			 out, sizeof(out));
	{
		char *l3 = strchr(out, '\n'), *l4;

		l3 = l3 ? strchr(l3 + 1, '\n') : NULL;
		l4 = l3 ? strchr(l3 + 1, '\n') : NULL;
		if (l4) {
			*l4++ = '\0';
			strncpy(text, l3 + 1, sizeof(text) - 1);
		}
		tap_ok(!ret && l4 && !strncmp(text, l4, strlen(text)),
		       "pool stats --json = pool info --json");
	}
	ret = fl_box_run("fragctl pool stats 99 2>&1", out, sizeof(out));
	tap_ok(ret && strstr(out, "pool"), "pool stats of an unknown pool: an error sentence");
	ret = fl_box_run("fragctl --json bench --only slab --iterations 1000 --runs 1", out, sizeof(out));
	for (o = 0, p = out; (p = strstr(p, "{\"pair\": ")); p++)
		o++;
	tap_ok(!ret && fl_json_valid(out) && o == 3 && strstr(out, "\"errors\": 0"),
	       "bench --json --only slab: 3 rows, no error");

	ret = system("fragctl check >/dev/null 2>&1");
	tap_ok(ret == 0, "arena consistent (fragctl check)");
	tap_is_int(fl_box_unload(), 0, "rmmod");
	return tap_done();
}
