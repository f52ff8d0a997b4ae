/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recovery: resolve every batch whose BEGIN has no COMMIT, ABORT or
 * RECOVERED.  The journal says what was meant; a fresh move_pages(nodes =
 * NULL) says where the pages are.  Safe to kill and run again.
 */
#ifndef PAUTONUMA_RECOVERY_H
#define PAUTONUMA_RECOVERY_H

#include <stdio.h>

#include "mover.h"

struct recovery_stats {
	size_t open; /* batches found without a resolution */
	size_t rolled_forward;
	size_t abandoned;
};

/*
 * Append one RECOVERED per open batch of @m->j and persist it; print one
 * line per batch to @out (may be NULL).  Returns 0, -EUCLEAN for a corrupt
 * journal (nothing written), or the -errno of a failed append.
 */
int recovery_run(struct mover *m, struct recovery_stats *st, FILE *out);

#endif
