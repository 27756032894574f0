/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_port.h - the one header the portable core includes.
 *
 * The allocators in module/core/ (buddy, slab, fit pools, compaction,
 * metrics) are plain C.  They never include a kernel or libc header
 * directly; they include this file, which maps a very small set of
 * primitives either onto <linux/...> (module build, __KERNEL__ defined)
 * or onto libc + pthreads (tests/unit, fragctl --sim, benchmarks).  The
 * model is tools/testing/{vma,radix-tree,memblock} in the kernel tree.
 *
 * What the core may use, and nothing else:
 *   u8/u16/u32/u64/s32/s64, bool, size_t, NULL
 *   FL_PAGE_SHIFT / FL_PAGE_SIZE
 *   fl_zalloc(bytes) / fl_free(ptr)     metadata allocation (never the arena)
 *   fl_zalloc_account(bytes)            the same, memcg-charged to the caller
 *   fl_lock_t, fl_lock_init/fl_lock/fl_unlock/fl_lock_destroy,
 *   FL_LOCK_INITIALIZER(lock)           a statically initialised fl_lock_t
 *   fl_warn_once(cond)                  WARN_ON_ONCE; returns cond
 *   fl_read_once(x)/fl_write_once(x, v) READ_ONCE/WRITE_ONCE
 *   fl_always_inline, fl_noinline       fast/slow path split
 *   fl_nr_cpus() / fl_cpu_id()          per-CPU caches (per-thread in userspace)
 *   fl_nr_present_cpus()                num_present_cpus() (SLUB's min_objects)
 *   fl_cpu_lock_t, fl_cpu_pin/unpin, fl_cpu_lock/unlock,
 *   fl_cpu_remote_lock/unlock, fl_cpu_for_each
 *                                       per-CPU data with local_lock semantics
 *   fl_memcpy/fl_memset/fl_memcmp/fl_strlen/fl_strscpy
 *   fl_scnprintf                        text output; scnprintf() semantics:
 *                                       returns what was written, not what
 *                                       would have been
 *   fl_vscnprintf                       the same with a va_list (fl_check_fail())
 *   fl_should_fail_alloc()              fault injection for metadata allocs
 *                                       (core/fl_fault.c; the embedder
 *                                       configures struct fl_fault_attr)
 *   fl_ns()                             monotonic nanoseconds
 *   fl_trace(event, args...)            a tracepoint of fl_trace.h (nothing
 *   fl_trace_enabled(event)             in userspace; arguments unevaluated)
 *   struct_group_tagged(TAG, NAME, ...) include/linux/stddef.h: members
 *                                       reachable by name and as struct TAG
 *   errno values (ENOMEM, EINVAL, ...) as negative returns
 */
#ifndef FL_PORT_H
#define FL_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/bug.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/cpu.h>
#include <linux/workqueue.h>

#include "fl_trace.h"

#define FL_PAGE_SHIFT	PAGE_SHIFT
#define FL_PAGE_SIZE	PAGE_SIZE

/*
 * The static-key test inline, the event out of line (fl_trace.h): the
 * arguments are evaluated only when the event is on.  An event that
 * fl_trace.h lists as FL_TRACE_INLINE_<event> fires inline instead.
 */
#define fl_trace(event, ...)						\
	do {								\
		if (__is_defined(FL_TRACE_INLINE_##event))		\
			trace_##event(__VA_ARGS__);			\
		else if (trace_##event##_enabled())			\
			__fl_trace_##event(__VA_ARGS__);		\
	} while (0)
#define fl_trace_enabled(event)		trace_##event##_enabled()

/* Fault injection (fl_fault.c): the module configures it from debugfs. */
bool fl_should_fail_alloc(void);

static inline void *__fl_zalloc(size_t bytes, gfp_t gfp)
{
	if (fl_should_fail_alloc())
		return NULL;
	/* a failure is -ENOMEM to the caller, not a splat in the log */
	return kvzalloc(bytes, gfp | __GFP_NOWARN);
}

/* Module-wide metadata: whoever happens to trigger it does not pay. */
static inline void *fl_zalloc(size_t bytes)
{
	return __fl_zalloc(bytes, GFP_KERNEL);
}

/*
 * Metadata that a caller's own objects need (an fd's slab caches and
 * their per-CPU arrays, its pools' trees): charged to the current task's
 * memory cgroup, as the kernel charges what a process allocates for
 * itself (GFP_KERNEL_ACCOUNT, SLAB_ACCOUNT: e.g. alloc_fdtable()).
 */
static inline void *fl_zalloc_account(size_t bytes)
{
	return __fl_zalloc(bytes, GFP_KERNEL_ACCOUNT);
}

static inline void fl_free(void *p)
{
	kvfree(p);
}

typedef spinlock_t fl_lock_t;
#define FL_LOCK_INITIALIZER(l)	__SPIN_LOCK_UNLOCKED(l)
#define fl_lock_init(l)		spin_lock_init(l)
#define fl_lock(l)		spin_lock(l)
#define fl_unlock(l)		spin_unlock(l)
#define fl_lock_destroy(l)	do { } while (0)

/*
 * Per-CPU data with local_lock semantics (see <linux/local_lock.h>).  The
 * owner does  cpu = fl_cpu_pin(); fl_cpu_lock(&pcpu[cpu].lock); ...
 * fl_cpu_unlock(); fl_cpu_unpin();  Without PREEMPT_RT, disabled
 * preemption is the whole lock (no atomic: the core is never called from
 * interrupts) and fl_cpu_lock() is empty; with PREEMPT_RT the task is
 * pinned with migrate_disable() and a per-CPU spinlock (an rt-mutex, it
 * may sleep) serialises it, exactly as local_lock() does there.
 * Another CPU's data is reached either with fl_cpu_for_each(), which
 * runs @fn on that CPU (work_on_cpu(), preemption disabled; may sleep,
 * process context only) or takes its lock on RT, or for racy reads
 * (statistics, the quiescent checker) with fl_cpu_remote_lock(), which
 * is the per-CPU spinlock on RT and nothing otherwise.
 */
#ifdef CONFIG_PREEMPT_RT
typedef spinlock_t fl_cpu_lock_t;
#define fl_cpu_lock_init(l)	spin_lock_init(l)
static inline unsigned int fl_cpu_pin(void)
{
	migrate_disable();
	return smp_processor_id();
}
#define fl_cpu_unpin()		migrate_enable()
#define fl_cpu_lock(l)		spin_lock(l)
#define fl_cpu_unlock(l)	spin_unlock(l)
#define fl_cpu_remote_lock(l)	spin_lock(l)
#define fl_cpu_remote_unlock(l)	spin_unlock(l)
#else
typedef struct { } fl_cpu_lock_t;
#define fl_cpu_lock_init(l)	((void)(l))
static inline unsigned int fl_cpu_pin(void)
{
	preempt_disable();
	return smp_processor_id();
}
#define fl_cpu_unpin()		preempt_enable()
#define fl_cpu_lock(l)		((void)(l))
#define fl_cpu_unlock(l)	((void)(l))
#define fl_cpu_remote_lock(l)	((void)(l))
#define fl_cpu_remote_unlock(l)	((void)(l))
#endif
#define fl_cpu_lock_destroy(l)	((void)(l))

struct fl_cpu_work {
	void (*fn)(unsigned int cpu, void *arg);
	void *arg;
	unsigned int cpu;
};

static inline long fl_cpu_work_fn(void *p)
{
	struct fl_cpu_work *w = p;

	preempt_disable();
	w->fn(w->cpu, w->arg);
	preempt_enable();
	return 0;
}

/*
 * Run @fn(cpu, @arg) for CPUs 0..@nr-1, excluding that CPU's owner.  The
 * caller holds cpus_read_lock(): taken outside its own locks, as
 * kmem_cache_destroy() takes it outside slab_mutex (mm/slab_common.c,
 * 6.12), or tried under the glue's fl_dev.lock (fl_dev_lock_cpus()).
 * Waiting for it here, under fl_dev.lock, closed a cycle through
 * mmap_lock (fl_mmap() takes fl_dev.lock under it) that lockdep reported
 * on the debug kernel.
 */
static inline void fl_cpu_for_each(unsigned int nr,
				   void (*fn)(unsigned int cpu, void *arg),
				   void *arg)
{
	struct fl_cpu_work w = { .fn = fn, .arg = arg };

	/* no lockdep_assert_cpus_held(): kernel/cpu.c does not export it */
	might_sleep();
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		/* @fn takes the CPU's spinlock (fl_cpu_remote_lock()) */
		for (w.cpu = 0; w.cpu < nr; w.cpu++)
			fn(w.cpu, arg);
		return;
	}
	for (w.cpu = 0; w.cpu < nr; w.cpu++) {
		if (cpu_online(w.cpu))
			work_on_cpu(w.cpu, fl_cpu_work_fn, &w);
		else
			fl_cpu_work_fn(&w);	/* offline: nobody runs there */
	}
}

#define fl_read_once(x)		READ_ONCE(x)
#define fl_write_once(x, v)	WRITE_ONCE(x, v)
#define fl_always_inline	__always_inline
#define fl_noinline		noinline
#define fl_warn_once(cond)	WARN_ON_ONCE(cond)
#define fl_nr_cpus()		nr_cpu_ids
#define fl_nr_present_cpus()	num_present_cpus()
#define fl_cpu_id()		raw_smp_processor_id()
#define fl_memcpy		memcpy
#define fl_memset		memset
#define fl_memcmp		memcmp
#define fl_strlen		strlen
#define fl_strscpy(d, s, n)	strscpy(d, s, n)
#define fl_scnprintf		scnprintf
#define fl_vscnprintf		vscnprintf
#define fl_ns()			ktime_get_ns()
#define fl_cond_resched()	cond_resched()

#else /* userspace: tests/unit, fragctl --sim, bench */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define FL_PAGE_SHIFT	12
#define FL_PAGE_SIZE	(1UL << FL_PAGE_SHIFT)

bool fl_should_fail_alloc(void);	/* fl_fault.c, set by fl_port_user.c */
extern unsigned long fl_warn_count;	/* fl_port_user.c: tests assert 0 */
unsigned int fl_nr_cpus(void);
#define fl_nr_present_cpus()	fl_nr_cpus()	/* no hotplug in userspace */
unsigned int fl_cpu_id(void);		/* per-thread id mod fl_nr_cpus() */

static inline void *fl_zalloc(size_t bytes)
{
	if (fl_should_fail_alloc())
		return NULL;
	return calloc(1, bytes ? bytes : 1);
}

static inline void fl_free(void *p)
{
	free(p);
}

/* No cgroups: the same memory; counted, so tests can tell which was used. */
extern unsigned long fl_zalloc_account_calls;

static inline void *fl_zalloc_account(size_t bytes)
{
	__atomic_add_fetch(&fl_zalloc_account_calls, 1, __ATOMIC_RELAXED);
	return fl_zalloc(bytes);
}

typedef pthread_mutex_t fl_lock_t;
#define FL_LOCK_INITIALIZER(l)	PTHREAD_MUTEX_INITIALIZER
#define fl_lock_init(l)		pthread_mutex_init(l, NULL)
#define fl_lock(l)		pthread_mutex_lock(l)
#define fl_unlock(l)		pthread_mutex_unlock(l)
#define fl_lock_destroy(l)	pthread_mutex_destroy(l)

/*
 * Per-CPU data: a "CPU" is a thread id modulo fl_nr_cpus() (several
 * threads share one), so each CPU's data has a real mutex here; pinning
 * is a no-op.  Remote access takes the same mutex.
 */
typedef pthread_mutex_t fl_cpu_lock_t;
#define fl_cpu_lock_init(l)	pthread_mutex_init(l, NULL)
#define fl_cpu_lock_destroy(l)	pthread_mutex_destroy(l)
#define fl_cpu_pin()		fl_cpu_id()
#define fl_cpu_unpin()		do { } while (0)
#define fl_cpu_lock(l)		pthread_mutex_lock(l)
#define fl_cpu_unlock(l)	pthread_mutex_unlock(l)
#define fl_cpu_remote_lock(l)	pthread_mutex_lock(l)
#define fl_cpu_remote_unlock(l)	pthread_mutex_unlock(l)

static inline void fl_cpu_for_each(unsigned int nr,
				   void (*fn)(unsigned int cpu, void *arg),
				   void *arg)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr; cpu++)
		fn(cpu, arg);
}

#define fl_warn_once(cond) ({						\
	static int __fl_warned;						\
	int __c = !!(cond);						\
	if (__c) {							\
		__atomic_add_fetch(&fl_warn_count, 1, __ATOMIC_RELAXED);\
		if (!__fl_warned++)					\
			fprintf(stderr, "fl WARNING at %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
	}								\
	__c;								\
})

