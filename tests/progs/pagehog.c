// SPDX-License-Identifier: GPL-2.0
/*
 * A target for the mover tests: maps NPAGES anonymous pages (no THP, so
 * every page is its own unit), fills every page except each SKIP-th with a
 * pattern, prints "ADDR NPAGES" and waits.  On SIGTERM (or when stdin
 * closes) it checks the pattern and prints the number of corrupt bytes; it
 * exits 0 only if there are none.
 *
 * Usage: pagehog NPAGES [SKIP [churn]]    (SKIP 0: touch every page)
 *
 * With "churn" it keeps rewriting every page with a new generation of the
 * pattern, checking the previous one first, and prints (flushed) a line per
 * generation and one for every corruption found, until SIGTERM.  That is the
 * workload of the VM power-cut tests: its pages are moved under its feet.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static uint8_t pattern(size_t page, size_t off, unsigned long gen)
{
	return (uint8_t)(page * 131 + off * 7 + gen * 13 + 1);
}

static int churn(uint8_t *mem, size_t npages, size_t psz)
{
	unsigned long gen, total = 0;
	size_t i, off, bad;

	for (gen = 1; !stop; gen++) {
		bad = 0;
		for (i = 0; i < npages; i++)
			for (off = 0; off < psz; off++) {
				bad += mem[i * psz + off] != pattern(i, off, gen - 1);
				mem[i * psz + off] = pattern(i, off, gen);
			}
		total += bad;
		if (bad || gen % 10 == 0) {
			printf("pagehog: generation %lu: %zu corrupt bytes\n", gen, bad);
			fflush(stdout);
		}
	}
	printf("pagehog: %lu corrupt bytes\n", total);
	return total ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t npages, skip, psz = sysconf(_SC_PAGESIZE), i, off, bad = 0;
	struct sigaction sa = { .sa_handler = on_term };
	uint8_t *mem;

	if (argc < 2) {
		fprintf(stderr, "usage: pagehog NPAGES [SKIP]\n");
		return 2;
	}
	npages = strtoul(argv[1], NULL, 0);
	skip = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	mem = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("pagehog: mmap");
		return 1;
	}
	/* Per-page truth: a THP would move (or split) 512 pages at a time. */
	madvise(mem, npages * psz, MADV_NOHUGEPAGE);
	for (i = 0; i < npages; i++)
		if (!skip || i % skip)
			for (off = 0; off < psz; off++)
				mem[i * psz + off] = pattern(i, off, 0);
	sigaction(SIGTERM, &sa, NULL);
	printf("0x%lx %zu\n", (unsigned long)mem, npages);
	fflush(stdout);
	if (argc > 3 && !strcmp(argv[3], "churn"))
		return churn(mem, npages, psz);
	while (!stop) {
		char c;

		if (read(0, &c, 1) <= 0)
			break;
	}
	for (i = 0; i < npages; i++)
		if (!skip || i % skip)
			for (off = 0; off < psz; off++)
				bad += mem[i * psz + off] != pattern(i, off, 0);
	printf("pagehog: %zu corrupt bytes\n", bad);
	return bad ? 1 : 0;
}
