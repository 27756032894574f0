/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_pool_dev.h - fit pools' glue (fl_pool_dev.c): ioctls 0x20-0x2f, debugfs
 * "pools/<id>/"
 */
#ifndef FL_POOL_DEV_H
#define FL_POOL_DEV_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_pool_subsys;

fl_ioctl_t fl_ioc_pool_create, fl_ioc_pool_destroy, fl_ioc_pool_set_strategy,
	fl_ioc_pool_alloc, fl_ioc_pool_free, fl_ioc_pool_batch,
	fl_ioc_pool_info, fl_ioc_pool_compact;

#endif /* FL_POOL_DEV_H */
