// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_audit.c - fragctl audit: the seed's fragmentation audit on the real
 * system (docs/AUDIT.md).  Read-only unless --apply.
 *
 *   fragctl audit [--pid P [--used SIZE] [--watch SECONDS]]
 *                 [--apply compact|drop-caches]
 *
 * Findings: external fragmentation and HugePage availability per zone
 * (/proc/buddyinfo, /proc/pagetypeinfo when readable, /proc/meminfo),
 * the biggest slab caches (/proc/slabinfo, root only) with dentry,
 * inode_cache and skbuff_head_cache called out, and for --pid the
 * "growing RSS, low used memory" heap trap.  Each finding says what to do.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_compact.h"
#include "fl_metrics.h"
#include "fragctl.h"
#include "replay.h"
#include "sysinfo.h"

#define AU_MAX_FINDINGS	96
#define AU_MAX_FIELDS	20

/* One number of a finding, printed as a --json field. */
struct au_field {
	char key[40];
	char val[64];		/* already JSON: a number, or a quoted string */
};

struct au_finding {
	char level[8];		/* "ok", "info", "warn", "crit" */
	char area[16];		/* "buddy", "hugepages", "thp", "slab", ... */
	char text[400];
	char advice[400];
	struct au_field fld[AU_MAX_FIELDS];
	unsigned int nf;
};

struct au_ctx {
	struct au_finding f[AU_MAX_FINDINGS];
	unsigned int n;
	bool json;
};

static struct au_field *au_fld(struct au_finding *f, const char *key)
{
	struct au_field *d;

	if (!f || f->nf >= AU_MAX_FIELDS)
		return NULL;
	d = &f->fld[f->nf++];
	snprintf(d->key, sizeof(d->key), "%s", key);
	return d;
}

static void au_u64(struct au_finding *f, const char *key, uint64_t v)
{
	struct au_field *d = au_fld(f, key);

	if (d)
		snprintf(d->val, sizeof(d->val), "%" PRIu64, v);
}

static void au_i64(struct au_finding *f, const char *key, int64_t v)
{
	struct au_field *d = au_fld(f, key);

	if (d)
		snprintf(d->val, sizeof(d->val), "%" PRId64, v);
}

/* A permille index as the kernel prints it: 0.734, -1.000. */
static void au_idx(struct au_finding *f, const char *key, int permille)
{
	struct au_field *d = au_fld(f, key);

	if (d)
		snprintf(d->val, sizeof(d->val), "%.3f", permille / 1000.0);
}

static void au_dbl(struct au_finding *f, const char *key, double v)
{
	struct au_field *d = au_fld(f, key);

	if (d)
		snprintf(d->val, sizeof(d->val), "%.4g", v);
}

/* Strings in fields are names (zones, settings): no escaping needed. */
static void au_str(struct au_finding *f, const char *key, const char *v)
{
	struct au_field *d = au_fld(f, key);
	size_t i;

	if (!d)
		return;
	snprintf(d->val, sizeof(d->val), "\"%.60s\"", v);
	for (i = 1; d->val[i + 1]; i++)
		if (d->val[i] == '"' || d->val[i] == '\\' ||
		    (unsigned char)d->val[i] < 0x20)
			d->val[i] = '_';
}

static __attribute__((format(printf, 5, 6)))
struct au_finding *au_add(struct au_ctx *a, const char *level,
			  const char *area, const char *advice,
			  const char *fmt, ...)
{
	struct au_finding *f;
	va_list ap;

	if (a->n >= AU_MAX_FINDINGS)
		return NULL;
	f = &a->f[a->n++];
	f->nf = 0;
	snprintf(f->level, sizeof(f->level), "%s", level);
	snprintf(f->area, sizeof(f->area), "%s", area);
	snprintf(f->advice, sizeof(f->advice), "%s", advice ? advice : "");
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	return f;
}

static const char *au_mib(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", bytes / 1073741824.0);
	else
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	return buf;
}

/* ---- buddy / HugePages ------------------------------------------------- */

#define AU_HUGE_ORDER	9	/* a 2 MiB HugePage / THP with 4 KiB pages */

/*
 * The zone's order-9 fragmentation index: the kernel's own number from
 * debugfs extfrag/extfrag_index when it was readable, else the same
 * mm/vmstat.c __fragmentation_index() (6.12) computed from buddyinfo.
 */
static int au_extfrag(const struct fc_zone *z)
{
	return z->has_extfrag_kernel ? z->extfrag_kernel_9 : z->fragindex_9;
}

/*
 * __fragmentation_index() of the zone once its free order >= 9 blocks are
 * taken: what the kernel would answer for the next HugePage after those.
 * Equal to the zone's index when it has no such block.
 */
