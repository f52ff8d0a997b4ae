// SPDX-License-Identifier: GPL-2.0
/*
 * phase_workload: the workload of the placement benchmark (issue 5,
 * tests/bench/placement).
 *
 * It maps a footprint larger than the fast node's free memory
 * (MADV_NOHUGEPAGE, so khugepaged does not move pages behind our back,
 * DESIGN.md section 5), places it (all on the slow node, or first touch),
 * then accesses it for PHASES phases of PHASE_S seconds: in each phase a hot
 * set of HOT_FRAC of the pages gets HOT_SHARE of the accesses (the rest go
 * uniformly to the other pages); every phase has a different hot set (the
 * sets are disjoint slices of one random permutation of the pages).
 *
 * Every SAMPLE_MS a sampler (a child process, so that the NUMA balancing
 * work and faults charged to the workload's threads cannot stall it) asks
 * the kernel where each page is (its /proc/PID/pagemap, exact and without
 * side effects; page_node.h says why not move_pages(2)), reads the per-page access counters
 * (a shared mapping) and writes one line to PREFIX.tsv:
 *   hot-set residency on the fast node, pages on each tier, the modeled
 *   memory cost of the interval's accesses and of the ideal placement,
 *   page moves seen since the previous sample, ping-pongs so far.
 * At the end it writes one line per phase to PREFIX.summary.tsv.
 *
 * Definitions (also in tests/bench/placement.md):
 *  capacity C  usable fast-node pages measured at start, before mapping:
 *              MemFree of the fast node minus the sum of the "high"
 *              watermarks of its zones (/proc/zoneinfo): the pages kswapd
 *              keeps free cannot hold the workload.
 *  cost        each access of an interval costs the latency of the tier its
 *              page is on at the sample that closes the interval (fast node
 *              100 ns, any other node 300 ns).
 *  ideal       the same accesses with the C most-accessed pages of the
 *              interval on the fast node and the rest on the slow one.
 *              The kernel may let the workload hold more than C pages on
 *              the fast node (it reclaims other memory), so cost/ideal can
 *              fall below 1; fast_pages_max in the summary shows when.
 *  move        a page whose node differs between two consecutive samples
 *              (a lower bound: two moves within one interval are unseen).
 *  ping-pong   a move X->Y of a page whose previous move was Y->X less than
 *              PINGPONG_S seconds before. pp_slow_* and pp_fast_* count
 *              them by where the page went back to, and by what it is: hot
 *              (the phase's set), old (the previous phase's) or cold.
 *  cold promotions, hot demotions
 *              moves seen to the fast node of pages outside the phase's hot
 *              set, and from it of pages in the set: the mover's mistakes,
 *              judged by the set of the phase the sample belongs to.
 *  migrated    /proc/vmstat deltas over the phase (system-wide; the
 *              workload is the only big process in the rig).
 *
 * It prints "pid N" and "range 0xSTART-0xEND pages N" on stdout as soon as
 * the footprint is mapped, so that a daemon can be attached to it.  With
 * --wait-signal it waits for SIGUSR1 after the placement before it starts
 * accessing (the harness attaches the daemon, then sends the signal).
 */
#include <errno.h>
#include <getopt.h>
#include <numaif.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "page_node.h"

#define LAT_FAST 100
#define LAT_SLOW 300
#define MAX_PHASES 8

static const char *const vm_names[] = {
	"pgmigrate_success", "pgpromote_success",   "pgdemote_kswapd",
	"pgdemote_direct",   "numa_pages_migrated", "numa_hint_faults",
};
#define NVM (sizeof(vm_names) / sizeof(vm_names[0]))

struct opts {
	double footprint_mib;
	double footprint_x;
	double hot_frac;
	double hot_share;
	double phase_s;
	int phases;
	int sample_ms;
	int scan_ms;
	double pingpong_s;
	int place_slow;
	int fast_node;
	int slow_node;
	const char *out;
	int wait_signal;
	uint64_t seed;
};

