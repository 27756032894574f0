// SPDX-License-Identifier: GPL-2.0
/*
 * fl_debugfs.c - /sys/kernel/debug/fraglab/: fraglab's state in the
 * kernel's own formats.
 *
 *   arena           alloc_pages blocks, PFN ranges, sizes, contiguity
 *                   (root only: PFNs)
 *   buddyinfo       /proc/buddyinfo line for zone "fraglab"
 *   pagetypeinfo    /proc/pagetypeinfo layout (fraglab's three types)
 *   unusable_index  /sys/kernel/debug/extfrag/unusable_index layout
 *   extfrag_index   /sys/kernel/debug/extfrag/extfrag_index layout
 *   stats           counters: allocations, failures, fragmentation
 *   pcp             per-CPU page lists, /proc/zoneinfo "pagesets" layout
 *   check           reading it runs every invariant checker
 *   fail_meta_alloc write N: the next N metadata allocations fail
 *
 * Readers of buddy counters (buddyinfo, pagetypeinfo, the two indexes,
 * stats) print snapshots taken under the buddy's own lock, not
 * fl_dev.lock: each call is consistent in itself, and pagetypeinfo's two
 * (free counts, then pageblock counts) may be a moment apart, as
 * /proc/pagetypeinfo's are.  arena, pcp and check take fl_dev.lock.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "fl_compat.h"
#include "fl_internal.h"
#include "fl_metrics.h"

#define FL_ZONE_NAME	"fraglab"

static struct dentry *fl_debugfs_root;

static int arena_show(struct seq_file *m, void *v)
{
	const struct fl_arena *a = &fl_dev.arena;
	unsigned long largest = 0;
	unsigned int i;

	mutex_lock(&fl_dev.lock);
	for (i = 0; i < a->nr_ranges; i++)
		largest = max(largest, a->ranges[i].nr_pages);
	seq_printf(m, "arena_mb: %u\n", fl_param_arena_mb);
	seq_printf(m, "block order: %u (%lu KiB per alloc_pages block)\n",
		   a->order, (PAGE_SIZE << a->order) >> 10);
	seq_printf(m, "blocks: %u\n", a->nr_blocks);
	seq_printf(m, "pages: %lu (%lu MiB)\n", a->nr_pages,
		   a->nr_pages >> (20 - PAGE_SHIFT));
	seq_printf(m, "contiguous ranges: %u\n", a->nr_ranges);
	seq_printf(m, "largest range: %lu pages (%lu MiB, %lu%% of the arena)\n",
		   largest, largest >> (20 - PAGE_SHIFT),
		   a->nr_pages ? largest * 100 / a->nr_pages : 0);
	seq_printf(m, "kernel max order: %u, fraglab max order: %u\n",
		   FL_KERNEL_MAX_ORDER, fl_buddy_max_order(fl_dev.buddy));
	for (i = 0; i < a->nr_ranges; i++) {
		const struct fl_range *r = &a->ranges[i];

		seq_printf(m, "range %u: pfn 0x%lx-0x%lx (%lu pages, %lu MiB) arena offset 0x%llx\n",
			   i, r->pfn, r->pfn + r->nr_pages - 1, r->nr_pages,
			   r->nr_pages >> (20 - PAGE_SHIFT),
			   (u64)r->index << PAGE_SHIFT);
	}
	mutex_unlock(&fl_dev.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arena);

static void fl_snapshot_free(u64 nr_free[FL_NR_ORDERS])
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(fl_dev.buddy, &st);
	memcpy(nr_free, st.nr_free, sizeof(st.nr_free));
}

typedef int (*fl_format_fn)(char *buf, size_t len, int node,
			    const char *zone, const u64 *nr_free);

/* One line in a kernel format, shared with fragctl --sim (fl_metrics.c). */
static int fl_show_line(struct seq_file *m, fl_format_fn format)
{
	u64 nr_free[FL_NR_ORDERS];
	char line[FL_METRICS_LINE_MAX];

	fl_snapshot_free(nr_free);
	format(line, sizeof(line), 0, FL_ZONE_NAME, nr_free);
	seq_puts(m, line);
	return 0;
}

static int buddyinfo_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_buddyinfo);
}
DEFINE_SHOW_ATTRIBUTE(buddyinfo);

