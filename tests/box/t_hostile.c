// SPDX-License-Identifier: GPL-2.0
/*
 * t_hostile - hostile input on every ioctl of /dev/fraglab.
 *
 * Botching-up-ioctls rule: every call is otherwise valid, exactly one
 * field is wrong (each reserved/pad word, unknown flag bits, out-of-range
 * enums).  Then random bytes for every command (fixed seed), random command
 * numbers in and out of the magic, wrong sizes encoded in the command,
 * faulting user pointers, batches that fault half-way, bad mmap()s,
 * read/write/lseek, and handles used on a foreign fd.  Afterwards the
 * invariant checker is clean and every arena page is free again.
 * Leaves fraglab unloaded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fl_box.h"

#define PAGE	4096UL
#define SEED	0x5eed1234u

static struct fraglab fl;
static unsigned long bad_inputs;
static uint32_t cache_id, pool_id;
static uint64_t page_handle, obj_handle, pool_handle;

static int xio(int fd, unsigned long cmd, void *arg)
{
	bad_inputs++;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static uint64_t rng_state = SEED;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* A valid argument for each command, rebuilt before every corruption. */
static void base_alloc(void *p)
{
	struct fraglab_alloc *a = p;

	memset(a, 0, sizeof(*a));
	a->size = PAGE;
	a->migratetype = FRAGLAB_MT_MOVABLE;
}

static void base_handle(void *p)
{
	struct fraglab_handle *h = p;

	memset(h, 0, sizeof(*h));
	h->handle = page_handle;
}

static void base_query(void *p)
{
	struct fraglab_query *q = p;

	memset(q, 0, sizeof(*q));
	q->handle = page_handle;
}

static struct fraglab_alloc batch_elem[2];

static void base_batch(void *p)
{
	struct fraglab_batch *b = p;

	memset(b, 0, sizeof(*b));
	memset(batch_elem, 0, sizeof(batch_elem));
	batch_elem[0].size = PAGE;
	batch_elem[0].migratetype = 1;
	b->ptr = (uintptr_t)batch_elem;
	b->count = 1;
	b->op = FRAGLAB_BATCH_ALLOC;
}

static void base_get(void *p)
{
	struct fraglab_setting *s = p;

	memset(s, 0, sizeof(*s));
	s->key = FRAGLAB_SET_GROUP_BY_MOBILITY;
}

static void base_set(void *p)
{
	base_get(p);
	((struct fraglab_setting *)p)->value = 1;
}

static void base_zero(void *p)
{
	(void)p;	/* callers memset to the struct's size */
}

static void base_cache_create(void *p)
{
	struct fraglab_cache_create *c = p;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "hostile%lu", bad_inputs % 100000);
	c->object_size = 64;
}

static void base_cache_op(void *p)
{
	struct fraglab_cache_op *c = p;

	memset(c, 0, sizeof(*c));
	c->cache_id = cache_id;
}

static void base_obj_alloc(void *p)
{
	struct fraglab_obj *o = p;

	memset(o, 0, sizeof(*o));
	o->cache_id = cache_id;
}

static void base_obj_free(void *p)
{
	base_obj_alloc(p);
	((struct fraglab_obj *)p)->handle = obj_handle;
}

static struct fraglab_obj obj_elem[2];

static void base_obj_batch(void *p)
{
	struct fraglab_obj_batch *b = p;

	memset(b, 0, sizeof(*b));
	memset(obj_elem, 0, sizeof(obj_elem));
	obj_elem[0].cache_id = cache_id;
	b->ptr = (uintptr_t)obj_elem;
	b->count = 1;
	b->op = FRAGLAB_OBJ_BATCH_ALLOC;
}

static void base_cache_info(void *p)
{
	struct fraglab_cache_info *c = p;

	memset(c, 0, sizeof(*c));
	c->cache_id = cache_id;
}

static void base_pool_create(void *p)
{
	struct fraglab_pool_create *c = p;

	memset(c, 0, sizeof(*c));
	c->size = 64 * 1024;
}

static void base_pool_op(void *p)
{
	struct fraglab_pool_op *o = p;

	memset(o, 0, sizeof(*o));
	o->pool_id = pool_id;
}

static void base_pool_alloc(void *p)
{
	struct fraglab_pool_alloc *a = p;

	memset(a, 0, sizeof(*a));
	a->pool_id = pool_id;
	a->size = 100;
}

static void base_pool_free(void *p)
{
	struct fraglab_pool_alloc *a = p;

	memset(a, 0, sizeof(*a));
	a->pool_id = pool_id;
	a->handle = pool_handle;
}

static struct fraglab_pool_alloc pool_elem[2];

static void base_pool_batch(void *p)
{
	struct fraglab_pool_batch *b = p;

	memset(b, 0, sizeof(*b));
	memset(pool_elem, 0, sizeof(pool_elem));
	pool_elem[0].pool_id = pool_id;
	pool_elem[0].size = 64;
	b->ptr = (uintptr_t)pool_elem;
	b->count = 1;
	b->op = FRAGLAB_POOL_BATCH_ALLOC;
}

static void base_pool_info(void *p)
{
	struct fraglab_pool_info *i = p;

	memset(i, 0, sizeof(*i));
	i->pool_id = pool_id;
}

static void base_pool_compact(void *p)
{
	struct fraglab_pool_compact *c = p;

	memset(c, 0, sizeof(*c));
	c->pool_id = pool_id;
}

static void base_compact(void *p)
{
	struct fraglab_compact *c = p;

	memset(c, 0, sizeof(*c));
	c->mode = FRAGLAB_COMPACT_MODE_ORDER;
	c->order = 3;
}

static void base_bench(void *p)
{
	struct fraglab_bench *b = p;

	memset(b, 0, sizeof(*b));
	b->which = FRAGLAB_BENCH_BUDDY;
	b->runs = 1;
	b->iterations = 10;
}

static struct fraglab_page page_buf[16];
static uint64_t index_pages;	/* the arena's page-index space */

static void base_page_info(void *p)
{
	struct fraglab_page_info *q = p;

	memset(q, 0, sizeof(*q));
	q->ptr = (uintptr_t)page_buf;
	q->first = 0;
	q->count = 16;
}

struct cmd {
	const char *name;
	unsigned long cmd;
	size_t size;
	void (*base)(void *p);
	int creates;	/* 1: success must be undone (see undo()) */
	int slow;	/* bench/probe: no structured-random iterations */
};

