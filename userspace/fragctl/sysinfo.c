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

/* Where /proc and /sys are: the real ones, or a recorded snapshot (tests). */
static const char *fc_proc_root = "/proc";
static const char *fc_sys_root = "/sys";

void fc_sys_set_roots(const char *proc_root, const char *sys_root)
{
	fc_proc_root = proc_root && *proc_root ? proc_root : "/proc";
	fc_sys_root = sys_root && *sys_root ? sys_root : "/sys";
}

/* @rel below /proc (sys false) or /sys (sys true) of the current roots. */
FILE *fc_sys_fopen(bool sys, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", sys ? fc_sys_root : fc_proc_root,
		 rel);
	return fopen(path, "r");
}

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
	FILE *f = fc_sys_fopen(false, "buddyinfo");

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
	FILE *f = fc_sys_fopen(false, "pagetypeinfo");

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
		{ "AnonHugePages:", offsetof(struct fc_sys, anon_huge_kb) },
		{ "ShmemHugePages:", offsetof(struct fc_sys, shmem_huge_kb) },
	};
	char line[256];
	FILE *f = fc_sys_fopen(false, "meminfo");
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
	FILE *f = fc_sys_fopen(false, "slabinfo");

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

/* Find the zone @node/@zone read from buddyinfo, or NULL. */
static struct fc_zone *fc_zone_find(struct fc_sys *s, int node,
				    const char *zone)
{
	unsigned int z;

	for (z = 0; z < s->nr_zones; z++)
		if (s->zones[z].node == node && !strcmp(s->zones[z].zone, zone))
			return &s->zones[z];
	return NULL;
}

/* /proc/zoneinfo: "Node 0, zone   Normal" then "        managed  123". */
static void fc_read_zoneinfo(struct fc_sys *s)
{
	struct fc_zone *cur = NULL;
	char line[512], zone[32];
	unsigned long long v;
	FILE *f = fc_sys_fopen(false, "zoneinfo");
	int node;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2)
			cur = fc_zone_find(s, node, zone);
		else if (cur && sscanf(line, " managed %llu", &v) == 1)
			cur->managed_pages = v;
		else if (cur && sscanf(line, " low %llu", &v) == 1)
			cur->low_wmark = v;
	}
	fclose(f);
}

/*
 * debugfs extfrag/extfrag_index, printed by mm/vmstat.c extfrag_show_print()
 * (6.12) as "%2d.%03d" of index / 1000 and index % 1000 for each order:
 * both parts carry the sign, so "-1.000" is -1000 and " 0.-05" is -5.
 */
static void fc_read_extfrag(struct fc_sys *s)
{
	char line[512], zone[32];
	FILE *f = fc_sys_fopen(true, "kernel/debug/extfrag/extfrag_index");
	int node, off;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct fc_zone *z;
		char *p;
		int o;

		off = 0;
		if (sscanf(line, "Node %d, zone %31s%n", &node, zone, &off) != 2)
			continue;
		z = fc_zone_find(s, node, zone);
		if (!z)
			continue;
		for (p = line + off, o = 0; o <= 9; o++) {
			int ip, fp, n = 0;

			if (sscanf(p, " %d.%d%n", &ip, &fp, &n) != 2)
				break;
			p += n;
			if (o == 9) {
				z->extfrag_kernel_9 = ip * 1000 + fp;
				z->has_extfrag_kernel = true;
				s->has_extfrag_debugfs = true;
			}
		}
	}
	fclose(f);
}

/* "always [madvise] never": the bracketed word. */
static void fc_read_bracket(const char *rel, char *out, size_t len)
{
	char line[256], *a, *b;
	FILE *f = fc_sys_fopen(true, rel);

	snprintf(out, len, "%s", "");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		a = strchr(line, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b) {
			*b = 0;
			snprintf(out, len, "%s", a + 1);
		}
	}
	fclose(f);
}

