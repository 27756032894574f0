// SPDX-License-Identifier: GPL-2.0
/*
 * replay.c - fragtrace parser and the strategy-independent replay loop.
 *
 * Pure C over libc and the core's size-class table: fragctl links it, and
 * tests/unit/test_replay.c includes it.  Trace format: docs/WORKLOADS.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fl_slab.h"
#include "replay.h"

const char *const rp_strategy_names[RP_NR_STRATEGIES] = {
	"buddy", "slab", "first-fit", "next-fit", "best-fit", "worst-fit",
};

int rp_strategy_parse(const char *s)
{
	int i;

	for (i = 0; i < RP_NR_STRATEGIES; i++)
		if (!strcmp(s, rp_strategy_names[i]))
			return i;
	return -EINVAL;
}

uint32_t rp_slab_class(uint64_t size, uint64_t align)
{
	int idx;

	if (!size)
		size = 1;
	if (align > size)
		size = align;	/* power-of-two classes are size-aligned */
	if (size > RP_SLAB_MAX)
		return 0;
	idx = fl_kmalloc_index(size);
	if (idx < 0)
		return 0;
	/* 96 and 192 are only 32- and 64-byte aligned */
	if (align > 8 && (fl_kmalloc_class_size(idx) & (align - 1)))
		idx = fl_kmalloc_index(size <= 128 ? 128 : 256);
	return fl_kmalloc_class_size(idx);
}

/* ---- parser ------------------------------------------------------------ */

void rp_trace_init(struct rp_trace *t)
{
	memset(t, 0, sizeof(*t));
}

void rp_trace_free(struct rp_trace *t)
{
	free(t->ops);
	free(t->keys);
	free(t->vals);
	free(t->slot_size);
	free(t->re_ops);
	memset(t, 0, sizeof(*t));
}

static uint64_t rp_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* Keys are ids + 1 so that 0 marks an empty bucket; ~0 a deleted one. */
#define RP_TOMB	(~0ULL)

static int rp_map_grow(struct rp_trace *t)
{
	uint64_t ncap = t->map_cap ? t->map_cap * 2 : 1024, i;
	uint64_t *keys = calloc(ncap, sizeof(*keys));
	uint32_t *vals = calloc(ncap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < t->map_cap; i++) {
		uint64_t k = t->keys[i], h;

		if (!k || k == RP_TOMB)
			continue;
		for (h = rp_hash(k) & (ncap - 1); keys[h]; h = (h + 1) & (ncap - 1))
			;
		keys[h] = k;
		vals[h] = t->vals[i];
	}
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->map_cap = ncap;
	/* tombstones were dropped: count live entries only */
	t->map_used = 0;
	for (i = 0; i < ncap; i++)
		t->map_used += !!keys[i];
	return 0;
}

static int64_t rp_map_find(struct rp_trace *t, uint64_t id)
{
	uint64_t k = id + 1, h;

	if (!t->map_cap)
		return -1;
	for (h = rp_hash(k) & (t->map_cap - 1); t->keys[h];
	     h = (h + 1) & (t->map_cap - 1))
		if (t->keys[h] == k)
			return (int64_t)h;
	return -1;
}

static int rp_map_put(struct rp_trace *t, uint64_t id, uint32_t slot)
{
	uint64_t k = id + 1, h;

	if ((t->map_used + 1) * 2 > t->map_cap && rp_map_grow(t))
		return -ENOMEM;
	for (h = rp_hash(k) & (t->map_cap - 1);
	     t->keys[h] && t->keys[h] != RP_TOMB;
	     h = (h + 1) & (t->map_cap - 1))
		;
	if (!t->keys[h])
		t->map_used++;
	t->keys[h] = k;
	t->vals[h] = slot;
	return 0;
}

