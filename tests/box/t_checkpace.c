// SPDX-License-Identifier: GPL-2.0
/*
 * t_checkpace.c - CHECK walks a large arena in resched-able steps
 * (issue 17 item 5).
 *
 * The arena is made as large as the box allows (a third of MemAvailable, at
 * most 512 MiB) and cut into order-0 blocks, every other one free, so the
 * buddy checker has one block per page to walk.  Then:
 *
 *  - yielding: a SCHED_FIFO probe thread on CPU 0 sleeps 100 us at a time
 *    and counts how often it gets the CPU while FRAGLAB_IOC_CHECK runs on
 *    CPU 0 (two threads allocate and free through the same fd on CPU 1
 *    meanwhile).  A walk that holds the buddy spinlock throughout keeps the
 *    probe off the CPU until the walk ends: a few runs per CHECK at most,
 *    whatever its length.  Walked in steps of 4096 pages or list entries
 *    with cond_resched() between them (the arena is >= 16 page steps and
 *    half as many list steps), the probe runs at each step boundary, where
 *    its 100 us have long passed (a step takes milliseconds in the
 *    emulator).  The median number of runs per CHECK must be at least 8
 *    (6.12 before the change: 1-3 runs per CHECK; after: 6.1 9-78, median
 *    32; 6.12 24-69, median 57; PREEMPT_RT, preemptible anyway, 194).
 *    A count, not a time: the box is an emulator on a shared host whose
 *    hiccups make any guest time unreliable, and one hiccup moves one
 *    call, not the median.  How late the probe woke is printed.
 *  - changes during the walk: BENCH (which uses the device's buddy without
 *    fl_dev.lock) runs alloc/free pairs while two threads of one fd and a
 *    debugfs reader run CHECK: every verdict is 0 or -EAGAIN ("changed
 *    during each walk"), never -EUCLEAN; once BENCH stops, CHECK is clean.
 *    The same with the SLAB benchmark, whose in-kernel-API cache changes
 *    on CPU 1 while CHECK reads it (the slab checker before FL_SLAB_SHARED,
 *    6.12: 26 of 164 verdicts "-117: slab fl_bench_64: 60 objects cached
 *    or live in slabs, but 0 live + 59 cached").
 *  - a slab-heavy and a pool-heavy arena (nothing else allocated): the
 *    probe's median runs per CHECK must exceed the empty arena's by >= 32,
 *    and in the pool's case its worst lateness stay under half the call,
 *    which a checker holding the slab or pool lock for the whole walk
 *    cannot do (6.12 before: slab 12 runs vs 3, pool lateness 0.90 of the
 *    call; after: 96 vs 3, 0.02; see slab_phase() and pool_phase()).
 *  - HUGEPAGES_ARENA over an arena of unmovable order-0 blocks: >= 32 more
 *    probe runs per call than the empty arena's CHECK (before: 8 vs 3,
 *    after: 210 vs 3; see hugepages_phase()).
 *  - close of an fd while another thread runs CHECK on it.
 *  - no soft lockup, RCU stall or "scheduling while atomic" in the log (the
 *    box runner fails on BUG:/WARNING: lines; RCU stall reports have
 *    neither word, so they are looked for here).
 *
 * That a corrupt state is still found by the stepped walk is shown by
 * tests/unit/test_buddy.c (check_paced_finds_corruption): the module has no
 * way to corrupt itself on purpose.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <time.h>

#include "fl_box.h"

#define DEBUGFS_CHECK	"/sys/kernel/debug/fraglab/check"
#define NR_CALLS	15	/* measured CHECK calls */
#define PROBE_NS	100000LL

