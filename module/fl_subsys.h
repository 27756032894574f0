/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_subsys.h - the table of subsystems (fl_subsys.c).
 *
 * Each allocator's glue (and each engine working on the arena) is one
 * struct fl_subsys in fl_subsystems[]; the device knows them only through
 * these loops.  Adding one: its file, its descriptor in that file, one
 * line in fl_subsystems[] and its commands in fl_ioctls[] (fl_dev.c).
 * Model: zpool's driver ops (mm/zpool.c, 6.12).
 */
#ifndef FL_SUBSYS_H
#define FL_SUBSYS_H

#include "fl_dev.h"

struct dentry;

/**
 * struct fl_subsys - one subsystem of the device.
 * @name: for messages.
 * @nr_first: first ioctl number it owns (_IOC_NR).
 * @nr_last: last ioctl number it owns; fl_ioctls[] entries outside every
 *           subsystem's range are refused at registration.
 * @features: FRAGLAB_FEAT_* it provides (FRAGLAB_IOC_VERSION's mask is
 *            the union over the table).
 * @kind: FRAGLAB_KIND_* of the handle objects it creates, 0 if none.
 * @init: set up after every subsystem before it in the table, then
 *        create its debugfs files in @dir (an error pointer is fine:
 *        debugfs calls accept it) once what they read exists.  0 or a
 *        negative errno, everything of its own undone.  NULL: nothing.
 * @exit: remove its debugfs files first (waits for readers), then tear
 *        down; every fd is closed.  NULL: nothing.
 * @release_obj: free one handle object of @kind and what it describes
 *               (fl_dev.lock held; @st as for fl_obj_put()).
 * @release_debugfs: remove the debugfs entries of what a closing fd owns,
 *                   before @release_file (fl_dev.dbg_lock held, fl_dev.lock
 *                   NOT held: fl_dev.h, "Lock ordering").
 * @release_file: free what a closing fd still owns besides its handles,
 *                which fl_dev.c released through @release_obj first
 *                (fl_dev.lock held), but what flushes per-CPU data:
 *                @release_percpu.
 * @release_percpu: free what a closing fd owns whose teardown flushes
 *                  per-CPU data, after @release_file and with the locks
 *                  dropped in between (fl_dev.lock and cpus_read_lock()
 *                  held: fl_dev_lock_cpus()).
 * @check: its invariant checker (fl_dev.lock held): 0, or -EUCLEAN with
 *         @msg describing the first violation.
 * @stats: fill its part of FRAGLAB_IOC_STATS' answer (zeroed before).
 * @setting: FRAGLAB_IOC_SET (@set) or GET of a module-wide key: -ENOENT
 *           if @key is not its own; else validate and apply *@value when
 *           @set, then store the current value in *@value; 0 or a
 *           negative errno.  fl_dev.lock is not held: it takes what it
 *           needs.
 */
struct fl_subsys {
	const char *name;
	u8 nr_first;
	u8 nr_last;
	u64 features;
	u32 kind;
	int (*init)(struct fl_dev *d, struct dentry *dir);
	void (*exit)(struct fl_dev *d);
	void (*release_obj)(struct fl_obj *obj, struct fl_obj_stash *st);
	void (*release_debugfs)(struct fl_file *ff);
	void (*release_file)(struct fl_file *ff);
	void (*release_percpu)(struct fl_file *ff);
	int (*check)(char *msg, size_t len);
	void (*stats)(struct fraglab_stats *out);
	int (*setting)(u32 key, bool set, u64 *value);
};

int fl_subsys_init(struct fl_dev *d, struct dentry *dir);
void fl_subsys_exit(struct fl_dev *d);
void fl_subsys_release_obj(struct fl_obj *obj, struct fl_obj_stash *st);
void fl_subsys_release_debugfs(struct fl_file *ff);
void fl_subsys_release_file(struct fl_file *ff);
void fl_subsys_release_percpu(struct fl_file *ff);
int fl_subsys_check(char *msg, size_t len);

/*
 * Work a paced checker does per hold of a core spinlock (buddy pages or
 * list entries, slab object states and pages, fit-pool nodes): a few ns
 * each on hardware, so tens of microseconds with the lock held instead of
 * O(arena) at once; fl_subsys_check_pause() between holds.
 */
#define FL_CHECK_STEP	4096
void fl_subsys_check_pause(void *arg);
void fl_subsys_stats(struct fraglab_stats *out);
int fl_subsys_setting(u32 key, bool set, u64 *value);
u64 fl_subsys_features(void);
bool fl_subsys_owns_nr(unsigned int nr);

#endif /* FL_SUBSYS_H */
