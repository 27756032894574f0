// SPDX-License-Identifier: GPL-2.0
/*
 * t_compact - buddy compaction through /dev/fraglab, on a real kernel.
 *
 * arena_mb=8 (2048 pages, 4 pageblocks) keeps it fast under TCG.
 *  0. Policy: the default (policy 0, what callers built before the field
 *     get) is the kernel's: with 600 free order-0 pages an order-9 run is
 *     skipped, free pages must exceed low watermark 112 +
 *     compact_gap(9) = 1136 (docs/COMPACTION.md); emptiest-first runs.
 *  1. Pinning (emptiest-first, whose rules give the numbers): one UNMOVABLE page per pageblock (grouping by mobility off)
 *     -> ORDER-9 compaction is "blocked by unmovable" and names the four
 *     blockers at the unmovable allocations' offsets; reloaded with
 *     grouping on, the same sequence clusters the unmovable pages and the
 *     predicted order-9 blocks are exactly what compaction obtains.
 *  2. Checkerboard (emptiest-first): 2048 order-0 movable pages, every
 *     other one freed, each survivor mmapped and stamped; FULL -> largest free
 *     block == all free memory, predicted == obtained; every survivor
 *     read back through the SAME mapping: moved ones have a new query
 *     offset, a new PFN in /proc/self/pagemap (== the arena's PFN for the
 *     new offset) and intact bytes.
 *  3. Stress: 3 children alloc/mmap/write/verify/free with checksums while
 *     the parent compacts in a loop, both policies in turn; no mismatch,
 *     checker clean.
 *  4. Proactive: a fragmented arena is compacted by the worker.
 * Leaves fraglab unloaded.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "fl_box.h"

#define PAGE		4096ULL
#define NPAGES		2048
#define NCHILD		3
#define STRESS_SEC	3

#define EMPTIEST	FRAGLAB_COMPACT_POLICY_EMPTIEST

static struct fraglab fl;

static uint64_t pfn_of(void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)addr / PAGE * 8) != 8)
		ent = 0;
	close(fd);
	return (ent >> 63) ? ent & ((1ULL << 55) - 1) : 0;
}

/* PFN of arena byte offset @off, from debugfs "arena" range lines. */
static uint64_t arena_pfn(const char *text, uint64_t off)
{
	unsigned long long lo, hi, aoff, pages;
	const char *line = text;

	while (line && *line) {
		if (sscanf(line, "range %*u: pfn 0x%llx-0x%llx (%llu pages, %*u MiB) arena offset 0x%llx",
			   &lo, &hi, &pages, &aoff) == 4 &&
		    off >= aoff && off < aoff + pages * PAGE)
			return lo + (off - aoff) / PAGE;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

static uint64_t debugfs_counter(const char *file, const char *name)
{
	char *text, *p;
	uint64_t v = 0;
	size_t n = strlen(name);

	if (fraglab_read_debugfs(file, &text))
		return 0;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ' ')
			v = strtoull(p + n + 1, NULL, 10);
	free(text);
	return v;
}

static int check_clean(struct fraglab *f, const char *what)
{
	char msg[128];
	int ret = fraglab_check(f, msg, sizeof(msg));

	return tap_ok(ret == 0, "%s: invariant checker clean%s%s", what,
		      ret ? ": " : "", ret ? msg : "");
}

/* --------------------------------------------------------------- pinning */

static uint64_t handles[NPAGES];
static uint64_t offsets[NPAGES];

/* 2048 order-0 pages, every 512th (i % 512 == 5) unmovable; free even movable. */
static int pinning_state(struct fraglab *f, uint64_t *unmov, unsigned int *nu)
{
	struct fraglab_alloc a;
	unsigned int i;

	*nu = 0;
	for (i = 0; i < NPAGES; i++) {
		unsigned int mt = i % 512 == 5 ? FRAGLAB_MT_UNMOVABLE :
			FRAGLAB_MT_MOVABLE;

		if (fraglab_alloc(f, 0, 0, mt, &a))
			return -1;
		handles[i] = a.handle;
		offsets[i] = a.offset;
		if (mt == FRAGLAB_MT_UNMOVABLE)
			unmov[(*nu)++] = a.offset;
	}
	for (i = 0; i < NPAGES; i += 2)
		if (i % 512 != 5 && fraglab_free(f, handles[i]))
			return -1;
	return 0;
}

static bool is_unmovable_offset(const uint64_t *unmov, unsigned int n,
				uint64_t off)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (unmov[i] == off)
			return true;
	return false;
}

