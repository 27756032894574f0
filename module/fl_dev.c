// SPDX-License-Identifier: GPL-2.0
/*
 * fl_dev.c - /dev/fraglab: open/release, ioctl dispatch, handles, mmap,
 * and the device's own commands (VERSION, SET, GET, CHECK, STATS).
 *
 * Subsystems.  Everything else is a subsystem's (fl_subsys.h): its
 * commands in fl_ioctls[] (each inside the number range its descriptor
 * claims, checked at registration), its handle objects freed through
 * the table (fl_subsys_release_obj(), fl_subsys_release_file()), its
 * checker, statistics and SET/GET keys reached through the table's
 * loops, its FRAGLAB_FEAT_* bits reported by VERSION.
 *
 * ioctls.  fl_ioctl() is the only place that touches an ioctl's argument
 * in user memory (Documentation/process/botching-up-ioctls.rst; modelled
 * on drm_ioctl() and its DRM_IOCTL_DEF table, 6.12).  One table, indexed
 * by _IOC_NR, says per command: the handler, whether it needs
 * CAP_SYS_ADMIN (checked first), whether it runs under fl_dev.lock, and
 * whether the result goes back even when the handler fails (batches:
 * ->done).  The dispatcher checks type, number, direction and size
 * against the entry (-ENOTTY otherwise), copies _IOC_SIZE(cmd) bytes in,
 * calls the handler on the kernel copy and copies the result out after
 * fl_dev.lock is dropped.  When that copy-out fails after the handler
 * created an allocation, nobody learned its handle: fl_obj_undo() frees
 * it through the pinned object itself, correct even when another thread
 * of the fd guessed the handle and freed it meanwhile.
 *
 * Handles.  Every allocation handed to userspace is a struct fl_obj in
 * its fd's own id table (fl_file.handles, core/fl_idtab.c), and on the
 * fd's list.  The handle is the 40-bit id (slot and generation) tagged
 * with a constant and the kind; every lookup (ioctl, mmap, fault) goes to
 * the calling fd's table only, so another fd's handle is -ENOENT exactly
 * like a made-up one.  Freeing bumps the slot's generation and slots are
 * reused oldest-first, so a stale handle is -ENOENT too (an id comes back
 * only after at least 2^28 insertions by the same fd).  The table is the
 * fd's: it costs nothing until the fd's first allocation, is charged to
 * the memory cgroup of the task that grows it, and goes on close.
 *
 * mmap.  An allocation of the pages kind is mapped at its mmap_offset
 * (id << (PAGE_SHIFT + FL_MMAP_ID_SHIFT)); a mapping may cover part of it
 * but never more.  Pages are inserted by the fault handler under
 * fl_dev.lock, from the allocation's *current* location, so compaction can
 * zap the range with unmap_mapping_range() before moving the data and the
 * next access faults in the new pages.  Freeing an allocation zaps its
 * range as well: a stale mapping never reaches reused pages; it gets
 * SIGBUS.  Ids are per fd, and every fd of the device node shares one
 * address_space (the inode's): two fds may have an allocation at the same
 * offset, and zapping one zaps the other's mapping of that offset too,
 * which only makes it fault again (the fault handler looks up the vma's
 * own fd).  Every fd's table starts at another generation
 * (fl_open_gen()), so equal ids in two fds are rare.
 * The first fault of a block zeroes the whole block (FL_OBJ_ZEROED) and
 * every fault marks it FL_OBJ_MAPPED, so a block that was never mapped is
 * neither zeroed nor zapped: the batch ioctls pay for what is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fl_bench.h"
#include "fl_buddy_dev.h"
#include "fl_compact_dev.h"
#include "fl_compat.h"
#include "fl_dev.h"
#include "fl_map_dev.h"
#include "fl_pool_dev.h"
#include "fl_probe.h"
#include "fl_slab_dev.h"
#include "fl_subsys.h"

static unsigned short fl_param_dev_mode = 0600;
module_param_named(dev_mode, fl_param_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/fraglab (default 0600: root only)");

unsigned int fl_param_max_handles = 1048576;
module_param_named(max_handles_per_fd, fl_param_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles_per_fd, "Live allocations (handles) one open file may hold; more: ENOSPC (default 1048576)");

unsigned int fl_param_max_caches = 64;
module_param_named(max_caches_per_fd, fl_param_max_caches, uint, 0644);
MODULE_PARM_DESC(max_caches_per_fd, "Slab caches one open file may create; more: ENOSPC (default 64)");

unsigned int fl_param_max_pools = 64;
module_param_named(max_pools_per_fd, fl_param_max_pools, uint, 0644);
MODULE_PARM_DESC(max_pools_per_fd, "Fit pools one open file may create; more: ENOSPC (default 64)");

struct fl_dev fl_dev;

/*
 * Every struct fl_obj (handle object) comes from here, charged to the
 * memory cgroup of the task that allocates it (SLAB_ACCOUNT).
 */
