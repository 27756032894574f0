// SPDX-License-Identifier: GPL-2.0
/*
 * t_fuzz - adversarial concurrency fuzzer over the whole UAPI.
 *
 * fraglab is loaded with dev_mode=0666.  The parent opens two fds (slots 0
 * and 1, each with a dup'd alias) and runs 4 threads per fd, plus one
 * compaction thread and one debugfs reader.  A forked child drops to uid
 * 65534, opens its own fd (slot 2, 4 threads) and also uses the two fds it
 * inherited from the parent (open as root: the capability checks must look
 * at the caller, not at the opener).  Every thread loops over random calls
 * with plausible arguments:
 *
 *  - every ioctl of include/uapi/linux/fraglab.h, and made-up commands;
 *  - handles that are live on this fd, live on another fd, freed (stale)
 *    or made up; cache and pool ids likewise;
 *  - argument structs and batch arrays placed so that they straddle a
 *    read-write and a read-only page (copy-in works, copy-out faults: the
 *    undo paths), or a PROT_NONE page (copy-in faults);
 *  - a "sniper" that watches other threads' argument structs and frees
 *    the handle an allocation just wrote there, before its copy-out fails;
 *  - mmap of allocations into a reserved window, then munmap, mremap,
 *    madvise(MADV_DONTNEED) and mprotect while other threads fault them
 *    (SIGSEGV/SIGBUS of a racing access is caught and counted);
 *  - dup2() of a fresh open over a fd number while other threads are in
 *    an ioctl on it (the last reference then drops in that ioctl's fdput),
 *    and close() of the aliases;
 *  - module-wide settings (proactive compaction, grouping, pcp high).
 *
 * Afterwards: the invariant checker (CHECK and debugfs "check") is clean,
 * every arena page is free, rmmod works and MemFree + per-CPU pages are
 * back (tolerance below).  The box harness fails the kernel on any kernel
 * report (BUG, WARNING, KASAN, lockdep, ...).
 *
 * When the fuzzer itself fails it says where: a SIGSEGV/SIGBUS outside a
 * racing access prints a "not ok" line (address, instruction pointer for
 * addr2line, thread, what it did, the mappings around the address), and a
 * watchdog process prints every task's system call and kernel stack if
 * threads still run 30 s after the deadline.  No userfaultfd is used (the
 * debug kernel has none).
 *
 * Knobs: the duration is FL_FUZZ_SECONDS (default 60) or the kernel command
 * line's flbox.fuzz_seconds= (FRAGLAB_VM_APPEND on the host); the seed is
 * argv[1], FL_FUZZ_SEED or flbox.fuzz_seed=, else time-based.  The seed is
 * printed first: re-running with it replays every thread's choices (the
 * interleaving is the scheduler's).
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

#include "fl_box.h"

#define PAGE		4096UL
#define NSLOTS		3	/* fds: 0, 1 the parent's, 2 the child's */
#define THREADS_PER_FD	4
#define NHANDLES	256	/* remembered handles per slot */
#define NSTALE		64	/* remembered freed handles */
#define NCACHES		6	/* remembered caches per slot */
#define NPOOLS		6
#define NMAPS		48	/* mapping windows per process */
#define MAP_WIN		(256 * 1024UL)
#define ARGPAGES	12	/* per thread: 8 RW, 2 RO, 2 PROT_NONE */
#define ARG_RO		(8 * PAGE)
#define ARG_NONE	(10 * PAGE)
#define DEBUGFS		"/sys/kernel/debug/fraglab"

/* What a thread does now: for the fatal-signal report and the watchdog. */
struct thread_state {
	const char *_Atomic op;		/* a string literal: same address in every process */
	_Atomic unsigned long cmd;	/* the ioctl it is in, or 0 */
	_Atomic int tid;
};

#define NTHREADS	(THREADS_PER_FD * 2 + 2 + THREADS_PER_FD)	/* parent's, child's */

/* Counters shared with the child and the watchdog (MAP_SHARED anonymous). */
struct fuzz_stats {
	atomic_ulong calls;		/* ioctls issued */
	atomic_ulong ok;		/* ... that returned 0 */
	atomic_ulong efault;
	atomic_ulong eperm;
	atomic_ulong mm_ops;		/* mmap/munmap/mremap/madvise/mprotect */
	atomic_ulong maps;		/* mmap() of an allocation that worked */
	atomic_ulong touches;
	atomic_ulong signals;		/* SIGSEGV/SIGBUS of racing accesses */
	atomic_ulong reopens;		/* dup2 of a fresh open over a fd */
	atomic_ulong snipes;		/* handles freed from under an alloc */
	atomic_ulong debugfs_reads;
	atomic_ulong check_fail;	/* CHECK reported a violation */
	char check_msg[128];
	struct thread_state thr[NTHREADS];	/* parent's 0.., child's from 10 */
	_Atomic int done;			/* every thread joined, the child reaped */
	_Atomic int child_pid;
};

struct handle_ent {
	_Atomic uint64_t handle;
	_Atomic uint32_t kind;		/* FRAGLAB_KIND_*, 0 = empty */
	_Atomic uint32_t id;		/* cache or pool id */
};

struct slot {
	_Atomic int fd;			/* -1: not usable in this process */
	_Atomic int alias;		/* dup of fd, or -1 */
	struct handle_ent h[NHANDLES];
	_Atomic uint32_t caches[NCACHES];
	_Atomic uint32_t pools[NPOOLS];
};

struct mapwin {
	_Atomic uint64_t len;		/* 0: PROT_NONE */
};

struct thread_ctx {
	pthread_t tid;
	int slot;
	unsigned int n;
	uint64_t seed;
	char *arg;			/* ARGPAGES pages */
	_Atomic(volatile uint64_t *) watch;	/* handle field of an in-flight alloc */
	_Atomic uint32_t watch_kind, watch_id;
	_Atomic int watch_slot;
	struct thread_state *st;	/* in stats */
};

static struct fuzz_stats *stats;
static struct slot slots[NSLOTS];
static _Atomic uint64_t stale[NSTALE];
static struct mapwin maps[NMAPS];
static char *map_base;
static struct thread_ctx ctxs[THREADS_PER_FD * 2 + 2];
static unsigned int nctx;
static double deadline;

static __thread sigjmp_buf touch_jmp;
static __thread volatile int in_touch;
static __thread struct thread_ctx *self;
static pthread_barrier_t go;	/* every thread exists before any calls */

#define OP(c, name) atomic_store(&(c)->st->op, name)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: every thread's sequence follows from the seed alone. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(uint64_t *s, unsigned int n)
{
	return n ? (unsigned int)(rnd(s) % n) : 0;
}

/* Print the mappings of this process around @addr (a fatal fault's). */
static void show_maps_near(unsigned long addr)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    hi + (1UL << 20) > addr && lo < addr + (1UL << 20))
			printf("#   %s", line);
	}
	fclose(f);
}

/*
 * SIGSEGV/SIGBUS: expected while touching a mapping other threads change
 * (in_touch: counted, the touch is abandoned).  Anywhere else it is a bug
 * of the fuzzer or memory the kernel should not have written: say where,
 * then die of the signal.
 */
