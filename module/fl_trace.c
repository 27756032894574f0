// SPDX-License-Identifier: GPL-2.0
/*
 * fl_trace.c - instantiate fraglab's tracepoints (module/core/fl_trace.h).
 *
 * The events are declared next to the core that fires them; this is the
 * one translation unit that defines them.  FL_PAGEBLOCK_ORDER, used in an
 * event's output format, comes from the buddy's header.
 */
#include "fl_buddy.h"

#define CREATE_TRACE_POINTS
#include "fl_trace.h"
