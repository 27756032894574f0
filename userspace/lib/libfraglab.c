// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libfraglab.c - open /dev/fraglab, check the ABI version, and one thin
 * function per ioctl.  See fraglab.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fraglab.h"

int fraglab_ioctl(struct fraglab *fl, unsigned long cmd, void *arg)
{
	int ret;

	do {
		ret = ioctl(fl->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int fraglab_open(struct fraglab *fl, const char *path)
{
	int ret;

	memset(fl, 0, sizeof(*fl));
	fl->fd = open(path ? path : FRAGLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (fl->fd < 0)
		return -errno;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_VERSION, &fl->version);
	if (ret)
		goto close_fd;
	if (fl->version.api_major != FRAGLAB_API_MAJOR) {
		ret = -EPROTO;
		goto close_fd;
	}
	return 0;

close_fd:
	close(fl->fd);
	fl->fd = -1;
	return ret;
}

void fraglab_close(struct fraglab *fl)
{
	if (fl->fd >= 0)
		close(fl->fd);
	fl->fd = -1;
}

int fraglab_alloc(struct fraglab *fl, uint64_t size, int order,
		  unsigned int migratetype, struct fraglab_alloc *out)
{
	struct fraglab_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = size;
	a.migratetype = migratetype;
	if (order >= 0) {
		a.order = order;
		a.flags = FRAGLAB_ALLOC_BY_ORDER;
	}
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_ALLOC, &a);
	if (!ret && out)
		*out = a;
	return ret;
}

int fraglab_free(struct fraglab *fl, uint64_t handle)
{
	struct fraglab_handle h = { .handle = handle };

	return fraglab_ioctl(fl, FRAGLAB_IOC_FREE, &h);
}

int fraglab_query(struct fraglab *fl, uint64_t handle, struct fraglab_query *q)
{
	memset(q, 0, sizeof(*q));
	q->handle = handle;
	return fraglab_ioctl(fl, FRAGLAB_IOC_QUERY, q);
}

static int fraglab_batch(struct fraglab *fl, uint32_t op, void *ptr,
			 uint32_t count, uint32_t *done)
{
	struct fraglab_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ptr = (uintptr_t)ptr;
	b.count = count;
	b.op = op;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_BATCH, &b);
	if (done)
		*done = b.done;
	return ret;
}

int fraglab_alloc_batch(struct fraglab *fl, struct fraglab_alloc *reqs,
			uint32_t count, uint32_t *done)
{
	return fraglab_batch(fl, FRAGLAB_BATCH_ALLOC, reqs, count, done);
}

int fraglab_free_batch(struct fraglab *fl, struct fraglab_handle *hs,
		       uint32_t count, uint32_t *done)
{
	return fraglab_batch(fl, FRAGLAB_BATCH_FREE, hs, count, done);
}

int fraglab_mmap(struct fraglab *fl, uint64_t handle, void **addr, size_t *len)
{
	struct fraglab_query q;
	void *p;
	int ret;

	ret = fraglab_query(fl, handle, &q);
	if (ret)
		return ret;
	if (q.kind != FRAGLAB_KIND_PAGES)
		return -EINVAL;
	p = mmap(NULL, q.granted, PROT_READ | PROT_WRITE, MAP_SHARED, fl->fd,
		 (off_t)q.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	*len = q.granted;
	return 0;
}

int fraglab_munmap(void *addr, size_t len)
{
	return munmap(addr, len) ? -errno : 0;
}

int fraglab_set(struct fraglab *fl, uint32_t key, uint64_t value)
{
	struct fraglab_setting s;

	memset(&s, 0, sizeof(s));
	s.key = key;
	s.value = value;
	return fraglab_ioctl(fl, FRAGLAB_IOC_SET, &s);
}

int fraglab_get(struct fraglab *fl, uint32_t key, uint64_t *value)
{
	struct fraglab_setting s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.key = key;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_GET, &s);
	if (!ret)
		*value = s.value;
	return ret;
}

int fraglab_check(struct fraglab *fl, char *msg, size_t len)
{
	struct fraglab_check c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_CHECK, &c);
	if (ret)
		return ret;
	if (msg && len) {
		c.message[sizeof(c.message) - 1] = '\0';
		snprintf(msg, len, "%s", c.message);
	}
	return c.result;
}

