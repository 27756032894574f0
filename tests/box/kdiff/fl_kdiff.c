// SPDX-License-Identifier: GPL-2.0
/*
 * fl_kdiff.c - test-only module: run a sequence of page allocations and
 * frees on a quiet NUMA node's zone and print what the kernel's own buddy
 * allocator did, state by state, for tests/box/kdiff/kdiff.c to compare with
 * fraglab's buddy (docs/TESTING.md, "The differential test").
 *
 * The box gives the VM a node with memory and no CPU (tests/vm/run-box.sh),
 * so nothing allocates there but this module.  Under the zone's lock this
 * module reads the free lists (order, migrate type, list order, as page
 * offsets from the zone's first pfn) and every pageblock's migrate type.
 *
 * Every allocation of the sequence must reach __rmqueue() once, as
 * fraglab's fl_rmqueue() does: no per-CPU list in between.  The module
 * holds this CPU's per_cpu_pages lock of the zone while the sequence runs,
 * so rmqueue_pcplist()'s pcp_spin_trylock() fails and rmqueue() goes on to
 * rmqueue_buddy() (one __rmqueue() under zone->lock), and free_unref_page()
 * falls back to free_one_page() (mm/page_alloc.c, 6.1 and 6.12: the path a
 * pcp list busy with an IRQ-time user or a remote drain takes).
 *
 * Fallbacks come from the kernel's mm_page_alloc_extfrag tracepoint (a
 * probe registered on it): page, alloc/fallback order and types, and
 * whether the pageblock now has the allocation's type (the event's own
 * change_ownership: 1 for a claimed block, 0 for a stolen page).
 *
 * Pages of MOVABLE allocations are marked __PageMovable (page->mapping
 * points to movable_operations that refuse isolation) while allocated, so
 * prep_move_freepages_block() counts them as movable, as fraglab counts
 * MOVABLE allocations; other allocations count as neither free nor
 * movable, in both.
 *
 * Output (read the debugfs file after a write), one record per line:
 *   zone NAME node N start PFN span PAGES pbo PAGEBLOCK_ORDER orders N
 *        types MIGRATE_TYPES cpu CPU
 *   used OFF LEN C          non-free run in the zone; C = m (LRU or
 *                           __PageMovable), u (other) or h (hole)
 *   state I                 the zone before op I (I = nr ops: the end)
 *   pb DIGITS               every pageblock's migrate type, in pfn order
 *   free ORDER MT OFF...    a non-empty free list, head first
 *   end
 *   op I a ORDER MT SLOT OFF   allocation (OFF -1: it failed)
 *   op I f SLOT OFF             free
 *   ev I OFF AORDER FORDER AMT FMT CLAIMED   a fallback during op I
 *   final                   then the used runs again (quiet check)
 *   pcp CPU COUNT           per-CPU list pages of the zone, at the end
 *   done | overflow
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/migrate.h>
#include <linux/page-flags.h>
#include <linux/pageblock-flags.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "fl_kdiff.h"

#ifndef NR_PAGE_ORDERS
#define NR_PAGE_ORDERS	MAX_ORDER	/* before 6.8 MAX_ORDER counted orders */
#endif

#define KD_BUF_SIZE	(64U << 20)
#define KD_MAX_EV	(4 * FL_KDIFF_MAX_OPS)

static int nid = 1;
module_param(nid, int, 0444);
MODULE_PARM_DESC(nid, "NUMA node whose zone the sequence runs on");

struct kd_ev {
	int op;
	unsigned long pfn;
	int alloc_order, fallback_order, alloc_mt, fallback_mt, claimed;
};

static DEFINE_MUTEX(kd_mutex);
static struct dentry *kd_dir;
static struct tracepoint *kd_tp;
static struct zone *kd_zone;
static bool kd_running;
static int kd_cur_op;
static struct kd_ev *kd_ev;
static atomic_t kd_nr_ev;
static char *kd_buf;
static size_t kd_len;
static bool kd_overflow;

