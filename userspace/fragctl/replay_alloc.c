// SPDX-License-Identifier: GPL-2.0
/*
 * replay_alloc.c - fragctl replay --allocator: a trace through the real
 * allocators (glibc, jemalloc, tcmalloc, mimalloc), each in its own
 * process running fragreplay with the allocator preloaded.
 * docs/WORKLOADS.md, "Real allocators".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fragctl.h"
#include "replay.h"
#include "replay_alloc.h"

/* Debian's sonames; LD_PRELOAD finds them on the library path. */
static const struct {
	const char *name;
	const char *soname;	/* NULL: the C library's own malloc */
	const char *package;
} ra_allocs[RA_NR] = {
	{ "glibc", NULL, "libc6" },
	{ "jemalloc", "libjemalloc.so.2", "libjemalloc2" },
	{ "tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4" },
	{ "mimalloc", "libmimalloc.so.2", "libmimalloc2.0" },
};

int ra_parse(const char *list, unsigned int *mask)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int i;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*mask = (1U << RA_NR) - 1;
			continue;
		}
		for (i = 0; i < RA_NR; i++)
			if (!strcmp(tok, ra_allocs[i].name))
				break;
		if (i == RA_NR) {
			free(copy);
			return -EINVAL;
		}
		*mask |= 1U << i;
	}
	free(copy);
	return *mask ? 0 : -EINVAL;
}

