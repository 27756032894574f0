// SPDX-License-Identifier: GPL-2.0
/*
 * fl_buddy_dev.c - the buddy allocator's ioctls (command range 0x00-0x0f).
 *
 * Every handler gets the kernel copy of its argument from the dispatcher
 * (fl_ioctl(), fl_dev.c), rejects nonzero reserved fields and unknown
 * flags with -EINVAL and fills in the result, which the dispatcher copies
 * back.  The command table there says which run under fl_dev.lock.  Memory reaches userspace zeroed: the
 * arena is shared by every fd, and the previous owner's data must not
 * leak.  The zeroing happens on the block's first fault (fl_dev.c), the
 * only way its contents reach userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "fl_compat.h"
#include "fl_internal.h"
#include "fl_metrics.h"

/**
 * fl_ioc_version() - FRAGLAB_IOC_VERSION.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_version, all zero in.
 * @made: unused.
 *
 * Context: process context.
 * Return: 0 or -EINVAL.
 */
long fl_ioc_version(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_version *v = karg;

	if (!fl_mem_is_zero(v, sizeof(*v)))
		return -EINVAL;
	v->api_major = FRAGLAB_API_MAJOR;
	v->api_minor = FRAGLAB_API_MINOR;
	v->features = FL_FEATURES;
	v->page_size = PAGE_SIZE;
	v->max_order = fl_buddy_max_order(fl_dev.buddy);
	v->kernel_max_order = FL_KERNEL_MAX_ORDER;
	v->block_order = FL_PAGEBLOCK_ORDER;
	v->arena_pages = fl_dev.arena.nr_pages;
	v->arena_bytes = (u64)fl_dev.arena.nr_pages << PAGE_SHIFT;
	v->nr_chunks = fl_dev.arena.nr_ranges;
	v->group_by_mobility = fl_buddy_grouping(fl_dev.buddy);
	return 0;
}

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

/* Inline: once per element of a batch (see fl_internal.h on calls). */
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

/**
 * fl_buddy_release_obj() - free a pages-kind object and its block.
 * @obj: object owned by some fd, or NULL (no-op).
 * @st: a batch chunk's stash for the object (see fl_obj_put()), or NULL.
 *
 * Context: fl_dev.lock held; may sleep (zaps user mappings).
 */
void fl_buddy_release_obj(struct fl_obj *obj, struct fl_obj_stash *st)
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