static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	ucontext_t *u = uc;

	if (in_touch) {
		in_touch = 0;
		siglongjmp(touch_jmp, sig);
	}
	printf("not ok - fatal %s outside a racing access: addr %p code %d rip %#llx thread %d (%s, ioctl %#lx)\n",
	       sig == SIGSEGV ? "SIGSEGV" : "SIGBUS", si->si_addr, si->si_code,
	       (unsigned long long)u->uc_mcontext.gregs[REG_RIP],
	       self ? (int)self->n : -1, self ? atomic_load(&self->st->op) : "main",
	       self ? atomic_load(&self->st->cmd) : 0UL);
	printf("# its argument pages %p, its stack near %p, map windows %p-%p\n",
	       self ? (void *)self->arg : NULL, (void *)&u, (void *)map_base,
	       (void *)(map_base + NMAPS * MAP_WIN));
	show_maps_near((unsigned long)si->si_addr);
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	atomic_fetch_add(&stats->calls, 1);
	if (self)
		atomic_store(&self->st->cmd, cmd);
	ret = ioctl(fd, cmd, arg);
	if (self)
		atomic_store(&self->st->cmd, 0UL);
	if (!ret)
		atomic_fetch_add(&stats->ok, 1);
	else if (errno == EFAULT)
		atomic_fetch_add(&stats->efault, 1);
	else if (errno == EPERM)
		atomic_fetch_add(&stats->eperm, 1);
	return ret;
}

/*
 * Where to put an argument of @size bytes: mostly whole in read-write
 * memory; else with its tail on the read-only page (copy-out faults after
 * the handler ran), wholly read-only, or running into PROT_NONE.
 */
static void *place(struct thread_ctx *c, size_t size)
{
	unsigned int r = rn(&c->seed, 100);
	size_t cut;

	if (size > ARG_RO)
		size = ARG_RO;
	cut = 1 + rn(&c->seed, size > 1 ? size - 1 : 1);
	if (r < 55)
		return c->arg + rn(&c->seed, (ARG_RO - size) / 8) * 8;
	if (r < 85)
		return c->arg + ARG_RO - (size - cut);	/* head RW, tail RO */
	if (r < 92)
		return c->arg + ARG_RO + rn(&c->seed, PAGE / 8) * 8;
	return c->arg + ARG_NONE - (size - cut);	/* runs into PROT_NONE */
}

/* Copy @src (size bytes) to @dst, only the bytes that are writable. */
static void put(struct thread_ctx *c, void *dst, const void *src, size_t size)
{
	char *d = dst;
	size_t room;

	if (d >= c->arg + ARG_RO)
		return;
	room = (size_t)(c->arg + ARG_RO - d);
	memcpy(d, src, size < room ? size : room);
}

static int pick_slot(struct thread_ctx *c)
{
	unsigned int r = rn(&c->seed, 10);

	if (r < 7)
		return c->slot;
	return rn(&c->seed, NSLOTS);
}

static int pick_fd(struct thread_ctx *c, int slot)
{
	int fd = atomic_load(&slots[slot].fd);

	if (rn(&c->seed, 8) == 0) {
		int a = atomic_load(&slots[slot].alias);

		if (a >= 0)
			fd = a;
	}
	if (fd < 0)
		fd = atomic_load(&slots[c->slot].fd);
	return fd;
}

static void remember(int slot, uint64_t handle, uint32_t kind, uint32_t id)
{
	static _Atomic unsigned int next;
	unsigned int i = atomic_fetch_add(&next, 1) % NHANDLES;
	struct handle_ent *e = &slots[slot].h[i];
	uint64_t old = atomic_exchange(&e->handle, handle);

	atomic_store(&e->kind, kind);
	atomic_store(&e->id, id);
	if (old)
		atomic_store(&stale[i % NSTALE], old);	/* may be still live: fine */
}

/* A handle to use: live here, live elsewhere, stale or made up. */
static uint64_t pick_handle(struct thread_ctx *c, int slot, uint32_t *kind, uint32_t *id)
{
	unsigned int r = rn(&c->seed, 100);
	struct handle_ent *e;

	*kind = 0;
	*id = 0;
	if (r < 80) {
		e = &slots[r < 65 ? slot : (int)rn(&c->seed, NSLOTS)].h[rn(&c->seed, NHANDLES)];
		*kind = atomic_load(&e->kind);
		*id = atomic_load(&e->id);
		return atomic_load(&e->handle);
	}
	if (r < 95)
		return atomic_load(&stale[rn(&c->seed, NSTALE)]);
	return rnd(&c->seed) & (r & 1 ? 0xffffffffffULL : ~0ULL);
}

/* Forget @handle wherever it is remembered: it was freed. */
static void forget(int slot, uint64_t handle)
{
	unsigned int i;

	for (i = 0; i < NHANDLES; i++) {
		uint64_t h = handle;

		if (atomic_compare_exchange_strong(&slots[slot].h[i].handle, &h, 0)) {
			atomic_store(&stale[i % NSTALE], handle);
			return;
		}
	}
}

static uint32_t pick_id(struct thread_ctx *c, _Atomic uint32_t *ids, unsigned int n)
{
	if (rn(&c->seed, 20) == 0)
		return (uint32_t)rnd(&c->seed) % 64;
	return atomic_load(&ids[rn(&c->seed, n)]);
}

/* Publish where an allocation will write its handle, for the snipers. */
static void watch(struct thread_ctx *c, void *field, int slot, uint32_t kind, uint32_t id)
{
	if ((char *)field + sizeof(uint64_t) > c->arg + ARG_NONE)
		return;		/* the field is on the PROT_NONE page */
	atomic_store(&c->watch_kind, kind);
	atomic_store(&c->watch_id, id);
	atomic_store(&c->watch_slot, slot);
	atomic_store(&c->watch, (volatile uint64_t *)field);
}

static void unwatch(struct thread_ctx *c)
{
	atomic_store(&c->watch, NULL);
}

/* ------------------------------------------------------------ the calls */

static void op_alloc(struct thread_ctx *c)
{
	struct fraglab_alloc a = { 0 };
	int slot = pick_slot(c), fd = pick_fd(c, slot);
	void *p = place(c, sizeof(a));

	a.order = rn(&c->seed, 16) ? rn(&c->seed, 5) : rn(&c->seed, 12);
	a.size = rn(&c->seed, 4) ? 0 : 1 + rn(&c->seed, 70000);
	a.flags = a.size ? rn(&c->seed, 3) & FRAGLAB_ALLOC_ZERO : FRAGLAB_ALLOC_BY_ORDER;
	a.migratetype = rn(&c->seed, 10) ? FRAGLAB_MT_MOVABLE : rn(&c->seed, 4);
	put(c, p, &a, sizeof(a));
	watch(c, (char *)p + offsetof(struct fraglab_alloc, handle), slot, FRAGLAB_KIND_PAGES, 0);
	if (!do_ioctl(fd, FRAGLAB_IOC_ALLOC, p))
		remember(slot, ((struct fraglab_alloc *)p)->handle, FRAGLAB_KIND_PAGES, 0);
	unwatch(c);
}

