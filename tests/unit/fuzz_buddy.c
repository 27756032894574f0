// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_buddy.c - libFuzzer harness for module/core/fl_buddy.c.
 *
 * Input bytes are an operation stream:
 *   byte 0      max_order (mod FL_MAX_ORDER + 1)
 *   byte 1      flags: bit 0 grouping, bits 1-2 number of chunks - 1
 *   then per chunk 2 bytes: nr_pages = 1 + (le16 % 1500), chunks placed at
 *               consecutive 1024-aligned starts, one region of hole between
 *   then ops, one opcode byte + arguments:
 *     0-3  alloc   order byte, mt byte        (order/mt may be invalid)
 *     4-5  free    k byte: k-th live allocation (mod live)
 *     6    free    raw index (le16): any page, usually -EINVAL
 *     7    toggle grouping
 *     8    move    k byte, target le16 (0xffff = FL_BUDDY_ANY)
 *     9    alloc_at order byte, target le16
 *     10   page_info le16
 *     11   free everything
 * fl_buddy_check() runs after every operation; any violation, any
 * unexpected return value or any fl_warn_once aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fl_port.h"
#include "fl_port_user.h"
#include "fl_buddy.h"
#include "fl_buddy_internal.h"

#define MAX_LIVE 4096

static u32 live[MAX_LIVE];
static u32 nr_live;

static void die(const char *what, int ret, const char *msg)
{
	fprintf(stderr, "fuzz_buddy: %s: %d %s\n", what, ret, msg ? msg : "");
	abort();
}

static void check(struct fl_buddy *b)
{
	static char msg[256];
	int ret = fl_buddy_check(b, msg, sizeof(msg));

	if (ret)
		die("fl_buddy_check", ret, msg);
	if (fl_warn_count)
		die("fl_warn_once fired", (int)fl_warn_count, NULL);
}

static void forget(u32 idx)
{
	u32 k;

	for (k = 0; k < nr_live; k++) {
		if (live[k] == idx) {
			live[k] = live[--nr_live];
			return;
		}
	}
	die("forget: unknown block", (int)idx, NULL);
}

static void remember(u32 idx)
{
	if (nr_live < MAX_LIVE)
		live[nr_live++] = idx;
}

static u32 next16(const uint8_t *data, size_t size, size_t *pos)
{
	u32 lo = *pos < size ? data[(*pos)++] : 0;
	u32 hi = *pos < size ? data[(*pos)++] : 0;

	return lo | hi << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_chunk chunks[4];
	struct fl_buddy *b;
	struct fl_page_info pi;
	size_t pos = 0;
	u32 nr_chunks, max_order, c, start = 0;
	bool grouping;
	int ret;

#define NEXT() (pos < size ? data[pos++] : 0)
#define NEXT16() next16(data, size, &pos)

	if (size < 2)
		return 0;
	max_order = NEXT() % (FL_MAX_ORDER + 1);
	c = NEXT();
	grouping = c & 1;
	nr_chunks = 1 + ((c >> 1) & 3);
	for (c = 0; c < nr_chunks; c++) {
		u32 n = 1 + NEXT16() % 1500;

		chunks[c].start = start;
		chunks[c].nr_pages = n;
		chunks[c].vaddr = NULL;
		start += ((n + 1023) / 1024 + 1) * 1024;
	}
	b = fl_buddy_create(chunks, nr_chunks, max_order, grouping);
	if (!b)
		die("create", 0, NULL);
	nr_live = 0;
	check(b);

	while (pos < size) {
		u8 op = NEXT() % 13;
		struct fl_buddy_req req = { 0 };
		u32 idx, arg, dst;

		switch (op) {
		case 0: case 1: case 2: case 3:
			req.order = NEXT() % 12;
			req.mt = NEXT() % 4;
			ret = fl_buddy_alloc(b, &req, &idx);
			if (req.order > max_order || req.mt >= FL_MT_TYPES) {
				if (ret != -EINVAL)
					die("invalid alloc accepted", ret, NULL);
			} else if (ret == 0) {
				if (idx & ((1U << req.order) - 1))
					die("misaligned block", (int)idx, NULL);
				remember(idx);
			} else if (ret != -ENOMEM) {
				die("alloc", ret, NULL);
			}
			break;
		case 4: case 5:
			arg = NEXT();
			if (!nr_live)
				break;
			idx = live[arg % nr_live];
			ret = fl_buddy_free(b, idx);
			if (ret)
				die("free of a live block", ret, NULL);
			forget(idx);
			break;
		case 6:
			idx = NEXT16();
			if (fl_buddy_page_info(b, idx, &pi) == 0 &&
			    pi.state == FL_PAGE_ALLOC_HEAD &&
			    pi.owner_kind != FL_OWN_PCP)
				break;	/* would desync the live list */
			ret = fl_buddy_free(b, idx);
			if (ret != -EINVAL)
				die("bogus free accepted", ret, NULL);
			break;
		case 7:
			fl_buddy_set_grouping(b, !fl_buddy_grouping(b));
			break;
		case 8:
			arg = NEXT();
			idx = NEXT16();
			if (!nr_live)
				break;
			if (idx == 0xffff)
				idx = FL_BUDDY_ANY;
			arg = live[arg % nr_live];
			fl_lock(__fl_buddy_lock(b));
			ret = __fl_buddy_move(b, arg, idx, &dst);
			fl_unlock(__fl_buddy_lock(b));
			if (ret == 0) {
				forget(arg);
				remember(dst);
			} else if (ret != -EINVAL && ret != -EBUSY &&
				   ret != -ENOMEM) {
				die("move", ret, NULL);
			}
			break;
		case 9:
			req.order = NEXT() % (max_order + 1);
			req.mt = FL_MT_MOVABLE;
			idx = NEXT16();
			fl_lock(__fl_buddy_lock(b));
			ret = __fl_buddy_alloc_at(b, idx, &req);
			fl_unlock(__fl_buddy_lock(b));
			if (ret == 0)
				remember(idx);
			else if (ret != -EINVAL && ret != -EBUSY)
				die("alloc_at", ret, NULL);
			break;
		case 10:
			idx = NEXT16();
			ret = fl_buddy_page_info(b, idx, &pi);
			if (ret && idx < fl_buddy_nr_pages(b))
				die("page_info", ret, NULL);
			break;
		case 12:
			/* per-CPU lists: off, tiny, small, large; or a drain */
			arg = NEXT() % 5;
			if (arg == 4) {
				fl_buddy_drain_pcp(b);
				break;
			}
			ret = fl_buddy_set_pcp(b, (u32[]){ 0, 1, 8, 300 }[arg]);
			if (ret)
				die("set_pcp", ret, NULL);
			break;
		case 11:
			while (nr_live) {
				ret = fl_buddy_free(b, live[nr_live - 1]);
				if (ret)
					die("free all", ret, NULL);
				nr_live--;
			}
			break;
		}
		check(b);
	}
	while (nr_live) {
		if (fl_buddy_free(b, live[--nr_live]))
			die("final free", 0, NULL);
	}
	check(b);
	fl_buddy_drain_pcp(b);
	{
		struct fl_buddy_stats st;

		fl_buddy_get_stats(b, &st);
		if (st.free_pages != st.total_pages)
			die("pages lost", (int)(st.total_pages - st.free_pages), NULL);
	}
	fl_buddy_destroy(b);
	return 0;
}
