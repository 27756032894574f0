/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_json.h - a strict JSON syntax checker and a tiny XML well-formedness
 * checker for the box tests (the box has no python).  Enough to tell
 * whether fragctl --json printed one valid JSON value per line and whether
 * an SVG is well-formed; not a parser.
 */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *fl_json_value(const char *p, int depth);

static inline const char *fl_json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static inline const char *fl_json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static inline const char *fl_json_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit((unsigned char)*p))
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		s = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		s = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *fl_json_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = fl_json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = fl_json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = fl_json_string(fl_json_ws(p));
				if (!p)
					return NULL;
				p = fl_json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = fl_json_value(p, depth + 1);
			if (!p)
				return NULL;
			p = fl_json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return fl_json_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	return fl_json_number(p);
}

/* Is @text exactly one JSON value (surrounding whitespace allowed)? */
static inline bool fl_json_valid(const char *text)
{
	const char *end = fl_json_value(text, 0);

	return end && !*fl_json_ws(end);
}

/* Is every non-empty line of @text one JSON value? Returns lines, or -1. */
static inline int fl_json_lines_valid(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	int n = 0;

	if (!copy)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!fl_json_valid(line)) {
			n = -1;
			break;
		}
		n++;
	}
	free(copy);
	return n;
}

/*
 * Minimal XML well-formedness: an optional <?xml ...?> prolog, then one
 * root element; every start tag closed in order, attribute values quoted,
 * no stray '<' or '&' in text.  Returns the number of elements or -1.
 */
static inline int fl_xml_wellformed(const char *p)
{
	char stack[32][32];
	int depth = 0, elements = 0, roots = 0;

	p = fl_json_ws(p);
	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			return -1;
		p += 2;
	}
	while (*p) {
		if (*p == '&') {
			if (strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
			    strncmp(p, "&amp;", 5) && strncmp(p, "&quot;", 6) &&
			    strncmp(p, "&apos;", 6))
				return -1;
			p++;
			continue;
		}
		if (*p != '<') {
			if (!depth && !isspace((unsigned char)*p))
				return -1;	/* text outside the root */
			p++;
			continue;
		}
		if (p[1] == '/') {
			size_t n = strcspn(p + 2, ">");

			if (!depth || !p[2 + n] || n != strlen(stack[depth - 1]) ||
			    strncmp(p + 2, stack[depth - 1], n))
				return -1;
			depth--;
			p += 3 + n;
			continue;
		}
		{
			size_t n = strcspn(p + 1, " \t\n/>");
			const char *q = p + 1 + n;

			if (!n || n >= sizeof(stack[0]))
				return -1;
			/* attributes: name='v' or name="v" */
			for (;;) {
				q = fl_json_ws(q);
				if (*q == '>' || (*q == '/' && q[1] == '>'))
					break;
				while (*q && (isalnum((unsigned char)*q) ||
					      *q == '-' || *q == ':' || *q == '_'))
					q++;
				if (*q++ != '=')
					return -1;
				if (*q != '\'' && *q != '"')
					return -1;
				q = strchr(q + 1, *q);
				if (!q)
					return -1;
				q++;
			}
			if (!depth && roots++)
				return -1;	/* a second root */
			elements++;
			if (*q == '/') {
				p = q + 2;
				continue;
			}
			if (depth >= 32)
				return -1;
			memcpy(stack[depth], p + 1, n);
			stack[depth][n] = '\0';
			depth++;
			p = q + 1;
		}
	}
	return depth || !roots ? -1 : elements;
}

#endif /* FL_JSON_H */