static struct kmem_cache *fl_obj_cachep;

/**
 * fl_obj_cache_init() - create the cache of handle objects.
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int fl_obj_cache_init(void)
{
	fl_obj_cachep = KMEM_CACHE(fl_obj, SLAB_ACCOUNT);
	return fl_obj_cachep ? 0 : -ENOMEM;
}

/**
 * fl_obj_cache_exit() - destroy it (every object must be freed).
 *
 * Context: module exit.
 */
void fl_obj_cache_exit(void)
{
	kmem_cache_destroy(fl_obj_cachep);
	fl_obj_cachep = NULL;
}

/**
 * fl_obj_alloc() - a zeroed handle object from the cache (fl_obj_new()'s
 * slow path: no stash, or an empty one).
 *
 * Context: process context; may sleep.
 * Return: the object, or NULL (-ENOMEM).
 */
struct fl_obj *fl_obj_alloc(void)
{
	return kmem_cache_zalloc(fl_obj_cachep, GFP_KERNEL);
}

/**
 * fl_obj_free() - free a handle object now (fl_obj_put()'s slow path).
 * @obj: no longer reachable.
 *
 * Context: any context that may call kmem_cache_free().
 */
void fl_obj_free(struct fl_obj *obj)
{
	kmem_cache_free(fl_obj_cachep, obj);
}

/**
 * fl_obj_stash_fill() - start a chunk: preallocate @n objects.
 * @st: the stash (its previous contents are forgotten: drain first).
 * @n: 0..FL_BATCH_CHUNK.
 *
 * A failed bulk allocation leaves the stash empty: fl_obj_new() then
 * allocates one by one and reports -ENOMEM itself.
 *
 * Context: process context, fl_dev.lock not held; may sleep.
 */
void fl_obj_stash_fill(struct fl_obj_stash *st, u32 n)
{
	st->nr_dead = 0;
	st->nr = 0;
	if (n && !WARN_ON_ONCE(n > ARRAY_SIZE(st->objs)))
		st->nr = kmem_cache_alloc_bulk(fl_obj_cachep, GFP_KERNEL, n,
					       (void **)st->objs);
}

/**
 * fl_obj_stash_drain() - end a chunk: free the unused and released objects.
 * @st: the stash; empty afterwards.
 *
 * Context: process context, fl_dev.lock not held.
 */
void fl_obj_stash_drain(struct fl_obj_stash *st)
{
	if (st->nr)
		kmem_cache_free_bulk(fl_obj_cachep, st->nr, (void **)st->objs);
	if (st->nr_dead)
		kmem_cache_free_bulk(fl_obj_cachep, st->nr_dead,
				     (void **)st->dead);
	st->nr = 0;
	st->nr_dead = 0;
}

/**
 * __fl_obj_zap() - fl_obj_zap() of a mapped object.
 * @obj: a live pages-kind object with FL_OBJ_MAPPED set.
 *
 * Context: fl_dev.lock held; may sleep.
 */
void __fl_obj_zap(struct fl_obj *obj)
{
	lockdep_assert_held(&fl_dev.lock);
	unmap_mapping_range(obj->owner->mapping, fl_obj_mmap_offset(obj),
			    obj->granted, 1);
	obj->flags &= ~FL_OBJ_MAPPED;
}

/**
 * fl_obj_unpin() - drop fl_obj_pin()'s reference: the result is out.
 * @obj: a pinned object, live or already freed by its fd.
 *
 * Context: process context, fl_dev.lock not needed.
 */
