/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay_fc.h - the parts of replay that need libfraglab or stdio output:
 * kernel backends (replay_kernel.c) and the SVG chart (cmd_export.c).
 */
#ifndef FRAGCTL_REPLAY_FC_H
#define FRAGCTL_REPLAY_FC_H

#include "fraglab.h"
#include "replay.h"

/* Arena geometry of the loaded module, for the table and the sim. */
int rp_kernel_arena(struct fraglab *fl, struct rp_sim_cfg *cfg);
/* -EOPNOTSUPP: the module has no pool ioctls. */
int rp_kernel_backend(struct fraglab *fl, int strategy, uint32_t nr_slots,
		      struct rp_backend *b);

/* replay --svg: footprint and fragmentation over time, per strategy. */
struct rp_svg {
	struct {
		char name[32];
		struct rp_point *pts;
		size_t nr;
	} lines[RP_NR_STRATEGIES];
	unsigned int nr;
	uint64_t nr_ops;	/* the trace's operations: the x axis */
	char caption[256];	/* the run's parameters */
};

int rp_svg_add(struct rp_svg *svg, const char *name,
	       const struct rp_point *pts, size_t nr);
int rp_svg_write(const struct rp_svg *svg, const char *path,
		 const char *title);
void rp_svg_free(struct rp_svg *svg);

#endif /* FRAGCTL_REPLAY_FC_H */
