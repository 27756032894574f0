// SPDX-License-Identifier: GPL-2.0
/*
 * t_probe - the real-system HugePage probe (FRAGLAB_IOC_PROBE_SYSTEM) on a
 * real kernel, and the seed's HugePage story end to end.
 *
 *  1. Quiesced, the module's per-zone free counts equal /proc/buddyinfo
 *     exactly (read /proc, probe, read /proc again until the two reads are
 *     identical; both parsed by fl_parse_buddyinfo()), and its pageblock
 *     counts equal /proc/pagetypeinfo's "Number of blocks type".
 *  2. The ABI: reserved fields, flags, counts, probe_max (-EINVAL), trials
 *     without CAP_SYS_ADMIN (-EPERM, in a child that dropped to uid 65534,
 *     where opening /dev/fraglab itself is -EACCES).
 *  3. Fragment the machine from userspace: touch anonymous memory until
 *     the kernel has no free order >= 9 block left, then give back every
 *     page except one per physical pageblock (PFNs from /proc/self/pagemap).
 *     Most memory is free again, yet no 2 MiB block exists: the trial
 *     without compaction gets 0 of N; with compaction (or after
 *     echo 1 > /proc/sys/vm/compact_memory) it gets them.
 *  4. A trial larger than a quarter of free memory is clamped.
 *
 * While fragmenting, proactive compaction is off, min_free_kbytes is low
 * and the lowmem reserves are zero (so the fill can reach every big block);
 * all three are restored, and the fill stops early if MemFree gets low.
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "fl_box.h"

#define PAGE		4096UL
#define HP_ORDER	9
#define HP_PAGES	(1UL << HP_ORDER)
#define TRY_N		4
#define FLOOR_KB	(3 * 1024)	/* stop filling below this MemFree */
#define SLOW_KB		(24 * 1024)	/* fill in small steps below this */

static struct fraglab fl;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_text(const char *path, char **text)
{
	return fraglab_read_file(path, text);
}

/* First line of a file, without the newline, into buf. */
static int read_line(const char *path, char *buf, size_t len)
{
	char *text;
	int ret = read_text(path, &text);

	if (ret)
		return ret;
	snprintf(buf, len, "%s", text);
	buf[strcspn(buf, "\n")] = '\0';
	free(text);
	return 0;
}

static long meminfo_kb(const char *field)
{
	char *text, *p;
	long v = -1;

	if (read_text("/proc/meminfo", &text))
		return -1;
	p = strstr(text, field);
	if (p)
		v = strtol(p + strlen(field) + 1, NULL, 10);
	free(text);
	return v;
}

static int read_buddyinfo(struct fl_zone_free *z)
{
	char *text;
	int n;

	if (read_text("/proc/buddyinfo", &text))
		return -1;
	n = fl_parse_buddyinfo(text, z, FL_BOX_MAX_ZONES);
	free(text);
	return n;
}

static int same_buddyinfo(const struct fl_zone_free *a, int na,
			  const struct fl_zone_free *b, int nb)
{
	int i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].node != b[i].node || strcmp(a[i].zone, b[i].zone) ||
		    a[i].nr_orders != b[i].nr_orders ||
		    memcmp(a[i].nr_free, b[i].nr_free,
			   a[i].nr_orders * sizeof(a[i].nr_free[0])))
			return 0;
	return 1;
}

