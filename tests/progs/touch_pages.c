// SPDX-License-Identifier: GPL-2.0
/*
 * touch_pages: a workload with a known set of pages, for the observer tests.
 *
 *   touch_pages [--pages N] [--hot N] [--node NODE] [--seconds S] [--period-ms P]
 *
 * Maps N pages (MADV_NOHUGEPAGE): anonymous with --node (written and moved
 * to NODE) or --seconds, else a private mapping of a memfd; reads each one
 * (a memfd's page is then mapped read-only), prints
 *   base 0x... pages N
 * and then, for each SIGUSR1, runs one round: write every page once, which
 * on a present read-only page is a protection fault per page, then
 * MADV_DONTNEED and read again so the next round faults the same way, and
 * prints "round K". With --seconds S it instead keeps touching the pages for
 * S seconds, one round every P ms (default 1, busy-waiting in between): the
 * first --hot pages every round, the others every 10th, for hint faults from
 * the NUMA scanner, and prints "done". Exits on SIGTERM/SIGINT.
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

/*
 * Write every page (its own frame) and move it to @node with move_pages(2).
 * Not mbind(): the NUMA scanner skips VMAs with a policy that is not
 * migrate-on-fault, so bound pages never get hint faults.
 */
static int move_to(volatile char *p, long pages, long psz, int node)
{
	void **addrs = calloc(pages, sizeof(*addrs));
	int *nodes = calloc(pages, sizeof(*nodes)), *status = calloc(pages, sizeof(*status));
	long i, moved = 0;
	int ret = -1;

	if (!addrs || !nodes || !status)
		goto out;
	for (i = 0; i < pages; i++) {
		p[i * psz] = 1;
		addrs[i] = (void *)(p + i * psz);
		nodes[i] = node;
	}
	if (move_pages(0, pages, addrs, nodes, status, MPOL_MF_MOVE)) {
		perror("touch_pages: move_pages");
		goto out;
	}
	for (i = 0; i < pages; i++)
		moved += status[i] == node;
	if (moved != pages) {
		fprintf(stderr, "touch_pages: only %ld of %ld pages on node %d\n", moved, pages,
			node);
		goto out;
	}
	ret = 0;
out:
	free(status);
	free(nodes);
	free(addrs);
	return ret;
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
	double seconds = 0, end, next;
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
	if (node < 0 && seconds <= 0) {
		/*
		 * Rounds of protection faults: a private mapping of a memfd, whose
		 * reads map the shared file page read-only and whose writes then
		 * copy it. Not the zero page of anonymous memory: some kernels
		 * (the 6.18 host of Nov 2026) give a read fault a page of its own.
		 */
		int fd = memfd_create("touch_pages", 0);

		if (fd < 0 || ftruncate(fd, pages * psz)) {
			perror("touch_pages: memfd");
			return 1;
		}
		p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		close(fd);
	} else {
		p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
	}
	if (p == MAP_FAILED) {
		perror("touch_pages: mmap");
		return 1;
	}
	if (madvise((void *)p, pages * psz, MADV_NOHUGEPAGE))
		perror("touch_pages: madvise(MADV_NOHUGEPAGE)");
	if (node >= 0 && move_to(p, pages, psz, node))
		return 1;
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
		/* Each page has its own frame now (zero page shared otherwise). */
		for (i = 0; i < pages; i++)
			p[i * psz] = 1;
		end = now_s() + seconds;
		for (r = 0; !stop && now_s() < end; r++) {
			for (i = 0; i < pages; i++)
				if (i < hot || r % 10 == 0)
					(void)p[i * psz];
			/*
			 * Spin rather than sleep: the NUMA scanner runs from the
			 * scheduler tick of a task that is on a CPU, so a sleeping
			 * workload is hardly ever scanned.
			 */
			for (next = now_s() + period_ms / 1e3; !stop && now_s() < next;)
				;
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
