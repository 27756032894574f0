// SPDX-License-Identifier: GPL-2.0
/*
 * t_trace - fraglab's tracepoints (module/core/fl_trace.h) through tracefs.
 *
 * Every event exists under events/fraglab/ with the kernel's field names
 * where the kernel has the event; enabled, a workload over the buddy (with
 * fallbacks), slab caches (single and bulk), a fit pool, arena compaction
 * and a real-system trial produces exactly as many events as the counters
 * that the same operations move (STATS, cache and pool info, the compact
 * result), with nothing lost in the ring buffer.  No event prints a
 * kernel address.  Leaves fraglab unloaded and the events disabled.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fl_box.h"

static struct fraglab fl;
static const char *tracefs;

static const char *const events[] = {
	"fl_page_alloc", "fl_page_free", "fl_page_alloc_extfrag",
	"fl_slab_alloc", "fl_slab_free", "fl_pool_alloc", "fl_pool_free",
	"fl_compaction_begin", "fl_compaction_end",
	"fl_compaction_migratepages", "fl_compaction_suitable",
	"fl_probe_trial",
};
#define NR_EVENTS (sizeof(events) / sizeof(events[0]))

static int write_file(const char *rel, const char *val)
{
	char path[256];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", tracefs, rel);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

static bool exists(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tracefs, rel);
	return stat(path, &st) == 0;
}

static const char *find_tracefs(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st) == 0)
		return "/sys/kernel/tracing";
	mkdir("/sys/kernel/tracing", 0755);
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0)
		return "/sys/kernel/tracing";
	if (stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return "/sys/kernel/debug/tracing";
	return NULL;
}

/* What one pass over the "trace" file found. */
struct census {
	long n[NR_EVENTS];
	long migrated;		/* sum of fl_compaction_migratepages nr_migrated */
	long claimed;		/* fl_page_alloc_extfrag with change_ownership=1 */
	bool pointer;		/* a line with something like a kernel address */
};

static void census_line(struct census *c, const char *line)
{
	const char *p;
	size_t i;

	for (i = 0; i < NR_EVENTS; i++) {
		char key[64];

		snprintf(key, sizeof(key), " %s: ", events[i]);
		p = strstr(line, key);
		if (!p)
			continue;
		c->n[i]++;
		p += strlen(key);
		if (!strcmp(events[i], "fl_compaction_migratepages")) {
			long v;

			if (sscanf(p, "nr_migrated=%ld", &v) == 1)
				c->migrated += v;
		}
		if (!strcmp(events[i], "fl_page_alloc_extfrag") &&
		    strstr(p, "change_ownership=1"))
			c->claimed++;
		/* %p / %pS output or a pfn would look like this */
		if (strstr(p, "ffff") || strstr(p, "pfn=") ||
		    strstr(p, "page="))
			c->pointer = true;
		return;
	}
}

static int read_census(struct census *c)
{
	char path[256], *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0)
		census_line(c, line);
	free(line);
	fclose(f);
	return 0;
}

static long event_count(const struct census *c, const char *name)
{
	size_t i;

	for (i = 0; i < NR_EVENTS; i++)
		if (!strcmp(events[i], name))
			return c->n[i];
	return -1;
}

/* Sum of "overrun:" over per_cpu/cpu*\/stats: events the ring lost. */
static long overruns(void)
{
	char cmd[300], out[256];
	long v = -1;

	snprintf(cmd, sizeof(cmd),
		 "cat %s/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }'",
		 tracefs);
	if (fl_box_run(cmd, out, sizeof(out)) == 0)
		sscanf(out, "%ld", &v);
	return v;
}

static uint64_t sum_orders(const uint64_t *v)
{
	uint64_t s = 0;
	int o;

	for (o = 0; o < FRAGLAB_NR_ORDERS; o++)
		s += v[o];
	return s;
}

/* Buddy work with fallbacks: fill with UNMOVABLE, then ask for MOVABLE. */
static int buddy_work(void)
{
	static uint64_t h[4096];
	struct fraglab_alloc a;
	int n = 0, i, ret = 0;

	for (i = 0; i < 600 && n < 4096; i++)
		if (!fraglab_alloc(&fl, 0, i % 4, FRAGLAB_MT_UNMOVABLE, &a))
			h[n++] = a.handle;
	for (i = 0; i < 200 && n < 4096; i++)
		if (!fraglab_alloc(&fl, 0, i % 3, i % 2 ? FRAGLAB_MT_MOVABLE :
				   FRAGLAB_MT_RECLAIMABLE, &a))
			h[n++] = a.handle;
	/* a failing request: a fail, never an event */
	fraglab_alloc(&fl, 0, 10, FRAGLAB_MT_MOVABLE, &a);
	for (i = 0; i < n; i += 2)
		ret |= fraglab_free(&fl, h[i]);
	for (i = 1; i < n; i += 2)
		ret |= fraglab_free(&fl, h[i]);
	return ret;
}

static int slab_work(uint32_t *allocs, uint32_t *frees, uint32_t *cid)
{
	struct fraglab_obj objs[64];
	uint32_t done = 0, i;
	int ret;

	ret = fraglab_cache_create(&fl, "t_trace", 200, 0, 0, cid);
	if (ret)
		return ret;
	for (i = 0; i < 40; i++) {
		ret = fraglab_obj_alloc(&fl, *cid, &objs[i]);
		if (ret)
			return ret;
		(*allocs)++;
	}
	for (i = 0; i < 40; i++) {
		ret = fraglab_obj_free(&fl, *cid, objs[i].handle);
		if (ret)
			return ret;
		(*frees)++;
	}
	memset(objs, 0, sizeof(objs));
	for (i = 0; i < 64; i++)
		objs[i].cache_id = *cid;
	ret = fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, 64, &done);
	*allocs += done;
	if (ret)
		return ret;
	ret = fraglab_obj_batch(&fl, FRAGLAB_OBJ_BATCH_FREE, objs, 64, &done);
	*frees += done;
	return ret;
}

