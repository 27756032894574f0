// SPDX-License-Identifier: GPL-2.0
/*
 * insmod for the fraglab test box: one finit_module() call, nothing else.
 *
 * busybox insmod retries with init_module() whenever finit_module() fails,
 * so a module whose init fails runs it twice (twice the dmesg lines, twice
 * the time under TCG).  This one tries once and reports the errno.
 *
 *   insmod FILE [param=value ...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *opts;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: insmod FILE [param=value ...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	opts = calloc(1, len);
	if (!opts)
		return 1;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(opts, " ");
		strcat(opts, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "insmod: can't open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, opts, 0) != 0) {
		int err = errno;

		fprintf(stderr, "insmod: can't insert '%s': %s (errno %d)\n",
			argv[1], strerror(err), err);
		return 1;
	}
	return 0;
}