struct phase_stats {
	double t95; /* seconds after the phase start; < 0: never reached */
	double last_res, sum_res;
	long nsamples;
	double cost, ideal;
	uint64_t accesses, hot_accesses;
	long moves, promotions, demotions, pingpong;
	long promotions_cold; /* of pages outside the phase's hot set */
	long demotions_hot; /* of pages in it */
	/*
	 * Ping-pongs by where the page went back to (0 slow, 1 fast) and what
	 * it is: in the phase's hot set, in the previous phase's, or neither.
	 */
	long pp[2][3];
	long fast_max; /* most workload pages seen on the fast node */
	long floor; /* fewest migrations to full residency, see migration_floor() */
	long vm[NVM];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "phase_workload: %s: %s\n", what, why);
	exit(1);
}

static void vmstat_read(long *v)
{
	char key[64];
	long val;
	size_t i;
	FILE *f = fopen("/proc/vmstat", "r");

	for (i = 0; i < NVM; i++)
		v[i] = 0;
	if (!f)
		die("/proc/vmstat", strerror(errno));
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		for (i = 0; i < NVM; i++)
			if (!strcmp(key, vm_names[i]))
				v[i] = val;
	fclose(f);
}

/* MemFree of a node, in pages; -1 when unreadable. */
static long node_free_pages(int node)
{
	char path[128], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemFree:");

		if (p) {
			kb = strtol(p + 8, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb / 4;
}

/* Sum of the "high" watermarks of a node's zones, in pages. */
static long node_high_wmark(int node)
{
	char line[256];
	long sum = 0, v;
	int cur = -1, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &n) == 1)
			cur = n;
		else if (cur == node && sscanf(line, " high %ld", &v) == 1)
			sum += v;
	}
	fclose(f);
	return sum;
}

static uint64_t rng_state;

static inline uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static volatile sig_atomic_t got_go;

static void on_go(int sig)
{
	(void)sig;
	got_go = 1;
}

static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: phase_workload --out PREFIX [--footprint-mib N | --footprint-x F]\n"
			"         [--hot-frac F] [--hot-share F] [--phase-s S] [--phases N]\n"
			"         [--sample-ms MS] [--scan-ms MS] [--pingpong-s S]\n"
			"         [--place slow|first-touch] [--fast-node N] [--slow-node N]\n"
			"         [--seed N] [--wait-signal]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "footprint-mib", 1, 0, 'm' }, { "footprint-x", 1, 0, 'x' },
		{ "hot-frac", 1, 0, 'h' },	{ "hot-share", 1, 0, 's' },
		{ "phase-s", 1, 0, 'p' },	{ "phases", 1, 0, 'P' },
		{ "sample-ms", 1, 0, 'S' },	{ "scan-ms", 1, 0, 'c' },
		{ "pingpong-s", 1, 0, 'w' },	{ "place", 1, 0, 'l' },
		{ "fast-node", 1, 0, 'f' },	{ "slow-node", 1, 0, 'n' },
		{ "out", 1, 0, 'o' },		{ "seed", 1, 0, 'r' },
		{ "wait-signal", 0, 0, 'W' },	{ 0, 0, 0, 0 },
	};
	const char *sn = getenv("RIG_SLOW_NODE");
	int c;

	memset(o, 0, sizeof(*o));
	o->footprint_x = 2.0;
	o->hot_frac = 0.2;
	o->hot_share = 0.9;
	o->phase_s = 20;
	o->phases = 2;
	o->sample_ms = 1000;
	o->scan_ms = 1000;
	o->pingpong_s = -1;
	o->fast_node = 0;
	o->slow_node = sn ? atoi(sn) : 1;
	o->seed = 42;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->footprint_mib = atof(optarg);
			break;
		case 'x':
			o->footprint_x = atof(optarg);
			break;
		case 'h':
			o->hot_frac = atof(optarg);
			break;
		case 's':
			o->hot_share = atof(optarg);
			break;
		case 'p':
			o->phase_s = atof(optarg);
			break;
		case 'P':
			o->phases = atoi(optarg);
			break;
		case 'S':
			o->sample_ms = atoi(optarg);
			break;
		case 'c':
			o->scan_ms = atoi(optarg);
			break;
		case 'w':
			o->pingpong_s = atof(optarg);
			break;
		case 'l':
			if (!strcmp(optarg, "slow"))
				o->place_slow = 1;
			else if (!strcmp(optarg, "first-touch"))
				o->place_slow = 0;
			else
				usage();
			break;
		case 'f':
			o->fast_node = atoi(optarg);
			break;
		case 'n':
			o->slow_node = atoi(optarg);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'W':
			o->wait_signal = 1;
			break;
		default:
			usage();
		}
	}
	if (!o->out || optind != argc || o->hot_frac <= 0 || o->hot_frac * o->phases > 1 ||
	    o->hot_share < 0 || o->hot_share > 1 || o->phase_s <= 0 || o->phases < 1 ||
	    o->phases > MAX_PHASES || o->sample_ms < 10 || o->scan_ms <= 0 ||
	    o->fast_node == o->slow_node)
		usage();
	if (o->pingpong_s < 0)
		o->pingpong_s = 10.0 * o->scan_ms / 1000;
}