static int pagetypeinfo_show(struct seq_file *m, void *v)
{
	u64 nr_free[FL_MT_TYPES][FL_NR_ORDERS];
	u64 blocks[FL_MT_TYPES];
	unsigned int o, t;

	fl_buddy_free_counts_mt(fl_dev.buddy, nr_free);
	fl_buddy_pageblock_counts(fl_dev.buddy, blocks);

	seq_printf(m, "Page block order: %d\n", FL_PAGEBLOCK_ORDER);
	seq_printf(m, "Pages per block:  %lu\n", 1UL << FL_PAGEBLOCK_ORDER);
	seq_putc(m, '\n');
	seq_printf(m, "%-43s ", "Free pages count per migrate type at order");
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, "%6d ", o);
	seq_putc(m, '\n');
	for (t = 0; t < FL_MT_TYPES; t++) {
		seq_printf(m, "Node %4d, zone %8s, type %12s ", 0, FL_ZONE_NAME,
			   fl_migratetype_names[t]);
		for (o = 0; o < FL_NR_ORDERS; o++)
			seq_printf(m, "%6llu ", nr_free[t][o]);
		seq_putc(m, '\n');
	}
	seq_printf(m, "\n%-23s", "Number of blocks type ");
	for (t = 0; t < FL_MT_TYPES; t++)
		seq_printf(m, "%12s ", fl_migratetype_names[t]);
	seq_putc(m, '\n');
	seq_printf(m, "Node %d, zone %8s ", 0, FL_ZONE_NAME);
	for (t = 0; t < FL_MT_TYPES; t++)
		seq_printf(m, "%12llu ", blocks[t]);
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pagetypeinfo);

static int unusable_index_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_unusable);
}
DEFINE_SHOW_ATTRIBUTE(unusable_index);

static int extfrag_index_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_extfrag);
}
DEFINE_SHOW_ATTRIBUTE(extfrag_index);

static void fl_show_order_row(struct seq_file *m, const char *name,
			      const u64 *v)
{
	unsigned int o;

	seq_printf(m, "%-20s", name);
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, " %8llu", v[o]);
	seq_putc(m, '\n');
}

static int stats_show(struct seq_file *m, void *v)
{
	struct fraglab_stats s;
	unsigned int o;

	fl_fill_stats(&s);
	seq_printf(m, "total_pages %llu\n", s.total_pages);
	seq_printf(m, "free_pages %llu\n", s.free_pages);
	seq_printf(m, "allocated_blocks %llu\n", s.nr_allocated);
	if (s.largest_free_order < FL_NR_ORDERS)
		seq_printf(m, "largest_free_block %lu (order %u)\n",
			   PAGE_SIZE << s.largest_free_order,
			   s.largest_free_order);
	else
		seq_puts(m, "largest_free_block 0 (none)\n");
	seq_printf(m, "requested_bytes %llu\n", s.requested_bytes);
	seq_printf(m, "granted_bytes %llu\n", s.granted_bytes);
	seq_printf(m, "internal_frag_bytes %llu\n",
		   s.granted_bytes - s.requested_bytes);
	seq_printf(m, "internal_frag %u.%u%%\n",
		   s.internal_frag_permille / 10, s.internal_frag_permille % 10);
	seq_printf(m, "external_frag %u.%u%%\n",
		   s.external_frag_permille / 10, s.external_frag_permille % 10);
	seq_printf(m, "unusable_index_9 %d.%03d\n",
		   s.unusable_index_9 / 1000, s.unusable_index_9 % 1000);
	seq_printf(m, "fail_fragmented %llu\n", s.fail_fragmented);
	seq_printf(m, "fail_nomem %llu\n", s.fail_nomem);
	seq_printf(m, "frees %llu\nsplits %llu\nmerges %llu\n",
		   s.frees, s.splits, s.merges);
	seq_printf(m, "fallbacks %llu\nsteals %llu\n", s.fallbacks, s.steals);
	seq_printf(m, "group_by_mobility %d\n",
		   fl_buddy_grouping(fl_dev.buddy));
	seq_printf(m, "pcp_high %u\npcp_pages %llu\n",
		   fl_buddy_pcp_high(fl_dev.buddy), s.pcp_pages);
	seq_printf(m, "%-20s", "order");
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, " %8u", o);
	seq_putc(m, '\n');
	fl_show_order_row(m, "free_blocks", s.nr_free);
	fl_show_order_row(m, "alloc_ok", s.alloc_ok);
	fl_show_order_row(m, "alloc_fail", s.alloc_fail);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * /proc/zoneinfo's "pagesets" block, then what zoneinfo does not show:
 * the blocks parked per order and migrate type.
 */
