// SPDX-License-Identifier: GPL-2.0
/*
 * fl_compact_dev.c - buddy compaction in the kernel: the ioctls of range
 * 0x30-0x3f (FRAGLAB_IOC_COMPACT, FRAGLAB_IOC_HUGEPAGES_ARENA), debugfs
 * "compaction" (counters named like /proc/vmstat's) and "hugepages_arena"
 * (the arena HugePage prediction), and proactive compaction.
 *
 * Locking.  A run holds fl_dev.lock (the device mutex) from start to end.
 * The core calls back, never with the buddy spinlock held:
 *   prepare  fl_obj_zap(): unmap_mapping_range() of the allocation's mmap
 *            range in its owner's address_space (sleeps);
 *   moved    obj->idx, obj->offset, obj->moves follow the block.
 * The mmap fault handler takes fl_dev.lock too, so between the zap and
 * the update of obj->idx no fault can map the old pages: the next access
 * after the run faults in the new location.  Freeing, allocating and
 * every other ioctl wait for the mutex, so a compaction is atomic for
 * userspace.  Only FL_OWN_USER blocks move, and for them the owner cookie
 * is the struct fl_obj (fl_buddy_dev.c), in its fd's id table.
 *
 * Proactive compaction (kcompactd's proactive part): a delayed work runs
 * every 500 ms while FRAGLAB_SET_PROACTIVE is 1..100.  It computes the
 * arena's fragmentation score at order 9 (fragmentation_score_zone():
 * the percentage of free pages in blocks below order 9) and, like
 * should_proactive_compact_node(), runs a FULL compaction when the score
 * is above the high watermark min(100 - proactiveness + 10, 100).  A run
 * that moves nothing defers the next attempts by 32 periods, like
 * proactive_defer.  The work is cancelled (synchronously) in exit, which
 * fl_subsys_exit() calls before the buddy is destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "fl_compat.h"
#include "fl_compact_dev.h"
#include "fl_compact.h"

#define FL_PROACTIVE_PERIOD_MS	500
#define FL_PROACTIVE_DEFER	32

/* Cumulative counters, under fl_dev.lock. */
struct fl_compact_stats {
	u64 migrate_scanned;
	u64 free_scanned;
	u64 isolated;
	u64 stall;
	u64 fail;
	u64 success;
	u64 not_suitable;
	u64 not_needed;
	u64 blocked;
	u64 partial;
	u64 daemon_wake;
	u64 daemon_checks;
	u64 moved;
	u64 pages_moved;
	u64 bytes_copied;
	u64 time_ns;
};

static struct fl_compact_stats fl_cstats;
static unsigned int fl_proactiveness;	/* 0 = off */
static unsigned int fl_proactive_defer;
static unsigned int fl_last_score;
static bool fl_compact_exiting;
static struct delayed_work fl_proactive_work;
static struct dentry *fl_compact_dentry, *fl_hugepages_dentry;

/* ------------------------------------------------------------ callbacks */

static struct fl_obj *fl_compact_obj(u8 owner_kind, u64 owner)
{
	struct fl_obj *obj = (struct fl_obj *)(unsigned long)owner;

	if (WARN_ON_ONCE(owner_kind != FL_OWN_USER || !obj ||
			 obj->kind != FRAGLAB_KIND_PAGES))
		return NULL;
	return obj;
}

static int fl_compact_prepare(void *priv, u8 owner_kind, u64 owner)
{
	struct fl_obj *obj = fl_compact_obj(owner_kind, owner);

	lockdep_assert_held(&fl_dev.lock);
	if (!obj)
		return -EINVAL;
	fl_obj_zap(obj);
	return 0;
}

static void fl_compact_moved(void *priv, u8 owner_kind, u64 owner,
			     u32 old_idx, u32 new_idx, u32 order)
{
	struct fl_obj *obj = fl_compact_obj(owner_kind, owner);

	if (!obj || WARN_ON_ONCE(obj->idx != old_idx))
		return;
	obj->idx = new_idx;
	obj->offset = (u64)new_idx << PAGE_SHIFT;
	obj->moves++;
}

/* An ioctl run stops when its caller is being killed. */
static bool fl_compact_stop(void *priv)
{
	return priv && fatal_signal_pending(current);
}

