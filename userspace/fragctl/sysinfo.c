// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.c - read /proc/buddyinfo, /proc/pagetypeinfo, /proc/meminfo,
 * /proc/slabinfo and /proc/PID/{status,smaps,maps} for audit and export.
 * Indices are computed by the core's fl_metrics (mm/vmstat.c formulas).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_metrics.h"
#include "sysinfo.h"

static void fc_zone_finish(struct fc_zone *z)
{
	u64 nr[FL_NR_ORDERS] = { 0 };
	unsigned int o;

	for (o = 0; o < FL_NR_ORDERS && o < z->nr_orders; o++)
		nr[o] = z->nr_free[o];
	z->free_pages = fl_metrics_free_pages(nr, FL_NR_ORDERS);
	z->largest_order = fl_metrics_largest_order(nr, FL_NR_ORDERS);
	z->unusable_9 = fl_metrics_unusable_index(nr, 9);
	z->fragindex_9 = fl_metrics_fragmentation_index(nr, 9);
	z->huge_blocks = 0;
	for (o = 9; o < FL_NR_ORDERS; o++)
		z->huge_blocks += nr[o] << (o - 9);
}

static int fc_read_buddyinfo(struct fc_sys *s)
{
	char line[512], zone[32];
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && s->nr_zones < FC_SYS_ZONES) {
		struct fc_zone *z = &s->zones[s->nr_zones];
		int node, off = 0;
		char *p;

		if (sscanf(line, "Node %d, zone %31s%n", &node, zone, &off) != 2)
			continue;
		memset(z, 0, sizeof(*z));
		z->node = node;
		snprintf(z->zone, sizeof(z->zone), "%s", zone);
		for (p = line + off; z->nr_orders < FC_SYS_ORDERS;) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			z->nr_free[z->nr_orders++] = v;
			p = end;
		}
		fc_zone_finish(z);
		s->nr_zones++;
	}
	fclose(f);
	return s->nr_zones ? 0 : -ENODATA;
}

static void fc_read_pagetypeinfo(struct fc_sys *s)
{
	char line[512], zone[32];
	int col[3] = { -1, -1, -1 };
	bool in_blocks = false;
	FILE *f = fopen("/proc/pagetypeinfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Number of blocks type", 21)) {
			static const char *const names[3] = {
				"Unmovable", "Movable", "Reclaimable" };
			char *tok, *save = NULL;
			int i = 0, t;

			for (tok = strtok_r(line + 21, " \t\n", &save); tok;
			     tok = strtok_r(NULL, " \t\n", &save), i++)
				for (t = 0; t < 3; t++)
					if (!strcmp(tok, names[t]))
						col[t] = i;
			in_blocks = true;
			continue;
		}
		if (in_blocks) {
			unsigned long long v[8] = { 0 };
			int node, off = 0, n = 0, t;
			unsigned int z;
			char *p, *end;

			if (sscanf(line, "Node %d, zone %31s%n", &node, zone,
				   &off) != 2)
				continue;
			for (p = line + off; n < 8; n++, p = end) {
				v[n] = strtoull(p, &end, 10);
				if (end == p)
					break;
			}
			for (z = 0; z < s->nr_zones; z++) {
				if (s->zones[z].node != node ||
				    strcmp(s->zones[z].zone, zone))
					continue;
				for (t = 0; t < 3; t++)
					if (col[t] >= 0 && col[t] < n)
						s->zones[z].blocks[t] = v[col[t]];
				s->zones[z].has_blocks = true;
				s->has_pagetypeinfo = true;
			}
		}
	}
	fclose(f);
}