#define CMD(c, s, b, cr, sl) { #c, c, sizeof(struct s), b, cr, sl }

static const struct cmd cmds[] = {
	CMD(FRAGLAB_IOC_VERSION, fraglab_version, base_zero, 0, 0),
	CMD(FRAGLAB_IOC_ALLOC, fraglab_alloc, base_alloc, 1, 0),
	CMD(FRAGLAB_IOC_FREE, fraglab_handle, base_handle, 0, 0),
	CMD(FRAGLAB_IOC_QUERY, fraglab_query, base_query, 0, 0),
	CMD(FRAGLAB_IOC_BATCH, fraglab_batch, base_batch, 1, 0),
	CMD(FRAGLAB_IOC_SET, fraglab_setting, base_set, 0, 0),
	CMD(FRAGLAB_IOC_GET, fraglab_setting, base_get, 0, 0),
	CMD(FRAGLAB_IOC_CHECK, fraglab_check, base_zero, 0, 0),
	CMD(FRAGLAB_IOC_STATS, fraglab_stats, base_zero, 0, 0),
	CMD(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, base_cache_create, 1, 0),
	CMD(FRAGLAB_IOC_CACHE_DESTROY, fraglab_cache_op, base_cache_op, 0, 0),
	CMD(FRAGLAB_IOC_CACHE_SHRINK, fraglab_cache_op, base_cache_op, 0, 0),
	CMD(FRAGLAB_IOC_OBJ_ALLOC, fraglab_obj, base_obj_alloc, 1, 0),
	CMD(FRAGLAB_IOC_OBJ_FREE, fraglab_obj, base_obj_free, 0, 0),
	CMD(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, base_obj_batch, 1, 0),
	CMD(FRAGLAB_IOC_CACHE_INFO, fraglab_cache_info, base_cache_info, 0, 0),
	CMD(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, base_pool_create, 1, 0),
	CMD(FRAGLAB_IOC_POOL_DESTROY, fraglab_pool_op, base_pool_op, 0, 0),
	CMD(FRAGLAB_IOC_POOL_SET_STRATEGY, fraglab_pool_op, base_pool_op, 0, 0),
	CMD(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, base_pool_alloc, 1, 0),
	CMD(FRAGLAB_IOC_POOL_FREE, fraglab_pool_alloc, base_pool_free, 0, 0),
	CMD(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, base_pool_batch, 1, 0),
	CMD(FRAGLAB_IOC_POOL_INFO, fraglab_pool_info, base_pool_info, 0, 0),
	CMD(FRAGLAB_IOC_POOL_COMPACT, fraglab_pool_compact, base_pool_compact, 0, 0),
	CMD(FRAGLAB_IOC_COMPACT, fraglab_compact, base_compact, 0, 0),
	CMD(FRAGLAB_IOC_HUGEPAGES_ARENA, fraglab_hugepages_arena, base_zero, 0, 0),
	CMD(FRAGLAB_IOC_PROBE_SYSTEM, fraglab_probe_system, base_zero, 0, 1),
	CMD(FRAGLAB_IOC_BENCH, fraglab_bench, base_bench, 0, 1),
	CMD(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, base_page_info, 0, 0),
};

static const struct cmd *find_cmd(unsigned long c)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == c)
			return &cmds[i];
	return NULL;
}

/*
 * One field wrong: build the valid argument, overwrite @len bytes at @off
 * with @val, expect @want.  The baseline must succeed (checked separately).
 */
static void one_wrong(unsigned long c, size_t off, size_t len, uint64_t val,
		      int want, const char *what)
{
	const struct cmd *k = find_cmd(c);
	unsigned char buf[8192];
	int ret;

	memset(buf, 0, sizeof(buf));
	k->base(buf);
	memcpy(buf + off, &val, len);
	ret = xio(fl.fd, c, buf);
	tap_is_int(ret, want, "%s: %s -> %s", k->name, what,
		   want == -EINVAL ? "EINVAL" : want == -ENOTTY ? "ENOTTY" :
		   want == -ENOENT ? "ENOENT" : want == -EFAULT ? "EFAULT" :
		   want == 0 ? "0" : "error");
}