static void op_free(struct thread_ctx *c)
{
	struct fraglab_handle h = { 0 };
	int slot = pick_slot(c), fd = pick_fd(c, slot);
	uint32_t kind, id;
	void *p = place(c, sizeof(h));

	h.handle = pick_handle(c, slot, &kind, &id);
	put(c, p, &h, sizeof(h));
	if (!do_ioctl(fd, FRAGLAB_IOC_FREE, p))
		forget(slot, h.handle);
}

static void op_query(struct thread_ctx *c)
{
	struct fraglab_query q = { 0 };
	int slot = pick_slot(c);
	uint32_t kind, id;
	void *p = place(c, sizeof(q));

	q.handle = pick_handle(c, slot, &kind, &id);
	put(c, p, &q, sizeof(q));
	do_ioctl(pick_fd(c, slot), FRAGLAB_IOC_QUERY, p);
}

/* A batch array of @n elements of @esize bytes, placed like a struct. */
static void *batch_array(struct thread_ctx *c, unsigned int n, size_t esize)
{
	return place(c, (size_t)n * esize);
}

static void op_batch(struct thread_ctx *c)
{
	int slot = pick_slot(c), fd = pick_fd(c, slot);
	unsigned int i, n = 1 + rn(&c->seed, 48);
	struct fraglab_batch b = { 0 };
	char *arr;

	if (rn(&c->seed, 2)) {
		struct fraglab_alloc a = { 0 };

		arr = batch_array(c, n, sizeof(a));
		for (i = 0; i < n; i++) {
			a.order = rn(&c->seed, 3);
			a.flags = FRAGLAB_ALLOC_BY_ORDER;
			a.migratetype = rn(&c->seed, 3);
			put(c, arr + i * sizeof(a), &a, sizeof(a));
		}
		b.op = FRAGLAB_BATCH_ALLOC;
		watch(c, arr + offsetof(struct fraglab_alloc, handle), slot, FRAGLAB_KIND_PAGES, 0);
	} else {
		struct fraglab_handle h = { 0 };
		uint32_t kind, id;

		arr = batch_array(c, n, sizeof(h));
		for (i = 0; i < n; i++) {
			h.handle = pick_handle(c, slot, &kind, &id);
			put(c, arr + i * sizeof(h), &h, sizeof(h));
		}
		b.op = FRAGLAB_BATCH_FREE;
	}
	b.ptr = (uintptr_t)arr;
	b.count = rn(&c->seed, 30) ? n : rn(&c->seed, 3) * FRAGLAB_BATCH_MAX;
	if (!do_ioctl(fd, FRAGLAB_IOC_BATCH, &b) && b.op == FRAGLAB_BATCH_ALLOC)
		for (i = 0; i < b.done && arr + (i + 1) * sizeof(struct fraglab_alloc) <= c->arg + ARG_RO; i++)
			remember(slot, ((struct fraglab_alloc *)arr)[i].handle, FRAGLAB_KIND_PAGES, 0);
	unwatch(c);
}

static void op_setting(struct thread_ctx *c)
{
	struct fraglab_setting s = { 0 };
	void *p = place(c, sizeof(s));
	int fd = pick_fd(c, pick_slot(c));

	s.key = 1 + rn(&c->seed, 4);
	switch (s.key) {
	case FRAGLAB_SET_GROUP_BY_MOBILITY:
		s.value = rn(&c->seed, 3);
		break;
	case FRAGLAB_SET_PROACTIVE:
		s.value = rn(&c->seed, 3) ? 0 : rn(&c->seed, 102);
		break;
	case FRAGLAB_SET_PCP_HIGH:
		s.value = rn(&c->seed, 3) ? rn(&c->seed, 64) : rn(&c->seed, 70000);
		break;
	default:
		s.value = rnd(&c->seed);
	}
	put(c, p, &s, sizeof(s));
	do_ioctl(fd, rn(&c->seed, 2) ? FRAGLAB_IOC_SET : FRAGLAB_IOC_GET, p);
}

static void op_info(struct thread_ctx *c)
{
	static const unsigned long cmds[] = {
		FRAGLAB_IOC_VERSION, FRAGLAB_IOC_STATS, FRAGLAB_IOC_CHECK,
		FRAGLAB_IOC_HUGEPAGES_ARENA,
	};
	union {
		struct fraglab_version v;
		struct fraglab_stats s;
		struct fraglab_check k;
		struct fraglab_hugepages_arena h;
	} u;
	unsigned long cmd = cmds[rn(&c->seed, 4)];
	int fd = pick_fd(c, pick_slot(c));
	void *p = place(c, _IOC_SIZE(cmd));

	memset(&u, 0, sizeof(u));
	put(c, p, &u, _IOC_SIZE(cmd));
	if (cmd == FRAGLAB_IOC_CHECK && p + sizeof(u.k) <= (void *)(c->arg + ARG_RO)) {
		struct fraglab_check *k = p;

		if (!do_ioctl(fd, cmd, k) && k->result) {
			if (!atomic_fetch_add(&stats->check_fail, 1))
				memcpy(stats->check_msg, k->message, sizeof(stats->check_msg) - 1);
		}
		return;
	}
	do_ioctl(fd, cmd, p);
}

