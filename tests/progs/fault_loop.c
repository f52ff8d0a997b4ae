// SPDX-License-Identifier: GPL-2.0
/*
 * fault_loop: page faults as fast as possible, for the observer's overhead
 * benchmark. Maps MIB MiB (MADV_NOHUGEPAGE), writes every page, unmaps;
 * repeats for SECONDS and prints "pages_per_s N" (wall clock) and
 * "pages_per_cpu_s N" (this process's CPU time: on a shared machine it
 * leaves out the time other processes hold the CPU, not the kernel work
 * done on this process's behalf, which is where an observer's cost is).
 *
 *   fault_loop [MIB [SECONDS]]     (defaults 64 and 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64, psz = sysconf(_SC_PAGESIZE), i;
	double seconds = argc > 2 ? atof(argv[2]) : 3, t0, t, c0;
	size_t len = (size_t)mib << 20;
	unsigned long long faults = 0;
	char *p;

	if (mib <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: fault_loop [MIB [SECONDS]]\n");
		return 2;
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	do {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("fault_loop: mmap");
			return 1;
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = 0; i < (long)(len / psz); i++)
			p[i * psz] = 1;
		munmap(p, len);
		faults += len / psz;
		t = now_s(CLOCK_MONOTONIC);
	} while (t - t0 < seconds);
	printf("pages_per_s %.0f\n", faults / (t - t0));
	printf("pages_per_cpu_s %.0f\n", faults / (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0));
	return 0;
}
