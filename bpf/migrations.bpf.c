// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel page migrations by reason (migrate:mm_migrate_pages) and NUMA task
 * moves (sched:sched_move_numa, sched:sched_swap_numa). Raw tracepoints:
 * they need neither tracefs nor fentry. The position of the reason argument
 * changed (6.8 added large_folio_split); the loader reads it from BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pautonuma_maps.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool observe_all = false;
/* Index of mm_migrate_pages' reason argument: 6 before 6.8, 7 after. */
const volatile __u32 reason_arg = 7;

/* Shared with hint_faults.bpf.o: the loader passes its fd (reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAUTONUMA_FILTER_ENTRIES);
	__type(key, __u32);
	__type(value, struct filter_val);
} pid_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct migrate_stats);
} migrate_stats SEC(".maps");

static __always_inline struct migrate_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&migrate_stats, &zero);
}

/*
 * Load raw tracepoint argument @n. Inline asm keeps clang from merging the
 * two constant-offset loads below into one load at a computed offset, which
 * the verifier rejects for ctx pointers.
 */
#define RAW_TP_ARG(ctx, n)                                                                 \
	({                                                                                 \
		__u64 __v;                                                                 \
		asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(__v) : "r"(ctx), "i"((n)*8)); \
		__v;                                                                       \
	})

static __always_inline bool wanted(__u32 tgid)
{
	return tgid && (observe_all || bpf_map_lookup_elem(&pid_filter, &tgid));
}

SEC("raw_tp/mm_migrate_pages")
int BPF_PROG(migrate_pages, unsigned long succeeded, unsigned long failed)
{
	struct migrate_stats *st = stats();
	__u64 reason;

	if (!st)
		return 0;
	/* The verifier prunes the branch not taken: no access past the last argument. */
	if (reason_arg == 7)
		reason = RAW_TP_ARG(ctx, 7);
	else
		reason = RAW_TP_ARG(ctx, 6);
	if (reason >= PAUTONUMA_MAX_REASONS)
		reason = PAUTONUMA_MAX_REASONS - 1;
	st->calls[reason]++;
	st->succeeded[reason] += succeeded;
	st->failed[reason] += failed;
	return 0;
}

SEC("raw_tp/sched_move_numa")
int BPF_PROG(move_numa, struct task_struct *task)
{
	struct migrate_stats *st;

	if (!wanted(BPF_CORE_READ(task, tgid)))
		return 0;
	st = stats();
	if (st)
		st->task_moves++;
	return 0;
}

SEC("raw_tp/sched_swap_numa")
int BPF_PROG(swap_numa, struct task_struct *src, int src_cpu, struct task_struct *dst)
{
	struct migrate_stats *st;

	if (!wanted(BPF_CORE_READ(src, tgid)) && !wanted(BPF_CORE_READ(dst, tgid)))
		return 0;
	st = stats();
	if (st)
		st->task_swaps++;
	return 0;
}
