/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tiering daemon's cycle: read the heat map, plan with the policy, move
 * through the journal. cmd_run owns the observer and the kernel settings;
 * this module owns the journal, the policy state and the topology.
 */
#ifndef PAUTONUMA_DAEMON_H
#define PAUTONUMA_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf_loader.h"
#include "heat_reader.h"
#include "pautonuma_stats.h"
#include "policy.h"

struct daemon_opts {
	const char *journal_path; /* required unless dry_run */
	const char *tiers; /* operator's tier override ("fast=0,slow=1"), or NULL */
	bool dry_run; /* plan and print, move nothing, no journal */
	struct policy_config policy;
};

/* Totals since daemon_create(), for the summary and the tests. */
struct daemon_totals {
	uint64_t cycles;
	uint64_t promoted; /* pages found on their destination after a move */
	uint64_t demoted;
	uint64_t failed; /* pages not moved (busy, gone, no memory ...) */
	__u64 why[PN_NOT_MOVED_NR]; /* of failed, why (enum pn_not_moved) */
	uint64_t batches; /* move_pages calls, each journaled */
	uint64_t pingpong;
	uint64_t reverted; /* our promotions the kernel's reclaim demoted within the window */
	uint64_t gone; /* batches skipped: the process exited or was recycled */
	uint64_t next_touch; /* pages moved to the node of the CPU that touched them */
	uint64_t sampled; /* write samples of fast-tier pages taken (user/write_sampler.h) */
	/* CPU time in daemon_cycle() (process clock; the heat map read is the caller's) */
	uint64_t cpu_ns;
	uint64_t cpu_move_ns; /* of which moving pages: journal, move_pages(2) */
	uint64_t cpu_sample_ns; /* of which write samples: clear_refs, pagemap */
	uint64_t cpu_clear_ns; /* of which clearing soft-dirty bits (clear_refs) */
};

struct daemon;

/*
 * Read the topology, open and recover the journal, create the policy.
 * Returns 0, or -errno with a one-line reason in @why; -ENODEV when the
 * machine has no slow tier to manage.
 */
int daemon_create(const struct daemon_opts *o, struct daemon **out, FILE *log, char *why,
		  size_t why_len);
/*
 * One interval over @heat, the faults since the last, from observer_faults_take()
 * (the caller's). Prints one summary line (and the plan with --dry-run) to
 * @out.
 */
int daemon_cycle(struct daemon *d, const struct observer_maps *m, const struct heat_batch *heat,
		 FILE *out);
/* New policy settings (config reload), its state kept; 0 or -errno with the old kept. */
int daemon_reconfigure(struct daemon *d, const struct policy_config *policy);
const struct daemon_totals *daemon_totals(const struct daemon *d);
/* Add to @why (enum pn_not_moved) why the pages of @status (n, from mover_move_pages()) not on @dst stayed. */
void daemon_not_moved_count(__u64 *why, const int *status, size_t n, int dst);
/*
 * Tell @pol where the moves @mv (n, one group of a batch to @dst) left the
 * pages mover_move_pages() did not move (@status): their next faults there
 * are then no news, neither another mover's work nor, for a promotion, one
 * reverted by reclaim. Pages unmapped or without a status are not told.
 */
void daemon_note_unmoved(struct policy *pol, const struct policy_move *mv, const int *status,
			 size_t n, int dst);
/*
 * The slow node with the most free memory, for the daemon's own metadata
 * (heat map, policy table): they are read once per interval, while the fast
 * tier is what the daemon exists to give to the workloads. -1 if none.
 */
int daemon_meta_node(const struct daemon *d);
/*
 * What the daemon publishes after an interval: the header (with counts) and
 * its arrays, which stay valid until the next daemon_cycle().
 */
void daemon_stats(const struct daemon *d, struct pn_stats_header *h,
		  const struct pn_stats_proc **procs, const struct pn_stats_page **pages);
void daemon_destroy(struct daemon *d);

#endif
