// SPDX-License-Identifier: GPL-2.0
/*
 * t_limits - per-fd limits on kernel metadata, its memcg charge, and
 * that close gives all of it back.
 *
 * max_caches_per_fd, max_pools_per_fd and max_handles_per_fd (module
 * parameters, writable at run time) bound what one open file can make
 * the kernel allocate; past one the call fails with -ENOSPC and
 * libfraglab says so in a sentence.  The limits are per file: a second
 * fd starts from zero.
 *
 * Then, with the defaults, one fd in its own memory cgroup creates 64
 * caches and 50 000 slab objects: the cgroup's slab_unreclaimable grows
 * (the metadata is charged to it: SLAB_ACCOUNT, GFP_KERNEL_ACCOUNT),
 * after close the fl_obj cache holds as many objects as before, a second
 * identical round leaves nothing more behind, and rmmod returns the rest
 * (the slab's per-CPU and partial pages), in SUnreclaim and in the
 * cgroup.  The numbers are printed.
 *
 * Last, the core's own metadata for an opener's objects: K allocations
 * from a fit pool take K fl_obj handles plus K pool tree nodes (node
 * batches of 16 KiB, fl_zalloc_account()); K order-0 pages take the K
 * handles only.  A pool allocation also costs an entry in the pool's
 * offset xarray (charged by the kernel already), a tree node 136
 * (120 per 16 KiB batch).  The cgroup's memory.current must grow by at
 * least 100 bytes per allocation more for the pool than for the pages,
 * and both must be returned on close.
 *
 * Then an fd's charge part by part (fd_charge()): opening costs next to
 * nothing, the per-slab metadata of its cache and its id slots are
 * charged to its cgroup, and close returns all of it.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "fl_box.h"

#define CG	"/tmp/fl-cg"
#define NOBJ	50000
#define NCORE	20000	/* pool allocations vs page handles */

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int cache_create(int fd, const char *name, uint32_t *id)
{
	struct fraglab_cache_create cc = { .object_size = 8 };
	int ret;

	snprintf(cc.name, sizeof(cc.name), "%s", name);
	ret = xioctl(fd, FRAGLAB_IOC_CACHE_CREATE, &cc);
	if (!ret && id)
		*id = cc.cache_id;
	return ret;
}

static int pool_create(int fd)
{
	struct fraglab_pool_create pc = { .size = 16 * 1024 };

	return xioctl(fd, FRAGLAB_IOC_POOL_CREATE, &pc);
}

static int page_alloc(int fd)
{
	struct fraglab_alloc a = { .flags = FRAGLAB_ALLOC_BY_ORDER };

	return xioctl(fd, FRAGLAB_IOC_ALLOC, &a);
}

static int obj_batch(int fd, uint32_t cache, struct fraglab_obj *o, uint32_t n,
		     uint32_t *done)
{
	struct fraglab_obj_batch b = {
		.ptr = (uintptr_t)o, .count = n, .op = FRAGLAB_OBJ_BATCH_ALLOC,
	};
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].cache_id = cache;
	}
	ret = xioctl(fd, FRAGLAB_IOC_OBJ_BATCH, &b);
	*done = b.done;
	return ret;
}

static long read_long(const char *path, const char *key)
{
	char buf[8192], *p;
	long v = -1;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!key)
		return strtol(buf, NULL, 10);
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ' ') {
			v = strtol(p + strlen(key) + 1, NULL, 10);
			break;
		}
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ':') {
			v = strtol(p + strlen(key) + 1, NULL, 10);
			break;
		}
	}
	return v;
}

