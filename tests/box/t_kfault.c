// SPDX-License-Identifier: GPL-2.0
/*
 * t_kfault - the kernel's own fault injection (FAILSLAB + FAIL_PAGE_ALLOC)
 * against every fraglab ioctl that allocates.
 *
 * Runs on kernels with CONFIG_FAILSLAB / CONFIG_FAIL_PAGE_ALLOC and their
 * debugfs (the debug kernel of `make check-debug`); elsewhere one SKIP.
 *
 * Both injectors are set to task-filter mode, so only this process fails
 * (it sets /proc/self/make-it-fail around each round), with
 * ignore-gfp-wait=N so GFP_KERNEL allocations are candidates too, and
 * verbose=0.  Each round runs a fixed sequence of buddy, batch, slab,
 * pool and compaction ioctls at one failure probability (100%, 50%, 10%,
 * 2%), then turns injection off and checks:
 *
 *  - every call returned 0 or -ENOMEM (nothing else, no crash, no splat);
 *  - the invariant checker (FRAGLAB_IOC_CHECK) is clean;
 *  - closing the fd gives every arena page back (stats on a new fd);
 *  - everything works again with injection off.
 *
 * A failed allocation may print a "page allocation failure" report with a
 * call trace (the slab allocator's own page refills are not __GFP_NOWARN);
 * the test brackets each round with "fraglab-box: expected allocation-
 * failure reports begin/end" in the kernel log, and the box ignores only
 * "Call Trace" lines inside such brackets: WARNING:, BUG:, KASAN, lockdep
 * and every other report still fail the run.
 *
 * No userspace memory is touched for the first time while injection is on
 * (mlockall, static buffers): a page fault that fails would be a test
 * artefact, not a fraglab bug.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>

#include "fl_box.h"

#define FS	"/sys/kernel/debug/failslab"
#define FPA	"/sys/kernel/debug/fail_page_alloc"
#define NBATCH	32
#define DEVKMSG	"/proc/sys/kernel/printk_devkmsg"

static int mif_fd = -1;
static int kmsg_fd = -1;
static struct fraglab_alloc reqs[NBATCH];
static struct fraglab_handle hs[NBATCH];
static struct fraglab_obj objs[NBATCH];
static struct fraglab_pool_alloc pas[NBATCH];

struct tally {
	int calls, ok, enomem, other;
	int first_other_ret;
	const char *first_other_what;
};

static int set_attr(const char *dir, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return fl_box_write(path, val);
}

static int config_injector(const char *dir, const char *probability)
{
	int ret = 0;

	ret |= set_attr(dir, "task-filter", "Y");
	ret |= set_attr(dir, "ignore-gfp-wait", "N");
	ret |= set_attr(dir, "verbose", "0");
	ret |= set_attr(dir, "interval", "1");
	ret |= set_attr(dir, "times", "-1");
	ret |= set_attr(dir, "space", "0");
	ret |= set_attr(dir, "probability", probability);
	if (!strcmp(dir, FPA)) {
		ret |= set_attr(dir, "ignore-gfp-highmem", "N");
		ret |= set_attr(dir, "min-order", "0");
	}
	return ret;
}

static char devkmsg_saved[32];

static const char *read_devkmsg(void)
{
	int fd = open(DEVKMSG, O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, devkmsg_saved, sizeof(devkmsg_saved) - 1);
		close(fd);
	}
	devkmsg_saved[n > 0 ? n : 0] = '\0';
	return devkmsg_saved;
}

static void kmsg(const char *s)
{
	if (kmsg_fd >= 0 && write(kmsg_fd, s, strlen(s)) < 0)
		tap_diag("write /dev/kmsg: %s", strerror(errno));
}

/* Only write()s on fds opened beforehand: nothing here allocates. */
static void make_it_fail(int on)
{
	if (on)
		kmsg("<4>fraglab-box: expected allocation-failure reports begin\n");
	if (pwrite(mif_fd, on ? "1" : "0", 1, 0) != 1)
		tap_bail("write /proc/self/make-it-fail: %s", strerror(errno));
	if (!on)
		kmsg("<4>fraglab-box: expected allocation-failure reports end\n");
}

