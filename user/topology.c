// SPDX-License-Identifier: GPL-2.0
/* Memory tiers from sysfs; see topology.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		err = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!err)
		buf[strcspn(buf, "\n")] = '\0';
	return err;
}

int topology_parse_nodelist(const char *s, uint64_t *mask)
{
	unsigned long a, b;
	char *end;

	*mask = 0;
	while (*s && *s != '\n') {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= TOPO_MAX_NODES)
			return -EINVAL;
		for (; a <= b; a++)
			*mask |= 1ULL << a;
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -EINVAL;
		s = end;
	}
	return 0;
}

/* "Node 0 MemTotal:  123 kB" lines of nodeN/meminfo. */
static int read_meminfo(const char *sysfs, struct topo_node *n)
{
	char path[512], key[64];
	unsigned long long kb;
	int id, have = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/system/node/node%d/meminfo", sysfs, n->id);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n->lru_kb = 0;
	while (fscanf(f, " Node %d %63[^:]: %llu kB", &id, key, &kb) == 3) {
		if (!strcmp(key, "MemTotal")) {
			n->total_kb = kb;
			have |= 1;
		} else if (!strcmp(key, "MemFree")) {
			n->free_kb = kb;
			have |= 2;
		} else if (!strcmp(key, "Active") || !strcmp(key, "Inactive")) {
			n->lru_kb += kb;
		}
	}
	fclose(f);
	return have == 3 ? 0 : -ENODATA;
}

/* memory_tierN/nodelist for every tier; fills nodes[].memory_tier. */
static bool read_memory_tiers(const char *sysfs, struct topology *t)
{
	char path[512], line[256];
	struct dirent *de;
	uint64_t mask;
	bool any = false;
	DIR *d;
	int i;

	snprintf(path, sizeof(path), "%s/devices/virtual/memory_tiering", sysfs);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		int tier;

		if (sscanf(de->d_name, "memory_tier%d", &tier) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/devices/virtual/memory_tiering/%s/nodelist", sysfs,
			 de->d_name);
		if (read_line(path, line, sizeof(line)) || topology_parse_nodelist(line, &mask))
			continue;
		for (i = 0; i < t->nr; i++)
			if (mask & (1ULL << t->nodes[i].id)) {
				t->nodes[i].memory_tier = tier;
				any = true;
			}
	}
	closedir(d);
	return any;
}

