// SPDX-License-Identifier: GPL-2.0
/*
 * fl_subsys.c - the table of subsystems and the loops over it.
 *
 * Every allocator's glue (buddy, slab caches, fit pools) and every engine
 * working on the arena (compaction, probes, benchmarks, the map) is one
 * struct fl_subsys (fl_subsys.h) defined in its own file.  The order of
 * fl_subsystems[] is the load order: each entry may use every entry
 * before it (slab and pools take their pages from the buddy, the probes
 * ask compaction for predictions, the benchmarks use the slab API).
 * Unload runs it backwards.  Each ->init creates its debugfs files last,
 * once what they read exists, and each ->exit removes them first, so a
 * reader never sees a half-built or freed subsystem (tests/box
 * t_loadorder).  Model: zpool's driver ops (mm/zpool.c, 6.12).
 */
#include <linux/bits.h>

#include "fl_subsys.h"
#include "fl_bench.h"
#include "fl_buddy_dev.h"
#include "fl_compact_dev.h"
#include "fl_map_dev.h"
#include "fl_pool_dev.h"
#include "fl_probe.h"
#include "fl_slab_dev.h"

static const struct fl_subsys *const fl_subsystems[] = {
	&fl_buddy_subsys,
	&fl_slab_subsys,
	&fl_pool_subsys,
	&fl_compact_subsys,
	&fl_probe_subsys,
	&fl_bench_subsys,
	&fl_map_subsys,
};

/* Tear down fl_subsystems[0..@n) in reverse order. */
static void fl_subsys_exit_first(struct fl_dev *d, unsigned int n)
{
	while (n--)
		if (fl_subsystems[n]->exit)
			fl_subsystems[n]->exit(d);
}

/* Ioctl ranges ascend and never overlap: each command has one owner. */
static bool fl_subsys_table_ok(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++) {
		const struct fl_subsys *s = fl_subsystems[i];

		if (s->nr_first > s->nr_last ||
		    (i && s->nr_first <= fl_subsystems[i - 1]->nr_last))
			return false;
	}
	return true;
}

/**
 * fl_subsys_init() - set up every subsystem, in table order.
 * @d: the device (its arena is reserved).
 * @dir: the fraglab debugfs directory (may be an error pointer).
 *
 * Context: module load.
 * Return: 0 or a negative errno (everything already set up is undone).
 */
int fl_subsys_init(struct fl_dev *d, struct dentry *dir)
{
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(!fl_subsys_table_ok()))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++) {
		if (!fl_subsystems[i]->init)
			continue;
		ret = fl_subsystems[i]->init(d, dir);
		if (ret) {
			fl_subsys_exit_first(d, i);
			return ret;
		}
	}
	return 0;
}

/**
 * fl_subsys_exit() - tear every subsystem down, in reverse table order.
 * @d: the device.
 *
 * Context: module unload or failed load; no file is open.
 */
void fl_subsys_exit(struct fl_dev *d)
{
	fl_subsys_exit_first(d, ARRAY_SIZE(fl_subsystems));
}

/**
 * fl_subsys_release_obj() - free a handle object of any kind.
 * @obj: a live object.
 * @st: a batch chunk's stash for the object (see fl_obj_put()), or NULL.
 *
 * Context: fl_dev.lock held; may sleep (zaps user mappings).
 */
void fl_subsys_release_obj(struct fl_obj *obj, struct fl_obj_stash *st)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++) {
		if (fl_subsystems[i]->kind == obj->kind) {
			fl_subsystems[i]->release_obj(obj, st);
			return;
		}
	}
	WARN_ON_ONCE(1);
}

/**
 * fl_subsys_release_debugfs() - remove a closing fd's debugfs entries.
 * @ff: the file being released.
 *
 * Context: fl_dev.dbg_lock held, fl_dev.lock not held; may sleep.
 */
void fl_subsys_release_debugfs(struct fl_file *ff)
{
	unsigned int i;

	lockdep_assert_held(&fl_dev.dbg_lock);
	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		if (fl_subsystems[i]->release_debugfs)
			fl_subsystems[i]->release_debugfs(ff);
}