struct sampler {
	const struct opts *o;
	long npages, hot_n, cap;
	void **addrs;
	int *status, *prev;
	int8_t *last_from, *hot_phase;
	double *last_t;
	uint32_t *acc, *snap, *sorted;
	struct phase_stats *ps;
	FILE *tsv;
	double t0;
	long vm_prev[NVM];
	long pingpong_total;
	int status_err;
	pid_t pid; /* the workload (the sampler is a child process) */
	struct page_node pn; /* its pagemap: sees PROT_NONE (NUMA-hinting) pages too */
	int *stop; /* shared with the workload */
};

/*
 * The fewest migrations that put all of phase @ph's hot set on the fast node
 * from the placement of the last sample (at the phase's start): each hot
 * page elsewhere is promoted, and beyond the fast node's free capacity each
 * promotion needs a demotion to make room. A floor for pgmigrate_success
 * that depends on where the pages were, not on the mover: after a phase
 * change the old hot set fills the fast node, so it is above 1x the hot set.
 */
static long migration_floor(const struct sampler *s, int ph)
{
	long i, fast = 0, promote = 0, room;

	for (i = 0; i < s->npages; i++) {
		fast += s->prev[i] == s->o->fast_node;
		promote += s->hot_phase[i] == ph && s->prev[i] != s->o->fast_node;
	}
	room = s->cap > fast ? s->cap - fast : 0;
	return promote + (promote > room ? promote - room : 0);
}

/* One sample: where every page is, what the accesses since the last sample
 * cost there and would cost in the ideal placement, which pages moved. */