static void op_cache(struct thread_ctx *c)
{
	int slot = pick_slot(c), fd = pick_fd(c, slot);
	struct slot *s = &slots[slot];
	unsigned int r = rn(&c->seed, 100);

	if (r < 15) {
		struct fraglab_cache_create cc = { 0 };
		unsigned int i = rn(&c->seed, NCACHES);
		void *p = place(c, sizeof(cc));

		snprintf(cc.name, sizeof(cc.name), "fz%u-%u-%u", c->slot, c->n,
			 (unsigned int)rn(&c->seed, 1000));
		cc.object_size = rn(&c->seed, 3) ? 8 + rn(&c->seed, 512) : 1 + rn(&c->seed, 40000);
		cc.align = rn(&c->seed, 3) ? 0 : 1u << rn(&c->seed, 13);
		cc.flags = rn(&c->seed, 16);
		put(c, p, &cc, sizeof(cc));
		if (!do_ioctl(fd, FRAGLAB_IOC_CACHE_CREATE, p)) {
			uint32_t old = atomic_exchange(&s->caches[i],
						       ((struct fraglab_cache_create *)p)->cache_id);
			struct fraglab_cache_op op = { .cache_id = old };

			/* keep it bounded: the slot's previous cache goes */
			if (old)
				do_ioctl(fd, FRAGLAB_IOC_CACHE_DESTROY, &op);
		}
	} else if (r < 25) {
		struct fraglab_cache_op op = { 0 };
		void *p = place(c, sizeof(op));

		op.cache_id = pick_id(c, s->caches, NCACHES);
		put(c, p, &op, sizeof(op));
		do_ioctl(fd, rn(&c->seed, 3) ? FRAGLAB_IOC_CACHE_SHRINK :
			 FRAGLAB_IOC_CACHE_DESTROY, p);
	} else if (r < 60) {
		struct fraglab_obj o = { 0 };
		void *p = place(c, sizeof(o));

		o.cache_id = pick_id(c, s->caches, NCACHES);
		put(c, p, &o, sizeof(o));
		watch(c, (char *)p + offsetof(struct fraglab_obj, handle), slot,
		      FRAGLAB_KIND_OBJECT, o.cache_id);
		if (!do_ioctl(fd, FRAGLAB_IOC_OBJ_ALLOC, p))
			remember(slot, ((struct fraglab_obj *)p)->handle, FRAGLAB_KIND_OBJECT,
				 o.cache_id);
		unwatch(c);
	} else if (r < 80) {
		struct fraglab_obj o = { 0 };
		uint32_t kind, id;
		void *p = place(c, sizeof(o));

		o.handle = pick_handle(c, slot, &kind, &id);
		o.cache_id = kind == FRAGLAB_KIND_OBJECT && rn(&c->seed, 8) ? id :
			     pick_id(c, s->caches, NCACHES);
		put(c, p, &o, sizeof(o));
		if (!do_ioctl(fd, FRAGLAB_IOC_OBJ_FREE, p))
			forget(slot, o.handle);
	} else if (r < 92) {
		struct fraglab_obj_batch b = { 0 };
		struct fraglab_obj o = { 0 };
		unsigned int i, n = 1 + rn(&c->seed, 48);
		uint32_t cid = pick_id(c, s->caches, NCACHES), kind, id;
		char *arr = batch_array(c, n, sizeof(o));

		b.op = 1 + rn(&c->seed, 2);
		for (i = 0; i < n; i++) {
			o.cache_id = cid;
			o.handle = b.op == FRAGLAB_OBJ_BATCH_FREE ?
				   pick_handle(c, slot, &kind, &id) : 0;
			put(c, arr + i * sizeof(o), &o, sizeof(o));
		}
		b.ptr = (uintptr_t)arr;
		b.count = n;
		if (b.op == FRAGLAB_OBJ_BATCH_ALLOC)
			watch(c, arr + offsetof(struct fraglab_obj, handle), slot,
			      FRAGLAB_KIND_OBJECT, cid);
		if (!do_ioctl(fd, FRAGLAB_IOC_OBJ_BATCH, &b) && b.op == FRAGLAB_OBJ_BATCH_ALLOC)
			for (i = 0; i < b.done && arr + (i + 1) * sizeof(o) <= c->arg + ARG_RO; i++)
				remember(slot, ((struct fraglab_obj *)arr)[i].handle,
					 FRAGLAB_KIND_OBJECT, cid);
		unwatch(c);
	} else {
		struct fraglab_cache_info ci = { 0 };
		void *p = place(c, sizeof(ci));

		ci.cache_id = pick_id(c, s->caches, NCACHES);
		put(c, p, &ci, sizeof(ci));
		do_ioctl(fd, FRAGLAB_IOC_CACHE_INFO, p);
	}
}

static void op_pool(struct thread_ctx *c)
{
	int slot = pick_slot(c), fd = pick_fd(c, slot);
	struct slot *s = &slots[slot];
	unsigned int r = rn(&c->seed, 100);

	if (r < 10) {
		struct fraglab_pool_create pc = { 0 };
		unsigned int i = rn(&c->seed, NPOOLS);
		void *p = place(c, sizeof(pc));

		pc.size = rn(&c->seed, 4) ? 4096 + rn(&c->seed, 512 * 1024) : rnd(&c->seed) >> 20;
		pc.granularity = rn(&c->seed, 2) ? 0 : 1u << rn(&c->seed, 13);
		pc.strategy = rn(&c->seed, 5);
		put(c, p, &pc, sizeof(pc));
		if (!do_ioctl(fd, FRAGLAB_IOC_POOL_CREATE, p)) {
			uint32_t old = atomic_exchange(&s->pools[i],
						       ((struct fraglab_pool_create *)p)->pool_id);
			struct fraglab_pool_op op = { .pool_id = old };

			if (old)
				do_ioctl(fd, FRAGLAB_IOC_POOL_DESTROY, &op);
		}
	} else if (r < 18) {
		struct fraglab_pool_op op = { 0 };
		void *p = place(c, sizeof(op));

		op.pool_id = pick_id(c, s->pools, NPOOLS);
		op.value = rn(&c->seed, 5);
		put(c, p, &op, sizeof(op));
		do_ioctl(fd, rn(&c->seed, 3) ? FRAGLAB_IOC_POOL_SET_STRATEGY :
			 FRAGLAB_IOC_POOL_DESTROY, p);
	} else if (r < 50) {
		struct fraglab_pool_alloc pa = { 0 };
		void *p = place(c, sizeof(pa));

		pa.pool_id = pick_id(c, s->pools, NPOOLS);
		pa.size = rn(&c->seed, 8) ? 1 + rn(&c->seed, 8000) : rnd(&c->seed) >> 40;
		pa.align = rn(&c->seed, 4) ? 0 : 1ULL << rn(&c->seed, 14);
		pa.flags = rn(&c->seed, 3);
		put(c, p, &pa, sizeof(pa));
		watch(c, (char *)p + offsetof(struct fraglab_pool_alloc, handle), slot,
		      FRAGLAB_KIND_POOL, pa.pool_id);
		if (!do_ioctl(fd, FRAGLAB_IOC_POOL_ALLOC, p))
			remember(slot, ((struct fraglab_pool_alloc *)p)->handle,
				 FRAGLAB_KIND_POOL, pa.pool_id);
		unwatch(c);
	} else if (r < 70) {
		struct fraglab_pool_alloc pa = { 0 };
		uint32_t kind, id;
		void *p = place(c, sizeof(pa));

		pa.handle = pick_handle(c, slot, &kind, &id);
		pa.pool_id = kind == FRAGLAB_KIND_POOL && rn(&c->seed, 8) ? id :
			     pick_id(c, s->pools, NPOOLS);
		put(c, p, &pa, sizeof(pa));
		if (!do_ioctl(fd, FRAGLAB_IOC_POOL_FREE, p))
			forget(slot, pa.handle);
	} else if (r < 82) {
		struct fraglab_pool_batch b = { 0 };
		struct fraglab_pool_alloc pa = { 0 };
		unsigned int i, n = 1 + rn(&c->seed, 32);
		uint32_t pid = pick_id(c, s->pools, NPOOLS), kind, id;
		char *arr = batch_array(c, n, sizeof(pa));

		b.op = 1 + rn(&c->seed, 2);
		for (i = 0; i < n; i++) {
			pa.pool_id = pid;
			pa.size = 1 + rn(&c->seed, 2000);
			pa.flags = rn(&c->seed, 2);
			pa.handle = b.op == FRAGLAB_POOL_BATCH_FREE ?
				    pick_handle(c, slot, &kind, &id) : 0;
			put(c, arr + i * sizeof(pa), &pa, sizeof(pa));
		}
		b.ptr = (uintptr_t)arr;
		b.count = n;
		if (b.op == FRAGLAB_POOL_BATCH_ALLOC)
			watch(c, arr + offsetof(struct fraglab_pool_alloc, handle), slot,
			      FRAGLAB_KIND_POOL, pid);
		if (!do_ioctl(fd, FRAGLAB_IOC_POOL_BATCH, &b) && b.op == FRAGLAB_POOL_BATCH_ALLOC)
			for (i = 0; i < b.done && arr + (i + 1) * sizeof(pa) <= c->arg + ARG_RO; i++)
				remember(slot, ((struct fraglab_pool_alloc *)arr)[i].handle,
					 FRAGLAB_KIND_POOL, pid);
		unwatch(c);
	} else if (r < 92) {
		struct fraglab_pool_info pi = { 0 };
		void *p = place(c, sizeof(pi));

		pi.pool_id = pick_id(c, s->pools, NPOOLS);
		put(c, p, &pi, sizeof(pi));
		do_ioctl(fd, FRAGLAB_IOC_POOL_INFO, p);
	} else {
		struct fraglab_pool_compact pc = { 0 };
		void *p = place(c, sizeof(pc));

		pc.pool_id = pick_id(c, s->pools, NPOOLS);
		put(c, p, &pc, sizeof(pc));
		do_ioctl(fd, FRAGLAB_IOC_POOL_COMPACT, p);
	}
}

