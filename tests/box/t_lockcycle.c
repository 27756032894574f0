// SPDX-License-Identifier: GPL-2.0
/*
 * t_lockcycle - debugfs readdir, mmap() and CACHE/POOL_CREATE in three
 * threads of one process must not deadlock.
 *
 * The cycle t_fuzz hung in (6.1 and 6.12, killed by the harness):
 *
 *   R  getdents64() on debugfs "slabs/" (or "pools/") holds the
 *      directory's i_rwsem while it copies entries to user memory; the
 *      copy faults and the fault needs this process's mmap_lock;
 *   D  mmap() of /dev/fraglab holds mmap_lock (write) and fl_mmap()
 *      takes fl_dev.lock;
 *   C  CACHE_CREATE (or POOL_CREATE) held fl_dev.lock while it created
 *      the cache's debugfs file, which takes the directory's i_rwsem.
 *
 * Made deterministic with userfaultfd: R's buffer is a missing page of a
 * registered range, so R stops in the fault holding i_rwsem; then C
 * starts, then D, then U resolves R's fault (UFFDIO_ZEROPAGE).  In the
 * code this was written against C blocks on i_rwsem holding fl_dev.lock,
 * D on fl_dev.lock holding mmap_lock, and R's retried fault (or U's
 * ZEROPAGE) on mmap_lock: nobody finishes.  Fixed, C creates the debugfs
 * entry without fl_dev.lock (fl_dev.h, "Lock ordering"), D gets the
 * lock, and everything finishes at once.
 *
 * The scenario runs in a child; if it has not finished in 10 s the parent
 * SIGKILLs it (R's waits are killable, which breaks the cycle, so the box
 * survives to report) and the case fails.  C is, in turn, CACHE_CREATE,
 * CACHE_DESTROY, close() of another fd that owns a cache (its release),
 * and the same three for a fit pool.
 *
 * Needs userfaultfd: the debug kernel (no CONFIG_USERFAULTFD) says SKIP;
 * lockdep there sees the cycle's edges instead (t_fuzz runs there).
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "fl_box.h"

#define PAGE	4096UL
#define DEBUGFS	"/sys/kernel/debug/fraglab"

/* Shared with the parent: which thread finished, and how. */
struct progress {
	_Atomic int r_done, c_done, d_done, u_done;
	int r_ret, c_ret, d_ret, u_ret;
	_Atomic int id;		/* the cache or pool the first round made */
};

enum { CREATE, DESTROY, CLOSE };

static const char *const mode_name[2][3] = {
	{ "CACHE_CREATE", "CACHE_DESTROY", "close() of an fd with a cache" },
	{ "POOL_CREATE", "POOL_DESTROY", "close() of an fd with a pool" },
};

struct scene {
	int fd, fd2, uffd, pool, mode;
	char *page;		/* R's getdents buffer: missing, registered */
	unsigned long off;	/* mmap offset of a live allocation */
	struct progress *pr;
};

static void *thread_r(void *arg)
{
	struct scene *s = arg;
	int dfd = open(s->pool ? DEBUGFS "/pools" : DEBUGFS "/slabs", O_RDONLY | O_DIRECTORY);

	s->pr->r_ret = dfd < 0 ? -errno :
		       (int)syscall(SYS_getdents64, dfd, s->page, PAGE) < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	atomic_store(&s->pr->r_done, 1);
	return NULL;
}

/* Create a cache or pool on @fd; its id, or -1. */
static int make(int fd, int pool)
{
	if (pool) {
		struct fraglab_pool_create pc = { .size = 64 * 1024 };

		return ioctl(fd, FRAGLAB_IOC_POOL_CREATE, &pc) ? -1 : (int)pc.pool_id;
	} else {
		struct fraglab_cache_create cc = { .object_size = 64 };

		snprintf(cc.name, sizeof(cc.name), "lockcycle%d", fd);
		return ioctl(fd, FRAGLAB_IOC_CACHE_CREATE, &cc) ? -1 : (int)cc.cache_id;
	}
}

static void *thread_c(void *arg)
{
	struct scene *s = arg;
	int ret = 0;

	if (s->mode == CREATE) {
		ret = make(s->fd, s->pool) < 0 ? -errno : 0;
	} else if (s->mode == CLOSE) {
		/* the file's release runs on this thread's way back to user */
		ret = close(s->fd2) ? -errno : 0;
	} else if (s->pool) {
		struct fraglab_pool_op op = { .pool_id = atomic_load(&s->pr->id) };

		ret = ioctl(s->fd, FRAGLAB_IOC_POOL_DESTROY, &op) ? -errno : 0;
	} else {
		struct fraglab_cache_op op = { .cache_id = atomic_load(&s->pr->id) };

		ret = ioctl(s->fd, FRAGLAB_IOC_CACHE_DESTROY, &op) ? -errno : 0;
	}
	s->pr->c_ret = ret;
	atomic_store(&s->pr->c_done, 1);
	return NULL;
}