/**
 * fl_subsys_release_file() - free what a closing fd still owns.
 * @ff: the file being released.
 *
 * Context: fl_dev.lock held; may sleep.
 */
void fl_subsys_release_file(struct fl_file *ff)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		if (fl_subsystems[i]->release_file)
			fl_subsystems[i]->release_file(ff);
}

/**
 * fl_subsys_release_percpu() - free what a closing fd owns whose teardown
 * flushes per-CPU data.
 * @ff: the file being released; fl_subsys_release_file() ran.
 *
 * Context: fl_dev.lock and cpus_read_lock() held (fl_dev_lock_cpus());
 * may sleep.
 */
void fl_subsys_release_percpu(struct fl_file *ff)
{
	unsigned int i;

	lockdep_assert_held(&fl_dev.lock);
	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		if (fl_subsystems[i]->release_percpu)
			fl_subsystems[i]->release_percpu(ff);
}

/**
 * fl_subsys_check_pause() - between two holds of a paced checker.
 * @arg: unused.
 *
 * Context: process context, no spinlock held; may sleep.
 */
void fl_subsys_check_pause(void *arg)
{
	cond_resched();
}

/**
 * fl_subsys_check() - run every invariant checker fraglab has.
 * @msg: where the first violation is described.
 * @len: size of @msg.
 *
 * A checker that could not verify its allocator (-EAGAIN: it changed
 * during every walk) does not stop the others: a corruption found later
 * is still reported.
 *
 * Context: fl_dev.lock held; sleeps (the walks reschedule).
 * Return: 0 if consistent, -EUCLEAN otherwise, -EAGAIN (@msg says which)
 * if some allocator changed during every walk and none is corrupt.
 */
int fl_subsys_check(char *msg, size_t len)
{
	char later[sizeof_field(struct fraglab_check, message)];
	bool again = false;
	unsigned int i;
	int ret;

	lockdep_assert_held(&fl_dev.lock);
	msg[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++) {
		if (!fl_subsystems[i]->check)
			continue;
		/* the first -EAGAIN keeps its sentence in @msg */
		ret = again ? fl_subsystems[i]->check(later, sizeof(later)) :
			      fl_subsystems[i]->check(msg, len);
		if (ret == -EAGAIN) {
			again = true;
			continue;
		}
		if (ret) {
			if (again)
				strscpy(msg, later, len);
			return ret;
		}
	}
	return again ? -EAGAIN : 0;
}

/**
 * fl_subsys_stats() - FRAGLAB_IOC_STATS' answer.
 * @out: filled completely (reserved fields zero).
 *
 * Context: any context that may take a spinlock.
 */
void fl_subsys_stats(struct fraglab_stats *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		if (fl_subsystems[i]->stats)
			fl_subsystems[i]->stats(out);
}

/**
 * fl_subsys_setting() - FRAGLAB_IOC_SET / GET: the key's owner answers.
 * @key: FRAGLAB_SET_*.
 * @set: apply *@value first (it is validated by the owner).
 * @value: in: the new value (@set); out: the current one.
 *
 * Context: process context, fl_dev.lock not held.
 * Return: 0, -EINVAL for a key nobody owns, or the owner's errno.
 */
int fl_subsys_setting(u32 key, bool set, u64 *value)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++) {
		if (!fl_subsystems[i]->setting)
			continue;
		ret = fl_subsystems[i]->setting(key, set, value);
		if (ret != -ENOENT)
			return ret;
	}
	return -EINVAL;
}

/**
 * fl_subsys_features() - what FRAGLAB_IOC_VERSION reports.
 *
 * Context: any.
 * Return: the FRAGLAB_FEAT_* mask of every subsystem.
 */
u64 fl_subsys_features(void)
{
	u64 features = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		features |= fl_subsystems[i]->features;
	return features;
}

/**
 * fl_subsys_owns_nr() - does some subsystem own ioctl number @nr?
 * @nr: _IOC_NR() of a command.
 *
 * Context: any.
 * Return: true if @nr lies in one subsystem's range.
 */
bool fl_subsys_owns_nr(unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_subsystems); i++)
		if (nr >= fl_subsystems[i]->nr_first &&
		    nr <= fl_subsystems[i]->nr_last)
			return true;
	return false;
}
