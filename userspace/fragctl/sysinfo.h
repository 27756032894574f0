/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo.h - the real system's memory state from /proc, for fragctl
 * audit and export (sysinfo.c).
 */
#ifndef FRAGCTL_SYSINFO_H
#define FRAGCTL_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>

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
	struct fc_slab *slabs;		/* sorted by bytes, biggest first */
	unsigned int nr_slabs;
};

struct fc_proc {
	int pid;
	char comm[64];
	uint64_t rss_kb;
	uint64_t anon_kb;
	uint64_t heap_rss_kb;
	uint64_t heap_size_kb;
	char allocator[32];
};

int fc_sys_read(struct fc_sys *s, bool slabs);
void fc_sys_free(struct fc_sys *s);
int fc_proc_read(int pid, struct fc_proc *p);

#endif /* FRAGCTL_SYSINFO_H */
