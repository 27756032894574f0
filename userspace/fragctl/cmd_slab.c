// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_slab.c - fragctl commands for fraglab's slab caches:
 *
 *   slab create NAME SIZE [--align N] [--ctor] [--reclaimable] [--colour]
 *   slab alloc NAME [COUNT]      slab free NAME HANDLE...|--all
 *   slab shrink NAME             slab destroy NAME
 *   slab info NAME               slabinfo
 *   slabtop [--sort active|size|waste]
 *
 * Caches created through fragctl live as long as the fragctl session
 * (-c or shell), like every other fraglab allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

/* Cache names as JSON strings (fc_json_esc(); names are up to 31 bytes). */
static char esc[400];

static int fc_cache_id(struct fc_ctx *c, const char *name, uint32_t *id)
{
	unsigned int i;

	for (i = 0; i < c->nr_caches; i++) {
		if (c->caches[i].id && !strcmp(c->caches[i].name, name)) {
			*id = c->caches[i].id;
			return 0;
		}
	}
	fprintf(stderr, "fragctl: no cache '%s' in this session (create it first: slab create %s SIZE)\n",
		name, name);
	return 1;
}

static int slab_create(struct fc_ctx *c, int argc, char **argv)
{
	const char *align_s = fc_opt(&argc, argv, "--align");
	uint32_t flags = 0, id;
	uint64_t size, align = 0;
	int ret;

	if (fc_flag(&argc, argv, "--ctor"))
		flags |= FRAGLAB_CACHE_CTOR;
	if (fc_flag(&argc, argv, "--reclaimable"))
		flags |= FRAGLAB_CACHE_RECLAIMABLE;
	if (fc_flag(&argc, argv, "--colour") || fc_flag(&argc, argv, "--color"))
		flags |= FRAGLAB_CACHE_COLOUR;
	if (fc_flag(&argc, argv, "--no-cpu-cache"))
		flags |= FRAGLAB_CACHE_NO_CPU_CACHE;
	if (argc != 3)
		return fc_usage("usage: slab create NAME SIZE [--align N] [--ctor] [--reclaimable] [--colour]");
	if (fc_parse_size(argv[2], &size) || !size || size > UINT32_MAX)
		return fc_usage("'%s' is not an object size (1 .. 32K)", argv[2]);
	if (align_s && (fc_parse_size(align_s, &align) || align > UINT32_MAX))
		return fc_usage("--align needs a power of two, got '%s'", align_s);
	if (c->nr_caches >= sizeof(c->caches) / sizeof(c->caches[0]))
		return fc_usage("too many caches in one session");
	ret = fraglab_cache_create(&c->fl, argv[1], size, align, flags, &id);
	if (ret == -EEXIST)
		fprintf(stderr, "fragctl: a cache named '%s' already exists in the arena\n", argv[1]);
	else if (ret == -EINVAL)
		fprintf(stderr, "fragctl: slab create: the name must be 1..31 printable characters without '/', the size 1..32K (an order-3 slab) and the alignment a power of two\n");
	if (ret)
		return fc_fail("slab create", ret);
	snprintf(c->caches[c->nr_caches].name, FRAGLAB_CACHE_NAME_LEN, "%s", argv[1]);
	c->caches[c->nr_caches++].id = id;
	if (c->json)
		printf("{\"cache\":\"%s\",\"cache_id\":%u}\n",
		       fc_json_esc(argv[1], esc, sizeof(esc)), id);
	else
		printf("created cache %s (id %u)\n", argv[1], id);
	return 0;
}

static int slab_alloc(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_obj o;
	uint64_t count = 1, i;
	unsigned int n = 0, constructed = 0;
	uint32_t id;
	int ret;

	if (argc < 2 || argc > 3)
		return fc_usage("usage: slab alloc NAME [COUNT]");
	if (fc_cache_id(c, argv[1], &id))
		return 1;
	if (argc == 3 && (fc_parse_u64(argv[2], &count) || !count))
		return fc_usage("COUNT must be a positive number");
	for (i = 0; i < count; i++) {
		ret = fraglab_obj_alloc(&c->fl, id, &o);
		if (ret) {
			fprintf(stderr, "fragctl: slab alloc: %" PRIu64 " of %" PRIu64 " allocated\n", i, count);
			return fc_fail("slab alloc", ret);
		}
		n = fc_remember(c, o.handle);
		if (n)
			c->handle_cache[n - 1] = id;
		constructed += o.constructed;
		if (count == 1 && !c->json)
			printf("@%u handle 0x%" PRIx64 " at arena offset 0x%" PRIx64 "%s\n",
			       n, (uint64_t)o.handle, (uint64_t)o.offset,
			       o.constructed ? " (constructed)" : "");
	}
	if (c->json)
		printf("{\"cache\":\"%s\",\"allocated\":%" PRIu64 ",\"constructed\":%u,\"last\":\"@%u\"}\n",
		       fc_json_esc(argv[1], esc, sizeof(esc)), count, constructed, n);
	else if (count > 1)
		printf("allocated %" PRIu64 " objects from %s (@%" PRIu64 "..@%u)\n",
		       count, argv[1], n - count + 1, n);
	return 0;
}

