// SPDX-License-Identifier: GPL-2.0
/*
 * fl_batch.c - the one implementation of the three batch ioctls.
 *
 * FRAGLAB_IOC_BATCH (buddy), FRAGLAB_IOC_OBJ_BATCH (slab objects) and
 * FRAGLAB_IOC_POOL_BATCH (fit pools) share one header layout
 * ({ptr, count, op, done, pad, reserved[2]}, checked at build time below)
 * and one contract:
 *
 *   - the header is validated as a whole first (pad, done and reserved
 *     zero, count in 1..FRAGLAB_BATCH_MAX, op ALLOC or FREE) and nothing
 *     is done if it is bad: -EINVAL;
 *   - the elements are processed in order; each element is copied in, run
 *     under fl_dev.lock, and written back with its ->result filled in
 *     (in chunks, with the lock dropped while user memory is touched: see
 *     fl_batch_run());
 *   - processing stops at the first failing element, whose errno is the
 *     ioctl's return value; ->done says how many elements were processed
 *     before it;
 *   - an element whose result cannot be written back (-EFAULT) is undone
 *     (an allocation nobody learned the handle of would otherwise live on
 *     until close) by fl_obj_undo() on the object the element pinned,
 *     which is right even when another thread freed the handle meanwhile.
 *
 * The dispatcher (fl_ioctl()) copies the header in and out; this file is
 * the one place that copies element arrays, with plain copy_from_user()
 * and copy_to_user() per chunk.  Each allocator's glue describes its
 * element with a struct fl_batch_op per op, its chunk loop written out
 * with fl_batch_loop() (one indirect call per chunk, none per element),
 * and calls fl_batch_ioctl().
 *
 * Per chunk (FL_BATCH_CHUNK elements), not per element: one copy in, one
 * fl_dev.lock hold, one copy out, and for allocations one
 * kmem_cache_alloc_bulk() of handle objects; the objects of freed
 * elements (and unused preallocated ones) go back in one
 * kmem_cache_free_bulk() after the lock is dropped (struct fl_obj_stash).
 */
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "fl_batch.h"

/* Every batch element the ioctls know, to bound the element size. */
union fl_batch_elem {
	struct fraglab_alloc alloc;
	struct fraglab_handle handle;
	struct fraglab_obj obj;
	struct fraglab_pool_alloc pool;
};

/* The three headers must stay layout-identical to struct fraglab_batch. */
#define FL_BATCH_SAME_FIELD(type, f)					\
	static_assert(offsetof(struct type, f) ==			\
		      offsetof(struct fraglab_batch, f))
static_assert(sizeof(struct fraglab_obj_batch) == sizeof(struct fraglab_batch));
FL_BATCH_SAME_FIELD(fraglab_obj_batch, ptr);
FL_BATCH_SAME_FIELD(fraglab_obj_batch, count);
FL_BATCH_SAME_FIELD(fraglab_obj_batch, op);
FL_BATCH_SAME_FIELD(fraglab_obj_batch, done);
FL_BATCH_SAME_FIELD(fraglab_obj_batch, pad);
FL_BATCH_SAME_FIELD(fraglab_obj_batch, reserved);
static_assert(sizeof(struct fraglab_pool_batch) == sizeof(struct fraglab_batch));
FL_BATCH_SAME_FIELD(fraglab_pool_batch, ptr);
FL_BATCH_SAME_FIELD(fraglab_pool_batch, count);
FL_BATCH_SAME_FIELD(fraglab_pool_batch, op);
FL_BATCH_SAME_FIELD(fraglab_pool_batch, done);
FL_BATCH_SAME_FIELD(fraglab_pool_batch, pad);
FL_BATCH_SAME_FIELD(fraglab_pool_batch, reserved);

/* ALLOC = 1 and FREE = 2 in all three op namespaces. */
static_assert(FRAGLAB_BATCH_ALLOC == 1 && FRAGLAB_BATCH_FREE == 2);
static_assert(FRAGLAB_OBJ_BATCH_ALLOC == 1 && FRAGLAB_OBJ_BATCH_FREE == 2);
static_assert(FRAGLAB_POOL_BATCH_ALLOC == 1 && FRAGLAB_POOL_BATCH_FREE == 2);

static int fl_batch_check(const struct fraglab_batch *b)
{
	if (b->pad || b->done || !fl_mem_is_zero(b->reserved, sizeof(b->reserved)))
		return -EINVAL;
	if (!b->count || b->count > FRAGLAB_BATCH_MAX)
		return -EINVAL;
	if (b->op != FRAGLAB_BATCH_ALLOC && b->op != FRAGLAB_BATCH_FREE)
		return -EINVAL;
	return 0;
}

/* Read up to @n elements from @u; return how many whole ones were read. */
static u32 fl_copy_elems_in(void *buf, const u8 __user *u, u32 n,
			    size_t elem_size)
{
	size_t left = copy_from_user(buf, u, (size_t)n * elem_size);

	return n - DIV_ROUND_UP(left, elem_size);
}