static void fc_read_meminfo(struct fc_sys *s)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MemTotal:", offsetof(struct fc_sys, mem_total_kb) },
		{ "MemFree:", offsetof(struct fc_sys, mem_free_kb) },
		{ "MemAvailable:", offsetof(struct fc_sys, mem_avail_kb) },
		{ "SReclaimable:", offsetof(struct fc_sys, sreclaimable_kb) },
		{ "SUnreclaim:", offsetof(struct fc_sys, sunreclaim_kb) },
		{ "HugePages_Total:", offsetof(struct fc_sys, hp_total) },
		{ "HugePages_Free:", offsetof(struct fc_sys, hp_free) },
		{ "Hugepagesize:", offsetof(struct fc_sys, hp_size_kb) },
	};
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	size_t i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i].key, strlen(keys[i].key)))
				*(uint64_t *)((char *)s + keys[i].off) =
					strtoull(line + strlen(keys[i].key), NULL, 10);
	fclose(f);
}

static int fc_slab_cmp(const void *a, const void *b)
{
	const struct fc_slab *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 :
	       strcmp(x->name, y->name);
}

static void fc_read_slabinfo(struct fc_sys *s)
{
	char line[1024];
	unsigned int cap = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long active, num, objsize, perslab, pages,
				   aslabs, nslabs;
		char name[64];
		struct fc_slab *c;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %llu %llu %llu %llu %llu : tunables %*u %*u %*u : slabdata %llu %llu",
			   name, &active, &num, &objsize, &perslab, &pages,
			   &aslabs, &nslabs) != 8)
			continue;
		if (s->nr_slabs == cap) {
			unsigned int ncap = cap ? cap * 2 : 256;
			struct fc_slab *n = realloc(s->slabs, ncap * sizeof(*n));

			if (!n)
				break;
			s->slabs = n;
			cap = ncap;
		}
		c = &s->slabs[s->nr_slabs++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->active = active;
		c->num = num;
		c->objsize = (uint32_t)objsize;
		c->bytes = nslabs * pages * s->page_size;
		c->used = active * objsize;
		if (c->used > c->bytes)
			c->used = c->bytes;
	}
	fclose(f);
	if (s->nr_slabs)
		qsort(s->slabs, s->nr_slabs, sizeof(*s->slabs), fc_slab_cmp);
}

int fc_sys_read(struct fc_sys *s, bool slabs)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->page_size = (unsigned int)sysconf(_SC_PAGESIZE);
	ret = fc_read_buddyinfo(s);
	if (ret)
		return ret;
	fc_read_pagetypeinfo(s);
	fc_read_meminfo(s);
	if (slabs)
		fc_read_slabinfo(s);
	return 0;
}

void fc_sys_free(struct fc_sys *s)
{
	free(s->slabs);
	s->slabs = NULL;
	s->nr_slabs = 0;
}

static uint64_t fc_kb_field(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) ? 0 : strtoull(line + n, NULL, 10);
}

int fc_proc_read(int pid, struct fc_proc *p)
{
	char path[64], line[512];
	bool in_heap = false;
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->allocator, sizeof(p->allocator), "glibc malloc");
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:", 5))
			sscanf(line + 5, "%63s", p->comm);
		p->rss_kb += fc_kb_field(line, "VmRSS:");
		p->anon_kb += fc_kb_field(line, "RssAnon:");
	}
	fclose(f);
	/* [heap] from smaps: resident vs mapped; smaps_rollup has no heap line */
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			/* mapping lines start with a lowercase hex address */
			if ((line[0] >= '0' && line[0] <= '9') ||
			    (line[0] >= 'a' && line[0] <= 'f'))
				in_heap = strstr(line, "[heap]") != NULL;
			if (!in_heap)
				continue;
			p->heap_size_kb += fc_kb_field(line, "Size:");
			p->heap_rss_kb += fc_kb_field(line, "Rss:");
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (strstr(line, "libjemalloc"))
				snprintf(p->allocator, sizeof(p->allocator), "jemalloc");
			else if (strstr(line, "libtcmalloc"))
				snprintf(p->allocator, sizeof(p->allocator), "tcmalloc");
			else if (strstr(line, "libmimalloc"))
				snprintf(p->allocator, sizeof(p->allocator), "mimalloc");
		}
		fclose(f);
	}
	return 0;
}
