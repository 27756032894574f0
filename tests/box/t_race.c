// SPDX-License-Identifier: GPL-2.0
/*
 * t_race - a failed copy-out races with another thread freeing the handle.
 *
 * An allocating ioctl creates its object under fl_dev.lock, drops the lock
 * and copies the result (with the new handle) out.  When that copy faults
 * the module must undo the allocation: nobody learned the handle.  If
 * another thread of the same fd freed the handle in between (handles are
 * predictable, and the bytes copied before the fault already show it), an
 * undo that looks the handle up again finds nothing and, in the code this
 * test was written against, dereferenced NULL with fl_dev.lock held.
 *
 * The window is made deterministic instead of hoping for a lucky
 * interleaving: the argument (or the element array of a batch) straddles
 * two pages, the handle field ends exactly at the boundary, and the second
 * page is write-protected with userfaultfd (UFFDIO_REGISTER_MODE_WP).  The
 * kernel's copy-out writes everything up to the boundary, then blocks in
 * the write-protect fault.  Thread B, the userfaultfd reader, reads the
 * handle from the first page, frees it through the same fd, makes the
 * second page PROT_READ and wakes the fault: the copy-out fails with
 * -EFAULT and the module's undo runs on a handle that is already gone.
 *
 * Cases: FRAGLAB_IOC_ALLOC, FRAGLAB_IOC_POOL_ALLOC, FRAGLAB_IOC_OBJ_ALLOC
 * and the three batch ioctls (the second of two elements straddles).
 * Each must return -EFAULT, B's free must have succeeded (so the race
 * really happened), and afterwards the pool / cache / arena must be
 * empty and FRAGLAB_IOC_CHECK clean.  A further round without B's free
 * checks the undo itself: the straddling allocation is freed.
 *
 * FL_RACE_CASE=<name> (environment, or the kernel command line through
 * FRAGLAB_VM_APPEND) runs one case only.
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fl_box.h"

enum race_kind { RK_PAGES, RK_POOL, RK_OBJ };

struct race_case {
	const char *name;
	enum race_kind kind;
	int batch;
	size_t elem_size;	/* of the argument or the batch element */
	size_t handle_off;	/* offset of ->handle in it */
};

static const struct race_case cases[] = {
	{ "alloc", RK_PAGES, 0, sizeof(struct fraglab_alloc),
	  offsetof(struct fraglab_alloc, handle) },
	{ "pool", RK_POOL, 0, sizeof(struct fraglab_pool_alloc),
	  offsetof(struct fraglab_pool_alloc, handle) },
	{ "obj", RK_OBJ, 0, sizeof(struct fraglab_obj),
	  offsetof(struct fraglab_obj, handle) },
	{ "batch", RK_PAGES, 1, sizeof(struct fraglab_alloc),
	  offsetof(struct fraglab_alloc, handle) },
	{ "pool_batch", RK_POOL, 1, sizeof(struct fraglab_pool_alloc),
	  offsetof(struct fraglab_pool_alloc, handle) },
	{ "obj_batch", RK_OBJ, 1, sizeof(struct fraglab_obj),
	  offsetof(struct fraglab_obj, handle) },
};

