/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_compact_dev.h - compaction's glue (fl_compact_dev.c): ioctls 0x30-0x3f,
 * debugfs "compaction" and "hugepages_arena", proactive compaction
 */
#ifndef FL_COMPACT_DEV_H
#define FL_COMPACT_DEV_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_compact_subsys;

fl_ioctl_t fl_ioc_compact, fl_ioc_hugepages_arena;
int fl_compact_arena_predict(u32 policy, struct fraglab_hugepages_arena *out);

#endif /* FL_COMPACT_DEV_H */
