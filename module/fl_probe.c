// SPDX-License-Identifier: GPL-2.0
/*
 * fl_probe.c - HugePage availability of the real machine: ioctl range
 * 0x40-0x4f (FRAGLAB_IOC_PROBE_SYSTEM) and debugfs "hugepages".
 *
 * The question is the seed's: "even if 10 GB is free there may be no
 * contiguous 2 MB block".  Can the kernel hand out N order-9 blocks right
 * now, and would compaction help?
 *
 * Snapshot (read-only, any opener of /dev/fraglab).  For every populated
 * zone of every online node, in /proc/buddyinfo order:
 *  - zone->free_area[order].nr_free for every order, read under
 *    zone->lock with interrupts off, exactly what mm/vmstat.c's
 *    frag_show_print() prints, so userspace can check the numbers against
 *    /proc/buddyinfo read at the same moment;
 *  - the kernel's unusable free space index and fragmentation index for
 *    order 9, computed from those counts by fl_metrics.c (mm/vmstat.c's
 *    formulas, to the digit);
 *  - HugePage-capable blocks now: free blocks of order >= 9, in 2 MiB
 *    units;
 *  - pageblocks per migrate type over the zone span, as /proc/pagetypeinfo
 *    "Number of blocks type" counts them (pagetypeinfo_showblockcount_print()),
 *    outside the zone lock.  Movable pageblocks bound what compaction can
 *    achieve: it cannot free a pageblock that holds unmovable pages.
 *
 * Trials (opt-in, CAP_SYS_ADMIN).  Up to try_count order-9 allocations
 * from the real buddy allocator, held until the trial ends, then all freed:
 *  - without compaction: GFP_TRANSHUGE_LIGHT, THP's "don't even try"
 *    flags: no direct reclaim, no kswapd or kcompactd wakeup, no
 *    compaction, no warning, no memory reserves, hence never the OOM
 *    killer.  It succeeds exactly when a free order >= 9 block exists
 *    above the watermarks;
 *  - with compaction (if asked): the same plus __GFP_DIRECT_RECLAIM and
 *    __GFP_NORETRY (THP's defrag=madvise flags): one round of direct
 *    compaction (and light reclaim), no OOM killer, no retry loop.
 * Each trial stops at its first failure.  try_count is bounded twice,
 * in the module (issue 10): by the probe_max parameter (a larger request
 * is -EINVAL) and by a quarter of the kernel's free pages at the time of
 * the call (a larger request is clamped; try_cap reports the bound).
 * Trials are serialized by fl_probe_lock, so two callers never hold
 * 2 * cap blocks together.  A fatal signal ends a trial early.
 *
 * Locking: fl_probe_lock (mutex) only around trials; zone->lock (spinlock,
 * irqsave) only while copying one zone's free counts.  No fraglab lock is
 * held while the kernel allocates, so the trial may sleep in compaction.
 * The debugfs arena section takes nothing itself: fl_subsys_stats() and the
 * compaction engine's fl_compact_arena_predict() (which takes fl_dev.lock)
 * do their own locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#include "fl_compat.h"
#include "fl_compact_dev.h"
#include "fl_probe.h"
#include "fl_metrics.h"

#define FL_PROBE_ORDER		FRAGLAB_PAGEBLOCK_ORDER	/* 2 MiB */
#define FL_PROBE_MAX_LIMIT	1024	/* probe_max is clamped to this */

/* No reclaim, no compaction, no kswapd, no warning, no reserves. */
#define FL_PROBE_GFP_NOCOMPACT	GFP_TRANSHUGE_LIGHT
/* One round of direct compaction/reclaim; __GFP_NORETRY: never OOM. */
#define FL_PROBE_GFP_COMPACT	(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM | \
				 __GFP_NORETRY)

static unsigned int fl_probe_max = 64;
module_param_named(probe_max, fl_probe_max, uint, 0644);
MODULE_PARM_DESC(probe_max,
		 "Most order-9 blocks one HugePage trial may take (default 64, at most 1024; also capped at a quarter of free memory)");

/* One trial at a time: two callers never hold 2 * cap blocks together. */
static DEFINE_MUTEX(fl_probe_lock);
static struct dentry *fl_probe_dentry;

