// SPDX-License-Identifier: GPL-2.0
/*
 * libfragtrace.so - record the heap traffic of an unmodified program.
 *
 *   LD_PRELOAD=libfragtrace.so FRAGTRACE_OUT=trace.txt PROGRAM ARGS
 *
 * Every malloc, calloc, realloc, reallocarray, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc and every anonymous mmap/munmap
 * becomes one line of text (format: docs/WORKLOADS.md, "Trace format"):
 *
 *   SEQ OP TID NS ID SIZE ALIGN OLD
 *
 * Rules that keep the program's behaviour unchanged:
 *  - the real functions come from dlsym(RTLD_NEXT); while dlsym itself
 *    allocates (it calls calloc/malloc), requests are served from a static
 *    bootstrap buffer whose blocks are never handed to the real free;
 *  - a per-thread flag makes every allocation made while recording (or
 *    by libc on behalf of the tracer) pass straight through unrecorded;
 *  - the tracer never allocates from the heap: lines are formatted by hand
 *    into a fixed buffer and written with write(2);
 *  - errno is preserved around recording.
 *
 * Ordering: a free is recorded before the real free and an allocation
 * after the real allocation returns, both under one lock that also hands
 * out the sequence number, so an address is never recorded as allocated
 * twice.  realloc holds the lock across the real call for the same reason.
 *
 * Durability: the buffer (64 KiB) is written out when it fills, every
 * FRAGTRACE_FLUSH_EVENTS events (default 4096), every 100 ms, at exit and
 * before fork.  Only whole lines are ever written, so a program that
 * crashes leaves a readable trace that misses at most the last events.
 *
 * Output: $FRAGTRACE_OUT (a "%p" in it becomes the pid), default
 * fragtrace.<pid>.  The file is created with O_EXCL: when it already
 * exists (a child process that inherited the same FRAGTRACE_OUT, or an
 * old trace), the process writes to <name>.<pid> instead.  A forked child
 * starts its own file, <name>.<pid>, lazily at its first flush; the exec
 * family is interposed to flush first, and the new program appends to that
 * file.  FRAGTRACE_FOLLOW_FORKS=0 (fragctl record without --follow-forks)
 * records this process only.  When the output cannot be created, one line
 * on stderr says so.
 *
 * Statistics: at exit, and at the next call after SIGUSR2 (the handler
 * only sets a flag), the allocator's own numbers go into the trace as
 * "#stats" comment lines: glibc malloc_info(), jemalloc
 * malloc_stats_print(), tcmalloc MallocExtension_GetNumericProperty(),
 * mimalloc mi_stats_print_out(), looked up with dlsym().
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ft_alloc.h"

#define FT_EXPORT	__attribute__((visibility("default")))
#define FT_BUF_SIZE	(64 * 1024)
#define FT_LINE_MAX	160
#define FT_BOOT_SIZE	(64 * 1024)
#define FT_FLUSH_NS	100000000ULL
#define FT_PATH_MAX	4096

/* Real functions. */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);

/* Bootstrap heap for the allocations dlsym makes before we know calloc. */
static char ft_boot[FT_BOOT_SIZE] __attribute__((aligned(64)));
static size_t ft_boot_used;

static pthread_mutex_t ft_lock = PTHREAD_MUTEX_INITIALIZER;
static char ft_buf[FT_BUF_SIZE];
static size_t ft_len;
static uint64_t ft_seq;
static uint64_t ft_unflushed;
static uint64_t ft_flush_events = 4096;
static uint64_t ft_last_flush_ns;
static uint64_t ft_t0;
static int ft_fd = -1;
static bool ft_failed;		/* could not open/write: stop recording */
static bool ft_follow = true;	/* FRAGTRACE_FOLLOW_FORKS != "0" */
static volatile sig_atomic_t ft_stats_pending;	/* SIGUSR2 arrived */
static bool ft_ready;		/* symbols resolved, recording on */
static int ft_resolving;
static char ft_path[FT_PATH_MAX];
static char ft_base[FT_PATH_MAX];

static __thread int ft_busy;	/* reentrancy guard */
static __thread pid_t ft_tid;

static bool ft_in_boot(const void *p)
{
	return (const char *)p >= ft_boot &&
	       (const char *)p < ft_boot + sizeof(ft_boot);
}

static void *ft_boot_alloc(size_t size, size_t align)
{
	size_t start;

	if (align < 16)
		align = 16;
	start = (ft_boot_used + align - 1) & ~(align - 1);
	if (start + size > sizeof(ft_boot) || start + size < start)
		return NULL;
	ft_boot_used = start + size;
	return ft_boot + start;
}

