/* SPDX-License-Identifier: GPL-2.0 */
/* The observer's report from its maps: run's interval summary and status. */
#ifndef PAUTONUMA_REPORT_H
#define PAUTONUMA_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpf_loader.h"
#include "heat_reader.h"
#include "pautonuma_stats.h"

/* Per-PID fault totals of the previous report, for the "+N" deltas. */
struct report_prev {
	__u32 *tgid;
	__u64 *faults;
	size_t n;
	__u64 hint_faults;
};

/* What status shows, read from the maps at once. */
struct report_snapshot {
	struct observer_stats st;
	struct run_info ri;
	struct heat_key *keys;
	struct heat_val *vals;
	size_t n; /* pages in page_heat */
	struct pid_summary *s; /* per process, attached ones included */
	size_t ns;
	bool heat_borrowed; /* keys and vals are the caller's heat_batch */
};

/*
 * Read the maps; page_heat's contents are @heat's when not NULL (read by the
 * caller, who keeps ownership). 0 or -errno; free with report_snapshot_free()
 * (also after an error: NULL-safe).
 */
int report_snapshot_take(const struct observer_maps *m, const struct heat_batch *heat,
			 struct report_snapshot *snap);
void report_snapshot_free(struct report_snapshot *snap);

/*
 * Print the summary (text, or JSON when @json). @heat as for
 * report_snapshot_take(); @prev may be NULL. 0 or -errno.
 */
int report_print(FILE *f, const struct observer_maps *m, const struct heat_batch *heat, bool json,
		 struct report_prev *prev);
/* status: the same, with the daemon's counters when @h is not NULL. */
int report_print_status(FILE *f, const struct observer_maps *m, bool json,
			const struct pn_stats_header *h, const struct pn_stats_proc *procs);
void report_prev_free(struct report_prev *prev);

#endif