static long fl_ioc_setting(struct fraglab_setting *s, bool set)
{
	int ret;

	if (s->pad || !fl_mem_is_zero(s->reserved, sizeof(s->reserved)))
		return -EINVAL;
	if (!set && s->value)
		return -EINVAL;

	switch (s->key) {
	case FRAGLAB_SET_GROUP_BY_MOBILITY:
		if (set && s->value > 1)
			return -EINVAL;
		mutex_lock(&fl_dev.lock);
		if (set)
			fl_buddy_set_grouping(fl_dev.buddy, s->value);
		s->value = fl_buddy_grouping(fl_dev.buddy);
		mutex_unlock(&fl_dev.lock);
		break;
	case FRAGLAB_SET_PCP_HIGH:
		BUILD_BUG_ON(FRAGLAB_PCP_HIGH_MAX != FL_PCP_HIGH_MAX);
		if (set) {
			if (s->value > FRAGLAB_PCP_HIGH_MAX)
				return -EINVAL;
			ret = fl_buddy_set_pcp(fl_dev.buddy, s->value);
			if (ret)
				return ret;
		}
		s->value = fl_buddy_pcp_high(fl_dev.buddy);
		break;
	case FRAGLAB_SET_PROACTIVE:
		if (set) {
			ret = fl_compact_set_proactive(s->value);
			if (ret)
				return ret;
		}
		s->value = fl_compact_get_proactive();
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/**
 * fl_ioc_set() - FRAGLAB_IOC_SET: change a module-wide setting.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_setting.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held; the caller has
 * CAP_SYS_ADMIN (the ioctl table says so).
 * Return: 0 or a negative errno.
 */
long fl_ioc_set(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_ioc_setting(karg, true);
}

/**
 * fl_ioc_get() - FRAGLAB_IOC_GET: read a module-wide setting.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_setting.
 * @made: unused.
 *
 * Context: process context, fl_dev.lock not held.
 * Return: 0 or -EINVAL.
 */
long fl_ioc_get(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	return fl_ioc_setting(karg, false);
}

/* Every pages-kind handle must match an allocated head owned by it. */
static int fl_check_handles(char *msg, size_t len)
{
	struct fl_page_info pi;
	struct fl_obj *obj;
	u32 pos = 0;
	u64 id;

	while ((obj = fl_idtab_next(&fl_dev.handles, &pos, &id))) {
		if (obj->kind != FRAGLAB_KIND_PAGES)
			continue;
		if (fl_buddy_page_info(fl_dev.buddy, obj->idx, &pi) ||
		    pi.state != FL_PAGE_ALLOC_HEAD || pi.order != obj->order ||
		    pi.owner != (unsigned long)obj) {
			scnprintf(msg, len, "handle id %llu: page %u is not its allocated order-%u head",
				  id, obj->idx, obj->order);
			return -EUCLEAN;
		}
	}
	return 0;
}

/**
 * fl_check_all() - run every invariant checker fraglab has.
 * @msg: where the first violation is described.
 * @len: size of @msg.
 *
 * Context: fl_dev.lock held.
 * Return: 0 if consistent, -EUCLEAN otherwise.
 */
int fl_check_all(char *msg, size_t len)
{
	int ret;

	lockdep_assert_held(&fl_dev.lock);
	msg[0] = '\0';
	ret = fl_buddy_check(fl_dev.buddy, msg, len);
	if (!ret)
		ret = fl_check_handles(msg, len);
	if (!ret)
		ret = fl_subsys_check(msg, len);
	return ret;
}

/**
 * fl_ioc_check() - FRAGLAB_IOC_CHECK.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_check, all zero in.
 * @made: unused.
 *
 * Context: fl_dev.lock held; the caller has CAP_SYS_ADMIN.
 * Return: 0 or -EINVAL; the checkers' verdict is in ->result.
 */
long fl_ioc_check(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	struct fraglab_check *c = karg;

	if (!fl_mem_is_zero(c, sizeof(*c)))
		return -EINVAL;
	c->result = fl_check_all(c->message, sizeof(c->message));
	return 0;
}

/**
 * fl_fill_stats() - the buddy's counters in UAPI form.
 * @out: filled completely (reserved fields zero).
 *
 * Context: any context that may take a spinlock.
 */
void fl_fill_stats(struct fraglab_stats *out)
{
	struct fl_buddy_stats st;

	fl_buddy_get_stats(fl_dev.buddy, &st);
	memset(out, 0, sizeof(*out));
	BUILD_BUG_ON(sizeof(out->nr_free) != sizeof(st.nr_free));
#define FL_COPY(f)		(out->f = st.f)
#define FL_COPY_ORDERS(f)	memcpy(out->f, st.f, sizeof(out->f))
	FL_BUDDY_STATS_SCALARS(FL_COPY);
	FL_BUDDY_STATS_ORDERS(FL_COPY_ORDERS);
#undef FL_COPY_ORDERS
#undef FL_COPY
	out->largest_free_order = st.largest_free_order;
	out->internal_frag_permille =
		fl_metrics_internal_permille(st.requested_bytes,
					     st.granted_bytes);
	out->external_frag_permille =
		fl_metrics_external_permille(st.nr_free, FL_NR_ORDERS,
					     st.max_order);
	out->unusable_index_9 =
		fl_metrics_unusable_index(st.nr_free, FL_PAGEBLOCK_ORDER);
}

/**
 * fl_ioc_stats() - FRAGLAB_IOC_STATS.
 * @ff: the calling file (unused).
 * @karg: struct fraglab_stats, all zero in.
 * @made: unused.
 *
 * Context: process context.
 * Return: 0 or -EINVAL.
 */
long fl_ioc_stats(struct fl_file *ff, void *karg, struct fl_obj **made)
{
	if (!fl_mem_is_zero(karg, sizeof(struct fraglab_stats)))
		return -EINVAL;
	fl_fill_stats(karg);
	return 0;
}
