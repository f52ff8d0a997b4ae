/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only crash injection.  PAUTONUMA_TEST_CRASH_AT=STEP[:N] makes the
 * process SIGKILL itself the Nth time (default 1st) it reaches STEP, so the
 * crash tests can stop the mover at an exact point of the protocol.
 *
 * Steps, in protocol order: begin-written (BEGIN stored, not yet
 * persisted), begin-persisted, in-move (half of the batch moved), moved,
 * commit-written, commit-persisted, abort-persisted; in recovery:
 * recover-in-move (half of a rolled-forward batch moved), recover-resolved
 * (batch finished, RECOVERED not yet appended),
 * recovered-written, recover-persisted; journal-mapped (journal_open:
 * mapped, not yet scanned).
 *
 * PAUTONUMA_TEST_PAUSE_AT=STEP[:N] stops the process (SIGSTOP) instead, so
 * that a test can act at that point (truncate the journal) and SIGCONT it.
 */
#ifndef PAUTONUMA_CRASHPOINT_H
#define PAUTONUMA_CRASHPOINT_H

#include <stdbool.h>

/* True if PAUTONUMA_TEST_CRASH_AT names @step (whatever N is). */
bool crash_point_armed(const char *step);
/* Die here by SIGKILL (or stop, see above) if this is the armed step and hit. */
void crash_point(const char *step);

#endif