static void limits(void)
{
	struct fraglab_obj o[10];
	char name[32];
	uint32_t id = 0, done = 0;
	int fd, fd2, i, ret;

	if (fl_box_load("arena_mb=16 max_caches_per_fd=4 max_pools_per_fd=3 max_handles_per_fd=100"))
		tap_bail("insmod with lowered limits failed");
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	fd2 = open(FRAGLAB_DEVICE, O_RDWR);
	tap_ok(fd >= 0 && fd2 >= 0, "open twice");

	for (i = 0, ret = 0; i < 4 && !ret; i++) {
		snprintf(name, sizeof(name), "lim-%d", i);
		ret = cache_create(fd, name, &id);
	}
	tap_is_int(ret, 0, "4 caches on one fd");
	tap_is_int(cache_create(fd, "lim-4", NULL), -ENOSPC, "the 5th cache: ENOSPC");
	tap_is_int(cache_create(fd2, "lim2-0", NULL), 0, "another fd may create its own");
	{
		struct fraglab_cache_op op = { .cache_id = id };

		tap_is_int(xioctl(fd, FRAGLAB_IOC_CACHE_DESTROY, &op), 0, "destroy one");
	}
	tap_is_int(cache_create(fd, "lim-5", &id), 0, "then one more fits again");
	tap_ok(strstr(fraglab_strerror(-ENOSPC), "limit") != NULL,
	       "libfraglab explains ENOSPC: \"%s\"", fraglab_strerror(-ENOSPC));
	tap_ok(fl_box_write("/sys/module/fraglab/parameters/max_caches_per_fd", "5") == 0,
	       "max_caches_per_fd is writable");
	tap_is_int(cache_create(fd, "lim-6", NULL), 0, "raised to 5: the 5th cache fits");
	fl_box_write("/sys/module/fraglab/parameters/max_caches_per_fd", "64");

	for (i = 0, ret = 0; i < 3 && !ret; i++)
		ret = pool_create(fd);
	tap_is_int(ret, 0, "3 pools on one fd");
	tap_is_int(pool_create(fd), -ENOSPC, "the 4th pool: ENOSPC");
	tap_is_int(pool_create(fd2), 0, "another fd may create its own pool");

	/* handles of every kind count: 45 pages + 50 objects, then a batch */
	for (i = 0, ret = 0; i < 45 && !ret; i++)
		ret = page_alloc(fd);
	tap_is_int(ret, 0, "45 page allocations");
	ret = obj_batch(fd, id, o, 10, &done);
	tap_is_int(ret, 0, "10 objects");
	for (i = 0; i < 4; i++)
		obj_batch(fd, id, o, 10, &done);
	tap_is_int(done, 10, "50 objects");
	ret = obj_batch(fd, id, o, 10, &done);
	tap_is_int(ret, -ENOSPC, "a batch crossing 100 handles stops with ENOSPC");
	tap_is_int(done, 5, "after the 5 elements that fit");
	tap_is_int(o[5].result, -ENOSPC, "the 6th element says ENOSPC");
	tap_is_int(page_alloc(fd), -ENOSPC, "the 101st handle: ENOSPC");
	tap_is_int(page_alloc(fd2), 0, "another fd still allocates");
	tap_ok(fl_box_write("/sys/module/fraglab/parameters/max_handles_per_fd", "101") == 0,
	       "max_handles_per_fd is writable");
	tap_is_int(page_alloc(fd), 0, "raised to 101: one more fits");
	close(fd);
	close(fd2);
	tap_ok(!fl_box_unload(), "rmmod");
}

static int cg_setup(void)
{
	char pid[32];

	mkdir(CG, 0755);
	if (mount("none", CG, "cgroup2", 0, NULL) && errno != EBUSY)
		return -errno;
	if (fl_box_write(CG "/cgroup.subtree_control", "+memory"))
		return -EIO;
	mkdir(CG "/t_limits", 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return fl_box_write(CG "/t_limits/cgroup.procs", pid);
}

static void cg_teardown(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	fl_box_write(CG "/cgroup.procs", pid);
	rmdir(CG "/t_limits");
	umount(CG);
	rmdir(CG);
}

static long fl_obj_count(void)
{
	return read_long("/sys/kernel/slab/fl_obj/objects", NULL);
}

struct acct {
	long sunr, objs, cg;
};

/*
 * Shrink every slab cache (/sys/kernel/slab/<cache>/shrink ->
 * kmem_cache_shrink()): free slabs go back, and on a KASAN kernel the
 * cache's objects leave the quarantine first (kasan_cache_shrink() ->
 * kasan_quarantine_remove_cache(), mm/kasan/generic.c, 6.12), where freed
 * objects otherwise stay counted in SUnreclaim: the debug kernel kept
 * 14 MB of a round's freed metadata there, past rmmod.
 */
static void shrink_all_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		fl_box_write(path, "1");
	}
	closedir(d);
}

