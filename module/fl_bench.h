/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_bench.h - in-kernel benchmarks (fl_bench.c): ioctls 0x50-0x5f
 */
#ifndef FL_BENCH_H
#define FL_BENCH_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_bench_subsys;

fl_ioctl_t fl_ioc_bench;

#endif /* FL_BENCH_H */
