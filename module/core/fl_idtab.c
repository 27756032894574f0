// SPDX-License-Identifier: GPL-2.0
/*
 * fl_idtab.c - ids for the objects userspace holds handles to.
 *
 * Every allocation handed to userspace (a buddy block, a slab object, a
 * pool range) is named by an id that goes into its opaque handle and, for
 * buddy blocks, into its mmap offset.  Three things are asked of ids:
 *
 *  - lookup, insert and remove are on every ioctl's path, so they must
 *    cost next to nothing: a batch of 64 alloc+free pairs should cost
 *    little more than the allocator work itself;
 *  - a stale id (its object freed) must not name the next object that
 *    happens to get the same storage, or a stale handle would free someone
 *    else's allocation of the same fd and a stale mapping would reach
 *    reused pages;
 *  - an id must fit in 40 bits (the handle has a tag and a kind above it;
 *    an mmap offset is id << 23 and must stay below 2^63).
 *
 * An allocating xarray with cyclic ids (xa_alloc_cyclic()) would meet the
 * last two, but cyclic ids keep growing, so the tree gets deep, and every
 * insert and erase walks it and updates its free marks.
 *
 * Here an id is a slot number and the slot's generation, gen:16 | slot:24.
 * Slots live in one array per table (metadata outside the arena, like
 * everything else); lookup is an index and a compare.  Removing an object
 * bumps its slot's generation, so the old id is dead at once, and puts the
 * slot at the tail of a FIFO of free slots; inserting takes the head.  The
 * table keeps at least half of its slots (and at least
 * FL_IDTAB_MIN_SLOTS / 2) free, doubling when it would drop below that, so
 * a slot is reused only after at least 4096 other insertions into the same
 * table: an id comes back only after its slot has been reused 2^16 times,
 * i.e. after at least 2^28 insertions into that table.  The xarray's
 * cyclic ids came back after 2^31; file descriptors, which are the closest
 * thing Linux has, come back at once.
 *
 * The module gives every open file a table of its own (struct fl_file):
 * a handle of another fd is not looked up in another fd's table at all,
 * and what one fd's table costs is that fd's.  So a table costs nothing
 * until its first insertion, which allocates FL_IDTAB_MIN_SLOTS slots
 * (128 KiB); growth doubles it; it never shrinks (like a task's fd table)
 * until fl_idtab_destroy().  With fewer than half of its slots free only
 * while it may not grow, it holds at most 4 slots per live id at its peak
 * (beyond the first FL_IDTAB_MIN_SLOTS).  A table made with @account
 * charges its slot arrays to the memory cgroup of the task whose insertion
 * allocates them (fl_zalloc_account()), as the kernel charges a task's fd
 * table to the task that expands it (alloc_fdtable(), GFP_KERNEL_ACCOUNT,
 * fs/file.c, 6.12).  @first_gen is the generation of every fresh slot:
 * tables that start at different generations rarely hand out equal ids
 * (the module's mmap offsets are ids in one address_space per device
 * inode, see fl_dev.c).
 *
 * The caller serializes all calls (the module: fl_dev.lock).  Growth calls
 * fl_zalloc() and may sleep; if it fails while a free slot is left, that
 * slot is used and nothing fails.  At most @limit slots (2^24): beyond that
 * insertion is -EBUSY.
 */
#include "fl_idtab.h"

static void fl_idtab_push(struct fl_idtab *t, u32 s)
{
	t->slot[s].next = 0;
	if (t->free_tail)
		t->slot[t->free_tail].next = s;
	else
		t->free_head = s;
	t->free_tail = s;
	t->nr_free++;
}

static u32 fl_idtab_pop(struct fl_idtab *t)
{
	u32 s = t->free_head;

	t->free_head = t->slot[s].next;
	if (!t->free_head)
		t->free_tail = 0;
	t->nr_free--;
	return s;
}