static __printf(1, 2) void kd_out(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (kd_overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(kd_buf + kd_len, KD_BUF_SIZE - kd_len, fmt, ap);
	va_end(ap);
	if (n >= KD_BUF_SIZE - kd_len)
		kd_overflow = true;
	else
		kd_len += n;
}

/*
 * get_pfnblock_flags_mask(pfn, MIGRATETYPE_MASK) (not exported): the
 * SPARSEMEM pageblock bitmap of the pfn's section, as mm/page_alloc.c
 * reads it in 6.1 and 6.12.
 */
static int kd_pageblock_mt(unsigned long pfn)
{
	unsigned long *bitmap = section_to_usemap(__pfn_to_section(pfn));
	unsigned long bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >>
				pageblock_order) * NR_PAGEBLOCK_BITS;
	unsigned long word = READ_ONCE(bitmap[bitidx / BITS_PER_LONG]);

	return (word >> (bitidx % BITS_PER_LONG)) & MIGRATETYPE_MASK;
}

static void kd_probe(void *data, struct page *page, int alloc_order,
		     int fallback_order, int alloc_mt, int fallback_mt)
{
	unsigned long pfn = page_to_pfn(page);
	int n;

	if (!READ_ONCE(kd_running) || page_zone(page) != kd_zone)
		return;
	n = atomic_inc_return(&kd_nr_ev) - 1;
	if (n >= KD_MAX_EV)
		return;
	kd_ev[n] = (struct kd_ev){
		.op = kd_cur_op, .pfn = pfn, .alloc_order = alloc_order,
		.fallback_order = fallback_order, .alloc_mt = alloc_mt,
		.fallback_mt = fallback_mt,
		.claimed = kd_pageblock_mt(pfn) == alloc_mt,
	};
}

static void kd_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "mm_page_alloc_extfrag"))
		kd_tp = tp;
}

static bool kd_isolate(struct page *page, isolate_mode_t mode)
{
	return false;	/* never migrated: the test owns these pages */
}

static int kd_migrate(struct page *dst, struct page *src,
		      enum migrate_mode mode)
{
	return -EBUSY;
}

static void kd_putback(struct page *page)
{
}

static const struct movable_operations kd_mops = {
	.isolate_page = kd_isolate,
	.migrate_page = kd_migrate,
	.putback_page = kd_putback,
};

/* Mark or unmark every page of a MOVABLE allocation as __PageMovable. */
static void kd_set_movable(struct page *page, int order, bool on)
{
	void *mapping = on ? (void *)((unsigned long)&kd_mops |
				      PAGE_MAPPING_MOVABLE) : NULL;
	int i;

	for (i = 0; i < (1 << order); i++)
		WRITE_ONCE(page[i].mapping, mapping);
}

static unsigned long kd_start(void)
{
	return kd_zone->zone_start_pfn;
}

/* Non-free runs of the zone, run-length encoded.  Zone lock held. */
static void kd_used(void)
{
	unsigned long start = kd_start(), end = zone_end_pfn(kd_zone);
	unsigned long pfn = start, run = 0;
	char cls = 0;

	while (pfn < end) {
		struct page *page;
		unsigned long n = 1;
		char c;

		if (!pfn_valid(pfn)) {
			c = 'h';
		} else {
			page = pfn_to_page(pfn);
			if (page_zone(page) != kd_zone)
				c = 'h';
			else if (PageBuddy(page))
				c = 0, n = 1UL << page_private(page);
			else if (PageLRU(page) || __PageMovable(page))
				c = 'm';
			else
				c = 'u';
		}
		if (c != cls) {
			if (cls)
				kd_out("used %lu %lu %c\n", run - start,
				       pfn - run, cls);
			cls = c;
			run = pfn;
		}
		pfn += n;
	}
	if (cls)
		kd_out("used %lu %lu %c\n", run - start, end - run, cls);
}

/* Pageblock types and free lists.  Zone lock held. */
static void kd_state(int i)
{
	unsigned long start = kd_start(), end = zone_end_pfn(kd_zone), pfn;
	int o, mt;

	kd_out("state %d\npb ", i);
	for (pfn = ALIGN_DOWN(start, pageblock_nr_pages); pfn < end;
	     pfn += pageblock_nr_pages)
		kd_out("%d", kd_pageblock_mt(pfn));
	kd_out("\n");
	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *l = &kd_zone->free_area[o].free_list[mt];
			struct page *page;

			if (list_empty(l))
				continue;
			kd_out("free %d %d", o, mt);
			list_for_each_entry(page, l, buddy_list)
				kd_out(" %lu", page_to_pfn(page) - start);
			kd_out("\n");
		}
	}
	kd_out("end\n");
}

