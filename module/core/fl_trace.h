/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_trace.h - fraglab's tracepoints (kernel build only).
 *
 * Named and laid out after the kernel's own events so that the same perf,
 * trace-cmd and bpftrace one-liners work with "fraglab:" in place of
 * "kmem:" or "compaction:":
 *
 *   fl_page_alloc, fl_page_free,
 *   fl_page_alloc_extfrag        include/trace/events/kmem.h (6.12)
 *   fl_slab_alloc, fl_slab_free  kmem_cache_alloc / kmem_cache_free
 *   fl_compaction_begin, _end,
 *   _migratepages, _suitable     include/trace/events/compaction.h
 *   fl_pool_alloc, fl_pool_free  (no kernel counterpart: the fit pools)
 *   fl_probe_trial               (the real-system HugePage trial)
 *
 * Where the kernel records a pfn or a pointer, fraglab records an offset
 * into the arena (pages for the buddy, bytes for slab objects and pools):
 * no event carries a kernel address or a physical frame number, so the
 * events reveal nothing that the ioctl ABI does not.
 *
 * The portable core fires them through fl_trace() (fl_port.h; empty in
 * userspace builds): the event's static-key test inline, the event itself
 * out of line, in __fl_trace_<event>(), which the pass at the end of this
 * header makes for every event.  With the event off a fast path keeps one
 * patched-out jump and sets up no arguments.  That is the kernel's own
 * pattern for tracepoints on inline paths: include/linux/tracepoint-defs.h
 * (tracepoint_enabled(), "call a wrapper function defined in a C file"),
 * e.g. set_page_count() of include/linux/page_ref.h calling
 * __page_ref_set() of mm/debug_page_ref.c when page_ref_set is on (6.1
 * and 6.12).  module/fl_trace.c instantiates the events.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fraglab

#if !defined(_FL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FL_TRACE_H

#include <linux/tracepoint.h>

/*
 * The events fl_trace() fires inline, trace_<event>() at the call site
 * with the arguments set up there, not through __fl_trace_<event>().
 * Compaction's fire once per run or per
 * pageblock batch, so out of line gains nothing there, and it cost the
 * compaction row of make bench 7 instructions a page moved (6.12 under
 * -icount: 4039.3 inline, 4046.2 out of line): fl_compact_run(), which
 * they are inlined into, compiles differently.
 */
#define FL_TRACE_INLINE_fl_compaction_begin		1
#define FL_TRACE_INLINE_fl_compaction_end		1
#define FL_TRACE_INLINE_fl_compaction_migratepages	1
#define FL_TRACE_INLINE_fl_compaction_suitable		1

/* fraglab cache names: FL_SLAB_NAME_LEN (fl_slab.h), NUL included */
#define FL_TRACE_NAME_LEN	32

TRACE_EVENT(fl_page_alloc,

	TP_PROTO(u32 offset, unsigned int order, int migratetype),

	TP_ARGS(offset, order, migratetype),

	TP_STRUCT__entry(
		__field(u32,		offset)
		__field(unsigned int,	order)
		__field(int,		migratetype)
	),

	TP_fast_assign(
		__entry->offset		= offset;
		__entry->order		= order;
		__entry->migratetype	= migratetype;
	),

	TP_printk("offset=0x%x order=%u migratetype=%d",
		  __entry->offset, __entry->order, __entry->migratetype)
);

TRACE_EVENT(fl_page_free,

	TP_PROTO(u32 offset, unsigned int order),

	TP_ARGS(offset, order),

	TP_STRUCT__entry(
		__field(u32,		offset)
		__field(unsigned int,	order)
	),

	TP_fast_assign(
		__entry->offset	= offset;
		__entry->order	= order;
	),

	TP_printk("offset=0x%x order=%u", __entry->offset, __entry->order)
);

/*
 * An allocation served from another migrate type's free list: a claim
 * (the pageblock changed hands, change_ownership=1) or a steal.  As
 * mm_page_alloc_extfrag, fired by __rmqueue_claim() and __rmqueue_steal().
 */