static void op_compact(struct thread_ctx *c)
{
	struct fraglab_compact k = { 0 };
	void *p = place(c, sizeof(k));

	k.mode = rn(&c->seed, 4) ? FRAGLAB_COMPACT_MODE_ORDER : rn(&c->seed, 3);
	k.order = rn(&c->seed, 12);
	k.flags = rn(&c->seed, 3);
	put(c, p, &k, sizeof(k));
	do_ioctl(pick_fd(c, pick_slot(c)), FRAGLAB_IOC_COMPACT, p);
}

/* The expensive ones, kept small: probes, benchmarks, the page map. */
static void op_heavy(struct thread_ctx *c)
{
	int fd = pick_fd(c, pick_slot(c));
	unsigned int r = rn(&c->seed, 3);

	if (r == 0) {
		struct fraglab_probe_system ps = { 0 };
		void *p = place(c, sizeof(ps));

		if (!rn(&c->seed, 8)) {
			ps.flags = 1 + rn(&c->seed, 3);
			ps.try_count = 1 + rn(&c->seed, 2);
		}
		put(c, p, &ps, sizeof(ps));
		do_ioctl(fd, FRAGLAB_IOC_PROBE_SYSTEM, p);
	} else if (r == 1) {
		struct fraglab_bench b = { 0 };
		void *p = place(c, sizeof(b));

		b.which = rn(&c->seed, 8);
		b.param = b.which == FRAGLAB_BENCH_FIT ? 1 + rn(&c->seed, 500) :
			  b.which == FRAGLAB_BENCH_COMPACT ? 4 : rn(&c->seed, 5) ? 64 : rn(&c->seed, 11);
		b.strategy = rn(&c->seed, 4);
		b.runs = 1;
		b.iterations = 1 + rn(&c->seed, 300);
		put(c, p, &b, sizeof(b));
		do_ioctl(fd, FRAGLAB_IOC_BENCH, p);
	} else {
		struct fraglab_page_info pi = { 0 };
		unsigned int n = 1 + rn(&c->seed, 1200);
		char *arr = batch_array(c, n > 1000 ? 1000 : n, sizeof(struct fraglab_page));
		void *p = place(c, sizeof(pi));

		pi.ptr = (uintptr_t)arr;
		pi.first = rn(&c->seed, 8) ? rn(&c->seed, 16384) : rnd(&c->seed);
		pi.count = n;
		put(c, p, &pi, sizeof(pi));
		do_ioctl(fd, FRAGLAB_IOC_PAGE_INFO, p);
	}
}

