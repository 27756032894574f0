// SPDX-License-Identifier: GPL-2.0
/*
 * fragctl - drive fraglab from the command line.
 *
 *   fragctl [--json] [--device PATH] COMMAND [ARGS]
 *   fragctl [--json] -c 'CMD ARGS; CMD ARGS; ...'
 *   fragctl [--json] shell          (commands from stdin, one per line)
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

#define FC_MAX_ARGS	64

static const struct fc_cmd *const fc_tables[] = {
	fc_cmds_buddy,
	fc_cmds_compact,
	fc_cmds_slab,
	fc_cmds_pool,
	fc_cmds_replay,
	fc_cmds_audit,
	fc_cmds_export,
	fc_cmds_probe,
	fc_cmds_bench,
};

static void fc_help(FILE *f)
{
	const struct fc_cmd *cmd;
	unsigned int t;

	fprintf(f,
		"usage: fragctl [--json] [--device PATH] COMMAND [ARGS]\n"
		"       fragctl [--json] -c 'COMMAND ARGS; COMMAND ARGS; ...'\n"
		"       fragctl [--json] shell   (one command per line on stdin)\n"
		"\n"
		"Allocations belong to the open /dev/fraglab and so live as long as\n"
		"the fragctl process: use -c or shell to allocate, inspect and free\n"
		"in one session. Handles: @N is the Nth allocation of the session.\n"
		"Sizes take K, M, G suffixes (powers of 1024).\n"
		"--json: every command prints JSON instead of text (one value per\n"
		"command; pictures and files are still written).\n\n"
		"commands:\n");
	for (t = 0; t < sizeof(fc_tables) / sizeof(fc_tables[0]); t++)
		for (cmd = fc_tables[t]; cmd->name; cmd++)
			fprintf(f, "  %s%s%s\n      %s\n", cmd->name,
				*cmd->usage ? " " : "", cmd->usage, cmd->help);
	fprintf(f, "  help\n      this text\n");
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

	printf("{\"usage\": [\"fragctl [--json] [--device PATH] COMMAND [ARGS]\", "
	       "\"fragctl [--json] -c 'COMMAND ARGS; COMMAND ARGS; ...'\", "
	       "\"fragctl [--json] shell\"], \"commands\": [");
	for (t = 0; t < sizeof(fc_tables) / sizeof(fc_tables[0]); t++)
		for (cmd = fc_tables[t]; cmd->name; cmd++)
			fc_help_json_cmd(cmd->name, cmd->usage, cmd->help,
					 t == 0 && cmd == fc_tables[0]);
	fc_help_json_cmd("help", "", "this text", false);
	printf("]}\n");
}

static const struct fc_cmd *fc_find(const char *name)
{
	const struct fc_cmd *cmd;
	unsigned int t;

	for (t = 0; t < sizeof(fc_tables) / sizeof(fc_tables[0]); t++)
		for (cmd = fc_tables[t]; cmd->name; cmd++)
			if (!strcmp(cmd->name, name))
				return cmd;
	return NULL;
}

static int fc_run(struct fc_ctx *c, int argc, char **argv)
{
	const struct fc_cmd *cmd;
	int ret;

	if (!argc)
		return 0;
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help")) {
		if (c->json)
			fc_help_json();
		else
			fc_help(stdout);
		return 0;
	}
	cmd = fc_find(argv[0]);
	if (!cmd)
		return fc_usage("unknown command '%s'", argv[0]);
	if (fc_flag(&argc, argv, "--help")) {
		if (c->json) {
			fc_help_json_cmd(cmd->name, cmd->usage, cmd->help, true);
			putchar('\n');
		} else {
			printf("usage: fragctl %s %s\n  %s\n", cmd->name,
			       cmd->usage, cmd->help);
		}
		return 0;
	}
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

int main(int argc, char **argv)
{
	static struct fc_ctx ctx;
	struct fc_ctx *c = &ctx;
	const char *script;
	int ret;

	c->json = fc_flag(&argc, argv, "--json");
	c->device = fc_opt(&argc, argv, "--device");
	script = fc_opt(&argc, argv, "-c");

	if (script) {
		char *copy = strdup(script);

		if (!copy)
			return fc_fail("script", -ENOMEM);
		ret = fc_script(c, copy);
		free(copy);
	} else if (argc < 2) {
		fc_help(stderr);
		ret = 2;
	} else if (!strcmp(argv[1], "shell")) {
		ret = fc_shell(c);
	} else {
		ret = fc_run(c, argc - 1, argv + 1);
	}
	if (c->opened)
		fraglab_close(&c->fl);
	return ret;
}
