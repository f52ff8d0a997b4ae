/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's published state: /run/pautonuma/stats, rewritten each
 * interval (a temporary file renamed over the old one, so a reader sees one
 * whole interval or the previous one, never a mix). Read by `top`,
 * `status --prometheus`/`--json` and `report`.
 *
 * Why a file and not a pinned BPF map: these counters are the daemon's own
 * (no BPF program writes them), their number varies (processes, pages of the
 * last interval), and a file in /run needs no BPF privilege to read and goes
 * away with the reboot. Stale files are recognised by daemon_pid.
 *
 * Layout: struct pn_stats_header, then nr_procs struct pn_stats_proc, then
 * nr_pages struct pn_stats_page. Host byte order; fixed-width fields only.
 */
#ifndef PAUTONUMA_STATS_H
#define PAUTONUMA_STATS_H

#include <linux/types.h>

#include "pautonuma_maps.h"

#define PN_STATS_FILE "/run/pautonuma/stats"
#define PN_STATS_MAGIC 0x31535441544e5055ULL /* "UPNTATS1" */
#define PN_STATS_VERSION 2
/* Pages of the last interval published at most (24 bytes each). */
#define PN_STATS_MAX_PAGES 262144

/*
 * Why planned pages were not moved, by what move_pages(2) left in their
 * status (pn_stats_header.not_moved[]; names in user/stats_file.c).
 */
enum pn_not_moved {
	PN_NM_STAYED, /* a node: the kernel's migration gave up on it, or never tried it */
	PN_NM_BUSY, /* -EBUSY, -EAGAIN after the mover's retries */
	PN_NM_UNMAPPED, /* -ENOENT, -EFAULT: unmapped, or not movable */
	PN_NM_SHARED, /* -EACCES: mapped by other processes too */
	PN_NM_NOMEM, /* -ENOMEM: no free page on the destination */
	PN_NM_OTHER, /* other errors, or a call that failed as a whole */
	PN_NOT_MOVED_NR
};

struct pn_stats_node {
	__u32 node;
	__u32 tier; /* 0 fast, 1 slow (enum policy_tier) */
	__u64 total_pages;
	__u64 free_pages;
};

struct pn_stats_header {
	__u64 magic;
	__u32 version;
	__u32 daemon_pid;
	__u64 written_ns; /* CLOCK_REALTIME */
	__u64 interval_ms;
	__u64 cycles; /* intervals done; a new value means new data */
	/* totals since the daemon started */
	__u64 promoted; /* pages found on their destination after a move */
	__u64 demoted;
	__u64 failed; /* pages not moved */
	__u64 not_moved[PN_NOT_MOVED_NR]; /* of failed, why (enum pn_not_moved) */
	__u64 batches; /* journaled move_pages calls */
	__u64 pingpong;
	__u64 gone; /* batches skipped: process exited */
	/* the journal: last record, capacity, batches without COMMIT (the lag) */
	__u64 journal_seq;
	__u64 journal_records;
	__u64 journal_open;
	/* the last interval's plan */
	__u64 budget_pages; /* migration budget of the interval */
	__u64 budget_used; /* moves planned in it */
	__u64 skipped_budget;
	__u64 tracked; /* pages tracked by the policy */
	__u64 candidates; /* slow-tier pages at or above the threshold */
	__u64 threshold_milli; /* promotion threshold, 1/1000 hint faults */
	__u32 nr_nodes;
	__u32 nr_procs;
	__u32 nr_pages;
	__u32 pad;
	struct pn_stats_node nodes[PAUTONUMA_MAX_NODES];
};

/* One managed process: totals since the daemon first saw it. */
struct pn_stats_proc {
	__u32 tgid;
	__u32 pad;
	__u64 faults; /* NUMA hint faults */
	__u64 kernel_migrations; /* pages the kernel migrated on a hint fault */
	__u64 promoted;
	__u64 demoted;
	/* pages with hint faults in the last interval, by node (the "hot" pages) */
	__u64 hot_pages[PAUTONUMA_MAX_NODES];
};

/* One page with hint faults in the last interval (for `report`). */
struct pn_stats_page {
	__u32 tgid;
	__s32 node;
	__u64 addr;
	__u32 faults;
	__u32 pad;
};

#endif