/* Resize to @cap slots (> t->cap); the new ones join the free FIFO. */
static int fl_idtab_resize(struct fl_idtab *t, u32 cap)
{
	struct fl_idtab_slot *slot;
	u32 s, old = t->cap;

	if (t->account)
		slot = fl_zalloc_account((size_t)cap * sizeof(*slot));
	else
		slot = fl_zalloc((size_t)cap * sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	if (t->slot)
		fl_memcpy(slot, t->slot, (size_t)old * sizeof(*slot));
	fl_free(t->slot);
	t->slot = slot;
	t->cap = cap;
	for (s = old ? old : 1; s < cap; s++) {
		slot[s].gen = t->first_gen;
		fl_idtab_push(t, s);
	}
	return 0;
}

/**
 * fl_idtab_init() - an empty table; allocates nothing.
 * @t: table to set up.
 * @limit: most slots it may grow to, 2..FL_IDTAB_MAX_SLOTS (slot 0 is
 *         never used, so at most @limit - 1 live ids).
 * @account: charge the slot arrays to the memory cgroup of the task that
 *           grows the table (fl_zalloc_account()).
 * @first_gen: generation of every fresh slot (only its low
 *             FL_IDTAB_GEN_BITS count).
 *
 * The first fl_idtab_alloc() allocates the first slots.
 *
 * Context: any.
 * Return: 0 or -EINVAL for a bad @limit.
 */
int fl_idtab_init(struct fl_idtab *t, u32 limit, bool account, u32 first_gen)
{
	fl_memset(t, 0, sizeof(*t));
	if (limit < 2 || limit > FL_IDTAB_MAX_SLOTS)
		return -EINVAL;
	t->limit = limit;
	t->account = account;
	t->first_gen = first_gen & ((1U << FL_IDTAB_GEN_BITS) - 1);
	return 0;
}

/**
 * fl_idtab_destroy() - free the table (the objects are the caller's).
 * @t: table from fl_idtab_init(), or zeroed.
 *
 * Context: may sleep.
 */
void fl_idtab_destroy(struct fl_idtab *t)
{
	fl_free(t->slot);
	fl_memset(t, 0, sizeof(*t));
}

/* Fewer free slots than this and the table grows (if it may). */
static u32 fl_idtab_reserve(const struct fl_idtab *t)
{
	return max(t->cap / 2, FL_IDTAB_MIN_SLOTS / 2);
}

/**
 * fl_idtab_alloc() - give @obj an id.
 * @t: table.
 * @obj: non-NULL object.
 * @id: out: its id, nonzero, below 2^FL_IDTAB_ID_BITS.
 *
 * Context: caller serializes; may sleep (the first slots, growth).
 * Return: 0, -ENOMEM (growth failed and no slot was free) or -EBUSY (the
 * table is at its limit and full).
 */
int fl_idtab_alloc(struct fl_idtab *t, void *obj, u64 *id)
{
	u32 s;

	if (fl_warn_once(!obj))
		return -EINVAL;
	if (t->nr_free < fl_idtab_reserve(t) && t->cap < t->limit) {
		u32 cap = !t->cap ? min(t->limit, FL_IDTAB_MIN_SLOTS) :
			  t->cap > t->limit / 2 ? t->limit : t->cap * 2;

		if (fl_idtab_resize(t, cap) && !t->nr_free)
			return -ENOMEM;
	}
	if (!t->nr_free)
		return -EBUSY;
	s = fl_idtab_pop(t);
	t->slot[s].obj = obj;
	t->nr_live++;
	*id = ((u64)t->slot[s].gen << FL_IDTAB_SLOT_BITS) | s;
	return 0;
}

/**
 * fl_idtab_remove() - retire @id: it names nothing from now on.
 * @t: table.
 * @id: any value.
 *
 * Context: caller serializes.
 * Return: the object @id named, or NULL if it was not live (nothing done).
 */
void *fl_idtab_remove(struct fl_idtab *t, u64 id)
{
	void *obj = fl_idtab_lookup(t, id);
	u32 s = id & (FL_IDTAB_MAX_SLOTS - 1);

	if (!obj)
		return NULL;
	t->slot[s].obj = NULL;
	t->slot[s].gen = (t->slot[s].gen + 1) & ((1U << FL_IDTAB_GEN_BITS) - 1);
	t->nr_live--;
	fl_idtab_push(t, s);
	return obj;
}

/**
 * fl_idtab_next() - the next live object at or after slot *@pos.
 * @t: table.
 * @pos: cursor: 0 to start; advanced past the object returned.
 * @id: out: the object's id.
 *
 * Context: caller serializes.
 * Return: the object, or NULL when there is none left.
 */
void *fl_idtab_next(const struct fl_idtab *t, u32 *pos, u64 *id)
{
	u32 s;

	for (s = *pos ? *pos : 1; s < t->cap; s++) {
		if (t->slot[s].obj) {
			*pos = s + 1;
			*id = ((u64)t->slot[s].gen << FL_IDTAB_SLOT_BITS) | s;
			return t->slot[s].obj;
		}
	}
	*pos = t->cap;
	return NULL;
}
