/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observer's and the daemon's counters for machines: Prometheus text
 * exposition format (`run --metrics-file`, `status --prometheus`) and the
 * daemon's object in `status --json`.
 */
#ifndef PAUTONUMA_METRICS_H
#define PAUTONUMA_METRICS_H

#include <stdio.h>

#include "bpf_loader.h"
#include "heat_reader.h"
#include "pautonuma_stats.h"

/*
 * The counters of `status` read from @m and, when @h is not NULL, the
 * daemon's (@procs has h->nr_procs entries). The page counts are of @heat
 * (a daemon's interval) or, when NULL, of page_heat, read whole. 0 or -errno.
 */
int metrics_write(FILE *f, const struct observer_maps *m, const struct heat_batch *heat,
		  const struct pn_stats_header *h, const struct pn_stats_proc *procs);

/* Write metrics_write()'s text atomically to @path (textfile collector style). */
int metrics_write_file(const char *path, const struct observer_maps *m,
		       const struct heat_batch *heat, const struct pn_stats_header *h,
		       const struct pn_stats_proc *procs);

/* The daemon's counters as one JSON object (no newline). */
void metrics_daemon_json(FILE *f, const struct pn_stats_header *h,
			 const struct pn_stats_proc *procs);

#endif