void fl_obj_unpin(struct fl_obj *obj)
{
	fl_obj_put(NULL, obj);
}

/**
 * fl_obj_undo() - free new objects whose handles never reached userspace.
 * @objs: pinned objects (fl_obj_pin()); their pins are dropped.
 * @n: number of entries of @objs.
 *
 * The one undo of every allocating ioctl whose result could not be
 * written back.  An object another thread freed meanwhile (it guessed the
 * handle: ids are predictable) has no owner any more and is only
 * unpinned; the pin kept its memory, so nothing is looked up again.
 *
 * Context: process context, fl_dev.lock not held (taken); may sleep.
 */
void fl_obj_undo(struct fl_obj **objs, u32 n)
{
	u32 i;

	mutex_lock(&fl_dev.lock);
	for (i = 0; i < n; i++)
		if (objs[i]->owner)
			fl_subsys_release_obj(objs[i], NULL);
	mutex_unlock(&fl_dev.lock);
	for (i = 0; i < n; i++)
		fl_obj_unpin(objs[i]);
}

/*
 * The first generation of an fd's id table: consecutive opens start far
 * apart in the 16-bit generation space (40503 = 2^16 / golden ratio).
 */
static u32 fl_open_gen(void)
{
	static atomic_t seq = ATOMIC_INIT(0);

	return (u32)atomic_inc_return(&seq) * 40503U;
}

static int fl_open(struct inode *inode, struct file *file)
{
	struct fl_file *ff;
	int ret;

	ff = kzalloc(sizeof(*ff), GFP_KERNEL_ACCOUNT);
	if (!ff)
		return -ENOMEM;
	/* allocates nothing: an open that allocates nothing costs this ff */
	ret = fl_idtab_init(&ff->handles, FL_IDTAB_MAX_SLOTS, true,
			    fl_open_gen());
	if (WARN_ON_ONCE(ret)) {
		kfree(ff);
		return ret;
	}
	INIT_LIST_HEAD(&ff->objs);
	ff->mapping = file->f_mapping;
	mutex_lock(&fl_dev.files_lock);
	list_add_tail(&ff->node, &fl_dev.files);
	mutex_unlock(&fl_dev.files_lock);
	/* misc_open() stored the miscdevice here; we own the field now. */
	file->private_data = ff;
	return 0;
}

/**
 * fl_dev_lock_cpus() - take fl_dev.lock and cpus_read_lock().
 *
 * For work under fl_dev.lock that flushes per-CPU data on its CPUs
 * (fl_cpu_for_each()).  The read side of cpu_hotplug_lock is never held
 * while waiting for fl_dev.lock, which another user may hold for as long
 * as its work takes (the release of an fd with 10^6 handles): a hotplug
 * writer would wait for that reader, and every new cpus_read_lock() in
 * the system behind the writer.  So the mutex comes first and the read
 * lock is only tried under it; while a CPU comes or goes the mutex is
 * dropped and the hotplug operation waited for.  The same holds in the
 * other direction: nothing waits for CPU hotplug under fl_dev.lock.
 *
 * Context: process context, neither lock held; may sleep.
 */
void fl_dev_lock_cpus(void)
{
	for (;;) {
		mutex_lock(&fl_dev.lock);
		if (cpus_read_trylock())
			return;
		mutex_unlock(&fl_dev.lock);
		cpus_read_lock();	/* wait for the hotplug operation */
		cpus_read_unlock();
	}
}

/**
 * fl_dev_unlock_cpus() - undo fl_dev_lock_cpus().
 *
 * Context: process context.
 */
void fl_dev_unlock_cpus(void)
{
	cpus_read_unlock();
	mutex_unlock(&fl_dev.lock);
}

/* Handles a closing fd frees per hold of fl_dev.lock. */
#define FL_RELEASE_STEP	1024

/*
 * Free a closing fd's handles, FL_RELEASE_STEP at a time, with fl_dev.lock
 * dropped and the CPU offered between steps: 10^6 of them neither stall
 * the device's other users for all that time nor, on a kernel without
 * forced preemption, a CPU going offline (stop_machine() waits for this
 * CPU).  No other thread can reach them: their fd is gone, and so is every
 * mapping of it (each held a file reference).
 */
