// SPDX-License-Identifier: GPL-2.0
/*
 * t_replay - fragctl replay through /dev/fraglab gives the same numbers as
 * fragctl replay --sim (the core compiled into fragctl) for the same trace.
 *
 * First a trace generated here: a plateau of mixed sizes with a few large
 * blocks, some reallocs and some aligned requests, sized so that a 4 MiB
 * arena runs into failures (some of them with enough free memory:
 * fragmentation).  Then every real-program trace of tests/data that the
 * initramfs carries in /data (tests/vm/build.sh: gcc-c, sqlite3, python3)
 * on a 16 MiB arena.  That arena is often several physically separate
 * ranges (four order-10 blocks rarely come out adjacent), which gives the
 * fit pools one segment per range: the kernel replay reports the ranges
 * ("range_pages", from FRAGLAB_PAGE_RANGE_START) and the sim replays on
 * the same layout (--ranges).
 * Both replays run with --json; every deterministic field (footprint,
 * granted, fragmentation, largest free block, failures) must match per
 * strategy.  Only "seconds" and "ops_per_sec" may differ.  Strategies the
 * module cannot replay (no pool ioctls) are skipped, not failed.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_box.h"

#define TRACE	"/tmp/t_replay.trace"
#define MAXOUT	(64 * 1024)

static const char *const strategies[] = {
	"buddy", "slab", "first-fit", "next-fit", "best-fit", "worst-fit",
};

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static uint64_t pick_size(uint64_t *s)
{
	uint64_t r = lcg(s) % 100;

	if (r < 70)
		return 8 + lcg(s) % 505;
	if (r < 95)
		return 512 + lcg(s) % (16 * 1024);
	return 16 * 1024 + lcg(s) % (512 * 1024);
}

static int write_trace(void)
{
	uint64_t live[512], seed = 42, seq = 0, next_id = 1;
	unsigned int nlive = 0, i;
	FILE *f = fopen(TRACE, "w");

	if (!f)
		return -1;
	fprintf(f, "#fragtrace 1 program=t_replay (generated)\n");
	for (i = 0; i < 3000; i++) {
		bool do_free = nlive && (nlive >= 400 || lcg(&seed) % 3 == 0);

		if (do_free) {
			unsigned int k = lcg(&seed) % nlive;

			fprintf(f, "%" PRIu64 " f 1 0 %" PRIx64 " 0 0 0\n", seq++,
				live[k]);
			live[k] = live[--nlive];
		} else if (nlive && lcg(&seed) % 20 == 0) {
			/* realloc: a new block replaces live[k] */
			unsigned int k = lcg(&seed) % nlive;
			uint64_t id = next_id++;

			fprintf(f, "%" PRIu64 " r 1 0 %" PRIx64 " %" PRIu64 " 0 %" PRIx64 "\n",
				seq++, id, pick_size(&seed), live[k]);
			live[k] = id;
		} else {
			uint64_t id = next_id++, r = lcg(&seed) % 10;

			/* one in ten aligned (posix_memalign): 64 B or a page */
			fprintf(f, "%" PRIu64 " %c 1 0 %" PRIx64 " %" PRIu64 " %u 0\n",
				seq++, r ? 'm' : 'p', id, pick_size(&seed),
				r ? 0 : (lcg(&seed) & 1) ? 64 : 4096);
			live[nlive++] = id;
		}
	}
	return fclose(f);
}

/* The deterministic part of one strategy's result object, or NULL. */
static int result_of(const char *json, const char *strategy, char *buf,
		     size_t len)
{
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), "{\"strategy\": \"%s\"", strategy);
	p = strstr(json, key);
	if (!p)
		return -1;
	end = strstr(p, ", \"seconds\"");
	if (!end || (size_t)(end - p) >= len)
		return -1;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return 0;
}

