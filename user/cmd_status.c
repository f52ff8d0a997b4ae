// SPDX-License-Identifier: GPL-2.0
/* pautonuma status [--json | --prometheus]: the running instance, summarised. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmds.h"
#include "metrics.h"
#include "report.h"
#include "stats_file.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma status [--json | --prometheus]\n"
		"The running instance's maps in %s and, for a daemon, its\n"
		"counters from %s.\n"
		"  --json        one JSON object on stdout\n"
		"  --prometheus  the Prometheus text exposition format\n",
		OBSERVER_PIN_DIR, PN_STATS_FILE);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	struct pn_stats_proc *procs = NULL;
	struct pn_stats_header h;
	bool json = false, prom = false, daemon;
	int c, err;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			prom = true;
			break;
		default: /* 'h' and refused options */
			return cli_option(c, "status", argv, usage);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pautonuma: status: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (json && prom) {
		fprintf(stderr, "pautonuma: status: --json and --prometheus exclude each other\n");
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "pautonuma: status: must run as root\n");
		return EXIT_ENV;
	}
	err = observer_maps_open_pinned(&m);
	if (err == -ENOENT) {
		fprintf(stderr,
			"pautonuma: status: no observer is running (nothing pinned in %s)\n",
			OBSERVER_PIN_DIR);
		return EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "pautonuma: status: opening %s: %s\n", OBSERVER_PIN_DIR,
			strerror(-err));
		return EXIT_ENV;
	}
	/* An observer without a daemon (--observe-only) publishes no stats file. */
	err = stats_file_read(PN_STATS_FILE, &h, &procs, NULL);
	daemon = !err;
	if (err && err != -ENOENT && err != -ESRCH)
		fprintf(stderr, "pautonuma: status: %s: %s (daemon counters left out)\n",
			PN_STATS_FILE, err == -EPROTO ? "not a stats file" : strerror(-err));
	if (prom)
		err = metrics_write(stdout, &m, NULL, daemon ? &h : NULL, procs);
	else
		err = report_print_status(stdout, &m, json, daemon ? &h : NULL, procs);
	free(procs);
	observer_maps_close(&m);
	if (err) {
		fprintf(stderr, "pautonuma: status: reading maps: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
