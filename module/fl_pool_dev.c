// SPDX-License-Identifier: GPL-2.0
/*
 * fl_pool_dev.c - fit pools through /dev/fraglab (commands 0x20-0x2f) and
 * debugfs "pools/<id>/{holes,stats,map}".
 *
 * The placement itself (first, next, best and worst fit in O(log n), hole
 * statistics, compaction steps) is the portable core module/core/fl_fit.c;
 * this file maps pools and their allocations to file descriptors:
 *
 *  - a pool is created through an fd from buddy blocks of the arena
 *    (fl_fit_pool_create_from_buddy(), owner kind FL_OWN_POOL, unmovable
 *    for the buddy's compaction).  It gets an id in fl_pool_dev.pools and
 *    belongs to that fd: other fds see -ENOENT;
 *  - an allocation is a struct fl_obj of kind FRAGLAB_KIND_POOL (handles,
 *    per-fd ownership and FRAGLAB_IOC_QUERY work as for pages), and also
 *    sits in its pool's @objs xarray under offset / FL_FIT_MIN_GRAN, so the
 *    compaction callback finds it by offset in O(1);
 *  - the memory is zeroed when handed out; it is not mmap()able (the
 *    mmap handler only maps the pages kind: -ENOENT for a pool handle);
 *  - closing the fd frees its pool allocations, then destroys its pools.
 *
 * Pool compaction (FRAGLAB_IOC_POOL_COMPACT) runs fl_fit_compact() with
 * fl_pool_move(): memmove() of the contents inside the arena (both ranges
 * lie in one physically contiguous segment, so one direct-map address
 * covers each), then the fl_obj's offset follows.  Allocations without
 * FRAGLAB_POOL_ALLOC_MOVABLE are pinned and stay.
 *
 * Locking: every ioctl runs under fl_dev.lock (the dispatcher takes it:
 * FL_IOC_LOCKED; a batch takes it per chunk; create and destroy take it
 * themselves), which also keeps other users of a pool out while
 * fl_fit_compact() drops the pool's own lock around the move callback.
 * The debugfs files do NOT take fl_dev.lock, and are created and removed
 * WITHOUT it, under fl_dev.dbg_lock (fl_dev.h, "Lock ordering"):
 * destroying a pool unpublishes it under fl_dev.lock, removes its
 * directory (debugfs_remove_recursive() waits for running readers), then
 * destroys it; the core's show functions take only the pool's spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "fl_batch.h"
#include "fl_pool_dev.h"
#include "fl_fit.h"

#define FL_POOL_KEY_SHIFT	4	/* ilog2(FL_FIT_MIN_GRAN) */

/**
 * struct fl_pool_ref - a pool created through a file descriptor.
 * @id: id in fl_pool_dev.pools (what userspace calls pool_id).
 * @owner: the fd that created it.
 * @pool: the core pool.
 * @objs: its live allocations (struct fl_obj) by offset >> 4.
 * @nr_objs: entries in @objs.
 * @dir: debugfs "pools/<id>".
 */
struct fl_pool_ref {
	u32 id;
	struct fl_file *owner;
	struct fl_fit_pool *pool;
	struct xarray objs;
	u64 nr_objs;
	struct dentry *dir;
};

static struct {
	struct xarray pools;
	u32 next_id;
	struct dentry *dir;
} fl_pool_dev;

/* ---- debugfs ------------------------------------------------------ */

typedef int (*fl_pool_show_fn)(struct fl_fit_pool *p, u64 *pos, char *buf,
			       size_t len);

/* Print a resumable core listing in page-sized pieces. */
static int fl_pool_show_all(struct seq_file *m, fl_pool_show_fn show)
{
	struct fl_pool_ref *ref = m->private;
	u64 pos = 0;
	char *buf;
	int n;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (pos != FL_FIT_POS_END) {
		n = show(ref->pool, &pos, buf, PAGE_SIZE);
		if (n <= 0)
			break;
		seq_write(m, buf, n);
	}
	kfree(buf);
	return 0;
}

