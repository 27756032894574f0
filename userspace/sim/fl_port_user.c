// SPDX-License-Identifier: GPL-2.0
/*
 * fl_port_user.c - userspace implementation of what fl_port.h declares.
 *
 * Fault injection: a schedule (mode + counter) decides whether each
 * fl_should_fail_alloc() call fails.  Counters are atomics, so the
 * schedule works across threads (the exact call that fails is then
 * whichever thread gets there first).
 *
 * CPUs: fl_cpu_id() gives each thread a small id (assigned on first use,
 * in creation order) modulo fl_nr_cpus(), so per-CPU caches in the core
 * are exercised by threads the way they are by CPUs in the kernel.
 */
#include <unistd.h>

#include "fl_port.h"
#include "fl_port_user.h"

unsigned long fl_warn_count;

enum fl_fail_mode {
	FL_FAIL_NEVER = 0,
	FL_FAIL_AFTER,
	FL_FAIL_NTH,
	FL_FAIL_EVERY,
};

static int fl_fail_mode;
static unsigned long fl_fail_n;
static unsigned long fl_fail_seen;	/* calls since the schedule was set */
static unsigned long fl_fail_total_calls;
static unsigned long fl_fail_total_injected;

static void fl_fail_set(int mode, unsigned long n)
{
	__atomic_store_n(&fl_fail_seen, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fl_fail_n, n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fl_fail_mode, mode, __ATOMIC_SEQ_CST);
}

void fl_fail_reset(void)
{
	fl_fail_set(FL_FAIL_NEVER, 0);
}

void fl_fail_after(unsigned long n)
{
	fl_fail_set(FL_FAIL_AFTER, n);
}

void fl_fail_nth(unsigned long n)
{
	fl_fail_set(FL_FAIL_NTH, n);
}

void fl_fail_every(unsigned long n)
{
	fl_fail_set(FL_FAIL_EVERY, n ? n : 1);
}

unsigned long fl_fail_calls(void)
{
	return __atomic_load_n(&fl_fail_total_calls, __ATOMIC_RELAXED);
}

unsigned long fl_fail_injected(void)
{
	return __atomic_load_n(&fl_fail_total_injected, __ATOMIC_RELAXED);
}

bool fl_should_fail_alloc(void)
{
	int mode = __atomic_load_n(&fl_fail_mode, __ATOMIC_SEQ_CST);
	unsigned long n = __atomic_load_n(&fl_fail_n, __ATOMIC_SEQ_CST);
	unsigned long k;
	bool fail = false;

	__atomic_add_fetch(&fl_fail_total_calls, 1, __ATOMIC_RELAXED);
	if (mode == FL_FAIL_NEVER)
		return false;
	k = __atomic_fetch_add(&fl_fail_seen, 1, __ATOMIC_SEQ_CST);
	switch (mode) {
	case FL_FAIL_AFTER:
		fail = k >= n;
		break;
	case FL_FAIL_NTH:
		fail = k == n;
		break;
	case FL_FAIL_EVERY:
		fail = (k + 1) % n == 0;
		break;
	}
	if (fail)
		__atomic_add_fetch(&fl_fail_total_injected, 1, __ATOMIC_RELAXED);
	return fail;
}

static unsigned int fl_cpus_override;
static unsigned int fl_cpus_online;
static unsigned int fl_next_thread_id;
static __thread unsigned int fl_thread_id;	/* 0 = not assigned yet */

void fl_set_nr_cpus(unsigned int n)
{
	__atomic_store_n(&fl_cpus_override, n, __ATOMIC_RELAXED);
}

unsigned int fl_nr_cpus(void)
{
	unsigned int n = __atomic_load_n(&fl_cpus_override, __ATOMIC_RELAXED);
	long online;

	if (n)
		return n;
	n = __atomic_load_n(&fl_cpus_online, __ATOMIC_RELAXED);
	if (n)
		return n;
	online = sysconf(_SC_NPROCESSORS_ONLN);
	n = online > 0 ? (unsigned int)online : 1;
	__atomic_store_n(&fl_cpus_online, n, __ATOMIC_RELAXED);
	return n;
}

unsigned int fl_cpu_id(void)
{
	if (!fl_thread_id)
		fl_thread_id = __atomic_add_fetch(&fl_next_thread_id, 1,
						  __ATOMIC_RELAXED);
	return (fl_thread_id - 1) % fl_nr_cpus();
}