TRACE_EVENT(fl_page_alloc_extfrag,

	TP_PROTO(u32 offset, int alloc_order, int fallback_order,
		 int alloc_migratetype, int fallback_migratetype,
		 int change_ownership),

	TP_ARGS(offset, alloc_order, fallback_order, alloc_migratetype,
		fallback_migratetype, change_ownership),

	TP_STRUCT__entry(
		__field(u32,	offset)
		__field(int,	alloc_order)
		__field(int,	fallback_order)
		__field(int,	alloc_migratetype)
		__field(int,	fallback_migratetype)
		__field(int,	change_ownership)
	),

	TP_fast_assign(
		__entry->offset			= offset;
		__entry->alloc_order		= alloc_order;
		__entry->fallback_order		= fallback_order;
		__entry->alloc_migratetype	= alloc_migratetype;
		__entry->fallback_migratetype	= fallback_migratetype;
		__entry->change_ownership	= change_ownership;
	),

	TP_printk("offset=0x%x alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d change_ownership=%d",
		  __entry->offset, __entry->alloc_order,
		  __entry->fallback_order, FL_PAGEBLOCK_ORDER,
		  __entry->alloc_migratetype, __entry->fallback_migratetype,
		  __entry->fallback_order < FL_PAGEBLOCK_ORDER,
		  __entry->change_ownership)
);

DECLARE_EVENT_CLASS(fl_slab_event,

	TP_PROTO(const char *cache, u64 offset, size_t bytes_req,
		 size_t bytes_alloc),

	TP_ARGS(cache, offset, bytes_req, bytes_alloc),

	TP_STRUCT__entry(
		__array(char,	name, FL_TRACE_NAME_LEN)
		__field(u64,	offset)
		__field(size_t,	bytes_req)
		__field(size_t,	bytes_alloc)
	),

	TP_fast_assign(
		strscpy(__entry->name, cache, FL_TRACE_NAME_LEN);
		__entry->offset		= offset;
		__entry->bytes_req	= bytes_req;
		__entry->bytes_alloc	= bytes_alloc;
	),

	TP_printk("name=%s offset=0x%llx bytes_req=%zu bytes_alloc=%zu",
		  __entry->name, __entry->offset, __entry->bytes_req,
		  __entry->bytes_alloc)
);

/* kmem_cache_alloc: bytes_req is the object size, bytes_alloc the stride. */
DEFINE_EVENT(fl_slab_event, fl_slab_alloc,
	TP_PROTO(const char *cache, u64 offset, size_t bytes_req,
		 size_t bytes_alloc),
	TP_ARGS(cache, offset, bytes_req, bytes_alloc)
);

DEFINE_EVENT(fl_slab_event, fl_slab_free,
	TP_PROTO(const char *cache, u64 offset, size_t bytes_req,
		 size_t bytes_alloc),
	TP_ARGS(cache, offset, bytes_req, bytes_alloc)
);

/*
 * A fit-pool allocation.  The pools search balanced trees (O(log n)), not
 * a list, so "holes scanned" has no meaning there: @nr_holes is how many
 * holes the pool had when it placed this one.
 */
TRACE_EVENT(fl_pool_alloc,

	TP_PROTO(u32 strategy, u64 size, u64 granted, u64 offset,
		 u64 nr_holes),

	TP_ARGS(strategy, size, granted, offset, nr_holes),

	TP_STRUCT__entry(
		__field(u32,	strategy)
		__field(u64,	size)
		__field(u64,	granted)
		__field(u64,	offset)
		__field(u64,	nr_holes)
	),

	TP_fast_assign(
		__entry->strategy	= strategy;
		__entry->size		= size;
		__entry->granted	= granted;
		__entry->offset		= offset;
		__entry->nr_holes	= nr_holes;
	),

	TP_printk("strategy=%s size=%llu granted=%llu offset=0x%llx nr_holes=%llu",
		  __print_symbolic(__entry->strategy,
				   { 0, "first-fit" }, { 1, "next-fit" },
				   { 2, "best-fit" }, { 3, "worst-fit" }),
		  __entry->size, __entry->granted, __entry->offset,
		  __entry->nr_holes)
);

TRACE_EVENT(fl_pool_free,

	TP_PROTO(u64 offset, u64 size),

	TP_ARGS(offset, size),

	TP_STRUCT__entry(
		__field(u64,	offset)
		__field(u64,	size)
	),

	TP_fast_assign(
		__entry->offset	= offset;
		__entry->size	= size;
	),

	TP_printk("offset=0x%llx size=%llu", __entry->offset, __entry->size)
);

/*
 * Compaction: page offsets where mm_compaction_* record pfns; the arena
 * is the zone (zone_start=0, zone_end=its size in pages).
 */
DECLARE_EVENT_CLASS(fl_compaction_range,

	TP_PROTO(u32 migrate_off, u32 free_off, u32 end, int order,
		 int status),

	TP_ARGS(migrate_off, free_off, end, order, status),

	TP_STRUCT__entry(
		__field(u32,	migrate_off)
		__field(u32,	free_off)
		__field(u32,	end)
		__field(int,	order)
		__field(int,	status)
	),

	TP_fast_assign(
		__entry->migrate_off	= migrate_off;
		__entry->free_off	= free_off;
		__entry->end		= end;
		__entry->order		= order;
		__entry->status		= status;
	),

	TP_printk("zone_start=0x0 migrate_off=0x%x free_off=0x%x zone_end=0x%x order=%d status=%d",
		  __entry->migrate_off, __entry->free_off, __entry->end,
		  __entry->order, __entry->status)
);

