// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma report --pid PID (--svg FILE | --json) [--duration S] [--rows N]:
 * follow the running daemon for a while and draw (or print as JSON) where a
 * process's hint faults fell (address x time) and where its memory lived
 * (node x time).
 *
 * The history comes from the daemon's stats file, which carries the pages
 * with hint faults of each interval: report reads every new interval there
 * (the daemon consumes the BPF heat map each interval, so reading the map
 * directly would race with it) and the process's numa_maps for residency.
 * Nothing is kept by the daemon between reports.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "heat_history.h"
#include "heat_reader.h"
#include "numa_maps.h"
#include "stats_file.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma report --pid PID [--svg FILE] [--json] [--duration S] [--rows N]\n"
		"(at least one of --svg and --json)\n"
		"Follow the running daemon for S seconds (default 30, or until PID exits)\n"
		"and draw an SVG: PID's hint faults per interval over its address space\n"
		"(rows: the pages seen, in address order, in N equal parts, default 64,\n"
		"and a new row at each hole wider than a row),\n"
		"and its resident pages per node over the same time. Each cell carries its\n"
		"figures as data-* attributes. Needs a running 'pautonuma run' (reads\n"
		"%s).\n"
		"  --svg FILE    write the picture to FILE\n"
		"  --json        the same table as one JSON object on stdout: per interval\n"
		"                its time (t, s) and resident pages per node; per row its\n"
		"                addresses [start, end), faults in all and per interval;\n"
		"                the hottest row (messages go to stderr)\n"
		"  --duration S  how long to follow the daemon (default 30)\n"
		"  --rows N      address rows, 1..4096 (default 64)\n",
		PN_STATS_FILE);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "svg", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rows", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct pn_stats_proc *procs = NULL;
	struct pn_stats_page *pages = NULL;
	struct pn_stats_header h;
	struct history *hs = NULL;
	struct hist_table tab = {};
	struct atomic_file af;
	const char *svg = NULL;
	double duration = 30, t_end;
	__u64 last_cycle = 0, res[PAUTONUMA_MAX_NODES];
	long pid = 0, rows = 64;
	bool json = false;
	FILE *msg; /* stdout holds the JSON */
	int c, i, err, ret = EXIT_FAIL;
	struct timespec ts;
	char *end;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's and the usage */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 'r':
			errno = 0;
			*(c == 'p' ? &pid : &rows) = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || pid < 0 || rows < 1 || rows > 4096) {
				fprintf(stderr, "pautonuma: report: invalid value '%s' for --%s\n",
					optarg, c == 'p' ? "pid" : "rows");
				return EXIT_USAGE;
			}
			break;
		case 's':
			svg = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &duration)) {
				fprintf(stderr, "pautonuma: report: invalid duration '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		default: /* 'h' and refused options */
			return cli_option(c, "report", argv, usage);
		}
	}
	if (optind < argc || !pid || (!svg && !json)) {
		fprintf(stderr, "pautonuma: report: %s (see 'pautonuma report --help')\n",
			optind < argc ? "unexpected argument" :
					"--pid and --svg or --json are required");
		return EXIT_USAGE;
	}
	msg = json ? stderr : stdout;
	if (geteuid() != 0) {
		fprintf(stderr, "pautonuma: report: must run as root\n");
		return EXIT_ENV;
	}
	hs = calloc(1, sizeof(*hs));
	if (!hs) {
		fprintf(stderr, "pautonuma: report: out of memory\n");
		return EXIT_FAIL;
	}
	for (i = 0; i < PAUTONUMA_MAX_NODES; i++)
		hs->tier[i] = -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_end = ts.tv_sec + ts.tv_nsec / 1e9 + duration;
	for (;;) {
		err = stats_file_read(PN_STATS_FILE, &h, &procs, &pages);
		if (err == -ENOENT || err == -ESRCH) {
			fprintf(stderr,
				"pautonuma: report: no daemon is running (%s %s); start "
				"'pautonuma run'\n",
				PN_STATS_FILE,
				err == -ENOENT ? "missing" : "left by a dead daemon");
			goto out;
		}
		if (err && err != -EPROTO) {
			fprintf(stderr, "pautonuma: report: %s: %s\n", PN_STATS_FILE,
				strerror(-err));
			goto out;
		}
		if (!err && h.cycles != last_cycle && hs->ncols < HIST_MAX_COLS) {
			last_cycle = h.cycles;
			err = numa_maps_resident((pid_t)pid, res);
			if (err == -ESRCH) {
				fprintf(msg, "pautonuma: report: pid %ld exited\n", pid);
				break;
			}
			if (!err)
				err = hist_add(hs, &h, pages, (__u32)pid, res);
			if (err) {
				fprintf(stderr, "pautonuma: report: sampling pid %ld: %s\n", pid,
					strerror(-err));
				goto out;
			}
		}
		free(procs);
		free(pages);
		procs = NULL;
		pages = NULL;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 >= t_end)
			break;
		usleep(100 * 1000);
	}
	err = hist_table(hs, (size_t)rows, &tab);
	if (err) {
		fprintf(stderr, "pautonuma: report: %s\n", strerror(-err));
		goto out;
	}
	err = svg ? atomic_file_open(&af, svg) : 0;
	if (svg && !err) {
		err = hist_write_svg(hs, &tab, (__u32)pid, af.f);
		if (err)
			atomic_file_abort(&af);
		else
			err = atomic_file_commit(&af);
	}
	if (err) {
		fprintf(stderr, "pautonuma: report: writing %s: %s\n", svg, strerror(-err));
		goto out;
	}
	hist_print_summary(hs, &tab, (__u32)pid, msg);
	if (svg)
		fprintf(msg, "pautonuma: report: wrote %s\n", svg);
	if (json)
		hist_print_json(hs, &tab, (__u32)pid, svg, stdout);
	ret = EXIT_OK;
out:
	hist_table_free(&tab);
	free(procs);
	free(pages);
	if (hs)
		free(hs->pages);
	free(hs);
	return ret;
}
