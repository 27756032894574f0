// SPDX-License-Identifier: GPL-2.0
/*
 * fl_main.c - fraglab module parameters, load and unload.
 *
 * Load order: validate parameters, reserve the arena, build the buddy
 * allocator over it, set up the subsystems (slab, pools, compaction,
 * including the slab self-test), then debugfs and then /dev/fraglab (last,
 * so no user can reach a half-built instance).  debugfs comes after
 * everything its files read exists and after every step that can fail but
 * the device's registration: a reader never sees a NULL or freed root,
 * and a failed self-test leaves no file behind.  Unload runs the same
 * steps in reverse, so the files go before what they read.  The misc
 * device and every open debugfs file hold a module reference, so rmmod is
 * refused until they are closed, and once the module is going debugfs
 * refuses new opens (-ENXIO, full_proxy_open() in fs/debugfs/file.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "fl_compat.h"
#include "fl_fault.h"
#include "fl_internal.h"

#define FL_ARENA_MB_MAX		16384	/* 16 GiB */

unsigned int fl_param_arena_mb = 64;
module_param_named(arena_mb, fl_param_arena_mb, uint, 0444);
MODULE_PARM_DESC(arena_mb, "Arena size in MiB, 4..16384, rounded up to max-order blocks (default 64)");

unsigned int fl_param_max_order = FL_MAX_ORDER;
module_param_named(max_order, fl_param_max_order, uint, 0444);
MODULE_PARM_DESC(max_order, "Largest order fraglab's buddy hands out, 0..10 and at most the kernel's (default 10; 6 gives the 256 KB blocks of the textbook example)");

bool fl_param_group_by_mobility = true;
module_param_named(group_by_mobility, fl_param_group_by_mobility, bool, 0444);
MODULE_PARM_DESC(group_by_mobility, "Group pageblocks by migrate type like Linux (default Y); runtime switch: FRAGLAB_IOC_SET");

struct fl_dev fl_dev;

/**
 * fl_fail_meta_set() - arm metadata-allocation fault injection.
 * @n: number of upcoming metadata allocations that fail (0: none).
 *
 * The core's fl_fail_meta attribute (core/fl_fault.c) in the one setting
 * the module offers: debugfs "fail_meta_alloc" and slab_selftest_fail_meta
 * write N, and the next N metadata allocations fail.
 *
 * Context: any context that may take a spinlock.
 */
void fl_fail_meta_set(unsigned int n)
{
	fl_fault_set(&fl_fail_meta, 0, 1, n);
}

static int fl_check_params(void)
{
	unsigned int kmax = min_t(unsigned int, FL_KERNEL_MAX_ORDER, FL_MAX_ORDER);

	if (fl_param_arena_mb < 4 || fl_param_arena_mb > FL_ARENA_MB_MAX) {
		pr_err("arena_mb=%u is out of range: use 4..%u (MiB)\n",
		       fl_param_arena_mb, FL_ARENA_MB_MAX);
		return -EINVAL;
	}
	if (fl_param_max_order > kmax) {
		pr_err("max_order=%u is out of range: this kernel's largest order is %u\n",
		       fl_param_max_order, kmax);
		return -EINVAL;
	}
	return 0;
}

static int fl_build_buddy(struct fl_dev *d)
{
	struct fl_chunk *chunks;

	chunks = fl_arena_chunks(&d->arena);
	if (!chunks)
		return -ENOMEM;
	d->buddy = fl_buddy_create(chunks, d->arena.nr_ranges,
				   fl_param_max_order,
				   fl_param_group_by_mobility);
	kfree(chunks);
	return d->buddy ? 0 : -ENOMEM;
}

static int __init fl_init(void)
{
	struct fl_dev *d = &fl_dev;
	int ret;

	ret = fl_check_params();
	if (ret)
		return ret;

	mutex_init(&d->lock);
	ret = fl_obj_cache_init();
	if (ret)
		return ret;
	ret = fl_idtab_init(&d->handles, FL_IDTAB_MAX_SLOTS);
	if (ret)
		goto destroy_obj_cache;

	ret = fl_arena_reserve(&d->arena, fl_param_arena_mb);
	if (ret)
		goto destroy_handles;

	ret = fl_build_buddy(d);
	if (ret) {
		pr_err("out of memory for the buddy allocator's metadata\n");
		goto release_arena;
	}

	ret = fl_subsys_init(d);
	if (ret)
		goto destroy_buddy;

	fl_debugfs_init();

	ret = fl_dev_register();
	if (ret)
		goto exit_debugfs;

	pr_info("arena %lu MiB in %u physically contiguous range%s, max order %u, grouping by mobility %s\n",
		d->arena.nr_pages >> (20 - PAGE_SHIFT), d->arena.nr_ranges,
		d->arena.nr_ranges == 1 ? "" : "s", fl_param_max_order,
		fl_param_group_by_mobility ? "on" : "off");
	return 0;

exit_debugfs:
	fl_debugfs_exit();
	fl_subsys_exit(d);
destroy_buddy:
	fl_buddy_destroy(d->buddy);
	d->buddy = NULL;
release_arena:
	fl_arena_release(&d->arena);
destroy_handles:
	fl_idtab_destroy(&d->handles);
destroy_obj_cache:
	fl_obj_cache_exit();
	return ret;
}

static void __exit fl_exit(void)
{
	struct fl_dev *d = &fl_dev;

	fl_dev_unregister();
	fl_debugfs_exit();
	fl_subsys_exit(d);
	WARN_ON_ONCE(fl_idtab_count(&d->handles));
	fl_idtab_destroy(&d->handles);
	fl_buddy_destroy(d->buddy);
	d->buddy = NULL;
	fl_arena_release(&d->arena);
	fl_obj_cache_exit();
}

module_init(fl_init);
module_exit(fl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("fraglab developers");
MODULE_DESCRIPTION("fraglab: a memory-fragmentation lab with its own buddy, slab and fit allocators");
MODULE_VERSION("0.1.0");
