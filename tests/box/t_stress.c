// SPDX-License-Identifier: GPL-2.0
/*
 * t_stress - N processes x mixed random operations over every allocator,
 * with compaction running concurrently and processes SIGKILLed at random.
 *
 * Workers: buddy alloc (movable, so compaction moves them) + mmap + write a
 * seeded pattern + verify it later (through the mapping, which refaults
 * at the block's new place after compaction) + free; slab objects; fit-pool
 * allocations.  Worker 0 also runs FRAGLAB_IOC_COMPACT in a loop.  The
 * parent SIGKILLs a random worker every few hundred ms and respawns it.
 * Workers report ops and checksum mismatches through a pipe (atomic
 * records).  Afterwards: invariant checker clean, every arena page free,
 * no mismatch.  Bounded: FL_STRESS_SECONDS (default 15).
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "fl_box.h"

#define PAGE		4096UL
#define NWORKERS	4
#define MAXLIVE		16

struct report {
	int32_t worker;
	uint32_t ops;
	uint32_t mismatches;
	uint32_t nonzero;	/* fresh memory that was not zero */
};

struct live {
	uint64_t handle;
	uint32_t *map;
	size_t len;
	uint32_t seed;
};

static int report_fd;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t xr(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fill(uint32_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len / 4; i += 61)
		p[i] = seed * 2654435761u + (uint32_t)i;
}

static int verify(const uint32_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len / 4; i += 61)
		if (p[i] != seed * 2654435761u + (uint32_t)i)
			return 1;
	return 0;
}

static void send_report(int w, uint32_t *ops, uint32_t *mism, uint32_t *nz)
{
	struct report r = { w, *ops, *mism, *nz };

	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	*ops = *mism = *nz = 0;
}

static void __attribute__((noreturn)) worker(int w, double deadline)
{
	struct fraglab fl;
	struct live live[MAXLIVE];
	uint64_t objs[MAXLIVE], pas[MAXLIVE];
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)getpid() ^ (uint32_t)(w << 16);
	uint32_t ops = 0, mism = 0, nz = 0, cache_id = 0, pool_id = 0;
	struct fraglab_pool_create pc;
	int have_cache, have_pool, i;
	char name[32];

	if (fraglab_open(&fl, NULL))
		_exit(4);
	memset(live, 0, sizeof(live));
	memset(objs, 0, sizeof(objs));
	memset(pas, 0, sizeof(pas));
	snprintf(name, sizeof(name), "stress%d", (int)getpid());
	have_cache = !fraglab_cache_create(&fl, name, 24 + 8 * w, 0, 0, &cache_id);
	have_pool = !fraglab_pool_create(&fl, 256 * 1024, 0, w % FRAGLAB_POOL_STRATEGIES, &pc);
	pool_id = pc.pool_id;

	while (now() < deadline) {
		uint32_t r = xr(&seed) % 100;
		int slot = xr(&seed) % MAXLIVE;

		if (w == 0 && r < 10) {
			struct fraglab_compact c;

			fraglab_compact(&fl, xr(&seed) & 1, 3 + xr(&seed) % 7, 0, 0, &c);
		} else if (r < 45) {
			struct live *l = &live[slot];

			if (!l->handle) {
				struct fraglab_alloc a;
				struct fraglab_query q;
				int order = xr(&seed) % 5;
				void *m;

				if (fraglab_alloc(&fl, 0, order, xr(&seed) % 4 ? FRAGLAB_MT_MOVABLE :
						  FRAGLAB_MT_UNMOVABLE, &a))
					goto next;
				fraglab_query(&fl, a.handle, &q);
				m = mmap(NULL, a.granted, PROT_READ | PROT_WRITE, MAP_SHARED,
					 fl.fd, q.mmap_offset);
				if (m == MAP_FAILED) {
					fraglab_free(&fl, a.handle);
					goto next;
				}
				if (verify(m, a.granted, 0) && ((uint32_t *)m)[0] != 0)
					nz++;
				l->handle = a.handle;
				l->map = m;
				l->len = a.granted;
				l->seed = xr(&seed);
				fill(l->map, l->len, l->seed);
			} else {
				if (verify(l->map, l->len, l->seed))
					mism++;
				if (xr(&seed) & 1) {
					munmap(l->map, l->len);
					fraglab_free(&fl, l->handle);
					l->handle = 0;
				}
			}
		} else if (r < 70 && have_cache) {
			struct fraglab_obj o;

			if (!objs[slot]) {
				if (!fraglab_obj_alloc(&fl, cache_id, &o))
					objs[slot] = o.handle;
			} else {
				fraglab_obj_free(&fl, cache_id, objs[slot]);
				objs[slot] = 0;
			}
		} else if (have_pool) {
			struct fraglab_pool_alloc pa;

			if (!pas[slot]) {
				if (!fraglab_pool_alloc(&fl, pool_id, 1 + xr(&seed) % 8000, 0,
							xr(&seed) & 1 ? FRAGLAB_POOL_ALLOC_MOVABLE : 0, &pa))
					pas[slot] = pa.handle;
			} else {
				fraglab_pool_free(&fl, pool_id, pas[slot]);
				pas[slot] = 0;
			}
			if (r > 97) {
				struct fraglab_pool_compact pc;

				fraglab_pool_compact(&fl, pool_id, &pc);
			}
		}
next:
		if (++ops == 64)
			send_report(w, &ops, &mism, &nz);
	}
	for (i = 0; i < MAXLIVE; i++)
		if (live[i].handle && verify(live[i].map, live[i].len, live[i].seed))
			mism++;
	send_report(w, &ops, &mism, &nz);
	/* leave the rest to close(): it must free everything */
	_exit(0);
}

