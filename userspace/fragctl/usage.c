// SPDX-License-Identifier: GPL-2.0
/*
 * usage.c - a command's usage string is its grammar.
 *
 * The usage strings of the command tables (what `fragctl --help` prints)
 * are read as a small grammar, so the checks, the man page and the shell
 * completion cannot disagree with the help text:
 *
 *   WORD	a literal word (a subcommand: "create", "hugepages")
 *   UPPER	a placeholder; its name says its type: SIZE (K/M/G, fractions),
 *		N ID COUNT P SECONDS OP HIGH (a number; ID also "." for
 *		the last one created), HANDLE (@N or a number), anything
 *		else (NAME, FILE, TRACE, S) any word;
 *		"A,A..." a comma-separated list, "X..." one or more
 *   a|b|C	one of the literals a, b or something matching C; "1..100"
 *		a number in that range
 *   --opt X	an option with a value; "--flag" alone a flag
 *   [ ... ]	optional (options are always optional and go anywhere)
 *   A | B	standalone '|' between brackets-free parts: alternatives
 *   -- PROGRAM [ARGS...]
 *		"--" ends fragctl's arguments: the words after it are
 *		another program's and are not checked (record)
 *
 * fc_usage_check() runs before a command opens the device, so an argument
 * error is a usage error (status 2, naming the argument) with or without
 * fraglab.ko.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

static bool fu_is_upper(const char *s)
{
	return *s >= 'A' && *s <= 'Z';
}

/* Split a usage string into words, '[' ']' and standalone '|'. */
int fc_usage_tokens(const char *usage, char tok[][FU_TOK_LEN], int max)
{
	const char *p = usage;
	int n = 0;
	size_t len;

	while (*p && n < max) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '[' || *p == ']') {
			tok[n][0] = *p++;
			tok[n++][1] = '\0';
			continue;
		}
		len = strcspn(p, " []");
		if (len >= FU_TOK_LEN)
			len = FU_TOK_LEN - 1;
		memcpy(tok[n], p, len);
		tok[n++][len] = '\0';
		p += strcspn(p, " []");
	}
	return n;
}

static bool fu_word(const char *t)
{
	return strcmp(t, "[") && strcmp(t, "]") && strcmp(t, "|");
}

/* The parsed form of one alternative of a usage string. */
struct fu_alt {
	struct {
		const char *name;
		const char *value;	/* NULL: a flag */
		bool required;		/* outside brackets */
	} opt[32];
	int nr_opts;
	struct {
		const char *spec;
		bool optional;
	} pos[16];
	int nr_pos;
	bool dashdash;		/* "-- PROGRAM...": a program after "--" */
};

static void fu_add_opt(struct fu_alt *a, const char *name, const char *value,
		       bool required)
{
	if (a->nr_opts < 32) {
		a->opt[a->nr_opts].name = name;
		a->opt[a->nr_opts].required = required;
		a->opt[a->nr_opts++].value = value;
	}
}

static void fu_parse_alt(char tok[][FU_TOK_LEN], int b, int e, struct fu_alt *a)
{
	int depth = 0, i;

	memset(a, 0, sizeof(*a));
	for (i = b; i < e; i++) {
		char *t = tok[i], *bar;

		if (!strcmp(t, "--")) {
			a->dashdash = true;
			break;
		} else if (!strcmp(t, "[")) {
			depth++;
		} else if (!strcmp(t, "]")) {
			depth--;
		} else if (!strcmp(t, "|")) {
			continue;
		} else if (!strncmp(t, "--", 2) && !strchr(t, '|')) {
			if (i + 1 < e && fu_word(tok[i + 1]) && tok[i + 1][0] != '-') {
				fu_add_opt(a, t, tok[i + 1], !depth);
				i++;
			} else {
				fu_add_opt(a, t, NULL, !depth);
			}
		} else if (a->nr_pos < 16) {
			/* "HANDLE...|--all": the flag stands in for the words */
			bar = strstr(t, "|--");
			if (bar) {
				*bar = '\0';
				fu_add_opt(a, bar + 1, NULL, false);
			}
			a->pos[a->nr_pos].spec = t;
			a->pos[a->nr_pos++].optional = depth > 0 || bar;
		}
	}
}