/* Replay @trace in the kernel and with --sim on the same arena; compare. */
static void compare(const char *trace, const char *label)
{
	static char kout[MAXOUT], sout[MAXOUT];
	char cmd[1024], k[1024], s[1024], ranges[512];
	unsigned long long arena = 0;
	const char *p;
	unsigned int i;
	int ret;

	snprintf(cmd, sizeof(cmd), "fragctl --json replay %s 2>/dev/null", trace);
	ret = fl_box_run(cmd, kout, sizeof(kout));
	tap_ok(ret == 0, "%s: fragctl replay (kernel) exits 0", label);
	p = strstr(kout, "\"arena_bytes\": ");
	if (p)
		arena = strtoull(p + 15, NULL, 10);
	tap_ok(arena >= (4ULL << 20), "%s: kernel arena: %llu bytes", label, arena);
	/* "range_pages": [a, b, ...] when the arena is not one range */
	ranges[0] = '\0';
	p = strstr(kout, "\"range_pages\": [");
	if (p) {
		size_t n = snprintf(ranges, sizeof(ranges), " --ranges ");
		char *end;

		for (p += 16; n < sizeof(ranges) - 24; p = end + 1) {
			unsigned long long pages = strtoull(p, &end, 10);

			n += snprintf(ranges + n, sizeof(ranges) - n, "%s%lluK",
				      ranges[n - 1] == ' ' ? "" : ",", pages * 4);
			if (*end != ',')
				break;
		}
		tap_diag("%s: the arena is several physically separate ranges:%s", label, ranges);
	}
	snprintf(cmd, sizeof(cmd),
		 "fragctl --json replay %s --sim --arena %llu%s 2>&1", trace, arena, ranges);
	ret = fl_box_run(cmd, sout, sizeof(sout));
	tap_ok(ret == 0, "%s: fragctl replay --sim --arena %llu%s exits 0", label, arena, ranges);
	for (i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++) {
		if (result_of(kout, strategies[i], k, sizeof(k))) {
			if (i >= 2)
				tap_skip("no pool ioctls in this module",
					 "%s: %s: kernel == sim", label, strategies[i]);
			else
				tap_fail("no kernel result", "%s: %s: kernel == sim",
					 label, strategies[i]);
			continue;
		}
		if (result_of(sout, strategies[i], s, sizeof(s))) {
			tap_fail("no sim result", "%s: %s: kernel == sim", label,
				 strategies[i]);
			continue;
		}
		if (!tap_ok(!strcmp(k, s), "%s: %s: kernel == sim", label,
			    strategies[i])) {
			tap_diag("kernel: %s", k);
			tap_diag("sim:    %s", s);
		} else {
			tap_diag("%s", k);
		}
	}
	ret = system("fragctl check >/dev/null 2>&1");
	tap_ok(ret == 0, "%s: arena consistent after the replays (fragctl check)", label);
}

int main(void)
{
	static const char *const real[] = { "gcc-c", "sqlite3", "python3" };
	char path[128];
	unsigned int i;

	if (system("command -v fragctl >/dev/null 2>&1")) {
		tap_skip("fragctl is not in the box", "kernel replay == sim");
		return tap_done();
	}
	if (!tap_is_int(write_trace(), 0, "write the generated trace " TRACE))
		return tap_done();
	if (!tap_is_int(fl_box_load("arena_mb=4"), 0, "insmod arena_mb=4"))
		return tap_done();
	compare(TRACE, "generated");
	tap_is_int(fl_box_unload(), 0, "rmmod");

	if (!tap_is_int(fl_box_load("arena_mb=16"), 0, "insmod arena_mb=16"))
		return tap_done();
	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		snprintf(path, sizeof(path), "/data/%s.trace", real[i]);
		if (!tap_ok(access(path, R_OK) == 0,
			    "%s is in the initramfs (tests/vm/build.sh)", path))
			continue;
		compare(path, real[i]);
	}
	tap_is_int(fl_box_unload(), 0, "rmmod");
	return tap_done();
}