static void *thread_d(void *arg)
{
	struct scene *s = arg;
	void *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->fd, s->off);

	s->pr->d_ret = m == MAP_FAILED ? -errno : 0;
	atomic_store(&s->pr->d_done, 1);
	return NULL;
}

static void *thread_u(void *arg)
{
	struct scene *s = arg;
	struct uffdio_zeropage zp = {
		.range = { .start = (unsigned long)s->page, .len = PAGE },
	};

	s->pr->u_ret = ioctl(s->uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
	atomic_store(&s->pr->u_done, 1);
	return NULL;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The child: set the scene, start R, C, D, U in that order, wait. */
static void __attribute__((noreturn)) scene_child(struct progress *pr, int pool, int mode)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct fraglab_alloc a = { .order = 0, .flags = FRAGLAB_ALLOC_BY_ORDER,
				   .migratetype = FRAGLAB_MT_MOVABLE };
	struct fraglab_query q = { 0 };
	struct scene s = { .pool = pool, .mode = mode, .pr = pr };
	struct pollfd pfd;
	pthread_t r, c, d, u;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a killed test takes it along */
	s.fd = open(FRAGLAB_DEVICE, O_RDWR);
	if (s.fd < 0 || ioctl(s.fd, FRAGLAB_IOC_ALLOC, &a))
		_exit(10);
	q.handle = a.handle;
	if (ioctl(s.fd, FRAGLAB_IOC_QUERY, &q))
		_exit(11);
	s.off = q.mmap_offset;
	/* what DESTROY and CLOSE take away, made before the scene */
	if (mode == DESTROY) {
		atomic_store(&pr->id, make(s.fd, pool));
		if (atomic_load(&pr->id) < 0)
			_exit(14);
	}
	if (mode == CLOSE) {
		s.fd2 = open(FRAGLAB_DEVICE, O_RDWR);
		if (s.fd2 < 0 || make(s.fd2, pool) < 0)
			_exit(15);
	}
	s.page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg.range.start = (unsigned long)s.page;
	reg.range.len = PAGE;
	if (s.page == MAP_FAILED || s.uffd < 0 || ioctl(s.uffd, UFFDIO_API, &api) ||
	    ioctl(s.uffd, UFFDIO_REGISTER, &reg))
		_exit(12);

	/* R stops in its copy to user memory, holding the directory */
	pthread_create(&r, NULL, thread_r, &s);
	pfd.fd = s.uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1)
		_exit(13);
	/* C: (in the old code) fl_dev.lock, then blocked on the directory */
	pthread_create(&c, NULL, thread_c, &s);
	msleep(500);
	/* D: mmap_lock, then fl_dev.lock */
	pthread_create(&d, NULL, thread_d, &s);
	msleep(500);
	/* U: let R's fault finish; its retry needs mmap_lock */
	pthread_create(&u, NULL, thread_u, &s);
	pthread_join(u, NULL);
	pthread_join(d, NULL);
	pthread_join(c, NULL);
	pthread_join(r, NULL);
	_exit(0);
}

static void run_case(struct progress *pr, int pool, int mode)
{
	const char *what = mode_name[pool][mode];
	int status = -1, i, done = 0;
	pid_t pid;

	atomic_store(&pr->r_done, 0);
	atomic_store(&pr->c_done, 0);
	atomic_store(&pr->d_done, 0);
	atomic_store(&pr->u_done, 0);
	pid = fork();
	if (pid == 0)
		scene_child(pr, pool, mode);
	for (i = 0; i < 100 && !done; i++) {
		msleep(100);
		done = waitpid(pid, &status, WNOHANG) == pid;
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (!tap_ok(done && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "%s, mmap() and a debugfs readdir in three threads finish%s", what,
		    done ? "" : " (DEADLOCK: killed after 10 s)"))
		tap_diag("readdir %s, %s %s, mmap %s, uffd zeropage %s; child status %#x",
			 pr->r_done ? "done" : "stuck", what, pr->c_done ? "done" : "stuck",
			 pr->d_done ? "done" : "stuck", pr->u_done ? "done" : "stuck", status);
	else
		tap_ok(!pr->r_ret && !pr->c_ret && !pr->d_ret && !pr->u_ret,
		       "%s %d, mmap %d, readdir %d, zeropage %d", what, pr->c_ret, pr->d_ret,
		       pr->r_ret, pr->u_ret);
}

int main(void)
{
	struct progress *pr;
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC), pool, mode;

	if (uffd < 0 && errno == ENOSYS) {
		tap_skip("no userfaultfd in this kernel (CONFIG_USERFAULTFD)",
			 "the readdir/mmap/create lock-cycle rounds");
		return tap_done();
	}
	if (uffd >= 0)
		close(uffd);
	pr = mmap(NULL, sizeof(*pr), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pr == MAP_FAILED)
		tap_bail("mmap");
	if (fl_box_load("arena_mb=16"))
		tap_bail("insmod failed");
	for (pool = 0; pool < 2; pool++)
		for (mode = CREATE; mode <= CLOSE; mode++)
			run_case(pr, pool, mode);
	tap_ok(!fl_box_unload(), "rmmod");
	return tap_done();
}