/* Does the module's snapshot equal one /proc/buddyinfo read?  Why not. */
static int probe_matches(const struct fraglab_probe_system *p,
			 const struct fl_zone_free *z, int nz, char *why,
			 size_t len)
{
	unsigned int i, o;

	if ((int)p->nr_zones != nz) {
		snprintf(why, len, "%u zones, /proc/buddyinfo has %d", p->nr_zones, nz);
		return 0;
	}
	for (i = 0; i < p->nr_zones; i++) {
		const struct fraglab_zone_probe *m = &p->zones[i];

		if (m->node != z[i].node || strcmp(m->name, z[i].zone) ||
		    p->nr_orders != z[i].nr_orders) {
			snprintf(why, len, "zone %u: %d/%s/%u orders vs %d/%s/%u",
				 i, m->node, m->name, p->nr_orders, z[i].node,
				 z[i].zone, z[i].nr_orders);
			return 0;
		}
		for (o = 0; o < p->nr_orders; o++)
			if (m->nr_free[o] != z[i].nr_free[o]) {
				snprintf(why, len, "zone %s order %u: %llu vs %llu",
					 m->name, o, (unsigned long long)m->nr_free[o],
					 (unsigned long long)z[i].nr_free[o]);
				return 0;
			}
	}
	return 1;
}

static int probe(uint32_t flags, uint32_t n, struct fraglab_probe_system *p)
{
	return fraglab_probe_system(&fl, flags, n, p);
}

/* ---- 1. agreement with /proc ---------------------------------------------- */

static void test_agreement(struct fraglab_probe_system *p)
{
	struct fl_zone_free a[FL_BOX_MAX_ZONES], b[FL_BOX_MAX_ZONES];
	char why[160] = "no attempt";
	int na, nb, attempt, ok = 0;

	for (attempt = 1; attempt <= 50 && !ok; attempt++) {
		na = read_buddyinfo(a);
		if (probe(0, 0, p))
			break;
		nb = read_buddyinfo(b);
		if (na <= 0 || !same_buddyinfo(a, na, b, nb)) {
			snprintf(why, sizeof(why), "/proc/buddyinfo moved between reads");
			continue;
		}
		ok = probe_matches(p, a, na, why, sizeof(why));
	}
	if (!tap_ok(ok, "system probe equals /proc/buddyinfo exactly (quiesced, attempt %d)",
		    attempt - 1))
		tap_diag("last mismatch: %s", why);
	tap_is_int(p->nr_orders, 11, "11 buddy orders");
	tap_is_int(p->block_order, HP_ORDER, "pageblock order 9");
}

static void test_derived(const struct fraglab_probe_system *p)
{
	unsigned int i, o, bad = 0, bad_idx = 0;

	for (i = 0; i < p->nr_zones; i++) {
		const struct fraglab_zone_probe *z = &p->zones[i];
		uint64_t hp = 0, freep = 0;

		for (o = 0; o < p->nr_orders; o++) {
			freep += z->nr_free[o] << o;
			if (o >= HP_ORDER)
				hp += z->nr_free[o] << (o - HP_ORDER);
		}
		bad += hp != z->hugepages_now || freep != z->free_pages;
		bad_idx += (hp > 0) != (z->extfrag_index_9 == -1000);
		bad_idx += z->unusable_index_9 < 0 || z->unusable_index_9 > 1000;
		tap_diag("Node %d %-8s free %8llu pages, hugepages %5llu, unusable %d, extfrag %d, blocks U/M/R/O %llu/%llu/%llu/%llu",
			 z->node, z->name, (unsigned long long)z->free_pages,
			 (unsigned long long)z->hugepages_now, z->unusable_index_9,
			 z->extfrag_index_9, (unsigned long long)z->pageblocks[0],
			 (unsigned long long)z->pageblocks[1],
			 (unsigned long long)z->pageblocks[2],
			 (unsigned long long)z->pageblocks[3]);
	}
	tap_is_int(bad, 0, "hugepages_now and free_pages follow from nr_free");
	tap_is_int(bad_idx, 0, "order-9 indices in range, extfrag -1.000 exactly when a block exists");
}

