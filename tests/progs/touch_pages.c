// SPDX-License-Identifier: GPL-2.0
/*
 * touch_pages: a workload with a known set of pages, for the observer tests.
 *
 *   touch_pages [--pages N] [--hot N] [--node NODE] [--seconds S] [--period-ms P]
 *
 * Maps N anonymous pages (MADV_NOHUGEPAGE, optionally bound to NODE), reads
 * each one (the zero page gets mapped read-only), prints
 *   base 0x... pages N
 * and then, for each SIGUSR1, runs one round: write every page once, which
 * on a present read-only page is a protection fault per page, then
 * MADV_DONTNEED and read again so the next round faults the same way, and
 * prints "round K". With --seconds S it instead keeps touching the pages for
 * S seconds, one round every P ms (default 1): the first --hot pages every
 * round, the others every 10th, for hint faults from the NUMA scanner, and
 * prints "done". Exits on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t rounds_wanted, stop;

static void on_usr1(int sig)
{
	rounds_wanted++;
}

static void on_term(int sig)
{
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long pages = 64, hot = 0, node = -1, period_ms = 1, psz = sysconf(_SC_PAGESIZE), i, r;
	double seconds = 0, end;
	volatile char *p;
	struct sigaction sa = {};
	int done = 0, a;
	sigset_t mask, old;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--pages"))
			pages = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--hot"))
			hot = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--node"))
			node = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--seconds"))
			seconds = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "--period-ms"))
			period_ms = atol(argv[a + 1]);
		else
			break;
	}
	if (a != argc || pages <= 0 || hot < 0 || hot > pages) {
		fprintf(stderr,
			"usage: touch_pages [--pages N] [--hot N] [--node NODE] [--seconds S]\n");
		return 2;
	}
	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("touch_pages: mmap");
		return 1;
	}
	if (madvise((void *)p, pages * psz, MADV_NOHUGEPAGE))
		perror("touch_pages: madvise(MADV_NOHUGEPAGE)");
	if (node >= 0) {
		unsigned long nodemask = 1UL << node;

		if (mbind((void *)p, pages * psz, MPOL_BIND, &nodemask, sizeof(nodemask) * 8,
			  MPOL_MF_STRICT)) {
			perror("touch_pages: mbind");
			return 1;
		}
	}
	for (i = 0; i < pages; i++)
		(void)p[i * psz];
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("base %p pages %ld\n", (void *)p, pages);
	fflush(stdout);

	if (seconds > 0) {
		/* Write once so each page gets its own frame on NODE, then keep reading. */
		for (i = 0; i < pages; i++)
			p[i * psz] = 1;
		end = now_s() + seconds;
		for (r = 0; !stop && now_s() < end; r++) {
			for (i = 0; i < pages; i++)
				if (i < hot || r % 10 == 0)
					(void)p[i * psz];
			usleep(period_ms * 1000);
		}
		printf("done\n");
		fflush(stdout);
		while (!stop)
			pause();
		return 0;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	while (!stop) {
		while (!stop && done == rounds_wanted)
			sigsuspend(&old);
		if (stop)
			break;
		for (i = 0; i < pages; i++)
			p[i * psz] = 1;
		if (madvise((void *)p, pages * psz, MADV_DONTNEED)) {
			perror("touch_pages: madvise(MADV_DONTNEED)");
			return 1;
		}
		for (i = 0; i < pages; i++)
			(void)p[i * psz];
		printf("round %d\n", ++done);
		fflush(stdout);
	}
	return 0;
}
