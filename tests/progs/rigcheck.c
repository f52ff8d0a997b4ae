// SPDX-License-Identifier: GPL-2.0
/*
 * rigcheck: probes used by the VM rig's self-test (tests/vm/rig.t).
 *
 *   rigcheck promote NODE PAGES SECONDS
 *	map PAGES pages, move them to NODE with move_pages(2), then keep
 *	touching them; print the /proc/vmstat deltas of numa_hint_faults and
 *	pgpromote_success and how many pages left NODE.  Exit 0 when both
 *	counters rose.
 *   rigcheck granularity FILE
 *	map FILE with libpmem2 and print the store granularity obtained.
 *   rigcheck pmem-write FILE MIB SEED
 *	fill the first MIB MiB of FILE with a pattern from SEED, persist it,
 *	then persist a trailer; print "persisted"; then sleep until killed.
 *   rigcheck pmem-verify FILE MIB SEED
 *	check the pattern and the trailer; print the number of bad bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpmem2.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRAILER_MAGIC 0x7061757469726721ULL /* "pautirg!" */

static long vmstat(const char *name)
{
	char key[64];
	long val, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name)) {
			found = val;
			break;
		}
	fclose(f);
	return found;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int promote(int node, long npages, int seconds)
{
	long psz = sysconf(_SC_PAGESIZE), i, on_node = 0, left = 0;
	long hint0, prom0, hint1, prom1;
	void **pages = calloc(npages, sizeof(*pages));
	int *nodes = calloc(npages, sizeof(*nodes));
	int *status = calloc(npages, sizeof(*status));
	volatile char *buf;
	double end;

	if (!pages || !nodes || !status)
		return 1;
	buf = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("rigcheck: mmap");
		return 1;
	}
	/* Per-page truth: no THP collapsing behind our back (DESIGN.md §5). */
	madvise((void *)buf, npages * psz, MADV_NOHUGEPAGE);
	for (i = 0; i < npages; i++) {
		buf[i * psz] = 1;
		pages[i] = (void *)(buf + i * psz);
		nodes[i] = node;
	}
	if (numa_move_pages(0, npages, pages, nodes, status, MPOL_MF_MOVE) < 0) {
		perror("rigcheck: move_pages");
		return 1;
	}
	for (i = 0; i < npages; i++)
		on_node += status[i] == node;
	printf("moved %ld/%ld pages to node %d\n", on_node, npages, node);
	if (on_node < npages / 2)
		return 1;

	hint0 = vmstat("numa_hint_faults");
	prom0 = vmstat("pgpromote_success");
	end = now() + seconds;
	while (now() < end) {
		for (i = 0; i < npages; i++)
			buf[i * psz]++;
		if (vmstat("pgpromote_success") > prom0 && now() > end - seconds / 2.0)
			break;
	}
	hint1 = vmstat("numa_hint_faults");
	prom1 = vmstat("pgpromote_success");
	numa_move_pages(0, npages, pages, NULL, status, 0);
	for (i = 0; i < npages; i++)
		left += status[i] != node;
	printf("numa_hint_faults +%ld, pgpromote_success +%ld, %ld pages left node %d\n",
	       hint1 - hint0, prom1 - prom0, left, node);
	return hint1 > hint0 && prom1 > prom0 ? 0 : 1;
}

/* Map FILE with libpmem2; every failure reported with libpmem2's reason. */
static int pmem_map(const char *path, int *fdp, struct pmem2_config **cfg,
		    struct pmem2_source **src, struct pmem2_map **map)
{
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "rigcheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*fdp = fd;
	if (pmem2_config_new(cfg) || pmem2_source_from_fd(src, fd) ||
	    pmem2_config_set_required_store_granularity(*cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_map_new(map, *cfg, *src)) {
		fprintf(stderr, "rigcheck: %s: %s\n", path, pmem2_errormsg());
		return -1;
	}
	return 0;
}

static void pmem_unmap(int fd, struct pmem2_config **cfg, struct pmem2_source **src,
		       struct pmem2_map **map)
{
	if (*map)
		pmem2_map_delete(map);
	if (*src)
		pmem2_source_delete(src);
	if (*cfg)
		pmem2_config_delete(cfg);
	if (fd >= 0)
		close(fd);
}

static const char *granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache-line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "unknown";
}

static uint8_t pattern(uint64_t seed, size_t off)
{
	uint64_t x = seed ^ (off * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (uint8_t)(x >> 32);
}

static int pmem_file(const char *op, const char *path, size_t mib, uint64_t seed)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	size_t len = mib << 20, off, bad = 0;
	int fd = -1, ret = 1;
	pmem2_persist_fn persist;
	uint8_t *p;
	uint64_t *trailer;

	if (!strcmp(op, "pmem-write")) {
		int cfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

		if (cfd < 0 || posix_fallocate(cfd, 0, len + 4096)) {
			fprintf(stderr, "rigcheck: create %s: %s\n", path, strerror(errno));
			return 1;
		}
		fsync(cfd);
		close(cfd);
	}
	if (pmem_map(path, &fd, &cfg, &src, &map))
		goto out;
	p = pmem2_map_get_address(map);
	trailer = (uint64_t *)(p + len);
	persist = pmem2_get_persist_fn(map);
	if (!strcmp(op, "granularity")) {
		printf("granularity %s\n", granularity_name(pmem2_map_get_store_granularity(map)));
		ret = 0;
	} else if (!strcmp(op, "pmem-write")) {
		for (off = 0; off < len; off++)
			p[off] = pattern(seed, off);
		persist(p, len);
		trailer[0] = TRAILER_MAGIC;
		trailer[1] = seed;
		persist(trailer, 16);
		printf("persisted %zu MiB, granularity %s\n", mib,
		       granularity_name(pmem2_map_get_store_granularity(map)));
		fflush(stdout);
		for (;;)
			pause(); /* the rig cuts the power here */
	} else {
		for (off = 0; off < len; off++)
			bad += p[off] != pattern(seed, off);
		printf("trailer %s, %zu bad bytes of %zu\n",
		       trailer[0] == TRAILER_MAGIC && trailer[1] == seed ? "intact" : "missing",
		       bad, len);
		ret = bad == 0 && trailer[0] == TRAILER_MAGIC && trailer[1] == seed ? 0 : 1;
	}
out:
	pmem_unmap(fd, &cfg, &src, &map);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "promote"))
		return promote(atoi(argv[2]), atol(argv[3]), atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "granularity"))
		return pmem_file(argv[1], argv[2], 0, 0);
	if (argc == 5 && (!strcmp(argv[1], "pmem-write") || !strcmp(argv[1], "pmem-verify")))
		return pmem_file(argv[1], argv[2], strtoul(argv[3], NULL, 0),
				 strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: rigcheck promote NODE PAGES SECONDS | granularity FILE |\n"
			"       rigcheck pmem-write|pmem-verify FILE MIB SEED\n");
	return 2;
}
