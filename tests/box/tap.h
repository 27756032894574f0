/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a tiny TAP producer for the fraglab box tests (tests/box/t_*.c).
 *
 * Plan-less TAP, one line per check, flushed immediately so a crash or a
 * hang still shows how far the test got:
 *
 *	ok 1 - open /dev/fraglab
 *	not ok 2 - alloc order 3 # got -12, want 0
 *	ok 3 - huge alloc # SKIP arena too small
 *
 * Usage:
 *	#include "tap.h"
 *	int main(void)
 *	{
 *		tap_ok(fd >= 0, "open %s", FRAGLAB_DEVICE);
 *		tap_is_int(ret, 0, "alloc order %d", order);
 *		return tap_done();
 *	}
 *
 * Every helper returns the truth value of the check, so tests can write
 * "if (!tap_ok(...)) return tap_done();".
 */
#ifndef FRAGLAB_TAP_H
#define FRAGLAB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline void tap_vline(int pass, const char *directive, const char *fmt, va_list ap)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	if (directive && *directive)
		printf(" # %s", directive);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		tap_failed++;
}

/* tap_diag(fmt, ...): a "# ..." comment line. */
static inline __attribute__((format(printf, 1, 2)))
void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

/* tap_ok(cond, fmt, ...): pass if cond is true. */
static inline __attribute__((format(printf, 2, 3)))
int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(cond, NULL, fmt, ap);
	va_end(ap);
	return cond;
}

/* tap_is_int(got, want, fmt, ...): pass if got == want, else say both. */
static inline __attribute__((format(printf, 3, 4)))
int tap_is_int(long long got, long long want, const char *fmt, ...)
{
	char why[96];
	va_list ap;
	int pass = got == want;

	snprintf(why, sizeof(why), "got %lld, want %lld", got, want);
	va_start(ap, fmt);
	tap_vline(pass, pass ? NULL : why, fmt, ap);
	va_end(ap);
	return pass;
}

/* tap_fail(reason, fmt, ...): an unconditional failure with a reason. */
static inline __attribute__((format(printf, 2, 3)))
int tap_fail(const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(0, reason, fmt, ap);
	va_end(ap);
	return 0;
}

/* tap_skip(reason, fmt, ...): a check that could not run here (counts as ok). */
static inline __attribute__((format(printf, 2, 3)))
void tap_skip(const char *reason, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	snprintf(why, sizeof(why), "SKIP %s", reason);
	va_start(ap, fmt);
	tap_vline(1, why, fmt, ap);
	va_end(ap);
}

/* tap_bail(fmt, ...): give up on the whole test program (exit status 1). */
static inline __attribute__((format(printf, 1, 2), noreturn))
void tap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(0, "bail out", fmt, ap);
	va_end(ap);
	exit(1);
}

/* tap_done(): summary comment; returns the exit status for main(). */
static inline int tap_done(void)
{
	printf("# %d checks, %d failed\n", tap_n, tap_failed);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif /* FRAGLAB_TAP_H */