/**
 * struct fl_probe_trial - what one trial did.
 * @tried: allocations attempted.
 * @ok: allocations that succeeded.
 * @ns: total time spent in alloc_pages().
 * @max_ns: the slowest single attempt.
 */
struct fl_probe_trial {
	u32 tried;
	u32 ok;
	u64 ns;
	u64 max_ns;
};

/* FRAGLAB_PB_* bucket of a kernel migrate type. */
static unsigned int fl_probe_pb_type(unsigned int mt)
{
	switch (mt) {
	case MIGRATE_UNMOVABLE:
		return FRAGLAB_PB_UNMOVABLE;
	case MIGRATE_MOVABLE:
		return FRAGLAB_PB_MOVABLE;
	case MIGRATE_RECLAIMABLE:
		return FRAGLAB_PB_RECLAIMABLE;
	default:
		return FRAGLAB_PB_OTHER;
	}
}

/**
 * fl_probe_nr_orders() - buddy orders of this kernel that fit the UAPI.
 *
 * Context: any.
 * Return: min(NR_PAGE_ORDERS, FRAGLAB_NR_ORDERS).
 */
static unsigned int fl_probe_nr_orders(void)
{
	return min_t(unsigned int, NR_PAGE_ORDERS, FRAGLAB_NR_ORDERS);
}

/**
 * fl_probe_free_counts() - a zone's free blocks per order, as /proc/buddyinfo.
 * @zone: a populated zone.
 * @nr_free: out: FRAGLAB_NR_ORDERS counts (orders the kernel lacks are 0).
 *
 * Context: process context; takes zone->lock with irqs off.
 */
static void fl_probe_free_counts(struct zone *zone, u64 *nr_free)
{
	unsigned int o, nr_orders = fl_probe_nr_orders();
	unsigned long flags;

	memset(nr_free, 0, FRAGLAB_NR_ORDERS * sizeof(*nr_free));
	spin_lock_irqsave(&zone->lock, flags);
	for (o = 0; o < nr_orders; o++)
		nr_free[o] = zone->free_area[o].nr_free;
	spin_unlock_irqrestore(&zone->lock, flags);
}

/**
 * fl_probe_pageblocks() - pageblocks per FRAGLAB_PB_* type in @zone.
 * @zone: a populated zone.
 * @counts: out: FRAGLAB_PB_TYPES counters.
 *
 * The walk of /proc/pagetypeinfo's "Number of blocks type": one pfn per
 * pageblock from the zone start, skipping offline memory and pageblocks
 * whose first page belongs to another zone.  Racy by nature (types change
 * under us), like the kernel's.
 *
 * Context: process context; may sleep.
 */
static void fl_probe_pageblocks(struct zone *zone, u64 *counts)
{
	unsigned long pfn, end = zone_end_pfn(zone);
	unsigned long n = 0;

	memset(counts, 0, FRAGLAB_PB_TYPES * sizeof(*counts));
	for (pfn = zone->zone_start_pfn; pfn < end; pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_online_page(pfn);

		if (page && page_zone(page) == zone)
			counts[fl_probe_pb_type(fl_pageblock_migratetype(pfn))]++;
		if (!(++n % 1024))
			cond_resched();
	}
}

/**
 * fl_probe_fill_zone() - one zone of the snapshot.
 * @nid: the zone's node.
 * @zone: a populated zone.
 * @zp: out.
 *
 * Context: process context; may sleep.
 */
static void fl_probe_fill_zone(int nid, struct zone *zone,
			       struct fraglab_zone_probe *zp)
{
	unsigned int o;

	memset(zp, 0, sizeof(*zp));
	zp->node = nid;
	zp->zone_idx = zone_idx(zone);
	strscpy(zp->name, zone->name, sizeof(zp->name));
	fl_probe_free_counts(zone, zp->nr_free);
	zp->free_pages = fl_metrics_free_pages(zp->nr_free, FRAGLAB_NR_ORDERS);
	zp->managed_pages = zone_managed_pages(zone);
	for (o = FL_PROBE_ORDER; o < FRAGLAB_NR_ORDERS; o++)
		zp->hugepages_now += zp->nr_free[o] << (o - FL_PROBE_ORDER);
	zp->unusable_index_9 = fl_metrics_unusable_index(zp->nr_free,
							 FL_PROBE_ORDER);
	zp->extfrag_index_9 = fl_metrics_fragmentation_index(zp->nr_free,
							     FL_PROBE_ORDER);
	fl_probe_pageblocks(zone, zp->pageblocks);
}

