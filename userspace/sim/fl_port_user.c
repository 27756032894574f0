// SPDX-License-Identifier: GPL-2.0
/*
 * fl_port_user.c - userspace implementation of what fl_port.h declares.
 *
 * Fault injection: the tests' schedules configure the core's own
 * fl_fail_meta attribute (fl_fault.c), which fl_zalloc() consults through
 * fl_should_fail_alloc() exactly as in the module.  It is locked, so a
 * schedule works across threads (the exact call that fails is then
 * whichever thread gets there first).
 *
 * CPUs: fl_cpu_id() gives each thread a small id (assigned on first use,
 * in creation order) modulo fl_nr_cpus(), so per-CPU caches in the core
 * are exercised by threads the way they are by CPUs in the kernel.
 */
#include <unistd.h>

#include "fl_fault.h"
#include "fl_port_user.h"

unsigned long fl_warn_count;
unsigned long fl_zalloc_account_calls;

/* The schedules below are settings of the core's fl_fail_meta (fl_fault.c). */
void fl_fail_reset(void)
{
	fl_fault_set(&fl_fail_meta, 0, 1, 0);
}

void fl_fail_after(unsigned long n)
{
	fl_fault_set(&fl_fail_meta, n, 1, -1);
}

void fl_fail_nth(unsigned long n)
{
	fl_fault_set(&fl_fail_meta, n, 1, 1);
}

void fl_fail_every(unsigned long n)
{
	fl_fault_set(&fl_fail_meta, 0, n ? n : 1, -1);
}

unsigned long fl_fail_injected(void)
{
	return fl_fault_injected(&fl_fail_meta);
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
