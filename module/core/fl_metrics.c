// SPDX-License-Identifier: GPL-2.0
/*
 * fl_metrics.c - fragmentation metrics (pure functions, no state, no lock).
 *
 * The kernel's own definitions (mm/vmstat.c, Linux 6.12), reproduced
 * operation for operation so the numbers match /sys/kernel/debug/
 * extfrag/{unusable_index,extfrag_index} to the last digit:
 *
 *   unusable free space index(order) =
 *	(free_pages - (free_blocks_suitable << order)) / free_pages
 *	(1.000 when nothing is free): the share of free memory that cannot
 *	serve an allocation of this order.
 *
 *   fragmentation index(order) =
 *	1 - (1 + free_pages / 2^order) / free_blocks_total
 *	only meaningful when the allocation would fail: -1.000 if a suitable
 *	block exists, 0 if nothing is free; towards 0 = lack of memory,
 *	towards 1 = external fragmentation.  Integer arithmetic as the
 *	kernel's div_u64() chain, so it can even go slightly negative
 *	(printed as the kernel prints it).
 *
 * Plus two summary ratios, both in thousandths and rounded down like the
 * kernel's indices: internal fragmentation (granted - requested) / granted,
 * and external fragmentation 1 - largest free block / min(free, largest
 * block the allocator can hand out) (fl_metrics_external_frag()).  The
 * cap makes it 0 for an unfragmented allocator: a fresh arena's free
 * memory lies in many max-order blocks, and no request can be bigger than
 * one of them.  The kernel has no single-number measure; the one closest
 * to it, the unusable free space index at order 9 (pageblock_order on
 * x86-64), is reported beside it by that name.
 */
#include "fl_port.h"
#include "fl_buddy.h"
#include "fl_metrics.h"

/**
 * fl_metrics_contig_info() - mm/vmstat.c fill_contig_page_info().
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 * @suitable_order: order of the hypothetical allocation.
 * @info: out.
 *
 * Context: any.
 * Return: nothing.
 */
void fl_metrics_contig_info(const u64 *nr_free, unsigned int suitable_order,
			    struct fl_contig_info *info)
{
	unsigned int order;

	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;
	for (order = 0; order < FL_NR_ORDERS; order++) {
		u64 blocks = nr_free[order];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable +=
				blocks << (order - suitable_order);
	}
}

/**
 * fl_metrics_unusable_free_index() - mm/vmstat.c unusable_free_index().
 * @order: allocation order.
 * @info: from fl_metrics_contig_info() for @order.
 *
 * Context: any.
 * Return: 0..1000 (thousandths); 1000 when nothing is free.
 */
int fl_metrics_unusable_free_index(unsigned int order,
				   const struct fl_contig_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	return (int)(((info->free_pages -
		       (info->free_blocks_suitable << order)) * 1000ULL) /
		     info->free_pages);
}

/**
 * fl_metrics_fragmentation_index_info() - mm/vmstat.c __fragmentation_index().
 * @order: allocation order, <= FL_MAX_ORDER.
 * @info: from fl_metrics_contig_info() for @order.
 *
 * Context: any.
 * Return: thousandths: -1000 if a suitable block exists, 0 if nothing is
 * free (or @order is out of range, after a warning), else
 * 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total.
 */
int fl_metrics_fragmentation_index_info(unsigned int order,
					const struct fl_contig_info *info)
{
	u64 requested = 1ULL << (order & 63);
	u64 q;

	if (fl_warn_once(order > FL_MAX_ORDER))
		return 0;
	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	q = (1000 + (info->free_pages * 1000ULL) / requested) /
	    info->free_blocks_total;
	return (int)(1000LL - (s64)q);
}

/**
 * fl_metrics_unusable_index() - unusable free space index of one order.
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 * @order: allocation order.
 *
 * Context: any.
 * Return: thousandths, as fl_metrics_unusable_free_index().
 */