static void acct_read(struct acct *a, int cg)
{
	shrink_all_slabs();
	a->sunr = read_long("/proc/meminfo", "SUnreclaim");
	a->objs = fl_obj_count();
	a->cg = cg ? 0 : read_long(CG "/t_limits/memory.stat", "slab_unreclaimable");
}

/* One opener: 64 caches, NOBJ handles, close.  @peak, @after measured. */
static void acct_cycle(int round, int cg, struct fraglab_obj *o,
		       struct acct *before, struct acct *peak,
		       struct acct *after)
{
	uint32_t id = 0, done = 0;
	char name[32];
	int fd, i, ret;

	acct_read(before, cg);
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	for (i = 0, ret = 0; i < 64 && !ret; i++) {
		snprintf(name, sizeof(name), "acct-%d", i);
		ret = cache_create(fd, name, &id);
	}
	tap_is_int(ret, 0, "round %d: 64 caches (the default max_caches_per_fd)", round);
	tap_is_int(cache_create(fd, "acct-64", NULL), -ENOSPC,
		   "round %d: the 65th: ENOSPC", round);
	for (i = 0, ret = 0; i < 2 && !ret; i++)
		ret = obj_batch(fd, id, o, NOBJ / 2, &done);
	tap_is_int(ret, 0, "round %d: %d 8-byte objects", round, NOBJ);
	acct_read(peak, cg);
	close(fd);
	acct_read(after, cg);
	tap_diag("round %d: SUnreclaim %ld -> %ld -> %ld kB (open, 64 caches + %d handles, closed); fl_obj objects %ld -> %ld -> %ld",
		 round, before->sunr, peak->sunr, after->sunr, NOBJ,
		 before->objs, peak->objs, after->objs);
	if (!cg)
		tap_diag("round %d: memcg slab_unreclaimable %ld -> %ld -> %ld kB",
			 round, before->cg / 1024, peak->cg / 1024,
			 after->cg / 1024);
	/*
	 * One fl_obj per handle.  The slab's object count is read around the
	 * allocations, and on a KASAN kernel freed objects sit in the
	 * quarantine, still counted, until it drains (mm/kasan/quarantine.c):
	 * the debug kernel counted 19 of 50 000 fewer.  1% slack; without
	 * handle objects the difference would be about 0.
	 */
	tap_ok(peak->objs - before->objs >= NOBJ - NOBJ / 100,
	       "round %d: every handle is an fl_obj (%ld more)", round,
	       peak->objs - before->objs);
	tap_is_int(after->objs, before->objs,
		   "round %d: close frees every handle object", round);
	if (!cg)
		/* at least the handle objects themselves: 64 bytes or more each */
		tap_ok(peak->cg - before->cg >= (long)NOBJ * 64,
		       "round %d: the fd's metadata is charged to its memory cgroup (+%ld kB)",
		       round, (peak->cg - before->cg) / 1024);
}

/*
 * Two identical rounds: the second must not take any more than the
 * first (each fd's id table goes with its fd), and rmmod must return the
 * rest.
 */
static void accounting(void)
{
	struct fraglab_obj *o = calloc(NOBJ / 2, sizeof(*o));
	struct acct b1, p1, a1, b2, p2, a2, gone;
	long tol;
	int cg;

	if (fl_box_load("arena_mb=16"))
		tap_bail("insmod failed");
	cg = cg_setup();
	if (cg)
		tap_diag("no memory cgroup (%d): memcg charge not checked", cg);
	acct_cycle(1, cg, o, &b1, &p1, &a1);
	acct_cycle(2, cg, o, &b2, &p2, &a2);
	/* per-CPU slabs and partial lists keep a few pages: 5% or 256 kB */
	tol = (p1.sunr - b1.sunr) / 20 + 256;
	tap_ok(a2.sunr - a1.sunr <= tol,
	       "a second open/close round leaves no more (%+ld kB, tolerance %ld)",
	       a2.sunr - a1.sunr, tol);
	if (!cg)
		tap_ok(a2.cg - a1.cg <= tol * 1024,
		       "nor in the memory cgroup (%+ld kB)", (a2.cg - a1.cg) / 1024);
	tap_diag("kept after two rounds: %+ld kB",
		 a2.sunr - b1.sunr);
	tap_ok(!fl_box_unload(), "rmmod");
	acct_read(&gone, cg);
	tap_diag("after rmmod: SUnreclaim %ld kB, memcg slab_unreclaimable %ld kB",
		 gone.sunr, gone.cg / 1024);
	tap_ok(gone.sunr - b1.sunr <= tol,
	       "rmmod returns the rest (%+ld kB against before round 1)",
	       gone.sunr - b1.sunr);
	if (!cg) {
		tap_ok(gone.cg - b1.cg <= tol * 1024,
		       "and uncharges the memory cgroup (%+ld kB)",
		       (gone.cg - b1.cg) / 1024);
		cg_teardown();
	}
	free(o);
}

