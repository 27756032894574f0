// SPDX-License-Identifier: GPL-2.0
/*
 * fragctl - drive fraglab from the command line.
 *
 * fc_synopsis, fc_intro, fc_global_opts and the command tables are the one
 * source of --help, --json help, the man page and the shell completion
 * (doc.c).
 *
 * Every command of a script shares one open /dev/fraglab, so allocations
 * made by one command can be used, listed and freed by the next (@1, @2..).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fragctl.h"

const struct fc_cmd *const fc_tables[] = {
	fc_cmds_buddy,
	fc_cmds_compact,
	fc_cmds_slab,
	fc_cmds_pool,
	fc_cmds_replay,
	fc_cmds_record,
	fc_cmds_audit,
	fc_cmds_export,
	fc_cmds_probe,
	fc_cmds_bench,
	NULL,
};

const char *const fc_synopsis[] = {
	"fragctl [--json] [--device PATH] COMMAND [ARGS]",
	"fragctl [--json] [--device PATH] -c 'COMMAND ARGS; COMMAND ARGS; ...'",
	"fragctl [--json] [--device PATH] shell",
	"fragctl --version | -h | --help | help [COMMAND]",
	NULL,
};

const char fc_intro[] =
	"fragctl drives fraglab.ko through /dev/fraglab. Allocations belong to\n"
	"the open /dev/fraglab and so live as long as the fragctl process: use\n"
	"-c or shell to allocate, inspect and free in one session. Handles: @N\n"
	"is the Nth allocation of the session. Sizes are decimal with an\n"
	"optional fraction and a K, M, G or T suffix (powers of 1024): 4096,\n"
	"21K, 1.5G; 0x... is hexadecimal. replay --sim, map --trace, audit and\n"
	"export need no module.";

const struct fc_global_opt fc_global_opts[] = {
	{ "--json", NULL, "every command prints JSON instead of text (one value per command; pictures and files are still written)" },
	{ "--device", "PATH", "the fraglab device to open (default /dev/fraglab)" },
	{ "-c", "SCRIPT", "run the commands of SCRIPT, separated by ';' or newlines, on one open device" },
	{ "--version", NULL, "fragctl's version, the ABI it was built for and, if the module is loaded, the module's ABI and arena" },
	{ "-h", NULL, "this help; after a command: that command's help (also --help)" },
	{ NULL },
};

const char *const fc_exit_codes[] = {
	"0", "success",
	"1", "the command failed: the device could not be opened, the module refused the request, a file could not be read or written, or a check found a problem",
	"2", "usage error: an unknown command or option, a missing or malformed argument; reported before the device is opened",
	"3, 4", "audit --fail-on: a warning (3) or a critical finding (4)",
	NULL,
};

static void fc_help(FILE *f)
{
	const struct fc_cmd *const *t;
	const struct fc_global_opt *o;
	const struct fc_cmd *cmd;
	unsigned int i;

	for (i = 0; fc_synopsis[i]; i++)
		fprintf(f, "%s%s\n", i ? "       " : "usage: ", fc_synopsis[i]);
	fprintf(f, "\n%s\n\noptions:\n", fc_intro);
	for (o = fc_global_opts; o->name; o++)
		fprintf(f, "  %s%s%s\n      %s\n", o->name, o->arg ? " " : "",
			o->arg ? o->arg : "", o->help);
	fprintf(f, "\ncommands:\n");
	for (t = fc_tables; *t; t++)
		for (cmd = *t; cmd->name; cmd++)
			fprintf(f, "  %s%s%s\n      %s\n", cmd->name,
				*cmd->usage ? " " : "", cmd->usage, cmd->help);
	fprintf(f, "  help [COMMAND]\n      this text, or one command's\n");
	fprintf(f, "\nexit status:\n");
	for (i = 0; fc_exit_codes[i]; i += 2)
		fprintf(f, "  %-5s %s\n", fc_exit_codes[i], fc_exit_codes[i + 1]);
}

/* One command as a JSON object: name, usage, help. */
static void fc_help_json_cmd(const char *name, const char *usage,
			     const char *help, bool first)
{
	printf("%s{\"name\": ", first ? "" : ", ");
	fc_json_str(name);
	printf(", \"usage\": ");
	fc_json_str(usage);
	printf(", \"help\": ");
	fc_json_str(help);
	putchar('}');
}

/* --json help: {"usage": [...], "commands": [{name, usage, help}, ...]} */
static void fc_help_json(void)
{
	const struct fc_cmd *cmd;
	unsigned int t;

	printf("{\"usage\": [");
	for (t = 0; fc_synopsis[t]; t++) {
		printf("%s", t ? ", " : "");
		fc_json_str(fc_synopsis[t]);
	}
	printf("], \"commands\": [");
	for (t = 0; fc_tables[t]; t++)
		for (cmd = fc_tables[t]; cmd->name; cmd++)
			fc_help_json_cmd(cmd->name, cmd->usage, cmd->help,
					 t == 0 && cmd == fc_tables[0]);
	fc_help_json_cmd("help", "[COMMAND]", "this text, or one command's", false);
	printf("]}\n");
}

const struct fc_cmd *fc_find(const char *name)
{
	const struct fc_cmd *cmd;
	unsigned int t;

	for (t = 0; fc_tables[t]; t++)
		for (cmd = fc_tables[t]; cmd->name; cmd++)
			if (!strcmp(cmd->name, name))
				return cmd;
	return NULL;
}