static int au_extfrag_after(const struct fc_zone *z)
{
	u64 nr[FL_NR_ORDERS] = { 0 };
	unsigned int o;

	if (!z->huge_blocks)
		return au_extfrag(z);
	for (o = 0; o < AU_HUGE_ORDER && o < z->nr_orders; o++)
		nr[o] = z->nr_free[o];
	return fl_metrics_fragmentation_index(nr, AU_HUGE_ORDER);
}

/*
 * mm/compaction.c compaction_suitable() (6.12) for a costly order: the zone
 * keeps its low watermark plus compact_gap(order) = 2 << order free pages
 * (__compaction_suitable(); lowmem_reserve is not in /proc and is left
 * out), and the fragmentation index is not in 0..vm.extfrag_threshold:
 * a failure there would be fragmentation, not lack of memory.
 */
static bool au_compaction_suitable(const struct fc_zone *z, int idx,
				   int threshold)
{
	if (z->free_pages <= fl_compact_suitable_min(z->low_wmark, AU_HUGE_ORDER))
		return false;
	return !(idx >= 0 && idx <= threshold);
}

/*
 * The 2 MiB blocks the user asks about: --hugepages N, else the HugePage
 * pool size (vm.nr_hugepages, as many blocks as the pool would need if it
 * were allocated at run time, e.g. after it was shrunk or on a restart of
 * its user), else one block when THP is enabled (always or madvise: one
 * THP fault needs one free 2 MiB block), else none.
 */
static uint64_t au_demand(const struct fc_sys *s, int64_t asked,
			  const char **why)
{
	uint64_t per = s->hp_size_kb > 2048 ? s->hp_size_kb / 2048 : 1;
	int64_t pool = s->nr_hugepages >= 0 ? s->nr_hugepages :
		       (int64_t)s->hp_total;

	if (asked >= 0) {
		*why = "--hugepages";
		return (uint64_t)asked;
	}
	if (pool > 0) {
		*why = "vm.nr_hugepages";
		return (uint64_t)pool * per;
	}
	if (!strcmp(s->thp_enabled, "always") ||
	    !strcmp(s->thp_enabled, "madvise")) {
		*why = "thp";
		return 1;
	}
	*why = "none";
	return 0;
}

static void au_zone(struct au_ctx *a, const struct fc_sys *s,
		    const struct fc_zone *zn)
{
	int idx = au_extfrag(zn), after = au_extfrag_after(zn);
	uint64_t largest = zn->largest_order >= 0 ?
		(uint64_t)s->page_size << zn->largest_order : 0;
	char b1[32], b2[32];
	struct au_finding *f;

	f = au_add(a, zn->huge_blocks ? "ok" : "info", "buddy", NULL,
		   "Node %d zone %s: %s free, %" PRIu64 " free 2 MiB blocks; unusable index at order 9 %.3f (%.1f%% of free memory is in smaller blocks), fragmentation index %.3f%s; largest free block %s.",
		   zn->node, zn->zone,
		   au_mib(zn->free_pages * s->page_size, b1, sizeof(b1)),
		   zn->huge_blocks, zn->unusable_9 / 1000.0,
		   zn->unusable_9 / 10.0, idx / 1000.0,
		   idx == -1000 ? " (-1: an order-9 allocation succeeds now)" :
		   idx > s->extfrag_threshold ? " (towards 1: fragmentation)" :
		   " (towards 0: lack of memory)",
		   au_mib(largest, b2, sizeof(b2)));
	au_i64(f, "node", zn->node);
	au_str(f, "zone", zn->zone);
	au_u64(f, "free_pages", zn->free_pages);
	au_u64(f, "managed_pages", zn->managed_pages);
	au_u64(f, "low_wmark_pages", zn->low_wmark);
	au_u64(f, "free_2m_blocks", zn->huge_blocks);
	au_i64(f, "largest_order", zn->largest_order);
	au_idx(f, "unusable_index", zn->unusable_9);
	au_idx(f, "extfrag_index", idx);
	au_str(f, "extfrag_source", zn->has_extfrag_kernel ? "debugfs" :
	       "computed");
	au_idx(f, "extfrag_index_after", after);
	au_u64(f, "compaction_suitable",
	       au_compaction_suitable(zn, after, s->extfrag_threshold));
}

