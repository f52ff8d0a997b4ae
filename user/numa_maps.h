/* SPDX-License-Identifier: GPL-2.0 */
/* A process's resident memory per node, from /proc/PID/numa_maps. */
#ifndef PAUTONUMA_NUMA_MAPS_H
#define PAUTONUMA_NUMA_MAPS_H

#include <sys/types.h>
#include <linux/types.h>

#include "pautonuma_maps.h"

/*
 * Base pages of @pid resident on each node (a huge page counts as the base
 * pages it holds; nodes >= PAUTONUMA_MAX_NODES land in the last slot).
 * 0, -ESRCH if the process is gone, or -errno.
 */
int numa_maps_resident(pid_t pid, __u64 pages[PAUTONUMA_MAX_NODES]);

/* The same over one line of numa_maps (for the unit test); @page_kb is the base page size. */
void numa_maps_line(const char *line, long page_kb, __u64 pages[PAUTONUMA_MAX_NODES]);

#endif