struct race {
	const struct race_case *c;
	int fd, uffd;
	uint32_t id;		/* pool_id / cache_id */
	long pg;
	char *map;		/* two pages: RW, then write-protected */
	const volatile uint64_t *handle_at;
	int do_free;		/* B frees the handle (else only unblocks) */
	int b_free_ret;		/* B's free: 0 or -errno */
	uint64_t b_handle;	/* what B saw */
	int b_err;		/* B's own failure (setup), -errno */
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int race_free(struct race *r, uint64_t h)
{
	switch (r->c->kind) {
	case RK_PAGES: {
		struct fraglab_handle fh = { .handle = h };

		return xioctl(r->fd, FRAGLAB_IOC_FREE, &fh);
	}
	case RK_POOL: {
		struct fraglab_pool_alloc pa = { .pool_id = r->id, .handle = h };

		return xioctl(r->fd, FRAGLAB_IOC_POOL_FREE, &pa);
	}
	case RK_OBJ: {
		struct fraglab_obj o = { .cache_id = r->id, .handle = h };

		return xioctl(r->fd, FRAGLAB_IOC_OBJ_FREE, &o);
	}
	}
	return -EINVAL;
}

/* Thread B: wait for the copy-out to block, free, make the page RO, wake. */
static void *race_b(void *arg)
{
	struct race *r = arg;
	struct pollfd p = { .fd = r->uffd, .events = POLLIN };
	struct uffdio_range wake = {
		.start = (unsigned long)r->map + r->pg, .len = r->pg,
	};
	struct uffd_msg msg;

	if (poll(&p, 1, 20000) != 1) {
		r->b_err = -ETIMEDOUT;
		return NULL;
	}
	if (read(r->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		r->b_err = -EPROTO;
		return NULL;
	}
	r->b_handle = *r->handle_at;
	if (r->do_free)
		r->b_free_ret = race_free(r, r->b_handle);
	if (mprotect(r->map + r->pg, r->pg, PROT_READ) ||
	    ioctl(r->uffd, UFFDIO_WAKE, &wake))
		r->b_err = -errno;
	return NULL;
}

/* Fill the argument or element at @e for an allocation of this case. */
static void race_fill(const struct race *r, void *e)
{
	switch (r->c->kind) {
	case RK_PAGES: {
		struct fraglab_alloc *a = e;

		a->flags = FRAGLAB_ALLOC_BY_ORDER;
		a->migratetype = FRAGLAB_MT_UNMOVABLE;
		break;
	}
	case RK_POOL: {
		struct fraglab_pool_alloc *a = e;

		a->pool_id = r->id;
		a->size = 64;
		break;
	}
	case RK_OBJ: {
		struct fraglab_obj *o = e;

		o->cache_id = r->id;
		break;
	}
	}
}

static int race_uffd_setup(struct race *r)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)r->map + r->pg, .len = r->pg },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = reg.range, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	r->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (r->uffd < 0)
		return -errno;
	if (ioctl(r->uffd, UFFDIO_API, &api) ||
	    ioctl(r->uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(r->uffd, UFFDIO_WRITEPROTECT, &wp))
		return -errno;
	return 0;
}

/*
 * One round: the ioctl with the straddling argument, B racing it.
 * Return: the ioctl's result (-errno), or 1 when the setup failed.
 */
