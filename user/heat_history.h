/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `pautonuma report` keeps of a process while it follows the daemon:
 * per interval the pages with hint faults and the resident pages per node;
 * and that history binned into address rows x intervals, written as SVG or
 * printed as JSON.
 */
#ifndef PAUTONUMA_HEAT_HISTORY_H
#define PAUTONUMA_HEAT_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include "pautonuma_stats.h"

#define HIST_MAX_COLS 4096

struct hist_page {
	__u64 addr;
	__u64 faults;
	size_t col;
};

struct history {
	size_t ncols;
	double t[HIST_MAX_COLS];
	__u64 res[HIST_MAX_COLS][PAUTONUMA_MAX_NODES];
	int tier[PAUTONUMA_MAX_NODES];
	struct hist_page *pages;
	size_t npages, cap;
	__u64 first_ns;
};

/* The history binned into rows x intervals: what the SVG draws and --json prints. */
struct hist_table {
	size_t npages; /* distinct pages with hint faults */
	size_t nrows, best; /* best: the row with the most faults */
	__u64 *lo, *hi; /* [nrows] the row's addresses, [lo, hi) */
	__u64 *rowsum; /* [nrows] faults in the row over all intervals */
	__u64 *cells; /* [ncols * nrows] faults per interval and row */
};

/* Add one interval's pages of @pid (from the stats file) as a new column. */
int hist_add(struct history *hs, const struct pn_stats_header *h, const struct pn_stats_page *pg,
	     __u32 pid, const __u64 *res);
/* Bin @hs into at most @rows rows: 0 or -ENOMEM (@t then empty). */
int hist_table(const struct history *hs, size_t rows, struct hist_table *t);
void hist_table_free(struct hist_table *t);
int hist_write_svg(const struct history *hs, const struct hist_table *t, __u32 pid, FILE *f);
/* The one-line summary: intervals, pages, the hottest row. */
void hist_print_summary(const struct history *hs, const struct hist_table *t, __u32 pid, FILE *f);
/* The table as one JSON object (report --json); @svg the picture's path or NULL. */
void hist_print_json(const struct history *hs, const struct hist_table *t, __u32 pid,
		     const char *svg, FILE *f);

#endif