static void au_buddy(struct au_ctx *a, const struct fc_sys *s,
		     int64_t asked)
{
	uint64_t total_free = 0, avail = 0, need, short_by;
	int worst = -1001, worst_z = -1, node;
	unsigned int z, frag_zones = 0;
	const char *why, *level;
	struct au_finding *f;
	char b1[32];

	for (z = 0; z < s->nr_zones; z++) {
		const struct fc_zone *zn = &s->zones[z];
		int after = au_extfrag_after(zn);

		au_zone(a, s, zn);
		total_free += zn->free_pages;
		avail += zn->huge_blocks;
		if (au_compaction_suitable(zn, after, s->extfrag_threshold) &&
		    after > s->extfrag_threshold) {
			frag_zones++;
			if (after > worst) {
				worst = after;
				worst_z = (int)z;
			}
		}
		if (zn->has_blocks && zn->blocks[FL_MT_UNMOVABLE] +
		    zn->blocks[FL_MT_RECLAIMABLE] > zn->blocks[FL_MT_MOVABLE] / 4)
			au_add(a, "warn", "buddy",
			       "Unmovable pageblocks cannot be compacted: compaction will not recover HugePages there. Reserve HugePages at boot, or find the kernel users (slab, see below) that spread unmovable pages.",
			       "Node %d zone %s: %" PRIu64 " of %" PRIu64 " pageblocks are unmovable or reclaimable (pagetypeinfo).",
			       zn->node, zn->zone,
			       zn->blocks[FL_MT_UNMOVABLE] + zn->blocks[FL_MT_RECLAIMABLE],
			       zn->blocks[0] + zn->blocks[1] + zn->blocks[2]);
	}
	/* per node: a HugePage comes from any zone of the node's zonelist */
	for (node = 0; node < 1024; node++) {
		uint64_t nf = 0, nb = 0;
		bool seen = false;

		for (z = 0; z < s->nr_zones; z++)
			if (s->zones[z].node == node) {
				seen = true;
				nf += s->zones[z].free_pages;
				nb += s->zones[z].huge_blocks;
			}
		if (!seen)
			continue;
		f = au_add(a, "info", "hugepages", NULL,
			   "Node %d: %s free, %" PRIu64 " free 2 MiB blocks (HugePages or THP that can be had right now).",
			   node, au_mib(nf * s->page_size, b1, sizeof(b1)), nb);
		au_i64(f, "node", node);
		au_u64(f, "free_pages", nf);
		au_u64(f, "free_2m_blocks", nb);
	}
	if (s->hp_total || s->hp_free)
		au_add(a, "info", "hugepages", NULL,
		       "HugePages pool: %" PRIu64 " reserved, %" PRIu64 " free (%" PRIu64 " kB each).",
		       s->hp_total, s->hp_free, s->hp_size_kb);

	need = au_demand(s, asked, &why);
	short_by = need > avail ? need - avail : 0;
	if (!need) {
		level = "info";
		f = au_add(a, level, "hugepages", NULL,
			   "No HugePage demand (vm.nr_hugepages 0, THP %s): %" PRIu64 " free 2 MiB blocks exist now; ask about a pool with --hugepages N.",
			   s->thp_enabled[0] ? s->thp_enabled : "not readable",
			   avail);
	} else if (!short_by) {
		level = "ok";
		f = au_add(a, level, "hugepages", NULL,
			   "%" PRIu64 " free 2 MiB block(s) asked for (%s) can be had now: %" PRIu64 " are free.",
			   need, why, avail);
	} else if (frag_zones) {
		/* crit: not one block left, so every THP fault falls back */
		level = avail ? "warn" : "crit";
		f = au_add(a, level, "hugepages",
			   "This is external fragmentation, not lack of memory: echo 1 > /proc/sys/vm/compact_memory (fragctl audit --apply compact) asks the kernel to defragment; it costs CPU, so do it off-peak. If it comes back, reserve HugePages at boot (hugepages=N on the kernel command line).",
			   "%" PRIu64 " free 2 MiB blocks asked for (%s), only %" PRIu64 " free now: %" PRIu64 " short. Node %d zone %s has the memory but in pieces (fragmentation index at order 9 %.3f > vm.extfrag_threshold %.3f): allocating them now will fail until compaction succeeds.",
			   need, why, avail, short_by, s->zones[worst_z].node,
			   s->zones[worst_z].zone, worst / 1000.0,
			   s->extfrag_threshold / 1000.0);
		au_i64(f, "node", s->zones[worst_z].node);
		au_str(f, "zone", s->zones[worst_z].zone);
		au_idx(f, "extfrag_index", worst);
	} else {
		level = "info";
		f = au_add(a, level, "hugepages",
			   "Compaction will not help (the kernel would not even try: fragmentation index below vm.extfrag_threshold or too little free memory). Free memory first, or reserve HugePages at boot.",
			   "%" PRIu64 " free 2 MiB blocks asked for (%s), only %" PRIu64 " free now: %" PRIu64 " short, from lack of free memory (%s free), not fragmentation.",
			   need, why, avail, short_by,
			   au_mib(total_free * s->page_size, b1, sizeof(b1)));
	}
	au_u64(f, "asked_2m_blocks", need);
	au_str(f, "asked_from", why);
	au_u64(f, "free_2m_blocks", avail);
	au_u64(f, "short_2m_blocks", short_by);
	au_u64(f, "free_pages", total_free);
	au_u64(f, "fragmented_zones", frag_zones);
	au_i64(f, "extfrag_threshold", s->extfrag_threshold);
	if (!s->has_pagetypeinfo)
		au_add(a, "info", "buddy", NULL,
		       "/proc/pagetypeinfo is not readable (needs root): pageblock migrate types were not checked.");
}