/* /proc/pagetypeinfo "Number of blocks type" lines vs the module's counts. */
static int pagetype_matches(const struct fraglab_probe_system *p, char *why,
			    size_t len)
{
	char *text, *line, *save = NULL;
	unsigned int zi = 0;
	int in_blocks = 0, ret = 1;

	if (read_text("/proc/pagetypeinfo", &text)) {
		snprintf(why, len, "cannot read /proc/pagetypeinfo");
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v[8], other = 0;
		char zone[32];
		int node, n, k;

		if (!strncmp(line, "Number of blocks type", 21)) {
			in_blocks = 1;
			continue;
		}
		if (!in_blocks || sscanf(line, "Node %d, zone %31s%n", &node, zone, &n) < 2)
			continue;
		k = sscanf(line + n, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		if (k < 3 || zi >= p->nr_zones)
			continue;
		while (k > 3)
			other += v[--k];
		if (strcmp(zone, p->zones[zi].name) ||
		    v[0] != p->zones[zi].pageblocks[0] ||
		    v[1] != p->zones[zi].pageblocks[1] ||
		    v[2] != p->zones[zi].pageblocks[2] ||
		    other != p->zones[zi].pageblocks[3]) {
			snprintf(why, len, "zone %s: /proc %llu/%llu/%llu/%llu, module %llu/%llu/%llu/%llu",
				 zone, v[0], v[1], v[2], other,
				 (unsigned long long)p->zones[zi].pageblocks[0],
				 (unsigned long long)p->zones[zi].pageblocks[1],
				 (unsigned long long)p->zones[zi].pageblocks[2],
				 (unsigned long long)p->zones[zi].pageblocks[3]);
			ret = 0;
		}
		zi++;
	}
	free(text);
	if (ret && zi != p->nr_zones) {
		snprintf(why, len, "%u block lines for %u zones", zi, p->nr_zones);
		ret = 0;
	}
	return ret;
}

static void test_pagetypes(struct fraglab_probe_system *p)
{
	char why[200] = "";
	int attempt, ok = 0;

	for (attempt = 1; attempt <= 10 && !ok; attempt++) {
		if (probe(0, 0, p))
			break;
		ok = pagetype_matches(p, why, sizeof(why));
	}
	if (!tap_ok(ok, "pageblock counts per migrate type equal /proc/pagetypeinfo"))
		tap_diag("%s", why);
}

static void test_debugfs(void)
{
	char *text = NULL;
	int ret = fraglab_read_debugfs("hugepages", &text);

	tap_is_int(ret, 0, "debugfs hugepages readable");
	if (ret)
		return;
	tap_ok(strstr(text, "system:") && strstr(text, "Node 0, zone") &&
	       strstr(text, "arena:"), "debugfs hugepages has system lines and an arena section");
	free(text);
}

/* ---- 2. ABI and privileges ------------------------------------------------- */

static int raw(struct fraglab_probe_system *p)
{
	return fraglab_ioctl(&fl, FRAGLAB_IOC_PROBE_SYSTEM, p);
}

static void test_abi(struct fraglab_probe_system *p)
{
	tap_ok(fl.version.features & FRAGLAB_FEAT_PROBE, "version: probe feature bit");
	memset(p, 0, sizeof(*p));
	p->reserved[3] = 1;
	tap_is_int(raw(p), -EINVAL, "nonzero reserved -> EINVAL");
	memset(p, 0, sizeof(*p));
	p->flags = 1U << 5;
	tap_is_int(raw(p), -EINVAL, "unknown flag -> EINVAL");
	tap_is_int(probe(0, 3, p), -EINVAL, "try_count without a trial flag -> EINVAL");
	tap_is_int(probe(FRAGLAB_PROBE_TRY_COMPACT, 1, p), -EINVAL,
		   "TRY_COMPACT without TRY -> EINVAL");
	tap_is_int(probe(FRAGLAB_PROBE_TRY, 0, p), -EINVAL, "trial of 0 blocks -> EINVAL");
	tap_is_int(probe(FRAGLAB_PROBE_TRY, 65, p), -EINVAL,
		   "trial above probe_max (64) -> EINVAL");
	tap_is_int(fraglab_ioctl(&fl, FRAGLAB_IOC_PROBE_SYSTEM, (void *)16), -EFAULT,
		   "faulting pointer -> EFAULT");
	tap_is_int(fraglab_ioctl(&fl, _IOWR(FRAGLAB_IOC_MAGIC, 0x4f, struct fraglab_probe_system), p),
		   -ENOTTY, "unknown probe command -> ENOTTY");
}

static void test_probe_max_param(struct fraglab_probe_system *p)
{
	const char *param = "/sys/module/fraglab/parameters/probe_max";

	if (fl_box_write(param, "2")) {
		tap_skip("probe_max not writable", "probe_max=2 bounds trials");
		return;
	}
	tap_is_int(probe(FRAGLAB_PROBE_TRY, 3, p), -EINVAL, "probe_max=2: trial of 3 -> EINVAL");
	tap_is_int(probe(FRAGLAB_PROBE_TRY, 2, p), 0, "probe_max=2: trial of 2 runs");
	tap_ok(p->try_cap <= 2 && p->tried <= 2, "probe_max=2: cap %u, tried %u",
	       p->try_cap, p->tried);
	fl_box_write(param, "5000");
	tap_is_int(probe(FRAGLAB_PROBE_TRY, 1025, p), -EINVAL,
		   "probe_max=5000 is still limited to 1024 -> EINVAL");
	fl_box_write(param, "64");
}

static void test_unprivileged(void)
{
	struct fraglab_probe_system *p = calloc(1, sizeof(*p));
	int status = 0, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int bits = 0, ret;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(0x80);
		fd = open(FRAGLAB_DEVICE, O_RDWR);
		if (fd < 0 && errno == EACCES)
			bits |= 1;
		if (fd >= 0)
			close(fd);
		p->flags = FRAGLAB_PROBE_TRY;
		p->try_count = 1;
		ret = ioctl(fl.fd, FRAGLAB_IOC_PROBE_SYSTEM, p);
		if (ret < 0 && errno == EPERM)
			bits |= 2;
		memset(p, 0, sizeof(*p));
		if (!ioctl(fl.fd, FRAGLAB_IOC_PROBE_SYSTEM, p) && p->nr_zones)
			bits |= 4;
		_exit(bits);
	}
	waitpid(pid, &status, 0);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 0x80;
	if (status & 0x80) {
		tap_fail("could not drop privileges", "uid 65534 child");
		free(p);
		return;
	}
	tap_ok(status & 1, "uid 65534: open /dev/fraglab -> EACCES (mode 0600)");
	tap_ok(status & 2, "uid 65534 with an inherited fd: trial -> EPERM");
	tap_ok(status & 4, "uid 65534 with an inherited fd: read-only probe works");
	free(p);
}

