/* SPDX-License-Identifier: GPL-2.0 */
/* The observer's report from its maps: run's interval summary and status. */
#ifndef PAUTONUMA_REPORT_H
#define PAUTONUMA_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpf_loader.h"

/* Per-PID fault totals of the previous report, for the "+N" deltas. */
struct report_prev {
	__u32 *tgid;
	__u64 *faults;
	size_t n;
	__u64 hint_faults;
};

/* Print the summary (text, or JSON when @json). @prev may be NULL. 0 or -errno. */
int report_print(FILE *f, const struct observer_maps *m, bool json, struct report_prev *prev);
void report_prev_free(struct report_prev *prev);

#endif