static int rp_push(struct rp_trace *t, uint32_t kind, uint32_t slot,
		   uint64_t size, uint64_t align)
{
	struct rp_op *op;

	if (t->nr_ops == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4096;
		struct rp_op *n = realloc(t->ops, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->ops = n;
		t->cap = ncap;
	}
	op = &t->ops[t->nr_ops++];
	op->kind = kind;
	op->slot = slot;
	op->size = size;
	op->align = align;
	return 0;
}

static int rp_do_free(struct rp_trace *t, uint64_t id, bool count_unmatched)
{
	int64_t h = rp_map_find(t, id);
	uint32_t slot;

	if (h < 0) {
		t->unmatched_frees += count_unmatched;
		return 0;
	}
	slot = t->vals[h];
	t->keys[h] = RP_TOMB;
	t->live_bytes -= t->slot_size[slot];
	t->frees++;
	return rp_push(t, RP_FREE, slot, 0, 0);
}

static int rp_do_alloc(struct rp_trace *t, uint64_t id, uint64_t size,
		       uint64_t align)
{
	uint32_t slot;
	int ret;

	if (rp_map_find(t, id) >= 0) {
		t->double_allocs++;
		ret = rp_do_free(t, id, false);
		if (ret)
			return ret;
	}
	if (t->nr_slots == UINT32_MAX)
		return -E2BIG;
	if (t->nr_slots == t->slot_cap) {
		uint32_t ncap = t->slot_cap ? t->slot_cap * 2 : 4096;
		uint64_t *n = realloc(t->slot_size, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->slot_size = n;
		t->slot_cap = ncap;
	}
	slot = t->nr_slots++;
	t->slot_size[slot] = size;
	ret = rp_map_put(t, id, slot);
	if (ret)
		return ret;
	t->allocs++;
	t->live_bytes += size;
	if (t->live_bytes > t->peak_live_bytes)
		t->peak_live_bytes = t->live_bytes;
	if (size > t->max_size)
		t->max_size = size;
	return rp_push(t, RP_ALLOC, slot, size, align);
}

/* The next op is a realloc's new block; its old block is freed right after. */
static int rp_mark_realloc(struct rp_trace *t)
{
	if (t->nr_re_ops == t->re_cap) {
		size_t ncap = t->re_cap ? t->re_cap * 2 : 1024;
		size_t *n = realloc(t->re_ops, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->re_ops = n;
		t->re_cap = ncap;
	}
	t->re_ops[t->nr_re_ops++] = t->nr_ops;
	return 0;
}

static int rp_event(struct rp_trace *t, char op, uint64_t id, uint64_t size,
		    uint64_t align, uint64_t old)
{
	int ret;

	switch (op) {
	case 'm':
	case 'c':
	case 'p':
		if (!id) {
			t->failed_in_trace++;
			return 0;
		}
		return rp_do_alloc(t, id, size, align);
	case 'M':
		t->mmaps++;
		return rp_do_alloc(t, id, size, align ? align : 4096);
	case 'f':
		return rp_do_free(t, id, true);
	case 'U':
		return rp_do_free(t, id, false);
	case 'r':
		t->reallocs++;
		if (!old)			/* realloc(NULL, n) = malloc */
			return id ? rp_do_alloc(t, id, size, 0) :
				    (t->failed_in_trace++, 0);
		if (!id) {
			if (!size)		/* realloc(p, 0) = free */
				return rp_do_free(t, old, true);
			t->failed_in_trace++;	/* failed: p unchanged */
			return 0;
		}
		/* new block first (realloc copies), then the old one goes */
		if (rp_map_find(t, old) >= 0) {
			ret = rp_mark_realloc(t);
			if (ret)
				return ret;
		}
		if (id == old) {
			int64_t h = rp_map_find(t, old);
			uint32_t oslot;

			if (h < 0)
				return rp_do_alloc(t, id, size, 0);
			oslot = t->vals[h];
			t->keys[h] = RP_TOMB;
			ret = rp_do_alloc(t, id, size, 0);
			if (ret)
				return ret;
			t->live_bytes -= t->slot_size[oslot];
			t->frees++;
			return rp_push(t, RP_FREE, oslot, 0, 0);
		}
		ret = rp_do_alloc(t, id, size, 0);
		return ret ? ret : rp_do_free(t, old, true);
	default:
		return -EINVAL;
	}
}

static int rp_field(const char **p, uint64_t *v, int base)
{
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!**p || **p == '\n')
		return -EINVAL;
	if (**p == '-' || **p == '+')	/* strtoull would wrap "-5" */
		return -ERANGE;
	errno = 0;
	*v = strtoull(*p, &end, base);
	if (errno || end == *p)
		return -EINVAL;
	*p = end;
	return 0;
}

int rp_trace_line(struct rp_trace *t, const char *line, char *err,
		  size_t errlen)
{
	uint64_t seq, tid, ns, id, size, align, old;
	const char *p = line;
	char op;
	int ret;

	t->lines++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#' || *p == '\n')
		return 0;
	if (rp_field(&p, &seq, 10))
		goto bad;
	while (*p == ' ' || *p == '\t')
		p++;
	op = *p++;
	if (!strchr("mcprfMU", op) || (*p != ' ' && *p != '\t'))
		goto bad;
	ret = rp_field(&p, &tid, 10);
	ret = ret ? ret : rp_field(&p, &ns, 10);
	ret = ret ? ret : rp_field(&p, &id, 16);
	ret = ret ? ret : rp_field(&p, &size, 10);
	ret = ret ? ret : rp_field(&p, &align, 10);
	ret = ret ? ret : rp_field(&p, &old, 16);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "line %" PRIu64 ": a negative number; sizes, ids and alignments are unsigned",
			 t->lines);
		return -EINVAL;
	}
	if (ret)
		goto bad;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p)
		goto bad;
	/* a failed call (id 0) is skipped whatever its arguments were */
	if (!id && strchr("mcp", op)) {
		t->events++;
		t->failed_in_trace++;
		return 0;
	}
	if (align & (align - 1)) {
		snprintf(err, errlen, "line %" PRIu64 ": alignment %" PRIu64 " is not a power of two",
			 t->lines, align);
		return -EINVAL;
	}
	t->events++;
	ret = rp_event(t, op, id, size, align, old);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory while reading the trace");
	else if (ret)
		snprintf(err, errlen, "line %" PRIu64 ": too many allocations", t->lines);
	return ret;
