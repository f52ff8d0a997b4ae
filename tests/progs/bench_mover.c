// SPDX-License-Identifier: GPL-2.0
/*
 * Journaled vs raw move_pages(2) throughput, per batch size, on our own
 * pages.  Built by tests/bench/mover against the user-space objects.
 *
 * Usage: bench_mover JOURNAL [PAGES] [SECONDS]
 * Prints one line per batch size: raw and journaled pages/s and the ratio
 * (median over pairs of adjacent rounds, see main).
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

#define MIN_PAIRS 4 /* even: both directions alike */
#define MAX_PAIRS 64

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

/* One round: all pages, in batches of @b, to the node opposite to the last round's. */
static int round_of(bool journaled, struct mover *m, const struct proc_ident *id, void **pages,
		    int *nodes, int *status, unsigned long npages, unsigned int b, int dst,
		    double *secs)
{
	struct batch_result res;
	unsigned long i;
	double t0 = now();
	int err;

	for (i = 0; i + b <= npages; i += b) {
		err = journaled ? mover_move_batch(m, id, (uintptr_t)pages[i], b, dst, &res) :
				  raw_move(pages + i, nodes + i, status + i, b, dst);
		if (err) {
			fprintf(stderr, "bench_mover: %s move: %s\n",
				journaled ? "journaled" : "raw", strerror(-err));
			return err;
		}
	}
	*secs = now() - t0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const unsigned int batches[] = { 1, 64, 512, 4096 };
	unsigned long npages = argc > 2 ? strtoul(argv[2], NULL, 0) : 16384, i;
	double budget = argc > 3 ? atof(argv[3]) : 1.0, t0, ratio[MAX_PAIRS];
	long psz = sysconf(_SC_PAGESIZE);
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
	printf("# journal %s: %s; %d NUMA node(s); %lu pages; %.1f s per batch size\n", argv[1],
	       journal_granularity_name(j->granularity), numa_max_node() + 1, npages, budget);
	printf("# ratio: median over pairs of adjacent raw and journaled rounds of t_raw/t_journaled\n");
	printf("%-6s %14s %14s %8s %6s\n", "batch", "raw pages/s", "journaled/s", "ratio", "pairs");
	for (bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++) {
		unsigned int b = batches[bi], p, round = 0;
		double t_raw = 0, t_jr = 0, tr, tj, med;

		err = reset(pages, nodes, status, npages);
		if (err) {
			fprintf(stderr, "bench_mover: reset: %s\n", strerror(-err));
			return 1;
		}
		/*
		 * Pairs of rounds, raw and journaled back to back, so that the
		 * machine's drift (a loaded TCG guest's speed varies by a factor
		 * of several) hits both alike; the order alternates so that each
		 * side moves pages in both directions equally often; the median
		 * of the pairs' ratios ignores the pairs a burst of load hit.
		 */
		t0 = now();
		for (p = 0; p < MAX_PAIRS && (p < MIN_PAIRS || (now() - t0 < budget)); p++) {
			bool raw_first = !(p & 1);

			err = round_of(!raw_first, &m, &id, pages, nodes, status, npages, b,
				       dst_of(round++), raw_first ? &tr : &tj);
			if (!err)
				err = round_of(raw_first, &m, &id, pages, nodes, status, npages, b,
					       dst_of(round++), raw_first ? &tj : &tr);
			if (err)
				return 1;
			t_raw += tr;
			t_jr += tj;
			ratio[p] = tr / tj;
		}
		qsort(ratio, p, sizeof(ratio[0]), cmp_double);
		med = p & 1 ? ratio[p / 2] : (ratio[p / 2 - 1] + ratio[p / 2]) / 2;
		printf("%-6u %14.0f %14.0f %7.2fx %6u\n", b, p * (npages / b * b) / t_raw,
		       p * (npages / b * b) / t_jr, med, p);
		fflush(stdout);
	}
	mover_fini(&m);
	journal_close(j);
	return 0;
}
