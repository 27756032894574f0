// SPDX-License-Identifier: GPL-2.0
/*
 * fl_buddy_dev.c - the buddy allocator's glue: the subsystem that builds
 * the buddy over the arena, its ioctls (ALLOC, FREE, QUERY, BATCH in the
 * range 0x00-0x0f) and its debugfs files in the kernel's own formats:
 *
 *   buddyinfo       /proc/buddyinfo line for zone "fraglab"
 *   pagetypeinfo    /proc/pagetypeinfo layout (fraglab's three types)
 *   unusable_index  /sys/kernel/debug/extfrag/unusable_index layout
 *   extfrag_index   /sys/kernel/debug/extfrag/extfrag_index layout
 *   stats           counters: allocations, failures, fragmentation
 *   pcp             per-CPU page lists, /proc/zoneinfo "pagesets" layout
 *
 * Readers of buddy counters (buddyinfo, pagetypeinfo, the two indexes,
 * stats) print snapshots taken under the buddy's own lock, not
 * fl_dev.lock: each call is consistent in itself, and pagetypeinfo's two
 * (free counts, then pageblock counts) may be a moment apart, as
 * /proc/pagetypeinfo's are.  pcp takes fl_dev.lock.
 *
 * Every handler gets the kernel copy of its argument from the dispatcher
 * (fl_ioctl(), fl_dev.c), rejects nonzero reserved fields and unknown
 * flags with -EINVAL and fills in the result, which the dispatcher copies
 * back.  The command table there says which run under fl_dev.lock.
 * Memory reaches userspace zeroed: the arena is shared by every fd, and
 * the previous owner's data must not leak.  The zeroing happens on the block's first fault (fl_dev.c), the
 * only way its contents reach userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "fl_arena.h"
#include "fl_batch.h"
#include "fl_buddy_dev.h"
#include "fl_compat.h"
#include "fl_main.h"
#include "fl_metrics.h"

/* Validate one alloc request and turn it into a buddy request. */
static __always_inline int fl_alloc_prepare(const struct fraglab_alloc *a,
					    struct fl_buddy_req *req)
{
	u32 max_order = fl_buddy_max_order(fl_dev.buddy);
	int order;

	if (!fl_mem_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (a->flags & ~FRAGLAB_ALLOC_FLAGS)
		return -EINVAL;
	if (a->migratetype >= FRAGLAB_MT_TYPES)
		return -EINVAL;
	if (a->flags & FRAGLAB_ALLOC_BY_ORDER) {
		if (a->order > max_order)
			return -EINVAL;
		order = a->order;
		if (a->size > (PAGE_SIZE << order))
			return -EINVAL;
	} else {
		order = fl_buddy_order_for_size(fl_dev.buddy, a->size);
		if (order < 0)
			return order;
	}
	memset(req, 0, sizeof(*req));
	req->order = order;
	req->mt = a->migratetype;
	req->owner_kind = FL_OWN_USER;
	req->requested = a->size ? a->size : PAGE_SIZE << order;
	return 0;
}

/* Inline: once per element of a batch (see fl_batch_loop() on calls). */
static __always_inline int fl_alloc_one(struct fl_file *ff,
					struct fraglab_alloc *a,
					struct fl_obj_stash *st,
					struct fl_obj **made)
{
	struct fl_buddy_req req;
	struct fl_obj *obj;
	u32 idx;
	int ret;

	ret = fl_alloc_prepare(a, &req);
	if (ret)
		return ret;

	obj = fl_obj_new(st);
	if (!obj)
		return -ENOMEM;
	req.owner = (unsigned long)obj;
	ret = fl_buddy_alloc(fl_dev.buddy, &req, &idx);
	if (ret)
		goto free_obj;

	obj->kind = FRAGLAB_KIND_PAGES;
	obj->idx = idx;
	obj->order = req.order;
	obj->mt = req.mt;
	obj->requested = req.requested;
	obj->granted = PAGE_SIZE << req.order;
	obj->offset = (u64)idx << PAGE_SHIFT;
	ret = fl_obj_insert(ff, obj);
	if (ret)
		goto free_block;

