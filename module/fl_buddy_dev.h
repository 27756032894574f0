/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_buddy_dev.h - the buddy allocator's glue (fl_buddy_dev.c): ioctls 0x01-0x04
 * (the others of 0x00-0x0f are the device's own, fl_dev.c) and its debugfs
 * files in the kernel's formats
 */
#ifndef FL_BUDDY_DEV_H
#define FL_BUDDY_DEV_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_buddy_subsys;

fl_ioctl_t fl_ioc_alloc, fl_ioc_free, fl_ioc_query, fl_ioc_batch;

#endif /* FL_BUDDY_DEV_H */
