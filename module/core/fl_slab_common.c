// SPDX-License-Identifier: GPL-2.0
/*
 * fl_slab_common.c - what the slab layer shares that is not the allocator
 * (portable core), as mm/slab_common.c is to mm/slub.c: the kmalloc size
 * classes and the /proc/slabinfo 2.1 text.
 *
 * The size -> class mapping is the kernel's kmalloc_index() /
 * size_index[] (mm/slab_common.c) with KMALLOC_MIN_SIZE 8: 1-8 -> 8,
 * 9-16 -> 16, 17-32 -> 32, 33-64 -> 64, 65-96 -> 96, 97-128 -> 128,
 * 129-192 -> 192, then the next power of two up to 8192.
 *
 * The text output reads the allocator only through the public fl_slab.h
 * (fl_slab_root_for_each(), fl_slab_cache_get_stats()).
 */
#include "fl_port.h"
#include "fl_slab.h"
#include "fl_slab_internal.h"

/* ------------------------------------------------------------ size classes */

static const u32 fl_kmalloc_sizes[FL_KMALLOC_NR_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

static const char * const fl_kmalloc_names[FL_KMALLOC_NR_CLASSES] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
	"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512",
	"kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

/* size_index[] of mm/slab_common.c for 8-byte steps up to 192, as indices
 * into fl_kmalloc_sizes[].
 */
static const u8 fl_kmalloc_small[24] = {
	0,		/* 8 */
	1,		/* 16 */
	2, 2,		/* 24, 32 */
	3, 3, 3, 3,	/* 40..64 */
	4, 4, 4, 4,	/* 72..96 */
	5, 5, 5, 5,	/* 104..128 */
	6, 6, 6, 6, 6, 6, 6, 6,	/* 136..192 */
};

/**
 * fl_kmalloc_index() - size class of a request.
 * @bytes: requested bytes.
 *
 * Context: any.
 * Return: the class index (0..FL_KMALLOC_NR_CLASSES-1), or -EINVAL for 0
 * bytes or more than FL_KMALLOC_MAX_CACHE_SIZE.
 */
int fl_kmalloc_index(size_t bytes)
{
	int i;

	if (!bytes || bytes > FL_KMALLOC_MAX_CACHE_SIZE)
		return -EINVAL;
	if (bytes <= 192)
		return fl_kmalloc_small[(bytes - 1) / 8];
	for (i = 7; i < FL_KMALLOC_NR_CLASSES; i++)
		if (bytes <= fl_kmalloc_sizes[i])
			return i;
	return -EINVAL;
}

/**
 * fl_kmalloc_class_size() - object size of a class.
 * @index: class index.
 *
 * Context: any.
 * Return: the size in bytes, or 0 for a bad index.
 */
u32 fl_kmalloc_class_size(unsigned int index)
{
	if (index >= FL_KMALLOC_NR_CLASSES)
		return 0;
	return fl_kmalloc_sizes[index];
}

const char *fl_kmalloc_class_name(unsigned int index)
{
	if (index >= FL_KMALLOC_NR_CLASSES)
		return NULL;
	return fl_kmalloc_names[index];
}

/* ------------------------------------------------------------ text output */

#define FL_SLABINFO_LINE1	"slabinfo - version: 2.1"

/**
 * fl_slab_format_header() - the two header lines of /proc/slabinfo 2.1.
 * @buf: out.
 * @len: size of @buf (at least 200 bytes for the whole header).
 *
 * Same text as print_slabinfo_header() in mm/slab_common.c.
 *
 * Context: any.
 * Return: bytes written, excluding the NUL.
 */
int fl_slab_format_header(char *buf, size_t len)
{
	return fl_scnprintf(buf, len, "%s\n%s%s%s\n", FL_SLABINFO_LINE1,
			   "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>",
			   " : tunables <limit> <batchcount> <sharedfactor>",
			   " : slabdata <active_slabs> <num_slabs> <sharedavail>");
}

/**
 * fl_slab_format_line() - one cache as a /proc/slabinfo 2.1 line.
 * @st: a snapshot from fl_slab_cache_get_stats().
 * @buf: out.
 * @len: size of @buf.
 *
 * Formats of cache_show() in mm/slab_common.c, with the values SLUB's
 * get_slabinfo() (mm/slub.c, 6.12 and 6.1) gives them: tunables are
 * "0 0 0" (SLUB has no limit, batchcount or shared array) and
 * active_slabs == num_slabs, sharedavail 0; num_objs is the sum of every
 * slab's own object count (node_nr_objs: a slab made at the fallback
 * order holds fewer) while objperslab and pagesperslab are those of the
 * preferred order s->oo.  active_objs counts objects
 * held by callers (objects in per-CPU arrays are free); objsize is the
 * stride.  The per-CPU array's limit and batchcount and the full /
 * partial / empty split are in the per-cache file (fl_slab_cache_detail()).
 *
 * Context: any.
 * Return: bytes written including the trailing newline, excluding NUL.
 */
int fl_slab_format_line(const struct fl_slab_stats *st, char *buf, size_t len)
{
	unsigned long active = (unsigned long)st->live_objs;

	if (active > st->num_objs)
		active = (unsigned long)st->num_objs;
	return fl_scnprintf(buf, len,
			   "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu\n",
			   st->name, active, (unsigned long)st->num_objs,
			   st->size, st->objs_per_slab, (int)st->pages_per_slab,
			   0U, 0U, 0U, (unsigned long)st->nr_slabs,
			   (unsigned long)st->nr_slabs, 0UL);
}

struct fl_slab_emit_ctx {
	fl_slab_emit_t emit;
	void *arg;
};

static int fl_slab_emit_one(struct fl_slab_cache *c, void *arg)
{
	struct fl_slab_emit_ctx *ctx = arg;
	struct fl_slab_stats st;
	char line[160];

	fl_slab_cache_get_stats(c, &st);
	fl_slab_format_line(&st, line, sizeof(line));
	ctx->emit(ctx->arg, line);
	return 0;
}

/**
 * fl_slab_slabinfo_emit() - /proc/slabinfo 2.1 text, line by line.
 * @r: the root.
 * @emit: called once per line (each ends with a newline): the two header
 *        lines, then one line per cache in creation order.  Called with
 *        the root lock held (a spinlock in the kernel): it must not sleep
 *        (seq_puts() is fine).
 * @arg: passed to @emit.
 *
 * Context: takes the root lock and, in turn, each cache's locks.
 */
void fl_slab_slabinfo_emit(struct fl_slab_root *r, fl_slab_emit_t emit,
			   void *arg)
{
	struct fl_slab_emit_ctx ctx = { .emit = emit, .arg = arg };
	char hdr[256];

	fl_slab_format_header(hdr, sizeof(hdr));
	emit(arg, FL_SLABINFO_LINE1 "\n");
	emit(arg, hdr + sizeof(FL_SLABINFO_LINE1));	/* after its '\n' */
	fl_slab_root_for_each(r, fl_slab_emit_one, &ctx);
}

struct fl_slab_buf {
	char *buf;
	size_t len;
	size_t used;
	bool full;
};

static void fl_slab_buf_emit(void *arg, const char *line)
{
	struct fl_slab_buf *b = arg;
	size_t n = fl_strlen(line);

	if (b->full || b->used + n + 1 > b->len) {
		b->full = true;
		return;
	}
	fl_memcpy(b->buf + b->used, line, n + 1);
	b->used += n;
}

/**
 * fl_slab_slabinfo() - /proc/slabinfo 2.1 text into a buffer.
 * @r: the root.
 * @buf: out, NUL-terminated.
 * @len: size of @buf; about 110 bytes per cache plus 200.
 *
 * Same text as fl_slab_slabinfo_emit().  If @buf is too small, the text
 * stops at the end of the last line that fits.
 *
 * Context: takes the root lock and each cache's locks.
 * Return: bytes written, excluding the NUL.
 */
size_t fl_slab_slabinfo(struct fl_slab_root *r, char *buf, size_t len)
{
	struct fl_slab_buf b = { .buf = buf, .len = len };

	if (!buf || !len)
		return 0;
	buf[0] = '\0';
	fl_slab_slabinfo_emit(r, fl_slab_buf_emit, &b);
	return b.used;
}

/* "12.3" from a ratio, integer arithmetic only. */
static void fl_slab_permille(u64 num, u64 den, u64 *whole, u64 *tenth)
{
	u64 pm = den ? num * 1000 / den : 0;

	*whole = pm / 10;
	*tenth = pm % 10;
}

/**
 * fl_slab_cache_detail() - a human-readable page about one cache.
 * @c: the cache.
 * @buf: out, NUL-terminated.
 * @len: size of @buf (1024 is plenty).
 *
 * Geometry, lists, object placement, internal fragmentation (padding and
 * leftover bytes, as a share of the slab memory), per-CPU fast-path hit
 * rates, constructor calls and the cumulative counters.
 *
 * Context: takes the per-CPU locks in turn and the cache lock.
 * Return: bytes written, excluding the NUL.
 */
size_t fl_slab_cache_detail(struct fl_slab_cache *c, char *buf, size_t len)
{
	struct fl_slab_stats st;
	u64 bytes, waste, w, t, aw, at, fw, ft;
	size_t n = 0;

	if (!buf || !len)
		return 0;
	fl_slab_cache_get_stats(c, &st);
	bytes = st.pages << FL_PAGE_SHIFT;
	waste = st.padding_bytes + st.leftover_bytes;
	fl_slab_permille(waste, bytes, &w, &t);
	fl_slab_permille(st.alloc_hits, st.alloc_hits + st.alloc_misses,
			 &aw, &at);
	fl_slab_permille(st.free_hits, st.free_hits + st.free_misses, &fw, &ft);
	n += fl_scnprintf(buf + n, len - n,
			 "cache %s\n  object_size %u align %u size %u order %u objs_per_slab %u leftover %u colours %u flags 0x%x min_order %u min_objs %u\n",
			 st.name, st.object_size, st.align, st.size, st.order,
			 st.objs_per_slab, st.leftover, st.colours, st.flags,
			 st.min_order, st.min_objs);
	n += fl_scnprintf(buf + n, len - n,
			 "  slabs %llu full %llu partial %llu empty %llu pages %llu min_partial %u\n",
			 (unsigned long long)st.nr_slabs,
			 (unsigned long long)st.nr_full,
			 (unsigned long long)st.nr_partial,
			 (unsigned long long)st.nr_empty,
			 (unsigned long long)st.pages, st.min_partial);
	n += fl_scnprintf(buf + n, len - n,
			 "  objects total %llu live %llu cpu_cached %llu free_in_slabs %llu\n",
			 (unsigned long long)st.num_objs,
			 (unsigned long long)st.live_objs,
			 (unsigned long long)st.cpu_cached,
			 (unsigned long long)st.free_in_slabs);
	n += fl_scnprintf(buf + n, len - n,
			 "  waste padding %llu B leftover %llu B total %llu B of %llu B (%llu.%llu%%)\n",
			 (unsigned long long)st.padding_bytes,
			 (unsigned long long)st.leftover_bytes,
			 (unsigned long long)waste, (unsigned long long)bytes,
			 (unsigned long long)w, (unsigned long long)t);
	if (st.flags & FL_SLAB_KMALLOC)
		n += fl_scnprintf(buf + n, len - n,
				 "  kmalloc requested %llu B of %llu B live\n",
				 (unsigned long long)st.requested_bytes,
				 (unsigned long long)(st.live_objs *
						      st.object_size));
	n += fl_scnprintf(buf + n, len - n,
			 "  percpu limit %u batchcount %u alloc hits %llu misses %llu (%llu.%llu%% hit) free hits %llu misses %llu (%llu.%llu%% hit)\n",
			 st.limit, st.batchcount,
			 (unsigned long long)st.alloc_hits,
			 (unsigned long long)st.alloc_misses,
			 (unsigned long long)aw, (unsigned long long)at,
			 (unsigned long long)st.free_hits,
			 (unsigned long long)st.free_misses,
			 (unsigned long long)fw, (unsigned long long)ft);
	n += fl_scnprintf(buf + n, len - n,
			 "  ctor_calls %llu allocs %llu frees %llu alloc_fail %llu bad_frees %llu slabs_created %llu slabs_released %llu order_fallback %llu\n",
			 (unsigned long long)st.ctor_calls,
			 (unsigned long long)st.allocs,
			 (unsigned long long)st.frees,
			 (unsigned long long)st.alloc_fail,
			 (unsigned long long)st.bad_frees,
			 (unsigned long long)st.slabs_allocated,
			 (unsigned long long)st.slabs_freed,
			 (unsigned long long)st.order_fallback);
	return n;
}
