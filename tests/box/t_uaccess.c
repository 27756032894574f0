// SPDX-License-Identifier: GPL-2.0
/*
 * t_uaccess - ioctl arguments that live in fraglab's own mappings.
 *
 * fl_mmap() and the fault handler take the device mutex under mmap_lock,
 * so the module must never touch user memory while it holds the mutex
 * (module/fl_dev.h).  This test passes every batch ioctl an element
 * array, and single ioctls their argument, inside a fraglab mapping that
 * has not been faulted in yet: a copy under the mutex faults, the fault
 * handler takes the mutex again and the process hangs in D state (before
 * the fix, the batch ioctls did exactly that; the debug kernel's lockdep
 * reported the inversion).  Each case runs in a child with a deadline, so
 * a hang is a failure, not a stuck box.
 *
 * Arrays the test filled itself are madvise(MADV_DONTNEED)ed first: the
 * data stays in the arena, the PTEs go, and the kernel's access faults.
 * Also checked: the batches give the same results as with ordinary
 * memory, and a batch whose array ends in an unmapped page stops there
 * with -EFAULT, done counting the elements before it, nothing leaked.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "fl_box.h"

#define PAGE		4096UL
#define DEADLINE_S	60

/* A fresh, not yet faulted mapping of @bytes of fraglab memory. */
static void *fresh_map(struct fraglab *fl, uint64_t bytes)
{
	struct fraglab_alloc a;
	size_t len;
	void *p;

	if (fraglab_alloc(fl, bytes, -1, FRAGLAB_MT_MOVABLE, &a))
		return NULL;
	if (fraglab_mmap(fl, a.handle, &p, &len))
		return NULL;
	return p;
}

/*
 * Drop the PTEs of a filled fraglab mapping: the data stays in the arena
 * pages, and the next access, the kernel's included, faults it back in.
 */
static int unfault(void *p, size_t len)
{
	return madvise(p, len, MADV_DONTNEED);
}

static int case_buddy_batch(struct fraglab *fl)
{
	struct fraglab_alloc *reqs = fresh_map(fl, 64 * 1024);
	struct fraglab_handle *hs = fresh_map(fl, 64 * 1024);
	uint32_t i, n = 200, done = 0;

	if (!reqs || !hs)
		return 1;
	for (i = 0; i < n; i++) {
		reqs[i].flags = FRAGLAB_ALLOC_BY_ORDER;
		reqs[i].order = i % 3;
		reqs[i].migratetype = FRAGLAB_MT_UNMOVABLE;
	}
	if (unfault(reqs, 64 * 1024))
		return 7;
	if (fraglab_alloc_batch(fl, reqs, n, &done) || done != n)
		return 2;
	for (i = 0; i < n; i++) {
		if (reqs[i].result || !reqs[i].handle)
			return 3;
		hs[i].handle = reqs[i].handle;
	}
	if (unfault(hs, 64 * 1024) || unfault(reqs, 64 * 1024))
		return 7;
	if (fraglab_free_batch(fl, hs, n, &done) || done != n)
		return 4;
	return 0;
}

static int case_buddy_batch_untouched(struct fraglab *fl)
{
	/* never touched by this process: the kernel's read is the first */
	struct fraglab_alloc *reqs = fresh_map(fl, 16 * 1024);
	struct fraglab_batch b = { 0 };
	int ret;

	if (!reqs)
		return 1;
	b.ptr = (uintptr_t)reqs;
	b.count = 8;
	b.op = FRAGLAB_BATCH_ALLOC;
	/* all-zero elements: size 0 is refused, and said so in element 0 */
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_BATCH, &b);
	if (ret == 0)
		return b.done == 8 ? 0 : 2;
	if (ret != -EINVAL || b.done != 0 || reqs[0].result != -EINVAL)
		return 3;
	return 0;
}

static int case_obj_batch(struct fraglab *fl)
{
	struct fraglab_obj *objs = fresh_map(fl, 64 * 1024);
	uint32_t cid, i, n = 300, done = 0;

	if (!objs || fraglab_cache_create(fl, "uaccess", 128, 0, 0, &cid))
		return 1;
	for (i = 0; i < n; i++)
		objs[i].cache_id = cid;
	if (unfault(objs, 64 * 1024))
		return 7;
	if (fraglab_obj_batch(fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, n, &done) || done != n)
		return 2;
	for (i = 0; i < n; i++)
		objs[i].result = 0;
	if (unfault(objs, 64 * 1024))
		return 7;
	if (fraglab_obj_batch(fl, FRAGLAB_OBJ_BATCH_FREE, objs, n, &done) || done != n)
		return 3;
	return fraglab_cache_destroy(fl, cid) ? 4 : 0;
}

