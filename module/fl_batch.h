/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_batch.h - batch ioctls, chunk by chunk through a kernel buffer
 * (fl_batch.c).
 */
#ifndef FL_BATCH_H
#define FL_BATCH_H

#include "fl_dev.h"

/**
 * struct fl_batch_op - one op (ALLOC or FREE) of a batch ioctl (fl_batch.c).
 * @elem_size: bytes of one user array element.
 * @result_off: offset of the element's __s32 result field.
 * @new_objs: each element may create one struct fl_obj (allocations):
 *            the chunk's objects are allocated in bulk beforehand, and
 *            each element that succeeds pins its object in the stash's
 *            @made array (fl_obj_pin()), so one whose result cannot be
 *            written back is undone by fl_obj_undo().
 * @run_chunk: process up to @n elements of @buf in place (fl_dev.lock
 *             held), stopping after the first failure; a wrapper around
 *             fl_batch_loop().  Return: how many ran, the failed one
 *             included; *@err is 0 or its errno.  Objects come from and go
 *             to @st (fl_obj_new(), fl_obj_put()).
 */
struct fl_batch_op {
	size_t elem_size;
	size_t result_off;
	bool new_objs;
	u32 (*run_chunk)(struct fl_file *ff, void *buf, u32 n,
			 struct fl_obj_stash *st, int *err);
};

/**
 * fl_batch_loop() - the body of a batch op's chunk runner.
 * @ff: the calling fd.
 * @buf: @n elements of @elem_size bytes.
 * @n: elements to run.
 * @elem_size: bytes of one element.
 * @result_off: offset of the element's __s32 result field.
 * @run: one element, 0 or -errno.
 * @st: the chunk's object stash.
 * @err: out: 0, or the errno of the element that failed.
 *
 * Each op's ->run_chunk is a one-line wrapper around this with constant
 * arguments, so @run becomes a direct call the compiler can inline: an
 * indirect call per element would be a retpoline on the kernels of the
 * test matrix.
 *
 * Context: fl_dev.lock held.
 * Return: how many elements ran, the failed one included.
 */
static __always_inline u32
fl_batch_loop(struct fl_file *ff, void *buf, u32 n, size_t elem_size,
	      size_t result_off,
	      int (*run)(struct fl_file *ff, void *elem,
			 struct fl_obj_stash *st),
	      struct fl_obj_stash *st, int *err)
{
	u8 *e = buf;
	s32 result;
	u32 i;

	*err = 0;
	for (i = 0; i < n && !*err; i++, e += elem_size) {
		*err = run(ff, e, st);
		result = *err;
		memcpy(e + result_off, &result, sizeof(result));
	}
	return i;
}

long fl_batch_ioctl(struct fl_file *ff, struct fraglab_batch *b,
		    const struct fl_batch_op ops[2]);
u32 fl_copy_elems_out(u64 uptr, const void *buf, u32 n, size_t elem_size);

#endif /* FL_BATCH_H */
