/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which node holds each page of a process: the page frame from
 * /proc/PID/pagemap (root) and the node's memory blocks in sysfs.
 *
 * Why not move_pages(2) with nodes == NULL: a page the NUMA scanner left
 * PROT_NONE (waiting for its hint fault) is reported as absent (-ENOENT)
 * by Debian's 6.1 kernel, so in numa_balancing mode 3 a sampler would count
 * most fast-tier pages as absent. pagemap sees the frame either way.
 */
#ifndef PAUTONUMA_PAGE_NODE_H
#define PAUTONUMA_PAGE_NODE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct page_node {
	int fd; /* /proc/PID/pagemap */
	uint64_t block_bytes; /* memory block size */
	int *block_node; /* memory block index -> node, -1 unknown */
	size_t nblocks;
};

static inline void page_node_close(struct page_node *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->block_node);
	m->fd = -1;
	m->block_node = NULL;
}

/* 0, or -1 with a message on stderr. */
static inline int page_node_open(struct page_node *m, int pid)
{
	char path[64], name[300];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int node;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f || fscanf(f, "%lx", (unsigned long *)&m->block_bytes) != 1 || !m->block_bytes) {
		fprintf(stderr, "page_node: cannot read the memory block size\n");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	for (node = 0; node < 64; node++) {
		snprintf(name, sizeof(name), "/sys/devices/system/node/node%d", node);
		d = opendir(name);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			unsigned long blk;
			char *end;

			if (strncmp(de->d_name, "memory", 6))
				continue;
			blk = strtoul(de->d_name + 6, &end, 10);
			if (end == de->d_name + 6 || *end)
				continue;
			if (blk >= m->nblocks) {
				size_t n = blk + 1024, i;
				int *b = realloc(m->block_node, n * sizeof(*b));

				if (!b) {
					closedir(d);
					page_node_close(m);
					return -1;
				}
				for (i = m->nblocks; i < n; i++)
					b[i] = -1;
				m->block_node = b;
				m->nblocks = n;
			}
			m->block_node[blk] = node;
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		perror("page_node: open pagemap");
		page_node_close(m);
		return -1;
	}
	return 0;
}

/* Node of each of @n pages from @base (page_size bytes each); -1 absent. 0 or -1. */
static inline int page_node_query(struct page_node *m, uint64_t base, long n, long page_size,
				  int *nodes)
{
	uint64_t *pm = malloc(n * sizeof(*pm));
	long i;

	if (!pm)
		return -1;
	if (pread(m->fd, pm, n * sizeof(*pm), (base / page_size) * sizeof(*pm)) !=
	    (ssize_t)(n * sizeof(*pm))) {
		free(pm);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint64_t pfn = pm[i] & ((1ULL << 55) - 1), blk;

		nodes[i] = -1;
		if (!(pm[i] >> 63) || !pfn) /* not present, or no PFN (not root) */
			continue;
		blk = pfn * page_size / m->block_bytes;
		if (blk < m->nblocks)
			nodes[i] = m->block_node[blk];
	}
	free(pm);
	return 0;
}

#endif