	/* not zeroed here: the first fault does (fl_dev.c, FL_OBJ_ZEROED) */
	a->order = obj->order;
	a->handle = fl_handle_of(obj);
	a->offset = obj->offset;
	a->granted = obj->granted;
	fl_obj_pin(made, obj);
	return 0;

free_block:
	fl_buddy_free(fl_dev.buddy, idx);
free_obj:
	fl_obj_put(st, obj);
	return ret;
}

/**
 * fl_ioc_alloc() - FRAGLAB_IOC_ALLOC.
 * @ff: the calling file.
 * @karg: struct fraglab_alloc.
 * @made: the new object, pinned for the dispatcher's undo.
 *
 * Context: fl_dev.lock held.
 * Return: 0 or a negative errno.
 */
long fl_ioc_alloc(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_alloc *a = karg;

	a->result = 0;
	return fl_alloc_one(ff, a, NULL, made);
}

/* The body of fl_buddy_release_obj(), inline in the batch free loop. */
static __always_inline void __fl_buddy_release_obj(struct fl_obj *obj,
						   struct fl_obj_stash *st)
{
	fl_obj_remove(obj);
	WARN_ON_ONCE(fl_buddy_free(fl_dev.buddy, obj->idx));
	fl_obj_put(st, obj);
}

/* ->release_obj: a pages-kind object and its block (NULL: no-op). */
static void fl_buddy_release_obj(struct fl_obj *obj, struct fl_obj_stash *st)
{
	if (obj)
		__fl_buddy_release_obj(obj, st);
}

static __always_inline int fl_buddy_free_handle(struct fl_file *ff,
						u64 handle,
						struct fl_obj_stash *st)
{
	struct fl_obj *obj = fl_obj_lookup(ff, handle);

	if (!obj || obj->kind != FRAGLAB_KIND_PAGES)
		return -ENOENT;
	__fl_buddy_release_obj(obj, st);
	return 0;
}

/**
 * fl_ioc_free() - FRAGLAB_IOC_FREE.
 * @ff: the calling file.
 * @karg: struct fraglab_handle.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_free(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_handle *h = karg;

	if (h->pad)
		return -EINVAL;
	return fl_buddy_free_handle(ff, h->handle, NULL);
}

/**
 * fl_ioc_query() - FRAGLAB_IOC_QUERY.
 * @ff: the calling file.
 * @karg: struct fraglab_query.
 * @made: unused.
 *
 * Context: fl_dev.lock held.
 * Return: 0, -EINVAL or -ENOENT.
 */
long fl_ioc_query(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_query *q = karg;
	struct fl_obj *obj;
	u64 handle;

	if (q->pad || !fl_mem_is_zero(q->reserved, sizeof(q->reserved)))
		return -EINVAL;
	handle = q->handle;
	obj = fl_obj_lookup(ff, handle);
	if (!obj)
		return -ENOENT;
	memset(q, 0, sizeof(*q));
	q->handle = handle;
	q->kind = obj->kind;
	q->order = obj->order;
	q->migratetype = obj->mt;
	q->offset = obj->offset;
	q->requested = obj->requested;
	q->granted = obj->granted;
	q->moves = obj->moves;
	if (obj->kind == FRAGLAB_KIND_PAGES)
		q->mmap_offset = fl_obj_mmap_offset(obj);
	return 0;
}

static int fl_batch_alloc_one(struct fl_file *ff, void *elem,
			      struct fl_obj_stash *st)
{
	int ret = fl_alloc_one(ff, elem, st, &st->made[st->nr_made]);

	if (!ret)
		st->nr_made++;
	return ret;
}

static u32 fl_batch_alloc_chunk(struct fl_file *ff, void *buf, u32 n,
				struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_alloc),
			     offsetof(struct fraglab_alloc, result),
			     fl_batch_alloc_one, st, err);
}

static int fl_batch_free_one(struct fl_file *ff, void *elem,
			     struct fl_obj_stash *st)
{
	const struct fraglab_handle *h = elem;

	return h->pad ? -EINVAL : fl_buddy_free_handle(ff, h->handle, st);
}

