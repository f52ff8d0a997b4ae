/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Affinity-on-next-touch (Löf & Holmgren 2005; Lankes, Bierbaum & Bemmerl,
 * Euro-Par 2010): pages an operator marked move to the node of the CPU that
 * touches them next. The BPF side only records, per hint-faulted page, the
 * node of the CPU of its last fault; this module decides.
 *
 * Pure user space on plain structs, like the policy: the daemon feeds it
 * the marks and each interval's faults, and takes a plan of moves.
 *
 * A page's node is decided by the first interval in which it shows a hint
 * fault later than the mark covering it (the newest mark when several do):
 * the node of the CPU of that interval's last fault. The decision is kept
 * until the page is moved (budget and cooldown may defer it); once moved,
 * or found already there, the mark is consumed for that page: later
 * touches do not move it again. Marking the range again (a newer mark)
 * makes its pages eligible once more. Decisions of marks that were cleared,
 * or of processes that exited, are dropped.
 */
#ifndef PAUTONUMA_NEXT_TOUCH_H
#define PAUTONUMA_NEXT_TOUCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* A marked range of one process. */
struct nt_mark {
	uint32_t tgid;
	uint32_t pad;
	uint64_t start_time; /* identity of the process marked */
	uint64_t start, end; /* [start, end), page aligned */
	uint64_t mark_ns; /* CLOCK_MONOTONIC when marked */
};

/* One page with hint faults in this interval (from page_heat). */
struct nt_fault {
	uint32_t tgid;
	int32_t node; /* node of the page after the fault, -1 unknown */
	uint64_t start_time;
	uint64_t addr; /* page aligned */
	uint64_t last_ns; /* time of the last fault */
	int32_t cpu_node; /* node of the CPU of the last fault, -1 unknown */
	uint32_t pad;
};

struct nt_counters {
	uint64_t marks; /* marks in force */
	uint64_t decided; /* pages whose node a touch decided this interval */
	uint64_t in_place; /* decided pages already on that node: consumed, no move */
	uint64_t planned; /* moves planned this interval */
	uint64_t deferred_budget; /* decided pages left for a later interval: no budget */
	uint64_t deferred_busy; /* ...: in cooldown, or moved by the policy this interval */
	uint64_t pending; /* decided, not moved yet, after this interval */
	uint64_t consumed; /* pages whose mark is consumed, after this interval */
};

struct next_touch;

/* Returns true when the page must not move now (cooldown, planned elsewhere). */
typedef bool (*nt_busy_fn)(void *ctx, uint32_t tgid, uint64_t addr);

/*
 * Parse "START-END" (decimal or 0x hex) into a page-aligned [start, end):
 * 0, or -EINVAL (syntax, start >= end, not aligned to @page_size).
 */
int nt_parse_range(const char *s, uint64_t page_size, uint64_t *start, uint64_t *end);
/* Do [a0, a1) and [b0, b1) share a page? */
bool nt_ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1);

int nt_create(struct next_touch **out);
void nt_destroy(struct next_touch *nt);

/*
 * The marks in force now (copied). Decisions whose mark is gone, or was
 * replaced by a newer one, are dropped. 0 or -ENOMEM (state unchanged).
 */
int nt_set_marks(struct next_touch *nt, const struct nt_mark *marks, size_t n);
size_t nt_nr_marks(const struct next_touch *nt);
/* The newest mark of this process covering @addr, or NULL. */
const struct nt_mark *nt_find_mark(const struct next_touch *nt, uint32_t tgid, uint64_t start_time,
				   uint64_t addr);

/*
 * One interval: decide the pages of marked ranges with a fault after their
 * mark (faults with cpu_node < 0 are ignored), then plan (plan reset first)
 * at most @budget moves of decided pages, skipping those @busy refuses
 * (NULL: none). Planned pages count as moved: their mark is consumed.
 * Moves are grouped in plan->batches per process and destination, by
 * address; batch.promote is false. 0 or -ENOMEM (state unchanged).
 */
int nt_plan(struct next_touch *nt, const struct nt_fault *faults, size_t n, uint64_t budget,
	    nt_busy_fn busy, void *ctx, struct policy_plan *plan, struct nt_counters *c);

#endif
