// SPDX-License-Identifier: GPL-2.0
/*
 * t_priv - who may call what on a dev_mode=0666 device.
 *
 * Module-wide knobs and whole-arena work need CAP_SYS_ADMIN, like the
 * kernel's own (vm.* sysctls are root-only, /proc/sys/vm/compact_memory
 * is 0200, /proc/pagetypeinfo 0400): every FRAGLAB_IOC_SET key, COMPACT,
 * HUGEPAGES_ARENA, CHECK, BENCH, PROBE_SYSTEM trials and the debugfs
 * fail_meta_alloc write.  Everything on the caller's own allocations,
 * caches and pools stays open to whoever may open the device.
 *
 * A child drops to uid/gid 65534 (no capabilities) before it opens the
 * device and reports each call's result through a pipe; another child
 * stays uid 0 but drops CAP_SYS_ADMIN (so debugfs' file modes still let
 * it open fail_meta_alloc and the module's own check answers).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fl_box.h"

static int report_fd;

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* One result line for the parent: "want got name". */
static void report(int got, int want, const char *name)
{
	dprintf(report_fd, "%d %d %s\n", want, got, name);
}

static void module_wide_ops(int fd)
{
	static const uint32_t keys[] = {
		FRAGLAB_SET_GROUP_BY_MOBILITY, FRAGLAB_SET_PROACTIVE,
		FRAGLAB_SET_PCP_HIGH,
	};
	struct fraglab_hugepages_arena *h = calloc(1, sizeof(*h));
	struct fraglab_probe_system *p = calloc(1, sizeof(*p));
	struct fraglab_compact *c = calloc(1, sizeof(*c));
	struct fraglab_check chk = { 0 };
	struct fraglab_bench b = { 0 };
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct fraglab_setting s = { .key = keys[i], .value = 1 };

		snprintf(name, sizeof(name), "SET key %u", keys[i]);
		report(xioctl(fd, FRAGLAB_IOC_SET, &s), -EPERM, name);
	}
	c->mode = FRAGLAB_COMPACT_MODE_FULL;
	report(xioctl(fd, FRAGLAB_IOC_COMPACT, c), -EPERM, "COMPACT (whole arena)");
	report(xioctl(fd, FRAGLAB_IOC_HUGEPAGES_ARENA, h), -EPERM, "HUGEPAGES_ARENA");
	report(xioctl(fd, FRAGLAB_IOC_CHECK, &chk), -EPERM, "CHECK");
	report(xioctl(fd, FRAGLAB_IOC_BENCH, &b), -EPERM, "BENCH");
	p->flags = FRAGLAB_PROBE_TRY;
	p->try_count = 1;
	report(xioctl(fd, FRAGLAB_IOC_PROBE_SYSTEM, p), -EPERM, "PROBE_SYSTEM trial");
	free(h);
	free(p);
	free(c);
}

static void own_object_ops(int fd)
{
	struct fraglab_probe_system *p = calloc(1, sizeof(*p));
	struct fraglab_setting s = { .key = FRAGLAB_SET_PROACTIVE };
	struct fraglab_alloc a = { .size = 4096, .migratetype = FRAGLAB_MT_MOVABLE };
	struct fraglab_alloc ba[2] = {
		{ .size = 4096 }, { .size = 8192 },
	};
	struct fraglab_batch bt = { .ptr = (uintptr_t)ba, .count = 2,
				    .op = FRAGLAB_BATCH_ALLOC };
	struct fraglab_cache_create cc = { .object_size = 32, .name = "t_priv" };
	struct fraglab_pool_create pc = { .size = 64 * 1024 };
	struct fraglab_page pages[4];
	struct fraglab_page_info pi = { .ptr = (uintptr_t)pages, .count = 4 };
	struct fraglab_version v = { 0 };
	struct fraglab_stats st = { 0 };
	struct fraglab_query q = { 0 };
	struct fraglab_handle fh = { 0 };
	void *m;

	report(xioctl(fd, FRAGLAB_IOC_VERSION, &v), 0, "VERSION");
	report(xioctl(fd, FRAGLAB_IOC_STATS, &st), 0, "STATS");
	report(xioctl(fd, FRAGLAB_IOC_GET, &s), 0, "GET");
	report(xioctl(fd, FRAGLAB_IOC_PROBE_SYSTEM, p), 0, "PROBE_SYSTEM (read only)");
	report(xioctl(fd, FRAGLAB_IOC_PAGE_INFO, &pi), 0, "PAGE_INFO");
	report(xioctl(fd, FRAGLAB_IOC_ALLOC, &a), 0, "ALLOC");
	q.handle = a.handle;
	report(xioctl(fd, FRAGLAB_IOC_QUERY, &q), 0, "QUERY own handle");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, q.mmap_offset);
	report(m == MAP_FAILED ? -errno : 0, 0, "mmap own allocation");
	if (m != MAP_FAILED) {
		memset(m, 0xa5, 4096);
		munmap(m, 4096);
	}
	fh.handle = a.handle;
	report(xioctl(fd, FRAGLAB_IOC_FREE, &fh), 0, "FREE");
	report(xioctl(fd, FRAGLAB_IOC_BATCH, &bt), 0, "BATCH alloc");
	{
		struct fraglab_handle hs[2] = {
			{ .handle = ba[0].handle }, { .handle = ba[1].handle },
		};

		bt.ptr = (uintptr_t)hs;
		bt.op = FRAGLAB_BATCH_FREE;
		bt.done = 0;
		report(xioctl(fd, FRAGLAB_IOC_BATCH, &bt), 0, "BATCH free");
	}

	report(xioctl(fd, FRAGLAB_IOC_CACHE_CREATE, &cc), 0, "CACHE_CREATE");
	{
		struct fraglab_obj o = { .cache_id = cc.cache_id };
		struct fraglab_cache_info ci = { .cache_id = cc.cache_id };
		struct fraglab_cache_op op = { .cache_id = cc.cache_id };

		report(xioctl(fd, FRAGLAB_IOC_OBJ_ALLOC, &o), 0, "OBJ_ALLOC");
		report(xioctl(fd, FRAGLAB_IOC_CACHE_INFO, &ci), 0, "CACHE_INFO");
		o.offset = 0;
		o.constructed = 0;
		report(xioctl(fd, FRAGLAB_IOC_OBJ_FREE, &o), 0, "OBJ_FREE");
		report(xioctl(fd, FRAGLAB_IOC_CACHE_SHRINK, &op), 0, "CACHE_SHRINK");
		op.pages = 0;
		report(xioctl(fd, FRAGLAB_IOC_CACHE_DESTROY, &op), 0, "CACHE_DESTROY");
	}

	report(xioctl(fd, FRAGLAB_IOC_POOL_CREATE, &pc), 0, "POOL_CREATE");
	{
		struct fraglab_pool_alloc pa = { .pool_id = pc.pool_id, .size = 100,
						 .flags = FRAGLAB_POOL_ALLOC_MOVABLE };
		struct fraglab_pool_compact pcmp = { .pool_id = pc.pool_id };
		struct fraglab_pool_info info = { .pool_id = pc.pool_id };
		struct fraglab_pool_op op = { .pool_id = pc.pool_id };

		report(xioctl(fd, FRAGLAB_IOC_POOL_ALLOC, &pa), 0, "POOL_ALLOC");
		report(xioctl(fd, FRAGLAB_IOC_POOL_COMPACT, &pcmp), 0,
		       "POOL_COMPACT (own pool)");
		report(xioctl(fd, FRAGLAB_IOC_POOL_INFO, &info), 0, "POOL_INFO");
		pa.flags = 0;
		pa.size = 0;
		pa.align = 0;
		pa.offset = 0;
		pa.granted = 0;
		report(xioctl(fd, FRAGLAB_IOC_POOL_FREE, &pa), 0, "POOL_FREE");
		op.value = 0;
		report(xioctl(fd, FRAGLAB_IOC_POOL_SET_STRATEGY, &op), 0,
		       "POOL_SET_STRATEGY");
		report(xioctl(fd, FRAGLAB_IOC_POOL_DESTROY, &op), 0, "POOL_DESTROY");
	}
	free(p);
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -errno;
	return 0;
}