static void test_pinning_blocked(void)
{
	struct fraglab_hugepages_arena h;
	struct fraglab_compact r;
	uint64_t unmov[8];
	unsigned int nu, i, named = 0;

	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_GROUP_BY_MOBILITY, 0), 0,
		   "pinning: grouping by mobility off");
	if (!tap_is_int(pinning_state(&fl, unmov, &nu), 0,
			"pinning: 2048 pages, 4 unmovable, every other movable freed"))
		return;
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0, &r), 0,
		   "pinning: compact --order 9 (kernel policy)");
	tap_is_int(r.result, FRAGLAB_COMPACT_NOT_SUITABLE,
		   "pinning: kernel policy: ~1024 free pages <= 1136: skipped (%s)",
		   fraglab_compact_result_name(r.result));
	tap_is_int(fraglab_hugepages_arena_policy(&fl, EMPTIEST, &h), 0,
		   "pinning: prediction");
	tap_is_int(h.policy, EMPTIEST, "pinning: prediction for emptiest-first");
	tap_is_int(h.blocks_blocked, 4, "pinning: all 4 pageblocks pinned");
	tap_is_int(h.obtainable_max, 0, "pinning: no 2 MiB block obtainable");
	tap_is_int(h.predicted_order, 0, "pinning: predicted 0 after compact --order 9");
	tap_is_int(fraglab_compact_policy(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0,
					  EMPTIEST, &r), 0,
		   "pinning: compact --order 9 --policy emptiest-first");
	tap_is_int(r.result, FRAGLAB_COMPACT_BLOCKED_UNMOVABLE,
		   "pinning: result is 'blocked by unmovable' (%s)",
		   fraglab_compact_result_name(r.result));
	tap_is_int(r.nr_blocked, 4, "pinning: 4 blocked pageblocks reported");
	tap_is_int(r.nr_blockers, 4, "pinning: 4 blockers named");
	for (i = 0; i < r.nr_blockers; i++) {
		named += is_unmovable_offset(unmov, nu, r.blockers[i].offset) &&
			 r.blockers[i].block == r.blockers[i].offset >> 21 &&
			 r.blockers[i].migratetype == FRAGLAB_MT_UNMOVABLE;
		tap_diag("blocker: pageblock %u, unmovable order-%u at 0x%llx",
			 r.blockers[i].block, r.blockers[i].order,
			 (unsigned long long)r.blockers[i].offset);
	}
	tap_is_int(named, 4, "pinning: each blocker is one of our unmovable pages");
	tap_is_int(r.hugepages_after, 0, "pinning: still no free 2 MiB block");
	tap_is_int(r.moved, 0, "pinning: nothing moved in vain");
	check_clean(&fl, "pinning");
}

static void test_pinning_grouped(void)
{
	struct fraglab_hugepages_arena h;
	struct fraglab_compact r;
	uint64_t unmov[8];
	unsigned int nu;

	tap_is_int(fraglab_get(&fl, FRAGLAB_SET_GROUP_BY_MOBILITY, &(uint64_t){0}), 0,
		   "grouped: grouping by mobility on (default)");
	if (!tap_is_int(pinning_state(&fl, unmov, &nu), 0,
			"grouped: the same allocation sequence"))
		return;
	tap_is_int(fraglab_hugepages_arena_policy(&fl, EMPTIEST, &h), 0,
		   "grouped: prediction");
	tap_ok(h.blocks_blocked < 4, "grouped: unmovable pages cluster (%u pinned pageblock(s))",
	       h.blocks_blocked);
	tap_ok(h.predicted_order >= 1, "grouped: order-9 block predicted obtainable (%llu)",
	       (unsigned long long)h.predicted_order);
	tap_is_int(fraglab_compact_policy(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0,
					  EMPTIEST, &r), 0,
		   "grouped: compact --order 9 --policy emptiest-first");
	tap_is_int(r.result, FRAGLAB_COMPACT_SUCCESS, "grouped: success (%s)",
		   fraglab_compact_result_name(r.result));
	tap_is_int(r.hugepages_after, h.predicted_order,
		   "grouped: obtained == predicted (%llu)",
		   (unsigned long long)h.predicted_order);
	tap_is_int(r.nr_free_after[9] + 2 * r.nr_free_after[10], r.hugepages_after,
		   "grouped: nr_free[9] + 2*nr_free[10] agrees");
	tap_diag("grouping off: 4 pinned, 0 obtainable; grouping on: %u pinned, %llu obtained",
		 h.blocks_blocked, (unsigned long long)r.hugepages_after);
	/* the default (kernel) prediction for the kernel's FULL run */
	tap_is_int(fraglab_hugepages_arena(&fl, &h), 0, "grouped: prediction again");
	tap_is_int(h.policy, FRAGLAB_COMPACT_POLICY_KERNEL,
		   "grouped: default prediction is the kernel policy's");
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0, &r), 0,
		   "grouped: compact --full (kernel policy)");
	tap_is_int(r.hugepages_after, h.predicted_full,
		   "grouped: full: obtained == predicted (%llu)",
		   (unsigned long long)h.predicted_full);
	check_clean(&fl, "grouped");
}

