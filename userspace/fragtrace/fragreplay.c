// SPDX-License-Identifier: GPL-2.0
/*
 * fragreplay - replay a heap trace through the process's own malloc.
 *
 *   LD_PRELOAD=libjemalloc.so.2 fragreplay OPS_FILE
 *
 * `fragctl replay --allocator` parses the trace once, writes its operations
 * as an array of struct rp_op (replay.h; the file layout is struct
 * fr_file_hdr in replay.h) and runs this once per allocator, each in its
 * own process with the allocator preloaded (docs/WORKLOADS.md).
 *
 * The malloc/calloc/memalign/realloc/free sequence is replayed with the
 * real calls; every page of a new block is written once, as a program
 * writes what it allocates, so RSS is what the allocator really keeps.
 * Nothing else in this process uses malloc: the operations are a read-only
 * file mapping, the slot tables anonymous mmaps touched before the
 * baseline, /proc is read with read(2).  Anonymous RSS (statm resident -
 * shared) is sampled every 256 operations and at the end.
 *
 * Prints one line of key=value pairs on stdout: allocator (from dladdr()
 * of malloc), ops, baseline_rss, peak_rss and end_rss (anonymous, minus
 * the baseline), released_rss (end, after fr_release()), peak_live and
 * end_live (requested bytes of live blocks), failures, seconds.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ft_alloc.h"
#include "replay.h"

static long fr_page;
static int fr_statm = -1;

/* Anonymous resident bytes: statm resident - shared (file and shmem). */
static uint64_t fr_rss(void)
{
	unsigned long long size, res, shared;
	char buf[128];
	ssize_t n;

	n = pread(fr_statm, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu %llu", &size, &res, &shared) != 3)
		return 0;
	return (res - (shared < res ? shared : res)) * fr_page;
}

static const char *fr_allocator(void)
{
	return ft_alloc_name(dlsym(RTLD_DEFAULT, "malloc"));
}

/*
 * Ask the allocator to give its free memory back to the system now, as
 * it would by itself after a while (jemalloc's dirty_decay_ms, mimalloc's
 * purge delay) or never (glibc frees only the heap's top; malloc_trim()).
 */
static void fr_release(const char *alloc)
{
	if (!strcmp(alloc, "jemalloc")) {
		int (*ctl)(const char *, void *, size_t *, void *, size_t) =
			dlsym(RTLD_DEFAULT, "mallctl");

		/* MALLCTL_ARENAS_ALL = 4096 */
		if (ctl)
			ctl("arena.4096.purge", NULL, NULL, NULL, 0);
	} else if (!strcmp(alloc, "tcmalloc")) {
		void (*rel)(void) = dlsym(RTLD_DEFAULT,
					 "MallocExtension_ReleaseFreeMemory");

		if (rel)
			rel();
	} else if (!strcmp(alloc, "mimalloc")) {
		void (*collect)(bool) = dlsym(RTLD_DEFAULT, "mi_collect");

		if (collect)
			collect(true);
	} else if (!strcmp(alloc, "glibc")) {
		int (*trim)(size_t) = dlsym(RTLD_DEFAULT, "malloc_trim");

		if (trim)
			trim(0);
	}
}

static void fr_touch(char *p, uint64_t size)
{
	uint64_t o;

	for (o = 0; o < size; o += fr_page)
		p[o] = 1;
	if (size)
		p[size - 1] = 1;
}

static double fr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *fr_table(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	uint64_t live = 0, peak_live = 0, peak = 0, base, end, released;
	uint64_t failures = 0;
	const char *alloc;
	const struct fr_file_hdr *h;
	const struct rp_op *ops;
	const uint64_t *re_ops;
	uint64_t *sz, i, re = 0;
	struct stat st;
	void **ptr;
	double t0;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fragreplay OPS_FILE (run by fragctl replay --allocator)\n");
		return 2;
	}
	fr_page = sysconf(_SC_PAGESIZE);
	fr_statm = open("/proc/self/statm", O_RDONLY);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(*h)) {
		fprintf(stderr, "fragreplay: cannot read %s\n", argv[1]);
		return 1;
	}
	h = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (h == MAP_FAILED || memcmp(h->magic, FR_MAGIC, sizeof(h->magic)) ||
	    sizeof(*h) + h->nr_ops * sizeof(*ops) +
	    h->nr_re_ops * sizeof(*re_ops) != (uint64_t)st.st_size) {
		fprintf(stderr, "fragreplay: %s is not an operations file\n",
			argv[1]);
		return 1;
	}
	ops = (const struct rp_op *)(h + 1);
	re_ops = (const uint64_t *)(ops + h->nr_ops);
	ptr = fr_table(h->nr_slots * sizeof(*ptr));
	sz = fr_table(h->nr_slots * sizeof(*sz));
	if (!ptr || !sz) {
		fprintf(stderr, "fragreplay: cannot map tables for %" PRIu64 " slots\n",
			h->nr_slots);
		return 1;
	}
	for (i = 0; i < h->nr_ops; i++)
		if (ops[i].slot >= h->nr_slots) {
			fprintf(stderr, "fragreplay: op %" PRIu64 " has slot %u of %" PRIu64 "\n",
				i, ops[i].slot, h->nr_slots);
			return 1;
		}
	alloc = fr_allocator();	/* dlsym/dladdr allocate: before the baseline */
	fr_release(alloc);
	base = fr_rss();
	t0 = fr_now();
	for (i = 0; i < h->nr_ops; i++) {
		const struct rp_op *op = &ops[i];
		void *p = NULL;

		while (re < h->nr_re_ops && re_ops[re] < i)
			re++;
		if (op->kind == RP_FREE) {
			free(ptr[op->slot]);
			ptr[op->slot] = NULL;
			live -= sz[op->slot];
			sz[op->slot] = 0;
		} else if (re < h->nr_re_ops && re_ops[re] == i &&
			   i + 1 < h->nr_ops && ops[i + 1].kind == RP_FREE &&
			   ptr[ops[i + 1].slot]) {
			/* realloc: the new block's op, then the old one's free */
			uint32_t old = ops[i + 1].slot;

			p = realloc(ptr[old], op->size ? op->size : 1);
			i++;
			if (!p) {
				failures++;
				continue;	/* the old block stays live */
			}
			ptr[old] = NULL;
			live -= sz[old];
			sz[old] = 0;
		} else if (op->align > 16) {
			if (posix_memalign(&p, op->align, op->size))
				p = NULL;
		} else {
			p = malloc(op->size);
		}
		if (op->kind != RP_FREE) {
			if (!p) {
				failures += op->size != 0;
				continue;
			}
			fr_touch(p, op->size);
			ptr[op->slot] = p;
			sz[op->slot] = op->size;
			live += op->size;
			if (live > peak_live)
				peak_live = live;
		}
		if (!(i & 255)) {
			uint64_t r = fr_rss();

			if (r > peak)
				peak = r;
		}
	}
	t0 = fr_now() - t0;
	end = fr_rss();
	if (end > peak)
		peak = end;
	fr_release(alloc);
	released = fr_rss();
	printf("allocator=%s ops=%" PRIu64 " baseline_rss=%" PRIu64 " peak_rss=%" PRIu64 " end_rss=%" PRIu64 " released_rss=%" PRIu64 " peak_live=%" PRIu64 " end_live=%" PRIu64 " failures=%" PRIu64 " seconds=%.6f\n",
	       alloc, h->nr_ops, base, peak > base ? peak - base : 0,
	       end > base ? end - base : 0,
	       released > base ? released - base : 0, peak_live, live,
	       failures, t0);
	return 0;
}