static int race_round(struct race *r, int do_free)
{
	size_t es = r->c->elem_size;
	struct fraglab_batch b = { 0 };
	pthread_t tb;
	char *e, *arg;
	int ret;

	r->pg = sysconf(_SC_PAGESIZE);
	r->map = mmap(NULL, 2 * r->pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (r->map == MAP_FAILED)
		return 1;
	memset(r->map, 0, 2 * r->pg);
	/* the (last) element's handle ends exactly at the page boundary */
	e = r->map + r->pg - r->c->handle_off - sizeof(uint64_t);
	r->handle_at = (const volatile uint64_t *)(e + r->c->handle_off);
	race_fill(r, e);
	arg = e;
	if (r->c->batch) {
		race_fill(r, e - es);	/* element 0, wholly on the RW page */
		b.ptr = (uintptr_t)(e - es);
		b.count = 2;
		b.op = FRAGLAB_BATCH_ALLOC;
		arg = (char *)&b;
	}
	r->do_free = do_free;
	r->b_free_ret = 1;
	r->b_err = 0;
	r->b_handle = 0;
	if (race_uffd_setup(r)) {
		tap_diag("userfaultfd write-protect: %s", strerror(errno));
		ret = 1;
		goto unmap;
	}
	if (pthread_create(&tb, NULL, race_b, r)) {
		ret = 1;
		goto close_uffd;
	}
	switch (r->c->kind) {
	case RK_PAGES:
		ret = xioctl(r->fd, r->c->batch ? FRAGLAB_IOC_BATCH :
			     FRAGLAB_IOC_ALLOC, arg);
		break;
	case RK_POOL:
		ret = xioctl(r->fd, r->c->batch ? FRAGLAB_IOC_POOL_BATCH :
			     FRAGLAB_IOC_POOL_ALLOC, arg);
		break;
	default:
		ret = xioctl(r->fd, r->c->batch ? FRAGLAB_IOC_OBJ_BATCH :
			     FRAGLAB_IOC_OBJ_ALLOC, arg);
		break;
	}
	pthread_join(tb, NULL);
	if (r->c->batch) {
		tap_is_int(b.done, 1, "%s: the batch reports the first element done",
			   r->c->name);
		/* element 0 reached userspace: it is the caller's to free */
		race_free(r, *(uint64_t *)(e - es + r->c->handle_off));
	}
close_uffd:
	close(r->uffd);
unmap:
	munmap(r->map, 2 * r->pg);
	return ret;
}

/* Nothing of this case's kind is left allocated; the checker is clean. */
static int race_empty(struct race *r)
{
	struct fraglab_check chk = { 0 };
	int live = -1;

	switch (r->c->kind) {
	case RK_PAGES: {
		struct fraglab_stats s = { 0 };

		if (!xioctl(r->fd, FRAGLAB_IOC_STATS, &s))
			live = s.nr_allocated;
		break;
	}
	case RK_POOL: {
		struct fraglab_pool_info pi = { .pool_id = r->id };

		if (!xioctl(r->fd, FRAGLAB_IOC_POOL_INFO, &pi))
			live = pi.nr_allocated;
		break;
	}
	case RK_OBJ: {
		struct fraglab_cache_info ci = { .cache_id = r->id };

		if (!xioctl(r->fd, FRAGLAB_IOC_CACHE_INFO, &ci))
			live = ci.active_objs;
		break;
	}
	}
	tap_is_int(live, 0, "%s: nothing left allocated", r->c->name);
	tap_ok(!xioctl(r->fd, FRAGLAB_IOC_CHECK, &chk) && !chk.result,
	       "%s: FRAGLAB_IOC_CHECK clean (%s)", r->c->name, chk.message);
	return 0;
}

static void run_case(const struct race_case *c)
{
	struct race r = { .c = c };
	int ret;

	r.fd = open(FRAGLAB_DEVICE, O_RDWR);
	if (!tap_ok(r.fd >= 0, "%s: open", c->name))
		return;
	if (c->kind == RK_POOL) {
		struct fraglab_pool_create pc = { .size = 64 * 1024 };

		if (!tap_is_int(xioctl(r.fd, FRAGLAB_IOC_POOL_CREATE, &pc), 0,
				"%s: pool create", c->name))
			goto out;
		r.id = pc.pool_id;
	} else if (c->kind == RK_OBJ) {
		struct fraglab_cache_create cc = { .object_size = 64 };

		snprintf(cc.name, sizeof(cc.name), "t_race");
		if (!tap_is_int(xioctl(r.fd, FRAGLAB_IOC_CACHE_CREATE, &cc), 0,
				"%s: cache create", c->name))
			goto out;
		r.id = cc.cache_id;
	}

	ret = race_round(&r, 1);
	if (ret == 1) {
		tap_fail("setup failed", "%s: straddling argument round", c->name);
		goto out;
	}
	tap_is_int(r.b_err, 0, "%s: thread B saw the copy-out block and woke it",
		   c->name);
	tap_ok(r.b_handle != 0, "%s: the handle was visible before the fault (0x%llx)",
	       c->name, (unsigned long long)r.b_handle);
	tap_is_int(r.b_free_ret, 0, "%s: B freed the handle while the copy-out was blocked",
		   c->name);
	tap_is_int(ret, -EFAULT, "%s: the ioctl fails with EFAULT", c->name);
	race_empty(&r);

	/* Without B's free the undo itself must free the allocation. */
	ret = race_round(&r, 0);
	tap_is_int(ret, -EFAULT, "%s: no race: EFAULT again", c->name);
	tap_is_int(race_free(&r, r.b_handle), -ENOENT,
		   "%s: no race: the undone handle is gone", c->name);
	race_empty(&r);
out:
	close(r.fd);
}

int main(void)
{
	const char *only = getenv("FL_RACE_CASE");
	size_t i;

	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	/*
	 * The rounds hold the copy-out with userfaultfd write-protection.
	 * A kernel built without CONFIG_USERFAULTFD (the debug kernel of
	 * check-debug: tests/vm/debug.config does not ask for it) cannot
	 * run them: say so, once.  Any other setup failure still fails.
	 */
	if (uffd < 0 && errno == ENOSYS) {
		tap_skip("no userfaultfd in this kernel (CONFIG_USERFAULTFD)",
			 "the straddling-argument race rounds");
		return tap_done();
	}
	if (uffd >= 0)
		close(uffd);
	if (fl_box_load("arena_mb=16"))
		tap_bail("insmod failed");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!only || !strcmp(only, cases[i].name))
			run_case(&cases[i]);
	tap_ok(!fl_box_unload(), "rmmod");
	return tap_done();
}