/* ----------------------------------------------------------- checkerboard */

struct mapped {
	uint64_t handle;
	uint64_t offset;
	uint64_t pfn;
	uint64_t *p;
};

static struct mapped maps[NPAGES / 2];

static void stamp(uint64_t *p, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = seed * 0x9e3779b97f4a7c15ULL + i;
}

static bool stamp_ok(const uint64_t *p, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != seed * 0x9e3779b97f4a7c15ULL + i)
			return false;
	return true;
}

static void test_checkerboard(void)
{
	struct fraglab_hugepages_arena h;
	struct fraglab_compact r;
	struct fraglab_alloc a;
	struct fraglab_query q;
	unsigned int i, n = 0, moved = 0, newoff = 0, newpfn = 0, intact = 0;
	unsigned int pfn_match = 0;
	uint64_t s0 = debugfs_counter("compaction", "compact_success");
	char *arena;
	size_t len;
	void *addr;

	for (i = 0; i < NPAGES; i++) {
		if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &a))
			break;
		handles[i] = a.handle;
	}
	if (!tap_is_int(i, NPAGES, "checkerboard: the whole arena in order-0 pages"))
		return;
	for (i = 0; i < NPAGES; i += 2)
		fraglab_free(&fl, handles[i]);
	for (i = 1; i < NPAGES; i += 2, n++) {
		maps[n].handle = handles[i];
		if (fraglab_mmap(&fl, handles[i], &addr, &len) || len != PAGE)
			break;
		maps[n].p = addr;
		stamp(maps[n].p, handles[i]);
		maps[n].pfn = pfn_of(addr);
		fraglab_query(&fl, handles[i], &q);
		maps[n].offset = q.offset;
	}
	if (!tap_is_int(n, NPAGES / 2, "checkerboard: 1024 survivors mmapped and stamped"))
		return;
	tap_ok(maps[0].pfn != 0, "checkerboard: pagemap shows PFNs (root)");
	tap_is_int(fraglab_hugepages_arena_policy(&fl, EMPTIEST, &h), 0,
		   "checkerboard: prediction");
	tap_is_int(h.hugepages_now, 0, "checkerboard: no free 2 MiB block now");
	tap_is_int(h.predicted_full, 2, "checkerboard: 2 predicted after compact --full");

	tap_is_int(fraglab_compact_policy(&fl, FRAGLAB_COMPACT_MODE_FULL, 9, 0, 0,
					  EMPTIEST, &r), 0,
		   "checkerboard: compact --full --policy emptiest-first");
	tap_is_int(r.result, FRAGLAB_COMPACT_SUCCESS, "checkerboard: success");
	tap_is_int(r.nr_free_before[0], 1024, "checkerboard: 1024 free order-0 blocks before");
	tap_is_int(r.nr_free_before[1], 0, "checkerboard: no order-1 block before");
	tap_is_int(r.nr_free_after[10], 1, "checkerboard: largest free block (order 10) == all free memory");
	tap_is_int(r.hugepages_after, h.predicted_full, "checkerboard: obtained == predicted");
	tap_is_int(r.moved, 512, "checkerboard: 512 allocations moved");
	tap_is_int(r.bytes_copied, 512 * PAGE, "checkerboard: 2 MiB copied");
	tap_diag("compaction: %llu pages moved in %.2f ms",
		 (unsigned long long)r.pages_moved, r.time_ns / 1e6);

	if (fraglab_read_debugfs("arena", &arena))
		arena = NULL;
	for (i = 0; i < n; i++) {
		uint64_t pfn;

		fraglab_query(&fl, maps[i].handle, &q);
		if (!q.moves)
			continue;
		moved++;
		newoff += q.offset != maps[i].offset;
		intact += stamp_ok(maps[i].p, maps[i].handle);	/* refaults */
		pfn = pfn_of(maps[i].p);
		newpfn += pfn != maps[i].pfn;
		pfn_match += arena && pfn == arena_pfn(arena, q.offset);
	}
	free(arena);
	tap_is_int(moved, 512, "checkerboard: query reports 512 moved handles");
	tap_is_int(newoff, moved, "checkerboard: every moved handle has a new offset");
	tap_is_int(intact, moved, "checkerboard: bytes intact through the same mapping");
	tap_is_int(newpfn, moved, "checkerboard: the mapping refaulted to a new PFN");
	tap_is_int(pfn_match, moved, "checkerboard: new PFN == arena PFN of the new offset");
	for (i = 0, intact = 0; i < n; i++)
		intact += stamp_ok(maps[i].p, maps[i].handle);
	tap_is_int(intact, n, "checkerboard: all 1024 survivors intact");
	tap_ok(debugfs_counter("compaction", "compact_success") > s0,
	       "checkerboard: debugfs compaction counts the success");
	tap_ok(debugfs_counter("compaction", "pages_moved") >= 512,
	       "checkerboard: debugfs pages_moved");
	check_clean(&fl, "checkerboard");
	for (i = 0; i < n; i++)
		munmap(maps[i].p, PAGE);
	for (i = 1; i < NPAGES; i += 2)
		fraglab_free(&fl, handles[i]);
}