static u32 fl_batch_free_chunk(struct fl_file *ff, void *buf, u32 n,
			       struct fl_obj_stash *st, int *err)
{
	return fl_batch_loop(ff, buf, n, sizeof(struct fraglab_handle),
			     offsetof(struct fraglab_handle, result),
			     fl_batch_free_one, st, err);
}

static const struct fl_batch_op fl_buddy_batch_ops[2] = {
	{
		.elem_size = sizeof(struct fraglab_alloc),
		.result_off = offsetof(struct fraglab_alloc, result),
		.new_objs = true,
		.run_chunk = fl_batch_alloc_chunk,
	}, {
		.elem_size = sizeof(struct fraglab_handle),
		.result_off = offsetof(struct fraglab_handle, result),
		.run_chunk = fl_batch_free_chunk,
	},
};

/**
 * fl_ioc_batch() - FRAGLAB_IOC_BATCH.
 * @ff: the calling file.
 * @karg: struct fraglab_batch.
 * @made: unused (the batch undoes its own elements).
 *
 * Context: process context, fl_dev.lock not held (taken per chunk).
 * Return: see fl_batch_ioctl().
 */
long fl_ioc_batch(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_batch_ioctl(ff, karg, fl_buddy_batch_ops);
}

/*
 * Every fd's handles: each id names an object of that fd, the fd counts
 * them, and every pages-kind one matches an allocated head owned by it.
 * Up to max_handles_per_fd per opener: a reschedule point every 1024
 * handles (fl_dev.lock keeps every table still, fl_dev.files_lock every
 * fd; no spinlock is held).
 */
static int fl_buddy_check_handles(char *msg, size_t len)
{
	struct fl_page_info pi;
	struct fl_file *ff;
	struct fl_obj *obj;
	u32 pos, n = 0, nr;
	int ret = 0;
	u64 id;

	lockdep_assert_held(&fl_dev.lock);
	mutex_lock(&fl_dev.files_lock);
	list_for_each_entry(ff, &fl_dev.files, node) {
		pos = 0;
		nr = 0;
		while ((obj = fl_idtab_next(&ff->handles, &pos, &id))) {
			if (!(++n % 1024))
				cond_resched();
			nr++;
			if (obj->owner != ff || obj->id != id) {
				scnprintf(msg, len, "handle id %llu: in one fd's table, owned by another or named %llu",
					  id, obj->id);
				ret = -EUCLEAN;
				goto unlock;
			}
			if (obj->kind != FRAGLAB_KIND_PAGES)
				continue;
			if (fl_buddy_page_info(fl_dev.buddy, obj->idx, &pi) ||
			    pi.state != FL_PAGE_ALLOC_HEAD ||
			    pi.order != obj->order ||
			    pi.owner != (unsigned long)obj) {
				scnprintf(msg, len, "handle id %llu: page %u is not its allocated order-%u head",
					  id, obj->idx, obj->order);
				ret = -EUCLEAN;
				goto unlock;
			}
		}
		if (nr != ff->nr_handles) {
			scnprintf(msg, len, "an fd has %u ids but counts %u handles",
				  nr, ff->nr_handles);
			ret = -EUCLEAN;
			goto unlock;
		}
	}
unlock:
	mutex_unlock(&fl_dev.files_lock);
	return ret;
}

/* ->stats: the buddy's counters in UAPI form (@out is zeroed). */
static void fl_buddy_dev_stats(struct fraglab_stats *out)
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(fl_dev.buddy, &st);
	BUILD_BUG_ON(sizeof(out->nr_free) != sizeof(st.nr_free) ||
		     sizeof(out->alloc_ok) != sizeof(st.alloc_ok) ||
		     sizeof(out->alloc_fail) != sizeof(st.alloc_fail));
	out->total_pages = st.total_pages;
	out->free_pages = st.free_pages;
	memcpy(out->nr_free, st.nr_free, sizeof(out->nr_free));
	memcpy(out->alloc_ok, st.alloc_ok, sizeof(out->alloc_ok));
	memcpy(out->alloc_fail, st.alloc_fail, sizeof(out->alloc_fail));
	out->fail_fragmented = st.fail_fragmented;
	out->fail_nomem = st.fail_nomem;
	out->frees = st.frees;
	out->splits = st.splits;
	out->merges = st.merges;
	out->fallbacks = st.fallbacks;
	out->steals = st.steals;
	out->nr_allocated = st.nr_allocated;
	out->requested_bytes = st.requested_bytes;
	out->granted_bytes = st.granted_bytes;
	out->largest_free_order = st.largest_free_order;
	out->max_order = st.max_order;
	out->pcp_pages = st.pcp_pages;
	out->internal_frag_permille =
		fl_metrics_internal_permille(st.requested_bytes,
					     st.granted_bytes);
	out->external_frag_permille =
		fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					     st.max_order);
	out->unusable_index_9 =
		fl_metrics_unusable_index(st.nr_free, FL_PAGEBLOCK_ORDER);
}


