// SPDX-License-Identifier: GPL-2.0
/*
 * fl_slab_dev.c - slab caches through /dev/fraglab (commands 0x10-0x1f),
 * debugfs "slabinfo" and "slabs/<name>", and the in-kernel API.
 *
 * Every slab page comes from fraglab's own buddy (module/core/fl_slab.c);
 * this file only maps caches and objects to file descriptors:
 *
 *  - a cache created through an fd gets an id in fl_slab_dev.caches and
 *    belongs to that fd: other fds see -ENOENT, and closing the fd frees
 *    its objects and destroys its caches;
 *  - an object is a struct fl_obj of kind FRAGLAB_KIND_OBJECT (so handles,
 *    per-fd ownership and FRAGLAB_IOC_QUERY work as for pages); userspace
 *    learns its arena offset, never its address.
 *
 * Kernel code uses fraglab_cache_create/alloc/free/destroy() (exported,
 * GPL); they do not take fl_dev.lock, only the slab core's own locks.
 * A self-test (module parameter slab_selftest) uses that API at load time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "fl_batch.h"
#include "fl_fault.h"
#include "fl_slab_dev.h"
#include "fl_kapi.h"
#include "fl_slab.h"

#define FL_CTOR_MAGIC	0xf7c0ffee5eedf00dULL

static bool fl_param_slab_selftest;
module_param_named(slab_selftest, fl_param_slab_selftest, bool, 0444);
MODULE_PARM_DESC(slab_selftest, "Run the in-kernel slab API self-test at load (default N)");

static unsigned int fl_param_selftest_fail_meta;
module_param_named(selftest_fail_meta, fl_param_selftest_fail_meta, uint, 0444);
MODULE_PARM_DESC(selftest_fail_meta, "Fault injection: the slab self-test's first N metadata allocations fail, so the load fails (default 0; for tests)");

/**
 * struct fl_cache_ref - a cache created through a file descriptor.
 * @id: id in fl_slab_dev.caches (what userspace calls cache_id).
 * @owner: the fd that created it.
 * @cache: the core cache.
 * @dentry: debugfs "slabs/<name>".
 * @flags: the FRAGLAB_CACHE_* flags it was created with (CACHE_INFO).
 */
struct fl_cache_ref {
	u32 id;
	struct fl_file *owner;
	struct fl_slab_cache *cache;
	struct dentry *dentry;
	u32 flags;
};

static struct {
	struct fl_slab_root *root;
	struct xarray caches;
	u32 next_id;
	struct dentry *dir;
	struct dentry *info;
} fl_slab_dev;

/* The constructor of FRAGLAB_CACHE_CTOR caches: a recognisable state. */
static void fl_user_ctor(void *obj, void *arg)
{
	u32 size = (uintptr_t)arg;

	memset(obj, 0xc7, size);
	if (size >= sizeof(u64))
		*(u64 *)obj = FL_CTOR_MAGIC;
}

static bool fl_is_constructed(const void *obj, u32 size)
{
	if (size >= sizeof(u64))
		return *(const u64 *)obj == FL_CTOR_MAGIC;
	return !memchr_inv(obj, 0xc7, size);
}

static int fl_slab_detail_show(struct seq_file *m, void *v)
{
	struct fl_cache_ref *ref = m->private;
	char *buf;
	size_t n;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = fl_slab_cache_detail(ref->cache, buf, PAGE_SIZE);
	seq_write(m, buf, n);
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_slab_detail);

static void fl_slabinfo_emit(void *arg, const char *line)
{
	seq_puts(arg, line);
}