static void count(struct tally *t, const char *what, int ret)
{
	t->calls++;
	if (!ret)
		t->ok++;
	else if (ret == -ENOMEM)
		t->enomem++;
	else if (t->other++ == 0) {
		t->first_other_ret = ret;
		t->first_other_what = what;
	}
}

static void batch_reqs(void)
{
	int i;

	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i < NBATCH; i++) {
		reqs[i].flags = FRAGLAB_ALLOC_BY_ORDER;
		reqs[i].order = i % 4;
		reqs[i].migratetype = i % 3;
	}
}

/*
 * A destroy is -EBUSY exactly when an earlier free of that cache or pool
 * failed (with -ENOMEM: counted already); the fd's close frees the rest.
 */
static void count_destroy(struct tally *t, const char *what, int ret, int free_failed)
{
	count(t, what, ret == -EBUSY && free_failed ? 0 : ret);
}

/* One round of every allocating ioctl; whatever is left goes at close. */
static void round_ops(struct fraglab *fl, struct tally *t, unsigned int round)
{
	struct fraglab_pool_create pc;
	struct fraglab_alloc a[4];
	struct fraglab_compact c;
	uint32_t done, cid, i, n;
	int ret, got[4], free_failed;
	char name[32];

	for (i = 0; i < 4; i++) {
		ret = fraglab_alloc(fl, 0, i * 3, i % 3, &a[i]);
		got[i] = !ret;
		count(t, "alloc", ret);
	}

	batch_reqs();
	ret = fraglab_alloc_batch(fl, reqs, NBATCH, &done);
	count(t, "alloc batch", ret);
	memset(hs, 0, sizeof(hs));
	for (i = 0; i < done; i++)
		hs[i].handle = reqs[i].handle;
	if (done)
		count(t, "free batch", fraglab_free_batch(fl, hs, done, &n));

	/* a name per round: a cache left -EBUSY would make the next -EEXIST */
	snprintf(name, sizeof(name), "kfault%u", round);
	ret = fraglab_cache_create(fl, name, 96, 0, 0, &cid);
	count(t, "cache create", ret);
	if (!ret) {
		memset(objs, 0, sizeof(objs));
		for (i = 0; i < NBATCH; i++)
			objs[i].cache_id = cid;
		ret = fraglab_obj_batch(fl, FRAGLAB_OBJ_BATCH_ALLOC, objs, NBATCH, &done);
		count(t, "object batch alloc", ret);
		for (i = 0; i < done; i++)
			objs[i].result = 0;
		free_failed = 0;
		if (done) {
			ret = fraglab_obj_batch(fl, FRAGLAB_OBJ_BATCH_FREE, objs, done, &n);
			count(t, "object batch free", ret);
			free_failed = ret != 0;
		}
		count_destroy(t, "cache destroy", fraglab_cache_destroy(fl, cid), free_failed);
	}

	ret = fraglab_pool_create(fl, 256 * 1024, 0, round % 4, &pc);
	count(t, "pool create", ret);
	if (!ret) {
		memset(pas, 0, sizeof(pas));
		for (i = 0; i < NBATCH; i++) {
			pas[i].pool_id = pc.pool_id;
			pas[i].size = 1000 + 100 * i;
		}
		ret = fraglab_pool_batch(fl, FRAGLAB_POOL_BATCH_ALLOC, pas, NBATCH, &done);
		count(t, "pool batch alloc", ret);
		free_failed = 0;
		for (i = 0; i < done; i += 2) {
			ret = fraglab_pool_free(fl, pc.pool_id, pas[i].handle);
			count(t, "pool free", ret);
			free_failed |= ret != 0;
		}
		count(t, "pool compact", fraglab_pool_compact(fl, pc.pool_id, NULL));
		for (i = 1; i < done; i += 2) {
			ret = fraglab_pool_free(fl, pc.pool_id, pas[i].handle);
			count(t, "pool free", ret);
			free_failed |= ret != 0;
		}
		count_destroy(t, "pool destroy", fraglab_pool_destroy(fl, pc.pool_id),
			      free_failed);
	}

	/* free two of the singles to leave holes, then compact around them */
	for (i = 0; i < 4; i += 2)
		if (got[i])
			count(t, "free", fraglab_free(fl, a[i].handle));
	count(t, "compact", fraglab_compact(fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0, &c));
	for (i = 1; i < 4; i += 2)
		if (got[i])
			count(t, "free", fraglab_free(fl, a[i].handle));
}