DEFINE_EVENT(fl_compaction_range, fl_compaction_begin,
	TP_PROTO(u32 migrate_off, u32 free_off, u32 end, int order,
		 int status),
	TP_ARGS(migrate_off, free_off, end, order, status)
);

DEFINE_EVENT(fl_compaction_range, fl_compaction_end,
	TP_PROTO(u32 migrate_off, u32 free_off, u32 end, int order,
		 int status),
	TP_ARGS(migrate_off, free_off, end, order, status)
);

TRACE_EVENT(fl_compaction_migratepages,

	TP_PROTO(unsigned long nr_migrated, unsigned long nr_failed),

	TP_ARGS(nr_migrated, nr_failed),

	TP_STRUCT__entry(
		__field(unsigned long,	nr_migrated)
		__field(unsigned long,	nr_failed)
	),

	TP_fast_assign(
		__entry->nr_migrated	= nr_migrated;
		__entry->nr_failed	= nr_failed;
	),

	TP_printk("nr_migrated=%lu nr_failed=%lu",
		  __entry->nr_migrated, __entry->nr_failed)
);

TRACE_EVENT(fl_compaction_suitable,

	TP_PROTO(int order, int ret),

	TP_ARGS(order, ret),

	TP_STRUCT__entry(
		__field(int,	order)
		__field(int,	ret)
	),

	TP_fast_assign(
		__entry->order	= order;
		__entry->ret	= ret;
	),

	TP_printk("zone=fraglab order=%d ret=%d", __entry->order, __entry->ret)
);

/*
 * One real-system trial of fl_probe.c: @tried alloc_pages(order) calls,
 * @got of them succeeded, @ns spent in them; @compact: the gfp mask allowed
 * direct compaction.
 */
TRACE_EVENT(fl_probe_trial,

	TP_PROTO(unsigned int order, bool compact, u32 tried, u32 got,
		 u64 ns),

	TP_ARGS(order, compact, tried, got, ns),

	TP_STRUCT__entry(
		__field(unsigned int,	order)
		__field(bool,		compact)
		__field(u32,		tried)
		__field(u32,		got)
		__field(u64,		ns)
	),

	TP_fast_assign(
		__entry->order		= order;
		__entry->compact	= compact;
		__entry->tried		= tried;
		__entry->got		= got;
		__entry->ns		= ns;
	),

	TP_printk("order=%u compact=%d tried=%u got=%u ns=%llu",
		  __entry->order, __entry->compact, __entry->tried,
		  __entry->got, __entry->ns)
);

#endif /* _FL_TRACE_H */

/*
 * The out-of-line callers __fl_trace_<event>(): one more pass over the
 * events above, made the way <trace/define_trace.h> makes its own, once
 * per file (not within define_trace.h's passes, nor in module/fl_trace.c,
 * which instantiates the events and fires none).  Static and noinline: a
 * file that fires an event has one copy of its caller, the others none.
 * <linux/tracepoint.h> then restores its TRACE_EVENT() and friends, which
 * it keeps outside its include guard for this.
 */
#if !defined(TRACE_HEADER_MULTI_READ) && !defined(CREATE_TRACE_POINTS) && \
	!defined(_FL_TRACE_CALLERS)
#define _FL_TRACE_CALLERS
#define TRACE_HEADER_MULTI_READ
#undef TRACE_EVENT
#undef DEFINE_EVENT
#undef DECLARE_EVENT_CLASS
#define FL_TRACE_CALLER(name, proto, args)				\
	static noinline __maybe_unused void __fl_trace_##name(proto)	\
	{								\
		trace_##name(args);					\
	}
#define TRACE_EVENT(name, proto, args, ...)				\
	FL_TRACE_CALLER(name, PARAMS(proto), PARAMS(args))
#define DEFINE_EVENT(template, name, proto, args)			\
	FL_TRACE_CALLER(name, PARAMS(proto), PARAMS(args))
#define DECLARE_EVENT_CLASS(...)
#include "fl_trace.h"
#undef FL_TRACE_CALLER
#undef TRACE_EVENT
#undef DEFINE_EVENT
#undef DECLARE_EVENT_CLASS
#undef TRACE_HEADER_MULTI_READ
#include <linux/tracepoint.h>
#endif

/* This part must be outside the multi-read protection. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fl_trace
#include <trace/define_trace.h>
