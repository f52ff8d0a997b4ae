/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records shared by the observer's BPF programs (bpf/) and the loader
 * (user/). Fixed-width types and explicit padding only: both sides must
 * agree on every byte, and bpftool prints the field names from BTF.
 */
#ifndef PAUTONUMA_MAPS_H
#define PAUTONUMA_MAPS_H

/* Nodes counted per page; faults from a higher node id land in the last slot. */
#define PAUTONUMA_MAX_NODES 8
/* migrate_reason values counted; the kernel has 10 (MR_TYPES) in 6.18. */
#define PAUTONUMA_MAX_REASONS 16
/* Default number of pages tracked in page_heat (set at load time). */
#define PAUTONUMA_HEAT_ENTRIES 262144
#define PAUTONUMA_FILTER_ENTRIES 1024
/* Ranges marked for affinity-on-next-touch at once, all processes. */
#define PAUTONUMA_NEXT_TOUCH_ENTRIES 1024
/*
 * Bytes a hint fault takes on the daemon's fault ring: struct heat_fault
 * and the ring's record header (BPF_RINGBUF_HDR_SZ).
 */
#define PAUTONUMA_FAULT_RING_RECORD 56

/* task_numa_fault() flags, include/linux/sched/numa_balancing.h (stable since 3.13). */
#define PAUTONUMA_TNF_MIGRATED 0x01
#define PAUTONUMA_TNF_SHARED 0x04
#define PAUTONUMA_TNF_FAULT_LOCAL 0x08
#define PAUTONUMA_TNF_MIGRATE_FAIL 0x10

/* x86 page fault error code: the page was present (protection fault). */
#define PAUTONUMA_X86_PF_PROT 0x1

/* page_heat key: one page of one process. */
struct heat_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr; /* page-aligned virtual address; the head address for a THP */
};

/* page_heat value. */
struct heat_val {
	__u64 faults; /* NUMA hint faults on this page */
	__u64 local_faults; /* of which the kernel reported as node-local */
	__u64 first_ns; /* bpf_ktime_get_ns() of the first and last fault */
	__u64 last_ns;
	__u32 faults_by_node[PAUTONUMA_MAX_NODES]; /* by the faulting CPU's node */
	__s32 node; /* node of the page after the last fault, -1 unknown */
	__u32 pages; /* base pages behind this entry (512 for a THP), 0 unknown */
	__u32 migrate_ok; /* kernel migrations of this page on a hint fault */
	__u32 migrate_fail;
	__s32 last_cpu_node; /* node of the CPU that took the last fault (at last_ns) */
	/*
	 * Hint-fault latency: time from the NUMA scan that protected the page's
	 * range to the fault. A page accessed at rate r faults about 1/r after
	 * the scan, so this separates hot from warm pages when every page
	 * faults once per scan period (fault counts saturate). 0 = not known
	 * (no scan hook, or the range was scanned before the observer started).
	 */
	__u32 lat_faults; /* faults with a known latency */
	__u32 lat_min_us; /* the shortest of them, microseconds (>= 1) */
	/*
	 * The longest: with faults of two passes in one map read (the tail of
	 * one, the start of the next), the shortest alone cannot tell whether
	 * both were early or one.
	 */
	__u32 lat_max_us;
};

/*
 * fault_ring record: one hint fault, for a daemon that sums them per page
 * itself (reading a drained page_heat cost a syscall copy and a bucket lock
 * per page). page_heat is then left to accumulate for operators.
 */
struct heat_fault {
	struct heat_key key;
	__u64 ns; /* bpf_ktime_get_ns() of the fault */
	__u32 lat_us; /* since the range's NUMA scan, 0 unknown */
	__s32 cpu_node; /* node of the CPU that took the fault */
	__s32 node; /* node of the page (task_numa_fault), -1 unknown */
	__u32 pages; /* base pages behind it, 0 unknown */
	__u32 flags; /* PAUTONUMA_TNF_* */
	__u32 pad;
};

/*
 * The last NUMA scans of a process's address ranges, one slot per
 * change_prot_numa() range, reused round-robin; slots [0, used) are filled.
 * Held in the process's pid_filter value, or, observing all processes, in
 * the scan_ranges map (key: tgid).
 */
#define PAUTONUMA_SCAN_SLOTS 16

struct scan_range {
	__u64 start; /* [start, end) */
	__u64 end;
	__u64 ns; /* bpf_ktime_get_ns() of the scan */
};

struct scan_ranges {
	struct scan_range r[PAUTONUMA_SCAN_SLOTS];
	__u32 next; /* slot the next new range takes */
	__u32 used; /* slots filled, at most PAUTONUMA_SCAN_SLOTS */
};

/*
 * pid_filter value: the identity the tgid was attached with, and its scans
 * (one lookup per hint fault finds both: it is the hottest path we have).
 */
struct filter_val {
	__u64 start_time; /* /proc/PID/stat field 22, clock ticks since boot */
	struct scan_ranges scan; /* written by the BPF programs only */
};

/*
 * next_touch key: pages [start, end) of one process marked by `pautonuma
 * next-touch`; the daemon moves each page to the node of the CPU of its
 * next hint fault after mark_ns (the last one of the first interval that
 * has any). Written and read by user space only: no BPF
 * program looks at it (no policy in BPF); pinned so that operators and the
 * command reach the running daemon.
 */
struct next_touch_key {
	__u32 tgid;
	__u32 pad;
	__u64 start; /* page aligned */
	__u64 end; /* exclusive, page aligned */
};

struct next_touch_val {
	__u64 start_time; /* the marked process: /proc/PID/stat field 22 */
	__u64 mark_ns; /* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() */
};

/* fault_stats (per-CPU array, one entry). */
struct fault_stats {
	__u64 hint_faults; /* faults recorded in page_heat */
	__u64 heat_full; /* faults lost: no page_heat entry could be made */
	__u64 outcomes; /* task_numa_fault() calls paired with an address */
	__u64 unpaired; /* task_numa_fault() calls without a preceding address */
	__u64 filter_exits; /* filtered processes that exited (dropped) */
	__u64 events_lost; /* ring buffer full */
	__u64 ring_faults; /* faults put on fault_ring (a daemon reads them) */
	__u64 ring_lost; /* faults fault_ring had no room for */
};

/* migrate_stats (per-CPU array, one entry): mm_migrate_pages by reason. */
struct migrate_stats {
	__u64 calls[PAUTONUMA_MAX_REASONS];
	__u64 succeeded[PAUTONUMA_MAX_REASONS];
	__u64 failed[PAUTONUMA_MAX_REASONS];
	__u64 task_moves; /* sched_move_numa of observed tasks */
	__u64 task_swaps; /* sched_swap_numa involving observed tasks */
};

/* hook_info (array, one entry): filled by the loader, read by status. */
enum heat_hook {
	HEAT_HOOK_NONE = 0,
	HEAT_HOOK_FENTRY = 1,
	HEAT_HOOK_KPROBE = 2,
	HEAT_HOOK_TRACEPOINT = 3,
};

struct run_info {
	__u32 loader_pid;
	__u32 hook; /* enum heat_hook */
	__u32 observe_all;
	__u32 pad;
	__u64 started_ns; /* CLOCK_MONOTONIC */
};

/* Ring buffer events for the loader. */
enum event_type {
	EVENT_FILTER_EXIT = 1, /* an attached process exited; dropped from pid_filter */
};

struct event {
	__u32 type;
	__u32 tgid;
	__u64 ts_ns;
};

#endif
