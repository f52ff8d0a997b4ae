// SPDX-License-Identifier: GPL-2.0
/* The conventions every subcommand shares: option errors, --help, --json strings. */
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

int cli_bad_option(const char *cmd, char *const argv[])
{
	fprintf(stderr,
		"pautonuma: %s: unknown option or missing value: '%s' (see 'pautonuma %s --help')\n",
		cmd, argv[optind - 1], cmd);
	return EXIT_USAGE;
}

int cli_option(int c, const char *cmd, char *const argv[], void (*usage)(FILE *f))
{
	if (c == 'h') {
		usage(stdout);
		return EXIT_OK;
	}
	return cli_bad_option(cmd, argv);
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlongs, surrogates and > U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) /* a NUL stops here too */
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		n = utf8_len(p);
		if (!n) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}
