/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's memory tiers: which NUMA nodes are fast (DRAM with CPUs) and
 * which are slow (PM / CXL, CPU-less), and how large and how full each is.
 * Read from sysfs; the kernel's memory_tiering directory when present, else
 * "CPU-less node = slow"; an operator's override wins over both.
 */
#ifndef PAUTONUMA_TOPOLOGY_H
#define PAUTONUMA_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODES 64

enum topo_tier {
	TOPO_FAST = 0,
	TOPO_SLOW = 1,
};

enum topo_source {
	TOPO_FROM_MEMORY_TIERS, /* /sys/devices/virtual/memory_tiering */
	TOPO_FROM_CPULESS, /* no memory tiers: CPU-less nodes are slow */
	TOPO_FROM_OVERRIDE, /* topology_override() */
};

struct topo_node {
	int id;
	bool has_cpus;
	int memory_tier; /* memory_tierN of the kernel, -1 when unknown */
	enum topo_tier tier;
	uint64_t total_kb; /* MemTotal of the node */
	uint64_t free_kb; /* MemFree at the last read */
	uint64_t lru_kb; /* Active + Inactive at the last read: what reclaim can take */
};

struct topology {
	struct topo_node nodes[TOPO_MAX_NODES]; /* by ascending id, memory nodes only */
	int nr;
	enum topo_source source;
};

/*
 * Read the nodes that have memory under @sysfs ("/sys" on a real machine; a
 * directory tree of the same shape in tests). Returns 0 or -errno with a
 * one-line reason in @why.
 */
int topology_read(const char *sysfs, struct topology *t, char *why, size_t why_len);

/* Re-read MemFree of every node. 0 or -errno. */
int topology_refresh(const char *sysfs, struct topology *t);

/*
 * Apply an operator's tier assignment, "fast=0-1,slow=2,3" style: each
 * listed node gets that tier; nodes not listed keep theirs. -EINVAL with
 * @why for bad syntax or an unknown node.
 */
int topology_override(struct topology *t, const char *spec, char *why, size_t why_len);

/* Parse a kernel node list ("0-2,5") into a bitmap of TOPO_MAX_NODES bits. 0 or -EINVAL. */
int topology_parse_nodelist(const char *s, uint64_t *mask);

/*
 * Pages of node @node that kernel allocations may use: the managed pages of
 * its zones other than Movable, from @zoneinfo ("/proc/zoneinfo"). Memory
 * onlined movable (daxctl's default for PM and CXL) holds user pages only,
 * so a BPF map asked to live there lands on another node. Returns the count
 * (0: movable only) or -errno.
 */
long long topology_kernel_pages(const char *zoneinfo, int node);

const struct topo_node *topology_node(const struct topology *t, int id);
int topology_count(const struct topology *t, enum topo_tier tier);
const char *topology_source_name(enum topo_source s);

#endif
