/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fit_ref.h - linear-scan reference model of the fit pools (fl_fit.c).
 *
 * Sorted arrays of holes and allocations, searched by scanning every hole.
 * It implements the placement rules documented at the top of fl_fit.c
 * independently of the trees, so the unit tests can demand identical
 * placement, and tests/bench/fit_bench.c can show the linear cost.
 *
 * Userspace only (libc allowed); shared by tests/unit/test_fit.c and
 * tests/bench/fit_bench.c.
 */
#ifndef FIT_REF_H
#define FIT_REF_H

#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "fl_fit.h"

struct fit_ref_hole {
	u64 start;
	u64 size;
	u32 seg;
};

struct fit_ref_alloc {
	u64 off;
	u64 size;
	u64 requested;
	u32 flags;
	u32 seg;
};

struct fit_ref {
	u64 gran;
	u32 strategy;
	u64 rover;
	u64 pool_bytes;
	u64 free_bytes;
	u64 fail_fragmented;
	u64 fail_nomem;
	struct fit_ref_hole *holes;	/* by start */
	size_t nh, caph;
	struct fit_ref_alloc *allocs;	/* by offset */
	size_t na, capa;
};

static inline void *fit_ref_grow(void *v, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return v;
	*cap = need * 2 + 16;
	v = realloc(v, *cap * sz);
	if (!v)
		abort();
	return v;
}

static inline void fit_ref_hole_insert(struct fit_ref *r, size_t i, u64 start,
				       u64 size, u32 seg)
{
	r->holes = fit_ref_grow(r->holes, &r->caph, r->nh + 1,
				sizeof(*r->holes));
	memmove(&r->holes[i + 1], &r->holes[i],
		(r->nh - i) * sizeof(*r->holes));
	r->holes[i].start = start;
	r->holes[i].size = size;
	r->holes[i].seg = seg;
	r->nh++;
}

static inline void fit_ref_hole_remove(struct fit_ref *r, size_t i)
{
	memmove(&r->holes[i], &r->holes[i + 1],
		(r->nh - i - 1) * sizeof(*r->holes));
	r->nh--;
}

static inline void fit_ref_init(struct fit_ref *r,
				const struct fl_fit_segment *segs, u32 nr,
				u32 gran, u32 strategy)
{
	u32 i;

	memset(r, 0, sizeof(*r));
	r->gran = gran;
	r->strategy = strategy;
	r->rover = segs[0].start;
	for (i = 0; i < nr; i++) {
		fit_ref_hole_insert(r, r->nh, segs[i].start, segs[i].len, i);
		r->pool_bytes += segs[i].len;
	}
	r->free_bytes = r->pool_bytes;
}

static inline void fit_ref_destroy(struct fit_ref *r)
{
	free(r->holes);
	free(r->allocs);
	memset(r, 0, sizeof(*r));
}

