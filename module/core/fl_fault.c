// SPDX-License-Identifier: GPL-2.0
/*
 * fl_fault.c - fault injection for the core's metadata allocations
 * (fl_fault.h): one struct fl_fault_attr per failure site, consulted the
 * way the kernel's should_fail_ex() consults a struct fault_attr.
 */
#include "fl_fault.h"

struct fl_fault_attr fl_fail_meta = FL_FAULT_ATTR_INIT(fl_fail_meta);

/* xorshift32 (Marsaglia 2003): enough to spread @probability's failures. */
static u32 fl_fault_random(struct fl_fault_attr *attr)
{
	u32 x = attr->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	attr->rnd = x;
	return x;
}

/**
 * fl_should_fail() - must this call of a failure site fail?
 * @attr: the site's attribute.
 *
 * The checks of should_fail_ex() (lib/fault-inject.c, 6.12) in its order:
 * @times, then @space, then @interval, then @probability; a failure uses
 * up one of @times unless it is -1.  Off (@times 0) costs one load.
 *
 * Context: any context that may take a spinlock.
 * Return: true if the caller must fail.
 */
bool fl_should_fail(struct fl_fault_attr *attr)
{
	bool fail = false;

	if (!fl_read_once(attr->times))
		return false;
	fl_lock(&attr->lock);
	if (!attr->times || !attr->probability)
		goto out;
	if (attr->space) {
		attr->space--;
		goto out;
	}
	if (attr->interval > 1 && ++attr->count % attr->interval)
		goto out;
	if (attr->probability < 100 &&
	    attr->probability <= fl_fault_random(attr) % 100)
		goto out;
	if (attr->times != -1)
		fl_write_once(attr->times, attr->times - 1);
	attr->injected++;
	fail = true;
out:
	fl_unlock(&attr->lock);
	return fail;
}

/**
 * fl_fault_set() - arm or disarm a failure site.
 * @attr: the site's attribute.
 * @space: calls that succeed first.
 * @interval: then every @interval-th call fails (0 or 1: each).
 * @times: failures in all; -1: no limit; 0: off.
 *
 * Counting starts at this call; @probability is left as it is (100 unless
 * the embedder changed it).
 *
 * Context: any context that may take a spinlock.
 */
void fl_fault_set(struct fl_fault_attr *attr, unsigned long space,
		  u32 interval, long times)
{
	fl_lock(&attr->lock);
	attr->space = space;
	attr->interval = interval;
	attr->count = 0;
	fl_write_once(attr->times, times);
	fl_unlock(&attr->lock);
}

/**
 * fl_should_fail_alloc() - the fault-injection hook of fl_zalloc().
 *
 * Context: any context that may take a spinlock.
 * Return: true if this metadata allocation must fail (fl_fail_meta).
 */
bool fl_should_fail_alloc(void)
{
	return fl_should_fail(&fl_fail_meta);
}

/**
 * fl_fault_injected() - failures @attr injected so far.
 * @attr: the site's attribute.
 *
 * Context: any context that may take a spinlock.
 * Return: the count.
 */
unsigned long fl_fault_injected(struct fl_fault_attr *attr)
{
	unsigned long n;

	fl_lock(&attr->lock);
	n = attr->injected;
	fl_unlock(&attr->lock);
	return n;
}