static int fl_pool_holes_show(struct seq_file *m, void *v)
{
	return fl_pool_show_all(m, fl_fit_show_holes);
}
DEFINE_SHOW_ATTRIBUTE(fl_pool_holes);

static int fl_pool_map_show(struct seq_file *m, void *v)
{
	return fl_pool_show_all(m, fl_fit_show_map);
}
DEFINE_SHOW_ATTRIBUTE(fl_pool_map);

static int fl_pool_stats_show(struct seq_file *m, void *v)
{
	struct fl_pool_ref *ref = m->private;
	char *buf;
	int n;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = fl_fit_show_stats(ref->pool, buf, PAGE_SIZE);
	seq_write(m, buf, n);
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_pool_stats);

static void fl_pool_debugfs_add(struct fl_pool_ref *ref)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", ref->id);
	ref->dir = debugfs_create_dir(name, fl_pool_dev.dir);
	debugfs_create_file("holes", 0400, ref->dir, ref, &fl_pool_holes_fops);
	debugfs_create_file("stats", 0400, ref->dir, ref, &fl_pool_stats_fops);
	debugfs_create_file("map", 0400, ref->dir, ref, &fl_pool_map_fops);
}

/* ---- pools -------------------------------------------------------- */

static struct fl_pool_ref *fl_pool_lookup(struct fl_file *ff, u32 id)
{
	struct fl_pool_ref *ref = xa_load(&fl_pool_dev.pools, id);

	return ref && ref->owner == ff ? ref : NULL;
}

static void *fl_pool_addr(u64 off)
{
	u8 *page = fl_buddy_page_addr(fl_dev.buddy, off >> PAGE_SHIFT);

	return page ? page + (off & ~PAGE_MASK) : NULL;
}

static int fl_pool_create(struct fl_file *ff, struct fraglab_pool_create *pc,
			  struct fl_pool_ref **refp)
{
	struct fl_fit_segment seg;
	struct fl_pool_ref *ref;
	u32 gran = pc->granularity ? : FRAGLAB_POOL_DEFAULT_GRAN;
	u32 i;
	int ret;

