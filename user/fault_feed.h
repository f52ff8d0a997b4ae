/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A daemon's hint faults as fault_ring hands them over, one record per
 * fault, summed per page into what a drained page_heat held: one interval's
 * struct heat_batch. Plain user space; the loader feeds it the records.
 */
#ifndef PAUTONUMA_FAULT_FEED_H
#define PAUTONUMA_FAULT_FEED_H

#include <linux/types.h>
#include <stddef.h>

#include "heat_reader.h"
#include "pautonuma_maps.h"

struct fault_feed;

/*
 * A feed that sums at most @max_pages pages an interval (the daemon: as
 * many as page_heat holds), so that its memory stays bounded whatever the
 * faults: 0, -EINVAL (0 or above UINT32_MAX / 2) or -ENOMEM.
 */
int fault_feed_new(size_t max_pages, struct fault_feed **out);
/* Accepts NULL. */
void fault_feed_free(struct fault_feed *ff);

/*
 * Add @f to its page's sums as the BPF side adds a fault to page_heat.
 * 0, or -ENOSPC (a new page past max_pages) or -ENOMEM: the fault is then
 * lost and counted (fault_feed_lost()).
 */
int fault_feed_add(struct fault_feed *ff, const struct heat_fault *f);

/*
 * The pages summed since the last take, in the order first seen. The
 * arrays stay the feed's, valid until its next add or take; the feed then
 * starts the next interval empty.
 */
void fault_feed_take(struct fault_feed *ff, struct heat_batch *out);

/* Faults lost (page limit, memory) in the interval being summed or, after a take, the one taken. */
__u64 fault_feed_lost(const struct fault_feed *ff);

#endif
