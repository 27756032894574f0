// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_audit.c - fragctl audit: the seed's fragmentation audit on the real
 * system (docs/AUDIT.md).  Read-only unless --apply.
 *
 *   fragctl audit [--pid P [--used SIZE] [--watch SECONDS]]
 *                 [--apply compact|drop-caches]
 *
 * Findings: external fragmentation and HugePage availability per zone
 * (/proc/buddyinfo, /proc/pagetypeinfo when readable, /proc/meminfo),
 * the biggest slab caches (/proc/slabinfo, root only) with dentry,
 * inode_cache and skbuff_head_cache called out, and for --pid the
 * "growing RSS, low used memory" heap trap.  Each finding says what to do.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_metrics.h"
#include "fragctl.h"
#include "sysinfo.h"

#define AU_MAX_FINDINGS	64

struct au_finding {
	char level[8];		/* "ok", "warn", "info" */
	char area[16];		/* "buddy", "hugepages", "slab", "process" */
	char text[400];
	char advice[400];
};

struct au_ctx {
	struct au_finding f[AU_MAX_FINDINGS];
	unsigned int n;
	bool json;
};

static __attribute__((format(printf, 5, 6)))
void au_add(struct au_ctx *a, const char *level, const char *area,
	    const char *advice, const char *fmt, ...)
{
	struct au_finding *f;
	va_list ap;

	if (a->n >= AU_MAX_FINDINGS)
		return;
	f = &a->f[a->n++];
	snprintf(f->level, sizeof(f->level), "%s", level);
	snprintf(f->area, sizeof(f->area), "%s", area);
	snprintf(f->advice, sizeof(f->advice), "%s", advice ? advice : "");
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static const char *au_mib(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", bytes / 1073741824.0);
	else
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	return buf;
}

/* ---- buddy / HugePages ------------------------------------------------- */

static void au_buddy(struct au_ctx *a, const struct fc_sys *s)
{
	uint64_t total_free = 0, huge_now = 0;
	char b1[32], b2[32];
	unsigned int z;

	for (z = 0; z < s->nr_zones; z++) {
		const struct fc_zone *zn = &s->zones[z];
		uint64_t freeb = zn->free_pages * s->page_size;
		uint64_t largest = zn->largest_order >= 0 ?
			(uint64_t)s->page_size << zn->largest_order : 0;

		total_free += freeb;
		huge_now += zn->huge_blocks;
		if (freeb < (64ULL << 20))
			continue;	/* DMA and near-empty zones say little */
		if (zn->unusable_9 > 500)
			au_add(a, "warn", "buddy",
			       "echo 1 > /proc/sys/vm/compact_memory (fragctl audit --apply compact) asks the kernel to defragment; it costs CPU, so do it off-peak. If this comes back, reserve HugePages at boot (hugepages=N on the kernel command line) instead of at run time.",
			       "Node %d zone %s: %s free, but %.1f%% of it is in blocks smaller than 2 MiB (unusable index at order 9: %d permille; largest free block %s). HugePage allocations there will mostly fail.",
			       zn->node, zn->zone, au_mib(freeb, b1, sizeof(b1)),
			       zn->unusable_9 / 10.0, zn->unusable_9,
			       au_mib(largest, b2, sizeof(b2)));
		else
			au_add(a, "ok", "buddy", NULL,
			       "Node %d zone %s: %s free, %.1f%% of it in blocks smaller than 2 MiB; %" PRIu64 " free 2 MiB blocks could be HugePages right now.",
			       zn->node, zn->zone, au_mib(freeb, b1, sizeof(b1)),
			       zn->unusable_9 / 10.0, zn->huge_blocks);
		if (zn->has_blocks && zn->blocks[FL_MT_UNMOVABLE] +
		    zn->blocks[FL_MT_RECLAIMABLE] > zn->blocks[FL_MT_MOVABLE] / 4)
			au_add(a, "warn", "buddy",
			       "Unmovable pageblocks cannot be compacted: compaction will not recover HugePages there. Reserve HugePages at boot, or find the kernel users (slab, see below) that spread unmovable pages.",
			       "Node %d zone %s: %" PRIu64 " of %" PRIu64 " pageblocks are unmovable or reclaimable (pagetypeinfo).",
			       zn->node, zn->zone,
			       zn->blocks[FL_MT_UNMOVABLE] + zn->blocks[FL_MT_RECLAIMABLE],
			       zn->blocks[0] + zn->blocks[1] + zn->blocks[2]);
	}
	if (s->hp_total || s->hp_free)
		au_add(a, "info", "hugepages", NULL,
		       "HugePages pool: %" PRIu64 " reserved, %" PRIu64 " free (%" PRIu64 " kB each).",
		       s->hp_total, s->hp_free, s->hp_size_kb);
	else
		au_add(a, "info", "hugepages",
		       huge_now ? NULL :
		       "There is no free 2 MiB block at all: a HugePage pool allocated now would stay empty. Set hugepages=N on the kernel command line (boot time) or compact first.",
		       "No HugePages are reserved (HugePages_Total 0); %" PRIu64 " free 2 MiB blocks exist now out of %s free memory.",
		       huge_now, au_mib(total_free, b1, sizeof(b1)));
	if (!s->has_pagetypeinfo)
		au_add(a, "info", "buddy", NULL,
		       "/proc/pagetypeinfo is not readable (needs root): pageblock migrate types were not checked.");
}

/* ---- slab -------------------------------------------------------------- */

/* The seed's three, always reported; their relatives only when big. */
static bool au_is_named(const char *name)
{
	return !strcmp(name, "dentry") || !strcmp(name, "inode_cache") ||
	       !strcmp(name, "skbuff_head_cache");
}

static bool au_is_callout(const char *name)
{
	return au_is_named(name) || strstr(name, "_inode_cache") ||
	       !strncmp(name, "skbuff_", 7);
}

static void au_slab(struct au_ctx *a, const struct fc_sys *s)
{
	uint64_t total = 0, waste = 0;
	char b1[32], b2[32], b3[32];
	unsigned int i;

	if (!s->nr_slabs) {
		au_add(a, "info", "slab", NULL,
		       "/proc/slabinfo is not readable (needs root): slab consumers were not checked; SReclaimable %s, SUnreclaim %s from /proc/meminfo.",
		       au_mib(s->sreclaimable_kb << 10, b1, sizeof(b1)),
		       au_mib(s->sunreclaim_kb << 10, b2, sizeof(b2)));
		return;
	}
	for (i = 0; i < s->nr_slabs; i++) {
		total += s->slabs[i].bytes;
		waste += s->slabs[i].bytes - s->slabs[i].used;
	}
	au_add(a, total > s->mem_total_kb * 1024 / 5 ? "warn" : "ok", "slab",
	       total > s->mem_total_kb * 1024 / 5 ?
	       "A fifth of memory in slab is a lot: if processes look small in top but memory runs out, the kernel holds it. See the caches below." : NULL,
	       "Slab caches hold %s (%.1f%% of %s RAM); %s of it is free objects and padding.",
	       au_mib(total, b1, sizeof(b1)),
	       s->mem_total_kb ? total * 100.0 / (s->mem_total_kb * 1024.0) : 0,
	       au_mib(s->mem_total_kb << 10, b2, sizeof(b2)),
	       au_mib(waste, b3, sizeof(b3)));
	for (i = 0; i < s->nr_slabs && i < 5; i++)
		au_add(a, "info", "slab", NULL,
		       "Top slab #%u: %s holds %s (%" PRIu64 " of %" PRIu64 " objects of %u B in use).",
		       i + 1, s->slabs[i].name,
		       au_mib(s->slabs[i].bytes, b1, sizeof(b1)),
		       s->slabs[i].active, s->slabs[i].num,
		       s->slabs[i].objsize);
	for (i = 0; i < s->nr_slabs; i++) {
		const struct fc_slab *c = &s->slabs[i];
		bool big = c->bytes > (512ULL << 20) ||
			   c->bytes > s->mem_total_kb * 1024 / 10;

		if (!au_is_callout(c->name))
			continue;
		if (big)
			au_add(a, "warn", "slab",
			       strncmp(c->name, "skbuff", 6) ?
			       "Directory entries and inodes are cache: echo 3 > /proc/sys/vm/drop_caches (fragctl audit --apply drop-caches) frees them if the system is starved. If they grow back fast, look for a process walking the file system or creating and deleting many files." :
			       "Socket buffers are not dropped by drop_caches: look for lingering connections (ss -s, ss -tan state close-wait) or a leaking network driver.",
			       "%s holds %s: the kernel itself, not a process, is using this memory.",
			       c->name, au_mib(c->bytes, b1, sizeof(b1)));
		else if (au_is_named(c->name))
			au_add(a, "ok", "slab", NULL, "%s holds %s.", c->name,
			       au_mib(c->bytes, b1, sizeof(b1)));
	}
}

/* ---- process ----------------------------------------------------------- */

static void au_process(struct au_ctx *a, const struct fc_proc *p,
		       uint64_t used, const struct fc_proc *later,
		       unsigned int watch)
{
	char b1[32], b2[32], b3[32];
	const char *advice =
		"This is the heap fragmentation trap: a few live objects pin the heap, so freed memory is not returned to the system. Switch to an arena allocator that groups similar sizes, such as jemalloc (what Redis uses) or tcmalloc (LD_PRELOAD=libjemalloc.so.2 to try it), or bound the object sizes the program keeps for long. fragctl replay on a libfragtrace.so trace of the program compares strategies.";

	au_add(a, "info", "process", NULL,
	       "Process %d (%s): RSS %s, anonymous %s, [heap] %s resident of %s mapped; allocator: %s.",
	       p->pid, p->comm, au_mib(p->rss_kb << 10, b1, sizeof(b1)),
	       au_mib(p->anon_kb << 10, b2, sizeof(b2)),
	       au_mib(p->heap_rss_kb << 10, b3, sizeof(b3)),
	       au_mib(p->heap_size_kb << 10, b1, sizeof(b1)), p->allocator);
	if (used) {
		double ratio = (double)(p->anon_kb << 10) / used;

		au_add(a, ratio > 1.5 ? "warn" : "ok", "process",
		       ratio > 1.5 ? advice : NULL,
		       "Process %d: anonymous memory is %.2f times the %s it says it uses (above 1.5 means fragmentation).",
		       p->pid, ratio, au_mib(used, b1, sizeof(b1)));
	}
	if (later) {
		int64_t grew = (int64_t)later->anon_kb - (int64_t)p->anon_kb;

		au_add(a, grew > 0 ? "warn" : "ok", "process",
		       grew > 0 && (!used || (later->anon_kb << 10) > used * 3 / 2) ?
		       advice : NULL,
		       "Process %d: anonymous memory %s by %" PRId64 " kB in %u s.",
		       p->pid, grew > 0 ? "grew" : "did not grow", grew, watch);
	}
	if (!used && !later)
		au_add(a, "info", "process",
		       "Compare RSS with the program's own \"used memory\" number (for Redis: used_memory) using --used SIZE, and watch growth with --watch SECONDS: RSS that keeps growing while used memory stays low is heap fragmentation.",
		       "Process %d: RSS alone cannot tell fragmentation from real use.",
		       p->pid);
}

/* ---- apply ------------------------------------------------------------- */

static int au_write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int au_apply(struct au_ctx *a, const char *what)
{
	const char *path, *val;
	struct fc_sys before, after;
	uint64_t hb = 0, ha = 0;
	unsigned int z;
	int ret;

	if (!strcmp(what, "compact")) {
		path = "/proc/sys/vm/compact_memory";
		val = "1";
	} else if (!strcmp(what, "drop-caches")) {
		path = "/proc/sys/vm/drop_caches";
		val = "3";
	} else {
		return fc_usage("--apply takes compact or drop-caches, not '%s'",
				what);
	}
	if (geteuid()) {
		fprintf(stderr, "fragctl: audit --apply %s writes %s and needs root\n",
			what, path);
		return 1;
	}
	fc_sys_read(&before, false);
	if (!strcmp(what, "drop-caches"))
		sync();
	ret = au_write_proc(path, val);
	if (ret) {
		fprintf(stderr, "fragctl: cannot write %s: %s\n", path,
			strerror(-ret));
		return 1;
	}
	fc_sys_read(&after, false);
	for (z = 0; z < before.nr_zones; z++)
		hb += before.zones[z].huge_blocks;
	for (z = 0; z < after.nr_zones; z++)
		ha += after.zones[z].huge_blocks;
	au_add(a, "info", "apply", NULL,
	       "Wrote %s to %s: free 2 MiB blocks went from %" PRIu64 " to %" PRIu64 ".",
	       val, path, hb, ha);
	fc_sys_free(&before);
	fc_sys_free(&after);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static void au_print(const struct au_ctx *a)
{
	unsigned int i, warn = 0;

	if (a->json) {
		printf("{\"findings\": [");
		for (i = 0; i < a->n; i++) {
			printf("%s\n  {\"level\": \"%s\", \"area\": \"%s\", \"text\": ",
			       i ? "," : "", a->f[i].level, a->f[i].area);
			fc_json_str(a->f[i].text);
			printf(", \"advice\": ");
			fc_json_str(a->f[i].advice);
			putchar('}');
		}
		printf("\n]}\n");
		return;
	}
	for (i = 0; i < a->n; i++) {
		printf("[%-4s] %s\n", a->f[i].level, a->f[i].text);
		if (a->f[i].advice[0])
			printf("       -> %s\n", a->f[i].advice);
		warn += !strcmp(a->f[i].level, "warn");
	}
	printf("\n%u finding(s), %u warning(s). Read-only unless --apply. See docs/AUDIT.md.\n",
	       a->n, warn);
}

static int cmd_audit(struct fc_ctx *c, int argc, char **argv)
{
	const char *pid_s, *used_s, *watch_s, *apply;
	static struct au_ctx a;
	struct fc_proc p, p2;
	struct fc_sys s;
	uint64_t pid = 0, used = 0, watch = 0;
	int ret = 0;

	memset(&a, 0, sizeof(a));
	a.json = c->json;
	pid_s = fc_opt(&argc, argv, "--pid");
	used_s = fc_opt(&argc, argv, "--used");
	watch_s = fc_opt(&argc, argv, "--watch");
	apply = fc_opt(&argc, argv, "--apply");
	if (argc > 1)
		return fc_usage("audit does not take '%s'", argv[1]);
	if (pid_s && (fc_parse_u64(pid_s, &pid) || !pid || pid > INT32_MAX))
		return fc_usage("--pid needs a process id, not '%s'", pid_s);
	if (used_s && fc_parse_size(used_s, &used))
		return fc_usage("--used needs a size such as 300M, not '%s'", used_s);
	if (watch_s && (fc_parse_u64(watch_s, &watch) || !watch || watch > 3600))
		return fc_usage("--watch needs 1 to 3600 seconds, not '%s'", watch_s);
	if ((used_s || watch_s) && !pid_s)
		return fc_usage("--used and --watch go with --pid");
	if (apply) {
		ret = au_apply(&a, apply);
		if (ret)
			return ret;
	}
	ret = fc_sys_read(&s, true);
	if (ret) {
		fprintf(stderr, "fragctl: cannot read /proc/buddyinfo: %s\n",
			strerror(-ret));
		return 1;
	}
	au_buddy(&a, &s);
	au_slab(&a, &s);
	fc_sys_free(&s);
	if (pid) {
		ret = fc_proc_read((int)pid, &p);
		if (ret) {
			fprintf(stderr, "fragctl: cannot read process %" PRIu64 ": %s\n",
				pid, ret == -ENOENT ? "no such process" : strerror(-ret));
			return 1;
		}
		if (watch) {
			sleep((unsigned int)watch);
			if (fc_proc_read((int)pid, &p2))
				watch = 0;
		}
		au_process(&a, &p, used, watch ? &p2 : NULL, (unsigned int)watch);
	}
	au_print(&a);
	return 0;
}

const struct fc_cmd fc_cmds_audit[] = {
	{ "audit", "[--pid P [--used SIZE] [--watch SECONDS]] [--apply compact|drop-caches]",
	  "the seed's fragmentation audit of this system: buddy fragmentation and HugePage availability per zone, top slab caches (dentry, inode_cache, skbuff_head_cache), with --pid a process's RSS against its heap and used memory; each finding says what to do. Read-only unless --apply (root)",
	  cmd_audit, false },
	{ NULL },
};