static int fd;
static unsigned long arena_pages;
static volatile int stop_probe, stop_load;
static volatile int in_check;
static volatile long long probe_late_max;	/* ns, during the current call */
static volatile long load_ops, probe_runs;	/* during the current call */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int xioctl(int f, unsigned long cmd, void *arg)
{
	return ioctl(f, cmd, arg) ? -errno : 0;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int check_once(int f, struct fraglab_check *c)
{
	memset(c, 0, sizeof(*c));
	return xioctl(f, FRAGLAB_IOC_CHECK, c);
}

/* measure() times HUGEPAGES_ARENA instead of CHECK when set. */
static int measure_hugepages;

static int measured_call(int f, struct fraglab_check *c)
{
	struct fraglab_hugepages_arena h;

	if (!measure_hugepages)
		return check_once(f, c);
	memset(c, 0, sizeof(*c));
	memset(&h, 0, sizeof(h));
	return xioctl(f, FRAGLAB_IOC_HUGEPAGES_ARENA, &h);
}

static void *probe(void *arg)
{
	struct sched_param sp = { .sched_priority = 50 };

	(void)arg;
	pin(0);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		tap_diag("probe: no SCHED_FIFO (%d): lateness is CFS's", errno);
	while (!stop_probe) {
		struct timespec d = { 0, PROBE_NS };
		long long t0 = now_ns(), late;

		nanosleep(&d, NULL);
		late = now_ns() - t0 - PROBE_NS;
		if (in_check) {
			probe_runs++;
			if (late > probe_late_max)
				probe_late_max = late;
		}
	}
	return NULL;
}

/* Allocate and free order-0 blocks through the shared fd, on CPU 1. */
static void *loader(void *arg)
{
	(void)arg;
	pin(1);
	while (!stop_load) {
		struct fraglab_alloc a = { .order = 0, .flags = FRAGLAB_ALLOC_BY_ORDER,
					   .migratetype = FRAGLAB_MT_MOVABLE };
		struct fraglab_handle h = { 0 };

		if (xioctl(fd, FRAGLAB_IOC_ALLOC, &a))
			continue;
		h.handle = a.handle;
		xioctl(fd, FRAGLAB_IOC_FREE, &h);
		__sync_fetch_and_add(&load_ops, 1);
	}
	return NULL;
}

static unsigned int bench_which = FRAGLAB_BENCH_BUDDY, bench_param;

static void *bencher(void *arg)
{
	(void)arg;
	pin(1);
	while (!stop_load) {
		struct fraglab_bench b = { .which = bench_which,
					   .param = bench_param, .runs = 1,
					   .iterations = 100000 };

		if (xioctl(fd, FRAGLAB_IOC_BENCH, &b))
			break;
		__sync_fetch_and_add(&load_ops, 1);
	}
	return NULL;
}

static volatile int verdict_clean, verdict_again, verdict_bad, verdict_err;
static char bad_msg[160];

static void count_verdict(int ioctl_ret, const struct fraglab_check *c)
{
	if (ioctl_ret)
		__sync_fetch_and_add(&verdict_err, 1);
	else if (!c->result)
		__sync_fetch_and_add(&verdict_clean, 1);
	else if (c->result == -EAGAIN)
		__sync_fetch_and_add(&verdict_again, 1);
	else {
		snprintf(bad_msg, sizeof(bad_msg), "%d: %s", c->result,
			 c->message);
		__sync_fetch_and_add(&verdict_bad, 1);
	}
}

/* CHECK through the shared fd until told to stop. */
static void *checker(void *arg)
{
	(void)arg;
	while (!stop_load) {
		struct fraglab_check c;

		count_verdict(check_once(fd, &c), &c);
	}
	return NULL;
}

/* The same checkers through debugfs "check" (OK / FAIL -11: ...). */
static void *debugfs_checker(void *arg)
{
	(void)arg;
	while (!stop_load) {
		char buf[256];
		struct fraglab_check c = { 0 };

		if (fl_box_run("cat " DEBUGFS_CHECK, buf, sizeof(buf)))
			break;
		if (!strncmp(buf, "OK", 2))
			c.result = 0;
		else if (sscanf(buf, "FAIL %d:", &c.result) != 1)
			c.result = -EINVAL;
		snprintf(c.message, sizeof(c.message), "debugfs: %.100s", buf);
		count_verdict(0, &c);
	}
	return NULL;
}

static long mem_available_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Every order-0 block the arena has (at most @pages): a third unmovable,
 * the rest movable, or (@unmovable) all unmovable.  Return: their handles
 * (*@n of them).
 */
static uint64_t *fill_order0(unsigned long pages, int unmovable,
			     unsigned long *n)
{
	struct fraglab_alloc *a = calloc(FRAGLAB_BATCH_MAX, sizeof(*a));
	uint64_t *all = calloc(pages, sizeof(*all));
	unsigned long i;

	if (!a || !all)
		tap_bail("out of memory");
	*n = 0;
	for (;;) {
		struct fraglab_batch b = { .ptr = (uintptr_t)a,
					   .count = FRAGLAB_BATCH_MAX,
					   .op = FRAGLAB_BATCH_ALLOC };

		for (i = 0; i < FRAGLAB_BATCH_MAX; i++)
			a[i] = (struct fraglab_alloc){ .order = 0,
				.flags = FRAGLAB_ALLOC_BY_ORDER,
				.migratetype = i % 3 && !unmovable ?
					       FRAGLAB_MT_MOVABLE :
					       FRAGLAB_MT_UNMOVABLE };
		xioctl(fd, FRAGLAB_IOC_BATCH, &b);
		for (i = 0; i < b.done && *n < pages; i++)
			all[(*n)++] = a[i].handle;
		if (b.done < FRAGLAB_BATCH_MAX || *n >= pages)
			break;
	}
	free(a);
	return all;
}

/* Every order-0 block the arena has; then every other one freed. */
static uint64_t *fragment(unsigned long pages, unsigned long *kept)
{
	struct fraglab_handle *h = calloc(FRAGLAB_BATCH_MAX, sizeof(*h));
	unsigned long n, i, nf = 0;
	uint64_t *all;

	if (!h)
		tap_bail("out of memory");
	all = fill_order0(pages, 0, &n);
	for (i = 0; i < n; i += 2) {
		h[nf++].handle = all[i];
		all[i] = 0;
		if (nf == FRAGLAB_BATCH_MAX || i + 2 >= n) {
			struct fraglab_batch b = { .ptr = (uintptr_t)h,
						   .count = nf,
						   .op = FRAGLAB_BATCH_FREE };

			if (xioctl(fd, FRAGLAB_IOC_BATCH, &b) || b.done != nf)
				tap_bail("batch free: %u of %lu", b.done, nf);
			nf = 0;
		}
	}
	free(h);
	*kept = n;
	return all;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static int cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return a < b ? -1 : a > b;
}

/*
 * CHECK @n times on CPU 0 (the probe is running): probe runs, its lateness
 * as a fraction of each call, the worst lateness and call.  Return: the
 * CHECKs that were not clean.
 */
static int measure(const char *what, int n, long *runs, double *ratio,
		   long long *worst_late, long long *worst_dur)
{
	int i, bad = 0;

	pin(0);
	usleep(50000);
	for (i = 0; i < n; i++) {
		struct fraglab_check c;
		long long t0, dur;
		int r;

		probe_late_max = 0;
		probe_runs = 0;
		in_check = 1;
		t0 = now_ns();
		r = measured_call(fd, &c);
		dur = now_ns() - t0;
		in_check = 0;
		if (r || c.result) {
			tap_diag("%sCHECK %d: ioctl %d, result %d: %s", what,
				 i, r, c.result, c.message);
			bad++;
		}
		runs[i] = probe_runs;
		ratio[i] = (double)probe_late_max / (double)dur;
		tap_diag("%sCHECK %d: %lld us, probe ran %ld times, at most %lld us late",
			 what, i, dur / 1000, runs[i], probe_late_max / 1000);
		if (probe_late_max > *worst_late)
			*worst_late = probe_late_max;
		if (dur > *worst_dur)
			*worst_dur = dur;
		usleep(20000);	/* the probe runs between calls too */
	}
	return bad;
}

/*
 * CHECK @n times on CPU 0 with the probe running, nothing else loaded:
 * the median number of probe runs per CHECK; the median of the probe's
 * worst lateness as a fraction of its call in *@late_ratio (may be NULL).
 */
static long quiet_runs(const char *what, int n, double *late_ratio)
{
	long runs[NR_CALLS];
	double ratio[NR_CALLS];
	long long late = 0, dur = 0;
	char prefix[64];
	pthread_t pr;
	int bad;

	snprintf(prefix, sizeof(prefix), "%s ", what);
	stop_probe = 0;
	pthread_create(&pr, NULL, probe, NULL);
	bad = measure(prefix, n, runs, ratio, &late, &dur);
	stop_probe = 1;
	pthread_join(pr, NULL);
	tap_is_int(bad, 0, "%s: %d CHECKs clean (worst probe lateness %lld us, longest CHECK %lld us)",
		   what, n, late / 1000, dur / 1000);
	qsort(runs, n, sizeof(runs[0]), cmp_long);
	qsort(ratio, n, sizeof(ratio[0]), cmp_double);
	if (late_ratio)
		*late_ratio = ratio[n / 2];
	return runs[n / 2];
}

static void latency_phase(void)
{
	pthread_t pr, ld[2];
	double ratio[NR_CALLS];
	long runs[NR_CALLS];
	long long worst_late = 0, worst_dur = 0;
	int i, bad;

	stop_probe = stop_load = 0;
	load_ops = 0;
	pthread_create(&pr, NULL, probe, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&ld[i], NULL, loader, NULL);
	bad = measure("", NR_CALLS, runs, ratio, &worst_late, &worst_dur);
	stop_load = 1;
	for (i = 0; i < 2; i++)
		pthread_join(ld[i], NULL);
	stop_probe = 1;
	pthread_join(pr, NULL);
	qsort(ratio, NR_CALLS, sizeof(ratio[0]), cmp_double);
	qsort(runs, NR_CALLS, sizeof(runs[0]), cmp_long);
	tap_is_int(bad, 0, "%d CHECKs of the fragmented arena, allocators running: all clean",
		   NR_CALLS);
	tap_ok(load_ops > 0, "the allocating threads ran meanwhile (%ld alloc+free pairs)",
	       load_ops);
	tap_ok(runs[NR_CALLS / 2] >= 8,
	       "probe on the CHECK's CPU ran a median %ld times per CHECK (>= 8; median lateness %.2f of a call, worst %lld us, longest CHECK %lld us)",
	       runs[NR_CALLS / 2], ratio[NR_CALLS / 2], worst_late / 1000,
	       worst_dur / 1000);
}

static void change_phase(const char *what)
{
	pthread_t bt, ck[2], dc;
	struct fraglab_check c;
	int i, r;

	stop_load = 0;
	load_ops = 0;
	verdict_clean = verdict_again = verdict_bad = verdict_err = 0;
	bad_msg[0] = '\0';
	pthread_create(&bt, NULL, bencher, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&ck[i], NULL, checker, NULL);
	pthread_create(&dc, NULL, debugfs_checker, NULL);
	sleep(6);
	stop_load = 1;
	pthread_join(bt, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(ck[i], NULL);
	pthread_join(dc, NULL);
	tap_ok(load_ops > 0, "%s BENCH ran %ld runs during the CHECKs", what,
	       load_ops);
	tap_ok(!verdict_bad && !verdict_err && verdict_clean + verdict_again > 0,
	       "CHECK during %s BENCH (2 threads of one fd + debugfs): %d clean, %d changed-during-walk, %d corrupt, %d failed %s",
	       what, verdict_clean, verdict_again, verdict_bad, verdict_err,
	       bad_msg);
	r = check_once(fd, &c);
	tap_ok(!r && !c.result, "CHECK once %s BENCH stopped: clean (%d %d %s)",
	       what, r, c.result, c.message);
}

#define SLAB_OBJS	524288	/* 8-byte objects: 1024 order-0 slabs */
#define SLAB_KEEP	64	/* one object in SLAB_KEEP stays live */

/*
 * The batch ioctl @cmd with @op over @n elements of @size bytes at @v, in
 * chunks of FRAGLAB_BATCH_MAX (struct fraglab_obj_batch and struct
 * fraglab_pool_batch have one layout).  Return: the elements done; it
 * stops at the first failure.
 */
static unsigned int batched(unsigned long cmd, unsigned int op, void *v,
			    size_t size, unsigned int n)
{
	unsigned int i = 0;

	_Static_assert(sizeof(struct fraglab_obj_batch) ==
		       sizeof(struct fraglab_pool_batch), "batch layouts");
	while (i < n) {
		unsigned int chunk = n - i > FRAGLAB_BATCH_MAX ?
				     FRAGLAB_BATCH_MAX : n - i;
		struct fraglab_obj_batch b = {
			.ptr = (uintptr_t)((char *)v + (size_t)i * size),
			.count = chunk, .op = op };

		if (xioctl(fd, cmd, &b))
			break;
		i += b.done;
		if (b.done < chunk)
			break;
	}
	return i;
}

/*
 * One cache of 8-byte objects over 1024 slabs, SLAB_KEEP - 1 of every
 * SLAB_KEEP objects freed again: about 1000 units of checker work per slab
 * (512 states, ~500 free-stack entries, 1 page), ~10^6 in all, where the
 * buddy walk of the (otherwise empty) arena takes about a millisecond.  A
 * slab checker that holds its locks for the whole cache adds next to no
 * probe run to the empty arena's (6.12, old walk: 3 without the slabs, 9
 * with 512 of them, one hold of ~8 ms); one that walks 4096 units per
 * hold adds one per hold the probe's 100 us outlast.
 */
static void slab_phase(long base)
{
	struct fraglab_cache_create cc = { .name = "checkpace8",
					   .object_size = 8 };
	struct fraglab_obj *o = calloc(SLAB_OBJS, sizeof(*o));
	struct fraglab_obj *f = calloc(SLAB_OBJS, sizeof(*f));
	unsigned int i, n = 0, nf = 0, kept = 0;
	long heavy;

	if (!o || !f)
		tap_bail("out of memory");
	if (xioctl(fd, FRAGLAB_IOC_CACHE_CREATE, &cc))
		tap_bail("cache create: %d", errno);
	for (i = 0; i < SLAB_OBJS; i++)
		o[i].cache_id = cc.cache_id;
	n = batched(FRAGLAB_IOC_OBJ_BATCH, FRAGLAB_OBJ_BATCH_ALLOC, o,
		    sizeof(*o), SLAB_OBJS);
	for (i = 0; i < n; i++)
		if (i % SLAB_KEEP)
			f[nf++] = o[i];
		else
			o[kept++] = o[i];
	if (batched(FRAGLAB_IOC_OBJ_BATCH, FRAGLAB_OBJ_BATCH_FREE, f,
		    sizeof(*f), nf) != nf)
		tap_bail("object batch free failed");
	tap_is_int(n, SLAB_OBJS, "%u 8-byte objects allocated, %u kept", n,
		   kept);
	heavy = quiet_runs("slab-heavy arena", 7, NULL);
	tap_ok(heavy - base >= 32,
	       "slab walk yields: probe ran a median %ld times per CHECK with the slabs, %ld without (>= 32 more)",
	       heavy, base);
	batched(FRAGLAB_IOC_OBJ_BATCH, FRAGLAB_OBJ_BATCH_FREE, o, sizeof(*o),
		kept);
	free(o);
	free(f);
}

#define POOL_ALLOCS	262144	/* 16-byte allocations, every other freed */

/*
 * One fit pool of 131072 holes and 131072 allocations (and as many
 * handles): its checker walks three trees of 131072 nodes and tiles
 * 262144 extents, then looks every handle up, ~10^6 steps where the
 * empty arena's CHECK takes about a millisecond.  One hold of the pool
 * lock for the trees and the tiling keeps the probe off the CPU for most
 * of the call (6.12: 180-240 ms of a 200-260 ms CHECK); 4096 nodes per
 * hold let it run throughout.
 */
static void pool_phase(long base)
{
	struct fraglab_pool_create pc = { .size = 64 << 20, .granularity = 16,
					  .strategy = FRAGLAB_POOL_FIRST_FIT };
	struct fraglab_pool_alloc *a = calloc(POOL_ALLOCS, sizeof(*a));
	struct fraglab_pool_alloc *f = calloc(POOL_ALLOCS, sizeof(*f));
	unsigned int i, n = 0, nf = 0, kept = 0;
	double ratio;
	long heavy;

	if (!a || !f)
		tap_bail("out of memory");
	if (xioctl(fd, FRAGLAB_IOC_POOL_CREATE, &pc))
		tap_bail("pool create: %d", errno);
	for (i = 0; i < POOL_ALLOCS; i++)
		a[i] = (struct fraglab_pool_alloc){ .pool_id = pc.pool_id,
						    .size = 16 };
	n = batched(FRAGLAB_IOC_POOL_BATCH, FRAGLAB_POOL_BATCH_ALLOC, a,
		    sizeof(*a), POOL_ALLOCS);
	for (i = 0; i < n; i++) {
		struct fraglab_pool_alloc e = { .pool_id = pc.pool_id,
						.handle = a[i].handle };

		if (i % 2)
			f[nf++] = e;
		else
			a[kept++] = e;
	}
	if (batched(FRAGLAB_IOC_POOL_BATCH, FRAGLAB_POOL_BATCH_FREE, f,
		    sizeof(*f), nf) != nf)
		tap_bail("pool batch free failed");
	tap_is_int(n, POOL_ALLOCS, "%u 16-byte pool allocations, %u kept", n,
		   kept);
	heavy = quiet_runs("pool-heavy arena", 7, &ratio);
	tap_ok(heavy - base >= 32,
	       "pool walk yields: probe ran a median %ld times per CHECK with the pool, %ld without (>= 32 more)",
	       heavy, base);
	/*
	 * The handle walk after the pool's reschedules every 1024 handles
	 * (and took the pool lock per lookup before too): the runs alone do
	 * not tell one long hold of the pool lock from many short ones, the
	 * probe's lateness does (6.12, one hold: 0.90 of the call; 4096
	 * nodes per hold: 0.02, the emulator's own hiccups).
	 */
	tap_ok(ratio < 0.5,
	       "pool walk yields: the probe was late a median %.2f of a CHECK at worst (< 0.5)",
	       ratio);
	free(a);
	free(f);
}

/*
 * HUGEPAGES_ARENA over an arena cut into order-0 unmovable blocks, none
 * free: the prediction clones 2^16+ blocks, classifies every pageblock
 * and builds two metadata-only clones block by block, while its
 * simulated compactions find nothing to move.  Walked in one hold of a
 * buddy lock per step the probe runs a handful of times per call; in
 * holds of 4096 pages about once per hold.
 */
static void hugepages_phase(long base)
{
	unsigned long n;
	double ratio;
	long heavy;

	free(fill_order0(arena_pages, 1, &n));
	tap_ok(n > arena_pages * 9 / 10, "arena in %lu unmovable order-0 blocks",
	       n);
	measure_hugepages = 1;
	heavy = quiet_runs("HUGEPAGES_ARENA", 7, &ratio);
	measure_hugepages = 0;
	tap_ok(heavy - base >= 32,
	       "prediction yields: probe ran a median %ld times per HUGEPAGES_ARENA, %ld per empty-arena CHECK (>= 32 more; lateness %.2f of a call)",
	       heavy, base, ratio);
}

static void *check_on(void *arg)
{
	int f = *(int *)arg, i, clean = 0;

	for (i = 0; i < 4; i++) {
		struct fraglab_check c;

		if (!check_once(f, &c) && !c.result)
			clean++;
	}
	return (void *)(long)clean;
}

/* close() of the fd while another thread is inside CHECK on it. */
static void close_phase(void)
{
	int f = open("/dev/fraglab", O_RDWR);
	pthread_t t;
	void *clean;

	if (f < 0)
		tap_bail("open: %d", errno);
	pthread_create(&t, NULL, check_on, &f);
	usleep(20000);
	tap_is_int(close(f), 0, "close of an fd during CHECK on it");
	pthread_join(t, &clean);
	tap_diag("CHECKs clean before/after the close: %ld", (long)clean);
}

int main(void)
{
	char cmd[64], out[4096];
	unsigned long pages, kept;
	long avail = mem_available_kb();
	unsigned int mb;
	uint64_t *handles;
	long base;

	if (avail < 0)
		tap_bail("no MemAvailable");
	mb = avail / 1024 / 3;
	if (mb > 512)
		mb = 512;
	mb &= ~3U;
	if (mb < 64)
		tap_bail("box too small for a large arena: %ld kB available", avail);
	snprintf(cmd, sizeof(cmd), "arena_mb=%u", mb);
	if (fl_box_load(cmd))
		tap_bail("insmod %s failed", cmd);
	fd = open("/dev/fraglab", O_RDWR);
	if (fd < 0)
		tap_bail("open: %d", errno);
	pages = (unsigned long)mb * 256;
	arena_pages = pages;
	handles = fragment(pages, &kept);
	tap_ok(kept > pages * 9 / 10, "arena of %u MiB in %lu order-0 blocks, every other free",
	       mb, kept);

	fl_box_write("/dev/kmsg", "t_checkpace: CHECK rounds begin\n");
	latency_phase();
	change_phase("buddy");
	close_phase();
	/* the in-kernel API's slab cache changes under CHECK's feet */
	bench_which = FRAGLAB_BENCH_SLAB;
	bench_param = 64;
	change_phase("slab");

	free(handles);
	handles = NULL;
	close(fd);	/* the fragmented arena goes back */
	fd = open("/dev/fraglab", O_RDWR);
	if (fd < 0)
		tap_bail("open: %d", errno);
	base = quiet_runs("empty arena", 7, NULL);
	slab_phase(base);
	close(fd);
	fd = open("/dev/fraglab", O_RDWR);
	if (fd < 0)
		tap_bail("open: %d", errno);
	pool_phase(base);
	close(fd);
	fd = open("/dev/fraglab", O_RDWR);
	if (fd < 0)
		tap_bail("open: %d", errno);
	hugepages_phase(base);

	fl_box_run("dmesg | sed -n '/t_checkpace: CHECK rounds begin/,$p' | grep -iE 'soft lockup|rcu.*stall|scheduling while atomic|hung task' | head -3",
		   out, sizeof(out));
	tap_ok(!out[0], "no soft lockup, RCU stall or atomic sleep reported%s%s",
	       out[0] ? ": " : "", out);

	close(fd);	/* frees what is left */
	tap_ok(!fl_box_unload(), "rmmod");
	return tap_done();
}