static int pool_fill(int fd, struct fraglab_pool_alloc *pa, uint32_t n)
{
	struct fraglab_pool_create pc = { .size = (uint64_t)n * 16 + 4096,
					  .granularity = 16 };
	struct fraglab_pool_batch b = { .ptr = (uintptr_t)pa, .count = n,
					.op = FRAGLAB_POOL_BATCH_ALLOC };
	uint32_t i;
	int ret = xioctl(fd, FRAGLAB_IOC_POOL_CREATE, &pc);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		pa[i] = (struct fraglab_pool_alloc){ .pool_id = pc.pool_id,
						     .size = 16 };
	ret = xioctl(fd, FRAGLAB_IOC_POOL_BATCH, &b);
	return ret ? ret : (b.done == n ? 0 : -EIO);
}

static int pages_fill(int fd, struct fraglab_alloc *a, uint32_t n)
{
	struct fraglab_batch b = { .ptr = (uintptr_t)a, .count = n,
				   .op = FRAGLAB_BATCH_ALLOC };
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++)
		a[i] = (struct fraglab_alloc){ .flags = FRAGLAB_ALLOC_BY_ORDER };
	ret = xioctl(fd, FRAGLAB_IOC_BATCH, &b);
	return ret ? ret : (b.done == n ? 0 : -EIO);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * A reading of the test cgroup (@key of @file, or the whole of @file)
 * after dropping what slab keeps for free, once it stops falling: xarray
 * and other RCU-freed nodes are uncharged a grace period after their
 * free.  The lowest reading of 100 ms polls, until five in a row found
 * nothing lower (at most 5 s).
 */
static long cg_low(const char *file, const char *key)
{
	char path[128];
	long v, low = -1;
	int i, still = 0;

	snprintf(path, sizeof(path), CG "/t_limits/%s", file);
	for (i = 0; i < 50 && still < 5; i++) {
		fl_box_write("/sys/kernel/slab/fl_obj/shrink", "1");
		v = read_long(path, key);
		if (low < 0 || v < low) {
			low = v;
			still = 0;
		} else {
			still++;
		}
		usleep(100000);
	}
	return low;
}

static long cg_current(void)
{
	return cg_low("memory.current", NULL);
}

/*
 * The core's metadata for an opener's pool: pool allocations cost the
 * cgroup more than page handles by at least the pool tree nodes.
 */