/* ---- THP and compaction ------------------------------------------------ */

/* Share of THP faults that fell back to 4 KiB pages, or -1 with none. */
static double au_fallback_share(uint64_t alloc, uint64_t fallback)
{
	return alloc + fallback ? (double)fallback / (alloc + fallback) : -1;
}

static void au_thp(struct au_ctx *a, const struct fc_sys *s,
		   const struct fc_sys *later, unsigned int secs)
{
	const struct fc_vmstat *v = &s->vm;
	struct au_finding *f;
	char b1[32], b2[32];
	double share;

	f = au_add(a, "info", "thp", NULL,
		   "Transparent HugePages: enabled [%s], defrag [%s]; AnonHugePages %s, ShmemHugePages %s.",
		   s->thp_enabled[0] ? s->thp_enabled : "?",
		   s->thp_defrag[0] ? s->thp_defrag : "?",
		   au_mib(s->anon_huge_kb << 10, b1, sizeof(b1)),
		   au_mib(s->shmem_huge_kb << 10, b2, sizeof(b2)));
	au_str(f, "thp_enabled", s->thp_enabled);
	au_str(f, "thp_defrag", s->thp_defrag);
	au_u64(f, "anon_huge_kb", s->anon_huge_kb);
	au_u64(f, "shmem_huge_kb", s->shmem_huge_kb);
	if (!v->has) {
		au_add(a, "info", "thp", NULL,
		       "/proc/vmstat is not readable: compaction and THP counters were not checked.");
		return;
	}
	share = au_fallback_share(v->thp_fault_alloc, v->thp_fault_fallback);
	f = au_add(a, "info", "thp", NULL,
		   "Since boot: compaction stalls %" PRIu64 " (%" PRIu64 " failed, %" PRIu64 " succeeded); THP faults %" PRIu64 " served, %" PRIu64 " fell back to 4 KiB pages%s; khugepaged collapse failures %" PRIu64 ". Rates with --watch SECONDS.",
		   v->compact_stall, v->compact_fail, v->compact_success,
		   v->thp_fault_alloc, v->thp_fault_fallback,
		   share < 0 ? "" : share > 0.5 ? " (most of them)" : "",
		   v->thp_collapse_alloc_failed);
	au_u64(f, "compact_stall", v->compact_stall);
	au_u64(f, "compact_fail", v->compact_fail);
	au_u64(f, "compact_success", v->compact_success);
	au_u64(f, "thp_fault_alloc", v->thp_fault_alloc);
	au_u64(f, "thp_fault_fallback", v->thp_fault_fallback);
	au_u64(f, "thp_collapse_alloc_failed", v->thp_collapse_alloc_failed);
	if (share >= 0)
		au_dbl(f, "thp_fallback_share", share);
	if (later && later->vm.has) {
		const struct fc_vmstat *w = &later->vm;
		uint64_t stall = w->compact_stall - v->compact_stall;
		uint64_t fail = w->compact_fail - v->compact_fail;
		uint64_t fa = w->thp_fault_alloc - v->thp_fault_alloc;
		uint64_t fb = w->thp_fault_fallback - v->thp_fault_fallback;
		uint64_t cf = w->thp_collapse_alloc_failed -
			      v->thp_collapse_alloc_failed;
		double rate = (double)stall / secs;
		/* thresholds: docs/AUDIT.md "THP and compaction" */
		bool bad = rate >= 1.0 || (fa + fb >= 10 && fb * 2 > fa + fb);

		share = au_fallback_share(fa, fb);
		f = au_add(a, bad ? "warn" : "ok", "thp",
			   bad ? "Allocations are paying for fragmentation now: direct compaction stalls the faulting thread, and fallen-back THP faults run on 4 KiB pages. Set THP defrag to defer or madvise (echo defer > /sys/kernel/mm/transparent_hugepage/defrag) so faults do not stall, compact off-peak (--apply compact), or reserve HugePages at boot for the program that needs them." : NULL,
			   "Over %u s: %.2f compaction stalls/s (%.2f failed/s), %" PRIu64 " THP faults of which %" PRIu64 " fell back%s, %" PRIu64 " collapse failures.",
			   secs, rate, (double)fail / secs, fa + fb, fb,
			   share < 0 ? "" : share > 0.5 ? " (most)" : "", cf);
		au_u64(f, "seconds", secs);
		au_dbl(f, "compact_stall_per_s", rate);
		au_dbl(f, "compact_fail_per_s", (double)fail / secs);
		au_dbl(f, "thp_fault_per_s", (double)(fa + fb) / secs);
		au_dbl(f, "thp_fallback_per_s", (double)fb / secs);
		if (share >= 0)
			au_dbl(f, "thp_fallback_share", share);
		au_dbl(f, "thp_collapse_alloc_failed_per_s", (double)cf / secs);
	}
}