static int slab_free(struct fc_ctx *c, int argc, char **argv)
{
	unsigned int i, freed = 0;
	uint32_t id;
	uint64_t h;
	int ret, a;

	if (argc < 3)
		return fc_usage("usage: slab free NAME HANDLE...|--all");
	if (fc_cache_id(c, argv[1], &id))
		return 1;
	if (!strcmp(argv[2], "--all")) {
		for (i = 0; i < c->nr_handles; i++) {
			if (!c->handles[i] || c->handle_cache[i] != id)
				continue;
			ret = fraglab_obj_free(&c->fl, id, c->handles[i]);
			if (ret)
				return fc_fail("slab free", ret);
			c->handles[i] = 0;
			freed++;
		}
	} else {
		for (a = 2; a < argc; a++) {
			if (fc_parse_handle(c, argv[a], &h))
				return fc_fail(argv[a], -ENOENT);
			ret = fraglab_obj_free(&c->fl, id, h);
			if (ret == -EINVAL)
				fprintf(stderr, "fragctl: %s does not belong to cache %s\n", argv[a], argv[1]);
			if (ret)
				return fc_fail(argv[a], ret);
			fc_forget(c, h);
			freed++;
		}
	}
	if (c->json)
		printf("{\"cache\":\"%s\",\"freed\":%u}\n",
		       fc_json_esc(argv[1], esc, sizeof(esc)), freed);
	else
		printf("freed %u object%s of %s\n", freed, freed == 1 ? "" : "s", argv[1]);
	return 0;
}

static int slab_shrink(struct fc_ctx *c, int argc, char **argv)
{
	uint64_t pages = 0;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: slab shrink NAME");
	if (fc_cache_id(c, argv[1], &id))
		return 1;
	ret = fraglab_cache_shrink(&c->fl, id, &pages);
	if (ret)
		return fc_fail("slab shrink", ret);
	if (c->json)
		printf("{\"cache\":\"%s\",\"pages_released\":%" PRIu64 "}\n",
		       fc_json_esc(argv[1], esc, sizeof(esc)), pages);
	else
		printf("%s: %" PRIu64 " page%s given back to the buddy\n", argv[1],
		       pages, pages == 1 ? "" : "s");
	return 0;
}

static int slab_destroy(struct fc_ctx *c, int argc, char **argv)
{
	unsigned int i;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: slab destroy NAME");
	if (fc_cache_id(c, argv[1], &id))
		return 1;
	ret = fraglab_cache_destroy(&c->fl, id);
	if (ret == -EBUSY)
		fprintf(stderr, "fragctl: %s still has live objects: free them first (slab free %s --all); nothing was freed\n",
			argv[1], argv[1]);
	if (ret)
		return fc_fail("slab destroy", ret);
	for (i = 0; i < c->nr_caches; i++)
		if (c->caches[i].id == id)
			c->caches[i].id = 0;
	if (c->json)
		printf("{\"cache\":\"%s\",\"destroyed\":true}\n",
		       fc_json_esc(argv[1], esc, sizeof(esc)));
	else
		printf("destroyed cache %s\n", argv[1]);
	return 0;
}