/* The parsed trace as fragreplay reads it (struct fr_file_hdr). */
static int ra_write_ops(const struct rp_trace *t, char *path, size_t len)
{
	struct fr_file_hdr h;
	const char *dir = getenv("TMPDIR");
	uint64_t i, v;
	FILE *f;
	int fd;

	snprintf(path, len, "%s/fragctl-ops.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, FR_MAGIC, sizeof(h.magic));
	h.nr_ops = t->nr_ops;
	h.nr_slots = t->nr_slots;
	h.nr_re_ops = t->nr_re_ops;
	fwrite(&h, sizeof(h), 1, f);
	fwrite(t->ops, sizeof(*t->ops), t->nr_ops, f);
	for (i = 0; i < t->nr_re_ops; i++) {
		v = t->re_ops[i];
		fwrite(&v, sizeof(v), 1, f);
	}
	if (fclose(f)) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

static uint64_t ra_key(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* One allocator: fork, preload, exec fragreplay, read its line. */
static int ra_one(int a, const char *helper, const char *ops,
		  struct ra_result *r)
{
	char line[512], want[48];
	int pfd[2], status;
	ssize_t n, got = 0;
	const char *s;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", ra_allocs[a].name);
	if (pipe(pfd))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		if (ra_allocs[a].soname)
			setenv("LD_PRELOAD", ra_allocs[a].soname, 1);
		else
			unsetenv("LD_PRELOAD");
		execl(helper, "fragreplay", ops, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got < (ssize_t)sizeof(line) - 1 &&
	       (n = read(pfd[0], line + got, sizeof(line) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	line[got > 0 ? got : 0] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	snprintf(want, sizeof(want), "allocator=%s ", ra_allocs[a].name);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !got) {
		snprintf(r->error, sizeof(r->error), "fragreplay %s",
			 WIFSIGNALED(status) ? "was killed by a signal" :
			 "failed");
		return -EIO;
	}
	if (strncmp(line, want, strlen(want))) {
		/* the preload did not take: the library is not installed */
		snprintf(r->error, sizeof(r->error),
			 "%s is not installed (Debian: apt install %s)",
			 ra_allocs[a].soname, ra_allocs[a].package);
		return -ENOENT;
	}
	r->peak_rss = ra_key(line, " peak_rss=");
	r->end_rss = ra_key(line, " end_rss=");
	r->released_rss = ra_key(line, " released_rss=");
	r->peak_live = ra_key(line, " peak_live=");
	r->end_live = ra_key(line, " end_live=");
	r->failures = ra_key(line, " failures=");
	r->ops = ra_key(line, " ops=");
	s = strstr(line, " seconds=");
	r->seconds = s ? strtod(s + 9, NULL) : 0;
	return 0;
}

int ra_run(const struct rp_trace *t, unsigned int mask, struct ra_result *res,
	   unsigned int *n)
{
	char helper[PATH_MAX], ops[PATH_MAX];
	int a, ret;

	*n = 0;
	if (fc_helper_path("fragreplay", "FRAGCTL_FRAGREPLAY", helper,
			   sizeof(helper))) {
		fprintf(stderr, "fragctl: cannot find fragreplay (looked next to fragctl and in %s; FRAGCTL_FRAGREPLAY names it)\n",
			FRAGLAB_LIBDIR);
		return -ENOENT;
	}
	ret = ra_write_ops(t, ops, sizeof(ops));
	if (ret) {
		fc_fail("writing the operations file", ret);
		return ret;
	}
	for (a = 0; a < RA_NR; a++) {
		if (!(mask & (1U << a)))
			continue;
		ret = ra_one(a, helper, ops, &res[*n]);
		(*n)++;
		if (ret)
			fprintf(stderr, "fragctl: replay --allocator %s: %s\n",
				ra_allocs[a].name, res[*n - 1].error);
	}
	unlink(ops);
	return 0;
}

static const char *ra_size(uint64_t b, char *buf, size_t len)
{
	if (b >= (10ULL << 20))
		snprintf(buf, len, "%.1f MiB", b / 1048576.0);
	else
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	return buf;
}

/* RSS / live bytes, Redis's mem_fragmentation_ratio; 0 when nothing lives */
static double ra_ratio(uint64_t rss, uint64_t live)
{
	return live ? (double)rss / live : 0;
}

void ra_print(const struct ra_result *r, unsigned int n,
	      const struct rp_result *s, unsigned int ns)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];
	unsigned int i;

	printf("\n%-18s %11s %11s %11s %11s %11s %6s %6s %6s %8s\n",
	       ns ? "allocator/strategy" : "allocator", "peak RSS",
	       "peak live", "RSS at end", "released", "live at end", "peak x",
	       "end x", "rel x", "seconds");
	for (i = 0; i < n; i++) {
		if (r[i].error[0]) {
			printf("%-18s %s\n", r[i].name, r[i].error);
			continue;
		}
		printf("%-18s %11s %11s %11s %11s %11s %6.2f %6.2f %6.2f %8.3f\n",
		       r[i].name, ra_size(r[i].peak_rss, b1, sizeof(b1)),
		       ra_size(r[i].peak_live, b2, sizeof(b2)),
		       ra_size(r[i].end_rss, b3, sizeof(b3)),
		       ra_size(r[i].released_rss, b5, sizeof(b5)),
		       ra_size(r[i].end_live, b4, sizeof(b4)),
		       ra_ratio(r[i].peak_rss, r[i].peak_live),
		       ra_ratio(r[i].end_rss, r[i].end_live),
		       ra_ratio(r[i].released_rss, r[i].end_live),
		       r[i].seconds);
	}
	for (i = 0; i < ns; i++)
		printf("%-18s %11s %11s %11s %11s %11s %6.2f %6s %6s %8.3f\n",
		       s[i].name, ra_size(s[i].peak_footprint, b1, sizeof(b1)),
		       ra_size(s[i].peak_requested, b2, sizeof(b2)), "-", "-",
		       "-", ra_ratio(s[i].peak_footprint, s[i].peak_requested),
		       "-", "-", s[i].seconds);
	printf("\nallocators: the trace's malloc/free/realloc/memalign through the real library,\n"
	       "one process each (fragreplay, library preloaded), every page written; RSS is\n"
	       "anonymous resident memory above the process's baseline; released: at the end after\n"
	       "the allocator was asked to return free memory (malloc_trim, jemalloc arena purge,\n"
	       "tcmalloc ReleaseFreeMemory, mi_collect), what a long-running process gets back\n"
	       "over time at best. x = RSS / live requested bytes (Redis's mem_fragmentation_ratio)%s.\n"
	       "docs/WORKLOADS.md.\n",
	       ns ? ";\nstrategy rows: peak footprint / peak requested in fraglab's arena" : "");
}

void ra_print_json(const struct ra_result *r, unsigned int n)
{
	unsigned int i;

	printf("[");
	for (i = 0; i < n; i++) {
		printf("%s\n  {\"allocator\": \"%s\"", i ? "," : "", r[i].name);
		if (r[i].error[0]) {
			printf(", \"error\": ");
			fc_json_str(r[i].error);
			printf("}");
			continue;
		}
		printf(", \"ops\": %" PRIu64 ", \"peak_rss\": %" PRIu64 ", \"end_rss\": %" PRIu64 ", \"released_rss\": %" PRIu64 ", \"peak_live\": %" PRIu64 ", \"end_live\": %" PRIu64 ", \"peak_ratio\": %.4f, \"end_ratio\": %.4f, \"released_ratio\": %.4f, \"failures\": %" PRIu64 ", \"seconds\": %.6f}",
		       r[i].ops, r[i].peak_rss, r[i].end_rss,
		       r[i].released_rss, r[i].peak_live, r[i].end_live,
		       ra_ratio(r[i].peak_rss, r[i].peak_live),
		       ra_ratio(r[i].end_rss, r[i].end_live),
		       ra_ratio(r[i].released_rss, r[i].end_live),
		       r[i].failures, r[i].seconds);
	}
	printf("\n]");
}
