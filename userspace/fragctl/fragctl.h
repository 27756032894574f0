/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fragctl.h - what fragctl's command files share.
 *
 * fragctl runs one command, or a script of commands separated by ';'
 * (-c 'alloc 21K; buddyinfo; free @1') or read from stdin (fragctl shell),
 * all on ONE open /dev/fraglab: allocations belong to the open file, so
 * they live exactly as long as the fragctl process.
 */
#ifndef FRAGCTL_H
#define FRAGCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fraglab.h"

#define FC_MAX_HANDLES	65536
#define FC_MAX_ARGS	64
/* usage.c: words of a usage string */
#define FU_TOK_LEN	128
#define FU_MAX_TOKS	128

struct fc_ctx {
	struct fraglab fl;
	bool opened;
	bool json;
	const char *device;
	/* Handles this session allocated: @1 is handles[0]. */
	uint64_t handles[FC_MAX_HANDLES];
	uint32_t handle_cache[FC_MAX_HANDLES];	/* slab objects: cache id */
	unsigned int nr_handles;
	/* Slab caches this session created. */
	struct {
		char name[FRAGLAB_CACHE_NAME_LEN];
		uint32_t id;
	} caches[64];
	unsigned int nr_caches;
};

struct fc_cmd {
	const char *name;
	const char *usage;	/* arguments, for --help */
	const char *help;	/* one line */
	int (*run)(struct fc_ctx *c, int argc, char **argv);
	bool needs_device;
};

/* A global option, for --help, the man page and completion. */
struct fc_global_opt {
	const char *name;
	const char *arg;	/* NULL: a flag */
	const char *help;
};

/* main.c: the one source of help, man page and completion */
extern const struct fc_cmd *const fc_tables[];	/* NULL-terminated */
extern const char *const fc_synopsis[];
extern const char fc_intro[];
extern const struct fc_global_opt fc_global_opts[];
extern const char *const fc_exit_codes[];	/* code, meaning, ... NULL */
const struct fc_cmd *fc_find(const char *name);

/* doc.c: fragctl --man [fragctl|libfraglab], --completion bash|zsh */
int fc_doc_man(int argc, char **argv);
int fc_doc_completion(int argc, char **argv);

/* Command tables, one per file; main.c lists them. */
extern const struct fc_cmd fc_cmds_buddy[];
extern const struct fc_cmd fc_cmds_compact[];
extern const struct fc_cmd fc_cmds_slab[];
extern const struct fc_cmd fc_cmds_pool[];
extern const struct fc_cmd fc_cmds_replay[];
extern const struct fc_cmd fc_cmds_audit[];
extern const struct fc_cmd fc_cmds_export[];
extern const struct fc_cmd fc_cmds_probe[];
extern const struct fc_cmd fc_cmds_bench[];
extern const struct fc_cmd fc_cmds_record[];

/* cmd_record.c: libfragtrace.so, fragreplay next to fragctl or installed */
int fc_helper_path(const char *name, const char *env, char *out, size_t len);

/* cmd_compact.c: the arena HugePage prediction, for 'probe hugepages' too */
int fc_compact_predict_print(struct fc_ctx *c, uint32_t policy);

/* util.c */
int fc_open(struct fc_ctx *c);
int fc_fail(const char *what, int err);
int fc_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fc_parse_size(const char *s, uint64_t *out);
int fc_parse_u64(const char *s, uint64_t *out);
int fc_parse_handle(struct fc_ctx *c, const char *s, uint64_t *out);
unsigned int fc_remember(struct fc_ctx *c, uint64_t handle);
void fc_forget(struct fc_ctx *c, uint64_t handle);
const char *fc_human(uint64_t bytes, char *buf, size_t len);
/* @s as the inside of a JSON string (quotes, backslashes, controls escaped). */
const char *fc_json_esc(const char *s, char *buf, size_t len);
void fc_json_str(const char *s);
/* Options: returns the value of "--name VALUE" / "--name=VALUE" or NULL. */
const char *fc_opt(int *argc, char **argv, const char *name);
bool fc_flag(int *argc, char **argv, const char *name);
int fc_print_debugfs(const char *name);

/* usage.c: a command's usage string read as its grammar */
int fc_usage_check(const struct fc_cmd *cmd, int argc, char **argv);
int fc_usage_tokens(const char *usage, char tok[][FU_TOK_LEN], int max);
int fc_usage_alts(char tok[][FU_TOK_LEN], int n, int alt[][2], int max);
int fc_usage_options(const struct fc_cmd *cmd, const char *sub,
		     const char **names, const char **values, int max);
int fc_usage_positionals(const struct fc_cmd *cmd, const char **specs, int max);

#endif /* FRAGCTL_H */