/* ------------------------------------------------------------ debugfs */

#define FL_ZONE_NAME	"fraglab"

static void fl_snapshot_free(u64 nr_free[FL_NR_ORDERS])
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(fl_dev.buddy, &st);
	memcpy(nr_free, st.nr_free, sizeof(st.nr_free));
}

typedef int (*fl_format_fn)(char *buf, size_t len, int node,
			    const char *zone, const u64 *nr_free);

/* One line in a kernel format, shared with fragctl --sim (fl_metrics.c). */
static int fl_show_line(struct seq_file *m, fl_format_fn format)
{
	u64 nr_free[FL_NR_ORDERS];
	char line[FL_METRICS_LINE_MAX];

	fl_snapshot_free(nr_free);
	format(line, sizeof(line), 0, FL_ZONE_NAME, nr_free);
	seq_puts(m, line);
	return 0;
}

static int buddyinfo_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_buddyinfo);
}
DEFINE_SHOW_ATTRIBUTE(buddyinfo);

static int pagetypeinfo_show(struct seq_file *m, void *v)
{
	u64 nr_free[FL_MT_TYPES][FL_NR_ORDERS];
	u64 blocks[FL_MT_TYPES];
	unsigned int o, t;

	fl_buddy_free_counts_mt(fl_dev.buddy, nr_free);
	fl_buddy_pageblock_counts(fl_dev.buddy, blocks);

	seq_printf(m, "Page block order: %d\n", FL_PAGEBLOCK_ORDER);
	seq_printf(m, "Pages per block:  %lu\n", 1UL << FL_PAGEBLOCK_ORDER);
	seq_putc(m, '\n');
	seq_printf(m, "%-43s ", "Free pages count per migrate type at order");
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, "%6d ", o);
	seq_putc(m, '\n');
	for (t = 0; t < FL_MT_TYPES; t++) {
		seq_printf(m, "Node %4d, zone %8s, type %12s ", 0, FL_ZONE_NAME,
			   fl_migratetype_names[t]);
		for (o = 0; o < FL_NR_ORDERS; o++)
			seq_printf(m, "%6llu ", nr_free[t][o]);
		seq_putc(m, '\n');
	}
	seq_printf(m, "\n%-23s", "Number of blocks type ");
	for (t = 0; t < FL_MT_TYPES; t++)
		seq_printf(m, "%12s ", fl_migratetype_names[t]);
	seq_putc(m, '\n');
	seq_printf(m, "Node %d, zone %8s ", 0, FL_ZONE_NAME);
	for (t = 0; t < FL_MT_TYPES; t++)
		seq_printf(m, "%12llu ", blocks[t]);
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pagetypeinfo);

static int unusable_index_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_unusable);
}
DEFINE_SHOW_ATTRIBUTE(unusable_index);

static int extfrag_index_show(struct seq_file *m, void *v)
{
	return fl_show_line(m, fl_metrics_format_extfrag);
}
DEFINE_SHOW_ATTRIBUTE(extfrag_index);

static void fl_show_order_row(struct seq_file *m, const char *name,
			      const u64 *v)
{
	unsigned int o;

	seq_printf(m, "%-20s", name);
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, " %8llu", v[o]);
	seq_putc(m, '\n');
}

