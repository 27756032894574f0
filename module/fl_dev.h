/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_dev.h - the device (fl_dev.c): the one instance, its open files, the
 * handle objects every allocator's glue hands to userspace, and the type
 * of an ioctl handler.
 *
 * The glue owns the arena reservation, the misc device, the handle table,
 * mmap and debugfs.  The allocators themselves live in module/core/ and
 * know nothing of files, users or pages' struct page.
 *
 * Lock ordering (outermost first):
 *
 *   fl_bench_lock (mutex)        one benchmark at a time; its teardown
 *                                destroys caches (below)
 *   cpu_hotplug_lock (read)      cpus_read_lock(): the slab's per-CPU
 *                                arrays are flushed on their CPUs (cache
 *                                destroy and shrink, fd release, root
 *                                destroy), as kmem_cache_destroy() takes it
 *                                outside slab_mutex; with fl_dev.lock only
 *                                through fl_dev_lock_cpus(), which never
 *                                waits for one while holding the other
 *   fl_dev.dbg_lock (mutex)      creating, destroying and releasing slab
 *                                caches and fit pools: their debugfs
 *                                entries come and go under it
 *   mm->mmap_lock                fl_mmap() and the fault handler are
 *                                called with it held
 *   fl_dev.lock (mutex)          every ioctl that changes or reads
 *                                allocator state, the mmap fault handler,
 *                                compaction, fd release, debugfs readers
 *     fl_dev.files_lock (mutex)  the list of open files: open and release
 *                                (alone), CHECK's walk of every fd's
 *                                handles (inside fl_dev.lock)
 *     core locks (spinlocks)     fl_buddy, fl_slab caches, fit pools: taken
 *                                inside the core's own functions only
 *
 * The device mutex is a sleeping lock because moving or freeing a mapped
 * allocation must zap user PTEs (unmap_mapping_range()), which sleeps.
 * The fault handler takes the same mutex, so a fault never sees an
 * allocation half-moved, and never maps pages that were freed.
 *
 * So: never touch user memory (copy_{to,from}_user, get/put_user) while
 * holding fl_dev.lock.  A fault there takes mmap_lock inside the mutex
 * (lockdep: circular dependency), and a fault on a fraglab mapping would
 * take the mutex again (self-deadlock).  The ioctl dispatcher (fl_ioctl()
 * in fl_dev.c) enforces it: handlers get a kernel copy of their argument,
 * the dispatcher copies in before and out after the lock, and batch
 * element arrays go through fl_batch.c chunk by chunk.
 *
 * Nor create or remove a debugfs entry while holding fl_dev.lock: that
 * takes the debugfs directory's i_rwsem (and debugfs_remove() waits for
 * the file's readers), while readdir() holds that i_rwsem across its copy
 * to user memory, whose fault takes mmap_lock, under which fl_mmap() and
 * the fault handler take fl_dev.lock: a cycle that t_fuzz hung in, with a
 * debugfs reader, a thread in mmap() and a CACHE_CREATE in three threads
 * of one process (t_lockcycle reproduces it step by step).  Cache and pool
 * create/destroy and fd release therefore change the allocator under
 * fl_dev.lock and their debugfs entries outside it, serialised by
 * fl_dev.dbg_lock so that an entry never outlives or precedes its object
 * in another thread's view.
 */
#ifndef FL_DEV_H
#define FL_DEV_H

#include <linux/align.h>
#include <linux/bug.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/lockdep.h>
#include <linux/refcount.h>
#include <linux/string.h>

#include <linux/fraglab.h>
#include "fl_arena.h"
#include "fl_buddy.h"
#include "fl_idtab.h"

/* mmap offsets: handle id << (PAGE_SHIFT + FL_MMAP_ID_SHIFT) */
#define FL_MMAP_ID_SHIFT	(FL_MAX_ORDER + 1)
#define FL_HANDLE_TAG		0xf7a9ULL	/* top 16 bits of every handle */

/**
 * struct fl_dev - the one fraglab instance.
 * @lock: see the lock-ordering comment at the top of this file.
 * @arena: reserved memory.
 * @buddy: the buddy allocator over @arena.
 * @dbg_lock: serialises the debugfs entries of caches and pools, which
 *            are created and removed without @lock (see the top of this
 *            file).
 * @files_lock: protects @files; taken inside @lock (CHECK) or alone
 *              (open, release), never around anything else.
 * @files: every open file (struct fl_file.node), for CHECK's walk of
 *         every fd's handles.
 */