/**
 * fl_probe_zones() - snapshot every populated zone of every online node.
 * @zones: out: room for @max zones.
 * @max: capacity of @zones.
 *
 * Zones beyond @max are left out (none on the machines we support).
 *
 * Context: process context; may sleep.
 * Return: the number of zones filled.
 */
static unsigned int fl_probe_zones(struct fraglab_zone_probe *zones,
				   unsigned int max)
{
	unsigned int n = 0;
	int nid;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		struct zone *zone;

		for (zone = pgdat->node_zones;
		     zone < pgdat->node_zones + MAX_NR_ZONES; zone++) {
			if (!populated_zone(zone))
				continue;
			if (n == max)
				return n;
			fl_probe_fill_zone(nid, zone, &zones[n++]);
		}
	}
	return n;
}

/**
 * fl_probe_cap() - the most order-9 blocks a trial may take right now.
 * @free_pages: the kernel's free pages.
 *
 * Context: any.
 * Return: min(probe_max, FL_PROBE_MAX_LIMIT, a quarter of @free_pages in
 * order-9 blocks).
 */
static u32 fl_probe_cap(unsigned long free_pages)
{
	u32 max = min_t(u32, READ_ONCE(fl_probe_max), FL_PROBE_MAX_LIMIT);

	return min_t(unsigned long, max, (free_pages / 4) >> FL_PROBE_ORDER);
}

/**
 * fl_probe_trial() - allocate up to @n order-9 blocks, then free them all.
 * @gfp: FL_PROBE_GFP_NOCOMPACT or FL_PROBE_GFP_COMPACT.
 * @n: attempts at most (<= the cap).
 * @pages: room for @n pointers.
 * @t: out.
 *
 * Stops at the first failure or on a fatal signal.
 *
 * Context: process context, fl_probe_lock held; may sleep (compaction).
 */
static void fl_probe_trial(gfp_t gfp, u32 n, struct page **pages,
			   struct fl_probe_trial *t)
{
	u32 i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n && !fatal_signal_pending(current); i++) {
		u64 t0 = ktime_get_ns(), dt;
		struct page *page = alloc_pages(gfp, FL_PROBE_ORDER);

		dt = ktime_get_ns() - t0;
		t->tried++;
		t->ns += dt;
		t->max_ns = max(t->max_ns, dt);
		if (!page)
			break;
		pages[t->ok++] = page;
	}
	for (i = 0; i < t->ok; i++)
		__free_pages(pages[i], FL_PROBE_ORDER);
	trace_fl_probe_trial(FL_PROBE_ORDER, gfp == FL_PROBE_GFP_COMPACT,
			     t->tried, t->ok, t->ns);
}

/**
 * fl_probe_run_trials() - the trials @p asks for, results into @p.
 * @p: request (flags, try_count validated) and answer.
 *
 * Context: process context; may sleep.
 * Return: 0, -ENOMEM, or -EINTR if a fatal signal came before the trials.
 */
static int fl_probe_run_trials(struct fraglab_probe_system *p)
{
	struct fl_probe_trial t;
	struct page **pages;
	u32 n;

	if (mutex_lock_killable(&fl_probe_lock))
		return -EINTR;
	p->free_pages = global_zone_page_state(NR_FREE_PAGES);
	p->try_cap = fl_probe_cap(p->free_pages);
	n = min(p->try_count, p->try_cap);
	pages = kcalloc(max(n, 1U), sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		mutex_unlock(&fl_probe_lock);
		return -ENOMEM;
	}
	fl_probe_trial(FL_PROBE_GFP_NOCOMPACT, n, pages, &t);
	p->tried = t.tried;
	p->ok_nocompact = t.ok;
	p->ns_nocompact = t.ns;
	p->max_ns_nocompact = t.max_ns;
	if (p->flags & FRAGLAB_PROBE_TRY_COMPACT) {
		fl_probe_trial(FL_PROBE_GFP_COMPACT, n, pages, &t);
		p->tried_compact = t.tried;
		p->ok_compact = t.ok;
		p->ns_compact = t.ns;
		p->max_ns_compact = t.max_ns;
	}
	mutex_unlock(&fl_probe_lock);
	kfree(pages);
	return 0;
}

