/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Accesses to a file mapping that survive the file shrinking under them.
 * A store or load to a page of a MAP_SHARED mapping past the file's end
 * raises SIGBUS (so does a media error on DAX).  map_guard_run() runs a
 * function with a SIGBUS handler armed for one address range: a fault in
 * that range jumps back (siglongjmp) and map_guard_run() returns -EFAULT
 * instead of the process dying.  A fault anywhere else is not ours: the
 * previous disposition is restored and the fault repeats under it.
 *
 * The function must leave nothing half-done that matters if it is cut
 * short at any load or store to the range (no locks, no allocations).
 */
#ifndef PAUTONUMA_MAP_GUARD_H
#define PAUTONUMA_MAP_GUARD_H

#include <stddef.h>
#include <stdint.h>

typedef void (*map_guard_fn)(void *arg);

/*
 * Install the SIGBUS handler if it is not the current one (a library or a
 * test harness may have replaced it).  Called when a mapping is set up, not
 * on every access: that would cost a system call per access.
 */
int map_guard_arm(void);

/*
 * Run @fn(@arg) with SIGBUS in [@base, @base + @len) turned into a return
 * of -EFAULT (the faulting address in *@fault_addr if not NULL), provided
 * map_guard_arm() installed the handler.  Returns 0 when @fn returned,
 * -EFAULT after a fault.  Not reentrant within a thread.
 */
int map_guard_run(const void *base, size_t len, map_guard_fn fn, void *arg, uintptr_t *fault_addr);

#endif