static int pool_work(uint32_t *pid)
{
	struct fraglab_pool_create pc;
	struct fraglab_pool_alloc pa[32];
	int i, ret;

	ret = fraglab_pool_create(&fl, 1 << 20, 4096, 2, &pc);
	if (ret)
		return ret;
	*pid = pc.pool_id;
	for (i = 0; i < 32; i++) {
		ret = fraglab_pool_alloc(&fl, *pid, 4096 * (1 + i % 5), 0, 0,
					 &pa[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < 32; i += 2)
		ret |= fraglab_pool_free(&fl, *pid, pa[i].handle);
	return ret;
}

int main(void)
{
	struct fraglab_stats st0, st1;
	struct fraglab_cache_info ci;
	struct fraglab_pool_info pi;
	struct fraglab_compact cr;
	struct fraglab_probe_system ps;
	struct census c;
	uint32_t cid = 0, pid = 0, sallocs = 0, sfrees = 0;
	char rel[128];
	size_t i;
	long lost;

	if (fl_box_load(""))
		tap_bail("insmod fraglab");
	tracefs = find_tracefs();
	if (!tracefs)
		tap_bail("no tracefs in this kernel");
	for (i = 0; i < NR_EVENTS; i++) {
		snprintf(rel, sizeof(rel), "events/fraglab/%s/format",
			 events[i]);
		tap_ok(exists(rel), "tracefs lists fraglab:%s", events[i]);
	}
	if (fraglab_open(&fl, NULL))
		tap_bail("open /dev/fraglab");

	write_file("tracing_on", "0");
	write_file("buffer_size_kb", "8192");
	write_file("trace", "");
	tap_is_int(write_file("events/fraglab/enable", "1"), 0,
		   "enable every fraglab event");
	write_file("tracing_on", "1");

	if (fraglab_stats(&fl, &st0))
		tap_bail("stats");
	tap_is_int(buddy_work(), 0, "buddy workload with fallbacks");
	tap_is_int(slab_work(&sallocs, &sfrees, &cid), 0,
		   "slab workload (single and bulk)");
	tap_is_int(pool_work(&pid), 0, "pool workload");
	memset(&cr, 0, sizeof(cr));
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0,
				   &cr), 0, "full compaction");
	memset(&ps, 0, sizeof(ps));
	tap_is_int(fraglab_probe_system(&fl, FRAGLAB_PROBE_TRY, 2, &ps), 0,
		   "a real-system trial of 2 blocks");
	if (fraglab_stats(&fl, &st1))
		tap_bail("stats");
	memset(&ci, 0, sizeof(ci));
	memset(&pi, 0, sizeof(pi));
	fraglab_cache_info(&fl, cid, &ci);
	fraglab_pool_info(&fl, pid, &pi);

	write_file("tracing_on", "0");
	lost = overruns();
	tap_is_int(lost, 0, "the ring buffer lost no event");
	if (read_census(&c))
		tap_bail("read %s/trace", tracefs);

	tap_is_int(event_count(&c, "fl_page_alloc"),
		   sum_orders(st1.alloc_ok) - sum_orders(st0.alloc_ok),
		   "fl_page_alloc events == STATS alloc_ok delta (every order)");
	tap_is_int(event_count(&c, "fl_page_free"), st1.frees - st0.frees,
		   "fl_page_free events == STATS frees delta");
	tap_is_int(event_count(&c, "fl_page_alloc_extfrag"),
		   st1.fallbacks - st0.fallbacks,
		   "fl_page_alloc_extfrag events == STATS fallbacks delta");
	tap_ok(st1.fallbacks > st0.fallbacks,
	       "the workload made fallbacks (%" PRIu64 ", %ld claimed)",
	       (uint64_t)(st1.fallbacks - st0.fallbacks), c.claimed);
	tap_is_int(event_count(&c, "fl_slab_alloc"), (long long)ci.allocs,
		   "fl_slab_alloc events == the cache's allocs");
	tap_is_int(event_count(&c, "fl_slab_free"), (long long)ci.frees,
		   "fl_slab_free events == the cache's frees");
	tap_is_int(sallocs, (long long)ci.allocs,
		   "the cache counted what the test allocated");
	tap_is_int(event_count(&c, "fl_pool_alloc"), (long long)pi.allocs,
		   "fl_pool_alloc events == the pool's allocs");
	tap_is_int(event_count(&c, "fl_pool_free"), (long long)pi.frees,
		   "fl_pool_free events == the pool's frees");
	tap_is_int(event_count(&c, "fl_compaction_begin"), 1,
		   "one fl_compaction_begin per compaction");
	tap_is_int(event_count(&c, "fl_compaction_end"), 1,
		   "one fl_compaction_end per compaction");
	tap_is_int(event_count(&c, "fl_compaction_suitable"), 1,
		   "one fl_compaction_suitable per compaction");
	tap_is_int(c.migrated, (long long)cr.moved,
		   "sum of fl_compaction_migratepages nr_migrated == moved");
	tap_is_int(event_count(&c, "fl_probe_trial"), 1,
		   "one fl_probe_trial per plain trial");
	tap_ok(!c.pointer, "no event prints a pointer or a pfn");

	write_file("events/fraglab/enable", "0");
	write_file("trace", "");
	write_file("tracing_on", "1");
	fraglab_cache_destroy(&fl, cid);
	fraglab_pool_destroy(&fl, pid);
	fraglab_close(&fl);
	if (fl_box_unload())
		tap_fail("rmmod", "rmmod fraglab");
	return tap_done();
}