static void core_charge(void)
{
	struct fraglab_pool_alloc *pa = calloc(NCORE, sizeof(*pa));
	struct fraglab_alloc *a = calloc(2 * NCORE, sizeof(*a));
	long c0, cpool, c1, cpages, c2;
	double t0, tpool, tpages;
	int fd, ret;

	if (!pa || !a)
		tap_bail("out of memory");
	if (fl_box_load("arena_mb=128"))
		tap_bail("insmod failed");
	if (cg_setup()) {
		tap_skip("no memory cgroup", "the core's metadata charge");
		fl_box_unload();
		free(pa);
		free(a);
		return;
	}
	/*
	 * Warm up: this process's own arrays are faulted in now, not counted
	 * as the kernel's below (each fd's id table grows alike for the pool
	 * and the pages: 20 000 handles each).
	 */
	memset(pa, 0, NCORE * sizeof(*pa));
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	pages_fill(fd, a, 2 * NCORE);
	close(fd);

	c0 = cg_current();
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	t0 = now_ns();
	ret = pool_fill(fd, pa, NCORE);
	tpool = now_ns() - t0;
	cpool = cg_current();
	close(fd);
	c1 = cg_current();
	tap_is_int(ret, 0, "%d allocations from one pool", NCORE);
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	t0 = now_ns();
	ret = pages_fill(fd, a, NCORE);
	tpages = now_ns() - t0;
	cpages = cg_current();
	close(fd);
	c2 = cg_current();
	tap_is_int(ret, 0, "%d order-0 page handles", NCORE);
	/* guest time; instructions under -icount (tests/bench/run.sh) */
	tap_diag("in the cgroup: %.0f ns per pool allocation, %.0f ns per page handle (batches of %d, pool created inside)",
		 tpool / NCORE, tpages / NCORE, NCORE);
	tap_diag("memory.current: pool +%ld kB (%ld B per allocation), pages +%ld kB (%ld B per handle); after close %+ld / %+ld kB",
		 (cpool - c0) / 1024, (cpool - c0) / NCORE, (cpages - c1) / 1024,
		 (cpages - c1) / NCORE, (c1 - c0) / 1024, (c2 - c1) / 1024);
	tap_ok((cpool - c0) - (cpages - c1) >= (long)NCORE * 100,
	       "the pool's tree nodes are charged to the opener's cgroup (%+ld B per allocation over a page handle)",
	       ((cpool - c0) - (cpages - c1)) / NCORE);
	/* 512 kB: less than the pool's nodes (2.7 MB), more than the noise */
	tap_ok(c1 - c0 <= 512 * 1024 && c2 - c1 <= 512 * 1024,
	       "close uncharges them (%+ld kB, %+ld kB; tolerance 512 kB)",
	       (c1 - c0) / 1024, (c2 - c1) / 1024);
	cg_teardown();
	tap_ok(!fl_box_unload(), "rmmod");
	free(pa);
	free(a);
}

static int obj_free_batch(int fd, struct fraglab_obj *o, uint32_t n)
{
	struct fraglab_obj_batch b = {
		.ptr = (uintptr_t)o, .count = n, .op = FRAGLAB_OBJ_BATCH_FREE,
	};
	int ret = n ? xioctl(fd, FRAGLAB_IOC_OBJ_BATCH, &b) : 0;

	return ret ? ret : (b.done == n ? 0 : -EIO);
}

static int cache_info(int fd, uint32_t id, struct fraglab_cache_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->cache_id = id;
	return xioctl(fd, FRAGLAB_IOC_CACHE_INFO, ci);
}

/*
 * The fd's own metadata in the cgroup's memory.stat "kernel" (MEMCG_KMEM:
 * every kmem page and object charged, mm/memcontrol.c, 6.1 and 6.12),
 * which, unlike memory.current, holds neither this process's own memory
 * nor the per-CPU stock of pages precharged in batches of 64
 * (MEMCG_CHARGE_BATCH, consume_stock()).  The statistics are flushed
 * every 2 s (FLUSH_TIME, flush_memcg_stats_dwork()) or after that many
 * updates: read after one period.
 */
static long cg_kernel(void)
{
	usleep(2100000);
	return cg_low("memory.stat", "kernel");
}

/*
 * What an fd costs the opener's cgroup, part by part.
 *
 *  - Opening: a struct file and the fd's struct fl_file (about 100 B;
 *    its id table allocates nothing until the first allocation): 100
 *    opens must cost under 2 KiB each, where one 8192-slot table each
 *    would be 128 KiB.
 *  - Per-slab metadata: fl_slab_new_meta() allocates, on every growth,
 *    struct fl_slab with free_idx[] (u16) and state[] (u8) for each of the
 *    slab's objects (module/core/fl_slab.c), so at least 3 * objs_per_slab
 *    bytes per slab.  To see it apart from the handles, SLABS slabs are
 *    filled, all but one object per slab freed (the slabs stay, each held
 *    by one object), then those freed too and the cache shrunk: between
 *    the two readings the cgroup must lose at least SLABS * 3 *
 *    objs_per_slab bytes (the held objects' handles go too, about 200 B
 *    each: far less).
 *  - Id slots: the fd's table keeps at least half of its 16-byte slots
 *    free while it may grow (module/core/fl_idtab.c) and never shrinks
 *    before close, so after N live handles it holds at least 2 * N * 16
 *    bytes, charged, until close: with no handle left, closing the fd must
 *    return at least that much.
 *
 * And close returns everything (against the reading before the opens).
 */
