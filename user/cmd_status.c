// SPDX-License-Identifier: GPL-2.0
/* pautonuma status [--json | --prometheus]: the running instance, summarised. */
#include <errno.h>
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

int cmd_status(int argc, char **argv)
{
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	struct pn_stats_proc *procs = NULL;
	struct pn_stats_header h;
	bool json = false, prom = false, daemon;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--prometheus")) {
			prom = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: pautonuma status [--json | --prometheus]\n"
			       "The running instance's maps in %s and, for a daemon, its\n"
			       "counters from %s; --prometheus prints them in the\n"
			       "Prometheus text exposition format.\n",
			       OBSERVER_PIN_DIR, PN_STATS_FILE);
			return EXIT_OK;
		} else {
			fprintf(stderr, "pautonuma: status: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
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
		err = metrics_write(stdout, &m, daemon ? &h : NULL, procs);
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