bad:
	snprintf(err, errlen, "line %" PRIu64 " is not a fragtrace event (expected: SEQ OP TID NS ID SIZE ALIGN OLD)",
		 t->lines);
	return -EINVAL;
}

void rp_trace_done(struct rp_trace *t)
{
	uint64_t i;

	t->live_at_end = 0;
	for (i = 0; i < t->map_cap; i++)
		t->live_at_end += t->keys[i] && t->keys[i] != RP_TOMB;
	free(t->keys);
	free(t->vals);
	t->keys = NULL;
	t->vals = NULL;
	t->map_cap = t->map_used = 0;
}

int rp_trace_load(const char *path, struct rp_trace *t, char *err,
		  size_t errlen)
{
	char line[512];
	FILE *f;
	int ret = 0;

	rp_trace_init(t);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open trace %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		ret = rp_trace_line(t, line, err, errlen);
		if (ret)
			break;
	}
	fclose(f);
	rp_trace_done(t);
	if (!ret && !t->events) {
		snprintf(err, errlen, "%s has no fragtrace events", path);
		ret = -EINVAL;
	}
	return ret;
}

uint64_t rp_stop_at;

/* ---- the replay loop --------------------------------------------------- */

static double rp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rp_series_point(struct rp_series *s, const char *name,
			    uint64_t op, uint64_t requested, uint64_t granted,
			    const struct rp_state *st, uint64_t failures)
{
	if (s->f && s->json) {
		fprintf(s->f, "%s\n  {\"strategy\": \"%s\", \"op\": %" PRIu64 ", \"requested\": %" PRIu64 ", \"granted\": %" PRIu64 ", \"footprint\": %" PRIu64 ", \"free\": %" PRIu64 ", \"largest_free\": %" PRIu64 ", \"ext_frag_permille\": %u, \"failures\": %" PRIu64 "}",
			s->first ? "" : ",", name, op, requested, granted,
			st->footprint, st->free_bytes, st->largest_free,
			st->ext_permille, failures);
		s->first = false;
	} else if (s->f) {
		fprintf(s->f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%" PRIu64 "\n",
			name, op, requested, granted, st->footprint,
			st->free_bytes, st->largest_free, st->ext_permille,
			failures);
	}
	if (s->svg_cap && s->nr_pts < s->svg_cap) {
		struct rp_point *p = &s->pts[s->nr_pts++];

		p->op = op;
		p->footprint = st->footprint;
		p->requested = requested;
		p->failures = failures;
		p->ext_permille = st->ext_permille;
	}
}