	if (ff->nr_pools >= READ_ONCE(fl_param_max_pools))
		return -ENOSPC;
	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	if (!ref)
		return -ENOMEM;
	xa_init(&ref->objs);
	ref->owner = ff;
	ret = xa_alloc_cyclic(&fl_pool_dev.pools, &ref->id, ref,
			      XA_LIMIT(1, INT_MAX), &fl_pool_dev.next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto free_ref;
	ret = fl_fit_pool_create_from_buddy(fl_dev.buddy, pc->size, gran,
					    pc->strategy, ref->id, &ref->pool);
	if (ret)
		goto erase_id;
	pc->pool_id = ref->id;
	pc->nr_segments = fl_fit_nr_segments(ref->pool);
	pc->pool_bytes = 0;
	for (i = 0; !fl_fit_get_segment(ref->pool, i, &seg); i++) {
		if (!i)
			pc->base = seg.start;
		pc->pool_bytes += seg.len;
	}
	ff->nr_pools++;
	*refp = ref;
	return 0;

erase_id:
	xa_erase(&fl_pool_dev.pools, ref->id);
free_ref:
	kfree(ref);
	return ret;
}

/* No ioctl finds @ref any more. */
static void fl_pool_ref_unpublish(struct fl_pool_ref *ref)
{
	ref->owner->nr_pools--;
	xa_erase(&fl_pool_dev.pools, ref->id);
}

/*
 * Destroy an unpublished @ref whose debugfs directory is gone already
 * (debugfs_remove_recursive() waited for its readers, which use the pool
 * without fl_dev.lock).
 */
static void fl_pool_ref_destroy(struct fl_pool_ref *ref)
{
	WARN_ON_ONCE(fl_xa_has_entries(&ref->objs));
	xa_destroy(&ref->objs);
	WARN_ON_ONCE(fl_fit_destroy(ref->pool, false));
	kfree(ref);
}

/**
 * fl_ioc_pool_create() - FRAGLAB_IOC_POOL_CREATE.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_create.
 * @made: unused.
 *
 * The pool is made under fl_dev.lock, its debugfs directory after the
 * lock is dropped (fl_dev.dbg_lock: fl_dev.h, "Lock ordering").
 *
 * Context: process context, fl_dev.lock not held (taken).
 * Return: 0, -EINVAL, -ENOSPC past max_pools_per_fd, or the core's errno.
 */
long fl_ioc_pool_create(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_create *pc = karg;
	struct fl_pool_ref *ref;
	int ret;

	if (pc->pool_id || pc->flags || pc->pool_bytes || pc->base ||
	    pc->nr_segments || pc->pad ||
	    !fl_mem_is_zero(pc->reserved, sizeof(pc->reserved)))
		return -EINVAL;
	mutex_lock(&fl_dev.dbg_lock);
	mutex_lock(&fl_dev.lock);
	ret = fl_pool_create(ff, pc, &ref);
	mutex_unlock(&fl_dev.lock);
	if (!ret)
		fl_pool_debugfs_add(ref);
	mutex_unlock(&fl_dev.dbg_lock);
	return ret;
}

/**
 * fl_ioc_pool_destroy() - FRAGLAB_IOC_POOL_DESTROY.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_op.
 * @made: unused.
 *
 * Unpublished under fl_dev.lock (no allocation can start meanwhile), the
 * debugfs directory removed without it, then destroyed under it again.
 *
 * Context: process context, fl_dev.lock not held (taken).
 * Return: 0, -EINVAL, -ENOENT or -EBUSY.
 */
long fl_ioc_pool_destroy(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_op *op = karg;
	struct fl_pool_ref *ref;
	struct fl_fit_stats st;
	int ret = 0;

	if (!fl_mem_is_zero(op->reserved, sizeof(op->reserved)) || op->value)
		return -EINVAL;
	mutex_lock(&fl_dev.dbg_lock);
	mutex_lock(&fl_dev.lock);
	ref = fl_pool_lookup(ff, op->pool_id);
	if (ref) {
		fl_fit_get_stats(ref->pool, &st);
		if (st.nr_allocated || ref->nr_objs)
			ret = -EBUSY;	/* nothing is freed */
		else
			fl_pool_ref_unpublish(ref);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&fl_dev.lock);
	if (!ret) {
		debugfs_remove_recursive(ref->dir);
		mutex_lock(&fl_dev.lock);
		fl_pool_ref_destroy(ref);
		mutex_unlock(&fl_dev.lock);
	}
	mutex_unlock(&fl_dev.dbg_lock);
	return ret;
}

/**
 * fl_ioc_pool_set_strategy() - FRAGLAB_IOC_POOL_SET_STRATEGY.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_op.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_pool_set_strategy(struct fl_file *ff, void *karg,
			      struct fl_obj **made)
{
	struct fraglab_pool_op *op = karg;
	struct fl_pool_ref *ref;

	if (!fl_mem_is_zero(op->reserved, sizeof(op->reserved)))
		return -EINVAL;
	ref = fl_pool_lookup(ff, op->pool_id);
	if (!ref)
		return -ENOENT;
	return fl_fit_set_strategy(ref->pool, op->value);
}

/* ---- allocations -------------------------------------------------- */

static unsigned long fl_pool_key(u64 offset)
{
	return (unsigned long)(offset >> FL_POOL_KEY_SHIFT);
}

static int fl_pool_alloc_one(struct fl_file *ff, struct fraglab_pool_alloc *a,
			     struct fl_obj_stash *st, struct fl_obj **made)
{
	struct fl_pool_ref *ref;
	struct fl_obj *obj;
	u64 offset, granted;
	void *addr;
	int ret;

