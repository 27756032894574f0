// SPDX-License-Identifier: GPL-2.0
/*
 * t_loadorder - debugfs files exist only while what they read does.
 *
 * A reader process opens and reads every file under
 * /sys/kernel/debug/fraglab (slabs/ and pools/ too) in a tight loop, and
 * "check" and "slabinfo" by name in between, while the module is
 * loaded and unloaded:
 *
 *  1. 50 x insmod / rmmod;
 *  2. 25 x insmod slab_selftest=1 (the self-test runs inside the load);
 *  3. 25 x insmod slab_selftest=1 selftest_fail_meta=1: the self-test's
 *     first metadata allocation fails, so every load must fail, cleanly.
 *
 * 100 loads in all, within the box's 120 s per test under TCG.  On
 * b1df4ce (debugfs before the subsystems) the first round crashed the
 * kernel in its first seconds: fl_slab_check() on the NULL slab root.
 *
 * A file created before its subsystem (or left after a failed self-test
 * freed the slab root) is read with a NULL or freed root: a kernel report,
 * which fails the box run.  An open debugfs file holds a module reference
 * (rmmod fails with EWOULDBLOCK meanwhile) and once the module is going
 * debugfs refuses new opens, so the reader pauses for each rmmod: it
 * reads during every load and while the module is loaded.  One reader:
 * two took the loads' CPU (2 vCPUs), 111 s for the 100 loads on 6.1.
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "fl_box.h"

#define DEBUGFS	"/sys/kernel/debug/fraglab"
#define NREADERS 1

static volatile int *pause_flag;	/* shared: 1 while main unloads */
static volatile int *paused;		/* shared: readers parked */

static void __attribute__((noreturn)) reader(int *counter)
{
	static const char *const named[] = { DEBUGFS "/check", DEBUGFS "/slabinfo" };
	unsigned long n = 0;
	char buf[4096];

	/* dies with the test, even if the harness SIGKILLs it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		unsigned int i;

		if (*pause_flag) {
			__atomic_add_fetch(paused, 1, __ATOMIC_SEQ_CST);
			while (*pause_flag)
				usleep(200);
			__atomic_sub_fetch(paused, 1, __ATOMIC_SEQ_CST);
		}
		n += fl_box_read_tree(DEBUGFS, 2, "fail_meta_alloc", pause_flag);
		usleep(500);	/* leave the loads some CPU */
		for (i = 0; i < 2 && !*pause_flag; i++) {
			int fd = open(named[i], O_RDONLY);

			if (fd < 0)
				continue;
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
			n++;
		}
		__atomic_store_n(counter, (int)(n > 0x7fffffff ? 0x7fffffff : n), __ATOMIC_RELAXED);
	}
}

/* rmmod with the readers parked (their open files are module references). */
static int unload(void)
{
	int i, ret = -1;

	*pause_flag = 1;
	for (i = 0; i < 20000 && __atomic_load_n(paused, __ATOMIC_SEQ_CST) < NREADERS; i++)
		usleep(100);
	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "fraglab", O_NONBLOCK)) {
			ret = 0;
			break;
		}
		if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EBUSY)
			break;
		usleep(1000);
	}
	*pause_flag = 0;
	return ret;
}

static void cycles(const char *params, int n, int want_ok, const char *what)
{
	int i, loaded = 0, refused = 0, bad_unload = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (i = 0; i < n; i++) {
		if (!fl_box_load(params)) {
			loaded++;
			if (unload())
				bad_unload++;
		} else {
			refused++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("%s: %.1f s", what, t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (want_ok)
		tap_is_int(loaded, n, "%s: %d of %d loads worked", what, loaded, n);
	else
		tap_is_int(refused, n, "%s: %d of %d loads failed as injected", what, refused, n);
	tap_is_int(bad_unload, 0, "%s: every rmmod worked", what);
}

static int reads(const int *counts)
{
	int i, n = 0;

	for (i = 0; i < NREADERS; i++)
		n += counts[i];
	return n;
}

int main(void)
{
	int *counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[NREADERS];
	int i, before;

	if (!tap_ok(counts != MAP_FAILED, "shared counters"))
		return tap_done();
	pause_flag = &counts[NREADERS];
	paused = &counts[NREADERS + 1];
	for (i = 0; i < NREADERS; i++) {
		pids[i] = fork();
		if (!pids[i])
			reader(&counts[i]);
	}
	cycles("arena_mb=4", 50, 1, "50 x insmod/rmmod under debugfs readers");
	before = reads(counts);
	cycles("arena_mb=4 slab_selftest=1", 25, 1, "25 x insmod slab_selftest=1");
	cycles("arena_mb=4 slab_selftest=1 selftest_fail_meta=1 >/dev/null 2>&1", 25, 0,
	       "25 x insmod with a failing self-test");
	for (i = 0; i < NREADERS; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	tap_diag("debugfs files read: %d (%d during the self-test rounds)",
		 reads(counts), reads(counts) - before);
	tap_ok(reads(counts) > 100, "the reader read while the module came and went");
	if (access("/sys/module/fraglab", F_OK) == 0)
		tap_ok(unload() == 0, "rmmod after the last cycle");
	return tap_done();
}
