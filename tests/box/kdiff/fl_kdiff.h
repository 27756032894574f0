/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_kdiff.h - what 01-kdiff writes to fl_kdiff.ko's debugfs "run" file.
 *
 * The test writes an array of struct fl_kdiff_op in one write(); the
 * module runs them on the quiet NUMA node and the read side of the same
 * file returns the text described in fl_kdiff.c.
 */
#ifndef FL_KDIFF_H
#define FL_KDIFF_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint8_t __u8;
typedef uint32_t __u32;
#endif

#define FL_KDIFF_ALLOC		1
#define FL_KDIFF_FREE		2
#define FL_KDIFF_MAX_OPS	4096
#define FL_KDIFF_MAX_SLOTS	4096

/**
 * struct fl_kdiff_op - one step of a sequence.
 * @op: FL_KDIFF_ALLOC or FL_KDIFF_FREE.
 * @order: allocation order (ALLOC).
 * @mt: migrate type of the allocation: 0 unmovable, 1 movable,
 *      2 reclaimable, as enum migratetype (ALLOC).
 * @pad: zero.
 * @slot: the allocation's name, < FL_KDIFF_MAX_SLOTS; a FREE frees the
 *        block last allocated into @slot.
 */
struct fl_kdiff_op {
	__u8 op;
	__u8 order;
	__u8 mt;
	__u8 pad;
	__u32 slot;
};

#endif /* FL_KDIFF_H */