#define WRONG(c, s, field, val, want) \
	one_wrong(c, offsetof(struct s, field), sizeof(((struct s *)0)->field) < 8 ? \
		  sizeof(((struct s *)0)->field) : 8, val, want, #field " = " #val)
#define WRONG_AT(c, s, field, idx, val, want) \
	one_wrong(c, offsetof(struct s, field) + (idx) * 8, 8, val, want, \
		  #field "[" #idx "] = " #val)

static void setup_objects(void)
{
	struct fraglab_alloc a;
	struct fraglab_obj o;
	struct fraglab_pool_create pc;
	struct fraglab_pool_alloc pa;

	if (!tap_is_int(fraglab_alloc(&fl, PAGE, -1, FRAGLAB_MT_MOVABLE, &a), 0, "setup: buddy alloc"))
		tap_bail("no buddy");
	page_handle = a.handle;
	if (!tap_is_int(fraglab_cache_create(&fl, "hostile", 64, 0, 0, &cache_id), 0, "setup: cache"))
		tap_bail("no cache");
	if (!tap_is_int(fraglab_obj_alloc(&fl, cache_id, &o), 0, "setup: object"))
		tap_bail("no object");
	obj_handle = o.handle;
	if (!tap_is_int(fraglab_pool_create(&fl, 256 * 1024, 0, FRAGLAB_POOL_FIRST_FIT, &pc), 0, "setup: pool"))
		tap_bail("no pool");
	pool_id = pc.pool_id;
	if (!tap_is_int(fraglab_pool_alloc(&fl, pool_id, 128, 0, 0, &pa), 0, "setup: pool alloc"))
		tap_bail("no pool alloc");
	pool_handle = pa.handle;
}

static void stats(int fd, struct fraglab_stats *st);

static void test_one_field_wrong(void)
{
	int i;

	/* general + buddy */
	WRONG(FRAGLAB_IOC_VERSION, fraglab_version, api_major, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_VERSION, fraglab_version, reserved, 3, 1, -EINVAL);
	for (i = 0; i < 2; i++)
		one_wrong(FRAGLAB_IOC_ALLOC, offsetof(struct fraglab_alloc, reserved) + i * 8,
			  8, 1, -EINVAL, i ? "reserved[1] = 1" : "reserved[0] = 1");
	for (i = 2; i < 32; i++)
		one_wrong(FRAGLAB_IOC_ALLOC, offsetof(struct fraglab_alloc, flags), 4,
			  1ULL << i, -EINVAL, "unknown flag bit");
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, migratetype, 3, -EINVAL);
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, migratetype, 0xffffffff, -EINVAL);
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, size, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, size, 1ULL << 63, -EINVAL);
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, size, ~0ULL, -EINVAL);
	WRONG(FRAGLAB_IOC_ALLOC, fraglab_alloc, size, (4ULL << 20) + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_FREE, fraglab_handle, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_FREE, fraglab_handle, handle, 0, -ENOENT);
	WRONG(FRAGLAB_IOC_FREE, fraglab_handle, handle, ~0ULL, -ENOENT);
	WRONG(FRAGLAB_IOC_QUERY, fraglab_query, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_QUERY, fraglab_query, reserved, 0, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_QUERY, fraglab_query, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_QUERY, fraglab_query, handle, 1, -ENOENT);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, done, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_BATCH, fraglab_batch, reserved, 0, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_BATCH, fraglab_batch, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, count, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, count, FRAGLAB_BATCH_MAX + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, count, 0xffffffff, -EINVAL);
	/* 0x04000000 * 64 bytes overflows 32 bits: rejected by the limit. */
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, count, 0x04000000, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, op, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, op, 3, -EINVAL);
	WRONG(FRAGLAB_IOC_BATCH, fraglab_batch, ptr, 0, -EFAULT);
	WRONG(FRAGLAB_IOC_SET, fraglab_setting, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_SET, fraglab_setting, reserved, 0, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_SET, fraglab_setting, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_SET, fraglab_setting, key, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_SET, fraglab_setting, key, 99, -EINVAL);
	WRONG(FRAGLAB_IOC_SET, fraglab_setting, value, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_GET, fraglab_setting, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_GET, fraglab_setting, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_GET, fraglab_setting, key, 99, -EINVAL);
	WRONG(FRAGLAB_IOC_CHECK, fraglab_check, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_CHECK, fraglab_check, reserved, 0, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_STATS, fraglab_stats, total_pages, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_STATS, fraglab_stats, pcp_pages, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_STATS, fraglab_stats, unusable_index_9, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_STATS, fraglab_stats, reserved, 1, 1, -EINVAL);

	/* slab */
	WRONG_AT(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, reserved, 0, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, cache_id, 1, -EINVAL);
	for (i = 4; i < 32; i++)
		one_wrong(FRAGLAB_IOC_CACHE_CREATE, offsetof(struct fraglab_cache_create, flags),
			  4, 1ULL << i, -EINVAL, "unknown flag bit");
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, object_size, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, object_size, 32769, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, object_size, 0xffffffff, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, align, 3, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, align, 0x80000000, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_CREATE, fraglab_cache_create, name, 0, -EINVAL);
	one_wrong(FRAGLAB_IOC_CACHE_CREATE, 0, 8, 0x4141414141414141ULL, 0, "name prefix AAAA (valid)");
	{
		/* name without NUL: all 32 bytes set */
		struct fraglab_cache_create c;

		base_cache_create(&c);
		memset(c.name, 'A', sizeof(c.name));
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_CACHE_CREATE, &c), -EINVAL,
			   "FRAGLAB_IOC_CACHE_CREATE: name not NUL-terminated -> EINVAL");
		base_cache_create(&c);
		c.name[0] = '\n';
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_CACHE_CREATE, &c), -EINVAL,
			   "FRAGLAB_IOC_CACHE_CREATE: unprintable name -> EINVAL");
		base_cache_create(&c);
		strcpy(c.name, "hostile");
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_CACHE_CREATE, &c), -EEXIST,
			   "FRAGLAB_IOC_CACHE_CREATE: duplicate name -> EEXIST");
	}
	WRONG(FRAGLAB_IOC_CACHE_DESTROY, fraglab_cache_op, flags, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_DESTROY, fraglab_cache_op, pages, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_CACHE_DESTROY, fraglab_cache_op, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_DESTROY, fraglab_cache_op, cache_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_CACHE_SHRINK, fraglab_cache_op, flags, 0x80000000, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_CACHE_SHRINK, fraglab_cache_op, reserved, 0, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_SHRINK, fraglab_cache_op, cache_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_OBJ_ALLOC, fraglab_obj, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_ALLOC, fraglab_obj, cache_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_OBJ_FREE, fraglab_obj, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_FREE, fraglab_obj, handle, 0x1234, -ENOENT);
	/* the handle exists but belongs to another cache */
	WRONG(FRAGLAB_IOC_OBJ_FREE, fraglab_obj, cache_id, 0xffff, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, done, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, count, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, count, FRAGLAB_BATCH_MAX + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, count, 0x08000000, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, op, 7, -EINVAL);
	WRONG(FRAGLAB_IOC_OBJ_BATCH, fraglab_obj_batch, ptr, 16, -EFAULT);
	WRONG(FRAGLAB_IOC_CACHE_INFO, fraglab_cache_info, flags, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_CACHE_INFO, fraglab_cache_info, reserved, 2, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_CACHE_INFO, fraglab_cache_info, cache_id, 0xffff, -ENOENT);

	/* pools */
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, flags, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, strategy, FRAGLAB_POOL_STRATEGIES, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, granularity, 8, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, granularity, 48, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, granularity, 8192, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, size, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, size, 1ULL << 63, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_CREATE, fraglab_pool_create, size, ~0ULL, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_DESTROY, fraglab_pool_op, value, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_DESTROY, fraglab_pool_op, reserved, 0, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_DESTROY, fraglab_pool_op, pool_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_POOL_SET_STRATEGY, fraglab_pool_op, value, 4, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_SET_STRATEGY, fraglab_pool_op, value, 0xffffffff, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_SET_STRATEGY, fraglab_pool_op, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, flags, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, reserved, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, size, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, size, ~0ULL, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, align, 3, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, align, 1ULL << 63, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_ALLOC, fraglab_pool_alloc, pool_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_POOL_FREE, fraglab_pool_alloc, flags, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_FREE, fraglab_pool_alloc, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_FREE, fraglab_pool_alloc, reserved, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_FREE, fraglab_pool_alloc, handle, 0x99, -ENOENT);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, pad, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, done, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, reserved, 0, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, count, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, count, FRAGLAB_BATCH_MAX + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, op, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_BATCH, fraglab_pool_batch, ptr, 0, -EFAULT);
	WRONG(FRAGLAB_IOC_POOL_INFO, fraglab_pool_info, strategy, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_INFO, fraglab_pool_info, reserved, 3, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_INFO, fraglab_pool_info, pool_id, 0xffff, -ENOENT);
	WRONG(FRAGLAB_IOC_POOL_COMPACT, fraglab_pool_compact, flags, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_POOL_COMPACT, fraglab_pool_compact, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_POOL_COMPACT, fraglab_pool_compact, pool_id, 0xffff, -ENOENT);

	/* compaction */
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, mode, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, order, 11, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, flags, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, threshold, 1001, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_COMPACT, fraglab_compact, reserved, 1, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, policy, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_COMPACT, fraglab_compact, pad2, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_HUGEPAGES_ARENA, fraglab_hugepages_arena, free_pages, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_HUGEPAGES_ARENA, fraglab_hugepages_arena, reserved, 0, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_HUGEPAGES_ARENA, fraglab_hugepages_arena, policy, 2, -EINVAL);
	WRONG(FRAGLAB_IOC_HUGEPAGES_ARENA, fraglab_hugepages_arena, pad, 1, -EINVAL);

	/* probes */
	WRONG(FRAGLAB_IOC_PROBE_SYSTEM, fraglab_probe_system, flags, 4, -EINVAL);
	WRONG(FRAGLAB_IOC_PROBE_SYSTEM, fraglab_probe_system, flags, FRAGLAB_PROBE_TRY_COMPACT, -EINVAL);
	WRONG(FRAGLAB_IOC_PROBE_SYSTEM, fraglab_probe_system, try_count, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_PROBE_SYSTEM, fraglab_probe_system, reserved, 2, 1, -EINVAL);

	/* bench */
	WRONG(FRAGLAB_IOC_BENCH, fraglab_bench, which, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_BENCH, fraglab_bench, which, 8, -EINVAL);
	WRONG(FRAGLAB_IOC_BENCH, fraglab_bench, runs, FRAGLAB_BENCH_MAX_RUNS + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_BENCH, fraglab_bench, iterations, FRAGLAB_BENCH_MAX_ITERS + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_BENCH, fraglab_bench, pad, 1, -EINVAL);
	WRONG_AT(FRAGLAB_IOC_BENCH, fraglab_bench, reserved, 0, 1, -EINVAL);

	/* arena map: each field wrong on its own */
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, flags, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, index_pages, 1, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, arena_pages, 1, -EINVAL);
	for (i = 0; i < 4; i++) {
		static const char *const what[] = {
			"reserved[0] = 1 << 63", "reserved[1] = 1 << 63",
			"reserved[2] = 1 << 63", "reserved[3] = 1 << 63",
		};

		one_wrong(FRAGLAB_IOC_PAGE_INFO,
			  offsetof(struct fraglab_page_info, reserved) + i * 8, 8,
			  1ULL << 63, -EINVAL, what[i]);
	}
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, count, 0, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, count, FRAGLAB_PAGE_INFO_MAX + 1, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, count, 0xffffffff, -EINVAL);
	one_wrong(FRAGLAB_IOC_PAGE_INFO, offsetof(struct fraglab_page_info, first),
		  8, index_pages, -EINVAL, "first = index_pages");
	one_wrong(FRAGLAB_IOC_PAGE_INFO, offsetof(struct fraglab_page_info, first),
		  8, index_pages - 8, -EINVAL,
		  "first = index_pages - 8 with count 16 (first + count beyond the arena)");
	one_wrong(FRAGLAB_IOC_PAGE_INFO, offsetof(struct fraglab_page_info, first),
		  8, index_pages - 16, 0, "first = index_pages - 16, count 16 (the last pages: fine)");
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, first, 0xfffffffffffffff8ULL, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, first, 1ULL << 32, -EINVAL);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, ptr, 0, -EFAULT);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, ptr, 16, -EFAULT);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, ptr, 0xffff888000000000ULL, -EFAULT);
	WRONG(FRAGLAB_IOC_PAGE_INFO, fraglab_page_info, ptr, 0x8000000000000000ULL, -EFAULT);
	{
		/* an array that ends in an unmapped page: the copy out faults */
		unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct fraglab_page_info q;
		struct fraglab_stats before, after;

		munmap(m + PAGE, PAGE);
		base_page_info(&q);
		q.ptr = (uintptr_t)(m + PAGE - 8 * sizeof(struct fraglab_page));
		stats(fl.fd, &before);
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_PAGE_INFO, &q), -EFAULT,
			   "FRAGLAB_IOC_PAGE_INFO: array of 16 with only 8 mapped -> EFAULT");
		mprotect(m, PAGE, PROT_READ);
		q.ptr = (uintptr_t)m;
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_PAGE_INFO, &q), -EFAULT,
			   "FRAGLAB_IOC_PAGE_INFO: read-only array -> EFAULT");
		stats(fl.fd, &after);
		tap_is_int(after.free_pages, before.free_pages,
			   "FRAGLAB_IOC_PAGE_INFO faults change nothing");
		munmap(m, PAGE);
	}
}

