// SPDX-License-Identifier: GPL-2.0
/*
 * two_node_touch: the workload of the next-touch test.
 *
 *   two_node_touch --pages N --first NODE --then NODE [--fence]
 *
 * Maps 2N anonymous pages (MADV_NOHUGEPAGE): the first N are the ones the
 * test marks, the last N the control. A thread pinned to the CPUs of node
 * --first writes every page (one word that names the page) and ends; then
 * main prints
 *   base 0x... pages N first NODE: M pages
 * (M: pages pagemap shows on that node) and nothing touches the pages
 * until SIGUSR1 (the next touch must be the other node's). Then a thread
 * pinned to the CPUs of node --then reads all 2N pages in a spin (the NUMA
 * scanner only scans tasks that run) and main prints "touching". On
 * SIGTERM it stops, every page's word is checked and "data intact" (exit 0)
 * or "data CORRUPT: K pages" (exit 1) printed.
 *
 * --fence binds the mapping to every memory node but --then, with
 * MPOL_F_NUMA_BALANCING: the kernel's NUMA balancing still scans it and
 * migrates within the bound nodes, but never towards --then, so a page
 * found there was moved by someone else (move_pages ignores the policy).
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "page_node.h"

static volatile char *mem;
static long npages, psz;
static int phase; /* 1 the second node reads, 2 stop */

static uint64_t word_of(long i)
{
	return 0x6e657874746f7563ull ^ (uint64_t)i * 0x9e3779b97f4a7c15ull;
}

static int pin_to_node(int node)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	cpu_set_t set;
	unsigned int c;
	int n = 0;

	if (!cpus || numa_node_to_cpus(node, cpus)) {
		fprintf(stderr, "two_node_touch: no CPU list for node %d\n", node);
		return -1;
	}
	CPU_ZERO(&set);
	for (c = 0; c < cpus->size && c < CPU_SETSIZE; c++)
		if (numa_bitmask_isbitset(cpus, c)) {
			CPU_SET(c, &set);
			n++;
		}
	numa_free_cpumask(cpus);
	if (!n || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "two_node_touch: cannot pin to node %d (%d CPUs): %s\n", node, n,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void read_all(void)
{
	long i;

	for (i = 0; i < 2 * npages; i++)
		(void)mem[i * psz];
}

static void *first_thread(void *arg)
{
	long i;

	if (pin_to_node(*(int *)arg))
		exit(1);
	for (i = 0; i < 2 * npages; i++)
		*(volatile uint64_t *)(mem + i * psz) = word_of(i);
	return NULL;
}

static void *then_thread(void *arg)
{
	if (pin_to_node(*(int *)arg))
		exit(1);
	while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) == 1)
		read_all();
	return NULL;
}

static int fence(int away)
{
	struct bitmask *nodes = numa_allocate_nodemask();
	int n, ok;

	copy_bitmask_to_bitmask(numa_all_nodes_ptr, nodes);
	numa_bitmask_clearbit(nodes, away);
	ok = mbind((void *)mem, 2 * npages * psz, MPOL_BIND | MPOL_F_NUMA_BALANCING, nodes->maskp,
		   nodes->size + 1, 0);
	n = errno;
	numa_free_nodemask(nodes);
	if (ok) {
		fprintf(stderr, "two_node_touch: mbind(MPOL_BIND | MPOL_F_NUMA_BALANCING): %s\n",
			strerror(n));
		return -1;
	}
	return 0;
}

static long count_on(int node)
{
	struct page_node pn;
	long i, n = 0;
	int *where = calloc(npages, sizeof(*where));

	if (!where || page_node_open(&pn, getpid()))
		return -1;
	if (page_node_query(&pn, (uint64_t)mem, npages, psz, where))
		n = -1;
	for (i = 0; n >= 0 && i < npages; i++)
		n += where[i] == node;
	page_node_close(&pn);
	free(where);
	return n;
}

int main(int argc, char **argv)
{
	int first = -1, then = -1, do_fence = 0, a, sig;
	pthread_t t1, t2 = 0;
	long i, bad = 0;
	sigset_t set;

	psz = sysconf(_SC_PAGESIZE);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--fence"))
			do_fence = 1;
		else if (a + 1 < argc && !strcmp(argv[a], "--pages"))
			npages = atol(argv[++a]);
		else if (a + 1 < argc && !strcmp(argv[a], "--first"))
			first = atoi(argv[++a]);
		else if (a + 1 < argc && !strcmp(argv[a], "--then"))
			then = atoi(argv[++a]);
		else
			break;
	}
	if (a != argc || npages <= 0 || first < 0 || then < 0 || first == then) {
		fprintf(stderr,
			"usage: two_node_touch --pages N --first NODE --then NODE [--fence]\n");
		return 2;
	}
	if (numa_available() < 0 || numa_max_node() < then || numa_max_node() < first) {
		fprintf(stderr, "two_node_touch: nodes %d and %d are not both there\n", first,
			then);
		return 1;
	}
	mem = mmap(NULL, 2 * npages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (mem == MAP_FAILED) {
		perror("two_node_touch: mmap");
		return 1;
	}
	if (madvise((void *)mem, 2 * npages * psz, MADV_NOHUGEPAGE))
		perror("two_node_touch: madvise(MADV_NOHUGEPAGE)");
	if (do_fence && fence(then))
		return 1;

	/* Signals go to main alone (sigwait): the threads only look at phase. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t1, NULL, first_thread, &first)) {
		fprintf(stderr, "two_node_touch: pthread_create failed\n");
		return 1;
	}
	pthread_join(t1, NULL);
	printf("base %p pages %ld first %d: %ld pages\n", (void *)mem, npages, first,
	       count_on(first));
	fflush(stdout);

	while (!sigwait(&set, &sig)) {
		if (sig == SIGUSR1 && !t2) {
			__atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
			if (pthread_create(&t2, NULL, then_thread, &then)) {
				fprintf(stderr, "two_node_touch: pthread_create failed\n");
				return 1;
			}
			printf("touching from node %d\n", then);
			fflush(stdout);
		} else if (sig != SIGUSR1) {
			break;
		}
	}
	__atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
	if (t2)
		pthread_join(t2, NULL);
	for (i = 0; i < 2 * npages; i++)
		bad += *(volatile uint64_t *)(mem + i * psz) != word_of(i);
	if (bad)
		printf("data CORRUPT: %ld pages\n", bad);
	else
		printf("data intact\n");
	return bad ? 1 : 0;
}