/* ---- slab -------------------------------------------------------------- */

/* The seed's three, always reported; their relatives only when big. */
static bool au_is_named(const char *name)
{
	return !strcmp(name, "dentry") || !strcmp(name, "inode_cache") ||
	       !strcmp(name, "skbuff_head_cache");
}

static bool au_is_callout(const char *name)
{
	return au_is_named(name) || strstr(name, "_inode_cache") ||
	       !strncmp(name, "skbuff_", 7);
}

static void au_slab(struct au_ctx *a, const struct fc_sys *s)
{
	uint64_t total = 0, waste = 0;
	char b1[32], b2[32], b3[32];
	unsigned int i;

	if (!s->nr_slabs) {
		au_add(a, "info", "slab", NULL,
		       "/proc/slabinfo is not readable (needs root): slab consumers were not checked; SReclaimable %s, SUnreclaim %s from /proc/meminfo.",
		       au_mib(s->sreclaimable_kb << 10, b1, sizeof(b1)),
		       au_mib(s->sunreclaim_kb << 10, b2, sizeof(b2)));
		return;
	}
	for (i = 0; i < s->nr_slabs; i++) {
		total += s->slabs[i].bytes;
		waste += s->slabs[i].bytes - s->slabs[i].used;
	}
	au_add(a, total > s->mem_total_kb * 1024 / 5 ? "warn" : "ok", "slab",
	       total > s->mem_total_kb * 1024 / 5 ?
	       "A fifth of memory in slab is a lot: if processes look small in top but memory runs out, the kernel holds it. See the caches below." : NULL,
	       "Slab caches hold %s (%.1f%% of %s RAM); %s of it is free objects and padding.",
	       au_mib(total, b1, sizeof(b1)),
	       s->mem_total_kb ? total * 100.0 / (s->mem_total_kb * 1024.0) : 0,
	       au_mib(s->mem_total_kb << 10, b2, sizeof(b2)),
	       au_mib(waste, b3, sizeof(b3)));
	for (i = 0; i < s->nr_slabs && i < 5; i++)
		au_add(a, "info", "slab", NULL,
		       "Top slab #%u: %s holds %s (%" PRIu64 " of %" PRIu64 " objects of %u B in use).",
		       i + 1, s->slabs[i].name,
		       au_mib(s->slabs[i].bytes, b1, sizeof(b1)),
		       s->slabs[i].active, s->slabs[i].num,
		       s->slabs[i].objsize);
	for (i = 0; i < s->nr_slabs; i++) {
		const struct fc_slab *c = &s->slabs[i];
		bool big = c->bytes > (512ULL << 20) ||
			   c->bytes > s->mem_total_kb * 1024 / 10;

		if (!au_is_callout(c->name))
			continue;
		if (big)
			au_add(a, "warn", "slab",
			       strncmp(c->name, "skbuff", 6) ?
			       "Directory entries and inodes are cache: echo 3 > /proc/sys/vm/drop_caches (fragctl audit --apply drop-caches) frees them if the system is starved. If they grow back fast, look for a process walking the file system or creating and deleting many files." :
			       "Socket buffers are not dropped by drop_caches: look for lingering connections (ss -s, ss -tan state close-wait) or a leaking network driver.",
			       "%s holds %s: the kernel itself, not a process, is using this memory.",
			       c->name, au_mib(c->bytes, b1, sizeof(b1)));
		else if (au_is_named(c->name))
			au_add(a, "ok", "slab", NULL, "%s holds %s.", c->name,
			       au_mib(c->bytes, b1, sizeof(b1)));
	}
}

/* ---- process ----------------------------------------------------------- */

/*
 * The trace a running `fragctl record` (libfragtrace.so) writes for @pid:
 * FRAGTRACE_OUT from its environment, "%p" replaced, or "<name>.<pid>",
 * whichever file's header names this pid.  0 with @path set, or -errno.
 */