static void test_sizes_and_numbers(void)
{
	unsigned char buf[8192];
	size_t i;
	int bad = 0, n = 0;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		unsigned long c = cmds[i].cmd;
		unsigned long sizes[] = { 0, 8, _IOC_SIZE(c) - 8, _IOC_SIZE(c) + 8, 0x3fff };
		size_t s;

		for (s = 0; s < 5; s++) {
			memset(buf, 0, sizeof(buf));
			n++;
			if (xio(fl.fd, _IOC(_IOC_READ | _IOC_WRITE, FRAGLAB_IOC_MAGIC,
					    _IOC_NR(c), sizes[s]), buf) != -ENOTTY)
				bad++;
		}
		n += 3;
		if (xio(fl.fd, _IOC(_IOC_READ, FRAGLAB_IOC_MAGIC, _IOC_NR(c), _IOC_SIZE(c)), buf) != -ENOTTY)
			bad++;
		if (xio(fl.fd, _IOC(_IOC_WRITE, FRAGLAB_IOC_MAGIC, _IOC_NR(c), _IOC_SIZE(c)), buf) != -ENOTTY)
			bad++;
		if (xio(fl.fd, _IOC(_IOC_NONE, FRAGLAB_IOC_MAGIC, _IOC_NR(c), 0), buf) != -ENOTTY)
			bad++;
	}
	tap_is_int(bad, 0, "every command with a wrong size/direction in cmd -> ENOTTY (%d tried)", n);

	/* every nr of the magic that is not a command */
	bad = 0;
	for (i = 0; i < 256; i++) {
		unsigned long c = _IOWR(FRAGLAB_IOC_MAGIC, i, struct fraglab_alloc);

		if (find_cmd(c))
			continue;
		memset(buf, 0, sizeof(buf));
		if (xio(fl.fd, c, buf) != -ENOTTY)
			bad++;
	}
	tap_is_int(bad, 0, "all 256 nrs of the magic that are not commands -> ENOTTY");

	/* random command numbers, in and out of the magic */
	bad = 0;
	for (i = 0; i < 20000; i++) {
		unsigned long c = (uint32_t)rnd();

		if (i & 1)
			c = (c & ~0xff00UL) | (FRAGLAB_IOC_MAGIC << 8);
		if (find_cmd(c))
			continue;
		memset(buf, 0, sizeof(buf));
		if (xio(fl.fd, c, buf) != -ENOTTY)
			bad++;
	}
	tap_is_int(bad, 0, "20000 random command numbers (half with the magic) -> ENOTTY");
}

