// SPDX-License-Identifier: GPL-2.0
/*
 * t_lifecycle - module lifecycle, fault injection and security.
 *
 *  - rmmod is refused while a fd is open, and while a mapping outlives
 *    close(fd);
 *  - 100 x insmod/rmmod with no memory growth (MemFree within 1 MiB after
 *    drop_caches; small arena to keep it bounded under TCG);
 *  - an arena that can't be had: see 00-params.sh (arena_mb out of range,
 *    bigger than the machine);
 *  - debugfs fail_meta_alloc: metadata-hungry operations return -ENOMEM,
 *    the invariant checker stays clean, everything works afterwards;
 *  - /dev/fraglab is 0600; uid 65534 gets EACCES; with dev_mode=0666 it can
 *    open and allocate but trial probes and benches are -EPERM;
 *  - memory handed out is zeroed (pattern written, freed, reallocated on
 *    another fd, read back through mmap).
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "fl_box.h"

#define PAGE	4096UL
#define FAIL_META "/sys/kernel/debug/fraglab/fail_meta_alloc"

static int rmmod_quiet(void)
{
	return system("rmmod fraglab 2>/dev/null") == 0 ? 0 : -1;
}

static int loaded(void)
{
	return access("/sys/module/fraglab", F_OK) == 0;
}

static void test_rmmod_busy(void)
{
	struct fraglab fl;
	struct fraglab_alloc a;
	void *p = MAP_FAILED;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return;
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open"))
		return;
	tap_ok(rmmod_quiet() != 0 && loaded(), "rmmod refused while a fd is open");
	if (!fraglab_alloc(&fl, PAGE, -1, 1, &a)) {
		struct fraglab_query q;

		fraglab_query(&fl, a.handle, &q);
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fl.fd, q.mmap_offset);
	}
	tap_ok(p != MAP_FAILED, "mmap an allocation");
	fraglab_close(&fl);
	if (p != MAP_FAILED) {
		((volatile char *)p)[0] = 1;
		tap_ok(rmmod_quiet() != 0 && loaded(),
		       "rmmod refused while a mapping outlives close(fd)");
		munmap(p, PAGE);
	}
	tap_ok(fl_box_unload() == 0 && !loaded(), "rmmod succeeds once the mapping is gone");
}

static void test_reload_leak(void)
{
	long before, after, budget_kb = 1024;
	int i, fails = 0;

	if (fl_box_kasan_kernel()) {
		budget_kb = 4096;
		tap_diag("KASAN kernel: MemFree budget %ld kB (module-load shadow; see fl_box_kasan_kernel())",
			 budget_kb);
	}

	/* warm up: first loads populate caches that are not leaks */
	for (i = 0; i < 3; i++)
		if (fl_box_load("arena_mb=4") || fl_box_unload())
			fails++;
	before = fl_box_memfree_low();
	for (i = 0; i < 100; i++) {
		if (fl_box_load("arena_mb=4")) {
			fails++;
			break;
		}
		if (i % 10 == 0) {
			struct fraglab fl;
			struct fraglab_alloc a;

			/* touch it so the load is not just a no-op */
			if (!fraglab_open(&fl, NULL)) {
				fraglab_alloc(&fl, PAGE, -1, 1, &a);
				fraglab_close(&fl);
			}
		}
		if (fl_box_unload()) {
			fails++;
			break;
		}
	}
	after = fl_box_memfree_back(before, budget_kb);
	tap_is_int(fails, 0, "100 x insmod/rmmod (arena_mb=4)");
	tap_diag("MemFree before %ld kB, after %ld kB (delta %ld kB)", before, after, after - before);
	tap_ok(before > 0 && after > 0 && before - after < budget_kb,
	       "no memory growth over 100 reloads (MemFree within %ld kB)", budget_kb);
	tap_skip("covered by 00-params.sh", "insmod with an arena that can't be had fails cleanly");
}