	if (a->pad || a->handle || a->offset || a->granted || a->reserved)
		return -EINVAL;
	if (a->flags & ~FRAGLAB_POOL_ALLOC_FLAGS)
		return -EINVAL;
	ref = fl_pool_lookup(ff, a->pool_id);
	if (!ref)
		return -ENOENT;
	obj = fl_obj_new(st);
	if (!obj)
		return -ENOMEM;
	ret = fl_fit_alloc(ref->pool, a->size, a->align, a->flags, &offset);
	if (ret)
		goto free_obj;
	granted = ALIGN(a->size, (u64)fl_fit_granularity(ref->pool));
	addr = fl_pool_addr(offset);
	if (WARN_ON_ONCE(!addr)) {
		ret = -EUCLEAN;
		goto free_range;
	}
	memset(addr, 0, granted);
	obj->kind = FRAGLAB_KIND_POOL;
	obj->priv = ref;
	obj->offset = offset;
	obj->idx = offset >> PAGE_SHIFT;
	obj->requested = a->size;
	obj->granted = granted;
	obj->mt = (a->flags & FRAGLAB_POOL_ALLOC_MOVABLE) ?
		  FRAGLAB_MT_MOVABLE : FRAGLAB_MT_UNMOVABLE;
	ret = xa_insert(&ref->objs, fl_pool_key(offset), obj,
			GFP_KERNEL_ACCOUNT);
	if (ret)
		goto free_range;
	ret = fl_obj_insert(ff, obj);
	if (ret)
		goto erase_key;
	ref->nr_objs++;
	a->handle = fl_handle_of(obj);
	a->offset = offset;
	a->granted = granted;
	fl_obj_pin(made, obj);
	return 0;

erase_key:
	xa_erase(&ref->objs, fl_pool_key(offset));
free_range:
	WARN_ON_ONCE(fl_fit_free(ref->pool, offset));
free_obj:
	fl_obj_put(st, obj);
	return ret;
}

/**
 * fl_pool_obj_release() - free a pool allocation and its handle object.
 * @obj: a live object of kind FRAGLAB_KIND_POOL.
 * @st: a batch chunk's stash for the object (see fl_obj_put()), or NULL.
 *
 * Context: fl_dev.lock held.
 */
static void fl_pool_obj_release(struct fl_obj *obj, struct fl_obj_stash *st)
{
	struct fl_pool_ref *ref = obj->priv;

	fl_obj_remove(obj);
	xa_erase(&ref->objs, fl_pool_key(obj->offset));
	ref->nr_objs--;
	WARN_ON_ONCE(fl_fit_free(ref->pool, obj->offset));
	fl_obj_put(st, obj);
}

static int fl_pool_free_one(struct fl_file *ff, struct fraglab_pool_alloc *a,
			    struct fl_obj_stash *st)
{
	struct fl_pool_ref *ref;
	struct fl_obj *obj;