static void fc_read_vmstat(struct fc_sys *s)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "compact_stall", offsetof(struct fc_vmstat, compact_stall) },
		{ "compact_fail", offsetof(struct fc_vmstat, compact_fail) },
		{ "compact_success", offsetof(struct fc_vmstat, compact_success) },
		{ "thp_fault_alloc", offsetof(struct fc_vmstat, thp_fault_alloc) },
		{ "thp_fault_fallback", offsetof(struct fc_vmstat, thp_fault_fallback) },
		{ "thp_collapse_alloc_failed",
		  offsetof(struct fc_vmstat, thp_collapse_alloc_failed) },
	};
	char line[256], key[64];
	unsigned long long v;
	FILE *f = fc_sys_fopen(false, "vmstat");
	size_t i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(key, keys[i].key)) {
				*(uint64_t *)((char *)&s->vm + keys[i].off) = v;
				s->vm.has = true;
			}
	}
	fclose(f);
}

/* A number from /proc/sys, or @dflt when it cannot be read. */
static int64_t fc_read_sysctl(const char *rel, int64_t dflt)
{
	long long v;
	FILE *f = fc_sys_fopen(false, rel);

	if (!f)
		return dflt;
	if (fscanf(f, "%lld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
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
	fc_read_zoneinfo(s);
	fc_read_extfrag(s);
	fc_read_vmstat(s);
	s->nr_hugepages = fc_read_sysctl("sys/vm/nr_hugepages", -1);
	/* mm/compaction.c sysctl_extfrag_threshold defaults to 500 */
	s->extfrag_threshold = (int)fc_read_sysctl("sys/vm/extfrag_threshold",
						   500);
	fc_read_bracket("kernel/mm/transparent_hugepage/enabled",
			s->thp_enabled, sizeof(s->thp_enabled));
	fc_read_bracket("kernel/mm/transparent_hugepage/defrag",
			s->thp_defrag, sizeof(s->thp_defrag));
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

const char *const fc_group_names[FC_G_NR] = {
	"brk heap", "glibc thread arenas", "mmapped chunks", "stacks", "other",
};

/* One mapping of /proc/PID/smaps, as much as the grouping needs. */
struct fc_map {
	uint64_t start, end, size_kb, rss_kb;
	char perms[8];
	bool anon_private;
	char kind;		/* 'h' [heap], 's' [stack], 0 */
	int group;
};

/*
 * glibc malloc/arena.c: a non-main arena lives in "heaps" of HEAP_MAX_SIZE
 * = 2 * DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB on 64-bit, mmapped PROT_NONE
 * and aligned to that size; the used part is made read-write.
 */
#define FC_HEAP_MAX	(64ULL << 20)
/* glibc DEFAULT_MMAP_THRESHOLD_MIN: malloc mmaps chunks from this size */
#define FC_MMAP_MIN	(128ULL << 10)
/* a thread stack's guard page(s) below it (pthread_attr_setguardsize) */
#define FC_GUARD_MAX	(64ULL << 10)

/* Anonymous private mappings by what they are; see docs/AUDIT.md. */
static void fc_group_maps(struct fc_map *m, size_t n)
{
	uint64_t arena_end = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		bool rw = !strncmp(m[i].perms, "rw", 2);

		m[i].group = -1;
		if (!m[i].anon_private)
			continue;
		if (m[i].kind == 'h') {
			m[i].group = FC_G_HEAP;
		} else if (m[i].kind == 's') {
			m[i].group = FC_G_STACK;
		} else if (!(m[i].start % FC_HEAP_MAX) && rw &&
			   m[i].end - m[i].start <= FC_HEAP_MAX) {
			m[i].group = FC_G_ARENA;
			arena_end = m[i].start + FC_HEAP_MAX;
		} else if (arena_end && i && m[i].start == m[i - 1].end &&
			   m[i - 1].group == FC_G_ARENA &&
			   m[i].end <= arena_end) {
			m[i].group = FC_G_ARENA;	/* the heap's reserve */
		} else if (!strncmp(m[i].perms, "---", 3) && i + 1 < n &&
			   m[i].end - m[i].start <= FC_GUARD_MAX &&
			   m[i + 1].anon_private && m[i + 1].start == m[i].end &&
			   !strncmp(m[i + 1].perms, "rw", 2)) {
			m[i].group = FC_G_STACK;	/* guard, stack follows */
			m[i + 1].group = FC_G_STACK;
			i++;
		} else if (rw && m[i].end - m[i].start >= FC_MMAP_MIN) {
			m[i].group = FC_G_MMAP;
		} else {
			m[i].group = FC_G_OTHER;
		}
	}
}

static void fc_proc_smaps(struct fc_proc *p, FILE *f)
{
	struct fc_map *m = NULL, *cur = NULL;
	size_t n = 0, cap = 0, i;
	char line[4352];

	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, inode;
		char perms[8], name[4096];
		int off = 0;

		/* mapping lines start with a lowercase hex address */
		if (sscanf(line, "%llx-%llx %7s %*s %*s %llu%n", &start, &end,
			   perms, &inode, &off) == 4 && off) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct fc_map *nm = realloc(m, ncap * sizeof(*nm));

				if (!nm)
					break;
				m = nm;
				cap = ncap;
			}
			cur = &m[n++];
			memset(cur, 0, sizeof(*cur));
			cur->start = start;
			cur->end = end;
			snprintf(cur->perms, sizeof(cur->perms), "%s", perms);
			name[0] = 0;
			sscanf(line + off, " %4095[^\n]", name);
			cur->kind = !strcmp(name, "[heap]") ? 'h' :
				    !strncmp(name, "[stack", 6) ? 's' : 0;
			cur->anon_private = !inode && perms[3] == 'p' &&
				(!name[0] || cur->kind || !strncmp(name, "[anon", 5));
			continue;
		}
		if (!cur)
			continue;
		cur->size_kb += fc_kb_field(line, "Size:");
		cur->rss_kb += fc_kb_field(line, "Rss:");
	}
	fc_group_maps(m, n);
	for (i = 0; i < n; i++) {
		struct fc_group *g;

		if (m[i].group < 0)
			continue;
		g = &p->groups[m[i].group];
		g->count++;
		g->size_kb += m[i].size_kb;
		g->rss_kb += m[i].rss_kb;
		if (m[i].kind == 'h') {
			p->heap_size_kb += m[i].size_kb;
			p->heap_rss_kb += m[i].rss_kb;
		}
	}
	free(m);
}