static int arena_all_free(struct fraglab_stats *st)
{
	struct fraglab fl;
	int ret;

	ret = fraglab_open(&fl, NULL);
	if (ret)
		return ret;
	ret = fraglab_stats(&fl, st);
	fraglab_close(&fl);
	return ret;
}

static void run_round(const char *prob, int rounds)
{
	struct fraglab_stats st;
	struct tally t = { 0 };
	struct fraglab fl;
	char msg[160];
	int r, ret;

	if (config_injector(FS, prob) || config_injector(FPA, prob)) {
		tap_fail("a debugfs write failed", "configure the injectors at p=%s%%", prob);
		return;
	}
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open (p=%s%%)", prob))
		return;
	for (r = 0; r < rounds; r++) {
		make_it_fail(1);
		round_ops(&fl, &t, r);
		make_it_fail(0);
	}
	tap_diag("p=%s%%: %d calls, %d ok, %d ENOMEM, %d other", prob, t.calls,
		 t.ok, t.enomem, t.other);
	if (!tap_is_int(t.other, 0, "p=%s%%: every failure is -ENOMEM", prob))
		tap_diag("first other: %s -> %d (%s)", t.first_other_what,
			 t.first_other_ret, strerror(-t.first_other_ret));
	if (!strcmp(prob, "100"))
		tap_ok(t.enomem > 0, "p=100%%: injection reached fraglab (%d ENOMEM)", t.enomem);
	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "p=%s%%: invariant checker clean%s%s", prob,
		   ret ? ": " : "", ret ? msg : "");
	fraglab_close(&fl);
	ret = arena_all_free(&st);
	if (tap_is_int(ret, 0, "p=%s%%: stats on a new fd", prob))
		tap_ok(st.free_pages == st.total_pages && !st.nr_allocated,
		       "p=%s%%: every arena page is free after close (%llu/%llu, %llu allocated)",
		       prob, (unsigned long long)st.free_pages,
		       (unsigned long long)st.total_pages,
		       (unsigned long long)st.nr_allocated);
}

static void works_again(void)
{
	struct tally t = { 0 };
	struct fraglab fl;

	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open with injection off"))
		return;
	round_ops(&fl, &t, 0);
	tap_ok(t.ok == t.calls, "injection off: all %d calls succeed (%d ENOMEM, %d other)",
	       t.calls, t.enomem, t.other);
	fraglab_close(&fl);
}

int main(void)
{
	static const char *const probs[] = { "100", "50", "10", "2" };
	unsigned int i;

	if (access(FS "/probability", W_OK) || access(FPA "/probability", W_OK)) {
		tap_skip("kernel without FAILSLAB/FAIL_PAGE_ALLOC debugfs",
			 "kernel fault injection sweep");
		return tap_done();
	}
	if (!tap_ok(fl_box_load("arena_mb=16") == 0, "insmod arena_mb=16"))
		return tap_done();
	mif_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (!tap_ok(mif_fd >= 0, "open /proc/self/make-it-fail"))
		return tap_done();
	/* the brackets must not be rate-limited away (devkmsg default) */
	read_devkmsg();
	tap_is_int(fl_box_write(DEVKMSG, "on\n"), 0, "printk_devkmsg=on for the brackets");
	kmsg_fd = open("/dev/kmsg", O_WRONLY);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		tap_diag("mlockall: %s (continuing)", strerror(errno));

	for (i = 0; i < sizeof(probs) / sizeof(probs[0]); i++)
		run_round(probs[i], i == 0 ? 2 : 10);

	config_injector(FS, "0");
	config_injector(FPA, "0");
	works_again();
	tap_ok(fl_box_unload() == 0, "rmmod");
	if (devkmsg_saved[0])
		fl_box_write(DEVKMSG, devkmsg_saved);
	return tap_done();
}
