// SPDX-License-Identifier: GPL-2.0
/*
 * b_bench.c - the in-VM driver of `make bench` (tests/bench/run.sh).
 *
 * Not a box test: the box harness runs only NN-*.sh and t_* programs, and
 * tests/box/Makefile builds only t_*.c, so a normal `make box` never sees
 * this file.  tests/bench/run.sh compiles it into its own build directory
 * as t_bench and boots the box with FRAGLAB_BOX_TESTS=t_bench.
 *
 * It loads fraglab.ko with a 128 MiB arena (order-9 blocks for the buddy
 * pairs, room for the slab caches), runs `fragctl bench` with the options
 * given on the kernel command line (flbench.args=a,b,c: commas become
 * spaces) FL_BENCH_REPEAT times, prints each table between
 * "### bench: begin N" / "### bench: end N rc=R" lines for run.sh to cut
 * out and compare (the box runs under -icount: two runs must agree), and
 * unloads the module.  TAP: one line for the load, each bench run and the
 * unload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_box.h"

#define FL_BENCH_ARENA	"arena_mb=128"
#define FL_BENCH_REPEAT	2

/* flbench.args=... from /proc/cmdline, commas turned into spaces. */
static void bench_args(char *out, size_t len)
{
	char line[4096], *p, *e;
	FILE *f = fopen("/proc/cmdline", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	fclose(f);
	p = strstr(line, "flbench.args=");
	if (!p)
		return;
	p += strlen("flbench.args=");
	e = p + strcspn(p, " \n");
	*e = '\0';
	snprintf(out, len, "%s", p);
	for (p = out; *p; p++)
		if (*p == ',')
			*p = ' ';
}

int main(void)
{
	char args[1024], cmd[1200];
	int i, ret;

	bench_args(args, sizeof(args));
	if (fl_box_load(FL_BENCH_ARENA)) {
		tap_fail("insmod %s", FL_BENCH_ARENA);
		return tap_done();
	}
	tap_ok(1, "insmod %s", FL_BENCH_ARENA);
	snprintf(cmd, sizeof(cmd), "fragctl bench %s", args);
	for (i = 1; i <= FL_BENCH_REPEAT; i++) {
		printf("### bench: begin %d %s\n", i, cmd);
		fflush(stdout);
		ret = system(cmd);
		printf("### bench: end %d rc=%d\n", i, ret);
		fflush(stdout);
		tap_ok(ret == 0, "run %d: %s", i, cmd);
	}
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
	return tap_done();
}
