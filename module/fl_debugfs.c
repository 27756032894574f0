// SPDX-License-Identifier: GPL-2.0
/*
 * fl_debugfs.c - /sys/kernel/debug/fraglab/ and the device-wide files in
 * it.  Each subsystem adds its own from its ->init (fl_subsys.h): the
 * buddy's files in the kernel's formats (buddyinfo, pagetypeinfo,
 * unusable_index, extfrag_index, stats, pcp: fl_buddy_dev.c), slabinfo
 * and slabs/, pools/, compaction, hugepages_arena, hugepages.  Here:
 *
 *   arena           alloc_pages blocks, PFN ranges, sizes, contiguity
 *                   (root only: PFNs)
 *   check           reading it runs every invariant checker
 *   fail_meta_alloc write N: the next N metadata allocations fail
 *
 * arena and check take fl_dev.lock.  They read every subsystem, so they
 * are added after the last ->init and removed before the first ->exit.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "fl_compat.h"
#include "fl_debugfs.h"
#include "fl_dev.h"
#include "fl_fault.h"
#include "fl_subsys.h"

static struct dentry *fl_debugfs_root;
static struct dentry *fl_debugfs_files[3];

static int arena_show(struct seq_file *m, void *v)
{
	const struct fl_arena *a = &fl_dev.arena;
	unsigned long largest = 0;
	unsigned int i;

	mutex_lock(&fl_dev.lock);
	for (i = 0; i < a->nr_ranges; i++)
		largest = max(largest, a->ranges[i].nr_pages);
	seq_printf(m, "arena_mb: %u\n", a->mb);
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

static int check_show(struct seq_file *m, void *v)
{
	char msg[128];
	int ret;

	mutex_lock(&fl_dev.lock);
	ret = fl_subsys_check(msg, sizeof(msg));
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
	fl_fault_set(&fl_fail_meta, 0, 1, min_t(u64, val, UINT_MAX));
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fl_fail_meta_fops, NULL, fl_fail_meta_write, "%llu\n");

/**
 * fl_debugfs_init() - create /sys/kernel/debug/fraglab/, empty.
 *
 * debugfs failures are not fatal (Documentation/filesystems/debugfs.rst):
 * an error pointer is passed on, and debugfs calls accept it.
 *
 * Context: module load, before fl_subsys_init() (which fills it).
 * Return: the directory (or an error pointer).
 */
struct dentry *fl_debugfs_init(void)
{
	fl_debugfs_root = debugfs_create_dir("fraglab", NULL);
	return fl_debugfs_root;
}

/**
 * fl_debugfs_add_files() - the device-wide files: arena, check,
 * fail_meta_alloc.
 *
 * Context: module load, after fl_subsys_init() succeeded, before the
 * device exists.
 */
void fl_debugfs_add_files(void)
{
	struct dentry *d = fl_debugfs_root;

	fl_debugfs_files[0] = debugfs_create_file("arena", 0400, d, NULL,
						  &arena_fops);
	fl_debugfs_files[1] = debugfs_create_file("check", 0400, d, NULL,
						  &check_fops);
	fl_debugfs_files[2] = debugfs_create_file_unsafe("fail_meta_alloc",
							 0200, d, NULL,
							 &fl_fail_meta_fops);
}

/**
 * fl_debugfs_remove_files() - remove them.
 *
 * debugfs_remove() waits for readers inside a file's operations; later
 * calls on a file still open fail with -EIO.  So once this returns no
 * reader can reach what the files read.
 *
 * Context: module unload (no fd is open) or failed load, before
 * fl_subsys_exit().
 */
void fl_debugfs_remove_files(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_debugfs_files); i++) {
		debugfs_remove(fl_debugfs_files[i]);
		fl_debugfs_files[i] = NULL;
	}
}

/**
 * fl_debugfs_exit() - remove /sys/kernel/debug/fraglab/ (empty by now:
 * every subsystem's ->exit removed its files).
 *
 * Context: module unload or failed load, after fl_subsys_exit().
 */
void fl_debugfs_exit(void)
{
	debugfs_remove_recursive(fl_debugfs_root);
	fl_debugfs_root = NULL;
}
