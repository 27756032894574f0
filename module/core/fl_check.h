/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_check.h - how the invariant checkers (buddy, slab, fit) report.
 */
#ifndef FL_CHECK_H
#define FL_CHECK_H

#include "fl_port.h"

int fl_check_fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* FL_CHECK_H */
