/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_slab_dev.h - slab caches' glue (fl_slab_dev.c): ioctls 0x10-0x1f, debugfs
 * "slabinfo" and "slabs/"
 */
#ifndef FL_SLAB_DEV_H
#define FL_SLAB_DEV_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_slab_subsys;

fl_ioctl_t fl_ioc_cache_create, fl_ioc_cache_destroy, fl_ioc_cache_shrink,
	fl_ioc_obj_alloc, fl_ioc_obj_free, fl_ioc_obj_batch, fl_ioc_cache_info;

#endif /* FL_SLAB_DEV_H */
