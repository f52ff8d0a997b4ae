// SPDX-License-Identifier: GPL-2.0
/*
 * fault_loop: page faults as fast as possible, for the observer's overhead
 * benchmark.
 *
 *   fault_loop [--node NODE [--period-ms P]] [MIB [SECONDS]]   (defaults 64, 3)
 *
 * Without --node: maps MIB MiB (MADV_NOHUGEPAGE), writes every page, unmaps;
 * repeats for SECONDS. First-touch faults only, never a NUMA hint fault.
 *
 * With --node NODE: NUMA hint faults. The memory is bound to NODE with
 * MPOL_BIND | MPOL_F_NUMA_BALANCING, mapped once and written page by page,
 * pass after pass, for SECONDS. A plain MPOL_BIND would make the NUMA
 * scanner skip the range (no migrate-on-fault); with the flag it protects
 * it like any other, and the kernel never migrates a page away, because the
 * faulting CPU's node is not in the mask: with NODE a CPU-less node, every
 * scan pass turns the next write of each page into a hint fault, for as
 * long as the loop runs.
 *
 * With --period-ms P it writes the pages once every P ms, spinning in
 * between (the scanner's pace follows the task's CPU time), and counts only
 * the CPU time of the passes. With P longer than the scanner takes to
 * protect all pages again, each write is a hint fault: the speed is that of
 * hint faults, not a mix of faulting passes and passes without faults
 * whose proportion shifts with the cost of a fault (a loop going flat out
 * falls behind the scanner, and then faults on every write, once a fault
 * costs more than the scan period divided by the pages).
 *
 * Afterwards it asks where the pages are and prints
 * "on_node NODE N elsewhere M unknown K of TOTAL" (unknown: move_pages(2)
 * gave an error for the page).
 *
 * Prints "pages_per_s N" (page writes per wall-clock second),
 * "pages_per_cpu_s N" (per second of this process's CPU time: on a shared
 * machine it leaves out the time other processes hold the CPU, not the
 * kernel work done on this process's behalf, which is where an observer's
 * cost is) and "seconds S" (wall clock).
 */
#include <errno.h>
#include <getopt.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Of @p's @pages: how many are on @node, on another node, unknown (n[0..2]). */
static int where(char *p, long pages, long psz, int node, long n[3])
{
	void **addrs = calloc(pages, sizeof(*addrs));
	int *status = calloc(pages, sizeof(*status));
	long i;
	int err = -1;

	if (!addrs || !status)
		goto out;
	for (i = 0; i < pages; i++)
		addrs[i] = p + i * psz;
	if (move_pages(0, pages, addrs, NULL, status, 0)) {
		perror("fault_loop: move_pages");
		goto out;
	}
	for (i = 0; i < pages; i++)
		n[status[i] == node ? 0 : status[i] >= 0 ? 1 : 2]++;
	err = 0;
out:
	free(addrs);
	free(status);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "node", required_argument, NULL, 'n' },
						  { "period-ms", required_argument, NULL, 'p' },
						  { NULL, 0, NULL, 0 } };
	long mib, psz = sysconf(_SC_PAGESIZE), pages, i, n[3] = { 0 };
	double seconds, period = 0, t0, t, c0, cpu = 0;
	unsigned long long touched = 0;
	unsigned long mask;
	int node = -1, opt;
	size_t len;
	char *p = NULL;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'p') {
			period = atof(optarg) / 1000;
			if (period <= 0)
				goto usage;
			continue;
		}
		if (opt != 'n')
			goto usage;
		node = atoi(optarg);
		if (node < 0 || node >= (int)(8 * sizeof(mask)))
			goto usage;
	}
	if (period && node < 0)
		goto usage;
	mib = optind < argc ? atol(argv[optind]) : 64;
	seconds = optind + 1 < argc ? atof(argv[optind + 1]) : 3;
	if (mib <= 0 || seconds <= 0)
		goto usage;
	len = (size_t)mib << 20;
	pages = len / psz;

	if (node >= 0) {
		mask = 1UL << node;
		if (set_mempolicy(MPOL_BIND | MPOL_F_NUMA_BALANCING, &mask, 8 * sizeof(mask))) {
			fprintf(stderr, "fault_loop: binding to node %d: %s\n", node,
				strerror(errno));
			return 1;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("fault_loop: mmap");
			return 1;
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = 0; i < pages; i++)
			p[i * psz] = 1;
	}
	t0 = t = now_s(CLOCK_MONOTONIC);
	do {
		while (period && t < t0 + period * (touched / pages))
			t = now_s(CLOCK_MONOTONIC);
		c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		if (node < 0) {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				 0);
			if (p == MAP_FAILED) {
				perror("fault_loop: mmap");
				return 1;
			}
			madvise(p, len, MADV_NOHUGEPAGE);
		}
		for (i = 0; i < pages; i++)
			p[i * psz]++;
		if (node < 0)
			munmap(p, len);
		touched += pages;
		cpu += now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		t = now_s(CLOCK_MONOTONIC);
	} while (t - t0 < seconds);
	if (node >= 0 && where(p, pages, psz, node, n))
		return 1;
	printf("pages_per_s %.0f\n", touched / (t - t0));
	printf("pages_per_cpu_s %.0f\n", touched / cpu);
	printf("seconds %.3f\n", t - t0);
	if (node >= 0)
		printf("on_node %d %ld elsewhere %ld unknown %ld of %ld\n", node, n[0], n[1], n[2],
		       pages);
	return 0;
usage:
	fprintf(stderr, "usage: fault_loop [--node NODE [--period-ms P]] [MIB [SECONDS]]\n");
	return 2;
}
