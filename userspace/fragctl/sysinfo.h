/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo.h - the real system's memory state from /proc, for fragctl
 * audit and export (sysinfo.c).
 */
#ifndef FRAGCTL_SYSINFO_H
#define FRAGCTL_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FC_SYS_ZONES	32
#define FC_SYS_ORDERS	11	/* FL_NR_ORDERS: orders 0..10 */

struct fc_zone {
	int node;
	char zone[32];
	uint64_t nr_free[FC_SYS_ORDERS];
	unsigned int nr_orders;		/* as many as buddyinfo printed */
	uint64_t free_pages;
	int largest_order;		/* -1: nothing free */
	int unusable_9;			/* permille, mm/vmstat.c */
	int fragindex_9;		/* permille, -1000 when not failing */
	uint64_t huge_blocks;		/* free 2 MiB blocks (order >= 9) */
	bool has_blocks;		/* pagetypeinfo readable */
	uint64_t blocks[3];		/* pageblocks: unmovable, movable, reclaimable */
	uint64_t managed_pages;		/* zoneinfo, 0 when not read */
	uint64_t low_wmark;		/* zoneinfo "low", pages */
	int extfrag_kernel_9;		/* debugfs extfrag_index, permille */
	bool has_extfrag_kernel;
};

/* /proc/vmstat counters of compaction and THP (since boot). */
struct fc_vmstat {
	uint64_t compact_stall, compact_fail, compact_success;
	uint64_t thp_fault_alloc, thp_fault_fallback;
	uint64_t thp_collapse_alloc_failed;
	bool has;
};

struct fc_slab {
	char name[64];
	uint64_t active;
	uint64_t num;
	uint32_t objsize;
	uint64_t bytes;		/* slabs * pages per slab * page size */
	uint64_t used;		/* active objects * object size */
};

struct fc_sys {
	struct fc_zone zones[FC_SYS_ZONES];
	unsigned int nr_zones;
	unsigned int page_size;
	bool has_pagetypeinfo;
	uint64_t hp_total, hp_free, hp_size_kb;
	uint64_t mem_total_kb, mem_free_kb, mem_avail_kb;
	uint64_t sreclaimable_kb, sunreclaim_kb;
	uint64_t anon_huge_kb, shmem_huge_kb;
	int64_t nr_hugepages;		/* /proc/sys/vm/nr_hugepages, -1 unread */
	int extfrag_threshold;		/* vm.extfrag_threshold (500) */
	char thp_enabled[16], thp_defrag[24];	/* "" when unread */
	bool has_extfrag_debugfs;
	struct fc_vmstat vm;
	struct fc_slab *slabs;		/* sorted by bytes, biggest first */
	unsigned int nr_slabs;
};

/* Anonymous private mappings of a process, by what they are. */
enum fc_group_id {
	FC_G_HEAP = 0,		/* [heap]: brk, glibc's main arena */
	FC_G_ARENA,		/* 64 MiB-aligned glibc thread arena heaps */
	FC_G_MMAP,		/* other read-write >= 128 KiB: mmapped chunks */
	FC_G_STACK,		/* [stack] and guarded thread stacks */
	FC_G_OTHER,
	FC_G_NR,
};

extern const char *const fc_group_names[FC_G_NR];

struct fc_group {
	uint64_t count, size_kb, rss_kb;
};

struct fc_proc {
	int pid;
	char comm[64];
	uint64_t rss_kb;
	uint64_t anon_kb;
	uint64_t heap_rss_kb;
	uint64_t heap_size_kb;
	struct fc_group groups[FC_G_NR];
	int smaps_errno;	/* 0: smaps was read */
	bool traced;		/* libfragtrace.so is loaded */
	char allocator[32];	/* "unknown" when maps is not readable */
};

void fc_sys_set_roots(const char *proc_root, const char *sys_root);
FILE *fc_sys_fopen(bool sys, const char *rel);
int fc_sys_read(struct fc_sys *s, bool slabs);
void fc_sys_free(struct fc_sys *s);
int fc_proc_read(int pid, struct fc_proc *p);

#endif /* FRAGCTL_SYSINFO_H */