static int fl_slabinfo_show(struct seq_file *m, void *v)
{
	fl_slab_slabinfo_emit(fl_slab_dev.root, fl_slabinfo_emit, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_slabinfo);

static struct fl_cache_ref *fl_cache_lookup(struct fl_file *ff, u32 id)
{
	struct fl_cache_ref *ref = xa_load(&fl_slab_dev.caches, id);

	return ref && ref->owner == ff ? ref : NULL;
}

static bool fl_cache_name_ok(const char *name)
{
	size_t i, len = strnlen(name, FRAGLAB_CACHE_NAME_LEN);

	if (!len || len == FRAGLAB_CACHE_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isgraph(name[i]) || name[i] == '/')
			return false;
	return true;
}

static u32 fl_core_flags(u32 uflags)
{
	u32 f = FL_SLAB_ACCOUNT;	/* an opener's cache: its metadata too */

	if (uflags & FRAGLAB_CACHE_RECLAIMABLE)
		f |= FL_SLAB_RECLAIMABLE;
	if (uflags & FRAGLAB_CACHE_COLOUR)
		f |= FL_SLAB_COLOUR;
	if (uflags & FRAGLAB_CACHE_NO_CPU_CACHE)
		f |= FL_SLAB_NO_CPU_CACHE;
	return f;
}

static int fl_cache_create(struct fl_file *ff, struct fraglab_cache_create *cc,
			   struct fl_cache_ref **refp)
{
	struct fl_cache_ref *ref;
	bool ctor = cc->flags & FRAGLAB_CACHE_CTOR;
	int ret;

	if (!fl_cache_name_ok(cc->name))
		return -EINVAL;
	if (ff->nr_caches >= READ_ONCE(fl_param_max_caches))
		return -ENOSPC;
	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	if (!ref)
		return -ENOMEM;
	/*
	 * The id first: undoing it cannot fail and, unlike destroying a
	 * cache, flushes no per-CPU arrays (no cpus_read_lock() here).  No
	 * lookup finds @ref until it has an owner.
	 */
	ret = xa_alloc_cyclic(&fl_slab_dev.caches, &ref->id, ref,
			      XA_LIMIT(1, INT_MAX), &fl_slab_dev.next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto free_ref;
	ret = fl_slab_cache_create(fl_slab_dev.root, cc->name, cc->object_size,
				   cc->align, fl_core_flags(cc->flags),
				   ctor ? fl_user_ctor : NULL,
				   (void *)(uintptr_t)cc->object_size,
				   &ref->cache);
	if (ret)
		goto erase_id;
	ref->owner = ff;
	ref->flags = cc->flags;
	cc->cache_id = ref->id;
	ff->nr_caches++;
	*refp = ref;
	return 0;

erase_id:
	xa_erase(&fl_slab_dev.caches, ref->id);
free_ref:
	kfree(ref);
	return ret;
}

/* No ioctl finds @ref any more. */
static void fl_cache_ref_unpublish(struct fl_cache_ref *ref)
{
	ref->owner->nr_caches--;
	xa_erase(&fl_slab_dev.caches, ref->id);
}

/*
 * Destroy an unpublished @ref whose debugfs file is gone already
 * (debugfs_remove() waited for its readers, which use the cache without
 * fl_dev.lock).  Its per-CPU arrays are flushed on their CPUs:
 * fl_dev_lock_cpus() held.
 */
static void fl_cache_ref_destroy(struct fl_cache_ref *ref)
{
	lockdep_assert_held(&fl_dev.lock);
	WARN_ON_ONCE(fl_slab_cache_destroy(ref->cache));
	kfree(ref);
}

/**
 * fl_ioc_cache_create() - FRAGLAB_IOC_CACHE_CREATE.
 * @ff: the calling file.
 * @karg: struct fraglab_cache_create.
 * @made: unused.
 *
 * The cache is made under fl_dev.lock, its debugfs file after the lock is
 * dropped (fl_dev.dbg_lock: fl_dev.h, "Lock ordering").
 *
 * Context: process context, fl_dev.lock not held (taken).
 * Return: 0, -EINVAL, -ENOSPC past max_caches_per_fd, or the core's errno.
 */
long fl_ioc_cache_create(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_cache_create *cc = karg;
	struct fl_cache_ref *ref;
	int ret;

	if (cc->cache_id || !fl_mem_is_zero(cc->reserved, sizeof(cc->reserved)) ||
	    (cc->flags & ~FRAGLAB_CACHE_FLAGS))
		return -EINVAL;
	mutex_lock(&fl_dev.dbg_lock);
	mutex_lock(&fl_dev.lock);
	ret = fl_cache_create(ff, cc, &ref);
	mutex_unlock(&fl_dev.lock);
	if (!ret)
		ref->dentry = debugfs_create_file(cc->name, 0400, fl_slab_dev.dir,
						  ref, &fl_slab_detail_fops);
	mutex_unlock(&fl_dev.dbg_lock);
	return ret;
}

/**
 * fl_ioc_cache_destroy() - FRAGLAB_IOC_CACHE_DESTROY.
 * @ff: the calling file.
 * @karg: struct fraglab_cache_op.
 * @made: unused.
 *
 * Unpublished under fl_dev.lock (no allocation can start meanwhile), the
 * debugfs file removed without it, then destroyed under it again, with
 * cpus_read_lock() for that step only (fl_dev_lock_cpus()).
 *
 * Context: process context, fl_dev.lock not held (taken).
 * Return: 0, -EINVAL, -ENOENT or -EBUSY.
 */
long fl_ioc_cache_destroy(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_cache_op *op = karg;
	struct fl_cache_ref *ref;
	struct fl_slab_stats st;
	int ret = 0;

	if (op->flags || op->pages ||
	    !fl_mem_is_zero(op->reserved, sizeof(op->reserved)))
		return -EINVAL;
	mutex_lock(&fl_dev.dbg_lock);
	mutex_lock(&fl_dev.lock);
	ref = fl_cache_lookup(ff, op->cache_id);
	if (ref) {
		fl_slab_cache_get_stats(ref->cache, &st);
		if (st.live_objs)
			ret = -EBUSY;	/* nothing is freed */
		else
			fl_cache_ref_unpublish(ref);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&fl_dev.lock);
	if (!ret)
		debugfs_remove(ref->dentry);
	mutex_unlock(&fl_dev.dbg_lock);
	if (!ret) {
		/* nothing can reach @ref any more: no file, no id */
		fl_dev_lock_cpus();
		fl_cache_ref_destroy(ref);
		fl_dev_unlock_cpus();
	}
	return ret;
}

/**
 * fl_ioc_cache_shrink() - FRAGLAB_IOC_CACHE_SHRINK.
 * @ff: the calling file.
 * @karg: struct fraglab_cache_op.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL, -ENOENT or the core's errno.
 */
long fl_ioc_cache_shrink(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_cache_op *op = karg;
	struct fl_cache_ref *ref;
	long pages;

	if (op->flags || op->pages ||
	    !fl_mem_is_zero(op->reserved, sizeof(op->reserved)))
		return -EINVAL;
	ref = fl_cache_lookup(ff, op->cache_id);
	if (!ref)
		return -ENOENT;
	pages = fl_slab_cache_shrink(ref->cache, FL_SLAB_SHRINK_ALL);
	if (pages < 0)
		return pages;
	op->pages = pages;
	return 0;
}

static int fl_obj_alloc_one(struct fl_file *ff, struct fraglab_obj *o,
			    struct fl_obj_stash *st, struct fl_obj **made)
{
	struct fl_cache_ref *ref;
	struct fl_obj *obj;
	u64 offset;
	void *ptr;
	int ret;

	if (o->pad || o->handle || o->offset || o->constructed)
		return -EINVAL;
	ref = fl_cache_lookup(ff, o->cache_id);
	if (!ref)
		return -ENOENT;
	obj = fl_obj_new(st);
	if (!obj)
		return -ENOMEM;
	ret = fl_slab_cache_alloc(ref->cache, &offset, &ptr);
	if (ret)
		goto free_obj;
	obj->kind = FRAGLAB_KIND_OBJECT;
	obj->priv = ref;
	obj->offset = offset;
	obj->idx = offset >> PAGE_SHIFT;
	obj->requested = fl_slab_cache_object_size(ref->cache);
	obj->granted = obj->requested;
	obj->mt = FL_MT_UNMOVABLE;
	ret = fl_obj_insert(ff, obj);
	if (ret)
		goto free_object;
	o->handle = fl_handle_of(obj);
	o->offset = offset;
	o->constructed = ptr && fl_is_constructed(ptr, obj->requested);
	fl_obj_pin(made, obj);
	return 0;

free_object:
	fl_slab_cache_free(ref->cache, offset);
free_obj:
	fl_obj_put(st, obj);
	return ret;
}

/**
 * fl_slab_obj_release() - free a slab object and its handle object.
 * @obj: a live object of kind FRAGLAB_KIND_OBJECT.
 * @st: a batch chunk's stash for the object (see fl_obj_put()), or NULL.
 *
 * Context: fl_dev.lock held.
 */
static void fl_slab_obj_release(struct fl_obj *obj, struct fl_obj_stash *st)
{
	struct fl_cache_ref *ref = obj->priv;

	fl_obj_remove(obj);
	WARN_ON_ONCE(fl_slab_cache_free(ref->cache, obj->offset));
	fl_obj_put(st, obj);
}

static int fl_obj_free_one(struct fl_file *ff, struct fraglab_obj *o,
			   struct fl_obj_stash *st)
{
	struct fl_obj *obj;
	struct fl_cache_ref *ref;

	if (o->pad)
		return -EINVAL;
	obj = fl_obj_lookup(ff, o->handle);
	if (!obj || obj->kind != FRAGLAB_KIND_OBJECT)
		return -ENOENT;
	ref = obj->priv;
	if (ref->id != o->cache_id)
		return -EINVAL;	/* freeing to the wrong cache */
	fl_slab_obj_release(obj, st);
	return 0;
}

/**
 * fl_ioc_obj_alloc() - FRAGLAB_IOC_OBJ_ALLOC.
 * @ff: the calling file.
 * @karg: struct fraglab_obj.
 * @made: the new object, pinned for the dispatcher's undo.
 *
 * Context: fl_dev.lock held.
 * Return: 0 or a negative errno.
 */
long fl_ioc_obj_alloc(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_obj *o = karg;

	return o->result ? -EINVAL : fl_obj_alloc_one(ff, o, NULL, made);
}

/**
 * fl_ioc_obj_free() - FRAGLAB_IOC_OBJ_FREE.
 * @ff: the calling file.
 * @karg: struct fraglab_obj.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_obj_free(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_obj *o = karg;

	return o->result ? -EINVAL : fl_obj_free_one(ff, o, NULL);
}

static int fl_obj_batch_alloc(struct fl_file *ff, void *elem,
			      struct fl_obj_stash *st)
{
	struct fraglab_obj *o = elem;
	int ret;

	if (o->result)
		return -EINVAL;
	ret = fl_obj_alloc_one(ff, o, st, &st->made[st->nr_made]);
	if (!ret)
		st->nr_made++;
	return ret;
}

static u32 fl_obj_batch_alloc_chunk(struct fl_file *ff, void *buf, u32 n,
				    struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_obj),
			     offsetof(struct fraglab_obj, result),
			     fl_obj_batch_alloc, st, err);
}

static int fl_obj_batch_free(struct fl_file *ff, void *elem,
			     struct fl_obj_stash *st)
{
	struct fraglab_obj *o = elem;

	return o->result ? -EINVAL : fl_obj_free_one(ff, o, st);
}

static u32 fl_obj_batch_free_chunk(struct fl_file *ff, void *buf, u32 n,
				   struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_obj),
			     offsetof(struct fraglab_obj, result),
			     fl_obj_batch_free, st, err);
}

static const struct fl_batch_op fl_obj_batch_ops[2] = {
	{
		.elem_size = sizeof(struct fraglab_obj),
		.result_off = offsetof(struct fraglab_obj, result),
		.new_objs = true,
		.run_chunk = fl_obj_batch_alloc_chunk,
	}, {
		.elem_size = sizeof(struct fraglab_obj),
		.result_off = offsetof(struct fraglab_obj, result),
		.run_chunk = fl_obj_batch_free_chunk,
	},
};

/**
 * fl_ioc_obj_batch() - FRAGLAB_IOC_OBJ_BATCH.
 * @ff: the calling file.
 * @karg: struct fraglab_obj_batch.
 * @made: unused (the batch undoes its own elements).
 *
 * Context: process context, fl_dev.lock not held (taken per chunk).
 * Return: see fl_batch_ioctl().
 */
long fl_ioc_obj_batch(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_batch_ioctl(ff, karg, fl_obj_batch_ops);
}

static void fl_fill_cache_info(struct fl_cache_ref *ref,
			       struct fraglab_cache_info *ci)
{
	struct fl_slab_stats st;

	fl_slab_cache_get_stats(ref->cache, &st);
	memset(ci, 0, sizeof(*ci));
	ci->cache_id = ref->id;
	ci->flags = ref->flags;
	strscpy(ci->name, st.name, sizeof(ci->name));
	ci->object_size = st.object_size;
	ci->size = st.size;
	ci->align = st.align;
	ci->order = st.order;
	ci->objs_per_slab = st.objs_per_slab;
	ci->pages_per_slab = st.pages_per_slab;
	ci->limit = st.limit;
	ci->batchcount = st.batchcount;
	ci->active_objs = st.live_objs;
	ci->num_objs = st.num_objs;
	ci->active_slabs = st.nr_full + st.nr_partial;
	ci->num_slabs = st.nr_slabs;
	ci->pages = st.pages;
	ci->padding_bytes = st.padding_bytes;
	ci->leftover_bytes = st.leftover_bytes;
	ci->ctor_calls = st.ctor_calls;
	ci->allocs = st.allocs;
	ci->frees = st.frees;
	ci->cpu_hits = st.alloc_hits + st.free_hits;
	ci->cpu_misses = st.alloc_misses + st.free_misses;
}

/**
 * fl_ioc_cache_info() - FRAGLAB_IOC_CACHE_INFO.
 * @ff: the calling file.
 * @karg: struct fraglab_cache_info, all zero but ->cache_id.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_cache_info(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_cache_info *ci = karg;
	struct fl_cache_ref *ref;
	u32 id;

	id = ci->cache_id;
	ci->cache_id = 0;
	if (!fl_mem_is_zero(ci, sizeof(*ci)))
		return -EINVAL;
	ref = fl_cache_lookup(ff, id);
	if (!ref)
		return -ENOENT;
	fl_fill_cache_info(ref, ci);
	return 0;
}

/**
 * fl_slab_dev_release_debugfs() - remove a closing fd's cache files.
 * @ff: the file being released.
 *
 * Before the fd's objects are freed, without fl_dev.lock.  Nothing can
 * add or remove a cache meanwhile: that needs fl_dev.dbg_lock.
 *
 * Context: fl_dev.dbg_lock held, fl_dev.lock not held; may sleep.
 */
static void fl_slab_dev_release_debugfs(struct fl_file *ff)
{
	struct fl_cache_ref *ref;
	unsigned long id;

	lockdep_assert_held(&fl_dev.dbg_lock);
	xa_for_each(&fl_slab_dev.caches, id, ref)
		if (ref->owner == ff) {
			debugfs_remove(ref->dentry);
			ref->dentry = NULL;
		}
}

/**
 * fl_slab_dev_release_percpu() - destroy a closing fd's caches.
 * @ff: the file being released; its objects are freed.
 *
 * Context: fl_dev.lock and cpus_read_lock() held (fl_dev_lock_cpus()).
 */
static void fl_slab_dev_release_percpu(struct fl_file *ff)
{
	struct fl_cache_ref *ref;
	unsigned long id;

	xa_for_each(&fl_slab_dev.caches, id, ref)
		if (ref->owner == ff) {
			fl_cache_ref_unpublish(ref);
			fl_cache_ref_destroy(ref);
		}
}

/**
 * fl_slab_dev_check() - the slab core's invariant checker.
 * @msg: where the first violation is described.
 * @len: size of @msg.
 *
 * Every cache in holds of FL_CHECK_STEP units of work with a reschedule
 * point between them (fl_slab_check_paced()).  The in-kernel API's caches
 * (FL_SLAB_SHARED) change during the walk: BENCH and the self-test use
 * them without fl_dev.lock.
 *
 * Context: fl_dev.lock held; sleeps.
 * Return: 0, -EUCLEAN, or -EAGAIN if a cache changed during every walk.
 */
static int fl_slab_dev_check(char *msg, size_t len)
{
	return fl_slab_check_paced(fl_slab_dev.root, msg, len, FL_CHECK_STEP,
				   fl_subsys_check_pause, NULL);
}

/* ---- in-kernel API ---------------------------------------------------- */

/**
 * fraglab_cache_create() - create a slab cache in fraglab's arena.
 * @name: unique name, 1..31 printable characters.
 * @size: object size (fits an order-3 slab).
 * @align: 0 or a power of two.
 * @flags: FL_SLAB_RECLAIMABLE, FL_SLAB_COLOUR, FL_SLAB_NO_CPU_CACHE.
 * @ctor: constructor run for every object when its slab is created, or NULL.
 * @arg: passed to @ctor.
 *
 * Context: process context.
 * Return: the cache, or an ERR_PTR (-EINVAL, -EEXIST, -ENOMEM).
 */
struct fl_slab_cache *fraglab_cache_create(const char *name, unsigned int size,
					   unsigned int align,
					   unsigned int flags,
					   void (*ctor)(void *obj, void *arg),
					   void *arg)
{
	struct fl_slab_cache *c;
	int ret;

	/* used without fl_dev.lock: see fl_slab_dev_check() */
	ret = fl_slab_cache_create(fl_slab_dev.root, name, size, align,
				   flags | FL_SLAB_SHARED, ctor, arg, &c);
	return ret ? ERR_PTR(ret) : c;
}
EXPORT_SYMBOL_GPL(fraglab_cache_create);

/**
 * fraglab_cache_alloc() - allocate one object.
 * @c: a cache from fraglab_cache_create().
 *
 * Context: process context; may sleep: growing the cache allocates the
 * new slab's metadata with GFP_KERNEL (kvzalloc()).  Never from an
 * interrupt: the per-CPU arrays are guarded by disabled preemption.
 * Return: the object (constructed if the cache has a constructor), or NULL.
 */
void *fraglab_cache_alloc(struct fl_slab_cache *c)
{
	void *ptr;
	u64 offset;

	return fl_slab_cache_alloc(c, &offset, &ptr) ? NULL : ptr;
}
EXPORT_SYMBOL_GPL(fraglab_cache_alloc);

/**
 * fraglab_cache_free() - give an object back to its cache.
 * @c: the cache it came from.
 * @obj: the object.
 *
 * Context: process context; may sleep: releasing an empty slab beyond
 * min_partial frees its metadata with kvfree().  Never from an interrupt,
 * as for fraglab_cache_alloc().
 * Return: 0, -EINVAL (not this cache's) or -ENOENT (not allocated).
 */
int fraglab_cache_free(struct fl_slab_cache *c, void *obj)
{
	return fl_slab_cache_free_ptr(c, obj);
}
EXPORT_SYMBOL_GPL(fraglab_cache_free);

/**
 * fraglab_cache_destroy() - destroy an empty cache.
 * @c: the cache.
 *
 * Context: process context; takes cpus_read_lock() (not held by the
 * caller).
 * Return: 0, or -EBUSY if objects are still allocated (nothing freed).
 */
int fraglab_cache_destroy(struct fl_slab_cache *c)
{
	int ret;

	cpus_read_lock();	/* the per-CPU arrays are flushed */
	ret = fl_slab_cache_destroy(c);
	cpus_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(fraglab_cache_destroy);

static void fl_selftest_ctor(void *obj, void *arg)
{
	atomic_inc(arg);
	memset(obj, 0x5a, 192);
}

/*
 * Object caching, through the in-kernel API: allocate as many objects as
 * min_partial slabs hold (so freeing them all keeps every slab, as SLUB
 * keeps min_partial empty slabs), free them, allocate them again: the
 * constructor must not run a second time and every object must still
 * hold its constructed state.
 */
static int fl_slab_selftest(void)
{
	static void *objs[512];
	struct fl_slab_stats st;
	struct fl_slab_cache *c;
	atomic_t ctors = ATOMIC_INIT(0);
	unsigned int i, n;
	int first, ret = 0;

	c = fraglab_cache_create("fraglab-selftest", 192, 0, 0,
				 fl_selftest_ctor, &ctors);
	if (IS_ERR(c))
		return PTR_ERR(c);
	fl_slab_cache_get_stats(c, &st);
	n = min_t(unsigned int, ARRAY_SIZE(objs),
		  st.objs_per_slab * st.min_partial);
	for (i = 0; i < n; i++) {
		objs[i] = fraglab_cache_alloc(c);
		if (!objs[i] || memchr_inv(objs[i], 0x5a, 192))
			ret = -EUCLEAN;
	}
	first = atomic_read(&ctors);
	for (i = 0; i < n; i++)
		if (objs[i] && fraglab_cache_free(c, objs[i]))
			ret = -EUCLEAN;
	for (i = 0; i < n && !ret; i++) {
		objs[i] = fraglab_cache_alloc(c);
		if (!objs[i] || memchr_inv(objs[i], 0x5a, 192))
			ret = -EUCLEAN;
	}
	if (!ret && atomic_read(&ctors) != first)
		ret = -EUCLEAN;	/* reuse must not run the constructor */
	if (!ret && fraglab_cache_destroy(c) != -EBUSY)
		ret = -EUCLEAN;
	for (i = 0; i < n; i++)
		if (objs[i])
			fraglab_cache_free(c, objs[i]);
	if (fraglab_cache_destroy(c))
		ret = -EUCLEAN;
	if (ret)
		pr_err("slab self-test FAILED\n");
	else
		pr_info("slab self-test passed: %u objects, %d constructor calls, reuse ran none\n",
			n, first);
	return ret;
}

/**
 * fl_slab_dev_init() - the slab registry, optional self-test, then debugfs
 * "slabinfo" and "slabs/" (a file per cache is added when it is created).
 * @d: the device (its buddy exists).
 * @dir: the fraglab debugfs directory.
 *
 * Context: module load.
 * Return: 0 or a negative errno.
 */
static int fl_slab_dev_init(struct fl_dev *d, struct dentry *dir)
{
	int ret;

	xa_init_flags(&fl_slab_dev.caches, XA_FLAGS_ALLOC1);
	ret = fl_slab_root_create(d->buddy, &fl_slab_dev.root);
	if (ret)
		return ret;
	if (fl_param_slab_selftest) {
		/* fault injection for this test only: armed, run, disarmed */
		fl_fault_set(&fl_fail_meta, 0, 1, fl_param_selftest_fail_meta);
		ret = fl_slab_selftest();
		fl_fault_set(&fl_fail_meta, 0, 1, 0);
		if (ret) {
			cpus_read_lock();
			fl_slab_root_destroy(fl_slab_dev.root);
			cpus_read_unlock();
			fl_slab_dev.root = NULL;
			return ret;
		}
	}
	/* the root exists and the self-test passed: the files may read it */
	fl_slab_dev.info = debugfs_create_file("slabinfo", 0400, dir, NULL,
					       &fl_slabinfo_fops);
	fl_slab_dev.dir = debugfs_create_dir("slabs", dir);
	return 0;
}

/**
 * fl_slab_dev_exit() - remove the debugfs files, destroy the registry
 * (every fd is closed).
 * @d: the device.
 *
 * Context: module unload.
 */
static void fl_slab_dev_exit(struct fl_dev *d)
{
	/* the files first: debugfs_remove() waits for their readers */
	debugfs_remove_recursive(fl_slab_dev.dir);
	debugfs_remove(fl_slab_dev.info);
	fl_slab_dev.dir = NULL;
	fl_slab_dev.info = NULL;
	WARN_ON_ONCE(fl_xa_has_entries(&fl_slab_dev.caches));
	xa_destroy(&fl_slab_dev.caches);
	if (fl_slab_dev.root) {
		cpus_read_lock();
		fl_slab_root_destroy(fl_slab_dev.root);
		cpus_read_unlock();
	}
	fl_slab_dev.root = NULL;
}

const struct fl_subsys fl_slab_subsys = {
	.name = "slab",
	.nr_first = 0x10,
	.nr_last = 0x1f,
	.features = FRAGLAB_FEAT_SLAB,
	.kind = FRAGLAB_KIND_OBJECT,
	.init = fl_slab_dev_init,
	.exit = fl_slab_dev_exit,
	.release_obj = fl_slab_obj_release,
	.release_debugfs = fl_slab_dev_release_debugfs,
	.release_percpu = fl_slab_dev_release_percpu,
	.check = fl_slab_dev_check,
};