static void stats(int fd, struct fraglab_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, FRAGLAB_IOC_STATS, st))
		memset(st, 0xff, sizeof(*st));
}

static void test_fault_pointers(void)
{
	void *unmapped = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct { const char *name; void *p; } ptrs[] = {
		{ "NULL", NULL }, { "16", (void *)16 },
		{ "kernel 0xffff888000000000", (void *)0xffff888000000000UL },
		{ "kernel 0xffffffff81000000", (void *)0xffffffff81000000UL },
		{ "non-canonical 0x8000000000000000", (void *)0x8000000000000000UL },
		{ "munmapped page", unmapped },
	};
	struct fraglab_stats before, after;
	size_t i, p;
	int bad = 0, robad = 0;

	munmap(unmapped, PAGE);
	stats(fl.fd, &before);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		for (p = 0; p < sizeof(ptrs) / sizeof(ptrs[0]); p++) {
			int ret = xio(fl.fd, cmds[i].cmd, ptrs[p].p);

			if (ret != -EFAULT) {
				bad++;
				tap_diag("%s(%s) = %d", cmds[i].name, ptrs[p].name, ret);
			}
		}
	tap_is_int(bad, 0, "every command x 6 faulting pointers -> EFAULT");
	/* read-only argument: the copy in works, the copy out must fail cleanly */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int ret = xio(fl.fd, cmds[i].cmd, ro);

		if (ret != -EFAULT && ret != -EINVAL && ret != -ENOENT) {
			robad++;
			tap_diag("%s(read-only zero page) = %d", cmds[i].name, ret);
		}
	}
	tap_is_int(robad, 0, "every command on a read-only zero page -> EFAULT/EINVAL/ENOENT");
	{
		/* a valid ALLOC whose result cannot be written back */
		struct fraglab_alloc *a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		base_alloc(a);
		mprotect(a, PAGE, PROT_READ);
		tap_is_int(xio(fl.fd, FRAGLAB_IOC_ALLOC, a), -EFAULT,
			   "ALLOC with a read-only argument -> EFAULT");
		munmap(a, PAGE);
	}
	munmap(ro, PAGE);
	stats(fl.fd, &after);
	tap_is_int(after.free_pages, before.free_pages, "faulting pointers leaked no pages");
	tap_is_int(after.nr_allocated, before.nr_allocated, "faulting pointers leaked no allocations");
}

/* @n alloc elements of one page each, movable. */
static void page_elems(struct fraglab_alloc *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].size = PAGE;
		a[i].migratetype = 1;
	}
}

/* FRAGLAB_IOC_BATCH ALLOC of @count elements at @a; @b gets ->done. */
static int alloc_batch_at(int fd, struct fraglab_alloc *a, uint32_t count,
			  struct fraglab_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->ptr = (uintptr_t)a;
	b->count = count;
	b->op = FRAGLAB_BATCH_ALLOC;
	return xio(fd, FRAGLAB_IOC_BATCH, b);
}

static void test_batch_straddle(void)
{
	unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fraglab_alloc *a;
	struct fraglab_batch b;
	struct fraglab_stats before, after;
	struct fraglab other;
	size_t i;
	int ret;

	if (!tap_is_int(fraglab_open(&other, NULL), 0, "straddle: open second fd"))
		return;
	stats(other.fd, &before);
	munmap(m + PAGE, PAGE);
	/* 4 elements fit before the hole, the 5th crosses into it */
	a = (struct fraglab_alloc *)(m + PAGE - 4 * sizeof(*a));
	page_elems(a, 4);
	ret = alloc_batch_at(other.fd, a, 8, &b);
	tap_is_int(ret, -EFAULT, "alloc batch straddling an unmapped page -> EFAULT");
	tap_is_int(b.done, 4, "alloc batch: done = 4 (the elements before the hole)");
	for (i = 0; i < 4; i++)
		if (a[i].result || !a[i].handle)
			break;
	tap_is_int(i, 4, "alloc batch: the 4 processed elements have results and handles");

	{
		struct fraglab_handle *h = (struct fraglab_handle *)(m + PAGE - 2 * sizeof(*h));

		memset(h, 0, 2 * sizeof(*h));
		h[0].handle = a[0].handle;
		h[1].handle = a[1].handle;
		memset(&b, 0, sizeof(b));
		b.ptr = (uintptr_t)h;
		b.count = 5;
		b.op = FRAGLAB_BATCH_FREE;
		ret = xio(other.fd, FRAGLAB_IOC_BATCH, &b);
		tap_is_int(ret, -EFAULT, "free batch straddling an unmapped page -> EFAULT");
		tap_is_int(b.done, 2, "free batch: done = 2");
	}
	{
		struct fraglab_obj *o;
		struct fraglab_obj_batch ob;
		uint32_t cid;

		if (fraglab_cache_create(&other, "straddle", 32, 0, 0, &cid) == 0) {
			o = (struct fraglab_obj *)(m + PAGE - 3 * sizeof(*o));
			memset(o, 0, 3 * sizeof(*o));
			for (i = 0; i < 3; i++)
				o[i].cache_id = cid;
			memset(&ob, 0, sizeof(ob));
			ob.ptr = (uintptr_t)o;
			ob.count = 10;
			ob.op = FRAGLAB_OBJ_BATCH_ALLOC;
			ret = xio(other.fd, FRAGLAB_IOC_OBJ_BATCH, &ob);
			tap_is_int(ret, -EFAULT, "object batch straddling an unmapped page -> EFAULT");
			tap_is_int(ob.done, 3, "object batch: done = 3");
		} else {
			tap_fail("cache create", "straddle: cache");
		}
	}
	{
		struct fraglab_pool_alloc *pa;
		struct fraglab_pool_batch pb;
		struct fraglab_pool_create pc;

		if (fraglab_pool_create(&other, 64 * 1024, 0, 0, &pc) == 0) {
			pa = (struct fraglab_pool_alloc *)(m + PAGE - 2 * sizeof(*pa));
			memset(pa, 0, 2 * sizeof(*pa));
			for (i = 0; i < 2; i++) {
				pa[i].pool_id = pc.pool_id;
				pa[i].size = 100;
			}
			memset(&pb, 0, sizeof(pb));
			pb.ptr = (uintptr_t)pa;
			pb.count = 3;
			pb.op = FRAGLAB_POOL_BATCH_ALLOC;
			ret = xio(other.fd, FRAGLAB_IOC_POOL_BATCH, &pb);
			tap_is_int(ret, -EFAULT, "pool batch straddling an unmapped page -> EFAULT");
			tap_is_int(pb.done, 2, "pool batch: done = 2");
		} else {
			tap_fail("pool create", "straddle: pool");
		}
	}
	munmap(m, PAGE);
	fraglab_close(&other);
	stats(fl.fd, &after);
	tap_is_int(after.nr_allocated, before.nr_allocated,
		   "straddling batches: nothing leaked after close");
}