static int au_find_trace(int pid, char *path, size_t len)
{
	char env[64], buf[8192], want[48], head[128];
	const char *base = NULL;
	unsigned int i;
	size_t n;
	FILE *f;

	snprintf(env, sizeof(env), "%d/environ", pid);
	f = fc_sys_fopen(false, env);
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "FRAGTRACE_OUT=", 14))
			base = buf + i + 14;
	if (!base || !*base)
		return -ENOENT;
	snprintf(want, sizeof(want), "#fragtrace 1 pid=%d ", pid);
	for (i = 0; i < 3; i++) {
		const char *pc = strstr(base, "%p");

		if (i == 0 && pc)
			snprintf(path, len, "%.*s%d%s", (int)(pc - base), base,
				 pid, pc + 2);
		else if (i == 1)
			snprintf(path, len, "%s", base);
		else if (i == 2)
			snprintf(path, len, "%s.%d", base, pid);
		else
			continue;
		f = fopen(path, "r");
		if (!f)
			continue;
		head[0] = 0;
		if (!fgets(head, sizeof(head), f))
			head[0] = 0;
		fclose(f);
		if (!strncmp(head, want, strlen(want)))
			return 0;
	}
	return -ENOENT;
}

static void au_process(struct au_ctx *a, const struct fc_proc *p,
		       uint64_t used, const char *used_from,
		       const struct fc_proc *later, unsigned int watch)
{
	char b1[32], b2[32], b3[32], b4[32];
	struct au_finding *f;
	unsigned int g;
	const char *advice =
		"This is the heap fragmentation trap: a few live objects pin the heap, so freed memory is not returned to the system. Test whether another allocator helps this program before switching: fragctl record -o app.trace -- PROGRAM, then fragctl replay app.trace --allocator all (glibc, jemalloc, tcmalloc, mimalloc side by side); LD_PRELOAD=libjemalloc.so.2 PROGRAM tries one without a rebuild.";

	f = au_add(a, "info", "process", NULL,
		   "Process %d (%s): RSS %s, anonymous %s, [heap] %s resident of %s mapped; allocator: %s.",
		   p->pid, p->comm, au_mib(p->rss_kb << 10, b1, sizeof(b1)),
		   au_mib(p->anon_kb << 10, b2, sizeof(b2)),
		   au_mib(p->heap_rss_kb << 10, b3, sizeof(b3)),
		   au_mib(p->heap_size_kb << 10, b4, sizeof(b4)), p->allocator);
	au_i64(f, "pid", p->pid);
	au_str(f, "comm", p->comm);
	au_u64(f, "rss_kb", p->rss_kb);
	au_u64(f, "anon_kb", p->anon_kb);
	au_str(f, "allocator", p->allocator);
	if (p->smaps_errno) {
		f = au_add(a, "info", "process",
			   p->smaps_errno == EACCES || p->smaps_errno == EPERM ?
			   "Run the audit as the process's user or as root: /proc/PID/smaps needs ptrace read access." : NULL,
			   "Process %d: cannot read /proc/%d/smaps (%s): its mappings (heap, arenas, mmapped chunks, stacks) were not measured.",
			   p->pid, p->pid, strerror(p->smaps_errno));
		au_i64(f, "pid", p->pid);
		au_str(f, "smaps_error", strerror(p->smaps_errno));
	} else {
		for (g = 0; g < FC_G_NR; g++) {
			const struct fc_group *gr = &p->groups[g];

			if (!gr->count)
				continue;
			f = au_add(a, "info", "process", NULL,
				   "Process %d %s: %" PRIu64 " mapping(s), %s resident of %s mapped.",
				   p->pid, fc_group_names[g], gr->count,
				   au_mib(gr->rss_kb << 10, b1, sizeof(b1)),
				   au_mib(gr->size_kb << 10, b2, sizeof(b2)));
			au_i64(f, "pid", p->pid);
			au_str(f, "group", fc_group_names[g]);
			au_u64(f, "mappings", gr->count);
			au_u64(f, "rss_kb", gr->rss_kb);
			au_u64(f, "size_kb", gr->size_kb);
		}
	}
	if (used) {
		/* Redis INFO memory: mem_fragmentation_ratio = rss / used */
		double ratio = (double)(p->rss_kb << 10) / used;

		f = au_add(a, ratio > 1.5 ? "warn" : "ok", "process",
			   ratio > 1.5 ? advice : NULL,
			   "Process %d: RSS is %.2f times the %s of live heap bytes (%s; Redis's mem_fragmentation_ratio, above 1.5 means fragmentation).",
			   p->pid, ratio, au_mib(used, b1, sizeof(b1)), used_from);
		au_i64(f, "pid", p->pid);
		au_u64(f, "live_bytes", used);
		au_str(f, "live_from", used_from);
		au_u64(f, "rss_kb", p->rss_kb);
		au_dbl(f, "fragmentation_ratio", ratio);
	}
	if (later) {
		int64_t grew = (int64_t)later->anon_kb - (int64_t)p->anon_kb;

		f = au_add(a, grew > 0 ? "warn" : "ok", "process",
			   grew > 0 && (!used || (later->anon_kb << 10) > used * 3 / 2) ?
			   advice : NULL,
			   "Process %d: anonymous memory %s by %" PRId64 " kB in %u s.",
			   p->pid, grew > 0 ? "grew" : "did not grow", grew, watch);
		au_i64(f, "pid", p->pid);
		au_i64(f, "anon_growth_kb", grew);
		au_u64(f, "seconds", watch);
	}
	if (!used && !later)
		au_add(a, "info", "process",
		       "Compare RSS with the program's own \"used memory\" number (for Redis: used_memory) using --used SIZE, or run it under fragctl record (the audit then reads its live bytes from the trace), and watch growth with --watch SECONDS: RSS that keeps growing while used memory stays low is heap fragmentation.",
		       "Process %d: RSS alone cannot tell fragmentation from real use.",
		       p->pid);
}

