/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_idtab.h - ids for the objects userspace holds handles to.
 *
 * See fl_idtab.c for the design.  The caller serializes every call (the
 * module: fl_dev.lock); nothing here sleeps except growth (fl_zalloc()).
 * The module has one table per open file (struct fl_file).
 */
#ifndef FL_IDTAB_H
#define FL_IDTAB_H

#include "fl_port.h"

/*
 * An id is gen:16 | slot:24, 40 bits: the handle carries it whole, and so
 * does an mmap offset (id << 23 stays below 2^63).  Slot 0 is never used,
 * so no id is 0.
 */
#define FL_IDTAB_SLOT_BITS	24
#define FL_IDTAB_GEN_BITS	16
#define FL_IDTAB_ID_BITS	(FL_IDTAB_SLOT_BITS + FL_IDTAB_GEN_BITS)
#define FL_IDTAB_MAX_SLOTS	(1U << FL_IDTAB_SLOT_BITS)
/* First size; also twice the least number of free slots kept (reuse distance). */
#define FL_IDTAB_MIN_SLOTS	8192U

struct fl_idtab_slot {
	void *obj;	/* NULL: free */
	u32 next;	/* free FIFO link (0: none) */
	u32 gen;	/* FL_IDTAB_GEN_BITS used */
};

/**
 * struct fl_idtab - slots with generations, free slots reused FIFO.
 * @slot: @cap slots; slot 0 is never handed out.
 * @cap: number of slots (0 until the first insertion).
 * @limit: @cap never grows beyond this (tests lower it).
 * @nr_live: slots holding an object.
 * @free_head: oldest free slot (0: none).
 * @free_tail: newest free slot.
 * @nr_free: slots on the free FIFO.
 * @first_gen: generation of fresh slots.
 * @account: slot arrays come from fl_zalloc_account().
 */
struct fl_idtab {
	struct fl_idtab_slot *slot;
	u32 cap;
	u32 limit;
	u32 nr_live;
	u32 free_head;
	u32 free_tail;
	u32 nr_free;
	u32 first_gen;
	bool account;
};

int fl_idtab_init(struct fl_idtab *t, u32 limit, bool account, u32 first_gen);
void fl_idtab_destroy(struct fl_idtab *t);
int fl_idtab_alloc(struct fl_idtab *t, void *obj, u64 *id);
void *fl_idtab_remove(struct fl_idtab *t, u64 id);
void *fl_idtab_next(const struct fl_idtab *t, u32 *pos, u64 *id);

/**
 * fl_idtab_lookup() - the object of @id, if @id is live.
 * @t: table.
 * @id: any value (userspace-controlled).
 *
 * Context: caller serializes.
 * Return: the object, or NULL if @id is malformed, free, or stale (its
 * slot has been freed since, whatever it holds now).
 */
static inline void *fl_idtab_lookup(const struct fl_idtab *t, u64 id)
{
	u64 slot = id & (FL_IDTAB_MAX_SLOTS - 1);
	u64 gen = id >> FL_IDTAB_SLOT_BITS;

	if (!slot || slot >= t->cap || gen >> FL_IDTAB_GEN_BITS ||
	    t->slot[slot].gen != gen)
		return NULL;
	return t->slot[slot].obj;
}

/* The number of live ids. */
static inline u32 fl_idtab_count(const struct fl_idtab *t)
{
	return t->nr_live;
}

#endif /* FL_IDTAB_H */