/*
 * The copy in works but the copy out faults part-way: the array starts
 * on a writable page and its third element runs into a read-only one.
 * The two elements written back stay allocated (done = 2), the one
 * written in part and the five after it are undone.
 */
static void test_batch_readonly_tail(void)
{
	unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fraglab_stats before, after;
	struct fraglab_alloc *a;
	struct fraglab_batch b;
	uint64_t h[2];
	int ret;

	if (!tap_ok(m != MAP_FAILED, "readonly tail: mmap"))
		return;
	a = (struct fraglab_alloc *)(m + PAGE - 2 * sizeof(*a) - 24);
	page_elems(a, 8);
	mprotect(m + PAGE, PAGE, PROT_READ);
	stats(fl.fd, &before);
	ret = alloc_batch_at(fl.fd, a, 8, &b);
	tap_is_int(ret, -EFAULT, "alloc batch whose write-back hits a read-only page -> EFAULT");
	tap_is_int(b.done, 2, "readonly tail: done = 2 (the elements written back whole)");
	stats(fl.fd, &after);
	tap_is_int(after.nr_allocated, before.nr_allocated + 2,
		   "readonly tail: exactly the 2 reported allocations are live");
	h[0] = a[0].handle;
	h[1] = a[1].handle;
	tap_ok(!a[0].result && !a[1].result && h[0] && h[1],
	       "readonly tail: the 2 reported elements have results and handles");
	tap_is_int(fraglab_free(&fl, h[0]) | fraglab_free(&fl, h[1]), 0,
		   "readonly tail: their handles free");
	stats(fl.fd, &after);
	tap_is_int(after.nr_allocated, before.nr_allocated,
		   "readonly tail: nothing leaked");
	munmap(m, 2 * PAGE);
}

static void test_mmap(void)
{
	struct fraglab_alloc a;
	struct fraglab_query q;
	void *p;
	off_t off;

	if (!tap_is_int(fraglab_alloc(&fl, 2 * PAGE, -1, 1, &a), 0, "mmap: alloc 2 pages"))
		return;
	fraglab_query(&fl, a.handle, &q);
	off = q.mmap_offset;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fl.fd, off);
	tap_ok(p != MAP_FAILED, "mmap: the valid mapping works");
	if (p != MAP_FAILED) {
		void *q2 = mremap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);

		tap_ok(q2 == MAP_FAILED, "mremap growing the mapping fails (VM_DONTEXPAND) errno %d", errno);
		if (q2 != MAP_FAILED)
			p = q2;
		munmap(p, q2 != MAP_FAILED ? 4 * PAGE : 2 * PAGE);
	}
	bad_inputs += 10;
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fl.fd, off);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "mmap MAP_PRIVATE -> EINVAL");
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fl.fd, off);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "mmap beyond the allocation -> EINVAL");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, off + 2 * PAGE);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "mmap offset past the end -> EINVAL");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, 0);
	tap_ok(p == MAP_FAILED && errno == ENOENT, "mmap offset 0 (no id) -> ENOENT (errno %d)", errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, (off_t)0x7fff0000000000LL);
	tap_ok(p == MAP_FAILED, "mmap offset not a handle -> fails (errno %d)", errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, off + 4096 * 3);
	tap_ok(p == MAP_FAILED, "mmap offset inside but beyond -> fails");
	p = mmap(NULL, 0, PROT_READ, MAP_SHARED, fl.fd, off);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "mmap length 0 -> EINVAL");
	p = mmap(NULL, 1UL << 46, PROT_READ, MAP_SHARED, fl.fd, off);
	tap_ok(p == MAP_FAILED, "mmap huge length -> fails (errno %d)", errno);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fl.fd, (off_t)0x7ffffffffffff000LL);
	tap_ok(p == MAP_FAILED, "mmap offset+len overflowing -> fails (errno %d)", errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, off + 1);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "mmap unaligned offset -> EINVAL");
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fl.fd, off);
	tap_ok(p == MAP_FAILED && errno == EPERM, "mmap PROT_EXEC -> EPERM (arena pages are data)");
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fl.fd, off);
	if (tap_ok(p != MAP_FAILED, "mmap PROT_READ")) {
		tap_ok(mprotect(p, PAGE, PROT_READ | PROT_EXEC) == -1 && errno == EACCES,
		       "mprotect to PROT_EXEC -> EACCES (no VM_MAYEXEC)");
		munmap(p, PAGE);
	}
	tap_is_int(fraglab_free(&fl, a.handle), 0, "mmap: free");
}