int fraglab_stats(struct fraglab *fl, struct fraglab_stats *st)
{
	memset(st, 0, sizeof(*st));
	return fraglab_ioctl(fl, FRAGLAB_IOC_STATS, st);
}

int fraglab_cache_create(struct fraglab *fl, const char *name,
			 uint32_t object_size, uint32_t align, uint32_t flags,
			 uint32_t *cache_id)
{
	struct fraglab_cache_create cc;
	int ret;

	memset(&cc, 0, sizeof(cc));
	if (strlen(name) >= sizeof(cc.name))
		return -EINVAL;
	strcpy(cc.name, name);
	cc.object_size = object_size;
	cc.align = align;
	cc.flags = flags;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_CACHE_CREATE, &cc);
	if (!ret && cache_id)
		*cache_id = cc.cache_id;
	return ret;
}

static int fraglab_cache_op(struct fraglab *fl, unsigned long cmd,
			    uint32_t cache_id, uint64_t *pages)
{
	struct fraglab_cache_op op;
	int ret;

	memset(&op, 0, sizeof(op));
	op.cache_id = cache_id;
	ret = fraglab_ioctl(fl, cmd, &op);
	if (!ret && pages)
		*pages = op.pages;
	return ret;
}

int fraglab_cache_destroy(struct fraglab *fl, uint32_t cache_id)
{
	return fraglab_cache_op(fl, FRAGLAB_IOC_CACHE_DESTROY, cache_id, NULL);
}

int fraglab_cache_shrink(struct fraglab *fl, uint32_t cache_id,
			 uint64_t *pages)
{
	return fraglab_cache_op(fl, FRAGLAB_IOC_CACHE_SHRINK, cache_id, pages);
}

int fraglab_cache_info(struct fraglab *fl, uint32_t cache_id,
		       struct fraglab_cache_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->cache_id = cache_id;
	return fraglab_ioctl(fl, FRAGLAB_IOC_CACHE_INFO, ci);
}

int fraglab_obj_alloc(struct fraglab *fl, uint32_t cache_id,
		      struct fraglab_obj *out)
{
	struct fraglab_obj o;
	int ret;

	memset(&o, 0, sizeof(o));
	o.cache_id = cache_id;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_OBJ_ALLOC, &o);
	if (!ret && out)
		*out = o;
	return ret;
}

int fraglab_obj_free(struct fraglab *fl, uint32_t cache_id, uint64_t handle)
{
	struct fraglab_obj o;

	memset(&o, 0, sizeof(o));
	o.cache_id = cache_id;
	o.handle = handle;
	return fraglab_ioctl(fl, FRAGLAB_IOC_OBJ_FREE, &o);
}

int fraglab_obj_batch(struct fraglab *fl, uint32_t op, struct fraglab_obj *objs,
		      uint32_t count, uint32_t *done)
{
	struct fraglab_obj_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ptr = (uintptr_t)objs;
	b.count = count;
	b.op = op;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_OBJ_BATCH, &b);
	if (done)
		*done = b.done;
	return ret;
}

int fraglab_pool_create(struct fraglab *fl, uint64_t size, uint32_t granularity,
			uint32_t strategy, struct fraglab_pool_create *pc)
{
	struct fraglab_pool_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.granularity = granularity;
	c.strategy = strategy;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_POOL_CREATE, &c);
	if (!ret && pc)
		*pc = c;
	return ret;
}

static int fraglab_pool_op(struct fraglab *fl, unsigned long cmd,
			   uint32_t pool_id, uint32_t value)
{
	struct fraglab_pool_op op;

	memset(&op, 0, sizeof(op));
	op.pool_id = pool_id;
	op.value = value;
	return fraglab_ioctl(fl, cmd, &op);
}

int fraglab_pool_destroy(struct fraglab *fl, uint32_t pool_id)
{
	return fraglab_pool_op(fl, FRAGLAB_IOC_POOL_DESTROY, pool_id, 0);
}