int fc_proc_read(int pid, struct fc_proc *p)
{
	char path[64], line[512];
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "%d/status", pid);
	f = fc_sys_fopen(false, path);
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:", 5))
			sscanf(line + 5, "%63s", p->comm);
		p->rss_kb += fc_kb_field(line, "VmRSS:");
		p->anon_kb += fc_kb_field(line, "RssAnon:");
	}
	fclose(f);
	snprintf(path, sizeof(path), "%d/smaps", pid);
	f = fc_sys_fopen(false, path);
	if (f) {
		fc_proc_smaps(p, f);
		fclose(f);
	} else {
		p->smaps_errno = errno;
	}
	snprintf(path, sizeof(path), "%d/maps", pid);
	f = fc_sys_fopen(false, path);
	if (!f) {
		snprintf(p->allocator, sizeof(p->allocator), "unknown");
		return 0;
	}
	snprintf(p->allocator, sizeof(p->allocator), "glibc malloc");
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "libjemalloc"))
			snprintf(p->allocator, sizeof(p->allocator), "jemalloc");
		else if (strstr(line, "libtcmalloc"))
			snprintf(p->allocator, sizeof(p->allocator), "tcmalloc");
		else if (strstr(line, "libmimalloc"))
			snprintf(p->allocator, sizeof(p->allocator), "mimalloc");
		else if (strstr(line, "libfragtrace"))
			p->traced = true;
	}
	fclose(f);
	return 0;
}