/* Split the tokens into top-level alternatives: [start, end) pairs. */
int fc_usage_alts(char tok[][FU_TOK_LEN], int n, int alt[][2], int max)
{
	int depth = 0, nr = 0, start = 0, i;

	for (i = 0; i <= n && nr < max; i++) {
		if (i < n && !strcmp(tok[i], "["))
			depth++;
		else if (i < n && !strcmp(tok[i], "]"))
			depth--;
		else if (i == n || (!depth && !strcmp(tok[i], "|"))) {
			alt[nr][0] = start;
			alt[nr++][1] = i;
			start = i + 1;
		}
	}
	return nr;
}

static bool fu_number_type(const char *name)
{
	static const char *const nums[] = {
		"N", "ID", "COUNT", "P", "SECONDS", "OP", "HIGH", NULL,
	};
	int i;

	for (i = 0; nums[i]; i++)
		if (!strcmp(name, nums[i]))
			return true;
	return false;
}

/* Does @arg match the single alternative @spec (no '|')? */
static bool fu_match_one(const char *spec, size_t slen, const char *arg)
{
	char name[FU_TOK_LEN], *dots, *ext, *comma;
	uint64_t v, lo, hi;

	if (slen >= sizeof(name))
		return true;
	memcpy(name, spec, slen);
	name[slen] = '\0';
	dots = strstr(name, "..");
	if (dots && dots != name && dots[2] && !fu_is_upper(name)) {
		/* a range "1..100" */
		*dots = '\0';
		return !fc_parse_u64(name, &lo) && !fc_parse_u64(dots + 2, &hi) &&
		       !fc_parse_u64(arg, &v) && v >= lo && v <= hi;
	}
	if (!fu_is_upper(name))
		return !strcmp(name, arg);
	if (dots)
		*dots = '\0';
	comma = strchr(name, ',');
	if (comma) {
		/* "N,N" or "SIZE,SIZE...": every element of the list */
		char list[256], *save = NULL, *e;

		*comma = '\0';
		if (strlen(arg) >= sizeof(list) || !*arg)
			return false;
		strcpy(list, arg);
		for (e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save))
			if (!fu_match_one(name, strlen(name), e))
				return false;
		return arg[strlen(arg) - 1] != ',';
	}
	ext = strchr(name, '.');
	if (ext)
		*ext = '\0';
	if (!strcmp(name, "SIZE"))
		return !fc_parse_size(arg, &v);
	if (!strcmp(name, "ID") && !strcmp(arg, "."))
		return true;	/* the last one created */
	if (fu_number_type(name))
		return !fc_parse_u64(arg, &v);
	if (!strcmp(name, "HANDLE"))
		return !fc_parse_u64(arg[0] == '@' ? arg + 1 : arg, &v);
	return *arg != '\0';
}

/* Does @arg match @spec, a word of the usage ("on|off|HIGH", "SIZE")? */
static bool fu_match(const char *spec, const char *arg)
{
	const char *p = spec;
	size_t len;

	for (;;) {
		len = strcspn(p, "|");
		if (fu_match_one(p, len, arg))
			return true;
		if (!p[len])
			return false;
		p += len + 1;
	}
}

/*
 * What @spec wants, for an error message: "CMD: unknown WHAT 'x' (one of
 * a, b)" or "CMD: bad size 'x' (...)"; @what is the option without its
 * dashes, or NULL for a positional word.
 */
