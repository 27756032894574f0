/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_port_user.h - userspace-only controls of the fl_port.h primitives
 * (fault injection, CPU count), for tests/unit, fragctl --sim and bench.
 */
#ifndef FL_PORT_USER_H
#define FL_PORT_USER_H

#include "fl_port.h"

/*
 * Fault injection for fl_zalloc() (through fl_should_fail_alloc()): each
 * schedule is a setting of the core's fl_fail_meta (fl_fault.h).  Only the
 * most recent schedule is active.  Counting starts at the call.
 */
void fl_fail_reset(void);		/* never fail (the default) */
void fl_fail_after(unsigned long n);	/* n calls succeed, then all fail */
void fl_fail_nth(unsigned long n);	/* only call number n (0-based) fails */
void fl_fail_every(unsigned long n);	/* calls n-1, 2n-1, ... fail (n >= 1) */
unsigned long fl_fail_injected(void);	/* failures injected so far */

/* fl_nr_cpus(): online CPUs unless overridden (0 = back to online CPUs). */
void fl_set_nr_cpus(unsigned int n);

#endif /* FL_PORT_USER_H */