static int pcp_show(struct seq_file *m, void *v)
{
	struct fl_pcp_info pi;
	unsigned int cpu, o, mt;

	mutex_lock(&fl_dev.lock);
	seq_printf(m, "Node 0, zone %8s\n  pagesets\n", FL_ZONE_NAME);
	for (cpu = 0; !fl_buddy_pcp_info(fl_dev.buddy, cpu, &pi); cpu++) {
		seq_printf(m, "    cpu: %u\n", cpu);
		seq_printf(m, "              count: %u\n", pi.count);
		seq_printf(m, "              high:  %u\n", pi.high);
		seq_printf(m, "              batch: %u\n", pi.batch);
		for (o = 0; o < FL_PCP_ORDERS; o++) {
			seq_printf(m, "              order %u:", o);
			for (mt = 0; mt < FL_MT_TYPES; mt++)
				seq_printf(m, " %s %u", fl_migratetype_names[mt],
					   pi.nr[o][mt]);
			seq_putc(m, '\n');
		}
	}
	mutex_unlock(&fl_dev.lock);
	if (!cpu)
		seq_puts(m, "    off: no per-CPU lists (FRAGLAB_SET_PCP_HIGH, fragctl pcp HIGH)\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcp);

static int check_show(struct seq_file *m, void *v)
{
	char msg[128];
	int ret;

	mutex_lock(&fl_dev.lock);
	ret = fl_check_all(msg, sizeof(msg));
	mutex_unlock(&fl_dev.lock);
	if (ret)
		seq_printf(m, "FAIL %d: %s\n", ret, msg);
	else
		seq_puts(m, "OK\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(check);

static int fl_fail_meta_write(void *data, u64 val)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;	/* a module-wide knob, like the rest */
	fl_fail_meta_set(min_t(u64, val, UINT_MAX));
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fl_fail_meta_fops, NULL, fl_fail_meta_write, "%llu\n");

/**
 * fl_debugfs_init() - create /sys/kernel/debug/fraglab/ and every file in it.
 *
 * Every file reads something that must exist while it does: the buddy,
 * the subsystems' registries, the slab root.  So this runs after all of
 * them are set up (and after the slab self-test), and the subsystems add
 * their files from here too.  debugfs failures are not fatal
 * (Documentation/filesystems/debugfs.rst).
 *
 * Context: module load, after fl_subsys_init(), before the device exists.
 */
void fl_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("fraglab", NULL);

	fl_debugfs_root = d;
	debugfs_create_file("arena", 0400, d, NULL, &arena_fops);
	debugfs_create_file("buddyinfo", 0400, d, NULL, &buddyinfo_fops);
	debugfs_create_file("pagetypeinfo", 0400, d, NULL, &pagetypeinfo_fops);
	debugfs_create_file("unusable_index", 0400, d, NULL,
			    &unusable_index_fops);
	debugfs_create_file("extfrag_index", 0400, d, NULL,
			    &extfrag_index_fops);
	debugfs_create_file("stats", 0400, d, NULL, &stats_fops);
	debugfs_create_file("pcp", 0400, d, NULL, &pcp_fops);
	debugfs_create_file("check", 0400, d, NULL, &check_fops);
	debugfs_create_file_unsafe("fail_meta_alloc", 0200, d, NULL,
				   &fl_fail_meta_fops);
	fl_subsys_debugfs_init(d);
}

/**
 * fl_debugfs_exit() - remove /sys/kernel/debug/fraglab/.
 *
 * debugfs_remove() waits for readers inside a file's operations; later
 * calls on a file still open fail with -EIO.  So once this returns no
 * reader can reach what the files read.
 *
 * Context: module unload (no fd is open), or failed load; before
 * fl_subsys_exit().
 */
void fl_debugfs_exit(void)
{
	fl_subsys_debugfs_exit();
	debugfs_remove_recursive(fl_debugfs_root);
	fl_debugfs_root = NULL;
}
