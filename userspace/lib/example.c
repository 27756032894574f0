// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Allocate 21 KiB from fraglab's buddy allocator and print what was
 * granted (the seed's example: a 32 KiB block, order 3).
 *
 *   cc example.c $(pkg-config --cflags --libs libfraglab)
 *   sudo ./a.out [/dev/fraglab]
 */
#include <stdio.h>
#include <string.h>
#include <fraglab.h>

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : FRAGLAB_DEVICE;
	struct fraglab_alloc a;
	struct fraglab fl;
	int ret;

	ret = fraglab_open(&fl, dev);
	if (ret) {
		fprintf(stderr, "open %s: %s\n", dev, strerror(-ret));
		return 1;
	}
	ret = fraglab_alloc(&fl, 21 * 1024, -1, FRAGLAB_MT_MOVABLE, &a);
	if (ret) {
		fprintf(stderr, "alloc: %s\n", fraglab_strerror(ret));
	} else {
		printf("21 KiB: order %u, %llu bytes granted\n", a.order,
		       (unsigned long long)a.granted);
		fraglab_free(&fl, a.handle);
	}
	fraglab_close(&fl);
	return ret ? 1 : 0;
}
