/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_fault.h - fault injection for the core's metadata allocations.
 *
 * The core consults an attribute, whoever embeds the core configures it:
 * the module from debugfs "fail_meta_alloc" and the selftest_fail_meta
 * parameter, the userspace tests through fl_port_user.h.  The fields and
 * their order of evaluation are those of the kernel's struct fault_attr
 * (should_fail_ex(), lib/fault-inject.c, 6.12; mm/failslab.c is its slab
 * user).  One difference: the kernel's space counts bytes and lets an
 * allocation of size bytes through while more than size is left, so its
 * space = N + 1 passes N one-byte calls; here @space counts calls, and
 * @space = N passes N of them.
 */
#ifndef FL_FAULT_H
#define FL_FAULT_H

#include "fl_port.h"

/**
 * struct fl_fault_attr - when fl_should_fail() says "fail".
 * @lock: serialises every field below.
 * @probability: percent of the eligible calls that fail (0 = none).
 * @interval: of the calls past @space, every @interval-th is eligible
 *            (0 or 1: each).
 * @times: failures left; -1: no limit; 0: fault injection is off.
 * @space: calls that succeed before any may fail (counted down).
 * @count: calls past @space so far (the @interval counter).
 * @rnd: xorshift32 state for @probability (never 0).
 * @injected: failures injected since the attribute was defined.
 */
struct fl_fault_attr {
	fl_lock_t lock;
	u32 probability;
	u32 interval;
	long times;
	unsigned long space;
	unsigned long count;
	u32 rnd;
	unsigned long injected;
};

#define FL_FAULT_ATTR_INIT(name) {					\
	.lock = FL_LOCK_INITIALIZER((name).lock),			\
	.probability = 100, .interval = 1, .rnd = 0x2545f491,		\
}

/* Metadata allocations: fl_zalloc() consults it (fl_should_fail_alloc()). */
extern struct fl_fault_attr fl_fail_meta;

bool fl_should_fail(struct fl_fault_attr *attr);
void fl_fault_set(struct fl_fault_attr *attr, unsigned long space,
		  u32 interval, long times);
unsigned long fl_fault_injected(struct fl_fault_attr *attr);

#endif /* FL_FAULT_H */