/* ----------------------------------------------------------------- stress */

struct shared {
	unsigned long verified[NCHILD];
	unsigned long mismatch[NCHILD];
	unsigned long moves[NCHILD];
	unsigned long errors[NCHILD];
};

struct live {
	uint64_t handle;
	uint64_t *p;
	size_t len;
	uint64_t seed;
};

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct live *l)
{
	size_t i;

	for (i = 0; i < l->len / 8; i++)
		l->p[i] = l->seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

static bool verify(const struct live *l)
{
	size_t i;

	for (i = 0; i < l->len / 8; i++)
		if (l->p[i] != (l->seed ^ (i * 0x9e3779b97f4a7c15ULL)))
			return false;
	return true;
}

static void child(int id, struct shared *sh, time_t end)
{
	struct live live[96];
	struct fraglab f;
	struct fraglab_alloc a;
	struct fraglab_query q;
	uint64_t s = 0x1234567ULL * (id + 1);
	unsigned int n = 0, i;
	void *addr;

	if (fraglab_open(&f, NULL))
		_exit(2);
	while (time(NULL) < end) {
		unsigned int op = xs(&s) % 10;

		if ((op < 5 && n < 96) || n == 0) {
			unsigned int mt = xs(&s) % 16 ? FRAGLAB_MT_MOVABLE :
				FRAGLAB_MT_UNMOVABLE;

			if (fraglab_alloc(&f, 0, xs(&s) % 3, mt, &a))
				continue;
			if (fraglab_mmap(&f, a.handle, &addr, &live[n].len)) {
				sh->errors[id]++;
				fraglab_free(&f, a.handle);
				continue;
			}
			live[n].handle = a.handle;
			live[n].p = addr;
			live[n].seed = xs(&s);
			fill(&live[n]);
			n++;
		} else if (op < 8) {
			i = xs(&s) % n;
			if (verify(&live[i]))
				sh->verified[id]++;
			else
				sh->mismatch[id]++;
		} else {
			i = xs(&s) % n;
			if (!verify(&live[i]))
				sh->mismatch[id]++;
			if (!fraglab_query(&f, live[i].handle, &q))
				sh->moves[id] += q.moves;
			munmap(live[i].p, live[i].len);
			if (fraglab_free(&f, live[i].handle))
				sh->errors[id]++;
			live[i] = live[--n];
		}
	}
	for (i = 0; i < n; i++) {
		if (!verify(&live[i]))
			sh->mismatch[id]++;
		if (!fraglab_query(&f, live[i].handle, &q))
			sh->moves[id] += q.moves;
	}
	fraglab_close(&f);
	_exit(0);
}

static void test_stress(void)
{
	struct shared *sh;
	struct fraglab_compact r;
	unsigned long runs = 0, moved = 0, mism = 0, ver = 0, mv = 0, err = 0;
	time_t end = time(NULL) + STRESS_SEC;
	pid_t pids[NCHILD];
	int i, status, bad_exit = 0, ioc_err = 0;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!tap_ok(sh != MAP_FAILED, "stress: shared counters"))
		return;
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			child(i, sh, end);
	}
	while (time(NULL) < end) {
		/*
		 * Both policies race the children.  The kernel's moves nothing
		 * when the children's pages already sit above its free
		 * scanner's meeting point (seen on 6.1-rt); emptiest-first
		 * empties their sparsest pageblock, so moves surely happen.
		 */
		if (fraglab_compact_policy(&fl, runs % 2 ? FRAGLAB_COMPACT_MODE_FULL :
					   FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0,
					   (runs / 2) % 2, &r))
			ioc_err++;
		else
			moved += r.moved;
		runs++;
		if (runs % 8 == 0) {
			char msg[128];

			if (fraglab_check(&fl, msg, sizeof(msg)))
				ioc_err++;
		}
	}
	for (i = 0; i < NCHILD; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad_exit++;
		mism += sh->mismatch[i];
		ver += sh->verified[i];
		mv += sh->moves[i];
		err += sh->errors[i];
	}
	tap_diag("stress: %lu compactions moved %lu allocations; children verified %lu, saw %lu moves",
		 runs, moved, ver, mv);
	tap_is_int(bad_exit, 0, "stress: %d children exited cleanly", NCHILD);
	tap_is_int(ioc_err, 0, "stress: every compaction and check ioctl succeeded");
	tap_is_int(mism, 0, "stress: no checksum mismatch");
	tap_is_int(err, 0, "stress: no mmap/free error in the children");
	tap_ok(runs > 0 && ver > 0, "stress: work was done (%lu runs, %lu verifies)", runs, ver);
	tap_ok(moved > 0, "stress: compaction moved mapped allocations (%lu)", moved);
	check_clean(&fl, "stress");
	munmap(sh, sizeof(*sh));
}