static int stats_show(struct seq_file *m, void *v)
{
	struct fraglab_stats s;
	unsigned int o;

	memset(&s, 0, sizeof(s));
	fl_buddy_dev_stats(&s);
	seq_printf(m, "total_pages %llu\n", s.total_pages);
	seq_printf(m, "free_pages %llu\n", s.free_pages);
	seq_printf(m, "allocated_blocks %llu\n", s.nr_allocated);
	if (s.largest_free_order < FL_NR_ORDERS)
		seq_printf(m, "largest_free_block %lu (order %u)\n",
			   PAGE_SIZE << s.largest_free_order,
			   s.largest_free_order);
	else
		seq_puts(m, "largest_free_block 0 (none)\n");
	seq_printf(m, "requested_bytes %llu\n", s.requested_bytes);
	seq_printf(m, "granted_bytes %llu\n", s.granted_bytes);
	seq_printf(m, "internal_frag_bytes %llu\n",
		   s.granted_bytes - s.requested_bytes);
	seq_printf(m, "internal_frag %u.%u%%\n",
		   s.internal_frag_permille / 10, s.internal_frag_permille % 10);
	seq_printf(m, "external_frag %u.%u%%\n",
		   s.external_frag_permille / 10, s.external_frag_permille % 10);
	seq_printf(m, "unusable_index_9 %d.%03d\n",
		   s.unusable_index_9 / 1000, s.unusable_index_9 % 1000);
	seq_printf(m, "fail_fragmented %llu\n", s.fail_fragmented);
	seq_printf(m, "fail_nomem %llu\n", s.fail_nomem);
	seq_printf(m, "frees %llu\nsplits %llu\nmerges %llu\n",
		   s.frees, s.splits, s.merges);
	seq_printf(m, "fallbacks %llu\nsteals %llu\n", s.fallbacks, s.steals);
	seq_printf(m, "group_by_mobility %d\n",
		   fl_buddy_grouping(fl_dev.buddy));
	seq_printf(m, "pcp_high %u\npcp_pages %llu\n",
		   fl_buddy_pcp_high(fl_dev.buddy), s.pcp_pages);
	seq_printf(m, "%-20s", "order");
	for (o = 0; o < FL_NR_ORDERS; o++)
		seq_printf(m, " %8u", o);
	seq_putc(m, '\n');
	fl_show_order_row(m, "free_blocks", s.nr_free);
	fl_show_order_row(m, "alloc_ok", s.alloc_ok);
	fl_show_order_row(m, "alloc_fail", s.alloc_fail);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * /proc/zoneinfo's "pagesets" block, then what zoneinfo does not show:
 * the blocks parked per order and migrate type.
 */
static int pcp_show(struct seq_file *m, void *v)
{
	struct fl_pcp_info pi;
	unsigned int cpu, o, mt;

	mutex_lock(&fl_dev.lock);
	seq_printf(m, "Node 0, zone %8s\n  pagesets\n", FL_ZONE_NAME);
	for (cpu = 0; !fl_buddy_pcp_info(fl_dev.buddy, cpu, &pi); cpu++) {
		seq_printf(m, "    cpu: %u\n", cpu);
		seq_printf(m, "              count: %u\n", pi.count);
		seq_printf(m, "              high:  %u\n", pi.high);
		seq_printf(m, "              batch: %u\n", pi.batch);
		for (o = 0; o < FL_PCP_ORDERS; o++) {
			seq_printf(m, "              order %u:", o);
			for (mt = 0; mt < FL_MT_TYPES; mt++)
				seq_printf(m, " %s %u", fl_migratetype_names[mt],
					   pi.nr[o][mt]);
			seq_putc(m, '\n');
		}
	}
	mutex_unlock(&fl_dev.lock);
	if (!cpu)
		seq_puts(m, "    off: no per-CPU lists (FRAGLAB_SET_PCP_HIGH, fragctl pcp HIGH)\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcp);

static struct dentry *fl_buddy_dentries[6];

static void fl_buddy_debugfs_init(struct dentry *dir)
{
	static const struct {
		const char *name;
		const struct file_operations *fops;
	} files[ARRAY_SIZE(fl_buddy_dentries)] = {
		{ "buddyinfo", &buddyinfo_fops },
		{ "pagetypeinfo", &pagetypeinfo_fops },
		{ "unusable_index", &unusable_index_fops },
		{ "extfrag_index", &extfrag_index_fops },
		{ "stats", &stats_fops },
		{ "pcp", &pcp_fops },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		fl_buddy_dentries[i] = debugfs_create_file(files[i].name, 0400,
							   dir, NULL,
							   files[i].fops);
}

/* ------------------------------------------------------------ subsystem */

/* ->init: the buddy over the whole arena, then its debugfs files. */
static int fl_buddy_dev_init(struct fl_dev *d, struct dentry *dir)
{
	struct fl_chunk *chunks;

	chunks = fl_arena_chunks(&d->arena);
	if (!chunks)
		goto nomem;
	d->buddy = fl_buddy_create(chunks, d->arena.nr_ranges,
				   fl_param_max_order,
				   fl_param_group_by_mobility);
	kfree(chunks);
	if (!d->buddy)
		goto nomem;
	fl_buddy_debugfs_init(dir);
	return 0;

nomem:
	pr_err("out of memory for the buddy allocator's metadata\n");
	return -ENOMEM;
}

/* ->exit: the files first (debugfs_remove() waits for readers). */
static void fl_buddy_dev_exit(struct fl_dev *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fl_buddy_dentries); i++) {
		debugfs_remove(fl_buddy_dentries[i]);
		fl_buddy_dentries[i] = NULL;
	}
	fl_buddy_destroy(d->buddy);
	d->buddy = NULL;
}

/*
 * ->check: the buddy core in steps (fl_buddy_check_paced(): the lock
 * dropped and cond_resched() every FL_CHECK_STEP pages), then every
 * pages-kind handle against it.  Sleeps; fl_dev.lock held.
 */
static int fl_buddy_dev_check(char *msg, size_t len)
{
	int ret;

	ret = fl_buddy_check_paced(fl_dev.buddy, msg, len, FL_CHECK_STEP,
				   fl_subsys_check_pause, NULL);
	if (!ret)
		ret = fl_buddy_check_handles(msg, len);
	return ret;
}

/* ->setting: the grouping switch and the per-CPU lists' high mark. */
static int fl_buddy_dev_setting(u32 key, bool set, u64 *value)
{
	int ret;

	switch (key) {
	case FRAGLAB_SET_GROUP_BY_MOBILITY:
		if (set && *value > 1)
			return -EINVAL;
		mutex_lock(&fl_dev.lock);
		if (set)
			fl_buddy_set_grouping(fl_dev.buddy, *value);
		*value = fl_buddy_grouping(fl_dev.buddy);
		mutex_unlock(&fl_dev.lock);
		return 0;
	case FRAGLAB_SET_PCP_HIGH:
		BUILD_BUG_ON(FRAGLAB_PCP_HIGH_MAX != FL_PCP_HIGH_MAX);
		if (set) {
			if (*value > FRAGLAB_PCP_HIGH_MAX)
				return -EINVAL;
			ret = fl_buddy_set_pcp(fl_dev.buddy, *value);
			if (ret)
				return ret;
		}
		*value = fl_buddy_pcp_high(fl_dev.buddy);
		return 0;
	default:
		return -ENOENT;
	}
}

/*
 * Commands 0x00-0x0f: the buddy's ALLOC, FREE, QUERY, BATCH and the
 * device's own VERSION, SET, GET, CHECK, STATS (fl_dev.c), which came
 * first in the ABI.
 */
const struct fl_subsys fl_buddy_subsys = {
	.name = "buddy",
	.nr_first = 0x00,
	.nr_last = 0x0f,
	.features = FRAGLAB_FEAT_BUDDY | FRAGLAB_FEAT_MMAP |
		    FRAGLAB_FEAT_BATCH | FRAGLAB_FEAT_PCP,
	.kind = FRAGLAB_KIND_PAGES,
	.init = fl_buddy_dev_init,
	.exit = fl_buddy_dev_exit,
	.release_obj = fl_buddy_release_obj,
	.check = fl_buddy_dev_check,
	.stats = fl_buddy_dev_stats,
	.setting = fl_buddy_dev_setting,
};
