// SPDX-License-Identifier: GPL-2.0
/*
 * fl_arena.c - reserving fraglab's arena from the kernel's buddy allocator.
 *
 * The arena is taken as blocks of the kernel's largest buddy order
 * (order 10 = 4 MiB on x86-64) with alloc_pages().  The kernel gives no
 * promise that consecutive blocks are physically adjacent, so every block's
 * PFN range is recorded, the blocks are sorted by PFN and physically
 * adjacent blocks are merged into ranges.  How many ranges there are is
 * "how contiguous the arena really is", shown in debugfs "arena".
 *
 * The core allocators see a page-index space: range i starts at an index
 * aligned to 2^FL_MAX_ORDER, so no core block can ever straddle two
 * physically separate ranges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "fl_compat.h"
#include "fl_arena.h"
#include "fl_buddy.h"

/*
 * __GFP_NORETRY: a block the kernel can't find cheaply fails at once
 * instead of reclaiming hard or invoking the OOM killer; __GFP_NOWARN: the
 * failure is ours to report, in one line.
 */
#define FL_ARENA_GFP	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN | __GFP_ZERO)

static int fl_page_cmp(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	if (pa < pb)
		return -1;
	return pa > pb;
}

static void fl_arena_free_blocks(struct fl_arena *a)
{
	unsigned int i;

	for (i = 0; i < a->nr_blocks; i++)
		__free_pages(a->pages[i], a->order);
	a->nr_blocks = 0;
}

static int fl_arena_build_ranges(struct fl_arena *a)
{
	unsigned long block_pages = 1UL << a->order;
	unsigned long align = 1UL << FL_MAX_ORDER;
	struct fl_range *r = NULL;
	unsigned long next_index = 0;
	unsigned int i;

	a->ranges = kcalloc(a->nr_blocks, sizeof(*a->ranges), GFP_KERNEL);
	if (!a->ranges)
		return -ENOMEM;

	sort(a->pages, a->nr_blocks, sizeof(*a->pages), fl_page_cmp, NULL);
	a->nr_ranges = 0;
	for (i = 0; i < a->nr_blocks; i++) {
		unsigned long pfn = page_to_pfn(a->pages[i]);

		if (r && r->pfn + r->nr_pages == pfn) {
			r->nr_pages += block_pages;
			continue;
		}
		if (r)
			next_index = round_up(r->index + r->nr_pages, align);
		r = &a->ranges[a->nr_ranges++];
		r->pfn = pfn;
		r->nr_pages = block_pages;
		r->index = next_index;
		r->vaddr = page_address(a->pages[i]);
	}
	a->index_pages = r ? round_up(r->index + r->nr_pages, align) : 0;
	return 0;
}

/**
 * fl_arena_reserve() - take @mb MiB from the kernel as max-order blocks.
 * @a: arena to fill; must be zeroed.
 * @mb: size in MiB.
 *
 * On failure nothing is kept and one line says what was asked and what
 * was obtained.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int fl_arena_reserve(struct fl_arena *a, unsigned int mb)
{
	unsigned int order = min_t(unsigned int, FL_KERNEL_MAX_ORDER, FL_MAX_ORDER);
	unsigned long block_bytes = PAGE_SIZE << order;
	unsigned long want = DIV_ROUND_UP((unsigned long)mb << 20, block_bytes);
	unsigned long ram_pages = totalram_pages();
	int ret;

	a->order = order;
	a->mb = mb;
	if (want << order > ram_pages) {
		pr_err("arena_mb=%u: asked %lu MiB, obtained 0 MiB: the machine has only %lu MiB of RAM\n",
		       mb, want * block_bytes >> 20, ram_pages >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}

	a->pages = kvcalloc(want, sizeof(*a->pages), GFP_KERNEL);
	if (!a->pages)
		return -ENOMEM;

	for (a->nr_blocks = 0; a->nr_blocks < want; a->nr_blocks++) {
		struct page *page = alloc_pages(FL_ARENA_GFP, order);

		if (!page)
			break;
		a->pages[a->nr_blocks] = page;
		cond_resched();
	}
	if (a->nr_blocks < want) {
		pr_err("arena_mb=%u: asked %lu blocks of order %u (%lu MiB), obtained %u (%lu MiB); not loading\n",
		       mb, want, order, want * block_bytes >> 20,
		       a->nr_blocks, a->nr_blocks * block_bytes >> 20);
		ret = -ENOMEM;
		goto free_blocks;
	}
	a->nr_pages = want << order;

	ret = fl_arena_build_ranges(a);
	if (ret)
		goto free_blocks;
	return 0;

free_blocks:
	fl_arena_free_blocks(a);
	kvfree(a->pages);
	a->pages = NULL;
	return ret;
}

/**
 * fl_arena_release() - give every page of the arena back to the kernel.
 * @a: a reserved arena.
 *
 * Context: process context.
 */
void fl_arena_release(struct fl_arena *a)
{
	fl_arena_free_blocks(a);
	kvfree(a->pages);
	a->pages = NULL;
	kfree(a->ranges);
	a->ranges = NULL;
	a->nr_ranges = 0;
	a->nr_pages = 0;
}

/**
 * fl_arena_chunks() - describe the arena's ranges to the core allocators.
 * @a: a reserved arena.
 *
 * Context: process context.
 * Return: a kcalloc()ed array of @a->nr_ranges chunks (caller frees), or
 * NULL on allocation failure.
 */
struct fl_chunk *fl_arena_chunks(const struct fl_arena *a)
{
	struct fl_chunk *c;
	unsigned int i;

	c = kcalloc(a->nr_ranges, sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	for (i = 0; i < a->nr_ranges; i++) {
		c[i].start = a->ranges[i].index;
		c[i].nr_pages = a->ranges[i].nr_pages;
		c[i].vaddr = a->ranges[i].vaddr;
	}
	return c;
}

/**
 * fl_arena_index_to_pfn() - the page frame behind an arena page index.
 * @a: a reserved arena.
 * @idx: page index as used by the core.
 *
 * Context: any.
 * Return: the PFN, or 0 if @idx lies in a hole (a WARN: callers only pass
 * indices of allocated blocks).
 */
unsigned long fl_arena_index_to_pfn(const struct fl_arena *a, u32 idx)
{
	unsigned int lo = 0, hi = a->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct fl_range *r = &a->ranges[mid];

		if (idx < r->index)
			hi = mid;
		else if (idx >= r->index + r->nr_pages)
			lo = mid + 1;
		else
			return r->pfn + (idx - r->index);
	}
	WARN_ON_ONCE(1);
	return 0;
}
