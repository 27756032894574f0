/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ft_alloc.h - which malloc library a process runs on, for libfragtrace.so
 * (its #stats blocks) and fragreplay (its check that the preload took).
 */
#ifndef FT_ALLOC_H
#define FT_ALLOC_H

#include <dlfcn.h>
#include <string.h>

/* "glibc", "jemalloc", "tcmalloc", "mimalloc" or "unknown" for @fn's library. */
static inline const char *ft_alloc_name(void *fn)
{
	static const char *const names[][2] = {
		{ "jemalloc", "jemalloc" }, { "tcmalloc", "tcmalloc" },
		{ "mimalloc", "mimalloc" }, { "libc.so", "glibc" },
	};
	Dl_info info;
	unsigned int i;

	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return "unknown";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(info.dli_fname, names[i][0]))
			return names[i][1];
	return "unknown";
}

#endif /* FT_ALLOC_H */
