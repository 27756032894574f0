// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - fragctl's helpers: device opening, errors in plain sentences,
 * size parsing (K/M/G suffixes), session handles (@N), option parsing.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragctl.h"

int fc_fail(const char *what, int err)
{
	fprintf(stderr, "fragctl: %s: %s\n", what, fraglab_strerror(err));
	return 1;
}

int fc_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("fragctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see fragctl --help)\n", stderr);
	return 2;
}

int fc_open(struct fc_ctx *c)
{
	const char *dev = c->device ? c->device : FRAGLAB_DEVICE;
	int ret;

	if (c->opened)
		return 0;
	ret = fraglab_open(&c->fl, dev);
	switch (ret) {
	case 0:
		c->opened = true;
		return 0;
	case -ENOENT:
		if (c->device)
			fprintf(stderr, "fragctl: cannot open %s: no such file\n", dev);
		else
			fprintf(stderr, "fragctl: cannot open %s: no such file: fraglab.ko is not loaded (try: sudo modprobe fraglab, or make vm-shell)\n",
				dev);
		break;
	case -ENODEV:
	case -ENXIO:
		fprintf(stderr, "fragctl: cannot open %s: no such device: fraglab.ko is not loaded (try: sudo modprobe fraglab, or make vm-shell)\n",
			dev);
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "fragctl: cannot open %s: permission denied: needs root or dev_mode (the module parameter setting the device's permissions)\n",
			dev);
		break;
	case -ENOTTY:
	case -EINVAL:
	case -EISDIR:
		/* it opened, but FRAGLAB_IOC_VERSION is unknown to it */
		fprintf(stderr, "fragctl: %s: not a fraglab device\n", dev);
		break;
	default:
		fprintf(stderr, "fragctl: cannot open %s: %s\n", dev,
			fraglab_strerror(ret));
	}
	return 1;
}

/* Decimal (leading zeros are not octal) or 0x hexadecimal. */
static int fc_strtou64(const char *s, uint64_t *out, char **end)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (!(hex ? s[2] >= '0' && (s[2] <= '9' || strchr("abcdefABCDEF", s[2])) :
	      s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, end, hex ? 16 : 10);
	return errno ? -ERANGE : 0;
}

int fc_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || fc_strtou64(s, out, &end) || *end)
		return -EINVAL;
	return 0;
}

/*
 * A size: decimal with an optional fraction and K, M, G or T suffix
 * (powers of 1024; "B"/"iB" may follow), or 0x hexadecimal bytes.
 * "1.5G" is 1610612736; "064M" is 64 MiB; a fraction must come out as
 * whole bytes ("0.1K" is refused).
 */
int fc_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, frac = 0, scale = 1;
	unsigned int shift = 0;
	char *end;

	if (!s || fc_strtou64(s, &v, &end))
		return -EINVAL;
	if (*end == '.' && !(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		for (end++; *end >= '0' && *end <= '9'; end++) {
			if (scale > UINT64_MAX / 10 / 1024 / 1024 / 1024 / 1024)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*end - '0');
			scale *= 10;
		}
		if (scale == 1)
			return -EINVAL;
	}
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcasecmp(end + 1, "B") && strcasecmp(end + 1, "iB"))
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	/* frac / scale of a unit must be whole bytes */
	if ((frac << shift) % scale)
		return -EINVAL;
	frac = (frac << shift) / scale;
	if ((v << shift) > UINT64_MAX - frac)
		return -ERANGE;
	*out = (v << shift) + frac;
	return 0;
}

unsigned int fc_remember(struct fc_ctx *c, uint64_t handle)
{
	if (c->nr_handles >= FC_MAX_HANDLES)
		return 0;
	c->handles[c->nr_handles++] = handle;
	return c->nr_handles;
}

void fc_forget(struct fc_ctx *c, uint64_t handle)
{
	unsigned int i;

	for (i = 0; i < c->nr_handles; i++)
		if (c->handles[i] == handle)
			c->handles[i] = 0;
}

int fc_parse_handle(struct fc_ctx *c, const char *s, uint64_t *out)
{
	uint64_t n;

	if (s && s[0] == '@') {
		if (fc_parse_u64(s + 1, &n) || !n || n > c->nr_handles ||
		    !c->handles[n - 1])
			return -ENOENT;
		*out = c->handles[n - 1];
		return 0;
	}
	return fc_parse_u64(s, out);
}

const char *fc_human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	unsigned int u = 0;

	while (bytes >= 1024 && !(bytes & 1023) && u < 4) {
		bytes >>= 10;
		u++;
	}
	if (u)
		snprintf(buf, len, "%" PRIu64 " %ciB", bytes, units[u]);
	else
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	return buf;
}

static void fc_remove_args(int *argc, char **argv, int at, int n)
{
	int i;

	for (i = at; i + n <= *argc; i++)
		argv[i] = argv[i + n];
	*argc -= n;
}

const char *fc_opt(int *argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	const char *v;
	int i;

	/* "--" ends the options: what follows is a program's (record) */
	for (i = 1; i < *argc && strcmp(argv[i], "--"); i++) {
		if (strncmp(argv[i], name, len))
			continue;
		if (argv[i][len] == '=') {
			v = argv[i] + len + 1;
			fc_remove_args(argc, argv, i, 1);
			return v;
		}
		if (!argv[i][len] && i + 1 < *argc) {
			v = argv[i + 1];
			fc_remove_args(argc, argv, i, 2);
			return v;
		}
	}
	return NULL;
}

bool fc_flag(int *argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < *argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], name)) {
			fc_remove_args(argc, argv, i, 1);
			return true;
		}
	}
	return false;
}

int fc_print_debugfs(const char *name)
{
	char *text;
	int ret;

	ret = fraglab_read_debugfs(name, &text);
	if (ret) {
		fprintf(stderr, "fragctl: cannot read %s/%s: %s%s\n",
			FRAGLAB_DEBUGFS, name, strerror(-ret),
			ret == -ENOENT ? " (is debugfs mounted and fraglab.ko loaded?)" : "");
		return 1;
	}
	fputs(text, stdout);
	free(text);
	return 0;
}

/* Print @s as a JSON string, quotes included, whatever its length. */
void fc_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

const char *fc_json_esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 7 < len; s++) {
		if (*s == '"' || *s == '\\') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if ((unsigned char)*s < 0x20) {
			n += snprintf(buf + n, len - n, "\\u%04x", *s);
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}