	if (a->pad || a->flags || a->size || a->align || a->offset ||
	    a->granted || a->reserved)
		return -EINVAL;
	ref = fl_pool_lookup(ff, a->pool_id);
	if (!ref)
		return -ENOENT;
	obj = fl_obj_lookup(ff, a->handle);
	if (!obj || obj->kind != FRAGLAB_KIND_POOL)
		return -ENOENT;
	if (obj->priv != ref)
		return -EINVAL;	/* an allocation of another pool */
	fl_pool_obj_release(obj, st);
	return 0;
}

/**
 * fl_ioc_pool_alloc() - FRAGLAB_IOC_POOL_ALLOC.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_alloc.
 * @made: the new object, pinned for the dispatcher's undo.
 *
 * Context: fl_dev.lock held.
 * Return: 0 or a negative errno.
 */
long fl_ioc_pool_alloc(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_alloc *a = karg;

	return a->result ? -EINVAL : fl_pool_alloc_one(ff, a, NULL, made);
}

/**
 * fl_ioc_pool_free() - FRAGLAB_IOC_POOL_FREE.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_alloc.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_pool_free(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_alloc *a = karg;

	return a->result ? -EINVAL : fl_pool_free_one(ff, a, NULL);
}

static int fl_pool_batch_alloc(struct fl_file *ff, void *elem,
			       struct fl_obj_stash *st)
{
	struct fraglab_pool_alloc *a = elem;
	int ret;

	if (a->result)
		return -EINVAL;
	ret = fl_pool_alloc_one(ff, a, st, &st->made[st->nr_made]);
	if (!ret)
		st->nr_made++;
	return ret;
}

static u32 fl_pool_batch_alloc_chunk(struct fl_file *ff, void *buf, u32 n,
				     struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_pool_alloc),
			     offsetof(struct fraglab_pool_alloc, result),
			     fl_pool_batch_alloc, st, err);
}

static int fl_pool_batch_free(struct fl_file *ff, void *elem,
			      struct fl_obj_stash *st)
{
	struct fraglab_pool_alloc *a = elem;

	return a->result ? -EINVAL : fl_pool_free_one(ff, a, st);
}

static u32 fl_pool_batch_free_chunk(struct fl_file *ff, void *buf, u32 n,
				    struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_pool_alloc),
			     offsetof(struct fraglab_pool_alloc, result),
			     fl_pool_batch_free, st, err);
}

static const struct fl_batch_op fl_pool_batch_ops[2] = {
	{
		.elem_size = sizeof(struct fraglab_pool_alloc),
		.result_off = offsetof(struct fraglab_pool_alloc, result),
		.new_objs = true,
		.run_chunk = fl_pool_batch_alloc_chunk,
	}, {
		.elem_size = sizeof(struct fraglab_pool_alloc),
		.result_off = offsetof(struct fraglab_pool_alloc, result),
		.run_chunk = fl_pool_batch_free_chunk,
	},
};

/**
 * fl_ioc_pool_batch() - FRAGLAB_IOC_POOL_BATCH.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_batch.
 * @made: unused (the batch undoes its own elements).
 *
 * Context: process context, fl_dev.lock not held (taken per chunk).
 * Return: see fl_batch_ioctl().
 */
long fl_ioc_pool_batch(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_batch_ioctl(ff, karg, fl_pool_batch_ops);
}

/* ---- info --------------------------------------------------------- */

static void fl_pool_fill_info(struct fl_pool_ref *ref,
			      struct fraglab_pool_info *pi)
{
	struct fl_fit_segment seg = { 0 };
	struct fl_fit_stats st;

	BUILD_BUG_ON(FRAGLAB_POOL_HIST_BUCKETS != FL_FIT_HIST_BUCKETS);
	fl_fit_get_stats(ref->pool, &st);
	fl_fit_get_segment(ref->pool, 0, &seg);
	memset(pi, 0, sizeof(*pi));
	pi->pool_id = ref->id;
	pi->strategy = st.strategy;
	pi->granularity = st.granularity;
	pi->nr_segments = st.nr_segments;
	pi->pool_bytes = st.pool_bytes;
	pi->base = seg.start;
	pi->free_bytes = st.free_bytes;
	pi->nr_holes = st.nr_holes;
	pi->largest_hole = st.largest_hole;
	pi->ext_frag_permille = st.ext_frag_permille;
	pi->nr_allocated = st.nr_allocated;
	pi->nr_movable = st.nr_movable;
	pi->allocated_bytes = st.allocated_bytes;
	pi->requested_bytes = st.requested_bytes;
	pi->allocs = st.allocs;
	pi->frees = st.frees;
	pi->fail_fragmented = st.fail_fragmented;
	pi->fail_nomem = st.fail_nomem;
	pi->moves = st.moves;
	pi->moved_bytes = st.moved_bytes;
	pi->rover = st.rover;
	memcpy(pi->hist, st.hist, sizeof(pi->hist));
}

/**
 * fl_ioc_pool_info() - FRAGLAB_IOC_POOL_INFO.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_info, all zero but ->pool_id.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_pool_info(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_info *pi = karg;
	struct fl_pool_ref *ref;
	u32 id;

	id = pi->pool_id;
	pi->pool_id = 0;
	if (!fl_mem_is_zero(pi, sizeof(*pi)))
		return -EINVAL;
	ref = fl_pool_lookup(ff, id);
	if (!ref)
		return -ENOENT;
	fl_pool_fill_info(ref, pi);
	return 0;
}

/* ---- compaction --------------------------------------------------- */

/*
 * fl_fit_compact() callback: copy the contents down and let the handle
 * follow.  The target range is free, so no allocation is keyed at it.
 */
static int fl_pool_move(void *priv, u64 old_off, u64 new_off, u64 len)
{
	struct fl_pool_ref *ref = priv;
	struct fl_obj *obj = xa_load(&ref->objs, fl_pool_key(old_off));
	void *from = fl_pool_addr(old_off), *to = fl_pool_addr(new_off);
	int ret;

	if (WARN_ON_ONCE(!obj || obj->offset != old_off || !from || !to))
		return -EUCLEAN;
	ret = xa_insert(&ref->objs, fl_pool_key(new_off), obj, GFP_KERNEL);
	if (ret)
		return ret;
	xa_erase(&ref->objs, fl_pool_key(old_off));
	memmove(to, from, len);
	obj->offset = new_off;
	obj->idx = new_off >> PAGE_SHIFT;
	obj->moves++;
	return 0;
}

static int fl_pool_compact(struct fl_pool_ref *ref,
			   struct fraglab_pool_compact *pc)
{
	struct fl_fit_stats before, after;
	u64 t0 = ktime_get_ns();
	int ret;