/* -------------------------------------------------------------- proactive */

static void test_proactive(void)
{
	uint64_t v = 0, wake0 = debugfs_counter("compaction", "compact_daemon_wake");
	struct fraglab_hugepages_arena h;
	struct fraglab_alloc a;
	unsigned int i, n;
	int tries;

	for (n = 0; n < NPAGES; n++) {
		if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &a))
			break;
		handles[n] = a.handle;
	}
	for (i = 0; i < n; i += 2)
		fraglab_free(&fl, handles[i]);
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PROACTIVE, 101), -EINVAL,
		   "proactive: 101 -> EINVAL");
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PROACTIVE, 20), 0, "proactive: on (20)");
	tap_is_int(fraglab_get(&fl, FRAGLAB_SET_PROACTIVE, &v), 0, "proactive: get");
	tap_is_int(v, 20, "proactive: reads back 20");
	for (tries = 0; tries < 40; tries++) {
		usleep(250000);
		if (!fraglab_hugepages_arena(&fl, &h) && h.hugepages_now >= 1)
			break;
	}
	tap_ok(h.hugepages_now >= 1, "proactive: the worker made a free 2 MiB block (%llu)",
	       (unsigned long long)h.hugepages_now);
	tap_ok(debugfs_counter("compaction", "compact_daemon_wake") > wake0,
	       "proactive: debugfs compact_daemon_wake counts it");
	tap_is_int(fraglab_set(&fl, FRAGLAB_SET_PROACTIVE, 0), 0, "proactive: off");
	check_clean(&fl, "proactive");
	for (i = 1; i < n; i += 2)
		fraglab_free(&fl, handles[i]);
	/* leave it on: unload must stop the worker */
	fraglab_set(&fl, FRAGLAB_SET_PROACTIVE, 100);
}

/* ------------------------------------------------------------- policy */

/*
 * The case through the ioctl: 600 free order-0 pages of the 8 MiB
 * arena.  calculate_min_free_kbytes() for 8192 KiB: int_sqrt(131072) =
 * 362 KiB = 90 pages (min); low = 90 + max(90 / 4, 2048 * 10 / 10000) =
 * 112; __compaction_suitable(order 9) wants free > 112 + 2^10 = 1136.
 */