/**
 * fl_copy_elems_out() - write an array of result elements to userspace.
 * @uptr: user address of the array (a u64 of the UAPI).
 * @buf: @n elements of @elem_size bytes.
 * @n: elements to write.
 * @elem_size: bytes of one element.
 *
 * The one copy-out of element arrays (batches, FRAGLAB_IOC_PAGE_INFO).
 *
 * Context: process context, fl_dev.lock NOT held; may fault and sleep.
 * Return: how many whole elements were written (@n unless it faulted).
 */
u32 fl_copy_elems_out(u64 uptr, const void *buf, u32 n, size_t elem_size)
{
	size_t left = copy_to_user(u64_to_user_ptr(uptr), buf,
				   (size_t)n * elem_size);

	return n - DIV_ROUND_UP(left, elem_size);
}

/*
 * Run up to @n elements of @buf under fl_dev.lock, stopping after the first
 * failure.  Return: how many ran (the failed one included); *err is 0 or
 * the failed element's errno.
 */
static u32 fl_batch_run_chunk(struct fl_file *ff, u8 *buf, u32 n,
			      const struct fl_batch_op *op,
			      struct fl_obj_stash *st, int *err)
{
	u32 ran;

	mutex_lock(&fl_dev.lock);
	ran = op->run_chunk(ff, buf, n, st, err);
	mutex_unlock(&fl_dev.lock);
	return ran;
}

/*
 * The chunk's results are out up to element @written: unpin the objects
 * of those elements, and undo those of the successful elements after it
 * (st->made[] holds one object per successful element, in order).
 */
static void fl_batch_settle(struct fl_obj_stash *st, u32 written)
{
	u32 i, keep = min(written, st->nr_made);

	for (i = 0; i < keep; i++)
		fl_obj_unpin(st->made[i]);
	if (keep < st->nr_made)
		fl_obj_undo(st->made + keep, st->nr_made - keep);
	st->nr_made = 0;
}

/*
 * The elements go through a kernel buffer FL_BATCH_CHUNK at a time: user
 * memory is read before fl_dev.lock is taken and written after it is
 * dropped.  Touching user memory under the lock would invert the lock
 * order (fl_mmap() and the fault handler take fl_dev.lock under mmap_lock)
 * and self-deadlock outright when the array lives in a fraglab mapping
 * that is not faulted in yet.  A fault part-way through a chunk keeps the
 * contract of the element-by-element loop: what was read runs, what could
 * not be written back is undone.
 */
static int fl_batch_run(struct fl_file *ff, u64 uptr, u32 count,
			const struct fl_batch_op *op, u32 *done)
{
	size_t es = op->elem_size;
	struct fl_obj_stash *st;
	u32 n, ran, written;
	int ret = 0;
	u8 *buf;

	*done = 0;
	buf = kmalloc_array(FL_BATCH_CHUNK, es, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		kfree(buf);
		return -ENOMEM;
	}
	st->nr_made = 0;
	while (*done < count) {
		u64 uc = uptr + (u64)*done * es;

		n = min_t(u32, count - *done, FL_BATCH_CHUNK);
		n = fl_copy_elems_in(buf, u64_to_user_ptr(uc), n, es);
		if (!n) {
			ret = -EFAULT;
			break;
		}
		fl_obj_stash_fill(st, op->new_objs ? n : 0);
		ran = fl_batch_run_chunk(ff, buf, n, op, st, &ret);
		fl_obj_stash_drain(st);
		written = fl_copy_elems_out(uc, buf, ran, es);
		fl_batch_settle(st, written);
		if (written < ran) {
			*done += written;
			ret = -EFAULT;
			break;
		}
		*done += ret ? ran - 1 : ran;
		if (ret)
			break;
		cond_resched();
	}
	kfree(st);
	kfree(buf);
	return ret;
}

/**
 * fl_batch_ioctl() - run one batch ioctl.
 * @ff: the calling fd.
 * @b: kernel copy of the batch header (struct fraglab_batch layout); the
 *     dispatcher copies it back with ->done filled in (a bad header goes
 *     back unchanged).
 * @ops: the allocator's element handlers; @ops[0] for ALLOC, @ops[1] for
 *       FREE.
 *
 * Context: process context, fl_dev.lock not held (taken per chunk); may
 * sleep.
 * Return: 0 when every element succeeded, -EINVAL for a bad header, the
 * first failing element's errno, or -EFAULT.
 */
long fl_batch_ioctl(struct fl_file *ff, struct fraglab_batch *b,
		    const struct fl_batch_op ops[2])
{
	const struct fl_batch_op *op;
	int ret;

	ret = fl_batch_check(b);
	if (ret)
		return ret;
	op = &ops[b->op - 1];
	if (WARN_ON_ONCE(op->elem_size > sizeof(union fl_batch_elem) ||
			 op->result_off + sizeof(s32) > op->elem_size))
		return -EINVAL;
	return fl_batch_run(ff, b->ptr, b->count, op, &b->done);
}