#define fl_read_once(x)		(*(const volatile __typeof__(x) *)&(x))
#define fl_write_once(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define fl_always_inline	__always_inline		/* <sys/cdefs.h> */
#define fl_noinline		__attribute_noinline__
#define fl_memcpy		memcpy
#define fl_memset		memset
#define fl_memcmp		memcmp
#define fl_strlen		strlen
static inline long fl_strscpy(char *d, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (!n)
		return -E2BIG;
	if (len == n) {
		memcpy(d, s, n - 1);
		d[n - 1] = '\0';
		return -E2BIG;
	}
	memcpy(d, s, len + 1);
	return (long)len;
}

/* scnprintf(): the length written (without the NUL), never more than size - 1. */
static inline int fl_scnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static inline int fl_scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)(size - 1) : n;
}

/* vscnprintf(): as fl_scnprintf() with a va_list. */
static inline int fl_vscnprintf(char *buf, size_t size, const char *fmt,
			       va_list ap)
{
	int n;

	if (!size)
		return 0;
	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)(size - 1) : n;
}

static inline u64 fl_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

#define fl_cond_resched()	do { } while (0)

/* No tracepoints: the arguments are type-checked, never evaluated. */
static inline void fl_trace_args(int unused, ...)
{
	(void)unused;
}
#define fl_trace(event, ...)	do { if (0) fl_trace_args(0, __VA_ARGS__); } while (0)
#define fl_trace_enabled(event)	false

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
/* include/linux/stddef.h (6.1, 6.12), without the attributes */
#ifndef struct_group_tagged
#define struct_group_tagged(TAG, NAME, MEMBERS...)	\
	union {						\
		struct { MEMBERS };			\
		struct TAG { MEMBERS } NAME;		\
	}
#endif
#ifndef min
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#endif /* __KERNEL__ */

#endif /* FL_PORT_H */