static void fu_explain(const char *cmd, const char *what, const char *spec,
		       const char *arg, char *err, size_t len)
{
	char list[FU_TOK_LEN], *p;
	bool literals = true;

	snprintf(list, sizeof(list), "%s", spec);
	for (p = list; *p; p++)
		if (*p == '|' || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			literals &= *p == '|';
	if (literals) {
		snprintf(err, len, "%s: unknown %s '%s' (one of ", cmd,
			 what ? what : "value", arg);
		for (p = list; *p; p++)
			snprintf(err + strlen(err), len - strlen(err), "%s",
				 *p == '|' ? ", " : (char[]){ *p, 0 });
		snprintf(err + strlen(err), len - strlen(err), ")");
	} else if (strstr(spec, "SIZE")) {
		snprintf(err, len, "%s: %s%s%sbad size '%s' (a decimal number with an optional fraction and K, M or G suffix, e.g. 21K or 1.5G)",
			 cmd, what ? "--" : "", what ? what : "", what ? ": " : "",
			 arg);
	} else {
		snprintf(err, len, "%s: %s%s%s'%s' is not ", cmd, what ? "--" : "",
			 what ? what : "", what ? ": " : "", arg);
		for (p = list; *p; ) {
			size_t n = strcspn(p, "|");
			char one[FU_TOK_LEN];

			snprintf(one, sizeof(one), "%.*s", (int)n, p);
			snprintf(err + strlen(err), len - strlen(err), "%s%s",
				 p == list ? "" : p[n] ? ", " : " or ",
				 fu_number_type(one) ? "a number" :
				 strstr(one, "..") && !fu_is_upper(one) ? "a number in" : "");
			if (!fu_number_type(one))
				snprintf(err + strlen(err), len - strlen(err),
					 "%s%s", strstr(one, "..") && !fu_is_upper(one) ? " " : "", one);
			p += n + !!p[n];
		}
	}
}

/*
 * Check @argc/@argv (argv[0] is the command) against one alternative.
 * Returns 0 or -EINVAL with @err set; *@score counts the words accepted
 * before the error, to pick the alternative the user most likely meant.
 */
static int fu_check_alt(const struct fu_alt *a, int argc, char **argv,
			char *err, size_t len, int *score)
{
	const char *pos[FC_MAX_ARGS];
	int nr_pos = 0, i, j, k;
	char opt_err[512] = "";
	bool seen[32] = { false };

	*score = 0;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *val = NULL;
		size_t nlen;

		if (a->dashdash && !strcmp(arg, "--")) {
			if (i + 1 == argc) {
				snprintf(err, len, "%s: missing a program after --",
					 argv[0]);
				return -EINVAL;
			}
			argc = i;	/* the rest is the program's */
			break;
		}
		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (nr_pos < FC_MAX_ARGS)
				pos[nr_pos++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		for (j = 0; j < a->nr_opts; j++)
			if (strlen(a->opt[j].name) == nlen &&
			    !strncmp(a->opt[j].name, arg, nlen))
				break;
		if (j < a->nr_opts)
			seen[j] = true;
		if (j == a->nr_opts) {
			if (!*opt_err)
				snprintf(opt_err, sizeof(opt_err),
					 "%s does not take '%.*s'", argv[0],
					 (int)nlen, arg);
			continue;
		}
		if (!a->opt[j].value) {
			if (eq && !*opt_err)
				snprintf(opt_err, sizeof(opt_err),
					 "%s: %s is a flag and takes no value",
					 argv[0], a->opt[j].name);
			else if (!eq)
				(*score)++;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
			val = argv[++i];
		if (!val) {
			if (!*opt_err)
				snprintf(opt_err, sizeof(opt_err),
					 "%s: %s needs a value (%s)", argv[0],
					 a->opt[j].name, a->opt[j].value);
		} else if (!fu_match(a->opt[j].value, val)) {
			if (!*opt_err)
				fu_explain(argv[0], a->opt[j].name + 2,
					   a->opt[j].value, val, opt_err,
					   sizeof(opt_err));
		} else {
			(*score)++;
		}
	}

	for (j = 0; j < a->nr_opts && !*opt_err; j++)
		if (a->opt[j].required && !seen[j])
			snprintf(opt_err, sizeof(opt_err), "%s: missing %s%s%s",
				 argv[0], a->opt[j].name,
				 a->opt[j].value ? " " : "",
				 a->opt[j].value ? a->opt[j].value : "");

	for (i = 0, k = 0; i < a->nr_pos; i++) {
		const char *spec = a->pos[i].spec;
		bool many = strstr(spec, "...") && !strchr(spec, ',');
		int got = 0;

		while (k < nr_pos && fu_match(spec, pos[k])) {
			k++;
			got++;
			(*score)++;
			if (!many)
				break;
		}
		if (got || a->pos[i].optional) {
			/* a word that fits no later spec: say what this one wanted */
			if (!got && k < nr_pos && i == a->nr_pos - 1)
				goto bad;
			continue;
		}
		if (k == nr_pos) {
			snprintf(err, len, "%s: missing %s", argv[0], spec);
			goto out;
		}
bad:
		if (fu_is_upper(spec) || strchr(spec, '|') || strstr(spec, ".."))
			fu_explain(argv[0], NULL, spec, pos[k], err, len);
		else
			snprintf(err, len, "%s: unknown subcommand '%s'",
				 argv[0], pos[k]);
		goto out;
	}
	if (k < nr_pos) {
		snprintf(err, len, "%s: unexpected argument '%s'", argv[0], pos[k]);
		goto out;
	}
	if (!*opt_err)
		return 0;
out:
	/* a bad option is named first: it is what the user typed */
	if (*opt_err)
		snprintf(err, len, "%s", opt_err);
	return -EINVAL;
}

int fc_usage_check(const struct fc_cmd *cmd, int argc, char **argv)
{
	static char tok[FU_MAX_TOKS][FU_TOK_LEN];
	char err[512], best_err[512] = "";
	int alt[16][2], n, nr, i, score, best = -1;
	bool subcommands = true;
	struct fu_alt a;

	n = fc_usage_tokens(cmd->usage, tok, FU_MAX_TOKS);
	nr = fc_usage_alts(tok, n, alt, 16);
	for (i = 0; i < nr; i++) {
		if (alt[i][0] >= alt[i][1] || !fu_word(tok[alt[i][0]]) ||
		    tok[alt[i][0]][0] == '-' || fu_is_upper(tok[alt[i][0]]))
			subcommands = false;
		fu_parse_alt(tok, alt[i][0], alt[i][1], &a);
		if (!fu_check_alt(&a, argc, argv, err, sizeof(err), &score))
			return 0;
		if (score > best) {
			best = score;
			strcpy(best_err, err);
		}
	}
	if (subcommands && nr > 1 && !best) {
		char list[256] = "";

		for (i = 0; i < nr; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", i ? ", " : "", tok[alt[i][0]]);
		if (argc < 2 || !strncmp(argv[1], "--", 2))
			return fc_usage("%s needs a subcommand: %s", cmd->name, list);
		return fc_usage("%s: unknown subcommand '%s' (one of %s)",
				cmd->name, argv[1], list);
	}
	return fc_usage("%s", best_err);
}

/* The options of @cmd's usage (all alternatives), for completion. */
int fc_usage_options(const struct fc_cmd *cmd, const char *sub,
		     const char **names, const char **values, int max)
{
	static char tok[FU_MAX_TOKS][FU_TOK_LEN];
	int alt[16][2], n, nr, i, j, k, out = 0;
	static struct fu_alt a;

	n = fc_usage_tokens(cmd->usage, tok, FU_MAX_TOKS);
	nr = fc_usage_alts(tok, n, alt, 16);
	for (i = 0; i < nr; i++) {
		if (sub && strcmp(tok[alt[i][0]], sub))
			continue;
		fu_parse_alt(tok, alt[i][0], alt[i][1], &a);
		for (j = 0; j < a.nr_opts; j++) {
			for (k = 0; k < out; k++)
				if (!strcmp(names[k], a.opt[j].name))
					break;
			if (k < out || out >= max)
				continue;
			names[out] = strdup(a.opt[j].name);
			values[out++] = a.opt[j].value ? strdup(a.opt[j].value) : NULL;
		}
	}
	return out;
}

/*
 * The positional words of @cmd's first alternative ("grouping", "on|off"),
 * for completion; *@specs point into a static buffer valid until the next
 * call.
 */
int fc_usage_positionals(const struct fc_cmd *cmd, const char **specs, int max)
{
	static char tok[FU_MAX_TOKS][FU_TOK_LEN];
	static struct fu_alt a;
	int alt[16][2], n, i;

	n = fc_usage_tokens(cmd->usage, tok, FU_MAX_TOKS);
	if (fc_usage_alts(tok, n, alt, 16) < 1)
		return 0;
	fu_parse_alt(tok, alt[0][0], alt[0][1], &a);
	for (i = 0; i < a.nr_pos && i < max; i++)
		specs[i] = a.pos[i].spec;
	return i;
}