int fraglab_pool_set_strategy(struct fraglab *fl, uint32_t pool_id,
			      uint32_t strategy)
{
	return fraglab_pool_op(fl, FRAGLAB_IOC_POOL_SET_STRATEGY, pool_id,
			       strategy);
}

int fraglab_pool_alloc(struct fraglab *fl, uint32_t pool_id, uint64_t size,
		       uint64_t align, uint32_t flags,
		       struct fraglab_pool_alloc *out)
{
	struct fraglab_pool_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.pool_id = pool_id;
	a.size = size;
	a.align = align;
	a.flags = flags;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_POOL_ALLOC, &a);
	if (!ret && out)
		*out = a;
	return ret;
}

int fraglab_pool_free(struct fraglab *fl, uint32_t pool_id, uint64_t handle)
{
	struct fraglab_pool_alloc a;

	memset(&a, 0, sizeof(a));
	a.pool_id = pool_id;
	a.handle = handle;
	return fraglab_ioctl(fl, FRAGLAB_IOC_POOL_FREE, &a);
}

int fraglab_pool_batch(struct fraglab *fl, uint32_t op,
		       struct fraglab_pool_alloc *elems, uint32_t count,
		       uint32_t *done)
{
	struct fraglab_pool_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ptr = (uintptr_t)elems;
	b.count = count;
	b.op = op;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_POOL_BATCH, &b);
	if (done)
		*done = b.done;
	return ret;
}

int fraglab_pool_info(struct fraglab *fl, uint32_t pool_id,
		      struct fraglab_pool_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->pool_id = pool_id;
	return fraglab_ioctl(fl, FRAGLAB_IOC_POOL_INFO, pi);
}

int fraglab_pool_compact(struct fraglab *fl, uint32_t pool_id,
			 struct fraglab_pool_compact *out)
{
	struct fraglab_pool_compact c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.pool_id = pool_id;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_POOL_COMPACT, &c);
	if (!ret && out)
		*out = c;
	return ret;
}

static const char * const fraglab_pool_strategies[FRAGLAB_POOL_STRATEGIES] = {
	"first-fit", "next-fit", "best-fit", "worst-fit",
};

const char *fraglab_pool_strategy_name(uint32_t strategy)
{
	return strategy < FRAGLAB_POOL_STRATEGIES ?
	       fraglab_pool_strategies[strategy] : "?";
}

int fraglab_pool_strategy_parse(const char *name)
{
	unsigned int i;
	size_t n;

	for (i = 0; i < FRAGLAB_POOL_STRATEGIES; i++) {
		n = strlen(fraglab_pool_strategies[i]) - 4;	/* "-fit" */
		if (!strcmp(name, fraglab_pool_strategies[i]) ||
		    (strlen(name) == n &&
		     !strncmp(name, fraglab_pool_strategies[i], n)))
			return i;
	}
	return -EINVAL;
}

int fraglab_read_file(const char *path, char **text)
{
	size_t cap = 4096, len = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf)
		goto nomem;
	for (;;) {
		if (cap - len < 2) {
			nbuf = realloc(buf, cap * 2);
			if (!nbuf)
				goto nomem;
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			close(fd);
			return err;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	*text = buf;
	return 0;

nomem:
	free(buf);
	close(fd);
	return -ENOMEM;
}

int fraglab_read_debugfs(const char *name, char **text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", FRAGLAB_DEBUGFS, name);
	return fraglab_read_file(path, text);
}

int fraglab_parse_buddyinfo(const char *text, struct fraglab_zone_free *z,
			    int max)
{
	const char *p = text;
	int n = 0;

	while (*p && n < max) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024], *tok, *save = NULL;

		if (len >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, len);
		line[len] = '\0';
		p = eol ? eol + 1 : p + len;
		if (!len)
			continue;
		memset(&z[n], 0, sizeof(z[n]));
		if (sscanf(line, "Node %d, zone %31s", &z[n].node, z[n].zone) != 2)
			return -EINVAL;
		tok = strstr(line, z[n].zone) + strlen(z[n].zone);
		for (tok = strtok_r(tok, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			char *end;

			if (z[n].nr_orders >= FRAGLAB_BUDDYINFO_MAX_ORDERS)
				return -EINVAL;
			z[n].nr_free[z[n].nr_orders++] = strtoull(tok, &end, 10);
			if (*end)
				return -EINVAL;
		}
		n++;
	}
	return n;
}

