/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_box.h - helpers shared by the C box tests (tests/box/t_*.c).
 *
 * A box test starts with fraglab unloaded and must leave it unloaded:
 * fl_box_load() / fl_box_unload() wrap insmod / rmmod of $FRAGLAB_KO.
 * fl_parse_buddyinfo() is THE parser for /proc/buddyinfo lines: the tests
 * run the very same function on the kernel's file and on fraglab's.
 */
#ifndef FL_BOX_H
#define FL_BOX_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fraglab.h"
#include "tap.h"

#define FL_BOX_MAX_ZONES	16
#define FL_BOX_ORDERS		32

struct fl_zone_free {
	int node;
	char zone[32];
	unsigned int nr_orders;
	uint64_t nr_free[FL_BOX_ORDERS];
};

static inline int fl_box_load(const char *params)
{
	const char *ko = getenv("FRAGLAB_KO");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "insmod %s %s", ko ? ko : "/fraglab.ko",
		 params ? params : "");
	return system(cmd) == 0 ? 0 : -1;
}

static inline int fl_box_unload(void)
{
	return system("rmmod fraglab") == 0 ? 0 : -1;
}

/*
 * Parse /proc/buddyinfo text: "Node 0, zone   Normal  1  2 ...".
 * Returns the number of zones parsed (<= max), or -EINVAL on a line that
 * does not have that shape.
 */
static inline int fl_parse_buddyinfo(const char *text, struct fl_zone_free *z,
				     int max)
{
	const char *p = text;
	int n = 0;

	while (*p && n < max) {
		const char *eol = strchr(p, '\n');
		char line[1024], *tok, *save = NULL;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, len);
		line[len] = '\0';
		p = eol ? eol + 1 : p + len;
		if (!len)
			continue;
		memset(&z[n], 0, sizeof(z[n]));
		if (sscanf(line, "Node %d, zone %31s", &z[n].node, z[n].zone) != 2)
			return -EINVAL;
		tok = strstr(line, z[n].zone) + strlen(z[n].zone);
		for (tok = strtok_r(tok, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			char *end;

			if (z[n].nr_orders >= FL_BOX_ORDERS)
				return -EINVAL;
			z[n].nr_free[z[n].nr_orders++] = strtoull(tok, &end, 10);
			if (*end)
				return -EINVAL;
		}
		n++;
	}
	return n;
}

#endif /* FL_BOX_H */