static int slab_info(struct fc_ctx *c, int argc, char **argv)
{
	struct fraglab_cache_info ci;
	uint32_t id;
	int ret;

	if (argc != 2)
		return fc_usage("usage: slab info NAME");
	if (fc_cache_id(c, argv[1], &id))
		return 1;
	ret = fraglab_cache_info(&c->fl, id, &ci);
	if (ret)
		return fc_fail("slab info", ret);
	if (c->json) {
		printf("{\"name\":\"%s\",\"cache_id\":%u,\"flags\":%u,\"object_size\":%u,\"size\":%u,\"align\":%u,"
		       "\"order\":%u,\"objs_per_slab\":%u,\"pages_per_slab\":%u,"
		       "\"limit\":%u,\"batchcount\":%u,\"active_objs\":%" PRIu64 ","
		       "\"num_objs\":%" PRIu64 ",\"active_slabs\":%" PRIu64 ",\"num_slabs\":%" PRIu64 ",\"pages\":%" PRIu64 ","
		       "\"padding_bytes\":%" PRIu64 ",\"leftover_bytes\":%" PRIu64 ","
		       "\"ctor_calls\":%" PRIu64 ",\"allocs\":%" PRIu64 ",\"frees\":%" PRIu64 ","
		       "\"cpu_hits\":%" PRIu64 ",\"cpu_misses\":%" PRIu64 "}\n",
		       fc_json_esc(ci.name, esc, sizeof(esc)), ci.cache_id, ci.flags,
		       ci.object_size, ci.size, ci.align, ci.order,
		       ci.objs_per_slab, ci.pages_per_slab, ci.limit, ci.batchcount,
		       (uint64_t)ci.active_objs, (uint64_t)ci.num_objs,
		       (uint64_t)ci.active_slabs, (uint64_t)ci.num_slabs, (uint64_t)ci.pages,
		       (uint64_t)ci.padding_bytes, (uint64_t)ci.leftover_bytes,
		       (uint64_t)ci.ctor_calls, (uint64_t)ci.allocs, (uint64_t)ci.frees,
		       (uint64_t)ci.cpu_hits, (uint64_t)ci.cpu_misses);
		return 0;
	}
	printf("cache %s: object %u B, stride %u B, align %u, order-%u slabs of %u objects\n",
	       ci.name, ci.object_size, ci.size, ci.align, ci.order, ci.objs_per_slab);
	printf("  objects %" PRIu64 " active / %" PRIu64 " total in %" PRIu64 " slabs (%" PRIu64 " pages)\n",
	       (uint64_t)ci.active_objs, (uint64_t)ci.num_objs,
	       (uint64_t)ci.num_slabs, (uint64_t)ci.pages);
	printf("  internal fragmentation: %" PRIu64 " B padding + %" PRIu64 " B slab leftover\n",
	       (uint64_t)ci.padding_bytes, (uint64_t)ci.leftover_bytes);
	printf("  constructor calls %" PRIu64 ", per-CPU fast path %" PRIu64 " hits / %" PRIu64 " misses\n",
	       (uint64_t)ci.ctor_calls, (uint64_t)ci.cpu_hits, (uint64_t)ci.cpu_misses);
	return 0;
}

static int cmd_slab(struct fc_ctx *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct fc_ctx *c, int argc, char **argv);
	} subs[] = {
		{ "create", slab_create }, { "alloc", slab_alloc },
		{ "free", slab_free }, { "shrink", slab_shrink },
		{ "destroy", slab_destroy }, { "info", slab_info },
	};
	unsigned int i;

	if (argc < 2)
		return fc_usage("slab needs a subcommand: create, alloc, free, shrink, destroy, info");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(c, argc - 1, argv + 1);
	return fc_usage("unknown slab subcommand '%s'", argv[1]);
}

/* slabinfo --json: every row of the 2.1 text, every field by name. */
static int cmd_slabinfo(struct fc_ctx *c, int argc, char **argv)
{
	char *text, *line, *save = NULL, name[64];
	unsigned long v[11];
	unsigned int n = 0;
	int ret;

	if (!c->json)
		return fc_print_debugfs("slabinfo");
	ret = fraglab_read_debugfs("slabinfo", &text);
	if (ret)
		return fc_print_debugfs("slabinfo");
	printf("{\"version\":\"2.1\",\"caches\":[");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu %lu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10]) != 12) {
			free(text);
			puts("]}");
			fprintf(stderr, "fragctl: slabinfo: cannot parse '%s'\n", line);
			return 1;
		}
		printf("%s{\"name\":\"%s\",\"active_objs\":%lu,\"num_objs\":%lu,"
		       "\"objsize\":%lu,\"objperslab\":%lu,\"pagesperslab\":%lu,"
		       "\"limit\":%lu,\"batchcount\":%lu,\"sharedfactor\":%lu,"
		       "\"active_slabs\":%lu,\"num_slabs\":%lu,\"sharedavail\":%lu}",
		       n++ ? "," : "", fc_json_esc(name, esc, sizeof(esc)), v[0], v[1], v[2], v[3], v[4], v[5],
		       v[6], v[7], v[8], v[9], v[10]);
	}
	puts("]}");
	free(text);
	return 0;
}