int topology_read(const char *sysfs, struct topology *t, char *why, size_t why_len)
{
	char path[512], line[256];
	uint64_t mem, cpu;
	int i, best = -1, err;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory", sysfs);
	err = read_line(path, line, sizeof(line));
	if (!err)
		err = topology_parse_nodelist(line, &mem);
	if (err) {
		snprintf(why, why_len, "cannot read the NUMA nodes from %s: %s", path,
			 strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/devices/system/node/has_cpu", sysfs);
	if (read_line(path, line, sizeof(line)) || topology_parse_nodelist(line, &cpu))
		cpu = 0;

	for (i = 0; i < TOPO_MAX_NODES; i++) {
		struct topo_node *n;

		if (!(mem & (1ULL << i)))
			continue;
		n = &t->nodes[t->nr++];
		n->id = i;
		n->has_cpus = cpu & (1ULL << i);
		n->memory_tier = -1;
		err = read_meminfo(sysfs, n);
		if (err) {
			snprintf(why, why_len, "cannot read the memory of node %d: %s", i,
				 strerror(-err));
			return err;
		}
	}
	if (!t->nr) {
		snprintf(why, why_len, "no NUMA node with memory in %s", sysfs);
		return -ENODEV;
	}

	/*
	 * The kernel's tiers, when it has them: the tier with the lowest id
	 * (smallest abstract distance) among nodes with CPUs is fast, every
	 * tier below it slow.
	 */
	if (read_memory_tiers(sysfs, t)) {
		t->source = TOPO_FROM_MEMORY_TIERS;
		for (i = 0; i < t->nr; i++)
			if (t->nodes[i].memory_tier >= 0 &&
			    (best < 0 || t->nodes[i].memory_tier < best))
				best = t->nodes[i].memory_tier;
		for (i = 0; i < t->nr; i++)
			t->nodes[i].tier =
				t->nodes[i].memory_tier <= best && t->nodes[i].memory_tier >= 0 ?
					TOPO_FAST :
					TOPO_SLOW;
	} else {
		t->source = TOPO_FROM_CPULESS;
		for (i = 0; i < t->nr; i++)
			t->nodes[i].tier = t->nodes[i].has_cpus ? TOPO_FAST : TOPO_SLOW;
	}
	/* A machine of CPU-less nodes only (odd, but seen in containers): all fast. */
	if (!topology_count(t, TOPO_FAST))
		for (i = 0; i < t->nr; i++)
			t->nodes[i].tier = TOPO_FAST;
	return 0;
}

int topology_refresh(const char *sysfs, struct topology *t)
{
	int i, err;

	for (i = 0; i < t->nr; i++) {
		err = read_meminfo(sysfs, &t->nodes[i]);
		if (err)
			return err;
	}
	return 0;
}

int topology_override(struct topology *t, const char *spec, char *why, size_t why_len)
{
	char *copy = strdup(spec), *tok, *save = NULL;
	struct topology next = *t; /* applied only when the whole spec is good */
	int err = 0, i, set = 0;

	if (!copy)
		return -ENOMEM;
	/* "fast=0-1,slow=2,3": a "name=" starts a group; bare numbers continue it. */
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t mask;

		if (eq) {
			*eq = '\0';
			if (!strcmp(tok, "fast"))
				set = 1;
			else if (!strcmp(tok, "slow"))
				set = 2;
			else {
				snprintf(why, why_len, "tier '%s' is neither 'fast' nor 'slow'",
					 tok);
				err = -EINVAL;
				break;
			}
			tok = eq + 1;
		}
		if (!set || topology_parse_nodelist(tok, &mask) || !mask) {
			snprintf(why, why_len, "bad tier list '%s' (expected e.g. fast=0-1,slow=2)",
				 spec);
			err = -EINVAL;
			break;
		}
		for (i = 0; i < TOPO_MAX_NODES; i++) {
			struct topo_node *n;

			if (!(mask & (1ULL << i)))
				continue;
			n = (struct topo_node *)topology_node(&next, i);
			if (!n) {
				snprintf(why, why_len,
					 "node %d in '%s' has no memory or does not exist", i,
					 spec);
				err = -EINVAL;
				goto out;
			}
			n->tier = set == 1 ? TOPO_FAST : TOPO_SLOW;
		}
	}
out:
	free(copy);
	if (!err) {
		next.source = TOPO_FROM_OVERRIDE;
		*t = next;
	}
	return err;
}

const struct topo_node *topology_node(const struct topology *t, int id)
{
	int i;

	for (i = 0; i < t->nr; i++)
		if (t->nodes[i].id == id)
			return &t->nodes[i];
	return NULL;
}

int topology_count(const struct topology *t, enum topo_tier tier)
{
	int i, n = 0;

	for (i = 0; i < t->nr; i++)
		n += t->nodes[i].tier == tier;
	return n;
}

const char *topology_source_name(enum topo_source s)
{
	switch (s) {
	case TOPO_FROM_MEMORY_TIERS:
		return "kernel memory tiers";
	case TOPO_FROM_CPULESS:
		return "CPU-less nodes are slow";
	case TOPO_FROM_OVERRIDE:
		return "configuration";
	}
	return "?";
}

long long topology_kernel_pages(const char *zoneinfo, int node)
{
	char line[256], zone[32];
	long long pages = 0, managed;
	bool in_node = false, kernel_zone = false, seen = false;
	FILE *f;
	int nid;

	f = fopen(zoneinfo, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &nid, zone) == 2) {
			in_node = nid == node;
			kernel_zone = strcmp(zone, "Movable") != 0;
			seen |= in_node;
		} else if (in_node && kernel_zone && sscanf(line, " managed %lld", &managed) == 1) {
			pages += managed;
		}
	}
	fclose(f);
	return seen ? pages : -ENOENT;
}
