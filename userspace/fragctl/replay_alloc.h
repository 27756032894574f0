/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay_alloc.h - fragctl replay --allocator (replay_alloc.c).
 */
#ifndef FRAGCTL_REPLAY_ALLOC_H
#define FRAGCTL_REPLAY_ALLOC_H

#include "replay.h"

#define RA_NR	4	/* glibc, jemalloc, tcmalloc, mimalloc */

struct ra_result {
	char name[16];
	char error[128];	/* "": the run worked */
	uint64_t ops;
	uint64_t peak_rss, end_rss;	/* anonymous, above the baseline */
	uint64_t released_rss;		/* end, after the allocator purged */
	uint64_t peak_live, end_live;	/* live requested bytes */
	uint64_t failures;
	double seconds;
};

/* "glibc,jemalloc" or "all" into a mask; -EINVAL for an unknown name. */
int ra_parse(const char *list, unsigned int *mask);
/* Runs every allocator of @mask; a row with .error for one that failed. */
int ra_run(const struct rp_trace *t, unsigned int mask, struct ra_result *res,
	   unsigned int *n);
/* The allocator rows, then @ns strategy rows in the same columns. */
void ra_print(const struct ra_result *r, unsigned int n,
	      const struct rp_result *s, unsigned int ns);
/* A JSON array of the allocator rows. */
void ra_print_json(const struct ra_result *r, unsigned int n);

#endif /* FRAGCTL_REPLAY_ALLOC_H */