/* ---- 3. the HugePage story -------------------------------------------------- */

struct sysctl_save {
	const char *path;
	char old[128];
	int saved;
};

static struct sysctl_save sysctls[] = {
	{ .path = "/proc/sys/vm/compaction_proactiveness" },
	{ .path = "/proc/sys/vm/min_free_kbytes" },
	{ .path = "/proc/sys/vm/lowmem_reserve_ratio" },
	{ .path = "/proc/sys/vm/nr_hugepages" },
};

static void sysctl_set(struct sysctl_save *s, const char *val)
{
	if (!s->saved && !read_line(s->path, s->old, sizeof(s->old)))
		s->saved = 1;
	if (fl_box_write(s->path, val))
		tap_diag("cannot write %s to %s", val, s->path);
}

static void sysctl_restore_all(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		if (sysctls[i].saved && fl_box_write(sysctls[i].path, sysctls[i].old))
			tap_diag("cannot restore %s", sysctls[i].path);
}

/* lowmem_reserve_ratio: as many zeros as the kernel has zones. */
static void zero_reserves(void)
{
	char zeros[128] = "", old[128], *tok, *save = NULL;

	if (read_line(sysctls[2].path, old, sizeof(old)))
		return;
	for (tok = strtok_r(old, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		strcat(zeros, "0 ");
	sysctl_set(&sysctls[2], zeros);
}

static uint64_t hugepages_in_proc(void)
{
	struct fl_zone_free z[FL_BOX_MAX_ZONES];
	uint64_t hp = 0;
	int n, i;
	unsigned int o;

	n = read_buddyinfo(z);
	for (i = 0; i < n; i++)
		for (o = HP_ORDER; o < z[i].nr_orders; o++)
			hp += z[i].nr_free[o] << (o - HP_ORDER);
	return hp;
}

/*
 * Touch anonymous memory 8 MiB at a time, 2 MiB below 2 * SLOW_KB of
 * MemFree and 64 pages below SLOW_KB, until /proc/buddyinfo shows no free
 * order >= 9 block (looked at only when memory is low: the allocator
 * splits the big blocks last), or MemFree reaches FLOOR_KB.  Returns pages
 * touched.
 */
static size_t fill(unsigned char *mem, size_t max_pages, uint64_t *left)
{
	size_t done = 0, step = 4 * HP_PAGES, i;
	long free_kb;

	*left = 1;
	while (done + step <= max_pages) {
		for (i = 0; i < step; i++)
			mem[(done + i) * PAGE] = 1;
		done += step;
		free_kb = meminfo_kb("MemFree:");
		if (free_kb < FLOOR_KB)
			break;
		if (free_kb >= 2 * SLOW_KB)
			continue;	/* big blocks go last: no need to look */
		step = free_kb < SLOW_KB ? 64 : HP_PAGES;
		*left = hugepages_in_proc();
		if (!*left)
			break;
	}
	if (*left)
		*left = hugepages_in_proc();
	return done;
}

/*
 * Hold the few 2 MiB blocks the fill could not reach (pages that sat on
 * per-CPU lists, memory the kernel freed meanwhile) as persistent
 * HugePages: the allocator hands out free blocks before it compacts.
 * Returns the number held.
 */
static long hold_free_blocks(void)
{
	long held = 0;
	char buf[32];
	int round;

	for (round = 0; round < 8; round++) {
		uint64_t hp = hugepages_in_proc();

		if (!hp)
			break;
		snprintf(buf, sizeof(buf), "%ld", held + (long)hp);
		sysctl_set(&sysctls[3], buf);
		if (read_line(sysctls[3].path, buf, sizeof(buf)))
			break;
		held = strtol(buf, NULL, 10);
	}
	return held;
}

/*
 * Give back every touched page except the first one seen in each physical
 * pageblock: almost all of it is free again, in blocks of order <= 8.
 */
#define SEEN_BYTES	(1UL << 20)	/* pageblocks of PFNs below 2^29 */

static size_t free_all_but_one_per_block(unsigned char *mem, size_t pages,
					 uint64_t *pm, unsigned char *seen,
					 size_t *kept)
{
	size_t i, run = 0, freed = 0;
	int fd;

	*kept = 0;
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 ||
	    pread(fd, pm, pages * sizeof(*pm), (uintptr_t)mem / PAGE * sizeof(*pm)) !=
	    (ssize_t)(pages * sizeof(*pm))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	for (i = 0; i < pages; i++) {
		pm[i] = (pm[i] >> 63) ? pm[i] & ((1ULL << 55) - 1) : 0;
		if (pm[i] / HP_PAGES >= SEEN_BYTES)
			pm[i] = 0;	/* beyond the table: give it back */
	}
	/* madvise() runs of consecutive pages to give back. */
	for (i = 0; i <= pages; i++) {
		int keep = 0;

		if (i < pages && pm[i] && !seen[pm[i] / HP_PAGES]) {
			seen[pm[i] / HP_PAGES] = 1;
			keep = 1;
			(*kept)++;
		}
		if (i < pages && !keep) {
			run++;
			continue;
		}
		if (run) {
			madvise(mem + (i - run) * PAGE, run * PAGE, MADV_DONTNEED);
			freed += run;
			run = 0;
		}
	}
	return freed;
}

static void show_compact_stats(const char *when)
{
	char *text, *line, *save = NULL;

	if (!read_text("/proc/vmstat", &text)) {
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "compact_", 8))
				tap_diag("%s: %s", when, line);
		free(text);
	}
	if (!read_text("/proc/buddyinfo", &text)) {
		save = NULL;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			tap_diag("%s: %s", when, line);
		free(text);
	}
}