struct fl_dev {
	struct mutex lock;
	struct mutex dbg_lock;
	struct fl_arena arena;
	struct fl_buddy *buddy;
	struct mutex files_lock;
	struct list_head files;
};

/**
 * struct fl_file - per-open-file state: what this fd owns.
 * @handles: the ids of this fd's allocations (core/fl_idtab.c, under
 *           fl_dev.lock): every handle and mmap offset of this fd is
 *           looked up here and nowhere else, so another fd's handle is
 *           -ENOENT by construction.  Empty until the first allocation;
 *           memcg-charged.
 * @objs: every struct fl_obj this fd owns (under fl_dev.lock).
 * @node: link in fl_dev.files (under fl_dev.files_lock).
 * @mapping: the file's address_space, to zap user mappings.
 * @nr_handles: entries of @objs (at most fl_param_max_handles).
 * @nr_caches: slab caches this fd created (at most fl_param_max_caches).
 * @nr_pools: fit pools this fd created (at most fl_param_max_pools).
 *
 * The counters are under fl_dev.lock; they bound the kernel memory one
 * opener can pin (handle objects, id slots, cache arrays, pool trees).
 * All of it is charged to the opener's memory cgroup and freed on close.
 */
struct fl_file {
	struct fl_idtab handles;
	struct list_head objs;
	struct list_head node;
	struct address_space *mapping;
	u32 nr_handles;
	u32 nr_caches;
	u32 nr_pools;
};

/**
 * struct fl_obj - one allocation handed to userspace.
 * @id: id in @owner's handles (40 bits); the handle is fl_handle_of(obj).
 * @kind: FRAGLAB_KIND_*.
 * @owner: the fd that owns it.
 * @node: link in owner->objs.
 * @idx: arena page index (pages kind) or byte offset (others, see @offset).
 * @order: buddy order (pages kind).
 * @mt: migrate type.
 * @requested: bytes asked for.
 * @granted: bytes granted.
 * @offset: byte offset in the arena.
 * @moves: times compaction moved it.
 * @priv: kind-specific (slab cache, pool).
 * @flags: FL_OBJ_* (pages kind; under fl_dev.lock).
 * @ref: one reference for the handle table, one more while an ioctl that
 *       created the object copies its handle out (fl_obj_pin()); the
 *       memory is freed when the last one goes (fl_obj_put()).
 *
 * @owner is NULL once the object was removed (fl_obj_remove()): an ioctl
 * holding a pin tells by it, under fl_dev.lock, whether another thread
 * freed the handle meanwhile.
 */
struct fl_obj {
	u64 id;
	u32 kind;
	refcount_t ref;
	struct fl_file *owner;
	struct list_head node;
	u32 idx;
	u32 order;
	u32 mt;
	u64 requested;
	u64 granted;
	u64 offset;
	u64 moves;
	void *priv;
	u32 flags;
};

/*
 * Pages-kind object flags.  A block reaches userspace only through the
 * fault handler, so it is zeroed there, on the first fault of any of its
 * pages (FL_OBJ_ZEROED), like anonymous memory, and not at allocation: an
 * allocation that is never mapped is never zeroed.  FL_OBJ_MAPPED: the
 * fault handler may have inserted PTEs since the last zap, so freeing or
 * moving the block must unmap_mapping_range(); without it there is
 * nothing to zap (PTEs come from nowhere else: VM_MIXEDMAP, no remap at
 * mmap time, VM_DONTCOPY).
 */
#define FL_OBJ_ZEROED	0x1
#define FL_OBJ_MAPPED	0x2

extern struct fl_dev fl_dev;

/* Per-fd limits (module parameters of fl_dev.c); past one, -ENOSPC. */
extern unsigned int fl_param_max_handles;
extern unsigned int fl_param_max_caches;
extern unsigned int fl_param_max_pools;

int fl_dev_register(void);
void fl_dev_unregister(void);
void fl_dev_lock_cpus(void);
void fl_dev_unlock_cpus(void);

/* Elements per trip of a batch ioctl through its kernel buffer (fl_batch.c). */
#define FL_BATCH_CHUNK	64

