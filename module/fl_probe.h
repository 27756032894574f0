/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_probe.h - HugePage probes (fl_probe.c): ioctls 0x40-0x4f, debugfs
 * "hugepages"
 */
#ifndef FL_PROBE_H
#define FL_PROBE_H

#include "fl_subsys.h"

extern const struct fl_subsys fl_probe_subsys;

fl_ioctl_t fl_ioc_probe_system;

#endif /* FL_PROBE_H */