const char *fraglab_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case ENOENT:
		return "no such allocation: the handle is unknown, already freed, or owned by another open file";
	case ENOMEM:
		return "out of memory: no free block in the arena is large enough";
	case EINVAL:
		return "invalid argument: a size, order, type, flag or reserved field is out of range";
	case ENOTTY:
		return "the module does not know this command (is fraglab.ko older than fragctl?)";
	case EPROTO:
		return "fraglab.ko speaks an incompatible ABI version";
	case EACCES:
		return "permission denied: /dev/fraglab is root-only by default (run as root)";
	case EPERM:
		return "operation not permitted: module-wide settings, whole-arena compaction and checks need CAP_SYS_ADMIN (run as root)";
	case ENOSPC:
		return "limit reached: this open file holds as many allocations, caches or pools as the module allows (see the max_*_per_fd module parameters)";
	case ENODEV:
	case ENXIO:
		return "fraglab.ko is not loaded (no /dev/fraglab)";
	case EBUSY:
		return "busy: it still has live allocations or objects";
	case EEXIST:
		return "already exists";
	case EFAULT:
		return "bad address passed to the kernel";
	case EOPNOTSUPP:
		return "not supported by this module build";
	case EUCLEAN:
		return "the invariant checker found an inconsistency";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

static const char * const fraglab_mt_names[FRAGLAB_MT_TYPES] = {
	"unmovable", "movable", "reclaimable",
};

const char *fraglab_mt_name(unsigned int mt)
{
	return mt < FRAGLAB_MT_TYPES ? fraglab_mt_names[mt] : "?";
}

int fraglab_mt_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < FRAGLAB_MT_TYPES; i++)
		if (!strcasecmp(s, fraglab_mt_names[i]))
			return i;
	return -EINVAL;
}

int fraglab_probe_system(struct fraglab *fl, uint32_t flags,
			 uint32_t try_count, struct fraglab_probe_system *out)
{
	memset(out, 0, sizeof(*out));
	out->flags = flags;
	out->try_count = try_count;
	return fraglab_ioctl(fl, FRAGLAB_IOC_PROBE_SYSTEM, out);
}

int fraglab_bench(struct fraglab *fl, uint32_t which, uint32_t param,
		  uint32_t strategy, uint64_t iterations, uint32_t runs,
		  struct fraglab_bench *out)
{
	memset(out, 0, sizeof(*out));
	out->which = which;
	out->param = param;
	out->strategy = strategy;
	out->iterations = iterations;
	out->runs = runs;
	return fraglab_ioctl(fl, FRAGLAB_IOC_BENCH, out);
}

int fraglab_compact_policy(struct fraglab *fl, uint32_t mode, uint32_t order,
			   uint32_t flags, uint32_t threshold, uint32_t policy,
			   struct fraglab_compact *out)
{
	struct fraglab_compact c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.mode = mode;
	c.order = order;
	c.flags = flags;
	c.threshold = threshold;
	c.policy = policy;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_COMPACT, &c);
	if (!ret && out)
		*out = c;
	return ret;
}

int fraglab_compact(struct fraglab *fl, uint32_t mode, uint32_t order,
		    uint32_t flags, uint32_t threshold,
		    struct fraglab_compact *out)
{
	return fraglab_compact_policy(fl, mode, order, flags, threshold,
				      FRAGLAB_COMPACT_POLICY_KERNEL, out);
}

const char *fraglab_compact_policy_name(uint32_t policy)
{
	switch (policy) {
	case FRAGLAB_COMPACT_POLICY_KERNEL:
		return "kernel";
	case FRAGLAB_COMPACT_POLICY_EMPTIEST:
		return "emptiest-first";
	default:
		return NULL;
	}
}