static void fl_release_objs(struct fl_file *ff)
{
	struct fl_obj *obj;
	u32 n = 0;

	lockdep_assert_held(&fl_dev.lock);
	while ((obj = list_first_entry_or_null(&ff->objs, struct fl_obj,
					       node))) {
		fl_subsys_release_obj(obj, NULL);
		if (++n % FL_RELEASE_STEP == 0) {
			mutex_unlock(&fl_dev.lock);
			cond_resched();
			mutex_lock(&fl_dev.lock);
		}
	}
}

static int fl_dev_release(struct inode *inode, struct file *file)
{
	struct fl_file *ff = file->private_data;

	/* debugfs entries first, without fl_dev.lock (fl_dev.h) */
	mutex_lock(&fl_dev.dbg_lock);
	fl_subsys_release_debugfs(ff);
	mutex_lock(&fl_dev.lock);
	fl_release_objs(ff);
	fl_subsys_release_file(ff);
	WARN_ON_ONCE(!list_empty(&ff->objs));
	mutex_unlock(&fl_dev.lock);
	mutex_unlock(&fl_dev.dbg_lock);
	/* only what flushes per-CPU data holds off CPU hotplug */
	fl_dev_lock_cpus();
	fl_subsys_release_percpu(ff);
	fl_dev_unlock_cpus();
	mutex_lock(&fl_dev.files_lock);
	list_del(&ff->node);
	mutex_unlock(&fl_dev.files_lock);
	WARN_ON_ONCE(fl_idtab_count(&ff->handles));
	fl_idtab_destroy(&ff->handles);
	kfree(ff);
	return 0;
}

/* ------------------------------------------------ the device's own ioctls */

/**
 * fl_ioc_version() - FRAGLAB_IOC_VERSION.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_version, all zero in.
 * @made: unused.
 *
 * Context: process context.
 * Return: 0 or -EINVAL.
 */
static long fl_ioc_version(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_version *v = karg;

	if (!fl_mem_is_zero(v, sizeof(*v)))
		return -EINVAL;
	v->api_major = FRAGLAB_API_MAJOR;
	v->api_minor = FRAGLAB_API_MINOR;
	v->features = fl_subsys_features();
	v->page_size = PAGE_SIZE;
	v->max_order = fl_buddy_max_order(fl_dev.buddy);
	v->kernel_max_order = FL_KERNEL_MAX_ORDER;
	v->block_order = FL_PAGEBLOCK_ORDER;
	v->arena_pages = fl_dev.arena.nr_pages;
	v->arena_bytes = (u64)fl_dev.arena.nr_pages << PAGE_SHIFT;
	v->nr_chunks = fl_dev.arena.nr_ranges;
	v->group_by_mobility = fl_buddy_grouping(fl_dev.buddy);
	return 0;
}

static long fl_ioc_setting(struct fraglab_setting *s, bool set)
{
	if (s->pad || !fl_mem_is_zero(s->reserved, sizeof(s->reserved)))
		return -EINVAL;
	if (!set && s->value)
		return -EINVAL;

	return fl_subsys_setting(s->key, set, &s->value);
}

/**
 * fl_ioc_set() - FRAGLAB_IOC_SET: change a module-wide setting.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_setting.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held; the caller has
 * CAP_SYS_ADMIN (the ioctl table says so).
 * Return: 0 or a negative errno.
 */
static long fl_ioc_set(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_ioc_setting(karg, true);
}

/**
 * fl_ioc_get() - FRAGLAB_IOC_GET: read a module-wide setting.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_setting.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held.
 * Return: 0 or -EINVAL.
 */
static long fl_ioc_get(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_ioc_setting(karg, false);
}

/**
 * fl_ioc_check() - FRAGLAB_IOC_CHECK.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_check, all zero in.
 * @made: unused.
 *
 * Context: fl_dev.lock held; the caller has CAP_SYS_ADMIN.
 * Return: 0 or -EINVAL; the checkers' verdict is in ->result.
 */