/**
 * struct fl_obj_stash - handle objects for one chunk of a batch ioctl.
 * @nr: objects left in @objs, allocated in bulk before the chunk ran;
 *      fl_obj_new() takes them first.
 * @nr_dead: objects in @dead, freed in bulk after fl_dev.lock is dropped;
 *           fl_obj_put() fills it.
 * @nr_made: objects in @made.
 * @objs: preallocated objects (contents undefined).
 * @dead: released objects.
 * @made: the objects the chunk's elements created, in element order, each
 *        pinned until its element is written back (fl_batch.c).
 *
 * A chunk of 64 elements costs one kmem_cache_alloc_bulk() and one
 * kmem_cache_free_bulk() instead of up to 64 allocations and frees.
 */
struct fl_obj_stash {
	u32 nr;
	u32 nr_dead;
	u32 nr_made;
	struct fl_obj *objs[FL_BATCH_CHUNK];
	struct fl_obj *dead[FL_BATCH_CHUNK];
	struct fl_obj *made[FL_BATCH_CHUNK];
};

int fl_obj_cache_init(void);
void fl_obj_cache_exit(void);
struct fl_obj *fl_obj_alloc(void);
void fl_obj_free(struct fl_obj *obj);
void fl_obj_stash_fill(struct fl_obj_stash *st, u32 n);
void fl_obj_stash_drain(struct fl_obj_stash *st);
void __fl_obj_zap(struct fl_obj *obj);
void fl_obj_unpin(struct fl_obj *obj);
void fl_obj_undo(struct fl_obj **objs, u32 n);

/*
 * The helpers below run once or more per element of a batch ioctl and
 * are a few loads and stores each, so they are inline.
 */

/**
 * fl_obj_new() - a zeroed handle object.
 * @st: a batch chunk's stash to take it from first, or NULL.
 *
 * Context: process context; may sleep.
 * Return: the object, or NULL (-ENOMEM).
 */
static inline struct fl_obj *fl_obj_new(struct fl_obj_stash *st)
{
	struct fl_obj *obj;

	if (!st || !st->nr) {
		obj = fl_obj_alloc();
		if (!obj)
			return NULL;
	} else {
		obj = st->objs[--st->nr];
		memset(obj, 0, sizeof(*obj));
	}
	refcount_set(&obj->ref, 1);
	return obj;
}

/**
 * fl_obj_put() - drop a reference; free the object with the last one.
 * @st: a batch chunk's stash to queue it on (freed in bulk by
 *      fl_obj_stash_drain()), or NULL to free it now.
 * @obj: removed from the handle table and its fd's list (or never in it).
 *
 * Context: any context that may call kmem_cache_free().
 */
static inline void fl_obj_put(struct fl_obj_stash *st, struct fl_obj *obj)
{
	if (!refcount_dec_and_test(&obj->ref))
		return;	/* an ioctl still copying its handle out holds it */
	if (st && st->nr_dead < ARRAY_SIZE(st->dead))
		st->dead[st->nr_dead++] = obj;
	else
		fl_obj_free(obj);
}

/**
 * fl_obj_pin() - hand a new object to the ioctl that created it.
 * @made: where the dispatcher (or the batch chunk) finds it.
 * @obj: just inserted; its handle is in the ioctl's result.
 *
 * The reference keeps @obj's memory until the result is written back:
 * if that fails, fl_obj_undo() frees the object unless another thread
 * freed its handle meanwhile, which it tells by @obj itself, not by
 * looking the handle up again.
 *
 * Context: fl_dev.lock held.
 */
static inline void fl_obj_pin(struct fl_obj **made, struct fl_obj *obj)
{
	refcount_inc(&obj->ref);
	*made = obj;
}

/**
 * fl_handle_of() - the opaque handle userspace sees for an object.
 * @obj: a live object.
 *
 * Context: any.
 * Return: the handle.
 */
static inline u64 fl_handle_of(const struct fl_obj *obj)
{
	return (FL_HANDLE_TAG << 48) | ((u64)obj->kind << FL_IDTAB_ID_BITS) |
	       obj->id;
}

/**
 * fl_obj_mmap_offset() - offset to pass to mmap() for @obj.
 * @obj: a live object of the pages kind.
 *
 * Context: any.
 * Return: the byte offset.
 */
static inline u64 fl_obj_mmap_offset(const struct fl_obj *obj)
{
	return obj->id << (PAGE_SHIFT + FL_MMAP_ID_SHIFT);
}

/**
 * fl_obj_lookup() - find an object the calling fd owns.
 * @ff: the calling file.
 * @handle: handle from userspace.
 *
 * Context: fl_dev.lock held.
 * Return: the object, or NULL if the handle is malformed, unknown, freed
 * or owned by another fd.
 */
