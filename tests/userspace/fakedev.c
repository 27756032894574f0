// SPDX-License-Identifier: GPL-2.0
/*
 * fakedev.c - LD_PRELOAD stand-in for /dev/fraglab on a host without the
 * module: open("/fake/fraglab") gives an fd on /dev/null, and on that fd
 * FRAGLAB_IOC_VERSION and FRAGLAB_IOC_STATS answer with a fixed 64 MiB
 * arena.  Only for checking the shape of what fragctl prints about an
 * arena (metric names, types, HELP: promtool check metrics); the numbers
 * mean nothing.  Every other ioctl fails with ENOTTY.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fraglab.h>

#define FAKE_PATH	"/fake/fraglab"

static int fake_fd = -1;

static int fake_open(const char *path, int flags, mode_t mode, const char *sym)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, sym);

	if (strcmp(path, FAKE_PATH))
		return real(path, flags, mode);
	fake_fd = real("/dev/null", O_RDWR | O_CLOEXEC, 0);
	return fake_fd;
}

/* open() and open64(): the same wrapper under both names */
#define FAKE_OPEN(fn)						\
int fn(const char *path, int flags, ...)			\
{								\
	va_list ap;						\
	mode_t mode;						\
								\
	va_start(ap, flags);					\
	mode = va_arg(ap, mode_t);				\
	va_end(ap);						\
	return fake_open(path, flags, mode, #fn);		\
}
FAKE_OPEN(open)
FAKE_OPEN(open64)

int ioctl(int fd, unsigned long req, ...)
{
	int (*real)(int, unsigned long, ...) = dlsym(RTLD_NEXT, "ioctl");
	struct fraglab_version *v;
	struct fraglab_stats *st;
	unsigned int o;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd || fd < 0)
		return real(fd, req, arg);
	switch (req) {
	case FRAGLAB_IOC_VERSION:
		v = arg;
		memset(v, 0, sizeof(*v));
		v->api_major = FRAGLAB_API_MAJOR;
		v->api_minor = FRAGLAB_API_MINOR;
		v->page_size = 4096;
		v->max_order = 10;
		v->kernel_max_order = 10;
		v->block_order = 9;
		v->arena_pages = 16384;
		v->arena_bytes = 64 << 20;
		v->nr_chunks = 1;
		return 0;
	case FRAGLAB_IOC_STATS:
		st = arg;
		memset(st, 0, sizeof(*st));
		st->total_pages = 16384;
		for (o = 0; o < FRAGLAB_NR_ORDERS; o++) {
			st->nr_free[o] = o + 1;
			st->free_pages += (o + 1ULL) << o;
		}
		st->fail_fragmented = 3;
		st->fail_nomem = 1;
		st->largest_free_order = 10;
		st->max_order = 10;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}