static long fl_ioc_check(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_check *c = karg;

	if (!fl_mem_is_zero(c, sizeof(*c)))
		return -EINVAL;
	c->result = fl_subsys_check(c->message, sizeof(c->message));
	return 0;
}

/**
 * fl_ioc_stats() - FRAGLAB_IOC_STATS.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_stats, all zero in.
 * @made: unused.
 *
 * Context: process context.
 * Return: 0 or -EINVAL.
 */
static long fl_ioc_stats(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	if (!fl_mem_is_zero(karg, sizeof(struct fraglab_stats)))
		return -EINVAL;
	fl_subsys_stats(karg);
	return 0;
}

/* fl_ioctl_desc.flags */
#define FL_IOC_LOCKED		BIT(0)	/* the handler runs under fl_dev.lock */
#define FL_IOC_ADMIN		BIT(1)	/* module-wide: needs CAP_SYS_ADMIN */
#define FL_IOC_OUT_ALWAYS	BIT(2)	/* copy out even if the handler fails */
#define FL_IOC_CPUS		BIT(3)	/* under fl_dev_lock_cpus(): flushes per-CPU data */

/**
 * struct fl_ioctl_desc - one command of the ioctl table.
 * @cmd: the full command (type, number, direction, size).
 * @min_size: the smallest argument size accepted (an older, shorter
 *            struct, zero-extended to _IOC_SIZE(@cmd)); equal to the
 *            size for every command so far.
 * @flags: FL_IOC_*.
 * @func: the handler.
 */
struct fl_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	unsigned int flags;
	fl_ioctl_t *func;
};

#define FL_IOCTL_DEF(ioctl, _func, _flags)				\
	[_IOC_NR(ioctl)] = {						\
		.cmd = ioctl, .min_size = _IOC_SIZE(ioctl),		\
		.flags = _flags, .func = _func,				\
	}

/*
 * Who may call what (README: "Who may call what").  Module-wide knobs and
 * whole-arena work need CAP_SYS_ADMIN, like the kernel's own: vm.*
 * sysctls are root-only, /proc/sys/vm/compact_memory is 0200 and
 * /proc/pagetypeinfo 0400 (6.12).  Work on the caller's own allocations,
 * caches and pools (a pool's compaction moves only that fd's blocks) is
 * open to whoever may open the device.  PROBE_SYSTEM's trials check the
 * capability in the handler: only its flags make it privileged.
 */
static const struct fl_ioctl_desc fl_ioctls[] = {
	FL_IOCTL_DEF(FRAGLAB_IOC_VERSION, fl_ioc_version, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_ALLOC, fl_ioc_alloc, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_FREE, fl_ioc_free, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_QUERY, fl_ioc_query, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_BATCH, fl_ioc_batch, FL_IOC_OUT_ALWAYS),
	FL_IOCTL_DEF(FRAGLAB_IOC_SET, fl_ioc_set, FL_IOC_ADMIN),
	FL_IOCTL_DEF(FRAGLAB_IOC_GET, fl_ioc_get, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_CHECK, fl_ioc_check, FL_IOC_ADMIN | FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_STATS, fl_ioc_stats, 0),

	FL_IOCTL_DEF(FRAGLAB_IOC_CACHE_CREATE, fl_ioc_cache_create, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_CACHE_DESTROY, fl_ioc_cache_destroy, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_CACHE_SHRINK, fl_ioc_cache_shrink, FL_IOC_CPUS),
	FL_IOCTL_DEF(FRAGLAB_IOC_OBJ_ALLOC, fl_ioc_obj_alloc, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_OBJ_FREE, fl_ioc_obj_free, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_OBJ_BATCH, fl_ioc_obj_batch, FL_IOC_OUT_ALWAYS),
	FL_IOCTL_DEF(FRAGLAB_IOC_CACHE_INFO, fl_ioc_cache_info, FL_IOC_LOCKED),

	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_CREATE, fl_ioc_pool_create, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_DESTROY, fl_ioc_pool_destroy, 0),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_SET_STRATEGY, fl_ioc_pool_set_strategy, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_ALLOC, fl_ioc_pool_alloc, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_FREE, fl_ioc_pool_free, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_BATCH, fl_ioc_pool_batch, FL_IOC_OUT_ALWAYS),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_INFO, fl_ioc_pool_info, FL_IOC_LOCKED),
	FL_IOCTL_DEF(FRAGLAB_IOC_POOL_COMPACT, fl_ioc_pool_compact, FL_IOC_LOCKED),

	FL_IOCTL_DEF(FRAGLAB_IOC_COMPACT, fl_ioc_compact, FL_IOC_ADMIN),
	FL_IOCTL_DEF(FRAGLAB_IOC_HUGEPAGES_ARENA, fl_ioc_hugepages_arena, FL_IOC_ADMIN),

	FL_IOCTL_DEF(FRAGLAB_IOC_PROBE_SYSTEM, fl_ioc_probe_system, 0),

	FL_IOCTL_DEF(FRAGLAB_IOC_BENCH, fl_ioc_bench, FL_IOC_ADMIN),

	FL_IOCTL_DEF(FRAGLAB_IOC_PAGE_INFO, fl_ioc_page_info, 0),
};