const char *fraglab_compact_result_name(uint32_t result)
{
	static const char *const names[] = {
		[FRAGLAB_COMPACT_SUCCESS] = "success",
		[FRAGLAB_COMPACT_PARTIAL] = "partial",
		[FRAGLAB_COMPACT_NOT_SUITABLE] = "not suitable",
		[FRAGLAB_COMPACT_BLOCKED_UNMOVABLE] = "blocked by unmovable",
		[FRAGLAB_COMPACT_NOT_NEEDED] = "not needed",
	};

	return result < sizeof(names) / sizeof(names[0]) ? names[result] : "unknown";
}

int fraglab_hugepages_arena_policy(struct fraglab *fl, uint32_t policy,
				   struct fraglab_hugepages_arena *out)
{
	struct fraglab_hugepages_arena h;
	int ret;

	memset(&h, 0, sizeof(h));
	h.policy = policy;
	ret = fraglab_ioctl(fl, FRAGLAB_IOC_HUGEPAGES_ARENA, &h);
	if (!ret && out)
		*out = h;
	return ret;
}

int fraglab_hugepages_arena(struct fraglab *fl,
			    struct fraglab_hugepages_arena *out)
{
	return fraglab_hugepages_arena_policy(fl, FRAGLAB_COMPACT_POLICY_KERNEL,
					      out);
}

int fraglab_page_info(struct fraglab *fl, uint64_t first, uint32_t count,
		      struct fraglab_page *out, uint64_t *index_pages)
{
	struct fraglab_page_info q;
	uint32_t n;
	int ret;

	if (!count && !index_pages)
		return -EINVAL;
	if (!count) {
		/* just the size: one page, into a scratch entry */
		struct fraglab_page scratch;

		memset(&q, 0, sizeof(q));
		q.ptr = (uintptr_t)&scratch;
		q.count = 1;
		ret = fraglab_ioctl(fl, FRAGLAB_IOC_PAGE_INFO, &q);
		if (!ret)
			*index_pages = q.index_pages;
		return ret;
	}
	while (count) {
		n = count < FRAGLAB_PAGE_INFO_MAX ? count : FRAGLAB_PAGE_INFO_MAX;
		memset(&q, 0, sizeof(q));
		q.ptr = (uintptr_t)out;
		q.first = first;
		q.count = n;
		ret = fraglab_ioctl(fl, FRAGLAB_IOC_PAGE_INFO, &q);
		if (ret)
			return ret;
		if (index_pages)
			*index_pages = q.index_pages;
		first += n;
		out += n;
		count -= n;
	}
	return 0;
}

int fraglab_arena_map(struct fraglab *fl, struct fraglab_page **pages,
		      uint64_t *nr)
{
	struct fraglab_page *p;
	uint64_t n = 0;
	int ret;

	*pages = NULL;
	*nr = 0;
	ret = fraglab_page_info(fl, 0, 0, NULL, &n);
	if (ret)
		return ret;
	if (!n || n > UINT32_MAX)
		return -EIO;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = fraglab_page_info(fl, 0, (uint32_t)n, p, NULL);
	if (ret) {
		free(p);
		return ret;
	}
	*pages = p;
	*nr = n;
	return 0;
}

const char *fraglab_owner_name(unsigned int owner)
{
	static const char *const names[] = {
		[FRAGLAB_OWNER_NONE] = "none",
		[FRAGLAB_OWNER_BUDDY] = "buddy",
		[FRAGLAB_OWNER_SLAB] = "slab",
		[FRAGLAB_OWNER_POOL] = "pool",
		[FRAGLAB_OWNER_OTHER] = "other",
		[FRAGLAB_OWNER_PCP] = "pcp",
	};

	return owner < sizeof(names) / sizeof(names[0]) ? names[owner] : "?";
}

const char *fraglab_page_state_name(unsigned int state)
{
	switch (state) {
	case FRAGLAB_PAGE_HOLE:
		return "hole";
	case FRAGLAB_PAGE_FREE:
		return "free";
	case FRAGLAB_PAGE_ALLOCATED:
		return "allocated";
	default:
		return "?";
	}
}