static uint64_t ft_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- output ------------------------------------------------------------ */

static char *ft_put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *ft_put_dec(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *ft_put_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Build "<base>.<pid>" or substitute %p. */
static void ft_make_path(char *dst, const char *base, pid_t pid, bool suffix)
{
	char *p = dst, *end = dst + FT_PATH_MAX - 24;
	const char *s;

	for (s = base; *s && p < end; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			p = ft_put_dec(p, pid);
			s++;
		} else {
			*p++ = *s;
		}
	}
	if (suffix) {
		*p++ = '.';
		p = ft_put_dec(p, pid);
	}
	*p = '\0';
}

static int ft_write_all(const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(ft_fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= w;
	}
	return 0;
}

static void ft_header(void)
{
	char line[FT_PATH_MAX + 64], exe[FT_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *p = line;

	exe[n > 0 ? n : 0] = '\0';
	p = ft_put_str(p, "#fragtrace 1 pid=");
	p = ft_put_dec(p, getpid());
	p = ft_put_str(p, " exe=");
	p = ft_put_str(p, n > 0 ? exe : "?");
	p = ft_put_str(p, "\n# seq op tid ns id size align old\n");
	ft_write_all(line, p - line);
}

/*
 * <name>.<pid>: a forked child that flushed its events before exec (see
 * execve() below) wrote this file under the same pid; the new program
 * appends to it.  Any other file of that name is an old trace: truncate.
 */
static int ft_open_pid_file(const char *path, pid_t pid)
{
	char head[64], want[64], *p = want;
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return fd;
	p = ft_put_str(p, "#fragtrace 1 pid=");
	p = ft_put_dec(p, pid);
	*p++ = ' ';
	n = pread(fd, head, sizeof(head), 0);
	if (n < p - want || memcmp(head, want, p - want))
		(void)!ftruncate(fd, 0);	/* on failure: appends */
	return fd;
}

/* Once, on stderr: the program runs on, unrecorded. */
static void ft_report_open_failure(int err)
{
	char line[FT_PATH_MAX + 160], *p = line;
	const char *e = strerror(err);

	p = ft_put_str(p, "libfragtrace: cannot open ");
	p = ft_put_str(p, ft_path);
	p = ft_put_str(p, ": ");
	p = ft_put_str(p, e ? e : "error");
	p = ft_put_str(p, "; not recording this process\n");
	if (write(2, line, p - line) < 0)
		return;
}

/* Open the output on first use.  Called with ft_lock held. */
static int ft_open(void)
{
	pid_t pid = getpid();

	if (ft_fd >= 0)
		return 0;
	if (ft_failed)
		return -1;
	ft_make_path(ft_path, ft_base, pid, false);
	ft_fd = open(ft_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (ft_fd < 0 && errno == EEXIST) {
		ft_make_path(ft_path, ft_base, pid, true);
		ft_fd = ft_open_pid_file(ft_path, pid);
	}
	if (ft_fd < 0) {
		ft_failed = true;
		ft_report_open_failure(errno);
		return -1;
	}
	ft_header();
	return 0;
}

static void ft_flush_locked(void)
{
	if (!ft_len)
		return;
	if (ft_open() || ft_write_all(ft_buf, ft_len))
		ft_failed = true;
	ft_len = 0;
	ft_unflushed = 0;
}

/*
 * Append one event.  The caller has set ft_busy.  Fields that do not apply
 * are 0.  Called with ft_lock held (ft_record_locked) or takes it.
 */
static void ft_record_locked(char op, uint64_t id, uint64_t size,
			     uint64_t align, uint64_t old)
{
	char *p, *start;
	uint64_t now;

	if (ft_failed)
		return;
	if (ft_len + FT_LINE_MAX > sizeof(ft_buf))
		ft_flush_locked();
	if (!ft_tid)
		ft_tid = (pid_t)syscall(SYS_gettid);
	now = ft_now();
	start = p = ft_buf + ft_len;
	p = ft_put_dec(p, ft_seq++);
	*p++ = ' ';
	*p++ = op;
	*p++ = ' ';
	p = ft_put_dec(p, ft_tid);
	*p++ = ' ';
	p = ft_put_dec(p, now - ft_t0);
	*p++ = ' ';
	p = ft_put_hex(p, id);
	*p++ = ' ';
	p = ft_put_dec(p, size);
	*p++ = ' ';
	p = ft_put_dec(p, align);
	*p++ = ' ';
	p = ft_put_hex(p, old);
	*p++ = '\n';
	ft_len += p - start;
	if (++ft_unflushed >= ft_flush_events ||
	    now - ft_last_flush_ns >= FT_FLUSH_NS) {
		ft_flush_locked();
		ft_last_flush_ns = now;
	}
}

static void ft_record(char op, uint64_t id, uint64_t size, uint64_t align,
		      uint64_t old)
{
	int saved = errno;

	pthread_mutex_lock(&ft_lock);
	ft_record_locked(op, id, size, align, old);
	pthread_mutex_unlock(&ft_lock);
	errno = saved;
}

/* ---- the allocator's own statistics ------------------------------------ */

/* "#stats <alloc> " before every line of text handed over in pieces. */
struct ft_lines {
	const char *prefix;
	bool bol;
};

static void ft_stats_text(struct ft_lines *l, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (l->bol)
			ft_write_all(l->prefix, strlen(l->prefix));
		ft_write_all(s, n);
		l->bol = nl != NULL;
		s += n;
	}
}

static void ft_stats_cb(void *arg, const char *s)
{
	ft_stats_text(arg, s);
}

/* mimalloc's mi_output_fun has the arguments the other way round */
static void ft_stats_cb_mi(const char *s, void *arg)
{
	ft_stats_text(arg, s);
}

static const char *ft_allocator(void)
{
	return ft_alloc_name((void *)real_malloc);
}

static void ft_stats_glibc(struct ft_lines *l)
{
	int (*info)(int, FILE *) = dlsym(RTLD_DEFAULT, "malloc_info");
	struct mallinfo2 (*mi2)(void) = dlsym(RTLD_DEFAULT, "mallinfo2");
	char *text = NULL, line[256], *p;
	size_t len = 0;
	FILE *f;

	if (mi2) {
		struct mallinfo2 m = mi2();

		p = ft_put_str(line, "mallinfo2 arena=");
		p = ft_put_dec(p, m.arena);
		p = ft_put_str(p, " in_use=");
		p = ft_put_dec(p, m.uordblks);
		p = ft_put_str(p, " free=");
		p = ft_put_dec(p, m.fordblks);
		p = ft_put_str(p, " mmapped=");
		p = ft_put_dec(p, m.hblkhd);
		p = ft_put_str(p, " top_releasable=");
		p = ft_put_dec(p, m.keepcost);
		p = ft_put_str(p, "\n");
		*p = 0;
		ft_stats_text(l, line);
	}
	if (!info)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	info(0, f);
	fclose(f);
	if (text)
		ft_stats_text(l, text);
	real_free(text);
}

static void ft_stats_tcmalloc(struct ft_lines *l)
{
	static const char *const props[] = {
		"generic.current_allocated_bytes", "generic.heap_size",
		"tcmalloc.pageheap_free_bytes", "tcmalloc.pageheap_unmapped_bytes",
		"tcmalloc.central_cache_free_bytes",
		"tcmalloc.transfer_cache_free_bytes",
		"tcmalloc.thread_cache_free_bytes",
	};
	int (*get)(const char *, size_t *) =
		dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
	char line[160], *p;
	size_t i, v;

	for (i = 0; get && i < sizeof(props) / sizeof(props[0]); i++) {
		if (!get(props[i], &v))
			continue;
		p = ft_put_str(line, props[i]);
		p = ft_put_str(p, "=");
		p = ft_put_dec(p, v);
		p = ft_put_str(p, "\n");
		*p = 0;
		ft_stats_text(l, line);
	}
}

/*
 * Write the allocator's own statistics into the trace as "#stats" comment
 * lines (replay skips them).  Caller has ft_busy set, ft_lock not held.
 */
static void ft_stats(const char *why)
{
	const char *alloc = ft_allocator();
	char prefix[64], line[128], *p;
	struct ft_lines l = { prefix, true };
	int saved = errno;

	p = ft_put_str(prefix, "#stats ");
	p = ft_put_str(p, alloc);
	p = ft_put_str(p, " ");
	*p = 0;
	pthread_mutex_lock(&ft_lock);
	ft_flush_locked();
	if (ft_failed || ft_fd < 0)
		goto out_unlock;
	p = ft_put_str(line, "#stats begin why=");
	p = ft_put_str(p, why);
	p = ft_put_str(p, " allocator=");
	p = ft_put_str(p, alloc);
	p = ft_put_str(p, " seq=");
	p = ft_put_dec(p, ft_seq);
	p = ft_put_str(p, "\n");
	ft_write_all(line, p - line);
	if (!strcmp(alloc, "jemalloc")) {
		void (*msp)(void (*)(void *, const char *), void *,
			    const char *) = dlsym(RTLD_DEFAULT,
						  "malloc_stats_print");

		/* "a" "b" "l" "x": no per-arena, bin, large or mutex tables */
		if (msp)
			msp(ft_stats_cb, &l, "ablx");
	} else if (!strcmp(alloc, "tcmalloc")) {
		ft_stats_tcmalloc(&l);
	} else if (!strcmp(alloc, "mimalloc")) {
		void (*mso)(void (*)(const char *, void *), void *) =
			dlsym(RTLD_DEFAULT, "mi_stats_print_out");

		if (mso)
			mso(ft_stats_cb_mi, &l);
	} else {
		ft_stats_glibc(&l);
	}
	if (!l.bol)
		ft_write_all("\n", 1);
	ft_write_all("#stats end\n", 11);
out_unlock:
	pthread_mutex_unlock(&ft_lock);
	errno = saved;
}

static void ft_usr2(int sig)
{
	ft_stats_pending = 1;
}

/* ---- setup ------------------------------------------------------------- */

static void *ft_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void ft_resolve(void)
{
	if (real_malloc || ft_resolving)
		return;
	ft_resolving = 1;
	real_calloc = ft_sym("calloc");
	real_malloc = ft_sym("malloc");
	real_realloc = ft_sym("realloc");
	real_free = ft_sym("free");
	real_posix_memalign = ft_sym("posix_memalign");
	real_aligned_alloc = ft_sym("aligned_alloc");
	real_memalign = ft_sym("memalign");
	real_valloc = ft_sym("valloc");
	real_pvalloc = ft_sym("pvalloc");
	real_mmap = ft_sym("mmap");
	real_munmap = ft_sym("munmap");
	ft_resolving = 0;
}

static void ft_atfork_prepare(void)
{
	pthread_mutex_lock(&ft_lock);
	ft_busy++;
	ft_flush_locked();
	ft_busy--;
}

static void ft_atfork_parent(void)
{
	pthread_mutex_unlock(&ft_lock);
}

static void ft_atfork_child(void)
{
	/* The child writes its own file, <name>.<pid>, from its first flush. */
	if (ft_fd >= 0)
		close(ft_fd);
	ft_fd = -1;
	ft_len = 0;
	ft_unflushed = 0;
	ft_tid = 0;
	if (!ft_follow)
		ft_failed = true;	/* fragctl record without --follow-forks */
	if (strlen(ft_base) + 1 < sizeof(ft_base) && !strstr(ft_base, "%p")) {
		/* force the suffix: make the base name unique per pid */
		size_t n = strlen(ft_base);

		if (n + 3 < sizeof(ft_base))
			memcpy(ft_base + n, ".%p", 4);
	}
	pthread_mutex_unlock(&ft_lock);
}

/*
 * Without --follow-forks, programs this one execs must not load the tracer:
 * take libfragtrace.so out of LD_PRELOAD (in place, no allocation).
 */
static void ft_unpreload(void)
{
	char *v = getenv("LD_PRELOAD"), *w, *r;

	if (!v)
		return;
	for (r = w = v; *r;) {
		size_t n = strcspn(r, " :");
		bool ours = n >= 15 && !memcmp(r + n - 15, "libfragtrace.so", 15);

		if (!ours) {
			if (w != v)
				*w++ = ' ';
			memmove(w, r, n);
			w += n;
		}
		r += n;
		r += strspn(r, " :");
	}
	*w = 0;
}

/* SIGUSR2 asks for statistics, unless the program handles it itself. */
static void ft_catch_usr2(void)
{
	struct sigaction sa, old;

	if (sigaction(SIGUSR2, NULL, &old) || old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ft_usr2;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}

__attribute__((constructor)) static void ft_init(void)
{
	const char *out, *ev;

	ft_busy++;
	ft_resolve();
	out = getenv("FRAGTRACE_OUT");
	if (out && *out && strlen(out) < sizeof(ft_base) - 8) {
		strcpy(ft_base, out);
	} else {
		char *p = ft_put_str(ft_base, "fragtrace.%p");
		*p = '\0';
	}
	ev = getenv("FRAGTRACE_FLUSH_EVENTS");
	if (ev && *ev) {
		uint64_t v = strtoull(ev, NULL, 10);

		if (v)
			ft_flush_events = v;
	}
	ev = getenv("FRAGTRACE_FOLLOW_FORKS");
	if (ev && !strcmp(ev, "0")) {
		ft_follow = false;
		ft_unpreload();
	}
	ft_t0 = ft_now();
	ft_last_flush_ns = ft_t0;
	ft_catch_usr2();
	pthread_atfork(ft_atfork_prepare, ft_atfork_parent, ft_atfork_child);
	pthread_mutex_lock(&ft_lock);
	ft_open();
	pthread_mutex_unlock(&ft_lock);
	ft_ready = true;
	ft_busy--;
}

__attribute__((destructor)) static void ft_fini(void)
{
	ft_busy++;
	if (ft_ready && !ft_failed)
		ft_stats("exit");
	pthread_mutex_lock(&ft_lock);
	ft_flush_locked();
	pthread_mutex_unlock(&ft_lock);
	ft_busy--;
}

/* Recording is on for this call: resolved, initialised, not nested. */
static bool ft_enter(void)
{
	if (ft_busy || !ft_ready)
		return false;
	ft_busy++;
	/* SIGUSR2 only sets a flag: the statistics are taken here, safely */
	if (ft_stats_pending) {
		ft_stats_pending = 0;
		ft_stats("sigusr2");
	}
	return true;
}

static void ft_leave(void)
{
	ft_busy--;
}

/* ---- the interposed functions ------------------------------------------ */

FT_EXPORT void *malloc(size_t size)
{
	void *p;

	if (!real_malloc) {
		ft_resolve();
		if (!real_malloc)
			return ft_boot_alloc(size, 16);
	}
	if (!ft_enter())
		return real_malloc(size);
	p = real_malloc(size);
	ft_record('m', (uintptr_t)p, size, 0, 0);
	ft_leave();
	return p;
}

FT_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (!real_calloc) {
		/* dlsym's own calloc: the static buffer is zero already */
		if (__builtin_mul_overflow(n, size, &total))
			return NULL;
		ft_resolve();
		if (!real_calloc)
			return ft_boot_alloc(total, 16);
	}
	if (!ft_enter())
		return real_calloc(n, size);
	p = real_calloc(n, size);
	if (__builtin_mul_overflow(n, size, &total))
		total = SIZE_MAX;
	ft_record('c', (uintptr_t)p, total, 0, 0);
	ft_leave();
	return p;
}

FT_EXPORT void free(void *p)
{
	if (!p || ft_in_boot(p))
		return;
	if (!real_free)
		ft_resolve();
	if (!ft_enter()) {
		real_free(p);
		return;
	}
	ft_record('f', (uintptr_t)p, 0, 0, 0);
	real_free(p);
	ft_leave();
}

static void *ft_realloc_boot(void *old, size_t size)
{
	size_t avail = ft_boot + sizeof(ft_boot) - (char *)old;
	void *p = malloc(size);

	if (p)
		memcpy(p, old, size < avail ? size : avail);
	return p;
}

FT_EXPORT void *realloc(void *old, size_t size)
{
	int saved;
	void *p;

	if (old && ft_in_boot(old))
		return ft_realloc_boot(old, size);
	if (!real_realloc) {
		ft_resolve();
		if (!real_realloc)
			return NULL;
	}
	if (!ft_enter())
		return real_realloc(old, size);
	pthread_mutex_lock(&ft_lock);
	p = real_realloc(old, size);
	saved = errno;
	ft_record_locked('r', (uintptr_t)p, size, 0, (uintptr_t)old);
	pthread_mutex_unlock(&ft_lock);
	errno = saved;
	ft_leave();
	return p;
}

/* glibc's reallocarray calls its realloc internally: route it through ours. */
FT_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

FT_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int ret;

	if (!real_posix_memalign) {
		ft_resolve();
		if (!real_posix_memalign)
			return ENOMEM;
	}
	if (!ft_enter())
		return real_posix_memalign(out, align, size);
	ret = real_posix_memalign(out, align, size);
	ft_record('p', ret ? 0 : (uintptr_t)*out, size, align, 0);
	ft_leave();
	return ret;
}