static void test_rw_lseek(void)
{
	char buf[16];
	ssize_t n;
	off_t o;

	bad_inputs += 3;
	errno = 0;
	n = read(fl.fd, buf, sizeof(buf));
	tap_ok(n < 0 && errno == EINVAL, "read() on the device -> EINVAL (got %zd errno %d)", n, errno);
	errno = 0;
	n = write(fl.fd, buf, sizeof(buf));
	tap_ok(n < 0 && errno == EINVAL, "write() on the device -> EINVAL (got %zd errno %d)", n, errno);
	o = lseek(fl.fd, 12345, SEEK_SET);
	tap_diag("lseek(12345) = %lld (noop_llseek: position unchanged, no error)", (long long)o);
	tap_ok(o >= 0, "lseek() is harmless (noop_llseek)");
}

static void test_foreign_handles(void)
{
	struct fraglab other;
	struct fraglab_handle h;
	struct fraglab_query q;
	struct fraglab_obj o;
	struct fraglab_pool_alloc pa;
	struct fraglab_cache_op co;
	struct fraglab_cache_info ci;
	struct fraglab_pool_op po;
	struct fraglab_pool_info pi;
	struct fraglab_pool_compact pcp;
	struct fraglab_handle hb;
	struct fraglab_batch b;
	struct fraglab_obj_batch ob;
	struct fraglab_pool_batch pb;

	if (!tap_is_int(fraglab_open(&other, NULL), 0, "foreign: open second fd"))
		return;
	bad_inputs += 16;
	memset(&h, 0, sizeof(h));
	h.handle = page_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_FREE, &h), -ENOENT, "foreign fd: FREE -> ENOENT");
	memset(&q, 0, sizeof(q));
	q.handle = page_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_QUERY, &q), -ENOENT, "foreign fd: QUERY page -> ENOENT");
	q.handle = obj_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_QUERY, &q), -ENOENT, "foreign fd: QUERY object -> ENOENT");
	q.handle = pool_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_QUERY, &q), -ENOENT, "foreign fd: QUERY pool alloc -> ENOENT");
	memset(&hb, 0, sizeof(hb));
	hb.handle = page_handle;
	memset(&b, 0, sizeof(b));
	b.ptr = (uintptr_t)&hb;
	b.count = 1;
	b.op = FRAGLAB_BATCH_FREE;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_BATCH, &b), -ENOENT, "foreign fd: BATCH FREE -> ENOENT");
	tap_is_int(hb.result, -ENOENT, "foreign fd: BATCH FREE element result ENOENT");
	memset(&o, 0, sizeof(o));
	o.cache_id = cache_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_OBJ_ALLOC, &o), -ENOENT, "foreign fd: OBJ_ALLOC in foreign cache -> ENOENT");
	o.handle = obj_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_OBJ_FREE, &o), -ENOENT, "foreign fd: OBJ_FREE -> ENOENT");
	memset(&o, 0, sizeof(o));
	o.cache_id = cache_id;
	o.handle = obj_handle;
	memset(&ob, 0, sizeof(ob));
	ob.ptr = (uintptr_t)&o;
	ob.count = 1;
	ob.op = FRAGLAB_OBJ_BATCH_FREE;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_OBJ_BATCH, &ob), -ENOENT, "foreign fd: OBJ_BATCH FREE -> ENOENT");
	memset(&co, 0, sizeof(co));
	co.cache_id = cache_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_CACHE_SHRINK, &co), -ENOENT, "foreign fd: CACHE_SHRINK -> ENOENT");
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_CACHE_DESTROY, &co), -ENOENT, "foreign fd: CACHE_DESTROY -> ENOENT");
	memset(&ci, 0, sizeof(ci));
	ci.cache_id = cache_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_CACHE_INFO, &ci), -ENOENT, "foreign fd: CACHE_INFO -> ENOENT");
	memset(&pa, 0, sizeof(pa));
	pa.pool_id = pool_id;
	pa.size = 64;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_ALLOC, &pa), -ENOENT, "foreign fd: POOL_ALLOC -> ENOENT");
	memset(&pa, 0, sizeof(pa));
	pa.pool_id = pool_id;
	pa.handle = pool_handle;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_FREE, &pa), -ENOENT, "foreign fd: POOL_FREE -> ENOENT");
	memset(&pb, 0, sizeof(pb));
	pb.ptr = (uintptr_t)&pa;
	pb.count = 1;
	pb.op = FRAGLAB_POOL_BATCH_FREE;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_BATCH, &pb), -ENOENT, "foreign fd: POOL_BATCH FREE -> ENOENT");
	memset(&po, 0, sizeof(po));
	po.pool_id = pool_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_SET_STRATEGY, &po), -ENOENT, "foreign fd: POOL_SET_STRATEGY -> ENOENT");
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_DESTROY, &po), -ENOENT, "foreign fd: POOL_DESTROY -> ENOENT");
	memset(&pi, 0, sizeof(pi));
	pi.pool_id = pool_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_INFO, &pi), -ENOENT, "foreign fd: POOL_INFO -> ENOENT");
	memset(&pcp, 0, sizeof(pcp));
	pcp.pool_id = pool_id;
	tap_is_int(fraglab_ioctl(&other, FRAGLAB_IOC_POOL_COMPACT, &pcp), -ENOENT, "foreign fd: POOL_COMPACT -> ENOENT");
	{
		struct fraglab_query mq;
		void *p;

		memset(&mq, 0, sizeof(mq));
		mq.handle = page_handle;
		fraglab_ioctl(&fl, FRAGLAB_IOC_QUERY, &mq);
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, other.fd, mq.mmap_offset);
		tap_ok(p == MAP_FAILED && errno == ENOENT, "foreign fd: mmap another fd's allocation -> ENOENT");
	}
	fraglab_close(&other);
	tap_is_int(fraglab_query(&fl, page_handle, &q), 0, "the owner still has its allocation");
}

/* Random argument for @k: pure random bytes or small-valued words. */
static void random_arg(unsigned char *buf, size_t size, int structured)
{
	size_t i;

	for (i = 0; i < size; i += 8) {
		uint64_t v = rnd(), r = rnd() % 8;

		if (structured) {
			if (r < 4)
				v = 0;
			else if (r < 6)
				v = rnd() % 8;
			else if (r == 6)
				v = (uint32_t)v;
		}
		memcpy(buf + i, &v, size - i < 8 ? size - i : 8);
	}
}