int main(void)
{
	const char *env = getenv("FL_STRESS_SECONDS");
	double secs = env ? atof(env) : 15.0, deadline;
	pid_t pids[NWORKERS];
	int pfd[2], w, killed = 0, spawned = 0, bad_exit = 0, status;
	unsigned long long ops = 0, mism = 0, nz = 0;
	uint32_t seed = 12345;
	struct fraglab fl;
	struct fraglab_stats st;
	struct report r;
	char msg[128];
	int ret;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return tap_done();
	if (!tap_ok(pipe2(pfd, O_NONBLOCK) == 0, "pipe"))
		return tap_done();
	report_fd = pfd[1];
	deadline = now() + secs;
	for (w = 0; w < NWORKERS; w++) {
		pids[w] = fork();
		if (!pids[w])
			worker(w, deadline);
		spawned++;
	}
	while (now() < deadline - 0.5) {
		usleep(150000 + xr(&seed) % 300000);
		while (read(pfd[0], &r, sizeof(r)) == sizeof(r)) {
			ops += r.ops;
			mism += r.mismatches;
			nz += r.nonzero;
		}
		w = xr(&seed) % NWORKERS;
		if (kill(pids[w], SIGKILL) == 0) {
			waitpid(pids[w], &status, 0);
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				killed++;
			else if (!WIFEXITED(status) || WEXITSTATUS(status))
				bad_exit++;
			pids[w] = fork();
			if (!pids[w])
				worker(w, deadline);
			spawned++;
		}
	}
	for (w = 0; w < NWORKERS; w++) {
		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
				bad_exit++;
	}
	while (read(pfd[0], &r, sizeof(r)) == sizeof(r)) {
		ops += r.ops;
		mism += r.mismatches;
		nz += r.nonzero;
	}
	tap_diag("stress: %.0f s, %d workers, %llu ops survived, %d processes SIGKILLed, %d spawned",
		 secs, NWORKERS, ops, killed, spawned);
	tap_ok(ops > 1000, "workers made progress (%llu ops)", ops);
	tap_ok(killed > 0, "workers were SIGKILLed mid-operation (%d)", killed);
	tap_is_int(bad_exit, 0, "no worker died otherwise");
	tap_is_int(mism, 0, "checksums never mismatched (through compaction too)");
	tap_is_int(nz, 0, "fresh memory was always zero");

	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open after the storm"))
		return tap_done();
	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "invariant checker clean%s%s", ret ? ": " : "", ret ? msg : "");
	fraglab_stats(&fl, &st);
	tap_is_int(st.free_pages, st.total_pages, "all arena pages free after every worker is reaped");
	tap_is_int(st.nr_allocated, 0, "no allocation left");
	fraglab_close(&fl);
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
	return tap_done();
}