static int fc_cmd_help(struct fc_ctx *c, const struct fc_cmd *cmd)
{
	if (c->json) {
		fc_help_json_cmd(cmd->name, cmd->usage, cmd->help, true);
		putchar('\n');
	} else {
		printf("usage: fragctl %s %s\n  %s\n", cmd->name, cmd->usage,
		       cmd->help);
	}
	return 0;
}

static int fc_run(struct fc_ctx *c, int argc, char **argv)
{
	const struct fc_cmd *cmd;
	int ret;

	if (!argc)
		return 0;
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h")) {
		if (argc > 2)
			return fc_usage("help takes one command name");
		if (argc == 2) {
			cmd = fc_find(argv[1]);
			if (!cmd)
				return fc_usage("unknown command '%s'", argv[1]);
			return fc_cmd_help(c, cmd);
		}
		if (c->json)
			fc_help_json();
		else
			fc_help(stdout);
		return 0;
	}
	cmd = fc_find(argv[0]);
	if (!cmd)
		return fc_usage(argv[0][0] == '-' ? "unknown option '%s'" :
				"unknown command '%s'", argv[0]);
	if (fc_flag(&argc, argv, "--help") || fc_flag(&argc, argv, "-h"))
		return fc_cmd_help(c, cmd);
	/* argument errors are usage errors, with or without the module */
	ret = fc_usage_check(cmd, argc, argv);
	if (ret)
		return ret;
	if (cmd->needs_device) {
		ret = fc_open(c);
		if (ret)
			return ret;
	}
	return cmd->run(c, argc, argv);
}

/* Split a line into words (whitespace separated; no quoting). */
static int fc_split(char *line, char **argv)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < FC_MAX_ARGS - 1;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

static int fc_script(struct fc_ctx *c, char *script)
{
	char *save = NULL, *stmt;
	char *argv[FC_MAX_ARGS];
	int ret;

	for (stmt = strtok_r(script, ";\n", &save); stmt;
	     stmt = strtok_r(NULL, ";\n", &save)) {
		ret = fc_run(c, fc_split(stmt, argv), argv);
		if (ret)
			return ret;
	}
	return 0;
}

static int fc_shell(struct fc_ctx *c)
{
	bool tty = isatty(STDIN_FILENO);
	char *argv[FC_MAX_ARGS];
	char line[4096];
	int ret = 0;

	for (;;) {
		if (tty) {
			fputs("fragctl> ", stdout);
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		if (line[0] == '#')
			continue;
		ret = fc_run(c, fc_split(line, argv), argv);
		if (ret && !tty)
			return ret;
	}
	return ret;
}

/* fragctl --version: the tool, the ABI it speaks, the module if loaded. */
static int fc_version(struct fc_ctx *c)
{
	const char *dev = c->device ? c->device : FRAGLAB_DEVICE;
	struct fraglab fl;
	int ret;

	ret = fraglab_open(&fl, dev);
	if (c->json) {
		printf("{\"fragctl\": \"%s\", \"abi\": \"%u.%u\", \"module\": ",
		       FRAGCTL_VERSION, FRAGLAB_API_MAJOR, FRAGLAB_API_MINOR);
		if (ret)
			printf("null}\n");
		else
			printf("{\"abi\": \"%u.%u\", \"arena_bytes\": %llu, \"max_order\": %u}}\n",
			       fl.version.api_major, fl.version.api_minor,
			       (unsigned long long)fl.version.arena_bytes,
			       fl.version.max_order);
	} else {
		printf("fragctl %s (ABI %u.%u)\n", FRAGCTL_VERSION,
		       FRAGLAB_API_MAJOR, FRAGLAB_API_MINOR);
		if (ret)
			printf("module: not loaded (%s: %s)\n", dev,
			       strerror(-ret));
		else
			printf("module: ABI %u.%u, arena %llu MiB, max_order %u\n",
			       fl.version.api_major, fl.version.api_minor,
			       (unsigned long long)(fl.version.arena_bytes >> 20),
			       fl.version.max_order);
	}
	if (!ret)
		fraglab_close(&fl);
	return 0;
}

int main(int argc, char **argv)
{
	static struct fc_ctx ctx;
	struct fc_ctx *c = &ctx;
	const char *script;
	int ret;

	/* an option that needs a value and has none is a usage error */
	if (argc > 1 && (!strcmp(argv[argc - 1], "-c") ||
			 !strcmp(argv[argc - 1], "--device")))
		return fc_usage("%s needs a value", argv[argc - 1]);
	c->json = fc_flag(&argc, argv, "--json");
	c->device = fc_opt(&argc, argv, "--device");
	script = fc_opt(&argc, argv, "-c");
	if (c->device && !*c->device)
		return fc_usage("--device needs a path");

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		ret = argc > 2 ? fc_usage("--version takes no argument") :
				 fc_version(c);
	} else if (argc > 1 && !strcmp(argv[1], "--man")) {
		ret = fc_doc_man(argc - 1, argv + 1);
	} else if (argc > 1 && !strcmp(argv[1], "--completion")) {
		ret = fc_doc_completion(argc - 1, argv + 1);
	} else if (script) {
		char *copy = strdup(script);

		if (!copy)
			return fc_fail("script", -ENOMEM);
		if (argc > 1) {
			free(copy);
			return fc_usage("-c takes the whole script: unexpected '%s'",
					argv[1]);
		}
		ret = fc_script(c, copy);
		free(copy);
	} else if (argc < 2) {
		fc_help(stderr);
		ret = 2;
	} else if (!strcmp(argv[1], "shell")) {
		ret = argc > 2 ? fc_usage("shell takes no argument") : fc_shell(c);
	} else {
		ret = fc_run(c, argc - 1, argv + 1);
	}
	if (c->opened)
		fraglab_close(&c->fl);
	return ret;
}