/* Stay uid 0 but lose CAP_SYS_ADMIN from every set. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].inheritable &= ~(1U << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static void child_nobody(void)
{
	int fd, ret = drop_to_nobody();

	report(ret, 0, "drop to uid/gid 65534");
	if (ret)
		return;
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	report(fd < 0 ? -errno : 0, 0, "uid 65534 opens the 0666 device");
	if (fd < 0)
		return;
	module_wide_ops(fd);
	own_object_ops(fd);
	close(fd);
}

static void child_no_sys_admin(void)
{
	char path[256];
	int fd, ret = drop_sys_admin();

	report(ret, 0, "uid 0 drops CAP_SYS_ADMIN");
	if (ret)
		return;
	snprintf(path, sizeof(path), "%s/fail_meta_alloc",
		 getenv("FRAGLAB_DEBUGFS") ? getenv("FRAGLAB_DEBUGFS") :
		 "/sys/kernel/debug/fraglab");
	report(fl_box_write(path, "1"), -EPERM, "debugfs fail_meta_alloc write");
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	report(fd < 0 ? -errno : 0, 0, "open without CAP_SYS_ADMIN");
	if (fd < 0)
		return;
	module_wide_ops(fd);
	close(fd);
}

static void run_child(void (*fn)(void), const char *who)
{
	char line[256], name[200];
	int pfd[2], status, want, got, n = 0;
	FILE *in;
	pid_t pid;

	if (pipe(pfd))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		report_fd = pfd[1];
		fn();
		_exit(0);
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		if (sscanf(line, "%d %d %199[^\n]", &want, &got, name) != 3)
			continue;
		tap_is_int(got, want, "%s: %s", who, name);
		n++;
	}
	if (in)
		fclose(in);
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status) && n > 1,
	       "%s: the child ran to the end (%d results)", who, n);
}

int main(void)
{
	struct fraglab_setting s = { .key = FRAGLAB_SET_PROACTIVE };
	struct fraglab_check chk = { 0 };
	int fd;

	if (fl_box_load("arena_mb=16 dev_mode=0666"))
		tap_bail("insmod failed");
	run_child(child_nobody, "uid 65534");
	run_child(child_no_sys_admin, "uid 0 without CAP_SYS_ADMIN");

	/* Nothing the refused calls asked for happened. */
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	tap_ok(fd >= 0, "root opens the device");
	tap_is_int(xioctl(fd, FRAGLAB_IOC_GET, &s), 0, "GET proactive");
	tap_is_int(s.value, 0, "proactive compaction is still off");
	tap_is_int(xioctl(fd, FRAGLAB_IOC_CHECK, &chk), 0, "root may CHECK");
	tap_is_int(chk.result, 0, "and the arena is consistent (%s)", chk.message);
	close(fd);
	tap_ok(!fl_box_unload(), "rmmod");
	return tap_done();
}
