// SPDX-License-Identifier: GPL-2.0
/*
 * pagewhere PID ADDR NPAGES: where are these pages of PID? Reads
 * /proc/PID/pagemap (see page_node.h: move_pages(2) would miss pages the
 * NUMA scanner left PROT_NONE) and prints "node0 N node1 M ... absent K".
 */
#include "page_node.h"

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE), n, i, absent = 0, count[64] = { 0 };
	struct page_node m;
	uint64_t base;
	int *nodes;

	if (argc != 4) {
		fprintf(stderr, "usage: pagewhere PID ADDR NPAGES\n");
		return 2;
	}
	base = strtoull(argv[2], NULL, 0);
	n = atol(argv[3]);
	nodes = calloc(n > 0 ? n : 1, sizeof(*nodes));
	if (!nodes || n <= 0 || page_node_open(&m, atoi(argv[1])))
		return 1;
	if (page_node_query(&m, base, n, psz, nodes)) {
		perror("pagewhere: pagemap");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (nodes[i] >= 0 && nodes[i] < 64)
			count[nodes[i]]++;
		else
			absent++;
	}
	for (i = 0; i < 64; i++)
		if (count[i])
			printf("node%ld %ld ", i, count[i]);
	printf("absent %ld\n", absent);
	page_node_close(&m);
	free(nodes);
	return 0;
}
