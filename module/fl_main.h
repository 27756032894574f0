/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_main.h - the load-time module parameters (fl_main.c).
 */
#ifndef FL_MAIN_H
#define FL_MAIN_H

#include <linux/types.h>

extern unsigned int fl_param_arena_mb;
extern unsigned int fl_param_max_order;
extern bool fl_param_group_by_mobility;

#endif /* FL_MAIN_H */
