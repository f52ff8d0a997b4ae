// SPDX-License-Identifier: GPL-2.0
/* pautonuma status [--json]: the running observer's maps, summarised. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmds.h"
#include "report.h"

int cmd_status(int argc, char **argv)
{
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	bool json = false;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: pautonuma status [--json]\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "pautonuma: status: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
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
	err = report_print(stdout, &m, json, NULL);
	observer_maps_close(&m);
	if (err) {
		fprintf(stderr, "pautonuma: status: reading maps: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
