/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommand table and the conventions every subcommand follows. */
#ifndef PAUTONUMA_CLI_H
#define PAUTONUMA_CLI_H

#include <getopt.h>
#include <stdio.h>

/*
 * Exit codes (documented in README.md and pautonuma(8)):
 *   0 success, 1 runtime failure, 2 usage error, 3 environment not usable
 *   (not root, no BTF, no bpffs, single node ...), 4 another instance runs.
 */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_ENV = 3,
	EXIT_BUSY = 4,
};

/*
 * The one line for an option getopt_long() refused (argv[optind - 1]: the
 * option, or the option whose value is missing). Returns EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, char *const argv[]);

/*
 * What every subcommand's getopt_long() loop does with the codes it has no
 * case of: 'h' (-h, --help) prints @usage on stdout and returns EXIT_OK;
 * anything else ('?': unknown option or missing value) is cli_bad_option().
 * The loop's default: is "return cli_option(c, CMD, argv, usage);".
 */
int cli_option(int c, const char *cmd, char *const argv[], void (*usage)(FILE *f));

/*
 * @s as a JSON string, quotes included: the one escaper of every --json.
 * Bytes that are not UTF-8 (a path may hold any) become U+FFFD, so the
 * output always parses.
 */
void cli_json_string(FILE *f, const char *s);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the subcommand name */
	const char *summary;
};

/* Subcommands (one module each). */
int cmd_journal(int argc, char **argv);
int cmd_move(int argc, char **argv);

#endif