static void test_random_bytes(void)
{
	unsigned char buf[8192];
	struct fraglab f;
	struct fraglab_stats st;
	unsigned long ok = 0, err = 0, weird = 0, iters = 0;
	size_t i;
	int it, ret;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct cmd *k = &cmds[i];
		int n = k->slow ? 300 : 3000;

		if (fraglab_open(&f, NULL)) {
			tap_fail("open", "random: open for %s", k->name);
			continue;
		}
		/* something to hit: one alloc of each kind on this fd */
		{
			struct fraglab_alloc a;
			uint32_t cid;

			fraglab_alloc(&f, PAGE, -1, 1, &a);
			fraglab_cache_create(&f, "r", 16, 0, 0, &cid);
			fraglab_pool_create(&f, 64 * 1024, 0, 0, NULL);
		}
		for (it = 0; it < n; it++) {
			int structured = !k->slow && (it & 1);

			random_arg(buf, k->size, structured);
			if (k->cmd == FRAGLAB_IOC_SET && structured)
				buf[0] = 0;	/* don't flip the arena-wide settings at random */
			iters++;
			ret = xio(f.fd, k->cmd, buf);
			if (!ret)
				ok++;
			else if (ret == -EINVAL || ret == -EFAULT || ret == -ENOENT ||
				 ret == -ENOMEM || ret == -ENOSPC || ret == -EEXIST ||
				 ret == -EBUSY || ret == -E2BIG || ret == -ERANGE)
				err++;
			else {
				if (weird++ < 5)
					tap_diag("%s random arg -> %d", k->name, ret);
			}
		}
		fraglab_close(&f);	/* frees whatever succeeded */
	}
	tap_diag("random structs: %lu calls, %lu succeeded, %lu clean errors", iters, ok, err);
	tap_is_int(weird, 0, "random structs for every command: only clean errnos");
	/* settings back to defaults in case random SETs succeeded */
	fraglab_set(&fl, FRAGLAB_SET_GROUP_BY_MOBILITY, 1);
	fraglab_set(&fl, FRAGLAB_SET_PROACTIVE, 0);
	stats(fl.fd, &st);
	tap_ok(st.total_pages != ~0ULL, "stats readable after random input");
}

static void test_baselines(void)
{
	unsigned char buf[8192];
	size_t i;

	/* each base must be valid, or the one-field-wrong tests prove nothing */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct cmd *k = &cmds[i];
		int ret;

		if (k->slow || k->cmd == FRAGLAB_IOC_FREE || k->cmd == FRAGLAB_IOC_CACHE_DESTROY ||
		    k->cmd == FRAGLAB_IOC_OBJ_FREE || k->cmd == FRAGLAB_IOC_POOL_DESTROY ||
		    k->cmd == FRAGLAB_IOC_POOL_FREE)
			continue;
		memset(buf, 0, sizeof(buf));
		k->base(buf);
		ret = ioctl(fl.fd, k->cmd, buf) < 0 ? -errno : 0;
		tap_is_int(ret, 0, "baseline valid: %s", k->name);
		if (!ret && k->creates) {
			if (k->cmd == FRAGLAB_IOC_ALLOC)
				fraglab_free(&fl, ((struct fraglab_alloc *)buf)->handle);
			else if (k->cmd == FRAGLAB_IOC_BATCH)
				fraglab_free(&fl, batch_elem[0].handle);
			else if (k->cmd == FRAGLAB_IOC_CACHE_CREATE)
				fraglab_cache_destroy(&fl, ((struct fraglab_cache_create *)buf)->cache_id);
			else if (k->cmd == FRAGLAB_IOC_OBJ_ALLOC)
				fraglab_obj_free(&fl, cache_id, ((struct fraglab_obj *)buf)->handle);
			else if (k->cmd == FRAGLAB_IOC_OBJ_BATCH)
				fraglab_obj_free(&fl, cache_id, obj_elem[0].handle);
			else if (k->cmd == FRAGLAB_IOC_POOL_CREATE)
				fraglab_pool_destroy(&fl, ((struct fraglab_pool_create *)buf)->pool_id);
			else if (k->cmd == FRAGLAB_IOC_POOL_ALLOC)
				fraglab_pool_free(&fl, pool_id, ((struct fraglab_pool_alloc *)buf)->handle);
			else if (k->cmd == FRAGLAB_IOC_POOL_BATCH)
				fraglab_pool_free(&fl, pool_id, pool_elem[0].handle);
		}
	}
}

int main(void)
{
	struct fraglab_stats st;
	char msg[128];
	int ret;

	if (!tap_ok(fl_box_load(NULL) == 0, "insmod fraglab"))
		return tap_done();
	if (!tap_is_int(fraglab_open(&fl, NULL), 0, "open %s", FRAGLAB_DEVICE))
		tap_bail("cannot open");
	setup_objects();
	ret = fraglab_page_info(&fl, 0, 0, NULL, &index_pages);
	if (!tap_is_int(ret, 0, "setup: arena page-index space (%" PRIu64 " pages)",
			index_pages) || index_pages < 32)
		tap_bail("no page info");
	test_baselines();
	test_one_field_wrong();
	test_sizes_and_numbers();
	test_fault_pointers();
	test_batch_straddle();
	test_batch_readonly_tail();
	test_mmap();
	test_rw_lseek();
	test_foreign_handles();
	test_random_bytes();

	ret = fraglab_check(&fl, msg, sizeof(msg));
	tap_is_int(ret, 0, "invariant checker clean after hostile input%s%s", ret ? ": " : "", ret ? msg : "");
	fraglab_close(&fl);
	if (!fraglab_open(&fl, NULL)) {
		stats(fl.fd, &st);
		tap_is_int(st.free_pages, st.total_pages, "all arena pages free after closing every fd");
		tap_is_int(st.nr_allocated, 0, "no allocation left");
		ret = fraglab_check(&fl, msg, sizeof(msg));
		tap_is_int(ret, 0, "invariant checker clean at the end%s%s", ret ? ": " : "", ret ? msg : "");
		fraglab_close(&fl);
	}
	tap_diag("bad inputs tried: %lu", bad_inputs);
	tap_ok(fl_box_unload() == 0, "rmmod fraglab");
	return tap_done();
}