/**
 * fl_probe_check_request() - validate the input half of a probe request.
 * @p: as copied from userspace.
 *
 * Context: process context.
 * Return: 0, -EINVAL (reserved field, flag, count) or -EPERM (a trial
 * without CAP_SYS_ADMIN).
 */
static int fl_probe_check_request(const struct fraglab_probe_system *p)
{
	u32 max = min_t(u32, READ_ONCE(fl_probe_max), FL_PROBE_MAX_LIMIT);

	if (!fl_mem_is_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (p->flags & ~FRAGLAB_PROBE_FLAGS)
		return -EINVAL;
	if (!p->flags)
		return p->try_count ? -EINVAL : 0;
	if (!(p->flags & FRAGLAB_PROBE_TRY))
		return -EINVAL;	/* TRY_COMPACT comes after the plain trial */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!p->try_count || p->try_count > max)
		return -EINVAL;
	return 0;
}

/**
 * fl_ioc_probe_system() - FRAGLAB_IOC_PROBE_SYSTEM.
 * @ff: the calling file (unused: probes own nothing).
 * @karg: struct fraglab_probe_system.
 * @made: unused.
 *
 * Reading the machine's state is open (like /proc/buddyinfo); trials
 * (->flags) allocate real memory and need CAP_SYS_ADMIN.
 *
 * Context: process context, fl_dev.lock not held.
 * Return: 0, -EINVAL, -EPERM or a trial's errno.
 */
long fl_ioc_probe_system(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_probe_system *p = karg;
	u32 flags, try_count;
	long ret;

	ret = fl_probe_check_request(p);
	if (ret)
		return ret;
	flags = p->flags;
	try_count = p->try_count;
	memset(p, 0, sizeof(*p));
	p->flags = flags;
	p->try_count = try_count;
	p->nr_orders = fl_probe_nr_orders();
	p->block_order = pageblock_order;
	p->nr_zones = fl_probe_zones(p->zones, FRAGLAB_PROBE_MAX_ZONES);
	p->free_pages = global_zone_page_state(NR_FREE_PAGES);
	p->try_cap = fl_probe_cap(p->free_pages);
	if (flags)
		return fl_probe_run_trials(p);
	return 0;
}

/* debugfs "hugepages" ------------------------------------------------------ */

static void fl_probe_show_system(struct seq_file *m,
				 const struct fraglab_zone_probe *zones,
				 unsigned int nr)
{
	static const char * const pb_names[FRAGLAB_PB_TYPES] = {
		"Unmovable", "Movable", "Reclaimable", "Other",
	};
	char line[FL_METRICS_LINE_MAX];
	unsigned long free = global_zone_page_state(NR_FREE_PAGES);
	unsigned int i, t;

	seq_puts(m, "system: free blocks per order (zone->free_area under zone->lock, /proc/buddyinfo format)\n");
	for (i = 0; i < nr; i++) {
		fl_metrics_format_buddyinfo(line, sizeof(line), zones[i].node,
					    zones[i].name, zones[i].nr_free);
		seq_puts(m, line);
	}
	seq_printf(m, "\nsystem: order-%u (2 MiB) availability per zone\n",
		   FL_PROBE_ORDER);
	seq_printf(m, "%-20s %12s %12s %10s %10s", "zone", "free_pages",
		   "hugepages", "unusable", "extfrag");
	for (t = 0; t < FRAGLAB_PB_TYPES; t++)
		seq_printf(m, " %12s", pb_names[t]);
	seq_putc(m, '\n');
	for (i = 0; i < nr; i++) {
		const struct fraglab_zone_probe *z = &zones[i];
		char name[32];
		int ei = z->extfrag_index_9;

		snprintf(name, sizeof(name), "Node %d, %s", z->node, z->name);
		seq_printf(m, "%-20s %12llu %12llu %6d.%03d %6s%d.%03d", name,
			   z->free_pages, z->hugepages_now,
			   z->unusable_index_9 / 1000,
			   z->unusable_index_9 % 1000, ei < 0 ? "-" : "",
			   abs(ei) / 1000, abs(ei) % 1000);
		for (t = 0; t < FRAGLAB_PB_TYPES; t++)
			seq_printf(m, " %12llu", z->pageblocks[t]);
		seq_putc(m, '\n');
	}
	seq_printf(m, "free pages (NR_FREE_PAGES): %lu; a trial may take %u order-%u blocks now (probe_max %u)\n",
		   free, fl_probe_cap(free), FL_PROBE_ORDER,
		   READ_ONCE(fl_probe_max));
}