int fl_metrics_unusable_index(const u64 *nr_free, unsigned int order)
{
	struct fl_contig_info info;

	fl_metrics_contig_info(nr_free, order, &info);
	return fl_metrics_unusable_free_index(order, &info);
}

/**
 * fl_metrics_fragmentation_index() - mm/vmstat.c fragmentation_index().
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 * @order: allocation order.
 *
 * Context: any.
 * Return: thousandths, as fl_metrics_fragmentation_index_info().
 */
int fl_metrics_fragmentation_index(const u64 *nr_free, unsigned int order)
{
	struct fl_contig_info info;

	fl_metrics_contig_info(nr_free, order, &info);
	return fl_metrics_fragmentation_index_info(order, &info);
}

/**
 * fl_metrics_extfrag_for_order() - mm/vmstat.c extfrag_for_order().
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 * @order: allocation order.
 *
 * Context: any.
 * Return: percentage (0..100) of free pages in blocks smaller than
 * 2^@order; 0 when nothing is free.
 */
unsigned int fl_metrics_extfrag_for_order(const u64 *nr_free,
					  unsigned int order)
{
	struct fl_contig_info info;

	fl_metrics_contig_info(nr_free, order, &info);
	if (info.free_pages == 0)
		return 0;
	return (unsigned int)(((info.free_pages -
				(info.free_blocks_suitable << order)) * 100) /
			      info.free_pages);
}

/**
 * fl_metrics_free_pages() - free base pages.
 * @nr_free: free blocks per order.
 * @nr_orders: entries in @nr_free (at most 64).
 *
 * Context: any.
 * Return: sum of nr_free[o] << o.
 */
u64 fl_metrics_free_pages(const u64 *nr_free, unsigned int nr_orders)
{
	u64 pages = 0;
	unsigned int o;

	for (o = 0; o < nr_orders && o < 64; o++)
		pages += nr_free[o] << o;
	return pages;
}

/**
 * fl_metrics_largest_order() - order of the largest free block.
 * @nr_free: free blocks per order.
 * @nr_orders: entries in @nr_free.
 *
 * Context: any.
 * Return: the highest order with a free block, or -1 if nothing is free.
 */
int fl_metrics_largest_order(const u64 *nr_free, unsigned int nr_orders)
{
	int o;

	for (o = (int)nr_orders - 1; o >= 0; o--)
		if (nr_free[o])
			return o;
	return -1;
}

/**
 * fl_metrics_external_frag() - 1000 * (1 - largest / min(free, max_block)).
 * @free: free amount (pages or bytes, the same unit for all three).
 * @largest: largest free block.
 * @max_block: largest block the allocator can hand out (a buddy's
 *	max-order block, a pool's size).
 *
 * External fragmentation as fraglab reports it everywhere (stats,
 * FRAGLAB_IOC_STATS, Prometheus, replay): the share of the free memory
 * that a request as large as possible cannot get in one piece.  0 for an
 * unfragmented allocator, whatever its size; with the cap removed it is
 * the seed's measure (100 MB free, largest 5 MB: 950).  Rounded down.
 *
 * Context: any.
 * Return: 0..1000; 0 when nothing is free or @largest covers the cap.
 */
u32 fl_metrics_external_frag(u64 free, u64 largest, u64 max_block)
{
	u64 cap = free < max_block ? free : max_block;

	if (!cap || largest >= cap)
		return 0;
	return (u32)(((cap - largest) * 1000) / cap);
}

/**
 * fl_metrics_external_permille() - fl_metrics_external_frag() of a buddy.
 * @nr_free: free blocks per order.
 * @nr_orders: entries in @nr_free (at most 64).
 * @max_order: the buddy's largest order.
 *
 * Context: any.
 * Return: 0..1000, in pages with a cap of 2^@max_order pages.
 */
u32 fl_metrics_external_permille(const u64 *nr_free, unsigned int nr_orders,
				 unsigned int max_order)
{
	int largest = fl_metrics_largest_order(nr_free, nr_orders);

	if (largest < 0)
		return 0;
	return fl_metrics_external_frag(fl_metrics_free_pages(nr_free,
							      nr_orders),
					1ULL << largest,
					1ULL << (max_order & 63));
}