/* Made-up commands: fraglab's magic, any number, direction and size. */
static void op_garbage(struct thread_ctx *c)
{
	unsigned long cmd = _IOC(rn(&c->seed, 4), FRAGLAB_IOC_MAGIC, rn(&c->seed, 0x70),
				 rn(&c->seed, 4) ? rn(&c->seed, 1024) : rn(&c->seed, 1 << 14));
	char *p = place(c, _IOC_SIZE(cmd));
	uint64_t junk[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		junk[i] = rn(&c->seed, 2) ? rnd(&c->seed) : 0;
	put(c, p, junk, sizeof(junk) < _IOC_SIZE(cmd) ? sizeof(junk) : _IOC_SIZE(cmd));
	do_ioctl(pick_fd(c, pick_slot(c)), cmd, p);
}

/* ------------------------------------------------------------ memory */

static char *win(unsigned int i)
{
	return map_base + (size_t)i * MAP_WIN;
}

static void unmap_win(unsigned int i)
{
	mmap(win(i), MAP_WIN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
	atomic_store(&maps[i].len, 0);
}

/*
 * Fault pages of a window in (read or write) while other threads unmap,
 * move, shrink, zap or write-protect it: the SIGSEGV/SIGBUS that such a
 * race earns is caught here and counted.
 */
static void touch(struct thread_ctx *c, volatile char *p, uint64_t len)
{
	unsigned int k, n = 1 + rn(&c->seed, 16);

	atomic_fetch_add(&stats->touches, 1);
	if (sigsetjmp(touch_jmp, 1)) {
		atomic_fetch_add(&stats->signals, 1);
		return;
	}
	in_touch = 1;
	for (k = 0; k < n; k++) {
		size_t span = len && rn(&c->seed, 8) ? len : MAP_WIN;
		size_t off = rn(&c->seed, span / PAGE) * PAGE + rn(&c->seed, PAGE);

		if (rn(&c->seed, 2))
			p[off] = (char)k;
		else
			(void)p[off];
	}
	in_touch = 0;
}

static void op_mm(struct thread_ctx *c)
{
	unsigned int i = rn(&c->seed, NMAPS), r = rn(&c->seed, 100), k;
	uint64_t len = atomic_load(&maps[i].len);

	atomic_fetch_add(&stats->mm_ops, 1);
	OP(c, r < 35 ? "mm: mmap" : r < 50 ? "mm: munmap" : r < 65 ? "mm: madvise" :
	   r < 75 ? "mm: mremap" : r < 80 ? "mm: mprotect" : "mm: touch");
	if (r < 35) {
		struct fraglab_query q = { 0 };
		int slot = pick_slot(c), fd = pick_fd(c, slot);
		uint32_t kind, id;
		size_t maplen;
		void *m;

		/* mostly a live pages allocation of this fd, else any offset */
		for (k = 0; k < 8; k++) {
			q.handle = pick_handle(c, slot, &kind, &id);
			if ((kind == FRAGLAB_KIND_PAGES || !rn(&c->seed, 4)) &&
			    !ioctl(fd, FRAGLAB_IOC_QUERY, &q) && q.kind == FRAGLAB_KIND_PAGES)
				break;
		}
		if (k == 8 || !rn(&c->seed, 8))
			q.mmap_offset = rnd(&c->seed) & ~(PAGE - 1) & 0xffffffffffULL;
		maplen = q.granted && rn(&c->seed, 6) ? q.granted : PAGE * (1 + rn(&c->seed, 32));
		if (maplen > MAP_WIN)
			maplen = MAP_WIN;
		m = mmap(win(i), maplen, rn(&c->seed, 5) ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED | MAP_FIXED, fd, q.mmap_offset);
		if (m == MAP_FAILED) {
			unmap_win(i);	/* a refused MAP_FIXED leaves a hole */
		} else {
			atomic_store(&maps[i].len, maplen);
			atomic_fetch_add(&stats->maps, 1);
		}
	} else if (r < 50) {
		unmap_win(i);
	} else if (r < 65 && len) {
		madvise(win(i) + PAGE * rn(&c->seed, len / PAGE), PAGE * (1 + rn(&c->seed, 4)),
			MADV_DONTNEED);
	} else if (r < 75 && len) {
		unsigned int j = rn(&c->seed, NMAPS);
		size_t nlen = PAGE * (1 + rn(&c->seed, MAP_WIN / PAGE));
		void *m;

		if (j == i || rn(&c->seed, 2)) {
			/* in place: shrink works, growing may not */
			if (mremap(win(i), len, nlen, 0) == MAP_FAILED)
				return;
			atomic_store(&maps[i].len, nlen);
			if (nlen < MAP_WIN)	/* cover the tail a shrink left */
				mmap(win(i) + nlen, MAP_WIN - nlen, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
			return;
		}
		m = mremap(win(i), len, len, MREMAP_MAYMOVE | MREMAP_FIXED, win(j));
		if (m != MAP_FAILED) {
			atomic_store(&maps[j].len, len);
			unmap_win(i);	/* the move left a hole: cover it again */
		}
	} else if (r < 80 && len) {
		mprotect(win(i), len, rn(&c->seed, 2) ? PROT_READ : PROT_READ | PROT_WRITE);
	} else {
		/* mostly a window that is mapped now */
		for (k = 0; k < NMAPS && !len && rn(&c->seed, 8); k++) {
			i = (i + 1) % NMAPS;
			len = atomic_load(&maps[i].len);
		}
		touch(c, (volatile char *)win(i), len);
	}
}

/* Replace a fd number with a fresh open while other threads use it. */
static void op_reopen(struct thread_ctx *c)
{
	struct slot *s = &slots[c->slot];
	int fd = atomic_load(&s->fd), nfd;

	if (rn(&c->seed, 2)) {
		int a = atomic_load(&s->alias);

		/*
		 * dup2() closes the alias's file (another thread may be in an
		 * ioctl on it) and points the number at the slot's current one.
		 */
		if (a >= 0)
			dup2(fd, a);
		return;
	}
	nfd = open(FRAGLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return;
	/* fd's old file: its last reference may now be in another thread's ioctl */
	if (dup2(nfd, fd) == fd)
		atomic_fetch_add(&stats->reopens, 1);
	close(nfd);
}

/* Free the handle another thread's allocation is writing right now. */
static void op_snipe(struct thread_ctx *c)
{
	struct thread_ctx *t = &ctxs[rn(&c->seed, nctx)];
	volatile uint64_t *w = atomic_load(&t->watch);
	int slot = atomic_load(&t->watch_slot), i;
	uint32_t kind = atomic_load(&t->watch_kind), id = atomic_load(&t->watch_id);
	uint64_t seen = 0, h;

	if (!w || t == c)
		return;
	for (i = 0; i < 2000 && atomic_load(&t->watch) == w; i++) {
		h = *w;
		if (h && h != seen)
			break;
		seen = h;
	}
	h = *w;
	if (!h)
		return;
	if (kind == FRAGLAB_KIND_PAGES) {
		struct fraglab_handle fh = { .handle = h };

		if (!ioctl(atomic_load(&slots[slot].fd), FRAGLAB_IOC_FREE, &fh))
			atomic_fetch_add(&stats->snipes, 1);
	} else if (kind == FRAGLAB_KIND_OBJECT) {
		struct fraglab_obj o = { .cache_id = id, .handle = h };

		if (!ioctl(atomic_load(&slots[slot].fd), FRAGLAB_IOC_OBJ_FREE, &o))
			atomic_fetch_add(&stats->snipes, 1);
	} else if (kind == FRAGLAB_KIND_POOL) {
		struct fraglab_pool_alloc pa = { .pool_id = id, .handle = h };

		if (!ioctl(atomic_load(&slots[slot].fd), FRAGLAB_IOC_POOL_FREE, &pa))
			atomic_fetch_add(&stats->snipes, 1);
	}
}

/*
 * Who this thread is, for the fatal-signal report and the watchdog; then
 * wait until every thread of the process exists (start_threads()).
 */
static void thread_init(struct thread_ctx *c, const char *op)
{
	self = c;
	atomic_store(&c->st->tid, (int)syscall(SYS_gettid));
	OP(c, op);
	pthread_barrier_wait(&go);
}

static void *fuzz_thread(void *arg)
{
	struct thread_ctx *c = arg;
	unsigned long n = 0;

	thread_init(c, "start");
	while (!(n++ & 15) ? now() < deadline : 1) {
		unsigned int r = rn(&c->seed, 1000);

		if (r < 120)
			OP(c, "alloc"), op_alloc(c);
		else if (r < 220)
			OP(c, "free"), op_free(c);
		else if (r < 250)
			OP(c, "query"), op_query(c);
		else if (r < 320)
			OP(c, "batch"), op_batch(c);
		else if (r < 340)
			OP(c, "setting"), op_setting(c);
		else if (r < 370)
			OP(c, "info"), op_info(c);
		else if (r < 520)
			OP(c, "cache"), op_cache(c);
		else if (r < 680)
			OP(c, "pool"), op_pool(c);
		else if (r < 690)
			OP(c, "compact"), op_compact(c);
		else if (r < 694)
			OP(c, "heavy"), op_heavy(c);
		else if (r < 710)
			OP(c, "garbage"), op_garbage(c);
		else if (r < 880)
			OP(c, "mm"), op_mm(c);
		else if (r < 890)
			OP(c, "reopen"), op_reopen(c);
		else
			OP(c, "snipe"), op_snipe(c);
	}
	OP(c, "done");
	return NULL;
}

/* Compaction, all the time, in every mode (it fails with -EPERM where not allowed). */
static void *compact_thread(void *arg)
{
	struct thread_ctx *c = arg;

	thread_init(c, "compactor");
	while (now() < deadline) {
		op_compact(c);
		usleep(rn(&c->seed, 20000));
	}
	return NULL;
}

static void *debugfs_thread(void *arg)
{
	/* its malloc arena (opendir()) is mapped now, not during the run */
	closedir(opendir("/"));
	thread_init(arg, "debugfs reader");
	while (now() < deadline)
		atomic_fetch_add(&stats->debugfs_reads,
				 fl_box_read_tree(DEBUGFS, 2, "fail_meta_alloc", NULL));
	return NULL;
}

/*
 * Map every thread's argument pages and create every thread (its stack)
 * before any of them calls anything: the map windows are the only memory
 * the threads unmap and remap, and a MAP_FIXED mmap() that the driver
 * refuses leaves a hole there (6.1: mmap_region() unmaps the range before
 * calling ->mmap(); 6.12: __mmap_region() clears the old range's PTEs
 * first, and vms_abort_munmap_vmas() then resorts to "leaving a gap").
 * The fuzzer's mmaps are refused all the time.  A stack or argument pages
 * mapped into such a
 * hole while other threads already fuzz would be clobbered by the next
 * remap of that window: a SIGSEGV of the fuzzer itself, or a thread whose
 * stack turns to zeroes.  So the threads wait at a barrier until
 * everything is mapped, and nothing maps memory at a kernel-chosen address
 * during the run (threads_in_windows() checks the first part).
 */
static int start_threads(int first_slot, int nslots, uint64_t seed, int extra)
{
	unsigned int i;
	int s, t;

	nctx = 0;
	for (s = first_slot; s < first_slot + nslots; s++)
		for (t = 0; t < THREADS_PER_FD; t++) {
			struct thread_ctx *c = &ctxs[nctx];

			c->slot = s;
			c->n = nctx++;
		}
	pthread_barrier_init(&go, NULL, nctx + extra + 1);	/* + the caller's */
	for (i = 0; i < nctx + extra; i++) {
		struct thread_ctx *c = &ctxs[i];
		void *(*fn)(void *) = fuzz_thread;

		if (i >= nctx) {
			c->slot = first_slot;
			c->n = i;
			fn = i == nctx ? compact_thread : debugfs_thread;
		}
		c->seed = seed ^ ((uint64_t)(first_slot * 64 + i + 1) << 32);
		c->st = &stats->thr[(first_slot ? THREADS_PER_FD * 2 + 2 : 0) + i];
		c->arg = mmap(NULL, ARGPAGES * PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c->arg == MAP_FAILED)
			return -1;
		mprotect(c->arg + ARG_RO, 2 * PAGE, PROT_READ);
		mprotect(c->arg + ARG_NONE, 2 * PAGE, PROT_NONE);
		if (pthread_create(&c->tid, NULL, fn, c))
			return -1;
	}
	return 0;
}

/* Print a file of /proc (every line) after @tag. */
static void show_proc_file(const char *path, const char *tag)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		printf("#     %s%s\n", tag, line);
		fflush(stdout);
	}
	fclose(f);
}

/* Every thread of @pid: where it is in the kernel, if it is there. */
static void show_tasks(pid_t pid)
{
	char dir[64], path[128];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name);
		unsigned int i;

		if (tid <= 0)
			continue;
		printf("#   task %d of %d", tid, (int)pid);
		for (i = 0; i < NTHREADS; i++)
			if (atomic_load(&stats->thr[i].tid) == tid)
				printf(": thread %u in %s, ioctl %#lx", i,
				       atomic_load(&stats->thr[i].op), atomic_load(&stats->thr[i].cmd));
		printf("\n");
		fflush(stdout);
		snprintf(path, sizeof(path), "%s/%d/syscall", dir, tid);
		show_proc_file(path, "syscall: ");
		snprintf(path, sizeof(path), "%s/%d/stack", dir, tid);
		show_proc_file(path, "");
	}
	closedir(d);
}

