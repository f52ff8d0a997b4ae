// SPDX-License-Identifier: GPL-2.0
/*
 * Journaled vs raw move_pages(2) throughput, per batch size, on our own
 * pages.  Built by tests/bench/mover against the user-space objects.
 *
 * Usage: bench_mover JOURNAL [PAGES] [SECONDS]
 * Prints one line per batch size: raw and journaled pages/s and the ratio.
 * With one NUMA node every move is a no-op move to node 0 (syscall + page
 * walk only), the worst case for the journal's relative cost.
 */
#include <errno.h>
#include <stdbool.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "mover.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Destination of a round over all pages: they start on node 0 (see
 * reset), so round 0 moves them to node 1, round 1 back, and so on; every
 * timed move is a real one.  With one node every move is a no-op.
 */
static int dst_of(unsigned long round)
{
	return numa_max_node() >= 1 ? (int)(~round & 1) : 0;
}

#define SLICES 5

static int raw_move(void **pages, int *nodes, int *status, unsigned int b, int dst)
{
	unsigned int k;

	for (k = 0; k < b; k++)
		nodes[k] = dst;
	return numa_move_pages(0, b, pages, nodes, status, MPOL_MF_MOVE) < 0 ? -errno : 0;
}

/* Untimed: every page back to node 0 before a batch size is measured. */
static int reset(void **pages, int *nodes, int *status, unsigned long npages)
{
	unsigned long i;
	int err;

	for (i = 0; i < npages; i += 4096) {
		err = raw_move(pages + i, nodes + i, status + i,
			       npages - i < 4096 ? npages - i : 4096, 0);
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int batches[] = { 1, 64, 512, 4096 };
	unsigned long npages = argc > 2 ? strtoul(argv[2], NULL, 0) : 16384, done, round, i;
	double budget = argc > 3 ? atof(argv[3]) : 1.0, t0, raw, jr;
	long psz = sysconf(_SC_PAGESIZE);
	struct batch_result res;
	struct journal *j = NULL;
	struct proc_ident id;
	struct mover m;
	void **pages;
	int *nodes, *status, err;
	uint8_t *mem;
	size_t bi;

	if (argc < 2 || numa_available() < 0) {
		fprintf(stderr, "usage: bench_mover JOURNAL [PAGES] [SECONDS] (needs NUMA)\n");
		return 2;
	}
	mem = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pages = calloc(npages, sizeof(*pages));
	nodes = calloc(npages, sizeof(*nodes));
	status = calloc(npages, sizeof(*status));
	if (mem == MAP_FAILED || !pages || !nodes || !status) {
		fprintf(stderr, "bench_mover: out of memory\n");
		return 1;
	}
	madvise(mem, npages * psz, MADV_NOHUGEPAGE);
	memset(mem, 1, npages * psz);
	for (i = 0; i < npages; i++)
		pages[i] = mem + i * psz;
	err = proc_ident_get(getpid(), &id);
	if (!err)
		err = journal_open(&j, argv[1], PJ_OPEN_RDWR);
	if (err)
		return 1;
	mover_init(&m, j);
	printf("# journal %s: %s; %d NUMA node(s); %lu pages; %.1f s per measurement\n", argv[1],
	       journal_granularity_name(j->granularity), numa_max_node() + 1, npages, budget);
	printf("%-6s %14s %14s %8s\n", "batch", "raw pages/s", "journaled/s", "ratio");
	for (bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++) {
		unsigned int b = batches[bi], rep;
		double t_raw = 0, t_jr = 0;
		unsigned long n_raw = 0, n_jr = 0, cur = 0;

		err = reset(pages, nodes, status, npages);
		if (err) {
			fprintf(stderr, "bench_mover: reset: %s\n", strerror(-err));
			return 1;
		}
		/*
		 * Alternate short raw and journaled slices so that drift of the
		 * machine (a TCG guest especially) hits both sides alike.  One
		 * cursor (page, round) runs through all slices: each slice goes
		 * on where the last one stopped, so no move is a no-op.
		 */
		round = 0;
		for (rep = 0; rep < 2 * SLICES; rep++) {
			bool journaled = rep & 1;
			double slice = budget / SLICES;

			done = 0;
			t0 = now();
			while (now() - t0 < slice) {
				if (cur + b > npages) {
					cur = 0;
					round++;
				}
				err = journaled ? mover_move_batch(&m, &id, (uintptr_t)pages[cur],
								   b, dst_of(round), &res) :
						  raw_move(pages + cur, nodes + cur, status + cur,
							   b, dst_of(round));
				if (err) {
					fprintf(stderr, "bench_mover: %s move: %s\n",
						journaled ? "journaled" : "raw", strerror(-err));
					return 1;
				}
				done += b;
				cur += b;
			}
			if (journaled) {
				t_jr += now() - t0;
				n_jr += done;
			} else {
				t_raw += now() - t0;
				n_raw += done;
			}
		}
		raw = n_raw / t_raw;
		jr = n_jr / t_jr;
		printf("%-6u %14.0f %14.0f %7.2fx\n", b, raw, jr, jr / raw);
		fflush(stdout);
	}
	mover_fini(&m);
	journal_close(j);
	return 0;
}