static void test_story(struct fraglab_probe_system *p)
{
	size_t max_pages, touched, freed, kept;
	uint64_t left = 0, hp;
	uint32_t compact_ok, tried_compact;
	long held;
	unsigned char *mem, *seen;
	uint64_t *pm;
	long total_kb;
	double t0;
	int ret;

	total_kb = meminfo_kb("MemTotal:");
	max_pages = (size_t)total_kb * 1024 / PAGE;
	mem = mmap(NULL, max_pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!tap_ok(mem != MAP_FAILED, "mmap %ld MiB of address space", total_kb / 1024))
		return;
	madvise(mem, max_pages * PAGE, MADV_NOHUGEPAGE);
	/* Buffers for later, touched now: the fill leaves nothing spare. */
	pm = malloc(max_pages * sizeof(*pm));
	seen = calloc(SEEN_BYTES, 1);
	if (!tap_ok(pm && seen, "buffers for the pagemap walk")) {
		free(pm);
		free(seen);
		munmap(mem, max_pages * PAGE);
		return;
	}
	memset(pm, 0, max_pages * sizeof(*pm));
	memset(seen, 0, SEEN_BYTES);

	fl_box_write("/proc/sys/vm/drop_caches", "3");
	sysctl_set(&sysctls[0], "0");
	sysctl_set(&sysctls[1], "2048");
	zero_reserves();

	/*
	 * Page tables first, while memory is plentiful: allocated during the
	 * fill they would land (unmovable) in the very pageblocks being
	 * fragmented, and no compaction could empty those again.
	 */
	for (size_t i = 0; i < max_pages; i += HP_PAGES)
		mem[i * PAGE] = 1;
	mem[(max_pages - 1) * PAGE] = 1;
	madvise(mem, max_pages * PAGE, MADV_DONTNEED);

	t0 = now_s();
	touched = fill(mem, max_pages, &left);
	tap_diag("filled %zu MiB in %.1fs; free order>=9 blocks left: %llu; MemFree %ld kB",
		 touched * PAGE >> 20, now_s() - t0, (unsigned long long)left,
		 meminfo_kb("MemFree:"));
	freed = free_all_but_one_per_block(mem, touched, pm, seen, &kept);
	held = hold_free_blocks();
	sysctl_set(&sysctls[1], sysctls[1].old);
	sysctl_set(&sysctls[2], sysctls[2].old);
	tap_diag("gave back %zu MiB, kept %zu pages (one per pageblock), held %ld stray 2 MiB blocks; MemFree %ld kB",
		 freed * PAGE >> 20, kept, held, meminfo_kb("MemFree:"));
	if (left)
		tap_diag("the fill left %llu free 2 MiB blocks (held as HugePages)",
			 (unsigned long long)left);
	tap_ok(freed > 16 * kept, "most of the filled memory is free again");

	ret = probe(0, 0, p);
	hp = 0;
	for (unsigned int i = 0; !ret && i < p->nr_zones; i++)
		hp += p->zones[i].hugepages_now;
	for (unsigned int i = 0; !ret && i < p->nr_zones; i++)
		tap_diag("fragmented: Node %d %-8s free %8llu pages, hugepages %llu, unusable %d, extfrag %d, blocks U/M/R/O %llu/%llu/%llu/%llu",
			 p->zones[i].node, p->zones[i].name,
			 (unsigned long long)p->zones[i].free_pages,
			 (unsigned long long)p->zones[i].hugepages_now,
			 p->zones[i].unusable_index_9, p->zones[i].extfrag_index_9,
			 (unsigned long long)p->zones[i].pageblocks[0],
			 (unsigned long long)p->zones[i].pageblocks[1],
			 (unsigned long long)p->zones[i].pageblocks[2],
			 (unsigned long long)p->zones[i].pageblocks[3]);
	tap_is_int(hp, 0, "fragmented: %llu MiB free, but no free 2 MiB block",
		   (unsigned long long)(p->free_pages * PAGE >> 20));

	ret = probe(FRAGLAB_PROBE_TRY | FRAGLAB_PROBE_TRY_COMPACT, TRY_N, p);
	tap_is_int(ret, 0, "trial of %d order-9 blocks, then with compaction", TRY_N);
	tap_is_int(p->ok_nocompact, 0, "without compaction: 0 of %u (%.1f us)",
		   p->tried, p->ns_nocompact / 1000.0);
	tap_diag("with compaction: %u of %u in %.1f ms (slowest %.1f ms)",
		 p->ok_compact, p->tried_compact, p->ns_compact / 1e6,
		 p->max_ns_compact / 1e6);
	compact_ok = p->ok_compact;
	tried_compact = p->tried_compact;

	show_compact_stats("before compact_memory");
	t0 = now_s();
	ret = fl_box_write("/proc/sys/vm/compact_memory", "1");
	tap_diag("echo 1 > /proc/sys/vm/compact_memory: %d, took %.1fs", ret,
		 now_s() - t0);
	show_compact_stats("after compact_memory");
	ret = probe(FRAGLAB_PROBE_TRY, TRY_N, p);
	hp = 0;
	for (unsigned int i = 0; !ret && i < p->nr_zones; i++)
		hp += p->zones[i].hugepages_now;
	tap_diag("after compact_memory: %llu free 2 MiB blocks; trial without compaction: %u of %u",
		 (unsigned long long)hp, p->ok_nocompact, p->tried);
	tap_ok(compact_ok > 0 || p->ok_nocompact > 0,
	       "compaction makes 2 MiB blocks: %u of %u with direct compaction, %u of %u after compact_memory",
	       compact_ok, tried_compact, p->ok_nocompact, p->tried);

	munmap(mem, max_pages * PAGE);
	free(pm);
	free(seen);
	sysctl_restore_all();
}