#define SLABS	200
#define NOPEN	100
#define CYCLES	200

/*
 * The cost of one slab growth and release with its metadata (charged and
 * uncharged with FL_SLAB_ACCOUNT): an empty cache, one object allocated
 * (the cache grows by a slab), freed, and the cache shrunk (the slab and
 * its metadata go).  Guest time per cycle, the least of 5 runs; under
 * -icount shift=0 (tests/bench/run.sh) guest nanoseconds are guest
 * instructions.
 */
static void grow_cycles(int fd, uint32_t cache)
{
	struct fraglab_cache_op op = { .cache_id = cache };
	struct fraglab_obj ob;
	double t0, best = 0, worst = 0;
	int run, i, ret = 0;

	for (run = 0; run < 5 && !ret; run++) {
		t0 = now_ns();
		for (i = 0; i < CYCLES && !ret; i++) {
			ob = (struct fraglab_obj){ .cache_id = cache };
			ret = xioctl(fd, FRAGLAB_IOC_OBJ_ALLOC, &ob);
			ob = (struct fraglab_obj){ .cache_id = cache,
						   .handle = ob.handle };
			ret = ret ? ret : xioctl(fd, FRAGLAB_IOC_OBJ_FREE, &ob);
			op = (struct fraglab_cache_op){ .cache_id = cache };
			ret = ret ? ret : xioctl(fd, FRAGLAB_IOC_CACHE_SHRINK, &op);
			ret = ret ? ret : op.pages ? 0 : -ENODATA;
		}
		t0 = now_ns() - t0;
		if (!run || t0 < best)
			best = t0;
		if (t0 > worst)
			worst = t0;
	}
	tap_is_int(ret, 0, "%d x 5 cycles of slab growth and release (each shrink frees the slab)",
		   CYCLES);
	tap_diag("one growth + release cycle (3 ioctls): %.0f ns, least of 5 runs of %d (most %.0f)",
		 best / CYCLES, CYCLES, worst / CYCLES);
}