static void take_sample(struct sampler *s, int ph, double ts)
{
	const struct opts *o = s->o;
	struct phase_stats *st = &s->ps[ph];
	long i, res = 0, fast = 0, moves = 0, pro = 0, dem = 0, pro_cold = 0, dem_hot = 0, vm[NVM];
	double cost = 0, ideal = 0;
	uint64_t n_acc = 0;
	size_t k;

	if (!st->nsamples)
		st->floor = migration_floor(s, ph);
	if (page_node_query(&s->pn, (uintptr_t)s->addrs[0], s->npages, sysconf(_SC_PAGESIZE),
			    s->status))
		die("pagemap", strerror(errno));
	for (i = 0; i < s->npages; i++) {
		uint32_t cur = __atomic_load_n(&s->acc[i], __ATOMIC_RELAXED);
		uint32_t a = cur - s->snap[i];
		int on_fast = s->status[i] == o->fast_node;
		int hot = s->hot_phase[i] == ph;

		s->snap[i] = cur;
		if (s->status[i] < 0)
			s->status_err++;
		fast += on_fast;
		res += on_fast && hot;
		cost += (double)a * (on_fast ? LAT_FAST : LAT_SLOW);
		n_acc += a;
		if (hot)
			st->hot_accesses += a;
		s->sorted[i] = a;
		if (s->status[i] >= 0 && s->prev[i] >= 0 && s->status[i] != s->prev[i]) {
			moves++;
			if (s->status[i] == o->fast_node) {
				pro++;
				pro_cold += !hot;
			} else if (s->prev[i] == o->fast_node) {
				dem++;
				dem_hot += hot;
			}
			if (s->last_from[i] == s->status[i] && ts - s->last_t[i] <= o->pingpong_s) {
				st->pingpong++, s->pingpong_total++;
				st->pp[on_fast][hot				? 0 :
						ph && s->hot_phase[i] == ph - 1 ? 1 :
										  2]++;
			}
			s->last_from[i] = (int8_t)s->prev[i];
			s->last_t[i] = ts;
		}
		s->prev[i] = s->status[i];
	}
	qsort(s->sorted, s->npages, sizeof(*s->sorted), cmp_desc);
	for (i = 0; i < s->npages; i++)
		ideal += (double)s->sorted[i] * (i < s->cap ? LAT_FAST : LAT_SLOW);
	vmstat_read(vm);
	for (k = 0; k < NVM; k++) {
		st->vm[k] += vm[k] - s->vm_prev[k];
		s->vm_prev[k] = vm[k];
	}
	if (fast > st->fast_max)
		st->fast_max = fast;
	st->last_res = (double)res / s->hot_n;
	st->sum_res += st->last_res;
	st->nsamples++;
	if (st->t95 < 0 && st->last_res >= 0.95)
		st->t95 = ts - ph * o->phase_s;
	st->cost += cost;
	st->ideal += ideal;
	st->accesses += n_acc;
	st->moves += moves;
	st->promotions += pro;
	st->demotions += dem;
	st->promotions_cold += pro_cold;
	st->demotions_hot += dem_hot;
	fprintf(s->tsv,
		"%.3f\t%d\t%.4f\t%ld\t%ld\t%llu\t%.0f\t%.0f\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\n", ts,
		ph + 1, st->last_res, fast, s->npages - fast, (unsigned long long)n_acc, cost,
		ideal, moves, pro, dem, s->pingpong_total, pro_cold, dem_hot);
	fflush(s->tsv);
}

/* Samples at t0 + k * SAMPLE_MS; a sample belongs to the phase of the middle
 * of the interval it closes.  Sets *stop after the last one. */