static inline u64 fit_ref_align_up(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline int fit_ref_fits(const struct fit_ref_hole *h, u64 n, u64 a)
{
	return fit_ref_align_up(h->start, a) + n <= h->start + h->size;
}

/* Strategy order for best/worst: <0 if hole x comes before hole y. */
static inline int fit_ref_before(const struct fit_ref *r,
				 const struct fit_ref_hole *x,
				 const struct fit_ref_hole *y)
{
	if (x->size != y->size) {
		if (r->strategy == FL_FIT_BEST)
			return x->size < y->size;
		return x->size > y->size;
	}
	return x->start < y->start;
}

/*
 * The k-th step of the probe rule over candidates in strategy order:
 * the first FL_FIT_ALIGN_PROBES candidates (size >= n) are taken if they
 * fit; later ones only if size >= n + a - g.
 */
static inline int fit_ref_take(const struct fit_ref *r,
			       const struct fit_ref_hole *h, size_t cand,
			       u64 n, u64 a)
{
	if (cand < FL_FIT_ALIGN_PROBES)
		return fit_ref_fits(h, n, a);
	return h->size >= n + a - r->gran;
}

/* First and next fit: cyclic scan of the address order from @first. */
static inline long fit_ref_find_cyclic(const struct fit_ref *r, size_t first,
				       u64 n, u64 a)
{
	size_t k, cand = 0;

	for (k = 0; k < r->nh; k++) {
		size_t i = (first + k) % r->nh;
		const struct fit_ref_hole *h = &r->holes[i];

		if (h->size < n)
			continue;
		if (fit_ref_take(r, h, cand, n, a))
			return (long)i;
		cand++;
	}
	return -1;
}

/* Best/worst fit without alignment: one linear pass for the optimum. */
static inline long fit_ref_find_extreme(const struct fit_ref *r, u64 n)
{
	long best = -1;
	size_t i;

	for (i = 0; i < r->nh; i++) {
		if (r->holes[i].size < n)
			continue;
		if (best < 0 || fit_ref_before(r, &r->holes[i],
					       &r->holes[best]))
			best = (long)i;
	}
	return best;
}

/*
 * Best/worst fit with alignment: walk the candidates in strategy order,
 * finding each next one by a linear pass (O(probes * n)).
 */
static inline long fit_ref_find_ordered(const struct fit_ref *r, u64 n, u64 a)
{
	const struct fit_ref_hole *prev = NULL;
	size_t cand, i;

	for (cand = 0; ; cand++) {
		/* past the probes only a guaranteed fit is taken: one pass */
		u64 min = cand < FL_FIT_ALIGN_PROBES ? n : n + a - r->gran;
		long next = -1;

		for (i = 0; i < r->nh; i++) {
			const struct fit_ref_hole *h = &r->holes[i];

			if (h->size < min ||
			    (prev && !fit_ref_before(r, prev, h)))
				continue;
			if (next < 0 || fit_ref_before(r, h, &r->holes[next]))
				next = (long)i;
		}
		if (next < 0)
			return -1;
		if (fit_ref_take(r, &r->holes[next], cand, n, a))
			return next;
		prev = &r->holes[next];
	}
}

static inline long fit_ref_find(const struct fit_ref *r, u64 n, u64 a)
{
	size_t first = 0;

	switch (r->strategy) {
	case FL_FIT_NEXT:
		while (first < r->nh &&
		       r->holes[first].start + r->holes[first].size <= r->rover)
			first++;
		/* fall through */
	case FL_FIT_FIRST:
		return r->nh ? fit_ref_find_cyclic(r, first, n, a) : -1;
	default:
		if (a == r->gran)
			return fit_ref_find_extreme(r, n);
		return fit_ref_find_ordered(r, n, a);
	}
}

static inline size_t fit_ref_alloc_pos(const struct fit_ref *r, u64 off)
{
	size_t lo = 0, hi = r->na;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->allocs[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline int fit_ref_alloc(struct fit_ref *r, u64 size, u64 align,
				u32 flags, u64 *offset)
{
	u64 n, a, off;
	struct fit_ref_hole h;
	long i;
	size_t j;

	if (!size || size > r->pool_bytes || (flags & ~FL_FIT_ALLOC_FLAGS))
		return -EINVAL;
	if (align && ((align & (align - 1)) || align > FL_FIT_MAX_ALIGN))
		return -EINVAL;
	n = fit_ref_align_up(size, r->gran);
	a = align > r->gran ? align : r->gran;
	i = fit_ref_find(r, n, a);
	if (i < 0) {
		if (r->free_bytes >= n)
			r->fail_fragmented++;
		else
			r->fail_nomem++;
		return -ENOMEM;
	}
	h = r->holes[i];
	off = fit_ref_align_up(h.start, a);
	fit_ref_hole_remove(r, (size_t)i);
	if (off + n < h.start + h.size)
		fit_ref_hole_insert(r, (size_t)i, off + n,
				    h.start + h.size - off - n, h.seg);
	if (off > h.start)
		fit_ref_hole_insert(r, (size_t)i, h.start, off - h.start,
				    h.seg);
	r->free_bytes -= n;
	j = fit_ref_alloc_pos(r, off);
	r->allocs = fit_ref_grow(r->allocs, &r->capa, r->na + 1,
				 sizeof(*r->allocs));
	memmove(&r->allocs[j + 1], &r->allocs[j],
		(r->na - j) * sizeof(*r->allocs));
	r->allocs[j].off = off;
	r->allocs[j].size = n;
	r->allocs[j].requested = size;
	r->allocs[j].flags = flags;
	r->allocs[j].seg = h.seg;
	r->na++;
	r->rover = off + n;
	*offset = off;
	return 0;
}

static inline int fit_ref_free(struct fit_ref *r, u64 off)
{
	size_t j = fit_ref_alloc_pos(r, off), i, lo, hi;
	struct fit_ref_alloc al;
	int prev, next;

	if (j >= r->na || r->allocs[j].off != off)
		return -ENOENT;
	al = r->allocs[j];
	memmove(&r->allocs[j], &r->allocs[j + 1],
		(r->na - j - 1) * sizeof(*r->allocs));
	r->na--;
	r->free_bytes += al.size;
	/* i = index of the first hole above the allocation */
	lo = 0;
	hi = r->nh;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->holes[mid].start < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	prev = i > 0 && r->holes[i - 1].seg == al.seg &&
	       r->holes[i - 1].start + r->holes[i - 1].size == off;
	next = i < r->nh && r->holes[i].seg == al.seg &&
	       r->holes[i].start == off + al.size;
	if (prev && next) {
		r->holes[i - 1].size += al.size + r->holes[i].size;
		fit_ref_hole_remove(r, i);
	} else if (prev) {
		r->holes[i - 1].size += al.size;
	} else if (next) {
		r->holes[i].start = off;
		r->holes[i].size += al.size;
	} else {
		fit_ref_hole_insert(r, i, off, al.size, al.seg);
	}
	return 0;
}

#endif /* FIT_REF_H */