static void test_fail_meta(void)
{
	struct fraglab fl;
	struct fraglab_pool_create pc;
	struct fraglab_alloc a;
	struct fraglab_obj o;
	char msg[128];
	uint32_t cid;
	int n, ret, enomem = 0, other = 0;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return;
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open"))
		return;
	if (access(FAIL_META, F_OK)) {
		tap_skip("no debugfs", "fail_meta_alloc");
		fraglab_close(&fl);
		fl_box_unload();
		return;
	}
	tap_is_int(fl_box_write(FAIL_META, "1"), 0, "arm fail_meta_alloc = 1");
	tap_is_int(fraglab_cache_create(&fl, "failcache", 64, 0, 0, &cid), -ENOMEM,
		   "cache create with a failing metadata alloc -> ENOMEM");
	tap_is_int(fl_box_write(FAIL_META, "1"), 0, "arm fail_meta_alloc = 1");
	tap_is_int(fraglab_pool_create(&fl, 64 * 1024, 0, 0, &pc), -ENOMEM,
		   "pool create with a failing metadata alloc -> ENOMEM");
	fl_box_write(FAIL_META, "0");
	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "checker clean after injected failures%s%s", ret ? ": " : "", ret ? msg : "");

	/* fail the n-th metadata allocation for n = 1..12 of a busier sequence */
	for (n = 1; n <= 12; n++) {
		char s[16];

		snprintf(s, sizeof(s), "%d", n);
		fl_box_write(FAIL_META, s);
		ret = fraglab_cache_create(&fl, "failseq", 128, 0, 0, &cid);
		if (!ret) {
			ret = fraglab_obj_alloc(&fl, cid, &o);
			if (!ret)
				ret = fraglab_obj_free(&fl, cid, o.handle);
			if (ret == -ENOMEM)
				enomem++;
			else if (ret && other++ < 3)
				tap_diag("fail #%d: object alloc/free -> %d", n, ret);
			ret = fraglab_cache_destroy(&fl, cid);
			if (ret && other++ < 3)
				tap_diag("fail #%d: cache destroy -> %d", n, ret);
			ret = 0;
		} else if (ret == -ENOMEM)
			enomem++;
		else if (other++ < 3)
			tap_diag("fail #%d: cache create -> %d", n, ret);
		ret = fraglab_pool_create(&fl, 128 * 1024, 0, 0, &pc);
		if (!ret) {
			struct fraglab_pool_alloc pa;

			ret = fraglab_pool_alloc(&fl, pc.pool_id, 100, 0, 0, &pa);
			if (!ret)
				ret = fraglab_pool_free(&fl, pc.pool_id, pa.handle);
			if (ret == -ENOMEM)
				enomem++;
			else if (ret && other++ < 3)
				tap_diag("fail #%d: pool alloc/free -> %d", n, ret);
			ret = fraglab_pool_destroy(&fl, pc.pool_id);
			if (ret && other++ < 3)
				tap_diag("fail #%d: pool destroy -> %d", n, ret);
			ret = 0;
		} else if (ret == -ENOMEM)
			enomem++;
		else if (other++ < 3)
			tap_diag("fail #%d: pool create -> %d", n, ret);
		{
			struct fraglab_compact c;

			ret = fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0, &c);
			if (ret == -ENOMEM)
				enomem++;
			else if (ret && other++ < 3)
				tap_diag("fail #%d: compact -> %d", n, ret);
		}
		fl_box_write(FAIL_META, "0");
		ret = fraglab_check(&fl, msg, sizeof(msg));
		if (ret) {
			tap_fail(msg, "checker after failing metadata alloc #%d", n);
			break;
		}
	}
	tap_diag("fail_meta_alloc sweep: %d ENOMEM, %d other errors", enomem, other);
	tap_ok(enomem > 0, "the sweep saw ENOMEM");
	tap_is_int(other, 0, "the sweep saw no other error");
	tap_is_int(fraglab_cache_create(&fl, "afterfail", 64, 0, 0, &cid), 0,
		   "cache create works after the injection is off");
	tap_is_int(fraglab_obj_alloc(&fl, cid, &o), 0, "object alloc works");
	tap_is_int(fraglab_pool_create(&fl, 64 * 1024, 0, 0, &pc), 0, "pool create works");
	tap_is_int(fraglab_alloc(&fl, PAGE, -1, 1, &a), 0, "buddy alloc works");
	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "checker clean at the end%s%s", ret ? ": " : "", ret ? msg : "");
	fraglab_close(&fl);
	if (!fraglab_open(&fl, NULL)) {
		struct fraglab_stats st;

		fraglab_stats(&fl, &st);
		tap_is_int(st.free_pages, st.total_pages, "all pages free after close");
		fraglab_close(&fl);
	}
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
}

