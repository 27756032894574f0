/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_box.h - helpers shared by the C box tests (tests/box/t_*.c).
 *
 * A box test starts with fraglab unloaded and must leave it unloaded:
 * fl_box_load() / fl_box_unload() wrap insmod / rmmod of $FRAGLAB_KO.
 * fl_parse_buddyinfo() is libfraglab's fraglab_parse_buddyinfo(), THE parser
 * for /proc/buddyinfo lines: the tests and fragctl compare run the very same
 * function on the kernel's file and on fraglab's.
 */
#ifndef FL_BOX_H
#define FL_BOX_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fraglab.h"
#include "tap.h"

#define FL_BOX_MAX_ZONES	16
#define FL_BOX_ORDERS		FRAGLAB_BUDDYINFO_MAX_ORDERS

/* libfraglab's parser: the same code fragctl compare uses. */
#define fl_zone_free		fraglab_zone_free
#define fl_parse_buddyinfo	fraglab_parse_buddyinfo

static inline int fl_box_load(const char *params)
{
	const char *ko = getenv("FRAGLAB_KO");
	char cmd[512];

	/*
	 * The box's one-attempt insmod: busybox insmod retries a failed load,
	 * which would run a failing module init twice.
	 */
	const char *insmod = access("/sbin/fl-insmod", X_OK) ? "insmod" : "/sbin/fl-insmod";

	snprintf(cmd, sizeof(cmd), "%s %s %s", insmod, ko ? ko : "/fraglab.ko",
		 params ? params : "");
	return system(cmd) == 0 ? 0 : -1;
}

static inline int fl_box_unload(void)
{
	return system("rmmod fraglab") == 0 ? 0 : -1;
}

/*
 * Run @cmd through the shell; its stdout (at most @len - 1 bytes) into
 * @out, NUL-terminated.  Return: pclose()'s status, or -1.
 */
static inline int fl_box_run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	if (!p)
		return -1;
	while (n + 1 < len) {
		size_t r = fread(out + n, 1, len - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	return pclose(p);
}

/* Write @s to the file @path (sysctl, debugfs).  Return: 0, -errno, -EIO if short. */
static inline int fl_box_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

struct fl_slabinfo_row {
	char name[64];
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long limit, batchcount, sharedfactor;
	unsigned long active_slabs, num_slabs, sharedavail;
};

/*
 * THE parser for /proc/slabinfo version 2.1 text, used on the kernel's
 * file and on fraglab's.  Returns rows parsed, -EINVAL if the header is
 * not "slabinfo - version: 2.1" or a data line does not parse.
 */
static inline int fl_parse_slabinfo(const char *text, struct fl_slabinfo_row *rows,
				    int max)
{
	char *copy = strdup(text), *line, *save = NULL;
	int n = 0, first = 1, ret = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (first) {
			first = 0;
			if (strcmp(line, "slabinfo - version: 2.1")) {
				ret = -EINVAL;
				break;
			}
			continue;
		}
		if (line[0] == '#')
			continue;
		if (n >= max)
			break;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu %lu",
			   rows[n].name, &rows[n].active_objs, &rows[n].num_objs,
			   &rows[n].objsize, &rows[n].objperslab, &rows[n].pagesperslab,
			   &rows[n].limit, &rows[n].batchcount, &rows[n].sharedfactor,
			   &rows[n].active_slabs, &rows[n].num_slabs,
			   &rows[n].sharedavail) != 12) {
			ret = -EINVAL;
			break;
		}
		n++;
	}
	free(copy);
	return ret ? ret : n;
}

/*
 * Free memory in kB after dropping the page cache: MemFree plus the pages
 * on the per-CPU page lists.  -1 if /proc/meminfo cannot be read.
 */
static inline long fl_box_memfree_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (f) {
		fputs("3\n", f);
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	/*
	 * Plus the pages on the per-CPU page lists (/proc/zoneinfo "count:"):
	 * free, but not in MemFree, and they swing by megabytes.
	 */
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return kb;
	while (fgets(line, sizeof(line), f)) {
		long pcp;

		if (sscanf(line, " count: %ld", &pcp) == 1)
			kb += pcp * 4;
	}
	fclose(f);
	return kb;
}

/*
 * MemFree breathes by about 1 MiB on PREEMPT_RT with nothing loaded: take
 * the baseline as the lowest of three readings, and give the final reading
 * up to five tries (1 s apart) to come back; a real leak does not.
 */
static inline long fl_box_memfree_low(void)
{
	long lo = -1, v;
	int i;

	for (i = 0; i < 3; i++) {
		v = fl_box_memfree_kb();
		if (lo < 0 || (v >= 0 && v < lo))
			lo = v;
		if (i < 2)
			sleep(1);
	}
	return lo;
}

static inline long fl_box_memfree_back(long before, long budget_kb)
{
	long v = -1;
	int i;

	for (i = 0; i < 5; i++) {
		v = fl_box_memfree_kb();
		if (v >= 0 && before - v < budget_kb)
			break;
		sleep(1);
	}
	return v;
}

/*
 * A KASAN kernel (the debug kernel of make check-debug) keeps memory of
 * its own per module load: the shadow of the module's vmalloc'ed text and
 * data is only released when lazily purged vmap areas cover whole shadow
 * pages, and kmemleak keeps its metadata pool.  Measured there: about
 * 15 kB per load, with fraglab's code identical to the cloud kernels',
 * where 100 loads move MemFree by 12-48 kB.  So on KASAN the budget is
 * 4 MiB; leaks of fraglab's own allocations are kmemleak's job there
 * (99-kmemleak.sh, which runs after every other test).
 */
static inline int fl_box_kasan_kernel(void)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " __asan_load8\n") != NULL;
	fclose(f);
	return found;
}

/*
 * Read every file under @dir (to @depth levels of directories) to its end,
 * skipping write-only @skip, until *@stop (may be NULL) becomes nonzero.
 * Files and directories may come and go meanwhile.  Return: files read.
 */
static inline unsigned long fl_box_read_tree(const char *dir, int depth, const char *skip,
					     const volatile int *stop)
{
	unsigned long n = 0;
	struct dirent *de;
	char path[1024], buf[4096];
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)) && !(stop && *stop)) {
		int fd;

		if (de->d_name[0] == '.' || (skip && !strcmp(de->d_name, skip)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (de->d_type == DT_DIR) {
			if (depth > 0)
				n += fl_box_read_tree(path, depth - 1, skip, stop);
			continue;
		}
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		n++;
	}
	closedir(d);
	return n;
}

#endif /* FL_BOX_H */
