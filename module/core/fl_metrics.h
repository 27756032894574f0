/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_metrics.h - fragmentation metrics, as pure functions.
 *
 * Shared by the module's debugfs, the real-system probe (which feeds
 * /proc/buddyinfo numbers) and userspace (fragctl --sim, tests), so all of
 * them compute and print exactly the same thing.  The formulas and line
 * formats are mm/vmstat.c's (Linux 6.12): fill_contig_page_info(),
 * unusable_free_index(), __fragmentation_index(), extfrag_for_order(),
 * frag_show_print(), unusable_show_print(), extfrag_show_print().
 *
 * @nr_free is always an array of FL_NR_ORDERS free-block counts (the
 * numbers of one /proc/buddyinfo line), orders 0..FL_MAX_ORDER.
 * Indices are in thousandths, like the kernel's.
 */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include "fl_port.h"
#include "fl_buddy.h"

/* Long enough for any line the format helpers write. */
#define FL_METRICS_LINE_MAX	256

/* struct contig_page_info of mm/vmstat.c */
struct fl_contig_info {
	u64 free_pages;			/* free base pages */
	u64 free_blocks_total;		/* free blocks of any order */
	u64 free_blocks_suitable;	/* blocks of the suitable order */
};

void fl_metrics_contig_info(const u64 *nr_free, unsigned int suitable_order,
			    struct fl_contig_info *info);
int fl_metrics_unusable_free_index(unsigned int order,
				   const struct fl_contig_info *info);
int fl_metrics_fragmentation_index_info(unsigned int order,
					const struct fl_contig_info *info);
int fl_metrics_unusable_index(const u64 *nr_free, unsigned int order);
int fl_metrics_fragmentation_index(const u64 *nr_free, unsigned int order);
unsigned int fl_metrics_extfrag_for_order(const u64 *nr_free,
					  unsigned int order);

u64 fl_metrics_free_pages(const u64 *nr_free, unsigned int nr_orders);
int fl_metrics_largest_order(const u64 *nr_free, unsigned int nr_orders);
u32 fl_metrics_external_frag(u64 free, u64 largest, u64 max_block);
u32 fl_metrics_external_permille(const u64 *nr_free, unsigned int nr_orders,
				 unsigned int max_order);
u32 fl_metrics_internal_permille(u64 requested, u64 granted);

int fl_metrics_format_buddyinfo(char *buf, size_t len, int node,
				const char *zone, const u64 *nr_free);
int fl_metrics_format_unusable(char *buf, size_t len, int node,
			       const char *zone, const u64 *nr_free);
int fl_metrics_format_extfrag(char *buf, size_t len, int node,
			      const char *zone, const u64 *nr_free);

#endif /* FL_METRICS_H */
