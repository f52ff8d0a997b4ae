/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The journaled mover: BEGIN (persisted) -> move_pages -> COMMIT (persisted)
 * for one batch of contiguous pages of one process.
 */
#ifndef PAUTONUMA_MOVER_H
#define PAUTONUMA_MOVER_H

#include <stdint.h>

#include "journal.h"
#include "proc_ident.h"

#define MOVER_MAX_BATCH PJ_MAX_BATCH_PAGES
/* move_pages(2) leaves status untouched for pages it did not get to. */
#define MOVER_STATUS_UNSET (-0x7fff)

/* numa_move_pages(3), or a test double with the same contract. */
typedef int (*mover_move_fn)(int pid, unsigned long count, void **pages, const int *nodes,
			     int *status, int flags);

/* Make the page at @addr of @pid present again (see mover_touch_page). */
typedef void (*mover_touch_fn)(int pid, void *addr);

struct mover {
	struct journal *j;
	mover_move_fn move;
	mover_touch_fn touch; /* NULL: pages reported absent are not retried */
	unsigned int busy_retries; /* extra attempts for pages that were -EBUSY */
	unsigned int page_shift;
	struct proc_handle target; /* the process last moved, held by a pidfd */
};

struct batch_result {
	uint64_t begin_seq;
	struct pj_counts c;
	int err; /* positive errno when move_pages failed as a whole */
};

void mover_init(struct mover *m, struct journal *j);
/* Release what the mover holds (the target's pidfd); NULL-safe. */
void mover_fini(struct mover *m);

/*
 * Move @npages pages from @addr of process @id to node @dst, journaled.
 * The identity is checked before every batch: in full (/proc start time)
 * the first time, then by polling a pidfd held since (see proc_handle).
 * Returns 0 when move_pages ran (per-page outcomes in @res->c), -ESRCH when
 * the process is gone or its PID now belongs to another process (nothing
 * journaled, nothing touched), -errno of move_pages when it failed as a
 * whole (BEGIN + ABORT journaled), or a journal error (nothing moved).
 */
int mover_move_batch(struct mover *m, const struct proc_ident *id, uint64_t addr, uint32_t npages,
		     int dst, struct batch_result *res);

/*
 * The same for @npages pages at ascending, page-aligned @addrs, in one
 * move_pages(2) call: one BEGIN per contiguous run, all persisted before
 * anything moves, one COMMIT (or ABORT) per run after. For the daemon,
 * whose hot pages are scattered: the cost of a batch is per call, not per
 * page. @res sums the runs; res->begin_seq is the first BEGIN. When the
 * COMMITs (or ABORTs) are written, @status_out (NULL: not wanted, else
 * @npages entries) gets each page's outcome: its node, -errno, or
 * MOVER_STATUS_UNSET when even the query failed; else it is left as is.
 */
int mover_move_pages(struct mover *m, const struct proc_ident *id, const uint64_t *addrs,
		     uint32_t npages, int dst, struct batch_result *res, int *status_out);

/*
 * Move (or with @dst < 0 only query) pages, pre-filling status with
 * MOVER_STATUS_UNSET, retrying -EBUSY pages and re-querying the pages
 * move_pages did not report.  Returns 0 or -errno of the whole call.
 * @half_step names the test crash point between the two halves of a move
 * ("in-move" for the mover, "recover-in-move" for recovery), or NULL.
 */
int mover_settle(const struct mover *m, pid_t pid, void **pages, uint32_t n, int dst, int *status,
		 const char *half_step);

/*
 * Read one byte of @pid's page at @addr through its page tables
 * (process_vm_readv). A page the NUMA scanner left PROT_NONE looks absent
 * to move_pages(2) on kernels where follow_page() honours NUMA hinting
 * (seen on Debian's 6.1.192: -ENOENT for live pages); the read runs the
 * hint fault, which restores the PTE. Pages pagemap does not show as
 * present are left alone (a read would map the zero page there).
 */
void mover_touch_page(int pid, void *addr);
void mover_count(const int *status, uint32_t n, int dst, struct pj_counts *c);

#endif
