// SPDX-License-Identifier: GPL-2.0
/* pautonuma: entry point; only dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "help", cmd_help, "show this help" },
	{ "run", cmd_run, "the tiering daemon (or --observe-only: report NUMA hint faults)" },
	{ "attach", cmd_attach, "add processes to the running observer's filter" },
	{ "detach", cmd_detach, "remove processes from the running observer's filter" },
	{ "status", cmd_status, "report from the running instance [--json | --prometheus]" },
	{ "journal", cmd_journal, "create, dump, verify or recover the move journal" },
	{ "move", cmd_move, "move pages of a process to a node, journaled" },
	{ "next-touch", cmd_next_touch, "move marked pages to the node that touches them next" },
	{ "top", cmd_top, "live view of the running instance, per process and node" },
	{ "report", cmd_report, "heat map and tier residency of a process over time, as SVG" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: pautonuma COMMAND [OPTIONS]\n"
		   "Persistent AutoNUMA: journaled hot/cold page placement for tiered memory.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'pautonuma COMMAND --help' for the options of a command.\n"
		   "Options: -h, --help  this help;  -V, --version  print the version\n"
		   "\nExit codes: 0 success, 1 runtime failure, 2 usage or configuration error,\n"
		   "3 environment not usable (not root, no BTF, no bpffs, no slow tier, unusable\n"
		   "journal ...), 4 another instance is running or the journal is locked.\n"
		   "Errors are one line on stderr: 'pautonuma: <what>: <why>'.\n");
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("pautonuma %s (%s)\n", PAUTONUMA_VERSION, PAUTONUMA_GIT_REV);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pautonuma: unknown command '%s' (see 'pautonuma --help')\n", argv[1]);
	return EXIT_USAGE;
}