/* Arguments up to this size live on the stack (drm_ioctl() uses 128). */
#define FL_IOC_STACK_ARG	128

/* The table entry for @cmd, or NULL (-ENOTTY). */
static const struct fl_ioctl_desc *fl_ioctl_lookup(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd), usize = _IOC_SIZE(cmd);
	const struct fl_ioctl_desc *d;

	if (_IOC_TYPE(cmd) != FRAGLAB_IOC_MAGIC || nr >= ARRAY_SIZE(fl_ioctls))
		return NULL;
	nr = array_index_nospec(nr, ARRAY_SIZE(fl_ioctls));
	d = &fl_ioctls[nr];
	if (!d->func || _IOC_DIR(cmd) != _IOC_DIR(d->cmd) ||
	    usize < d->min_size || usize > _IOC_SIZE(d->cmd))
		return NULL;
	return d;
}

/*
 * Copy-out failed after the handler made @made: nobody learned its
 * handle, so the allocation goes again (fl_obj_undo()).
 */
static long fl_ioctl_copy_out(void __user *uarg, const void *karg,
			      unsigned int usize, struct fl_obj *made)
{
	if (!copy_to_user(uarg, karg, usize)) {
		if (made)
			fl_obj_unpin(made);
		return 0;
	}
	if (made)
		fl_obj_undo(&made, 1);
	return -EFAULT;
}

static long fl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct fl_ioctl_desc *d;
	u8 stack_karg[FL_IOC_STACK_ARG];
	struct fl_obj *made = NULL;
	unsigned int usize, ksize;
	void *karg = stack_karg;
	long ret, out;

	d = fl_ioctl_lookup(cmd);
	if (!d)
		return -ENOTTY;
	if ((d->flags & FL_IOC_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	usize = _IOC_SIZE(cmd);
	ksize = _IOC_SIZE(d->cmd);
	if (ksize > sizeof(stack_karg)) {
		karg = kmalloc(ksize, GFP_KERNEL_ACCOUNT);
		if (!karg)
			return -ENOMEM;
	}
	if (copy_from_user(karg, uarg, usize)) {
		ret = -EFAULT;
		goto free_karg;
	}
	memset(karg + usize, 0, ksize - usize);	/* an older, shorter struct */

	if (d->flags & FL_IOC_CPUS) {
		fl_dev_lock_cpus();
		ret = d->func(file->private_data, karg, &made);
		fl_dev_unlock_cpus();
	} else if (d->flags & FL_IOC_LOCKED) {
		mutex_lock(&fl_dev.lock);
		ret = d->func(file->private_data, karg, &made);
		mutex_unlock(&fl_dev.lock);
	} else {
		ret = d->func(file->private_data, karg, &made);
	}
	if (WARN_ON_ONCE(made && ret)) {
		fl_obj_undo(&made, 1);
		made = NULL;
	}
	if (!ret || (d->flags & FL_IOC_OUT_ALWAYS)) {
		out = fl_ioctl_copy_out(uarg, karg, usize, made);
		if (!ret)
			ret = out;
	}
free_karg:
	if (karg != stack_karg)
		kfree(karg);
	return ret;
}

/*
 * The first fault of a block zeroes all of it (FL_OBJ_ZEROED): no stale
 * data of an earlier owner or of the kernel reaches userspace, and an
 * allocation that is never mapped costs no zeroing.
 */
static void fl_obj_zero_once(struct fl_obj *obj)
{
	if (obj->flags & FL_OBJ_ZEROED)
		return;
	memset(fl_buddy_page_addr(fl_dev.buddy, obj->idx), 0, obj->granted);
	obj->flags |= FL_OBJ_ZEROED;
}

static vm_fault_t fl_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fl_file *ff = vma->vm_private_data;
	unsigned long id = vmf->pgoff >> FL_MMAP_ID_SHIFT;
	unsigned long page = vmf->pgoff & ((1UL << FL_MMAP_ID_SHIFT) - 1);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct fl_obj *obj;

	mutex_lock(&fl_dev.lock);
	/* @ff lives as long as the vma: the vma holds its file */
	obj = fl_idtab_lookup(&ff->handles, id);
	if (obj && obj->kind == FRAGLAB_KIND_PAGES &&
	    page < obj->granted >> PAGE_SHIFT) {
		fl_obj_zero_once(obj);
		obj->flags |= FL_OBJ_MAPPED;
		ret = vmf_insert_mixed(vma, vmf->address,
				       pfn_to_pfn_t(fl_arena_index_to_pfn(&fl_dev.arena,
									  obj->idx + page)));
	}
	mutex_unlock(&fl_dev.lock);
	return ret;
}