static void test_policy_suitability(void)
{
	static bool freed[NPAGES];
	struct fraglab_compact r;
	struct fraglab_alloc a;
	struct fraglab_query q;
	unsigned int i, n, nfree = 0;

	for (n = 0; n < NPAGES; n++) {
		if (fraglab_alloc(&fl, 0, 0, FRAGLAB_MT_MOVABLE, &a))
			break;
		handles[n] = a.handle;
	}
	if (!tap_is_int(n, NPAGES, "policy: the whole arena in order-0 pages"))
		return;
	for (i = 0; i < n && nfree < 600; i++) {
		if (fraglab_query(&fl, handles[i], &q) || (q.offset / PAGE) % 3)
			continue;
		if (!fraglab_free(&fl, handles[i])) {
			freed[i] = true;
			nfree++;
		}
	}
	tap_is_int(nfree, 600, "policy: 600 scattered pages freed");
	/* fraglab_compact() leaves the policy 0, like an older caller */
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0, &r), 0,
		   "policy: compact --order 9, default policy");
	tap_is_int(r.policy, FRAGLAB_COMPACT_POLICY_KERNEL, "policy: default is kernel");
	tap_is_int(r.result, FRAGLAB_COMPACT_NOT_SUITABLE,
		   "policy: kernel: 600 free pages -> not suitable (%s)",
		   fraglab_compact_result_name(r.result));
	tap_is_int(r.suitable_min, 1136, "policy: needs > low 112 + compact_gap(9) 1024");
	tap_is_int(r.moved, 0, "policy: kernel: nothing moved");
	tap_is_int(fraglab_compact_policy(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0,
					  EMPTIEST, &r), 0,
		   "policy: compact --order 9 --policy emptiest-first");
	tap_is_int(r.policy, EMPTIEST, "policy: reported back");
	tap_ok(r.result != FRAGLAB_COMPACT_NOT_SUITABLE && r.moved > 0,
	       "policy: emptiest-first (2^9 pages suffice) runs: %s, %llu moved",
	       fraglab_compact_result_name(r.result), (unsigned long long)r.moved);
	check_clean(&fl, "policy");
	for (i = 0; i < n; i++)
		if (!freed[i])
			fraglab_free(&fl, handles[i]);
}

static void test_abi(void)
{
	struct fraglab_compact c;
	struct fraglab_hugepages_arena h;

	memset(&c, 0, sizeof(c));
	c.mode = 7;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: bad mode");
	memset(&c, 0, sizeof(c));
	c.order = 11;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: bad order");
	memset(&c, 0, sizeof(c));
	c.reserved[1] = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: reserved != 0");
	memset(&c, 0, sizeof(c));
	c.flags = 0x100;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: unknown flag");
	memset(&h, 0, sizeof(h));
	h.predicted_full = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_HUGEPAGES_ARENA, &h), -EINVAL,
		   "abi: hugepages_arena input must be zero");
	memset(&c, 0, sizeof(c));
	c.policy = 2;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: unknown policy");
	memset(&c, 0, sizeof(c));
	c.pad2 = 1;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_COMPACT, &c), -EINVAL, "abi: pad2 != 0");
	memset(&h, 0, sizeof(h));
	h.policy = 2;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_HUGEPAGES_ARENA, &h), -EINVAL,
		   "abi: hugepages_arena: unknown policy");
	memset(&h, 0, sizeof(h));
	h.policy = EMPTIEST;
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_HUGEPAGES_ARENA, &h), 0,
		   "abi: hugepages_arena: policy is the one input");
	tap_is_int(h.policy, EMPTIEST, "abi: hugepages_arena: policy reported back");
	tap_ok(fl.version.features & FRAGLAB_FEAT_COMPACT, "abi: compact feature bit");
	tap_ok(fl.version.features & FRAGLAB_FEAT_COMPACT_POLICY,
	       "abi: compact policy feature bit");
	tap_is_int(fraglab_compact(&fl, FRAGLAB_COMPACT_MODE_ORDER, 9, 0, 0, &c), 0,
		   "abi: empty arena");
	tap_is_int(c.result, FRAGLAB_COMPACT_NOT_NEEDED, "abi: empty arena: not needed");
}

static int load_open(const char *params)
{
	if (!tap_is_int(fl_box_load(params), 0, "insmod %s", params))
		return -1;
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open /dev/fraglab")) {
		fl_box_unload();
		return -1;
	}
	return 0;
}

static void close_unload(void)
{
	fraglab_close(&fl);
	tap_is_int(fl_box_unload(), 0, "rmmod");
}

int main(void)
{
	if (load_open("arena_mb=8"))
		return tap_done();
	test_abi();
	test_policy_suitability();
	test_pinning_blocked();
	close_unload();

	if (load_open("arena_mb=8"))
		return tap_done();
	test_pinning_grouped();
	close_unload();

	if (load_open("arena_mb=8"))
		return tap_done();
	test_checkerboard();
	test_stress();
	test_proactive();
	close_unload();
	return tap_done();
}
