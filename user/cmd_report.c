// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma report --pid PID --svg FILE [--duration S] [--rows N]: follow
 * the running daemon for a while and draw where a process's hint faults
 * fell (address x time) and where its memory lived (node x time).
 *
 * The history comes from the daemon's stats file, which carries the pages
 * with hint faults of each interval: report reads every new interval there
 * (the daemon consumes the BPF heat map each interval, so reading the map
 * directly would race with it) and the process's numa_maps for residency.
 * Nothing is kept by the daemon between reports.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "heat_reader.h"
#include "heatmap_svg.h"
#include "numa_maps.h"
#include "stats_file.h"

#define REPORT_MAX_COLS 4096

struct hist_page {
	__u64 addr;
	__u64 faults;
	size_t col;
};

struct history {
	size_t ncols;
	double t[REPORT_MAX_COLS];
	__u64 res[REPORT_MAX_COLS][PAUTONUMA_MAX_NODES];
	int tier[PAUTONUMA_MAX_NODES];
	struct hist_page *pages;
	size_t npages, cap;
	__u64 first_ns;
};

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Add one interval's pages of @pid as a new column. */
static int hist_add(struct history *hs, const struct pn_stats_header *h,
		    const struct pn_stats_page *pg, __u32 pid, const __u64 *res)
{
	size_t c = hs->ncols, i;
	__u32 k;

	if (!c)
		hs->first_ns = h->written_ns;
	hs->t[c] = (double)(h->written_ns - hs->first_ns) / 1e9;
	memcpy(hs->res[c], res, sizeof(hs->res[c]));
	for (k = 0; k < h->nr_nodes; k++)
		if (h->nodes[k].node < PAUTONUMA_MAX_NODES)
			hs->tier[h->nodes[k].node] = (int)h->nodes[k].tier;
	for (i = 0; i < h->nr_pages; i++) {
		if (pg[i].tgid != pid)
			continue;
		if (hs->npages == hs->cap) {
			size_t cap = hs->cap ? hs->cap * 2 : 4096;
			struct hist_page *p = realloc(hs->pages, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			hs->pages = p;
			hs->cap = cap;
		}
		hs->pages[hs->npages++] =
			(struct hist_page){ .addr = pg[i].addr, .faults = pg[i].faults, .col = c };
	}
	hs->ncols++;
	return 0;
}

/*
 * Rows split the distinct pages seen, in address order, into equal parts:
 * a process's address space is mostly holes, and a linear axis would put
 * its heap, libraries and stack into one row.
 */
static int hist_write_svg(const struct history *hs, __u32 pid, size_t rows, FILE *f, FILE *summary)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 *addrs = NULL, *lo = NULL, *hi = NULL, *cells = NULL, *rowsum = NULL;
	size_t *row_of = NULL, d = 0, i, r, best = 0, per_row, in_row;
	int err = -ENOMEM;

	addrs = calloc(hs->npages ?: 1, sizeof(*addrs));
	if (!addrs)
		goto out;
	for (i = 0; i < hs->npages; i++)
		addrs[i] = hs->pages[i].addr;
	qsort(addrs, hs->npages, sizeof(*addrs), cmp_u64);
	for (i = 0; i < hs->npages; i++)
		if (!d || addrs[d - 1] != addrs[i])
			addrs[d++] = addrs[i];
	lo = calloc(d ?: 1, sizeof(*lo));
	hi = calloc(d ?: 1, sizeof(*hi));
	rowsum = calloc(d ?: 1, sizeof(*rowsum));
	row_of = calloc(d ?: 1, sizeof(*row_of));
	if (!lo || !hi || !rowsum || !row_of)
		goto out;
	/* Equal parts, and a new row at a hole wider than a row: no row spans two mappings. */
	per_row = (d + rows - 1) / (rows ?: 1);
	for (i = 0, r = 0, in_row = 0; i < d; i++) {
		if (i && (in_row == per_row || addrs[i] - addrs[i - 1] > per_row * (__u64)page)) {
			r++;
			in_row = 0;
		}
		if (!in_row)
			lo[r] = addrs[i];
		hi[r] = addrs[i] + (__u64)page;
		row_of[i] = r;
		in_row++;
	}
	rows = d ? r + 1 : 0;
	cells = calloc((rows ?: 1) * (hs->ncols ?: 1), sizeof(*cells));
	if (!cells)
		goto out;
	for (i = 0; i < hs->npages; i++) {
		const __u64 *at = bsearch(&hs->pages[i].addr, addrs, d, sizeof(*addrs), cmp_u64);

		r = row_of[at - addrs];
		cells[hs->pages[i].col * rows + r] += hs->pages[i].faults;
		rowsum[r] += hs->pages[i].faults;
	}
	for (r = 1; r < rows; r++)
		if (rowsum[r] > rowsum[best])
			best = r;
	err = heatmap_svg_write(f, &(struct heatmap){
					   .pid = pid,
					   .ncols = hs->ncols,
					   .nrows = rows,
					   .t = hs->t,
					   .row_lo = lo,
					   .row_hi = hi,
					   .faults = cells,
					   .resident = hs->res,
					   .tier = hs->tier,
				   });
	fprintf(summary, "pautonuma: report: pid %u: %zu intervals, %zu pages with hint faults",
		pid, hs->ncols, d);
	if (rows)
		fprintf(summary, "; hottest row 0x%llx-0x%llx (%llu faults)",
			(unsigned long long)lo[best], (unsigned long long)hi[best],
			(unsigned long long)rowsum[best]);
	fputc('\n', summary);
out:
	free(addrs);
	free(lo);
	free(hi);
	free(rowsum);
	free(row_of);
	free(cells);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma report --pid PID --svg FILE [--duration S] [--rows N]\n"
		"Follow the running daemon for S seconds (default 30, or until PID exits)\n"
		"and draw an SVG: PID's hint faults per interval over its address space\n"
		"(rows: the pages seen, in address order, in N equal parts, default 64,\n"
		"and a new row at each hole wider than a row),\n"
		"and its resident pages per node over the same time. Each cell carries its\n"
		"figures as data-* attributes. Needs a running 'pautonuma run' (reads\n"
		"%s).\n",
		PN_STATS_FILE);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "svg", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rows", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct pn_stats_proc *procs = NULL;
	struct pn_stats_page *pages = NULL;
	struct pn_stats_header h;
	struct history *hs = NULL;
	struct atomic_file af;
	const char *svg = NULL;
	double duration = 30, t_end;
	__u64 last_cycle = 0, res[PAUTONUMA_MAX_NODES];
	long pid = 0, rows = 64;
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
	if (optind < argc || !pid || !svg) {
		fprintf(stderr, "pautonuma: report: %s (see 'pautonuma report --help')\n",
			optind < argc ? "unexpected argument" : "--pid and --svg are required");
		return EXIT_USAGE;
	}
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
		if (!err && h.cycles != last_cycle && hs->ncols < REPORT_MAX_COLS) {
			last_cycle = h.cycles;
			err = numa_maps_resident((pid_t)pid, res);
			if (err == -ESRCH) {
				printf("pautonuma: report: pid %ld exited\n", pid);
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
	err = atomic_file_open(&af, svg);
	if (!err) {
		err = hist_write_svg(hs, (__u32)pid, (size_t)rows, af.f, stdout);
		if (err)
			atomic_file_abort(&af);
		else
			err = atomic_file_commit(&af);
	}
	if (err) {
		fprintf(stderr, "pautonuma: report: writing %s: %s\n", svg, strerror(-err));
		goto out;
	}
	printf("pautonuma: report: wrote %s\n", svg);
	ret = EXIT_OK;
out:
	free(procs);
	free(pages);
	if (hs)
		free(hs->pages);
	free(hs);
	return ret;
}
