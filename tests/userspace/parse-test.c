// SPDX-License-Identifier: GPL-2.0
/*
 * parse-test.c - fragctl's size and number parsing (util.c), with the
 * expected values written out from the definition: decimal (a leading
 * zero is not octal), 0x hexadecimal, a fraction of a K/M/G/T unit that
 * must come out as whole bytes.  Prints TAP lines; run by run.sh.
 */
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>

#include "fragctl.h"

static int fails;

static void parse_is(int (*parse)(const char *, uint64_t *), const char *what,
		     const char *s, int ret, uint64_t want)
{
	uint64_t v = 0;
	int r = parse(s, &v);
	int good = ret ? r != 0 : (!r && v == want);

	printf("%sok - %s '%s' -> %s%" PRIu64 "\n", good ? "" : "not ",
	       what, s, ret ? "refused " : "", ret ? 0 : want);
	if (!good) {
		printf("# got ret %d value %" PRIu64 "\n", r, v);
		fails++;
	}
}

static void size_is(const char *s, int ret, uint64_t want)
{
	parse_is(fc_parse_size, "size", s, ret, want);
}

static void u64_is(const char *s, int ret, uint64_t want)
{
	parse_is(fc_parse_u64, "number", s, ret, want);
}

int main(void)
{
	size_is("4096", 0, 4096);
	size_is("21K", 0, 21 * 1024);
	size_is("21KiB", 0, 21 * 1024);
	size_is("21kb", 0, 21 * 1024);
	size_is("064M", 0, 64ULL << 20);	/* not octal (52 MiB) */
	size_is("1.5G", 0, 3ULL << 29);
	size_is("0.5M", 0, 512 * 1024);
	size_is("1.25K", 0, 1280);
	size_is("2T", 0, 2ULL << 40);
	size_is("0x1000", 0, 4096);
	size_is("0.1K", 1, 0);		/* 102.4 bytes */
	size_is("-5K", 1, 0);
	size_is("21Q", 1, 0);
	size_is("1.", 1, 0);
	size_is(".5K", 1, 0);
	size_is("", 1, 0);
	size_is("1 K", 1, 0);
	size_is("16777216T", 1, 0);	/* 2^64: out of range */
	u64_is("010", 0, 10);
	u64_is("0x10", 0, 16);
	u64_is("-1", 1, 0);
	u64_is("1.5", 1, 0);
	u64_is("99999999999999999999", 1, 0);
	return fails != 0;
}
