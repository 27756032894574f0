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
 *     until close).
 *
 * Each allocator's glue describes its element with a struct fl_batch_op
 * per op, its chunk loop written out with fl_batch_loop() (one indirect
 * call per chunk, none per element), and calls fl_batch_ioctl().
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

#include "fl_internal.h"

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

/* Elements move in and out as 64-bit words (fl_batch_copy_in/out()). */
static_assert(sizeof(struct fraglab_alloc) % sizeof(u64) == 0);
static_assert(sizeof(struct fraglab_handle) % sizeof(u64) == 0);
static_assert(sizeof(struct fraglab_obj) % sizeof(u64) == 0);
static_assert(sizeof(struct fraglab_pool_alloc) % sizeof(u64) == 0);

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

static s32 fl_batch_result(const struct fl_batch_op *op, const u8 *elem)
{
	s32 result;

	memcpy(&result, elem + op->result_off, sizeof(result));
	return result;
}

/*
 * Copy @len bytes (a multiple of 8) of elements in, as 64-bit words in
 * one user-access window.  Same result as copy_from_user(), which is
 * what this replaces: the bytes not copied (the buffer's tail is then
 * undefined; the caller uses whole elements only).  Why not
 * copy_from_user(): for more than 64 bytes it is "rep movsb", which
 * qemu's TCG (the box, benchmarks included) runs one byte per
 * emulated loop iteration: half of a batched element's cost was the
 * copy.  On hardware both are a few cycles per word.
 */
static size_t fl_batch_copy_in(void *dst, const void __user *src,
			       size_t len)
{
	const u64 __user *s = src;
	size_t i, words = len / sizeof(u64);
	u64 *d = dst;

	might_fault();
	if (!user_read_access_begin(src, len))
		return len;
	for (i = 0; i < words; i++)
		unsafe_get_user(d[i], &s[i], fault);
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return len - i * sizeof(u64);
}

/* The same for copying elements out (as copy_to_user()). */
static size_t fl_batch_copy_out(void __user *dst, const void *src,
				size_t len)
{
	size_t i, words = len / sizeof(u64);
	u64 __user *d = dst;
	const u64 *s = src;

	might_fault();
	if (!user_write_access_begin(dst, len))
		return len;
	for (i = 0; i < words; i++)
		unsafe_put_user(s[i], &d[i], fault);
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return len - i * sizeof(u64);
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

/* Undo the successful elements [@from, @to) of @buf: their results are lost. */
static void fl_batch_undo(struct fl_file *ff, u8 *buf, u32 from, u32 to,
			  const struct fl_batch_op *op)
{
	u32 i;

	if (!op->undo)
		return;
	mutex_lock(&fl_dev.lock);
	for (i = from; i < to; i++) {
		u8 *e = buf + (size_t)i * op->elem_size;

		if (!fl_batch_result(op, e))
			op->undo(ff, e);
	}
	mutex_unlock(&fl_dev.lock);
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
static int fl_batch_run(struct fl_file *ff, u8 __user *u, u32 count,
			const struct fl_batch_op *op, u32 *done)
{
	size_t es = op->elem_size;
	struct fl_obj_stash *st;
	u32 n, ran, written;
	size_t left;
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
	while (*done < count) {
		u8 __user *uc = u + (size_t)*done * es;

		n = min_t(u32, count - *done, FL_BATCH_CHUNK);
		left = fl_batch_copy_in(buf, uc, n * es);
		n -= DIV_ROUND_UP(left, es);	/* whole elements read */
		if (!n) {
			ret = -EFAULT;
			break;
		}
		fl_obj_stash_fill(st, op->new_objs ? n : 0);
		ran = fl_batch_run_chunk(ff, buf, n, op, st, &ret);
		fl_obj_stash_drain(st);
		left = fl_batch_copy_out(uc, buf, ran * es);
		written = ran - DIV_ROUND_UP(left, es);
		if (written < ran) {
			fl_batch_undo(ff, buf, written, ran, op);
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
 * @uarg: user pointer to the batch header (struct fraglab_batch layout).
 * @ops: the allocator's element handlers; @ops[0] for ALLOC, @ops[1] for
 *       FREE.
 *
 * Context: process context, fl_dev.lock not held (taken per chunk); may
 * sleep.
 * Return: 0 when every element succeeded, -EINVAL for a bad header, the
 * first failing element's errno, or -EFAULT; the header's ->done is
 * written back in every case but a bad header.
 */
long fl_batch_ioctl(struct fl_file *ff, void __user *uarg,
		    const struct fl_batch_op ops[2])
{
	const struct fl_batch_op *op;
	struct fraglab_batch b;
	int ret;

	ret = fl_copy_in(&b, uarg, sizeof(b));
	if (ret)
		return ret;
	ret = fl_batch_check(&b);
	if (ret)
		return ret;
	op = &ops[b.op - 1];
	if (WARN_ON_ONCE(op->elem_size > sizeof(union fl_batch_elem) ||
			 op->result_off + sizeof(s32) > op->elem_size))
		return -EINVAL;

	ret = fl_batch_run(ff, u64_to_user_ptr(b.ptr), b.count, op, &b.done);

	if (copy_to_user(uarg, &b, sizeof(b)))
		return -EFAULT;
	return ret;
}