/* ---- apply ------------------------------------------------------------- */

static int au_write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int au_apply(struct au_ctx *a, const char *what)
{
	const char *path, *val;
	struct fc_sys before, after;
	uint64_t hb = 0, ha = 0;
	unsigned int z;
	int ret;

	if (!strcmp(what, "compact")) {
		path = "/proc/sys/vm/compact_memory";
		val = "1";
	} else if (!strcmp(what, "drop-caches")) {
		path = "/proc/sys/vm/drop_caches";
		val = "3";
	} else {
		return fc_usage("--apply takes compact or drop-caches, not '%s'",
				what);
	}
	if (geteuid()) {
		fprintf(stderr, "fragctl: audit --apply %s writes %s and needs root\n",
			what, path);
		return 1;
	}
	fc_sys_read(&before, false);
	if (!strcmp(what, "drop-caches"))
		sync();
	ret = au_write_proc(path, val);
	if (ret) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(-ret));
		return 1;
	}
	fc_sys_read(&after, false);
	for (z = 0; z < before.nr_zones; z++)
		hb += before.zones[z].huge_blocks;
	for (z = 0; z < after.nr_zones; z++)
		ha += after.zones[z].huge_blocks;
	au_add(a, "info", "apply", NULL,
	       "Wrote %s to %s: free 2 MiB blocks went from %" PRIu64 " to %" PRIu64 ".",
	       val, path, hb, ha);
	fc_sys_free(&before);
	fc_sys_free(&after);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

/* 0 ok/info, 1 warn, 2 crit */
static int au_rank(const char *level)
{
	return !strcmp(level, "crit") ? 2 : !strcmp(level, "warn") ? 1 : 0;
}

static int au_print(const struct au_ctx *a)
{
	unsigned int i, k, warn = 0, crit = 0;

	for (i = 0; i < a->n; i++) {
		warn += au_rank(a->f[i].level) == 1;
		crit += au_rank(a->f[i].level) == 2;
	}
	if (a->json) {
		printf("{\"warnings\": %u, \"criticals\": %u, \"findings\": [",
		       warn, crit);
		for (i = 0; i < a->n; i++) {
			printf("%s\n  {\"level\": \"%s\", \"area\": \"%s\", \"text\": ",
			       i ? "," : "", a->f[i].level, a->f[i].area);
			fc_json_str(a->f[i].text);
			printf(", \"advice\": ");
			fc_json_str(a->f[i].advice);
			for (k = 0; k < a->f[i].nf; k++)
				printf(", \"%s\": %s", a->f[i].fld[k].key,
				       a->f[i].fld[k].val);
			putchar('}');
		}
		printf("\n]}\n");
		return crit ? 2 : warn ? 1 : 0;
	}
	for (i = 0; i < a->n; i++) {
		printf("[%-4s] %s\n", a->f[i].level, a->f[i].text);
		if (a->f[i].advice[0])
			printf("       -> %s\n", a->f[i].advice);
	}
	printf("\n%u finding(s), %u warning(s), %u critical. Read-only unless --apply. See docs/AUDIT.md.\n",
	       a->n, warn, crit);
	return crit ? 2 : warn ? 1 : 0;
}

