// SPDX-License-Identifier: GPL-2.0
/*
 * fl_dev.c - /dev/fraglab: open/release, ioctl dispatch, handles, mmap.
 *
 * Handles.  Every allocation handed to userspace is a struct fl_obj in
 * one device-wide id table (fl_dev.handles, core/fl_idtab.c), and on its
 * owner's list.  The handle is the 40-bit id (slot and generation) tagged
 * with a constant and the kind; lookups check that the calling fd owns the
 * object, so another fd's handle is -ENOENT exactly like a made-up one.
 * Freeing bumps the slot's generation and slots are reused oldest-first,
 * so a stale handle is -ENOENT too (an id comes back only after at least
 * 2^28 insertions).
 *
 * mmap.  An allocation of the pages kind is mapped at its mmap_offset
 * (id << (PAGE_SHIFT + FL_MMAP_ID_SHIFT)); a mapping may cover part of it
 * but never more.  Pages are inserted by the fault handler under
 * fl_dev.lock, from the allocation's *current* location, so compaction can
 * zap the range with unmap_mapping_range() before moving the data and the
 * next access faults in the new pages.  Freeing an allocation zaps its
 * range as well: a stale mapping never reaches reused pages; it gets
 * SIGBUS.  Ids are device-wide, so mmap offsets never collide between fds.
 * The first fault of a block zeroes the whole block (FL_OBJ_ZEROED) and
 * every fault marks it FL_OBJ_MAPPED, so a block that was never mapped is
 * neither zeroed nor zapped: the batch ioctls pay for what is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fl_compat.h"
#include "fl_internal.h"

static unsigned short fl_param_dev_mode = 0600;
module_param_named(dev_mode, fl_param_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/fraglab (default 0600: root only)");

/* Every struct fl_obj (handle object) comes from here. */
static struct kmem_cache *fl_obj_cachep;

/**
 * fl_obj_cache_init() - create the cache of handle objects.
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int fl_obj_cache_init(void)
{
	fl_obj_cachep = KMEM_CACHE(fl_obj, 0);
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
 * fl_copy_in() - copy an ioctl argument in.
 * @karg: kernel buffer.
 * @uarg: user pointer.
 * @size: bytes.
 *
 * Context: process context.
 * Return: 0 or -EFAULT.
 */
int fl_copy_in(void *karg, const void __user *uarg, size_t size)
{
	return copy_from_user(karg, uarg, size) ? -EFAULT : 0;
}

static int fl_open(struct inode *inode, struct file *file)
{
	struct fl_file *ff;

	ff = kzalloc(sizeof(*ff), GFP_KERNEL);
	if (!ff)
		return -ENOMEM;
	INIT_LIST_HEAD(&ff->objs);
	INIT_LIST_HEAD(&ff->extra);
	ff->mapping = file->f_mapping;
	/* misc_open() stored the miscdevice here; we own the field now. */
	file->private_data = ff;
	return 0;
}

static int fl_release(struct inode *inode, struct file *file)
{
	struct fl_file *ff = file->private_data;
	struct fl_obj *obj, *tmp;

	mutex_lock(&fl_dev.lock);
	list_for_each_entry_safe(obj, tmp, &ff->objs, node) {
		if (obj->kind == FRAGLAB_KIND_PAGES)
			fl_buddy_release_obj(obj, NULL);
	}
	fl_subsys_release_file(ff);
	WARN_ON_ONCE(!list_empty(&ff->objs));
	mutex_unlock(&fl_dev.lock);
	kfree(ff);
	return 0;
}

typedef long (*fl_ioctl_fn)(struct fl_file *ff, unsigned int cmd,
			    void __user *arg);

/* One handler per 16-command range of _IOC_NR; NULL = not (yet) there. */
static fl_ioctl_fn fl_ioctl_table[] = {
	[0x0] = fl_buddy_ioctl,
	[0x1] = FL_SLAB_IOCTL,
	[0x2] = FL_POOL_IOCTL,
	[0x3] = FL_COMPACT_IOCTL,
	[0x4] = FL_PROBE_IOCTL,
	[0x5] = FL_BENCH_IOCTL,
	[0x6] = FL_MAP_IOCTL,
};

static long fl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int range = _IOC_NR(cmd) >> 4;
	fl_ioctl_fn fn;

	if (_IOC_TYPE(cmd) != FRAGLAB_IOC_MAGIC ||
	    range >= ARRAY_SIZE(fl_ioctl_table))
		return -ENOTTY;
	fn = fl_ioctl_table[range];
	if (!fn)
		return -ENOTTY;
	return fn(file->private_data, cmd, (void __user *)arg);
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
	obj = fl_idtab_lookup(&fl_dev.handles, id);
	if (obj && obj->owner == ff && obj->kind == FRAGLAB_KIND_PAGES &&
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
	obj = fl_idtab_lookup(&fl_dev.handles, id);
	if (!obj || obj->owner != ff || obj->kind != FRAGLAB_KIND_PAGES)
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
	.release = fl_release,
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
	int ret;

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
