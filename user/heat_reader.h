/* SPDX-License-Identifier: GPL-2.0 */
/* Aggregation and printing of the observer's heat map and statistics. */
#ifndef PAUTONUMA_HEAT_READER_H
#define PAUTONUMA_HEAT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "pautonuma_maps.h"

struct pid_summary {
	__u32 tgid;
	bool attached; /* in pid_filter */
	__u64 pages; /* entries in page_heat */
	__u64 faults;
	__u64 local; /* faults the kernel reported as local */
	__u64 remote; /* faults with a known outcome that were not local */
	__u64 migrate_ok;
	__u64 migrate_fail;
	__u64 pages_by_node[PAUTONUMA_MAX_NODES];
	__u64 pages_node_unknown;
	__u64 faults_by_node[PAUTONUMA_MAX_NODES]; /* by the faulting CPU's node */
};

/*
 * Pages with hint faults: one read of page_heat, or a daemon's interval
 * (fault_feed.h), which it hands to the interval's report as well.
 */
struct heat_batch {
	struct heat_key *keys;
	struct heat_val *vals;
	size_t n;
};

/*
 * One pid_summary per tgid in @keys, sorted by faults (most first), then
 * tgid. *@out is malloc'ed (NULL when @n is 0). Returns 0 or -ENOMEM.
 */
int heat_aggregate(const struct heat_key *keys, const struct heat_val *vals, size_t n,
		   struct pid_summary **out, size_t *nout);

/* "MR_NUMA_MISPLACED" -> "numa_misplaced"; MR_SYSCALL -> "syscall_or_cpuset" as the kernel prints it. */
void reason_name_from_enum(const char *enumerator, char *buf, size_t size);

/* Parse a positive number of seconds ("2", "0.5"); 0 or -EINVAL. Max one day. */
int parse_seconds(const char *s, double *out);

/*
 * One line per PID: "pid N: pages P faults F (+D) local L remote R node0 a ...";
 * " (detached)" after the PID if @mark_detached and it is not in the filter.
 */
void heat_print_pid(FILE *f, const struct pid_summary *s, __u64 prev_faults, bool mark_detached);

/* Migrations by reason with non-zero calls: " numa_misplaced 12/0" (succeeded/failed). */
void heat_print_migrations(FILE *f, const struct migrate_stats *m,
			   char names[PAUTONUMA_MAX_REASONS][32]);

/* status --json body for one PID (an object, no trailing newline). */
void heat_print_pid_json(FILE *f, const struct pid_summary *s);

#endif
