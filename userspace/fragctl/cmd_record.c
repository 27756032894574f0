// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_record.c - fragctl record: run a program under libfragtrace.so.
 *
 *   fragctl record [-o FILE] [--follow-forks] -- PROGRAM ARGS...
 *
 * Finds libfragtrace.so (fc_helper_path()), sets LD_PRELOAD and
 * FRAGTRACE_OUT for the program only, waits for it and says where each
 * trace went.  Exit status: the program's (128 + signal when killed).
 * docs/WORKLOADS.md, "fragctl record".
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fragctl.h"

#ifndef FRAGLAB_LIBDIR
#define FRAGLAB_LIBDIR	"/usr/local/lib"
#endif

/**
 * fc_helper_path() - where a file installed with fragctl is.
 * @name: "libfragtrace.so" or "fragreplay".
 * @env: environment variable that names it directly, or NULL.
 * @out: the path found.
 * @len: size of @out.
 *
 * Looks at $@env, then next to the running fragctl (the build directory),
 * then FRAGLAB_LIBDIR (LIBDIR of make install).
 *
 * Context: process context.
 * Return: 0, or -ENOENT with @out set to the last path tried.
 */
int fc_helper_path(const char *name, const char *env, char *out, size_t len)
{
	char exe[PATH_MAX];
	const char *e = env ? getenv(env) : NULL;
	ssize_t n;

	if (e && *e) {
		snprintf(out, len, "%s", e);
		return access(out, R_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(out, len, "%s/%s", dirname(exe), name);
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(out, len, "%s/%s", FRAGLAB_LIBDIR, name);
	return access(out, R_OK) ? -ENOENT : 0;
}

/* "PATH: pid N, E events" for one trace file. */
static void rc_report(const char *path)
{
	char line[512];
	uint64_t events = 0;
	unsigned int stats = 0;
	int pid = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		sscanf(line, "#fragtrace 1 pid=%d", &pid);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '#')
			events++;
		else if (!strncmp(line, "#stats ", 7))
			stats++;
	}
	fclose(f);
	fprintf(stderr, "fragctl record: pid %d: %s (%" PRIu64 " events%s)\n",
		pid, path, events, stats ? ", allocator statistics" : "");
}

/* The trace and the children's <trace>.<pid> files written since @since. */
static unsigned int rc_list(const char *out, const struct timespec *since)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], path[PATH_MAX + 256];
	const char *dir, *base;
	unsigned int n = 0;
	struct dirent *de;
	struct stat st;
	size_t bl;
	DIR *d;

	snprintf(dirbuf, sizeof(dirbuf), "%s", out);
	snprintf(basebuf, sizeof(basebuf), "%s", out);
	dir = dirname(dirbuf);
	base = basename(basebuf);
	bl = strlen(base);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		const char *s = de->d_name;

		if (strncmp(s, base, bl) || (s[bl] && s[bl] != '.'))
			continue;
		if (s[bl] && strspn(s + bl + 1, "0123456789") != strlen(s + bl + 1))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, s);
		/* written by this run, not an old trace of the same name */
		if (stat(path, &st) || st.st_mtim.tv_sec < since->tv_sec ||
		    (st.st_mtim.tv_sec == since->tv_sec &&
		     st.st_mtim.tv_nsec < since->tv_nsec))
			continue;
		rc_report(path);
		n++;
	}
	closedir(d);
	return n;
}

static int cmd_record(struct fc_ctx *c, int argc, char **argv)
{
	char lib[PATH_MAX], out[PATH_MAX], preload[2 * PATH_MAX];
	const char *o, *old;
	bool follow;
	int i, status;
	struct timespec t0;
	pid_t pid;

	o = fc_opt(&argc, argv, "-o");
	follow = fc_flag(&argc, argv, "--follow-forks");
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		;
	if (i != 1)
		return fc_usage("record takes -o FILE and --follow-forks, then -- PROGRAM ARGS (not '%s')",
				argv[1]);
	if (i + 1 >= argc)
		return fc_usage("record needs -- PROGRAM [ARGS...]");
	argv += i + 1;
	if (fc_helper_path("libfragtrace.so", "FRAGCTL_LIBFRAGTRACE", lib,
			   sizeof(lib))) {
		fprintf(stderr, "fragctl: cannot find libfragtrace.so (looked next to fragctl and in %s; FRAGCTL_LIBFRAGTRACE names it)\n",
			FRAGLAB_LIBDIR);
		return 1;
	}
	if (!o) {
		snprintf(out, sizeof(out), "%s.trace", basename(argv[0]));
	} else {
		snprintf(out, sizeof(out), "%s", o);
	}
	/* the program may chdir: give the tracer an absolute path */
	if (out[0] != '/') {
		char cwd[PATH_MAX / 2], rel[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return fc_fail("getcwd", -errno);
		snprintf(rel, sizeof(rel), "%s", out);
		snprintf(out, sizeof(out), "%s/%.*s", cwd, PATH_MAX / 2 - 2, rel);
	}
	/* O_EXCL in the tracer: an old trace would send this one to .<pid> */
	if (!unlink(out))
		fprintf(stderr, "fragctl record: replacing %s\n", out);
	old = getenv("LD_PRELOAD");
	snprintf(preload, sizeof(preload), "%s%s%s", lib,
		 old && *old ? " " : "", old && *old ? old : "");
	clock_gettime(CLOCK_REALTIME, &t0);
	/* file times are jiffy-coarse: allow for that */
	if (t0.tv_nsec >= 20000000) {
		t0.tv_nsec -= 20000000;
	} else {
		t0.tv_sec--;
		t0.tv_nsec += 980000000;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fc_fail("fork", -errno);
	if (!pid) {
		setenv("LD_PRELOAD", preload, 1);
		setenv("FRAGTRACE_OUT", out, 1);
		setenv("FRAGTRACE_FOLLOW_FORKS", follow ? "1" : "0", 1);
		execvp(argv[0], argv);
		fprintf(stderr, "fragctl: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	/* like time(1): ^C goes to the program; we wait for it */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fc_fail("waitpid", -errno);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (!rc_list(out, &t0))
		fprintf(stderr, "fragctl record: no trace was written to %s (did the program start? a static binary ignores LD_PRELOAD)\n",
			out);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "fragctl record: %s was killed by signal %d\n",
			argv[0], WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

const struct fc_cmd fc_cmds_record[] = {
	{ "record", "[-o FILE] [--follow-forks] -- PROGRAM [ARGS...]",
	  "run PROGRAM under libfragtrace.so (found next to fragctl or in the install path; no LD_PRELOAD to type) and record its heap traffic to FILE (default PROGRAM.trace); --follow-forks: child processes too, each to FILE.PID. Prints where each trace went; the allocator's own statistics go into the trace at exit and on SIGUSR2. Exit status: the program's",
	  cmd_record, false },
	{ NULL },
};