static const struct fl_compact_ops fl_compact_glue_ops = {
	.prepare = fl_compact_prepare,
	.moved = fl_compact_moved,
	.stop = fl_compact_stop,
};

/* ------------------------------------------------------------------ run */

/* Add one run to the counters of debugfs "compaction" (the vmstat compact_* events). */
static void fl_compact_dev_count(const struct fl_compact_result *r, bool daemon)
{
	struct fl_compact_stats *s = &fl_cstats;

	s->migrate_scanned += r->migrate_scanned;
	s->free_scanned += r->free_scanned;
	s->isolated += r->isolated;
	s->moved += r->moved;
	s->pages_moved += r->pages_moved;
	s->bytes_copied += r->bytes_copied;
	s->time_ns += r->time_ns;
	if (daemon)
		s->daemon_wake++;
	else
		s->stall++;
	switch (r->status) {
	case FL_COMPACT_SUCCESS:
		s->success++;
		break;
	case FL_COMPACT_NOT_SUITABLE:
		s->not_suitable++;
		break;
	case FL_COMPACT_NOT_NEEDED:
		s->not_needed++;
		break;
	case FL_COMPACT_BLOCKED_UNMOVABLE:
		s->blocked++;
		s->fail++;
		break;
	default:
		s->partial++;
		s->fail++;
		break;
	}
}

/* Context: fl_dev.lock held; may sleep. */
static int fl_compact_locked(const struct fl_compact_params *p,
			     struct fl_compact_result *r, bool daemon)
{
	int ret;

	lockdep_assert_held(&fl_dev.lock);
	ret = fl_compact_run(fl_dev.buddy, p, &fl_compact_glue_ops,
			     daemon ? NULL : (void *)1UL, r);
	if (!ret)
		fl_compact_dev_count(r, daemon);
	return ret;
}

static void fl_compact_blocker_out(struct fraglab_compact_blocker *o,
				   const struct fl_compact_blocker *b)
{
	o->block = b->pageblock;
	o->order = b->order;
	o->offset = (u64)b->idx << PAGE_SHIFT;
	o->migratetype = b->mt;
	o->owner_kind = b->owner_kind;
}

static void fl_compact_fill(struct fraglab_compact *c,
			    const struct fl_compact_result *r)
{
	unsigned int i;

	c->result = r->status;
	c->fragindex = r->fragindex;
	c->blocks_scanned = r->pageblocks_scanned;
	c->nr_blocked = r->nr_blocked;
	c->migrate_scanned = r->migrate_scanned;
	c->free_scanned = r->free_scanned;
	c->isolated = r->isolated;
	c->moved = r->moved;
	c->pages_moved = r->pages_moved;
	c->bytes_copied = r->bytes_copied;
	c->time_ns = r->time_ns;
	for (i = 0; i < FL_NR_ORDERS; i++) {
		c->nr_free_before[i] = r->nr_free_before[i];
		c->nr_free_after[i] = r->nr_free_after[i];
	}
	c->hugepages_before = r->hugepages_before;
	c->hugepages_after = r->hugepages_after;
	c->suitable_min = r->suitable_min;
	c->nr_blockers = r->nr_blockers;
	for (i = 0; i < r->nr_blockers; i++)
		fl_compact_blocker_out(&c->blockers[i], &r->blockers[i]);
}

/**
 * fl_ioc_compact() - FRAGLAB_IOC_COMPACT: compact the whole arena.
 * @ff: the calling file (unused: every fd's blocks move).
 * @karg: struct fraglab_compact.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held; the caller has
 * CAP_SYS_ADMIN (the ioctl table says so).
 * Return: 0, -EINVAL, -ENOMEM or the core's errno.
 */