static int cmd_audit(struct fc_ctx *c, int argc, char **argv)
{
	const char *pid_s, *used_s, *watch_s, *apply, *hp_s, *fail_s;
	const char *proc_root, *sys_root;
	static struct au_ctx a;
	static struct fc_sys s, s2;
	struct fc_proc p, p2;
	uint64_t pid = 0, used = 0, watch = 0, hp = 0;
	int ret = 0, fail_rank = 3, worst;
	bool have_p2 = false;

	memset(&a, 0, sizeof(a));
	a.json = c->json;
	pid_s = fc_opt(&argc, argv, "--pid");
	used_s = fc_opt(&argc, argv, "--used");
	watch_s = fc_opt(&argc, argv, "--watch");
	apply = fc_opt(&argc, argv, "--apply");
	hp_s = fc_opt(&argc, argv, "--hugepages");
	fail_s = fc_opt(&argc, argv, "--fail-on");
	proc_root = fc_opt(&argc, argv, "--proc-root");
	sys_root = fc_opt(&argc, argv, "--sys-root");
	if (argc > 1)
		return fc_usage("audit does not take '%s'", argv[1]);
	if (pid_s && (fc_parse_u64(pid_s, &pid) || !pid || pid > INT32_MAX))
		return fc_usage("--pid needs a process id, not '%s'", pid_s);
	if (used_s && fc_parse_size(used_s, &used))
		return fc_usage("--used needs a size such as 300M, not '%s'", used_s);
	if (watch_s && (fc_parse_u64(watch_s, &watch) || !watch || watch > 3600))
		return fc_usage("--watch needs 1 to 3600 seconds, not '%s'", watch_s);
	if (hp_s && (fc_parse_u64(hp_s, &hp) || hp > (1ULL << 40)))
		return fc_usage("--hugepages needs a number of 2 MiB blocks, not '%s'",
				hp_s);
	if (fail_s && strcmp(fail_s, "warn") && strcmp(fail_s, "crit"))
		return fc_usage("--fail-on takes warn or crit, not '%s'", fail_s);
	if (fail_s)
		fail_rank = !strcmp(fail_s, "warn") ? 1 : 2;
	if (used_s && !pid_s)
		return fc_usage("--used goes with --pid");
	if (apply && (proc_root || sys_root))
		return fc_usage("--apply writes the live system: not with --proc-root/--sys-root");
	fc_sys_set_roots(proc_root ? proc_root : getenv("FRAGCTL_PROC_ROOT"),
			 sys_root ? sys_root : getenv("FRAGCTL_SYS_ROOT"));
	if (apply) {
		ret = au_apply(&a, apply);
		if (ret)
			return ret;
	}
	ret = fc_sys_read(&s, true);
	if (ret) {
		fprintf(stderr, "fragctl: cannot read %s/buddyinfo: %s\n",
			proc_root ? proc_root : "/proc", strerror(-ret));
		return 1;
	}
	if (pid) {
		ret = fc_proc_read((int)pid, &p);
		if (ret) {
			fprintf(stderr, "fragctl: cannot read process %" PRIu64 ": %s\n",
				pid, ret == -ENOENT ? "no such process" : strerror(-ret));
			fc_sys_free(&s);
			return 1;
		}
	}
	if (watch) {
		sleep((unsigned int)watch);
		if (fc_sys_read(&s2, false))
			memset(&s2, 0, sizeof(s2));
		have_p2 = pid && !fc_proc_read((int)pid, &p2);
	}
	au_buddy(&a, &s, hp_s ? (int64_t)hp : -1);
	au_thp(&a, &s, watch ? &s2 : NULL, (unsigned int)watch);
	au_slab(&a, &s);
	fc_sys_free(&s);
	if (pid) {
		const char *used_from = "--used";
		static struct rp_trace t;
		char tpath[4096], err[256];

		if (!used_s && !au_find_trace((int)pid, tpath, sizeof(tpath)) &&
		    !rp_trace_load(tpath, &t, err, sizeof(err))) {
			/* live requested bytes after the last recorded event */
			used = t.live_bytes;
			used_from = tpath;
		}
		if (!used_s)
			rp_trace_free(&t);
		au_process(&a, &p, used, used_from, have_p2 ? &p2 : NULL,
			   (unsigned int)watch);
	}
	worst = au_print(&a);
	fc_sys_set_roots(NULL, NULL);
	/* exit status for monitoring: docs/AUDIT.md "Exit status" */
	return worst >= fail_rank ? 2 + worst : 0;
}

const struct fc_cmd fc_cmds_audit[] = {
	{ "audit", "[--hugepages N] [--watch SECONDS] [--pid P [--used SIZE]] [--fail-on warn|crit] [--apply compact|drop-caches] [--proc-root DIR] [--sys-root DIR]",
	  "the seed's fragmentation audit of this system: free 2 MiB blocks and the kernel's order-9 fragmentation index per zone and node, a HugePage verdict for the blocks asked for (--hugepages N; default vm.nr_hugepages, or 1 when THP is on), THP settings and compaction/THP counters (rates with --watch), top slab caches, with --pid a process's heap. --json findings carry their numbers as fields. Exit status 0; with --fail-on, 3 on a warning and 4 on a critical finding (1 error, 2 usage). --proc-root/--sys-root (or FRAGCTL_PROC_ROOT/FRAGCTL_SYS_ROOT) read a recorded snapshot. Read-only unless --apply (root)",
	  cmd_audit, false },
	{ NULL },
};
