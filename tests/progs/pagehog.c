// SPDX-License-Identifier: GPL-2.0
/*
 * A target for the mover tests: maps NPAGES anonymous pages (no THP, so
 * every page is its own unit), fills every page except each SKIP-th with a
 * pattern, prints "ADDR NPAGES" and waits.  On SIGTERM (or when stdin
 * closes) it checks the pattern and prints the number of corrupt bytes; it
 * exits 0 only if there are none.
 *
 * Usage: pagehog NPAGES [SKIP]     (SKIP 0: touch every page)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static uint8_t pattern(size_t page, size_t off)
{
	return (uint8_t)(page * 131 + off * 7 + 1);
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
				mem[i * psz + off] = pattern(i, off);
	sigaction(SIGTERM, &sa, NULL);
	printf("0x%lx %zu\n", (unsigned long)mem, npages);
	fflush(stdout);
	while (!stop) {
		char c;

		if (read(0, &c, 1) <= 0)
			break;
	}
	for (i = 0; i < npages; i++)
		if (!skip || i % skip)
			for (off = 0; off < psz; off++)
				bad += mem[i * psz + off] != pattern(i, off);
	printf("pagehog: %zu corrupt bytes\n", bad);
	return bad ? 1 : 0;
}
