/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_kapi.h - fraglab's in-kernel API, for kernel code (and self-tests)
 * that wants objects from fraglab's slab caches instead of the kernel's.
 * Exported GPL-only from fraglab.ko; see fl_slab_dev.c for kernel-doc.
 */
#ifndef FL_KAPI_H
#define FL_KAPI_H

struct fl_slab_cache;

struct fl_slab_cache *fraglab_cache_create(const char *name, unsigned int size,
					   unsigned int align,
					   unsigned int flags,
					   void (*ctor)(void *obj, void *arg),
					   void *arg);
void *fraglab_cache_alloc(struct fl_slab_cache *c);
int fraglab_cache_free(struct fl_slab_cache *c, void *obj);
int fraglab_cache_destroy(struct fl_slab_cache *c);

#endif /* FL_KAPI_H */
