/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `report`'s picture: a heat map of hint faults over address (y) and time
 * (x), and the process's resident pages per node over the same time, as an
 * SVG document. Hand-written because every cell carries its figures as data-
 * attributes (tests and scripts read them back); cairo's SVG output cannot.
 */
#ifndef PAUTONUMA_HEATMAP_SVG_H
#define PAUTONUMA_HEATMAP_SVG_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "pautonuma_maps.h"

struct heatmap {
	__u32 pid;
	size_t ncols; /* samples (daemon intervals) */
	size_t nrows; /* address rows */
	const double *t; /* [ncols] seconds since the first sample */
	const __u64 *row_lo; /* [nrows] first address of the row */
	const __u64 *row_hi; /* [nrows] end of the row (exclusive) */
	const __u64 *faults; /* [ncols * nrows], column-major: faults[c * nrows + r] */
	const __u64 (*resident)[PAUTONUMA_MAX_NODES]; /* [ncols] pages per node */
	const int *tier; /* [PAUTONUMA_MAX_NODES] 0 fast, 1 slow, -1 unknown */
};

/* Write the document. 0, or -EIO when @f failed. */
int heatmap_svg_write(FILE *f, const struct heatmap *hm);

#endif