/* ---- 4. the free-memory cap -------------------------------------------------- */

static void test_memory_cap(struct fraglab_probe_system *p)
{
	const char *param = "/sys/module/fraglab/parameters/probe_max";
	int ret;

	if (fl_box_write(param, "1024")) {
		tap_skip("probe_max not writable", "trial clamped to a quarter of free memory");
		return;
	}
	ret = probe(FRAGLAB_PROBE_TRY, 1024, p);
	tap_is_int(ret, 0, "probe_max=1024: trial of 1024 blocks accepted");
	tap_ok(p->try_cap < 1024 && p->try_cap <= (p->free_pages / 4) / HP_PAGES + 1,
	       "clamped to a quarter of free memory: cap %u (free %llu pages)",
	       p->try_cap, (unsigned long long)p->free_pages);
	tap_ok(p->tried <= p->try_cap && p->ok_nocompact <= p->tried,
	       "tried %u <= cap, got %u", p->tried, p->ok_nocompact);
	fl_box_write(param, "64");
}

int main(void)
{
	struct fraglab_probe_system *p = calloc(1, sizeof(*p));
	double t0 = now_s();

	if (!p)
		tap_bail("out of memory");
	if (!tap_is_int(fl_box_load("arena_mb=8"), 0, "insmod arena_mb=8"))
		return tap_done();
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open /dev/fraglab")) {
		fl_box_unload();
		return tap_done();
	}
	test_agreement(p);
	test_derived(p);
	test_pagetypes(p);
	test_debugfs();
	test_abi(p);
	test_unprivileged();
	test_story(p);
	test_probe_max_param(p);
	test_memory_cap(p);
	fraglab_close(&fl);
	tap_is_int(fl_box_unload(), 0, "rmmod");
	tap_diag("t_probe took %.1fs", now_s() - t0);
	free(p);
	return tap_done();
}
