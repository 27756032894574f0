// SPDX-License-Identifier: GPL-2.0
/*
 * fl_check.c - the one way the invariant checkers report a violation.
 *
 * Each allocator's checker (fl_buddy_check(), fl_slab_check(),
 * fl_fit_check()) stops at the first violation it finds, describes it in
 * its caller's buffer and returns -EUCLEAN.  Every such place writes
 *
 *	if (bad)
 *		return fl_check_fail(msg, len, "what, where: %u", x);
 *
 * with the return in plain sight (coding-style.rst section 12: no macro
 * that hides a return).
 */
#include "fl_check.h"

/**
 * fl_check_fail() - record a checker's violation.
 * @msg: the caller's message buffer (may be NULL).
 * @len: size of @msg.
 * @fmt: printf format of the description, then its arguments.
 *
 * Writes the description into @msg unless @msg already holds one (a
 * checker clears @msg when it starts, so the first violation it finds is
 * the one reported).
 *
 * Context: any.
 * Return: -EUCLEAN, for the caller to return.
 */
int fl_check_fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg && len && !msg[0]) {
		va_start(ap, fmt);
		fl_vscnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}
