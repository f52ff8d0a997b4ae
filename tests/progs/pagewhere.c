// SPDX-License-Identifier: GPL-2.0
/*
 * pagewhere PID ADDR NPAGES: where are these pages of PID? Asks the kernel
 * with move_pages(2), nodes == NULL (no side effect), and prints
 * "node0 N node1 M ... absent K".
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE), n, i, absent = 0, count[64] = { 0 };
	unsigned long base;
	void **pages;
	int *status, pid;

	if (argc != 4) {
		fprintf(stderr, "usage: pagewhere PID ADDR NPAGES\n");
		return 2;
	}
	pid = atoi(argv[1]);
	base = strtoul(argv[2], NULL, 0);
	n = atol(argv[3]);
	pages = calloc(n, sizeof(*pages));
	status = calloc(n, sizeof(*status));
	if (!pages || !status || n <= 0)
		return 1;
	for (i = 0; i < n; i++)
		pages[i] = (void *)(base + i * psz);
	if (numa_move_pages(pid, n, pages, NULL, status, 0) < 0) {
		perror("pagewhere: move_pages");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < 64)
			count[status[i]]++;
		else
			absent++;
	}
	for (i = 0; i < 64; i++)
		if (count[i])
			printf("node%ld %ld ", i, count[i]);
	printf("absent %ld\n", absent);
	return 0;
}