struct fc_slabtop_row {
	char name[64];
	unsigned long active, num, objsize, perslab, pages, aslabs, nslabs;
	unsigned long long bytes, waste;
};

static int fc_slabtop_cmp_key;

static int fc_slabtop_cmp(const void *a, const void *b)
{
	const struct fc_slabtop_row *x = a, *y = b;
	unsigned long long kx, ky;

	switch (fc_slabtop_cmp_key) {
	case 1:
		kx = x->bytes;
		ky = y->bytes;
		break;
	case 2:
		kx = x->waste;
		ky = y->waste;
		break;
	default:
		kx = x->active;
		ky = y->active;
	}
	return kx < ky ? 1 : kx > ky ? -1 : strcmp(x->name, y->name);
}

static int cmd_slabtop(struct fc_ctx *c, int argc, char **argv)
{
	const char *sort = fc_opt(&argc, argv, "--sort");
	struct fc_slabtop_row rows[256];
	char *text, *line, *save = NULL;
	unsigned int n = 0, i;
	int ret;

	if (!sort || !strcmp(sort, "active"))
		fc_slabtop_cmp_key = 0;
	else if (!strcmp(sort, "size"))
		fc_slabtop_cmp_key = 1;
	else if (!strcmp(sort, "waste"))
		fc_slabtop_cmp_key = 2;
	else
		return fc_usage("--sort takes active, size or waste");
	ret = fraglab_read_debugfs("slabinfo", &text);
	if (ret)
		return fc_print_debugfs("slabinfo");
	for (line = strtok_r(text, "\n", &save); line && n < 256;
	     line = strtok_r(NULL, "\n", &save)) {
		struct fc_slabtop_row *r = &rows[n];
		unsigned long lim, batch, shared, avail;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu %lu",
			   r->name, &r->active, &r->num, &r->objsize, &r->perslab,
			   &r->pages, &lim, &batch, &shared, &r->aslabs,
			   &r->nslabs, &avail) != 12)
			continue;
		r->bytes = (unsigned long long)r->nslabs * r->pages * 4096;
		r->waste = r->bytes - (unsigned long long)r->active * r->objsize;
		n++;
	}
	free(text);
	qsort(rows, n, sizeof(rows[0]), fc_slabtop_cmp);
	if (c->json) {
		putchar('[');
		for (i = 0; i < n; i++)
			printf("%s{\"name\":\"%s\",\"active\":%lu,\"objs\":%lu,\"objsize\":%lu,"
			       "\"slabs\":%lu,\"bytes\":%llu,\"waste\":%llu}",
			       i ? "," : "", fc_json_esc(rows[i].name, esc, sizeof(esc)),
			       rows[i].active, rows[i].num,
			       rows[i].objsize, rows[i].nslabs, rows[i].bytes,
			       rows[i].waste);
		puts("]");
		return 0;
	}
	printf("%8s %8s %5s %8s %6s %10s %10s  %s\n", "OBJS", "ACTIVE", "USE",
	       "OBJ SIZE", "SLABS", "CACHE SIZE", "WASTE", "NAME");
	for (i = 0; i < n; i++)
		printf("%8lu %8lu %4lu%% %7.2fK %6lu %9lluK %9lluK  %s\n",
		       rows[i].num, rows[i].active,
		       rows[i].num ? rows[i].active * 100 / rows[i].num : 0,
		       rows[i].objsize / 1024.0, rows[i].nslabs,
		       rows[i].bytes / 1024, rows[i].waste / 1024, rows[i].name);
	return 0;
}

const struct fc_cmd fc_cmds_slab[] = {
	{ "slab", "create NAME SIZE [--align N] [--ctor] [--reclaimable] [--colour] | alloc NAME [COUNT] | free NAME HANDLE...|--all | shrink NAME | destroy NAME | info NAME",
	  "slab caches in the arena (object caching, per-CPU caches, waste)", cmd_slab, true },
	{ "slabinfo", "", "fraglab's caches in /proc/slabinfo 2.1 format", cmd_slabinfo, false },
	{ "slabtop", "[--sort active|size|waste]", "caches sorted like slabtop", cmd_slabtop, false },
	{ NULL }
};