static void sampler(struct sampler *s)
{
	const struct opts *o = s->o;
	double period = o->sample_ms / 1000.0, end = o->phases * o->phase_s;
	long k;

	for (k = 1; k * period <= end + 1e-9; k++) {
		double due = s->t0 + k * period;
		struct timespec ts = { (time_t)due, (long)((due - (time_t)due) * 1e9) };
		int ph = (int)((k - 0.5) * period / o->phase_s);

		if (ph >= o->phases)
			ph = o->phases - 1;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		take_sample(s, ph, now() - s->t0);
	}
	__atomic_store_n(s->stop, 1, __ATOMIC_RELEASE);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct phase_stats ps[MAX_PHASES];
	long free0, wmark, cap, npages, hot_n, i, pg = sysconf(_SC_PAGESIZE);
	long vm_setup0[NVM];
	char *base;
	size_t len;
	long *perm;
	int8_t *hot_phase;
	uint32_t *acc, *snap, *sorted;
	int *status, *prev;
	int8_t *last_from;
	double *last_t, t0, t_setup;
	void **addrs;
	long *cold[MAX_PHASES], ncold[MAX_PHASES];
	struct sampler sm;
	pid_t child;
	size_t acc_len;
	FILE *tsv, *sum;
	char path[4096];
	int phase = 0, status_err = 0;
	uint64_t hot_thr;
	size_t k;

	parse(argc, argv, &o);
	rng_state = o.seed ? o.seed : 1;
	free0 = node_free_pages(o.fast_node);
	if (free0 < 0)
		die("fast node", "cannot read its meminfo");
	wmark = node_high_wmark(o.fast_node);
	cap = free0 - wmark > 0 ? free0 - wmark : 0;
	if (o.footprint_mib > 0)
		npages = (long)(o.footprint_mib * 1048576 / pg);
	else
		npages = (long)(o.footprint_x * free0);
	if (npages < 16)
		die("footprint", "too small");
	hot_n = (long)(o.hot_frac * npages);
	if (hot_n < 1)
		hot_n = 1;
	len = (size_t)npages * pg;

	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (base == MAP_FAILED)
		die("mmap", strerror(errno));
	if (madvise(base, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)", strerror(errno));
	printf("pid %d\n", (int)getpid());
	printf("range %p-%p pages %ld\n", (void *)base, (void *)(base + len), npages);
	printf("fast_node %d free_pages %ld high_wmark_pages %ld capacity_pages %ld\n", o.fast_node,
	       free0, wmark, cap);
	printf("footprint_pages %ld (%.1f MiB, %.2fx fast free) hot_pages %ld (%.1f%% of capacity)\n",
	       npages, len / 1048576.0, (double)npages / free0, hot_n,
	       cap ? 100.0 * hot_n / cap : 0.0);
	fflush(stdout);
	if (hot_n > cap)
		fprintf(stderr,
			"phase_workload: warning: hot set (%ld pages) exceeds the fast capacity (%ld)\n",
			hot_n, cap);

	perm = malloc(npages * sizeof(*perm));
	hot_phase = malloc(npages);
	/* The access counters are shared with the sampler process, and so is
	 * the stop flag that follows them. */
	acc_len = ((npages * sizeof(*acc) + 63) & ~63UL) + 64;
	acc = mmap(NULL, acc_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (acc == MAP_FAILED)
		die("mmap(counters)", strerror(errno));
	snap = calloc(npages, sizeof(*snap));
	sorted = malloc(npages * sizeof(*sorted));
	status = malloc(npages * sizeof(*status));
	prev = malloc(npages * sizeof(*prev));
	last_from = malloc(npages);
	last_t = malloc(npages * sizeof(*last_t));
	addrs = malloc(npages * sizeof(*addrs));
	if (!perm || !hot_phase || !snap || !sorted || !status || !prev || !last_from || !last_t ||
	    !addrs)
		die("malloc", strerror(ENOMEM));

	/* Placement. */
	vmstat_read(vm_setup0);
	t_setup = now();
	if (o.place_slow) {
		unsigned long mask = 1UL << o.slow_node;

		if (mbind(base, len, MPOL_BIND, &mask, sizeof(mask) * 8, 0))
			die("mbind(slow node)", strerror(errno));
	}
	for (i = 0; i < npages; i++) {
		base[i * pg] = (char)i;
		addrs[i] = base + i * pg;
		perm[i] = i;
		last_from[i] = -1;
		last_t[i] = -1e9;
		hot_phase[i] = -1;
	}
	/* Back to the default policy: a bound VMA is never migrated. */
	if (o.place_slow && mbind(base, len, MPOL_DEFAULT, NULL, 0, 0))
		die("mbind(default)", strerror(errno));
	if (move_pages(0, npages, addrs, NULL, prev, 0))
		die("move_pages(query)", strerror(errno));
	{
		long on_fast = 0;

		for (i = 0; i < npages; i++)
			on_fast += prev[i] == o.fast_node;
		printf("placed %s in %.1f s: %ld pages on the fast node, %ld elsewhere\n",
		       o.place_slow ? "on the slow node" : "by first touch", now() - t_setup,
		       on_fast, npages - on_fast);
	}
	for (i = npages - 1; i > 0; i--) {
		long j = rnd() % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}

	snprintf(path, sizeof(path), "%s.tsv", o.out);
	tsv = fopen(path, "w");
	if (!tsv)
		die(path, strerror(errno));
	fprintf(tsv,
		"t_s\tphase\thot_resident\tfast_pages\tslow_pages\taccesses\tcost_ns\tideal_ns\tmoves\tpromotions\tdemotions\tpingpong_total\tpromotions_cold\tdemotions_hot\n");

	if (o.wait_signal) {
		sigset_t set, old;

		signal(SIGUSR1, on_go);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, &old);
		printf("waiting for SIGUSR1\n");
		fflush(stdout);
		while (!got_go)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	printf("start\n");
	fflush(stdout);

	hot_thr = (uint64_t)(o.hot_share * 4294967296.0);
	memset(ps, 0, sizeof(ps));
	for (phase = 0; phase < o.phases; phase++) {
		long nc = 0;

		ps[phase].t95 = -1;
		cold[phase] = malloc(npages * sizeof(**cold));
		if (!cold[phase])
			die("malloc", strerror(ENOMEM));
		for (i = 0; i < hot_n; i++)
			hot_phase[perm[phase * hot_n + i]] = (int8_t)phase;
		for (i = 0; i < npages; i++)
			if (hot_phase[i] != phase)
				cold[phase][nc++] = i;
		ncold[phase] = nc;
	}
	memset(&sm, 0, sizeof(sm));
	sm.o = &o;
	sm.npages = npages;
	sm.hot_n = hot_n;
	sm.cap = cap;
	sm.addrs = addrs;
	sm.status = status;
	sm.prev = prev;
	sm.last_from = last_from;
	sm.last_t = last_t;
	sm.acc = acc;
	sm.snap = snap;
	sm.sorted = sorted;
	sm.hot_phase = hot_phase;
	sm.ps = ps;
	sm.tsv = tsv;
	/* Moves are counted from here: where the pages are now (kswapd may
	 * have demoted some since the placement), and the counters now. */
	if (page_node_open(&sm.pn, getpid()))
		die("pagemap", "cannot map pages to nodes");
	if (page_node_query(&sm.pn, (uintptr_t)addrs[0], npages, sysconf(_SC_PAGESIZE), prev))
		die("pagemap", strerror(errno));
	vmstat_read(sm.vm_prev);
	/* The placement's own migrations (e.g. demotion while the footprint
	 * was first touched). */
	printf("setup vmstat:");
	for (k = 0; k < NVM; k++)
		printf(" %s=%ld", vm_names[k], sm.vm_prev[k] - vm_setup0[k]);
	printf("\n");
	fflush(stdout);
	sm.stop = (int *)((char *)acc + acc_len - 64);
	sm.pid = getpid();
	/* The sampler is a separate process: NUMA balancing charges its
	 * scanning to the threads of the scanned mm, and hint faults and
	 * migrations stall them; a sampler thread was seen stalled for
	 * seconds.  The footprint is not inherited (MADV_DONTFORK), so no
	 * copy-on-write can disturb its placement. */
	if (madvise(base, len, MADV_DONTFORK))
		die("madvise(MADV_DONTFORK)", strerror(errno));
	fflush(stdout);
	fflush(tsv);
	sm.t0 = now();
	t0 = sm.t0;
	child = fork();
	if (child < 0)
		die("fork", strerror(errno));
	if (child == 0) {
		sampler(&sm);
		/* the child reports, below */
	} else {
		double t_check = t0;
		int wst = 0, reaped = 0;

		fclose(tsv);
		/* The accesses, until the sampler says stop (or dies). */
		phase = 0;
		while (!__atomic_load_n(sm.stop, __ATOMIC_ACQUIRE)) {
			const long *hot = perm + phase * hot_n;
			const long *cl = cold[phase];
			long nc = ncold[phase];
			double t;
			int j, cur;

			for (j = 0; j < 256; j++) {
				uint64_t r = rnd();
				long p;
				volatile uint64_t *w;

				if ((r & 0xffffffff) < hot_thr || !nc)
					p = hot[(r >> 32) % hot_n];
				else
					p = cl[(r >> 32) % nc];
				w = (volatile uint64_t *)(base + p * pg + ((r >> 58) << 6));
				*w += 1;
				__atomic_store_n(&acc[p],
						 __atomic_load_n(&acc[p], __ATOMIC_RELAXED) + 1,
						 __ATOMIC_RELAXED);
			}
			t = now();
			cur = (int)((t - t0) / o.phase_s);
			if (cur >= o.phases)
				cur = o.phases - 1;
			if (cur != phase) {
				printf("phase %d started at %.1f s\n", cur + 1, t - t0);
				fflush(stdout);
				phase = cur;
			}
			if (t - t_check >= 1) {
				t_check = t;
				if (waitpid(child, &wst, WNOHANG) == child) {
					reaped = 1;
					break;
				}
			}
		}
		if (!reaped && waitpid(child, &wst, 0) != child)
			die("waitpid", strerror(errno));
		if (!WIFEXITED(wst) || WEXITSTATUS(wst)) {
			fprintf(stderr, "phase_workload: the sampler process failed\n");
			return 1;
		}
		return 0;
	}
	fclose(tsv);
	for (phase = 0; phase < o.phases; phase++)
		printf("phase %d: hot residency at its end %.3f, t95 %s%.1f s\n", phase + 1,
		       ps[phase].last_res, ps[phase].t95 < 0 ? "never " : "",
		       ps[phase].t95 < 0 ? 0 : ps[phase].t95);
	status_err = sm.status_err;
	if (status_err)
		fprintf(stderr, "phase_workload: warning: %d page queries returned an error\n",
			status_err);

	snprintf(path, sizeof(path), "%s.summary.tsv", o.out);
	sum = fopen(path, "w");
	if (!sum)
		die(path, strerror(errno));
	fprintf(sum,
		"phase\tfootprint_pages\thot_pages\tcapacity_pages\tsamples\tt95_s\tt95_scans\tfinal_resident\tmean_resident\taccesses\thot_share\tcost_ratio\tmoves\tpromotions\tdemotions\tpingpong\tpingpong_pct");
	for (k = 0; k < NVM; k++)
		fprintf(sum, "\t%s", vm_names[k]);
	fprintf(sum, "\tmigrated_per_hot\taccesses_per_s\tfast_pages_max");
	fprintf(sum, "\tpromotions_cold\tdemotions_hot\tmigration_floor");
	fprintf(sum,
		"\tpp_slow_hot\tpp_slow_old\tpp_slow_cold\tpp_fast_hot\tpp_fast_old\tpp_fast_cold\n");
	for (phase = 0; phase < o.phases; phase++) {
		struct phase_stats *s = &ps[phase];
		char t95[32], t95s[32];

		if (s->t95 < 0) {
			strcpy(t95, "never");
			strcpy(t95s, "never");
		} else {
			snprintf(t95, sizeof(t95), "%.2f", s->t95);
			snprintf(t95s, sizeof(t95s), "%.2f", s->t95 * 1000 / o.scan_ms);
		}
		fprintf(sum,
			"%d\t%ld\t%ld\t%ld\t%ld\t%s\t%s\t%.4f\t%.4f\t%llu\t%.4f\t%.4f\t%ld\t%ld\t%ld\t%ld\t%.2f",
			phase + 1, npages, hot_n, cap, s->nsamples, t95, t95s, s->last_res,
			s->nsamples ? s->sum_res / s->nsamples : 0, (unsigned long long)s->accesses,
			s->accesses ? (double)s->hot_accesses / s->accesses : 0,
			s->ideal > 0 ? s->cost / s->ideal : 0, s->moves, s->promotions,
			s->demotions, s->pingpong, s->moves ? 100.0 * s->pingpong / s->moves : 0.0);
		for (k = 0; k < NVM; k++)
			fprintf(sum, "\t%ld", s->vm[k]);
		fprintf(sum, "\t%.3f\t%.0f\t%ld\t%ld\t%ld\t%ld", (double)s->vm[0] / hot_n,
			s->accesses / o.phase_s, s->fast_max, s->promotions_cold, s->demotions_hot,
			s->floor);
		for (k = 0; k < 6; k++)
			fprintf(sum, "\t%ld", s->pp[k / 3][k % 3]);
		fputc('\n', sum);
	}
	fclose(sum);
	printf("done: %s.tsv %s.summary.tsv\n", o.out, o.out);
	return 0;
}