static void fd_charge(void)
{
	struct fraglab_cache_info ci;
	struct fraglab_obj *o, *held;
	struct fraglab_cache_op op;
	long k0, kopen, kopened, kheld, kempty, knocache, kclosed, want;
	uint32_t id = 0, done, n, i, nheld = 0, nfree = 0, slab_bytes;
	unsigned char *seen;
	int fds[NOPEN], fd, ret;

	if (fl_box_load("arena_mb=64"))
		tap_bail("insmod failed");
	if (cg_setup()) {
		tap_skip("no memory cgroup", "an fd's charge");
		fl_box_unload();
		return;
	}
	/* 8-byte objects: 512 per order-0 slab; room for 4096 per slab */
	o = malloc((size_t)SLABS * 4096 * sizeof(*o));
	held = malloc(SLABS * 2 * sizeof(*held));
	seen = malloc(64 << (20 - 12));
	if (!o || !held || !seen)
		tap_bail("out of memory");
	/* this process's own memory is charged too: fault it in now */
	memset(o, 0xff, (size_t)SLABS * 4096 * sizeof(*o));
	memset(held, 0xff, SLABS * 2 * sizeof(*held));
	memset(seen, 0, 64 << (20 - 12));

	k0 = cg_kernel();
	for (i = 0; i < NOPEN; i++)
		fds[i] = open(FRAGLAB_DEVICE, O_RDWR);
	kopen = cg_kernel();
	for (i = 0, ret = 0; i < NOPEN; i++)
		ret |= fds[i] < 0 || close(fds[i]);
	kopened = cg_kernel();
	tap_ok(!ret && kopen - k0 <= NOPEN * 2048,
	       "%d opens without an allocation cost %ld B each (at most 2048)",
	       NOPEN, (kopen - k0) / NOPEN);
	tap_ok(kopened - k0 <= 64 * 1024,
	       "and their close returns it (%+ld kB; tolerance 64 kB)",
	       (kopened - k0) / 1024);

	fd = open(FRAGLAB_DEVICE, O_RDWR);
	ret = cache_create(fd, "slabmeta", &id);
	if (!ret)
		ret = cache_info(fd, id, &ci);
	tap_is_int(ret, 0, "an 8-byte cache (%u objects per order-%u slab)",
		   ci.objs_per_slab, ci.order);
	if (ret || ci.objs_per_slab > 4096)
		tap_bail("unexpected cache geometry");
	grow_cycles(fd, id);
	n = SLABS * ci.objs_per_slab;
	for (i = 0, ret = 0; i < n && !ret; i += done) {
		uint32_t k = n - i < 50000 ? n - i : 50000;

		ret = obj_batch(fd, id, o + i, k, &done);
	}
	tap_is_int(ret, 0, "%u objects fill %u slabs", n, SLABS);
	/* keep the first object seen in each slab, free the others */
	slab_bytes = ci.pages_per_slab * 4096;
	for (i = 0; i < n; i++) {
		uint64_t key = o[i].offset / slab_bytes;

		if (!seen[key] && nheld < SLABS * 2) {
			seen[key] = 1;
			held[nheld++] = o[i];
		} else {
			o[nfree++] = o[i];
		}
	}
	for (i = 0, ret = 0; i < nfree && !ret; i += 50000)
		ret = obj_free_batch(fd, o + i, nfree - i < 50000 ? nfree - i : 50000);
	ret = ret ? ret : cache_info(fd, id, &ci);
	tap_ok(!ret && ci.num_slabs == nheld,
	       "one object per slab keeps %u slabs (cache: %llu slabs, %llu active objects)",
	       nheld, (unsigned long long)ci.num_slabs,
	       (unsigned long long)ci.active_objs);
	kheld = cg_kernel();
	ret = obj_free_batch(fd, held, nheld);
	op = (struct fraglab_cache_op){ .cache_id = id };
	ret = ret ? ret : xioctl(fd, FRAGLAB_IOC_CACHE_SHRINK, &op);
	ret = ret ? ret : cache_info(fd, id, &ci);
	tap_ok(!ret && ci.num_slabs == 0,
	       "free them and shrink: no slab left (%llu)",
	       (unsigned long long)ci.num_slabs);
	kempty = cg_kernel();
	op = (struct fraglab_cache_op){ .cache_id = id };
	tap_is_int(xioctl(fd, FRAGLAB_IOC_CACHE_DESTROY, &op), 0,
		   "destroy the cache: the fd holds no handle now");
	knocache = cg_kernel();
	close(fd);
	kclosed = cg_kernel();
	tap_diag("memory.stat kernel: %ld kB before, %ld kB with %d fds open, %ld kB after them, %ld kB with %u slabs held, %ld kB without, %ld kB without the cache, %ld kB after close",
		 k0 / 1024, kopen / 1024, NOPEN, kopened / 1024, kheld / 1024,
		 nheld, kempty / 1024, knocache / 1024, kclosed / 1024);
	/* the metadata's size class; slub_debug's red zones are in it */
	tap_diag("kmalloc-cg-2k slab_size (the metadata of a 512-object slab is 1632 B): %ld",
		 read_long("/sys/kernel/slab/kmalloc-cg-2k/slab_size", NULL));
	want = (long)nheld * 3 * ci.objs_per_slab;
	tap_ok(kheld - kempty >= want,
	       "per-slab metadata is charged to the opener's cgroup: %ld B per slab (at least %u: 3 per object)",
	       (kheld - kempty) / (long)nheld, 3 * ci.objs_per_slab);
	want = 2L * n * 16;
	tap_ok(knocache - kclosed >= want,
	       "the fd's id slots are charged until close: %ld kB after %u handles (at least %ld: two 16-byte slots each)",
	       (knocache - kclosed) / 1024, n, want / 1024);
	tap_ok(kclosed - k0 <= 64 * 1024,
	       "close gives everything back (%+ld kB; tolerance 64 kB)",
	       (kclosed - k0) / 1024);
	cg_teardown();
	tap_ok(!fl_box_unload(), "rmmod");
	free(seen);
	free(held);
	free(o);
}

int main(void)
{
	limits();
	accounting();
	core_charge();
	fd_charge();
	return tap_done();
}

