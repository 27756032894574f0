/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_map_dev.h - the arena map, page by page (fl_map_dev.c): ioctls 0x60-0x6f
 */
#ifndef FL_MAP_DEV_H
#define FL_MAP_DEV_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_map_subsys;

fl_ioctl_t fl_ioc_page_info;

#endif /* FL_MAP_DEV_H */