static void kd_snapshot(int i)
{
	unsigned long flags;

	spin_lock_irqsave(&kd_zone->lock, flags);
	kd_state(i);
	spin_unlock_irqrestore(&kd_zone->lock, flags);
}

static const gfp_t kd_gfp[MIGRATE_PCPTYPES] = {
	/* no reclaim, no kswapd, no reserves: the allocation fast path only */
	[MIGRATE_UNMOVABLE] = __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY |
			      __GFP_NOMEMALLOC,
	[MIGRATE_MOVABLE] = __GFP_MOVABLE | __GFP_THISNODE | __GFP_NOWARN |
			    __GFP_NORETRY | __GFP_NOMEMALLOC,
	[MIGRATE_RECLAIMABLE] = __GFP_RECLAIMABLE | __GFP_THISNODE |
				__GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC,
};

struct kd_slot {
	struct page *page;
	u8 order;
	u8 mt;
};

static void kd_do_op(const struct fl_kdiff_op *op, int i, struct kd_slot *s)
{
	struct page *page;
	int n, e;

	kd_cur_op = i;
	n = atomic_read(&kd_nr_ev);
	if (op->op == FL_KDIFF_ALLOC) {
		page = alloc_pages_node(nid, kd_gfp[op->mt], op->order);
		kd_out("op %d a %u %u %u %ld\n", i, op->order, op->mt, op->slot,
		       page ? (long)(page_to_pfn(page) - kd_start()) : -1L);
		if (page && op->mt == MIGRATE_MOVABLE)
			kd_set_movable(page, op->order, true);
		s->page = page;
		s->order = op->order;
		s->mt = op->mt;
	} else {
		kd_out("op %d f %u %ld\n", i, op->slot, s->page ?
		       (long)(page_to_pfn(s->page) - kd_start()) : -1L);
		if (s->page) {
			if (s->mt == MIGRATE_MOVABLE)
				kd_set_movable(s->page, s->order, false);
			__free_pages(s->page, s->order);
		}
		s->page = NULL;
	}
	for (e = n; e < min(atomic_read(&kd_nr_ev), KD_MAX_EV); e++)
		kd_out("ev %d %lu %d %d %d %d %d\n", kd_ev[e].op,
		       kd_ev[e].pfn - kd_start(), kd_ev[e].alloc_order,
		       kd_ev[e].fallback_order, kd_ev[e].alloc_mt,
		       kd_ev[e].fallback_mt, kd_ev[e].claimed);
}

static int kd_check_ops(const struct fl_kdiff_op *ops, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (ops[i].slot >= FL_KDIFF_MAX_SLOTS || ops[i].pad ||
		    (ops[i].op == FL_KDIFF_ALLOC &&
		     (ops[i].order >= NR_PAGE_ORDERS ||
		      ops[i].mt >= MIGRATE_PCPTYPES)) ||
		    (ops[i].op != FL_KDIFF_ALLOC && ops[i].op != FL_KDIFF_FREE))
			return -EINVAL;
	}
	return 0;
}

static void kd_run(const struct fl_kdiff_op *ops, int nr, struct kd_slot *slots)
{
	struct per_cpu_pages *pcp;
	unsigned long flags;
	int i, cpu;

	kd_len = 0;
	kd_overflow = false;
	atomic_set(&kd_nr_ev, 0);

	migrate_disable();
	cpu = smp_processor_id();
	pcp = per_cpu_ptr(kd_zone->per_cpu_pageset, cpu);
	kd_out("zone %s node %d start %lu span %lu pbo %u orders %d types %d cpu %d\n",
	       kd_zone->name, nid, kd_start(), kd_zone->spanned_pages,
	       (unsigned int)pageblock_order, NR_PAGE_ORDERS, MIGRATE_TYPES,
	       cpu);
	/* every allocation and free below bypasses this CPU's lists */
	spin_lock(&pcp->lock);
	WRITE_ONCE(kd_running, true);
	spin_lock_irqsave(&kd_zone->lock, flags);
	kd_used();
	kd_state(0);
	spin_unlock_irqrestore(&kd_zone->lock, flags);
	for (i = 0; i < nr; i++) {
		kd_do_op(&ops[i], i, &slots[ops[i].slot]);
		kd_snapshot(i + 1);
	}
	WRITE_ONCE(kd_running, false);
	spin_unlock(&pcp->lock);
	migrate_enable();

	spin_lock_irqsave(&kd_zone->lock, flags);
	kd_out("final\n");
	kd_used();
	spin_unlock_irqrestore(&kd_zone->lock, flags);
	for_each_online_cpu(cpu)
		kd_out("pcp %d %d\n", cpu,
		       READ_ONCE(per_cpu_ptr(kd_zone->per_cpu_pageset, cpu)->count));
	if (atomic_read(&kd_nr_ev) > KD_MAX_EV)
		kd_overflow = true;
	if (kd_overflow) {
		kd_len = 0;
		kd_overflow = false;
		kd_out("overflow\n");
	} else {
		kd_out("done\n");
	}

	for (i = 0; i < FL_KDIFF_MAX_SLOTS; i++) {
		if (!slots[i].page)
			continue;
		if (slots[i].mt == MIGRATE_MOVABLE)
			kd_set_movable(slots[i].page, slots[i].order, false);
		__free_pages(slots[i].page, slots[i].order);
		slots[i].page = NULL;
	}
}