static void *ft_aligned(void *(*fn)(size_t, size_t), size_t align,
			size_t size)
{
	void *p;

	if (!fn)
		return NULL;
	if (!ft_enter())
		return fn(align, size);
	p = fn(align, size);
	ft_record('p', (uintptr_t)p, size, align, 0);
	ft_leave();
	return p;
}

FT_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!real_aligned_alloc)
		ft_resolve();
	return ft_aligned(real_aligned_alloc, align, size);
}

FT_EXPORT void *memalign(size_t align, size_t size)
{
	if (!real_memalign)
		ft_resolve();
	return ft_aligned(real_memalign, align, size);
}

static size_t ft_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

FT_EXPORT void *valloc(size_t size)
{
	void *p;

	if (!real_valloc)
		ft_resolve();
	if (!real_valloc)
		return NULL;
	if (!ft_enter())
		return real_valloc(size);
	p = real_valloc(size);
	ft_record('p', (uintptr_t)p, size, ft_page_size(), 0);
	ft_leave();
	return p;
}

FT_EXPORT void *pvalloc(size_t size)
{
	size_t ps = ft_page_size();
	void *p;

	if (!real_pvalloc)
		ft_resolve();
	if (!real_pvalloc)
		return NULL;
	if (!ft_enter())
		return real_pvalloc(size);
	p = real_pvalloc(size);
	ft_record('p', (uintptr_t)p, (size + ps - 1) & ~(ps - 1), ps, 0);
	ft_leave();
	return p;
}