static const struct vm_operations_struct fl_vm_ops = {
	.fault = fl_vm_fault,
};

static int fl_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fl_file *ff = file->private_data;
	unsigned long pages = vma_pages(vma);
	unsigned long id = vma->vm_pgoff >> FL_MMAP_ID_SHIFT;
	unsigned long first = vma->vm_pgoff & ((1UL << FL_MMAP_ID_SHIFT) - 1);
	struct fl_obj *obj;
	int ret = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;	/* a private COW copy of arena pages makes no sense */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;	/* arena pages are data: never executable */

	mutex_lock(&fl_dev.lock);
	obj = fl_idtab_lookup(&ff->handles, id);
	if (!obj || obj->kind != FRAGLAB_KIND_PAGES)
		ret = -ENOENT;
	else if (first + pages > obj->granted >> PAGE_SHIFT)
		ret = -EINVAL;
	mutex_unlock(&fl_dev.lock);
	if (ret)
		return ret;

	/*
	 * VM_MIXEDMAP: special PTEs without page refcounts (the pages belong
	 * to the arena, not to the mapping), but unlike VM_PFNMAP still
	 * visible to /proc/PID/pagemap, so tests can check the frames.
	 */
	fl_vma_set_flags(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY);
	fl_vma_clear_flags(vma, VM_MAYEXEC);	/* nor after an mprotect() */
	vma->vm_private_data = ff;
	vma->vm_ops = &fl_vm_ops;
	return 0;
}

static const struct file_operations fl_fops = {
	.owner = THIS_MODULE,
	.open = fl_open,
	.release = fl_dev_release,
	.unlocked_ioctl = fl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = fl_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice fl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "fraglab",
	.fops = &fl_fops,
};

/**
 * fl_dev_register() - create /dev/fraglab.
 *
 * Context: process context.
 * Return: 0 or a negative errno from misc_register().
 */
int fl_dev_register(void)
{
	unsigned int nr;
	int ret;

	/* every command belongs to a subsystem (fl_subsys.h) */
	for (nr = 0; nr < ARRAY_SIZE(fl_ioctls); nr++)
		if (WARN_ON_ONCE(fl_ioctls[nr].func && !fl_subsys_owns_nr(nr)))
			return -EINVAL;
	fl_misc.mode = fl_param_dev_mode & 0777;
	ret = misc_register(&fl_misc);
	if (ret)
		pr_err("cannot register /dev/fraglab: %d\n", ret);
	return ret;
}

/**
 * fl_dev_unregister() - remove /dev/fraglab.
 *
 * Context: process context; no file is open (the module is pinned).
 */
void fl_dev_unregister(void)
{
	misc_deregister(&fl_misc);
}
