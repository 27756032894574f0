// SPDX-License-Identifier: GPL-2.0
/*
 * fl_main.c - fraglab module parameters, load and unload.
 *
 * Load order: validate parameters, reserve the arena, create the (empty)
 * debugfs directory, set up the subsystems in table order (fl_subsys.c:
 * the buddy over the arena, slab with its optional self-test, pools,
 * compaction, probes, ...), each adding its debugfs files once what they
 * read exists, then the device-wide debugfs files (arena, check: they read
 * every subsystem), then /dev/fraglab (last, so no user can reach a
 * half-built instance).  A reader never sees a NULL or freed root, and a
 * failed load (a self-test that fails) leaves no file behind: each
 * subsystem's ->exit removes its files before what they read.  Unload
 * runs the same steps in reverse.  The misc
 * device and every open debugfs file hold a module reference, so rmmod is
 * refused until they are closed, and once the module is going debugfs
 * refuses new opens (-ENXIO, full_proxy_open() in fs/debugfs/file.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "fl_compat.h"
#include "fl_debugfs.h"
#include "fl_dev.h"
#include "fl_main.h"
#include "fl_subsys.h"

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

static int __init fl_init(void)
{
	struct fl_dev *d = &fl_dev;
	int ret;

	ret = fl_check_params();
	if (ret)
		return ret;

	mutex_init(&d->lock);
	mutex_init(&d->dbg_lock);
	mutex_init(&d->files_lock);
	INIT_LIST_HEAD(&d->files);
	ret = fl_obj_cache_init();
	if (ret)
		return ret;

	ret = fl_arena_reserve(&d->arena, fl_param_arena_mb);
	if (ret)
		goto destroy_obj_cache;

	ret = fl_subsys_init(d, fl_debugfs_init());
	if (ret)
		goto exit_debugfs;
	fl_debugfs_add_files();

	ret = fl_dev_register();
	if (ret)
		goto remove_files;

	pr_info("arena %lu MiB in %u physically contiguous range%s, max order %u, grouping by mobility %s\n",
		d->arena.nr_pages >> (20 - PAGE_SHIFT), d->arena.nr_ranges,
		d->arena.nr_ranges == 1 ? "" : "s", fl_param_max_order,
		fl_param_group_by_mobility ? "on" : "off");
	return 0;

remove_files:
	fl_debugfs_remove_files();
	fl_subsys_exit(d);
exit_debugfs:
	fl_debugfs_exit();
	fl_arena_release(&d->arena);
destroy_obj_cache:
	fl_obj_cache_exit();
	return ret;
}

static void __exit fl_exit(void)
{
	struct fl_dev *d = &fl_dev;

	fl_dev_unregister();
	fl_debugfs_remove_files();
	fl_subsys_exit(d);
	fl_debugfs_exit();
	WARN_ON_ONCE(!list_empty(&d->files));
	fl_arena_release(&d->arena);
	fl_obj_cache_exit();
}

module_init(fl_init);
module_exit(fl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("fraglab developers");
MODULE_DESCRIPTION("fraglab: a memory-fragmentation lab with its own buddy, slab and fit allocators");
MODULE_VERSION("0.1.0");