static ssize_t kd_write(struct file *file, const char __user *ubuf,
			size_t len, loff_t *ppos)
{
	struct fl_kdiff_op *ops;
	struct kd_slot *slots;
	int nr = len / sizeof(*ops), ret;

	if (!len || len % sizeof(*ops) || nr > FL_KDIFF_MAX_OPS || *ppos)
		return -EINVAL;
	ops = memdup_user(ubuf, len);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	ret = kd_check_ops(ops, nr);
	if (ret)
		goto out_free_ops;
	slots = vzalloc(sizeof(*slots) * FL_KDIFF_MAX_SLOTS);
	ret = -ENOMEM;
	if (!slots)
		goto out_free_ops;
	mutex_lock(&kd_mutex);
	kd_run(ops, nr, slots);
	mutex_unlock(&kd_mutex);
	vfree(slots);
	ret = len;
out_free_ops:
	kfree(ops);
	return ret;
}

static ssize_t kd_read(struct file *file, char __user *ubuf, size_t len,
		       loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kd_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, kd_buf, kd_len);
	mutex_unlock(&kd_mutex);
	return ret;
}

static const struct file_operations kd_fops = {
	.owner = THIS_MODULE,
	.read = kd_read,
	.write = kd_write,
	.llseek = default_llseek,
};

static struct zone *kd_find_zone(void)
{
	struct zone *found = NULL;
	int z;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_state(nid, N_MEMORY))
		return NULL;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(nid)->node_zones[z];

		if (!populated_zone(zone))
			continue;
		if (found)
			return NULL;	/* one zone per node, or it is not quiet */
		found = zone;
	}
	return found;
}

static int __init kd_init(void)
{
	int ret;

	kd_zone = kd_find_zone();
	if (!kd_zone) {
		pr_err("fl_kdiff: node %d has no memory or more than one zone\n",
		       nid);
		return -ENODEV;
	}
	for_each_kernel_tracepoint(kd_find_tp, NULL);
	if (!kd_tp)
		return -ENOENT;
	kd_ev = vzalloc(sizeof(*kd_ev) * KD_MAX_EV);
	if (!kd_ev)
		return -ENOMEM;
	kd_buf = vmalloc(KD_BUF_SIZE);
	ret = -ENOMEM;
	if (!kd_buf)
		goto out_free_ev;
	ret = tracepoint_probe_register(kd_tp, kd_probe, NULL);
	if (ret)
		goto out_free_buf;
	kd_dir = debugfs_create_dir("fl_kdiff", NULL);
	debugfs_create_file("run", 0600, kd_dir, NULL, &kd_fops);
	return 0;

out_free_buf:
	vfree(kd_buf);
out_free_ev:
	vfree(kd_ev);
	return ret;
}

static void __exit kd_exit(void)
{
	debugfs_remove_recursive(kd_dir);
	tracepoint_probe_unregister(kd_tp, kd_probe, NULL);
	tracepoint_synchronize_unregister();
	vfree(kd_buf);
	vfree(kd_ev);
}

module_init(kd_init);
module_exit(kd_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fraglab test: the kernel's buddy, step by step, for 01-kdiff");