/*
 * Past the deadline every thread finishes its current call and stops.  If
 * they have not 30 s later, say where each one is (the harness kills the
 * test at its time limit) instead of dying silently.  A process of its
 * own, forked before any thread: a fuzzer stuck on its own mm (mmap_lock,
 * a clobbered stack) cannot stop it.  It also asks the kernel for every
 * task in D state (sysrq w: into the kernel log, which the harness shows).
 */
static pid_t start_watchdog(void)
{
	pid_t parent = getpid(), pid = fork();
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!atomic_load(&stats->done) && now() < deadline + 30)
		usleep(100000);
	if (atomic_load(&stats->done))
		_exit(0);
	printf("# watchdog: threads still running %.0f s after the deadline:\n", now() - deadline);
	fflush(stdout);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "w", 1) != 1)
			printf("# watchdog: sysrq w failed\n");
		close(fd);
	}
	show_tasks(parent);
	if (atomic_load(&stats->child_pid) > 0)
		show_tasks(atomic_load(&stats->child_pid));
	fflush(stdout);
	_exit(0);
}

/*
 * The map windows are the only memory the fuzzer unmaps and remaps.  A
 * thread's stack or argument pages inside them would be clobbered by that
 * (a refused MAP_FIXED mmap leaves a hole, start_threads(), and a later
 * mmap(NULL) may land in it).  Return: how many threads have memory there.
 */
static int threads_in_windows(int nthreads)
{
	char *lo = map_base, *hi = map_base + NMAPS * MAP_WIN;
	int i, bad = 0;

	for (i = 0; i < nthreads; i++) {
		struct thread_ctx *c = &ctxs[i];
		pthread_attr_t attr;
		size_t ssize = 0;
		void *stack = NULL;

		if (!pthread_getattr_np(c->tid, &attr)) {
			pthread_attr_getstack(&attr, &stack, &ssize);
			pthread_attr_destroy(&attr);
		}
		if ((c->arg < hi && c->arg + ARGPAGES * PAGE > lo) ||
		    ((char *)stack < hi && (char *)stack + ssize > lo)) {
			tap_diag("thread %d: argument pages %p, stack %p+%zu inside the map windows %p-%p",
				 i, (void *)c->arg, stack, ssize, (void *)lo, (void *)hi);
			bad++;
		}
	}
	return bad;
}

/*
 * Does a MAP_FIXED mmap() that fraglab refuses leave a hole where the old
 * mapping was?  1 yes (6.1 and 6.12 both), 0 no, -1 could not tell.  Why
 * the threads start behind a barrier (start_threads()).
 */
static int refused_fixed_mmap_leaves_hole(int fd)
{
	char *r = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	unsigned char v;
	int hole = -1;

	if (r == MAP_FAILED)
		return -1;
	/* an offset of no allocation: fl_mmap() says -ENOENT */
	if (mmap(r, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0x7ff0000000LL) == MAP_FAILED)
		hole = mincore(r, PAGE, &v) && errno == ENOMEM;	/* ENOMEM: nothing mapped */
	munmap(r, 2 * PAGE);
	return hole;
}

static void join_threads(int extra)
{
	unsigned int i;

	for (i = 0; i < nctx + extra; i++)
		pthread_join(ctxs[i].tid, NULL);
}

static int open_slot(int s)
{
	int fd = open(FRAGLAB_DEVICE, O_RDWR | O_CLOEXEC);

	atomic_store(&slots[s].fd, fd);
	atomic_store(&slots[s].alias, fd >= 0 ? dup(fd) : -1);
	return fd;
}

/* The forked child: uid 65534, its own fd (slot 2) and the two inherited. */
static void __attribute__((noreturn)) child(uint64_t seed)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* dies with the test */
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		_exit(10);
	if (open_slot(2) < 0)
		_exit(11);
	if (start_threads(2, 1, seed, 0))
		_exit(12);
	if (threads_in_windows(nctx))
		_exit(13);
	pthread_barrier_wait(&go);
	join_threads(0);
	_exit(0);
}