	fl_fit_get_stats(ref->pool, &before);
	ret = fl_fit_compact(ref->pool, fl_pool_move, ref);
	fl_fit_get_stats(ref->pool, &after);
	pc->time_ns = ktime_get_ns() - t0;
	pc->moved = after.moves - before.moves;
	pc->moved_bytes = after.moved_bytes - before.moved_bytes;
	pc->holes_before = before.nr_holes;
	pc->holes_after = after.nr_holes;
	pc->largest_before = before.largest_hole;
	pc->largest_after = after.largest_hole;
	pc->free_bytes = after.free_bytes;
	return ret < 0 ? ret : 0;
}

/**
 * fl_ioc_pool_compact() - FRAGLAB_IOC_POOL_COMPACT: moves only blocks of
 * the caller's own pool, so it needs no privilege.
 * @ff: the calling file.
 * @karg: struct fraglab_pool_compact, all zero but ->pool_id.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL, -ENOENT or the core's errno.
 */
long fl_ioc_pool_compact(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_pool_compact *pc = karg;
	struct fl_pool_ref *ref;
	u32 id;

	id = pc->pool_id;
	pc->pool_id = 0;
	if (!fl_mem_is_zero(pc, sizeof(*pc)))
		return -EINVAL;
	pc->pool_id = id;
	ref = fl_pool_lookup(ff, id);
	return ref ? fl_pool_compact(ref, pc) : -ENOENT;
}

/**
 * fl_pool_dev_release_debugfs() - remove a closing fd's pool directories.
 * @ff: the file being released.
 *
 * Before fl_pool_dev_release_file(), without fl_dev.lock.  Nothing can
 * add or remove a pool meanwhile: that needs fl_dev.dbg_lock.
 *
 * Context: fl_dev.dbg_lock held, fl_dev.lock not held; may sleep.
 */
static void fl_pool_dev_release_debugfs(struct fl_file *ff)
{
	struct fl_pool_ref *ref;
	unsigned long id;

	lockdep_assert_held(&fl_dev.dbg_lock);
	xa_for_each(&fl_pool_dev.pools, id, ref)
		if (ref->owner == ff) {
			debugfs_remove_recursive(ref->dir);
			ref->dir = NULL;
		}
}

/**
 * fl_pool_dev_release_file() - destroy a closing fd's pools (their
 * allocations are freed already).
 * @ff: the file being released; fl_pool_dev_release_debugfs() ran.
 *
 * Context: fl_dev.lock held; may sleep.
 */
static void fl_pool_dev_release_file(struct fl_file *ff)
{
	struct fl_pool_ref *ref;
	unsigned long id;

	xa_for_each(&fl_pool_dev.pools, id, ref)
		if (ref->owner == ff) {
			fl_pool_ref_unpublish(ref);
			fl_pool_ref_destroy(ref);
		}
}

/* Every handle of @ref must be a live allocation at its offset. */
static int fl_pool_check_objs(struct fl_pool_ref *ref, char *msg, size_t len)
{
	struct fl_fit_alloc_info ai;
	struct fl_fit_stats st;
	struct fl_obj *obj;
	unsigned long key;
	u64 n = 0;

	xa_for_each(&ref->objs, key, obj) {
		if (!(++n % 1024))
			cond_resched();	/* up to max_handles_per_fd */
		if (key != fl_pool_key(obj->offset) || obj->priv != ref ||
		    fl_fit_lookup(ref->pool, obj->offset, &ai) ||
		    ai.size != obj->granted) {
			snprintf(msg, len, "pool %u: handle at 0x%llx does not match the pool",
				 ref->id, obj->offset);
			return -EUCLEAN;
		}
	}
	fl_fit_get_stats(ref->pool, &st);
	if (n != ref->nr_objs || n != st.nr_allocated) {
		snprintf(msg, len, "pool %u: %llu handles, %llu counted, %llu allocations",
			 ref->id, n, ref->nr_objs, st.nr_allocated);
		return -EUCLEAN;
	}
	return 0;
}

/**
 * fl_pool_dev_check() - check every pool and its handles.
 * @msg: where the first violation is described.
 * @len: size of @msg.
 *
 * Each pool in holds of FL_CHECK_STEP tree nodes with a reschedule point
 * between them (fl_fit_check_paced()), then its handles.
 *
 * Context: fl_dev.lock held; sleeps.
 * Return: 0, -EUCLEAN, -ENOMEM, or -EAGAIN if a pool changed during
 * every walk.
 */
static int fl_pool_dev_check(char *msg, size_t len)
{
	struct fl_pool_ref *ref;
	unsigned long id;
	int ret;

	xa_for_each(&fl_pool_dev.pools, id, ref) {
		ret = fl_fit_check_paced(ref->pool, msg, len, FL_CHECK_STEP,
					 fl_subsys_check_pause, NULL);
		if (!ret)
			ret = fl_pool_check_objs(ref, msg, len);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * fl_pool_dev_init() - the pool registry, then debugfs "pools/".
 * @d: the device (its buddy exists).
 * @dir: the fraglab debugfs directory.
 *
 * Context: module load.
 * Return: 0.
 */
static int fl_pool_dev_init(struct fl_dev *d, struct dentry *dir)
{
	xa_init_flags(&fl_pool_dev.pools, XA_FLAGS_ALLOC1);
	fl_pool_dev.next_id = 0;
	/* one directory per pool is added when the pool is created */
	fl_pool_dev.dir = debugfs_create_dir("pools", dir);
	return 0;
}

/**
 * fl_pool_dev_exit() - remove "pools/" (every pool is gone), forget the
 * registry (every fd is closed).
 * @d: the device.
 *
 * Context: module unload.
 */
static void fl_pool_dev_exit(struct fl_dev *d)
{
	debugfs_remove_recursive(fl_pool_dev.dir);
	fl_pool_dev.dir = NULL;
	WARN_ON_ONCE(fl_xa_has_entries(&fl_pool_dev.pools));
	xa_destroy(&fl_pool_dev.pools);
}

const struct fl_subsys fl_pool_subsys = {
	.name = "pool",
	.nr_first = 0x20,
	.nr_last = 0x2f,
	.features = FRAGLAB_FEAT_POOL,
	.kind = FRAGLAB_KIND_POOL,
	.init = fl_pool_dev_init,
	.exit = fl_pool_dev_exit,
	.release_obj = fl_pool_obj_release,
	.release_debugfs = fl_pool_dev_release_debugfs,
	.release_file = fl_pool_dev_release_file,
	.check = fl_pool_dev_check,
};