FT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	void *p;

	if (!real_mmap) {
		ft_resolve();
		if (!real_mmap) {
			errno = ENOSYS;
			return MAP_FAILED;
		}
	}
	if (!(flags & MAP_ANONYMOUS) || !ft_enter())
		return real_mmap(addr, len, prot, flags, fd, off);
	p = real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED)
		ft_record('M', (uintptr_t)p, len, ft_page_size(), 0);
	ft_leave();
	return p;
}

FT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off) __attribute__((alias("mmap")));

FT_EXPORT int munmap(void *addr, size_t len)
{
	if (!real_munmap) {
		ft_resolve();
		if (!real_munmap) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (!ft_enter())
		return real_munmap(addr, len);
	/* Recorded for every munmap: the replay ignores unknown ranges. */
	ft_record('U', (uintptr_t)addr, len, 0, 0);
	ft_leave();
	return real_munmap(addr, len);
}

/* ---- exec: a forked child's events must reach its file first ------------ */

static void ft_before_exec(void)
{
	int saved = errno;

	if (!ft_ready)
		return;
	ft_busy++;
	pthread_mutex_lock(&ft_lock);
	ft_flush_locked();
	pthread_mutex_unlock(&ft_lock);
	ft_busy--;
	errno = saved;
}

FT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*fn)(const char *, char *const[], char *const[]) =
		ft_sym("execve");

	ft_before_exec();
	return fn ? fn(path, argv, envp) : (errno = ENOSYS, -1);
}