static int case_pool_batch(struct fraglab *fl)
{
	struct fraglab_pool_alloc *pas = fresh_map(fl, 64 * 1024);
	struct fraglab_pool_create pc;
	uint32_t i, n = 100, done = 0;

	if (!pas || fraglab_pool_create(fl, 1 << 20, 0, 0, &pc))
		return 1;
	for (i = 0; i < n; i++) {
		pas[i].pool_id = pc.pool_id;
		pas[i].size = 512 + i;
	}
	if (unfault(pas, 64 * 1024))
		return 7;
	if (fraglab_pool_batch(fl, FRAGLAB_POOL_BATCH_ALLOC, pas, n, &done) || done != n)
		return 2;
	for (i = 0; i < n; i++) {
		pas[i].result = 0;
		pas[i].size = pas[i].align = pas[i].offset = pas[i].granted = 0;
		pas[i].flags = 0;
	}
	if (unfault(pas, 64 * 1024))
		return 7;
	if (fraglab_pool_batch(fl, FRAGLAB_POOL_BATCH_FREE, pas, n, &done) || done != n)
		return 3;
	return fraglab_pool_destroy(fl, pc.pool_id) ? 4 : 0;
}

static int case_single_alloc(struct fraglab *fl)
{
	struct fraglab_alloc *a = fresh_map(fl, PAGE);
	struct fraglab_handle *h = fresh_map(fl, PAGE);

	if (!a || !h)
		return 1;
	a->size = 3 * PAGE;
	if (unfault(a, PAGE))
		return 7;
	if (fraglab_ioctl(fl, FRAGLAB_IOC_ALLOC, a) || !a->handle)
		return 2;
	h->handle = a->handle;
	if (unfault(h, PAGE))
		return 7;
	return fraglab_ioctl(fl, FRAGLAB_IOC_FREE, h) ? 3 : 0;
}

/* The array's last elements sit in an unmapped page. */
static int case_fault_mid_array(struct fraglab *fl)
{
	struct fraglab_stats before, after;
	struct fraglab_alloc *reqs;
	struct fraglab_batch b = { 0 };
	uint32_t fit, i;
	char *p;
	int ret;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	munmap(p + PAGE, PAGE);
	fit = PAGE / sizeof(*reqs);
	reqs = (struct fraglab_alloc *)(p + PAGE) - fit;
	memset(reqs, 0, fit * sizeof(*reqs));
	for (i = 0; i < fit; i++)
		reqs[i].flags = FRAGLAB_ALLOC_BY_ORDER;
	if (fraglab_stats(fl, &before))
		return 2;
	b.ptr = (uintptr_t)reqs;
	b.count = fit + 5;
	b.op = FRAGLAB_BATCH_ALLOC;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_BATCH, &b);
	if (ret != -EFAULT || b.done != fit)
		return 3;
	if (fraglab_stats(fl, &after))
		return 4;
	/* exactly the @fit allocations that were reported are live */
	if (after.nr_allocated != before.nr_allocated + fit)
		return 5;
	for (i = 0; i < fit; i++)
		if (reqs[i].result || fraglab_free(fl, reqs[i].handle))
			return 6;
	return 0;
}

struct tcase {
	const char *name;
	int (*fn)(struct fraglab *fl);
};

static const struct tcase cases[] = {
	{ "buddy batch with its arrays in unfaulted fraglab mappings", case_buddy_batch },
	{ "buddy batch over an untouched fraglab mapping", case_buddy_batch_untouched },
	{ "object batch with its array in an unfaulted fraglab mapping", case_obj_batch },
	{ "pool batch with its array in an unfaulted fraglab mapping", case_pool_batch },
	{ "single alloc/free with the argument in a fraglab mapping", case_single_alloc },
	{ "batch array running into an unmapped page: -EFAULT, done exact, no leak", case_fault_mid_array },
};

static void run_case(const struct tcase *c)
{
	struct fraglab fl;
	int status, waited;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (fraglab_open(&fl, NULL))
			_exit(100);
		_exit(c->fn(&fl));
	}
	for (waited = 0; waited < DEADLINE_S * 10; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waited == DEADLINE_S * 10) {
		kill(pid, SIGKILL);
		tap_fail("hung (D state: the device mutex taken twice?)", "%s", c->name);
		return;
	}
	if (!WIFEXITED(status)) {
		tap_fail("child killed by a signal", "%s", c->name);
		return;
	}
	if (!tap_is_int(WEXITSTATUS(status), 0, "%s", c->name))
		tap_diag("step %d failed", WEXITSTATUS(status));
}

int main(void)
{
	struct fraglab fl;
	char msg[128];
	unsigned int i;
	int ret;

	if (!tap_ok(fl_box_load("arena_mb=32") == 0, "insmod arena_mb=32"))
		return tap_done();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	if (tap_is_int(fraglab_open(&fl, NULL), 0, "open")) {
		ret = fraglab_check(&fl, msg, sizeof(msg));
		tap_is_int(ret, 0, "invariant checker clean%s%s", ret ? ": " : "", ret ? msg : "");
		fraglab_close(&fl);
	}
	tap_ok(fl_box_unload() == 0, "rmmod");
	return tap_done();
}