/* The compaction engine's exact prediction, when it can run. */
static void fl_probe_show_prediction(struct seq_file *m)
{
	struct fraglab_hugepages_arena *h;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	ret = h ? fl_compact_arena_predict(FRAGLAB_COMPACT_POLICY_KERNEL, h) :
		  -ENOMEM;
	if (ret) {
		seq_printf(m, "after compaction: no prediction (%d)\n", ret);
	} else {
		seq_printf(m, "pageblocks: %u in the arena, %u free, %u movable, %u blocked by unmovable allocations, %u covered by order >= 9\n",
			   h->nr_blocks, h->blocks_free, h->blocks_movable,
			   h->blocks_blocked, h->blocks_huge);
		seq_printf(m, "after compaction (exact prediction): %llu with full compaction, %llu with order-9 compaction (upper bound %llu)\n",
			   h->predicted_full, h->predicted_order,
			   h->obtainable_max);
	}
	kfree(h);
}

static void fl_probe_show_arena(struct seq_file *m)
{
	struct fraglab_stats s;
	u64 now = 0;
	unsigned int o;

	fl_subsys_stats(&s);
	for (o = FL_PROBE_ORDER; o < FRAGLAB_NR_ORDERS; o++)
		now += s.nr_free[o] << (o - FL_PROBE_ORDER);
	seq_puts(m, "\narena: fraglab's own buddy allocator\n");
	seq_printf(m, "free pages: %llu of %llu\n", s.free_pages, s.total_pages);
	seq_printf(m, "free order-9 blocks: %llu, order-10 blocks: %llu\n",
		   s.nr_free[9], s.nr_free[10]);
	seq_printf(m, "hugepages now (2 MiB units): %llu\n", now);
	fl_probe_show_prediction(m);
}

static int fl_probe_hugepages_show(struct seq_file *m, void *v)
{
	struct fraglab_zone_probe *zones;
	unsigned int nr;

	zones = kcalloc(FRAGLAB_PROBE_MAX_ZONES, sizeof(*zones), GFP_KERNEL);
	if (!zones)
		return -ENOMEM;
	nr = fl_probe_zones(zones, FRAGLAB_PROBE_MAX_ZONES);
	fl_probe_show_system(m, zones, nr);
	kfree(zones);
	fl_probe_show_arena(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_probe_hugepages);

/**
 * fl_probe_init() - create debugfs "hugepages" (failures are not fatal).
 * @d: the device (unused).
 * @dir: the fraglab debugfs directory.
 *
 * Context: module load, from the subsystem table (after compaction).
 * Return: 0.
 */
static int fl_probe_init(struct fl_dev *d, struct dentry *dir)
{
	fl_probe_dentry = debugfs_create_file("hugepages", 0400, dir, NULL,
					      &fl_probe_hugepages_fops);
	return 0;
}

/**
 * fl_probe_exit() - remove debugfs "hugepages" (waits for readers).
 * @d: the device (unused).
 *
 * Context: module unload or failed load, from the subsystem table.
 */
static void fl_probe_exit(struct fl_dev *d)
{
	debugfs_remove(fl_probe_dentry);
	fl_probe_dentry = NULL;
}

const struct fl_subsys fl_probe_subsys = {
	.name = "probe",
	.nr_first = 0x40,
	.nr_last = 0x4f,
	.features = FRAGLAB_FEAT_PROBE,
	.init = fl_probe_init,
	.exit = fl_probe_exit,
};
