/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_util.h - power-of-two and alignment helpers of the portable core.
 *
 * The core must not include <linux/log2.h> or <linux/align.h> (it builds
 * unchanged in userspace, see fl_port.h), so the few helpers it needs are
 * written here once, with the kernel's names and meaning.
 */
#ifndef FL_UTIL_H
#define FL_UTIL_H

#include "fl_port.h"

/**
 * fl_is_pow2() - is_power_of_2().
 * @x: value.
 *
 * Context: any.
 * Return: true if @x is a non-zero power of two.
 */
static inline bool fl_is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

/**
 * fl_align_up() - ALIGN(): round up to a power-of-two boundary.
 * @x: value.
 * @a: a power of two.
 *
 * Context: any.
 * Return: the smallest multiple of @a that is >= @x.
 */
static inline u64 fl_align_up(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

/**
 * fl_fls() - fls(): position of the most significant set bit.
 * @x: value.
 *
 * Context: any.
 * Return: 0 for 0, else 1 + the index of the highest set bit (fls(1) = 1).
 */
static inline u32 fl_fls(u32 x)
{
	return x ? 32 - (u32)__builtin_clz(x) : 0;
}

/**
 * fl_ilog2() - ilog2() of a 32-bit value.
 * @x: value.
 *
 * Context: any.
 * Return: floor(log2(@x)), 0 for 0.
 */
static inline u32 fl_ilog2(u32 x)
{
	return x ? fl_fls(x) - 1 : 0;
}

/**
 * fl_get_order() - get_order(): the page order that holds @bytes.
 * @bytes: size in bytes.
 *
 * Context: any.
 * Return: the smallest order with (FL_PAGE_SIZE << order) >= @bytes
 * (0 for @bytes <= FL_PAGE_SIZE).
 */
static inline u32 fl_get_order(u64 bytes)
{
	u32 order = 0;

	while (((u64)FL_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

#endif /* FL_UTIL_H */
