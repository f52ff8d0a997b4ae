// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/numa_maps, summed per node; see numa_maps.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numa_maps.h"

void numa_maps_line(const char *line, long page_kb, __u64 pages[PAUTONUMA_MAX_NODES])
{
	unsigned long node, n, kb = (unsigned long)page_kb;
	const char *p;

	/* The mapping's page size comes after its N<node>= fields. */
	p = strstr(line, " kernelpagesize_kB=");
	if (p)
		kb = strtoul(p + 19, NULL, 10);
	if (!kb || kb < (unsigned long)page_kb)
		kb = (unsigned long)page_kb;
	for (p = strstr(line, " N"); p; p = strstr(p + 1, " N")) {
		if (sscanf(p, " N%lu=%lu", &node, &n) != 2)
			continue;
		if (node >= PAUTONUMA_MAX_NODES)
			node = PAUTONUMA_MAX_NODES - 1;
		pages[node] += n * (kb / (unsigned long)page_kb);
	}
}

int numa_maps_resident(pid_t pid, __u64 pages[PAUTONUMA_MAX_NODES])
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(pages, 0, sizeof(__u64) * PAUTONUMA_MAX_NODES);
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &cap, f) > 0)
		numa_maps_line(line, page_kb, pages);
	free(line);
	fclose(f);
	return 0;
}