long fl_ioc_compact(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_compact *c = karg;
	struct fl_compact_params p;
	struct fl_compact_result *r;
	long ret;

	if (c->pad || c->pad2 ||
	    !fl_mem_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (c->flags & ~FRAGLAB_COMPACT_FLAGS)
		return -EINVAL;
	/* the core rejects an unknown policy (fl_compact_check_params()) */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	p.mode = c->mode;
	p.order = c->order;
	p.flags = c->flags;
	p.threshold = c->threshold;
	p.policy = c->policy;
	memset(c, 0, sizeof(*c));	/* out fields, pad, reserved */
	c->mode = p.mode;
	c->order = p.order;
	c->flags = p.flags;
	c->threshold = p.threshold;
	c->policy = p.policy;

	mutex_lock(&fl_dev.lock);
	ret = fl_compact_locked(&p, r, false);
	mutex_unlock(&fl_dev.lock);
	if (!ret)
		fl_compact_fill(c, r);
	kfree(r);
	return ret;
}

/* ------------------------------------------------------------ prediction */

static void fl_compact_pred_fill(struct fraglab_hugepages_arena *h,
				 const struct fl_compact_pred *pr)
{
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->free_pages = pr->free_pages;
	for (i = 0; i < FL_NR_ORDERS; i++)
		h->nr_free[i] = pr->nr_free[i];
	h->hugepages_now = pr->hugepages_now;
	h->nr_blocks = pr->nr_pageblocks;
	h->blocks_free = pr->pb_free;
	h->blocks_movable = pr->pb_movable;
	h->blocks_blocked = pr->pb_blocked;
	h->blocks_huge = pr->pb_huge;
	h->movable_pages = pr->movable_pages;
	h->obtainable_max = pr->obtainable_max;
	h->predicted_full = pr->predicted_full;
	h->predicted_order = pr->predicted_order;
	h->full_result = pr->predicted_full_status;
	h->order_result = pr->predicted_order_status;
	h->nr_blockers = pr->nr_blockers;
	for (i = 0; i < pr->nr_blockers; i++)
		fl_compact_blocker_out(&h->blockers[i], &pr->blockers[i]);
	h->policy = pr->policy;
}

/**
 * fl_compact_arena_predict() - the arena HugePage prediction, UAPI form.
 * @policy: FRAGLAB_COMPACT_POLICY_* of the predicted runs.
 * @out: filled completely on success.
 *
 * For the probe glue and the ioctl: what FRAGLAB_IOC_HUGEPAGES_ARENA
 * returns.  Takes fl_dev.lock, so the prediction matches a compaction
 * started right after it if nothing else changes the arena in between.
 *
 * Context: process context; fl_dev.lock NOT held; may sleep.
 * Return: 0, -ENOMEM, -EINVAL for an unknown policy, or -EAGAIN.
 */
int fl_compact_arena_predict(u32 policy, struct fraglab_hugepages_arena *out)
{
	struct fl_compact_pred *pr;
	int ret;

	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	if (!pr)
		return -ENOMEM;
	mutex_lock(&fl_dev.lock);
	ret = fl_compact_predict(fl_dev.buddy, policy, pr);
	mutex_unlock(&fl_dev.lock);
	if (!ret)
		fl_compact_pred_fill(out, pr);
	kfree(pr);
	return ret;
}

/**
 * fl_ioc_hugepages_arena() - FRAGLAB_IOC_HUGEPAGES_ARENA.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_hugepages_arena, all zero in.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held; the caller has
 * CAP_SYS_ADMIN (the prediction copies the arena's metadata).
 * Return: 0, -EINVAL or fl_compact_arena_predict()'s errno.
 */
long fl_ioc_hugepages_arena(struct fl_file *ff, void *karg,
			    struct fl_obj **made)
{
	struct fraglab_hugepages_arena *h = karg;
	u32 policy = h->policy;

	h->policy = 0;
	if (!fl_mem_is_zero(h, sizeof(*h)))
		return -EINVAL;	/* every other input field must be zero */
	return fl_compact_arena_predict(policy, h);
}

/* ------------------------------------------------------------ proactive */

/* should_proactive_compact_node(): score above the high watermark. */
static bool fl_proactive_wanted(unsigned int score, unsigned int p)
{
	unsigned int wmark_high = min(100U - p + 10U, 100U);

	return score > wmark_high;
}

static void fl_proactive_rearm(void)
{
	if (fl_proactiveness && !fl_compact_exiting)
		queue_delayed_work(system_unbound_wq, &fl_proactive_work,
				   msecs_to_jiffies(FL_PROACTIVE_PERIOD_MS));
}

static void fl_proactive_fn(struct work_struct *work)
{
	struct fl_compact_params p = {
		.mode = FL_COMPACT_FULL, .order = FL_PAGEBLOCK_ORDER,
	};
	struct fl_compact_result *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	mutex_lock(&fl_dev.lock);
	if (!fl_proactiveness || fl_compact_exiting || !r)
		goto out;
	if (p.order > fl_buddy_max_order(fl_dev.buddy))
		p.order = fl_buddy_max_order(fl_dev.buddy);
	fl_cstats.daemon_checks++;
	fl_last_score = fl_compact_score(fl_dev.buddy, FL_PAGEBLOCK_ORDER);
	if (fl_proactive_defer) {
		fl_proactive_defer--;
		goto out;
	}
	if (!fl_proactive_wanted(fl_last_score, fl_proactiveness))
		goto out;
	if (!fl_compact_locked(&p, r, true) && !r->moved)
		fl_proactive_defer = FL_PROACTIVE_DEFER;
out:
	fl_proactive_rearm();
	mutex_unlock(&fl_dev.lock);
	kfree(r);
}

/**
 * fl_compact_set_proactive() - FRAGLAB_SET_PROACTIVE: switch the worker.
 * @value: 0 = off, 1..100 = proactiveness (vm.compaction_proactiveness).
 *
 * Context: process context; fl_dev.lock NOT held.
 * Return: 0 or -EINVAL for a value above 100.
 */
static int fl_compact_set_proactive(u64 value)
{
	if (value > 100)
		return -EINVAL;
	mutex_lock(&fl_dev.lock);
	fl_proactiveness = value;
	fl_proactive_defer = 0;
	if (value && !fl_compact_exiting)
		mod_delayed_work(system_unbound_wq, &fl_proactive_work, 0);
	else
		cancel_delayed_work(&fl_proactive_work);	/* no _sync: we hold the lock */
	mutex_unlock(&fl_dev.lock);
	return 0;
}

/**
 * fl_compact_get_proactive() - the current proactiveness (0 = off).
 *
 * Context: any.
 * Return: 0..100.
 */
static u64 fl_compact_get_proactive(void)
{
	return READ_ONCE(fl_proactiveness);
}

/* ------------------------------------------------------------ debugfs */

static int fl_compaction_show(struct seq_file *m, void *v)
{
	struct fl_compact_stats s;
	unsigned int p, score;

	mutex_lock(&fl_dev.lock);
	s = fl_cstats;
	p = fl_proactiveness;
	score = fl_compact_score(fl_dev.buddy, FL_PAGEBLOCK_ORDER);
	mutex_unlock(&fl_dev.lock);

	seq_printf(m, "compact_migrate_scanned %llu\n", s.migrate_scanned);
	seq_printf(m, "compact_free_scanned %llu\n", s.free_scanned);
	seq_printf(m, "compact_isolated %llu\n", s.isolated);
	seq_printf(m, "compact_stall %llu\n", s.stall);
	seq_printf(m, "compact_fail %llu\n", s.fail);
	seq_printf(m, "compact_success %llu\n", s.success);
	seq_printf(m, "compact_daemon_wake %llu\n", s.daemon_wake);
	seq_printf(m, "compact_not_suitable %llu\n", s.not_suitable);
	seq_printf(m, "compact_not_needed %llu\n", s.not_needed);
	seq_printf(m, "compact_blocked_unmovable %llu\n", s.blocked);
	seq_printf(m, "compact_partial %llu\n", s.partial);
	seq_printf(m, "allocations_moved %llu\n", s.moved);
	seq_printf(m, "pages_moved %llu\n", s.pages_moved);
	seq_printf(m, "bytes_copied %llu\n", s.bytes_copied);
	seq_printf(m, "time_ns %llu\n", s.time_ns);
	seq_printf(m, "proactiveness %u\n", p);
	seq_printf(m, "proactive_checks %llu\n", s.daemon_checks);
	seq_printf(m, "fragmentation_score %u\n", score);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_compaction);

static const char *fl_compact_result_name(u32 r)
{
	return r < FL_COMPACT_NR_STATUS ? fl_compact_status_names[r] : "?";
}

static int fl_hugepages_arena_show(struct seq_file *m, void *v)
{
	struct fraglab_hugepages_arena *h;
	unsigned int i;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = fl_compact_arena_predict(FL_COMPACT_POLICY_KERNEL, h);
	if (ret)
		goto out;
	seq_printf(m, "policy %s\n", fl_compact_policy_names[h->policy]);
	seq_printf(m, "hugepages_now %llu\n", h->hugepages_now);
	seq_printf(m, "free_pages %llu\n", h->free_pages);
	seq_printf(m, "pageblocks %u\n", h->nr_blocks);
	seq_printf(m, "pageblocks_free %u\n", h->blocks_free);
	seq_printf(m, "pageblocks_movable %u\n", h->blocks_movable);
	seq_printf(m, "pageblocks_blocked %u\n", h->blocks_blocked);
	seq_printf(m, "pageblocks_huge_alloc %u\n", h->blocks_huge);
	seq_printf(m, "movable_pages %llu\n", h->movable_pages);
	seq_printf(m, "obtainable_max %llu\n", h->obtainable_max);
	seq_printf(m, "predicted_full %llu (%s)\n", h->predicted_full,
		   fl_compact_result_name(h->full_result));
	seq_printf(m, "predicted_order9 %llu (%s)\n", h->predicted_order,
		   fl_compact_result_name(h->order_result));
	for (i = 0; i < h->nr_blockers; i++)
		seq_printf(m, "blocker pageblock %u offset 0x%llx order %u type %s owner %u\n",
			   h->blockers[i].block, h->blockers[i].offset,
			   h->blockers[i].order,
			   h->blockers[i].migratetype < FL_MT_TYPES ?
			   fl_migratetype_names[h->blockers[i].migratetype] : "?",
			   h->blockers[i].owner_kind);
out:
	kfree(h);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(fl_hugepages_arena);

/**
 * fl_compact_dev_init() - the (idle) proactive worker, then debugfs
 * "compaction" and "hugepages_arena" (failures there are not fatal).
 * @d: the device.
 * @dir: the fraglab debugfs directory.
 *
 * Context: module load, after the buddy.
 * Return: 0.
 */
static int fl_compact_dev_init(struct fl_dev *d, struct dentry *dir)
{
	memset(&fl_cstats, 0, sizeof(fl_cstats));
	fl_proactiveness = 0;
	fl_proactive_defer = 0;
	fl_compact_exiting = false;
	INIT_DELAYED_WORK(&fl_proactive_work, fl_proactive_fn);
	fl_compact_dentry = debugfs_create_file("compaction", 0400, dir, NULL,
						&fl_compaction_fops);
	fl_hugepages_dentry = debugfs_create_file("hugepages_arena", 0400, dir,
						  NULL,
						  &fl_hugepages_arena_fops);
	return 0;
}

/**
 * fl_compact_dev_exit() - remove the debugfs files, stop the worker.
 * @d: the device.
 *
 * Context: module unload or failed load, before the buddy is destroyed;
 * fl_dev.lock NOT held.
 */
static void fl_compact_dev_exit(struct fl_dev *d)
{
	debugfs_remove(fl_hugepages_dentry);
	debugfs_remove(fl_compact_dentry);
	fl_hugepages_dentry = NULL;
	fl_compact_dentry = NULL;
	mutex_lock(&fl_dev.lock);
	fl_compact_exiting = true;
	fl_proactiveness = 0;
	mutex_unlock(&fl_dev.lock);
	cancel_delayed_work_sync(&fl_proactive_work);
}

/* ->setting: FRAGLAB_SET_PROACTIVE. */
static int fl_compact_dev_setting(u32 key, bool set, u64 *value)
{
	int ret;

	if (key != FRAGLAB_SET_PROACTIVE)
		return -ENOENT;
	if (set) {
		ret = fl_compact_set_proactive(*value);
		if (ret)
			return ret;
	}
	*value = fl_compact_get_proactive();
	return 0;
}

const struct fl_subsys fl_compact_subsys = {
	.name = "compaction",
	.nr_first = 0x30,
	.nr_last = 0x3f,
	.features = FRAGLAB_FEAT_COMPACT | FRAGLAB_FEAT_COMPACT_POLICY,
	.init = fl_compact_dev_init,
	.exit = fl_compact_dev_exit,
	.setting = fl_compact_dev_setting,
};
