// SPDX-License-Identifier: GPL-2.0
/*
 * cache-churn - a long-running fragmenting workload: a key-value cache
 * whose values change size over time, like a Redis instance whose clients
 * change what they store.  docs/AUDIT.md, "Would jemalloc fix it?".
 *
 *   cache-churn [OPS [KEYS [SEED [SLEEP]]]]   (default 2000000 20000 1 0)
 *
 * Every operation sets one random key: the old value is freed and a new
 * one allocated and written.  Value sizes come in four phases of OPS/4
 * operations each: 1..4 KiB, 4..16 KiB, then 16..512 B twice (big values
 * replaced by small ones, as when a cache's clients change what they
 * store); one key in 64 is set once and never changes (long-lived
 * objects that pin the memory around them).  At the end it prints its own numbers: live
 * value bytes and anonymous RSS (statm resident - shared), like `INFO
 * memory`'s used_memory and used_memory_rss, then sleeps SLEEP seconds
 * (for fragctl audit --pid to look at it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 1;

static uint64_t next(void)
{
	/* xorshift64*: the same sequence on every libc */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static size_t value_size(unsigned long op, unsigned long ops)
{
	static const size_t lo[4] = { 1024, 4096, 16, 16 };
	static const size_t hi[4] = { 4096, 16384, 512, 512 };
	unsigned int phase = (unsigned int)(op * 4 / ops);

	return lo[phase] + next() % (hi[phase] - lo[phase] + 1);
}

static unsigned long long anon_rss(void)
{
	unsigned long long size, res, shared;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%llu %llu %llu", &size, &res, &shared);
	fclose(f);
	return n == 3 ? (res - shared) * (unsigned long long)sysconf(_SC_PAGESIZE) : 0;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	unsigned long keys = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
	unsigned long op, k;
	unsigned long long live = 0;
	size_t *len;
	char **val;

	rng = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 1;
	if (!ops || keys < 64) {
		fprintf(stderr, "usage: cache-churn [OPS [KEYS>=64 [SEED [SLEEP]]]]\n");
		return 2;
	}
	val = calloc(keys, sizeof(*val));
	len = calloc(keys, sizeof(*len));
	if (!val || !len)
		return 1;
	for (op = 0; op < ops; op++) {
		k = next() % keys;
		if (val[k] && k % 64 == 0)
			continue;	/* pinned: set once, kept */
		free(val[k]);
		live -= len[k];
		len[k] = value_size(op, ops);
		val[k] = malloc(len[k]);
		if (!val[k])
			return 1;
		memset(val[k], (int)op, len[k]);
		live += len[k];
	}
	printf("ops=%lu keys=%lu live_bytes=%llu anon_rss=%llu ratio=%.2f\n",
	       ops, keys, live, anon_rss(), live ? (double)anon_rss() / live : 0);
	fflush(stdout);
	if (argc > 4)
		sleep((unsigned int)strtoul(argv[4], NULL, 10));
	return 0;
}