static uint64_t cmdline_u64(const char *key, int *found)
{
	char buf[4096], *p;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n;

	*found = 0;
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return 0;
	*found = 1;
	return strtoull(p + strlen(key), NULL, 0);
}

static int drain_settings(void)
{
	struct fraglab_setting s = { .key = FRAGLAB_SET_PROACTIVE, .value = 0 };
	int fd = open(FRAGLAB_DEVICE, O_RDWR), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, FRAGLAB_IOC_SET, &s);
	s.key = FRAGLAB_SET_PCP_HIGH;
	s.value = 0;
	ret |= ioctl(fd, FRAGLAB_IOC_SET, &s);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	const char *env_secs = getenv("FL_FUZZ_SECONDS"), *env_seed = getenv("FL_FUZZ_SEED");
	double secs = 60, t0, elapsed;
	long before, after, budget_kb = 8192;
	struct sigaction sa = { 0 };
	struct fraglab_stats st;
	struct fraglab_check k;
	pid_t watchdog;
	uint64_t seed, v;
	char text[256];
	int found, status, fd, s, ok, hole;
	pid_t pid;

	v = cmdline_u64("flbox.fuzz_seconds=", &found);
	if (found)
		secs = (double)v;
	if (env_secs)
		secs = atof(env_secs);
	seed = cmdline_u64("flbox.fuzz_seed=", &found);
	if (!found)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (env_seed)
		seed = strtoull(env_seed, NULL, 0);
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	tap_diag("seed %" PRIu64 " (replay: t_fuzz %" PRIu64 ", FL_FUZZ_SEED or flbox.fuzz_seed=), %.0f s",
		 seed, seed, secs);

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	map_base = mmap(NULL, NMAPS * MAP_WIN, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!tap_ok(stats != MAP_FAILED && map_base != MAP_FAILED, "shared counters and map window"))
		return tap_done();
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/*
	 * An eighth of the 64 MiB arena: the arena or a share of it not given
	 * back fails this; the kernel's own caches the run grew may keep a
	 * few MiB (measured: -1.6 MiB on 6.12 after 60 s).  Smaller leaks of
	 * fraglab's own allocations are kmemleak's (99-kmemleak.sh, debug
	 * kernel, after every test).
	 */
	before = fl_box_memfree_low();
	if (!tap_ok(fl_box_load("dev_mode=0666") == 0, "insmod fraglab dev_mode=0666"))
		return tap_done();
	for (s = 0; s < NSLOTS; s++)
		atomic_store(&slots[s].fd, -1);
	if (!tap_ok(open_slot(0) >= 0 && open_slot(1) >= 0, "open two fds"))
		goto unload;

	hole = refused_fixed_mmap_leaves_hole(atomic_load(&slots[0].fd));
	tap_diag("a MAP_FIXED mmap() that fraglab refuses %s on this kernel",
		 hole < 0 ? "(could not tell)" : hole ? "leaves a hole" : "keeps the old mapping");

	t0 = now();
	deadline = t0 + secs;
	watchdog = start_watchdog();
	pid = fork();
	if (pid == 0)
		child(seed ^ 0xc417dULL);
	if (!tap_ok(start_threads(0, 2, seed, 2) == 0, "start %d fuzzing threads on 2 fds, a compactor, a debugfs reader",
		    2 * THREADS_PER_FD))
		goto unload;
	atomic_store(&stats->child_pid, pid);
	tap_is_int(threads_in_windows(nctx + 2), 0, "no thread's stack or argument pages inside the map windows");
	pthread_barrier_wait(&go);	/* go */
	join_threads(2);
	elapsed = now() - t0;
	tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0, "forked child (uid 65534, 4 threads on its own fd and the 2 inherited) exited 0");
	atomic_store(&stats->done, 1);
	waitpid(watchdog, NULL, 0);

	tap_diag("%lu calls in %.1f s (%.0f calls/s): %lu ok, %lu EFAULT, %lu EPERM",
		 atomic_load(&stats->calls), elapsed, atomic_load(&stats->calls) / elapsed,
		 atomic_load(&stats->ok), atomic_load(&stats->efault), atomic_load(&stats->eperm));
	tap_diag("%lu mm ops (%lu mmaps of allocations), %lu touches (%lu caught SIGSEGV/SIGBUS), %lu reopens, %lu handles sniped, %lu debugfs reads",
		 atomic_load(&stats->mm_ops), atomic_load(&stats->maps), atomic_load(&stats->touches),
		 atomic_load(&stats->signals), atomic_load(&stats->reopens),
		 atomic_load(&stats->snipes), atomic_load(&stats->debugfs_reads));
	tap_ok(atomic_load(&stats->calls) > 1000 && atomic_load(&stats->ok) > 100,
	       "the fuzzer made progress");
	/*
	 * Only a diagnostic: the slab checker reads other CPUs' per-CPU
	 * arrays without stopping them (fl_slab_check_cpu()), so a benchmark
	 * on its own cache meanwhile can make it report what was in flux.
	 * The check after the run, with everything quiet, is the verdict.
	 */
	if (atomic_load(&stats->check_fail))
		tap_diag("CHECK during the run reported %lu times, first: %s",
			 atomic_load(&stats->check_fail), stats->check_msg);

	/* close everything: the files' release must free what they own */
	munmap(map_base, NMAPS * MAP_WIN);
	for (s = 0; s < 2; s++) {
		close(atomic_load(&slots[s].fd));
		close(atomic_load(&slots[s].alias));
	}
	tap_is_int(drain_settings(), 0, "proactive compaction off, per-CPU lists drained");
	fd = open(FRAGLAB_DEVICE, O_RDWR);
	memset(&k, 0, sizeof(k));
	ok = fd >= 0 && !ioctl(fd, FRAGLAB_IOC_CHECK, &k) && k.result == 0;
	tap_ok(ok, "invariant checker clean after the run%s%s", k.result ? ": " : "", k.message);
	memset(&st, 0, sizeof(st));
	ok = fd >= 0 && !ioctl(fd, FRAGLAB_IOC_STATS, &st);
	tap_ok(ok && st.total_pages && st.free_pages == st.total_pages && st.nr_allocated == 0,
	       "every arena page free (%llu of %llu), no allocation left (%llu)",
	       (unsigned long long)st.free_pages, (unsigned long long)st.total_pages,
	       (unsigned long long)st.nr_allocated);
	if (fd >= 0)
		close(fd);
	text[0] = '\0';
	fl_box_run("cat " DEBUGFS "/check", text, sizeof(text));
	text[strcspn(text, "\n")] = '\0';
	tap_ok(!strcmp(text, "OK"), "debugfs check says OK (%s)", text);
unload:
	atomic_store(&stats->done, 1);		/* the watchdog stops too */
	if (!tap_ok(fl_box_unload() == 0, "rmmod fraglab"))
		return tap_done();
	after = fl_box_memfree_back(before, budget_kb);
	tap_diag("MemFree+pcp before insmod %ld kB, after rmmod %ld kB (delta %ld kB)",
		 before, after, after - before);
	tap_ok(before > 0 && after > 0 && before - after < budget_kb,
	       "MemFree+pcp back within %ld kB after rmmod", budget_kb);
	return tap_done();
}