/* Run @fn as uid/gid 65534 in a child; returns its exit status or -1. */
static int as_nobody(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int nobody_open(void)
{
	int fd = open(FRAGLAB_DEVICE, O_RDWR);

	if (fd >= 0)
		return 0;
	return errno == EACCES ? 1 : 2;
}

/* 0: opened, allocated, probes/bench refused with EPERM */
static int nobody_use(void)
{
	struct fraglab fl;
	struct fraglab_alloc a;
	struct fraglab_probe_system *p;
	struct fraglab_bench b;
	struct fraglab_query q;
	uint32_t *m;

	if (fraglab_open(&fl, NULL))
		return 10;
	if (fraglab_alloc(&fl, PAGE, -1, 1, &a))
		return 11;
	fraglab_query(&fl, a.handle, &q);
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fl.fd, q.mmap_offset);
	if (m == MAP_FAILED)
		return 12;
	m[0] = 42;
	p = calloc(1, sizeof(*p));
	p->flags = FRAGLAB_PROBE_TRY;
	p->try_count = 1;
	if (fraglab_ioctl(&fl, FRAGLAB_IOC_PROBE_SYSTEM, p) != -EPERM)
		return 13;
	memset(p, 0, sizeof(*p));
	p->flags = FRAGLAB_PROBE_TRY | FRAGLAB_PROBE_TRY_COMPACT;
	p->try_count = 1;
	if (fraglab_ioctl(&fl, FRAGLAB_IOC_PROBE_SYSTEM, p) != -EPERM)
		return 14;
	memset(&b, 0, sizeof(b));
	b.which = FRAGLAB_BENCH_BUDDY;
	b.runs = 1;
	b.iterations = 10;
	if (fraglab_ioctl(&fl, FRAGLAB_IOC_BENCH, &b) != -EPERM)
		return 15;
	if (fraglab_free(&fl, a.handle))
		return 16;
	fraglab_close(&fl);
	return 0;
}

static void test_permissions(void)
{
	struct stat st;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return;
	memset(&st, 0, sizeof(st));
	stat(FRAGLAB_DEVICE, &st);
	tap_ok((st.st_mode & 0777) == 0600 && st.st_uid == 0,
	       "%s is 0600 root by default (mode %o)", FRAGLAB_DEVICE, st.st_mode & 0777);
	tap_is_int(as_nobody(nobody_open), 1, "uid 65534: open -> EACCES");
	fl_box_unload();
	if (!tap_ok(fl_box_load("dev_mode=0666") == 0, "insmod fraglab dev_mode=0666"))
		return;
	memset(&st, 0, sizeof(st));
	stat(FRAGLAB_DEVICE, &st);
	tap_ok((st.st_mode & 0777) == 0666, "dev_mode=0666 -> mode %o", st.st_mode & 0777);
	tap_is_int(as_nobody(nobody_use), 0,
		   "uid 65534 with 0666: open, alloc, mmap work; trial probes and bench -> EPERM");
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
}

static void test_zeroed(void)
{
	struct fraglab a, b;
	struct fraglab_alloc x, y;
	struct fraglab_query q;
	unsigned char *m;
	size_t i;
	int dirty = 0, same = 0, k;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return;
	if (fraglab_open(&a, NULL) || fraglab_open(&b, NULL)) {
		tap_fail("open", "zeroing: two fds");
		return;
	}
	for (k = 0; k < 8; k++) {
		int order = k % 4;

		if (fraglab_alloc(&a, 0, order, 1, &x))
			break;
		fraglab_query(&a, x.handle, &q);
		m = mmap(NULL, x.granted, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, q.mmap_offset);
		if (m == MAP_FAILED)
			break;
		memset(m, 0xa5, x.granted);
		munmap(m, x.granted);
		fraglab_free(&a, x.handle);
		if (fraglab_alloc(&b, 0, order, 1, &y))
			break;
		same += y.offset == x.offset;
		fraglab_query(&b, y.handle, &q);
		m = mmap(NULL, y.granted, PROT_READ, MAP_SHARED, b.fd, q.mmap_offset);
		if (m == MAP_FAILED)
			break;
		for (i = 0; i < y.granted; i++)
			if (m[i]) {
				dirty++;
				break;
			}
		munmap(m, y.granted);
		fraglab_free(&b, y.handle);
	}
	tap_is_int(k, 8, "zeroing: 8 rounds of write-free-realloc on another fd");
	tap_diag("the other fd got the very same block in %d of 8 rounds", same);
	tap_ok(same > 0, "the block was actually reused");
	tap_is_int(dirty, 0, "memory handed to another fd is all zeros");
	fraglab_close(&a);
	fraglab_close(&b);
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
}

int main(void)
{
	test_rmmod_busy();
	test_fail_meta();
	test_permissions();
	test_zeroed();
	test_reload_leak();
	if (loaded())
		fl_box_unload();
	return tap_done();
}
