/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fit_setup.h - the fit-pool benchmark state, for fit_bench.c and
 * native_bench.c: one segment of 2n granules of FIT_GRAN bytes plus a
 * FIT_TAIL-byte tail; every granule allocated, then every other one freed:
 * n holes of FIT_GRAN bytes between allocations of as many, and one large
 * hole at the top.  A 2 * FIT_GRAN request fits only the top hole, and its
 * alloc+free pair leaves the state as it found it.
 */
#ifndef FIT_SETUP_H
#define FIT_SETUP_H

#include <stdlib.h>

#include "fl_port.h"
#include "fl_fit.h"
#include "fit_ref.h"

#define FIT_GRAN	16ULL
#define FIT_TAIL	1024ULL

/* The indexed pool; NULL on failure. */
static inline struct fl_fit_pool *fit_setup_pool(u64 n,
						 struct fl_fit_segment *seg)
{
	struct fl_fit_pool *p;
	u64 i, off;

	seg->start = 0;
	seg->len = 2 * n * FIT_GRAN + FIT_TAIL;
	if (fl_fit_create(seg, 1, FIT_GRAN, FL_FIT_FIRST, &p))
		return NULL;
	for (i = 0; i < 2 * n; i++)
		if (fl_fit_alloc(p, FIT_GRAN, 0, 0, &off) || off != i * FIT_GRAN)
			goto fail;
	for (i = 0; i < n; i++)
		if (fl_fit_free(p, 2 * i * FIT_GRAN))
			goto fail;
	return p;
fail:
	fl_fit_destroy(p, true);
	return NULL;
}

/*
 * The linear reference in the same state, built directly (freeing into
 * its sorted arrays one by one is O(n^2)); -ENOMEM on failure.
 */
static inline int fit_setup_ref(struct fit_ref *r, u64 n,
				const struct fl_fit_segment *seg)
{
	u64 i;

	fit_ref_init(r, seg, 1, FIT_GRAN, FL_FIT_FIRST);
	r->holes = realloc(r->holes, (n + 1) * sizeof(*r->holes));
	r->allocs = malloc(n * sizeof(*r->allocs));
	if (!r->holes || !r->allocs)
		return -ENOMEM;
	r->caph = n + 1;
	r->capa = n;
	for (i = 0; i < n; i++) {
		r->holes[i] = (struct fit_ref_hole){ 2 * i * FIT_GRAN, FIT_GRAN, 0 };
		r->allocs[i] = (struct fit_ref_alloc){
			.off = (2 * i + 1) * FIT_GRAN, .size = FIT_GRAN,
			.requested = FIT_GRAN };
	}
	r->holes[n] = (struct fit_ref_hole){ 2 * n * FIT_GRAN, FIT_TAIL, 0 };
	r->nh = n + 1;
	r->na = n;
	r->free_bytes = n * FIT_GRAN + FIT_TAIL;
	r->rover = 2 * n * FIT_GRAN;
	return 0;
}

#endif /* FIT_SETUP_H */
