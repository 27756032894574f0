/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_arena.h - the memory fraglab reserves at load time (fl_arena.c).
 */
#ifndef FL_ARENA_H
#define FL_ARENA_H

#include <linux/types.h>

struct page;
struct fl_chunk;

/**
 * struct fl_range - a physically contiguous range of the arena.
 * @pfn: first page frame number.
 * @nr_pages: length in pages.
 * @index: arena page index of the first page (what the core sees).
 * @vaddr: kernel virtual address of the first page (direct map).
 */
struct fl_range {
	unsigned long pfn;
	unsigned long nr_pages;
	u32 index;
	void *vaddr;
};

/**
 * struct fl_arena - the memory fraglab reserved at load time.
 * @pages: the order-@order blocks as returned by alloc_pages().
 * @nr_blocks: number of entries in @pages.
 * @order: order of each block.
 * @ranges: physically contiguous ranges after merging adjacent blocks.
 * @nr_ranges: number of entries in @ranges.
 * @nr_pages: total pages reserved.
 * @index_pages: size of the core's page-index space (ranges are aligned).
 * @mb: the size asked for, in MiB (the arena_mb parameter).
 */
struct fl_arena {
	struct page **pages;
	unsigned int nr_blocks;
	unsigned int order;
	struct fl_range *ranges;
	unsigned int nr_ranges;
	unsigned long nr_pages;
	u32 index_pages;
	unsigned int mb;
};

int fl_arena_reserve(struct fl_arena *a, unsigned int mb);
void fl_arena_release(struct fl_arena *a);
struct fl_chunk *fl_arena_chunks(const struct fl_arena *a);
unsigned long fl_arena_index_to_pfn(const struct fl_arena *a, u32 idx);

#endif /* FL_ARENA_H */
