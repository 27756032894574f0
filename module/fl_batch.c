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
 *   - the elements are processed in order under fl_dev.lock; each element
 *     is copied in, run, and written back with its ->result filled in;
 *   - processing stops at the first failing element, whose errno is the
 *     ioctl's return value; ->done says how many elements were processed
 *     before it;
 *   - an element whose result cannot be written back (-EFAULT) is undone
 *     (an allocation nobody learned the handle of would otherwise live on
 *     until close).
 *
 * Each allocator's glue describes its element with a struct fl_batch_op
 * per op and calls fl_batch_ioctl().
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "fl_internal.h"

/* Every batch element the ioctls know, to size the bounce buffer. */
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

static int fl_batch_run(struct fl_file *ff, u8 __user *u, u32 count,
			const struct fl_batch_op *op, u32 *done)
{
	union fl_batch_elem e;
	s32 result;
	int ret;

	for (*done = 0; *done < count; (*done)++, u += op->elem_size) {
		if (copy_from_user(&e, u, op->elem_size))
			return -EFAULT;
		ret = op->run(ff, &e);
		result = ret;
		memcpy((u8 *)&e + op->result_off, &result, sizeof(result));
		if (copy_to_user(u, &e, op->elem_size)) {
			if (!ret && op->undo)
				op->undo(ff, &e);
			return -EFAULT;
		}
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/**
 * fl_batch_ioctl() - run one batch ioctl.
 * @ff: the calling fd.
 * @uarg: user pointer to the batch header (struct fraglab_batch layout).
 * @ops: the allocator's element handlers; @ops[0] for ALLOC, @ops[1] for
 *       FREE.
 *
 * Context: process context, fl_dev.lock not held (taken here); may sleep.
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

	mutex_lock(&fl_dev.lock);
	ret = fl_batch_run(ff, u64_to_user_ptr(b.ptr), b.count, op, &b.done);
	mutex_unlock(&fl_dev.lock);

	if (copy_to_user(uarg, &b, sizeof(b)))
		return -EFAULT;
	return ret;
}