/**
 * fl_metrics_internal_permille() - 1000 * (granted - requested) / granted.
 * @requested: bytes asked for.
 * @granted: bytes handed out (>= @requested).
 *
 * Context: any.
 * Return: 0..1000; 0 when nothing is granted or @requested >= @granted.
 */
u32 fl_metrics_internal_permille(u64 requested, u64 granted)
{
	if (!granted || requested >= granted)
		return 0;
	return (u32)(((granted - requested) * 1000) / granted);
}

static int fl_metrics_prefix(char *buf, size_t len, int node, const char *zone)
{
	return fl_scnprintf(buf, len, "Node %d, zone %8s ", node, zone);
}

/**
 * fl_metrics_format_buddyinfo() - one /proc/buddyinfo line.
 * @buf: output buffer (FL_METRICS_LINE_MAX is always enough).
 * @len: size of @buf.
 * @node: node number to print.
 * @zone: zone name ("fraglab" gives "Node 0, zone  fraglab ...").
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 *
 * Format of frag_show_print(): "Node %d, zone %8s ", "%6lu " per order,
 * "\n".
 *
 * Context: any.
 * Return: characters written, excluding the NUL.
 */
int fl_metrics_format_buddyinfo(char *buf, size_t len, int node,
				const char *zone, const u64 *nr_free)
{
	int n = fl_metrics_prefix(buf, len, node, zone);
	unsigned int o;

	for (o = 0; o < FL_NR_ORDERS; o++)
		n += fl_scnprintf(buf + n, len - n, "%6llu ",
				 (unsigned long long)nr_free[o]);
	n += fl_scnprintf(buf + n, len - n, "\n");
	return n;
}

/**
 * fl_metrics_format_unusable() - one debugfs extfrag/unusable_index line.
 * @buf: output buffer (FL_METRICS_LINE_MAX is always enough).
 * @len: size of @buf.
 * @node: node number to print.
 * @zone: zone name.
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 *
 * Format of unusable_show_print(): prefix, "%d.%03d " per order, "\n".
 *
 * Context: any.
 * Return: characters written, excluding the NUL.
 */
int fl_metrics_format_unusable(char *buf, size_t len, int node,
			       const char *zone, const u64 *nr_free)
{
	int n = fl_metrics_prefix(buf, len, node, zone);
	unsigned int o;

	for (o = 0; o < FL_NR_ORDERS; o++) {
		int index = fl_metrics_unusable_index(nr_free, o);

		n += fl_scnprintf(buf + n, len - n, "%d.%03d ", index / 1000,
				 index % 1000);
	}
	n += fl_scnprintf(buf + n, len - n, "\n");
	return n;
}

/**
 * fl_metrics_format_extfrag() - one debugfs extfrag/extfrag_index line.
 * @buf: output buffer (FL_METRICS_LINE_MAX is always enough).
 * @len: size of @buf.
 * @node: node number to print.
 * @zone: zone name.
 * @nr_free: free blocks per order, FL_NR_ORDERS entries.
 *
 * Format of extfrag_show_print(): prefix, "%2d.%03d " per order, "\n"
 * (-1000 prints as "-1.000"; a small negative index prints as the kernel
 * prints it, e.g. " 0.-500").
 *
 * Context: any.
 * Return: characters written, excluding the NUL.
 */
int fl_metrics_format_extfrag(char *buf, size_t len, int node,
			      const char *zone, const u64 *nr_free)
{
	int n = fl_metrics_prefix(buf, len, node, zone);
	unsigned int o;

	for (o = 0; o < FL_NR_ORDERS; o++) {
		int index = fl_metrics_fragmentation_index(nr_free, o);

		n += fl_scnprintf(buf + n, len - n, "%2d.%03d ", index / 1000,
				 index % 1000);
	}
	n += fl_scnprintf(buf + n, len - n, "\n");
	return n;
}
