// SPDX-License-Identifier: GPL-2.0
/*
 * fl_subsys.c - where each allocator's kernel glue plugs into the device.
 *
 * The buddy allocator is part of the device itself (fl_main.c,
 * fl_buddy_dev.c).  Allocators built on top of it (slab caches, fit
 * pools) and the engines that work on it (compaction, probes, benchmarks)
 * add one call to each function below, in the order given by the
 * lock-ordering comment in fl_internal.h.
 */
#include "fl_internal.h"

/**
 * fl_subsys_init() - set up every subsystem after the buddy exists.
 * @d: the device.
 *
 * Context: module load.
 * Return: 0 or a negative errno (everything already set up is undone).
 */
int fl_subsys_init(struct fl_dev *d)
{
	int ret;

	ret = fl_slab_dev_init(d);
	if (ret)
		return ret;
	ret = fl_pool_dev_init(d);
	if (ret)
		goto slab_exit;
	ret = fl_compact_dev_init(d);
	if (ret)
		goto pool_exit;
	return 0;

pool_exit:
	fl_pool_dev_exit(d);
slab_exit:
	fl_slab_dev_exit(d);
	return ret;
}

/**
 * fl_subsys_exit() - tear down every subsystem before the buddy goes.
 * @d: the device.
 *
 * Context: module unload; no file is open.
 */
void fl_subsys_exit(struct fl_dev *d)
{
	fl_compact_dev_exit(d);
	fl_pool_dev_exit(d);
	fl_slab_dev_exit(d);
}

/**
 * fl_subsys_debugfs_init() - every subsystem's debugfs files.
 * @dir: /sys/kernel/debug/fraglab (may be an error pointer: debugfs
 * calls accept that).
 *
 * Context: module load, after fl_subsys_init() succeeded.
 */
void fl_subsys_debugfs_init(struct dentry *dir)
{
	fl_slab_dev_debugfs_init(dir);
	fl_pool_dev_debugfs_init(dir);
	fl_probe_debugfs_init(dir);
	fl_compact_dev_debugfs_init(dir);
}

/**
 * fl_subsys_debugfs_exit() - remove them (waits for running readers).
 *
 * Context: module unload or failed load, before fl_subsys_exit().
 */
void fl_subsys_debugfs_exit(void)
{
	fl_compact_dev_debugfs_exit();
	fl_probe_debugfs_exit();
	fl_pool_dev_debugfs_exit();
	fl_slab_dev_debugfs_exit();
}

/**
 * fl_subsys_release_file() - free what a closing fd still owns.
 * @ff: the file being released.
 *
 * Context: fl_dev.lock held; may sleep.
 */
void fl_subsys_release_file(struct fl_file *ff)
{
	fl_pool_dev_release_file(ff);
	fl_slab_dev_release_file(ff);
}

/**
 * fl_subsys_check() - run the subsystems' invariant checkers.
 * @msg: where the first violation is described.
 * @len: size of @msg.
 *
 * Context: fl_dev.lock held.
 * Return: 0 or -EUCLEAN.
 */
int fl_subsys_check(char *msg, size_t len)
{
	int ret;

	ret = fl_slab_dev_check(msg, len);
	if (ret)
		return ret;
	ret = fl_pool_dev_check(msg, len);
	if (ret)
		return ret;
	return 0;
}