FT_EXPORT int execv(const char *path, char *const argv[])
{
	int (*fn)(const char *, char *const[]) = ft_sym("execv");

	ft_before_exec();
	return fn ? fn(path, argv) : (errno = ENOSYS, -1);
}

FT_EXPORT int execvp(const char *file, char *const argv[])
{
	int (*fn)(const char *, char *const[]) = ft_sym("execvp");

	ft_before_exec();
	return fn ? fn(file, argv) : (errno = ENOSYS, -1);
}

FT_EXPORT int execvpe(const char *file, char *const argv[],
		      char *const envp[])
{
	int (*fn)(const char *, char *const[], char *const[]) =
		ft_sym("execvpe");

	ft_before_exec();
	return fn ? fn(file, argv, envp) : (errno = ENOSYS, -1);
}

/* glibc's execl* call its internal execve directly: collect and forward. */
#define FT_EXECL_MAX	4096

static int ft_execl(const char *path, const char *arg0, va_list ap,
		    int kind)
{
	char *argv[FT_EXECL_MAX];
	char *const *envp = environ;
	unsigned int n = 0;
	const char *a = arg0;

	while (a && n < FT_EXECL_MAX - 1) {
		argv[n++] = (char *)a;
		a = va_arg(ap, const char *);
	}
	if (a) {
		errno = E2BIG;
		return -1;
	}
	argv[n] = NULL;
	if (kind == 'e')
		envp = va_arg(ap, char *const *);
	if (kind == 'p')
		return execvp(path, argv);
	return execve(path, argv, envp);
}

FT_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = ft_execl(path, arg, ap, 0);
	va_end(ap);
	return ret;
}

FT_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = ft_execl(file, arg, ap, 'p');
	va_end(ap);
	return ret;
}

FT_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = ft_execl(path, arg, ap, 'e');
	va_end(ap);
	return ret;
}