static void rp_account(struct rp_result *r, const struct rp_state *st,
		       uint64_t requested, uint64_t granted, long double *sum_g,
		       long double *sum_waste, long double *sum_ext)
{
	if (st->footprint > r->peak_footprint)
		r->peak_footprint = st->footprint;
	if (requested > r->peak_requested)
		r->peak_requested = requested;
	if (granted > r->peak_granted)
		r->peak_granted = granted;
	if (st->ext_permille > r->ext_peak_permille)
		r->ext_peak_permille = st->ext_permille;
	if (st->largest_free < r->min_largest_free)
		r->min_largest_free = st->largest_free;
	*sum_g += granted;
	*sum_waste += granted - requested;
	*sum_ext += st->ext_permille;
}

/**
 * rp_run() - replay a parsed trace through one backend.
 *
 * Time is the operation count: every op is one tick, measured after it
 * runs.  A failed allocation leaves its slot dead and its free is skipped.
 * "failures_fragmented" counts failures while the allocator had at least
 * the requested number of free bytes (state before the op).
 */
int rp_run(const struct rp_trace *t, struct rp_backend *b,
	   struct rp_result *r, struct rp_series *s, rp_progress_fn progress,
	   void *progress_arg)
{
	long double sum_g = 0, sum_waste = 0, sum_ext = 0;
	uint64_t requested = 0, granted = 0, *gr = NULL, *rq = NULL;
	struct rp_state st;
	size_t i, step;
	double t0;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", b->name);
	r->min_largest_free = UINT64_MAX;
	gr = calloc(t->nr_slots ? t->nr_slots : 1, sizeof(*gr));
	rq = calloc(t->nr_slots ? t->nr_slots : 1, sizeof(*rq));
	if (!gr || !rq) {
		ret = -ENOMEM;
		goto out;
	}
	ret = b->sample(b->priv, &st);
	if (ret)
		goto out;
	step = t->nr_ops / 200 ? t->nr_ops / 200 : 1;
	t0 = rp_now();
	for (i = 0; i < t->nr_ops && (!rp_stop_at || i < rp_stop_at); i++) {
		const struct rp_op *op = &t->ops[i];
		uint64_t g = 0;

		if (op->kind == RP_ALLOC) {
			ret = b->alloc(b->priv, op->slot, op->size, op->align,
				       &g);
			if (ret == -ENOMEM || ret == -E2BIG || ret == -EINVAL ||
			    ret == -ENOSPC) {
				r->failures++;
				if (st.free_bytes >= (op->size ? op->size : 1))
					r->failures_fragmented++;
				ret = 0;
			} else if (ret) {
				goto out;
			} else {
				gr[op->slot] = g;
				rq[op->slot] = op->size;
				requested += op->size;
				granted += g;
				r->allocs++;
			}
		} else {
			if (gr[op->slot]) {
				ret = b->free(b->priv, op->slot);
				if (ret)
					goto out;
				granted -= gr[op->slot];
				requested -= rq[op->slot];
				gr[op->slot] = 0;
				r->frees++;
			}
		}
		r->ops++;
		ret = b->sample(b->priv, &st);
		if (ret)
			goto out;
		rp_account(r, &st, requested, granted, &sum_g, &sum_waste,
			   &sum_ext);
		if (s && (s->f || s->svg_cap) &&
		    (i % (s->every ? s->every : 1) == 0 || i + 1 == t->nr_ops))
			rp_series_point(s, b->name, i + 1, requested, granted,
					&st, r->failures);
		if (progress && i % step == 0)
			progress(progress_arg, b->name, i, t->nr_ops);
	}
	r->seconds = rp_now() - t0;
	r->ops_per_sec = r->seconds > 0 ? r->ops / r->seconds : 0;
	r->internal_permille = sum_g > 0 ?
		(uint32_t)(1000 * sum_waste / sum_g + 0.5L) : 0;
	r->ext_mean_permille = r->ops ?
		(uint32_t)(sum_ext / r->ops + 0.5L) : 0;
	r->final_largest_free = st.largest_free;
	if (r->min_largest_free == UINT64_MAX)
		r->min_largest_free = st.largest_free;
	if (progress)
		progress(progress_arg, b->name, t->nr_ops, t->nr_ops);
out:
	r->error = ret;
	free(gr);
	free(rq);
	return ret;
}