static inline struct fl_obj *fl_obj_lookup(struct fl_file *ff, u64 handle)
{
	struct fl_obj *obj;

	lockdep_assert_held(&fl_dev.lock);
	if (handle >> 48 != FL_HANDLE_TAG)
		return NULL;
	obj = fl_idtab_lookup(&ff->handles,
			      handle & ((1ULL << FL_IDTAB_ID_BITS) - 1));
	/* in @ff's table, so @ff's: only the kind bits are left to check */
	if (!obj || fl_handle_of(obj) != handle)
		return NULL;
	return obj;
}

/**
 * fl_obj_zap() - remove every user mapping of @obj.
 * @obj: a live object.
 *
 * Context: fl_dev.lock held; may sleep.
 */
static inline void fl_obj_zap(struct fl_obj *obj)
{
	if (obj->kind == FRAGLAB_KIND_PAGES && (obj->flags & FL_OBJ_MAPPED))
		__fl_obj_zap(obj);
}

/**
 * fl_obj_insert() - give @obj an id and make @ff its owner.
 * @ff: owning file.
 * @obj: object with @kind set.
 *
 * Context: fl_dev.lock held; may sleep.
 * Return: 0, -ENOSPC past the fd's handle limit, or -ENOMEM / -EBUSY
 * when no id is left.
 */
static inline int fl_obj_insert(struct fl_file *ff, struct fl_obj *obj)
{
	int ret;

	lockdep_assert_held(&fl_dev.lock);
	if (ff->nr_handles >= READ_ONCE(fl_param_max_handles))
		return -ENOSPC;
	ret = fl_idtab_alloc(&ff->handles, obj, &obj->id);
	if (ret)
		return ret;
	obj->owner = ff;
	ff->nr_handles++;
	list_add_tail(&obj->node, &ff->objs);
	return 0;
}

/**
 * fl_obj_remove() - forget @obj: zap its mappings, drop its id.
 * @obj: a live object; the caller frees the memory it described.
 *
 * Context: fl_dev.lock held; may sleep.
 */
static inline void fl_obj_remove(struct fl_obj *obj)
{
	lockdep_assert_held(&fl_dev.lock);
	fl_obj_zap(obj);
	WARN_ON_ONCE(fl_idtab_remove(&obj->owner->handles, obj->id) != obj);
	list_del(&obj->node);
	obj->owner->nr_handles--;
	obj->owner = NULL;
}

/*
 * ioctl handlers (the table is fl_ioctls[] in fl_dev.c).  Each gets the
 * kernel copy of its argument, never a __user pointer (batch element
 * arrays excepted: fl_batch_ioctl() copies them chunk by chunk), and runs
 * under fl_dev.lock when its table entry has FL_IOC_LOCKED.  A handler
 * that creates an object whose handle is in its result pins it in *@made
 * (fl_obj_pin()): the dispatcher undoes it if the result cannot be
 * written back.  Return: 0 or a negative errno.
 */
typedef long fl_ioctl_t(struct fl_file *ff, void *karg, struct fl_obj **made);

/**
 * fl_mem_is_zero() - are all @size bytes at @p zero (reserved fields)?
 * @p: buffer.
 * @size: bytes.
 *
 * Reserved fields are mostly u64 arrays and every batch element checks
 * its own: aligned whole words are OR-ed here (memchr_inv() compares up
 * to 16 bytes one byte at a time), anything else goes to memchr_inv().
 *
 * Context: any.
 * Return: true if all zero.
 */
static inline bool fl_mem_is_zero(const void *p, size_t size)
{
	const u64 *w = p;
	u64 acc = 0;
	size_t i;

	if (!IS_ALIGNED((unsigned long)p | size, sizeof(u64)))
		return !memchr_inv(p, 0, size);
	for (i = 0; i < size / sizeof(u64); i++)
		acc |= w[i];
	return !acc;
}

/**
 * fl_xa_has_entries() - does @xa hold any entry?
 * @xa: the xarray.
 *
 * Not xa_empty(): a store that failed with -ENOMEM can leave empty
 * interior nodes behind (freed by xa_destroy()), and xa_empty() only
 * looks at the head.  Found by fault injection on the debug kernel.
 *
 * Context: any; takes the RCU read lock.
 * Return: true if at least one entry is present.
 */
static inline bool fl_xa_has_entries(struct xarray *xa)
{
	unsigned long index = 0;

	return xa_find(xa, &index, ULONG_MAX, XA_PRESENT) != NULL;
}

#endif /* FL_DEV_H */
