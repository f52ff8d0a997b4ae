// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma top: a live view of the running instance, per managed process
 * and node. Each frame is rendered as text once, then either drawn with
 * ncurses or (--once) printed, so both show the same figures.
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmds.h"
#include "heat_reader.h"
#include "numa_maps.h"
#include "stats_file.h"

/* One refresh: what was read, kept for the next frame's rates. */
struct top_sample {
	double t; /* CLOCK_MONOTONIC seconds */
	bool daemon; /* a stats file of a live daemon was read */
	struct pn_stats_header h;
	struct pn_stats_proc *procs;
	struct observer_stats st;
	struct run_info ri;
	__u32 *extra; /* attached PIDs the daemon has not seen yet */
	size_t nextra;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sample_free(struct top_sample *s)
{
	free(s->procs);
	free(s->extra);
	memset(s, 0, sizeof(*s));
}

static __u64 migrations_ok(const struct observer_stats *st)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < PAUTONUMA_MAX_REASONS; i++)
		sum += st->migrate.succeeded[i];
	return sum;
}

static int sample_take(const struct observer_maps *m, struct top_sample *s)
{
	struct filter_entry *f = NULL;
	size_t nf = 0, i;
	__u32 k;
	int err;

	memset(s, 0, sizeof(*s));
	s->t = mono_s();
	err = observer_read_stats(m, &s->st);
	if (!err)
		err = observer_read_run_info(m, &s->ri);
	if (!err)
		err = observer_filter_list(m, &f, &nf);
	if (err)
		return err;
	err = stats_file_read(PN_STATS_FILE, &s->h, &s->procs, NULL);
	s->daemon = !err;
	if (err && err != -ENOENT && err != -ESRCH && err != -EPROTO) {
		free(f);
		return err;
	}
	if (!s->daemon)
		s->h.nr_procs = 0;
	s->extra = calloc(nf ?: 1, sizeof(*s->extra));
	if (!s->extra) {
		free(f);
		return -ENOMEM;
	}
	for (i = 0; i < nf; i++) {
		for (k = 0; k < s->h.nr_procs; k++)
			if (s->procs[k].tgid == f[i].tgid)
				break;
		if (k == s->h.nr_procs)
			s->extra[s->nextra++] = f[i].tgid;
	}
	free(f);
	return 0;
}

static const struct pn_stats_proc *prev_proc(const struct top_sample *p, __u32 tgid)
{
	__u32 k;

	for (k = 0; p && k < p->h.nr_procs; k++)
		if (p->procs[k].tgid == tgid)
			return &p->procs[k];
	return NULL;
}

/* Per second between two samples; "-" without a previous one. */
static void rate(char *buf, size_t len, __u64 now, __u64 before, double dt, bool have_prev)
{
	if (!have_prev || dt <= 0 || now < before)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", (now - before) / dt);
}

static int node_tier(const struct pn_stats_header *h, int node)
{
	__u32 i;

	for (i = 0; i < h->nr_nodes; i++)
		if ((int)h->nodes[i].node == node)
			return (int)h->nodes[i].tier;
	return -1;
}

/* One process: a line with its totals, then one per node it has pages on. */
static void render_proc(FILE *f, const struct top_sample *s, const struct top_sample *p,
			const struct pn_stats_proc *pr, __u32 tgid)
{
	const struct pn_stats_proc *pp = pr ? prev_proc(p, tgid) : NULL;
	double dt = p ? s->t - p->t : 0;
	__u64 res[PAUTONUMA_MAX_NODES];
	char rp[32], rd[32], comm[32] = "?", path[64];
	FILE *cf;
	int n, tier, err;

	snprintf(path, sizeof(path), "/proc/%u/comm", tgid);
	cf = fopen(path, "re");
	if (cf) {
		if (fgets(comm, sizeof(comm), cf))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(cf);
	}
	rate(rp, sizeof(rp), pr ? pr->promoted : 0, pp ? pp->promoted : 0, dt, pp);
	rate(rd, sizeof(rd), pr ? pr->demoted : 0, pp ? pp->demoted : 0, dt, pp);
	fprintf(f, "%7u %-15s %8s %8s %10llu %10llu %10llu %10llu\n", tgid, comm, rp, rd,
		pr ? (unsigned long long)pr->promoted : 0ULL,
		pr ? (unsigned long long)pr->demoted : 0ULL,
		pr ? (unsigned long long)pr->kernel_migrations : 0ULL,
		pr ? (unsigned long long)pr->faults : 0ULL);
	err = numa_maps_resident((pid_t)tgid, res);
	if (err) {
		fprintf(f, "          %s\n", err == -ESRCH ? "(exited)" : strerror(-err));
		return;
	}
	for (n = 0; n < PAUTONUMA_MAX_NODES; n++) {
		if (!res[n] && !(pr && pr->hot_pages[n]))
			continue;
		tier = node_tier(&s->h, n);
		fprintf(f, "          node %d %-4s resident %10llu pages  hot %8llu\n", n,
			tier < 0 ? "" :
			tier	 ? "slow" :
				   "fast",
			(unsigned long long)res[n],
			pr ? (unsigned long long)pr->hot_pages[n] : 0ULL);
	}
}

static void render(FILE *f, const struct top_sample *s, const struct top_sample *p)
{
	static const char *const hooks[] = { "none", "fentry", "kprobe", "tracepoint" };
	const struct pn_stats_header *h = &s->h;
	double dt = p ? s->t - p->t : 0;
	unsigned long long kb = (unsigned long long)sysconf(_SC_PAGESIZE) / 1024;
	char r1[32], r2[32], r3[32], r4[32], nm[PN_NOT_MOVED_LEN];
	__u32 k;
	size_t i;

	rate(r3, sizeof(r3), s->st.fault.hint_faults, p ? p->st.fault.hint_faults : 0, dt, p);
	rate(r4, sizeof(r4), migrations_ok(&s->st), p ? migrations_ok(&p->st) : 0, dt, p);
	fprintf(f, "pautonuma top - loader pid %u, hook %s%s    (q quits)\n", s->ri.loader_pid,
		hooks[s->ri.hook < 4 ? s->ri.hook : 0], s->ri.observe_all ? ", all processes" : "");
	fprintf(f, "hint faults %llu (%s/s)  kernel migrations %llu (%s/s)\n",
		(unsigned long long)s->st.fault.hint_faults, r3,
		(unsigned long long)migrations_ok(&s->st), r4);
	if (s->daemon) {
		bool hp = p && p->daemon;

		rate(r1, sizeof(r1), h->promoted, hp ? p->h.promoted : 0, dt, hp);
		rate(r2, sizeof(r2), h->demoted, hp ? p->h.demoted : 0, dt, hp);
		fprintf(f,
			"daemon pid %u, cycle %llu: promoted %llu (%s/s)  demoted %llu (%s/s)  "
			"not moved %llu%s\n",
			h->daemon_pid, (unsigned long long)h->cycles,
			(unsigned long long)h->promoted, r1, (unsigned long long)h->demoted, r2,
			(unsigned long long)h->failed,
			pn_not_moved_str(nm, sizeof(nm), h->not_moved, NULL));
		fprintf(f,
			"journal seq %llu of %llu records, lag %llu open batches  budget %llu/%llu "
			"pages (skipped %llu)  threshold %.2f\n",
			(unsigned long long)h->journal_seq, (unsigned long long)h->journal_records,
			(unsigned long long)h->journal_open, (unsigned long long)h->budget_used,
			(unsigned long long)h->budget_pages, (unsigned long long)h->skipped_budget,
			h->threshold_milli / 1000.0);
		fprintf(f, "tiers:");
		for (k = 0; k < h->nr_nodes; k++)
			fprintf(f, "  node %u %s %llu/%llu MiB free", h->nodes[k].node,
				h->nodes[k].tier ? "slow" : "fast",
				h->nodes[k].free_pages * kb / 1024,
				h->nodes[k].total_pages * kb / 1024);
		fputc('\n', f);
	} else {
		fprintf(f, "no daemon counters (observe-only, or no interval done yet)\n");
	}
	fprintf(f, "\n%7s %-15s %8s %8s %10s %10s %10s %10s\n", "PID", "COMMAND", "PROM/s", "DEM/s",
		"PROMOTED", "DEMOTED", "KERN-MIG", "FAULTS");
	for (k = 0; k < h->nr_procs; k++)
		render_proc(f, s, p, &s->procs[k], s->procs[k].tgid);
	for (i = 0; i < s->nextra; i++)
		render_proc(f, s, p, NULL, s->extra[i]);
	if (!h->nr_procs && !s->nextra)
		fprintf(f, "no managed process yet\n");
}

/* Draw @text (lines) from the top-left corner, clipped to the screen. */
static void draw(const char *text)
{
	const char *line = text, *nl;
	int y = 0, rows = LINES;

	erase();
	while (*line && y < rows) {
		nl = strchr(line, '\n');
		mvaddnstr(y++, 0, line, nl ? (int)(nl - line) : -1);
		if (!nl)
			break;
		line = nl + 1;
	}
	refresh();
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma top [--interval S] [--once]\n"
		"Live view of the running instance: per managed process, promotions and\n"
		"demotions per second and in total, kernel migrations, hint faults, and per\n"
		"node its resident pages (numa_maps) and hot pages (with hint faults in the\n"
		"daemon's last interval); the journal's sequence and lag, the budget use.\n"
		"Reads the maps in %s and the daemon's %s.\n"
		"  --interval S  refresh period (default 1)\n"
		"  --once        print one frame (rates over one interval) and exit\n"
		"Keys: q quits.\n",
		OBSERVER_PIN_DIR, PN_STATS_FILE);
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	struct top_sample cur = {}, prev = {};
	double interval = 1;
	bool once = false, have_prev = false;
	char *text = NULL;
	size_t len = 0;
	int c, err, ret = EXIT_FAIL, key;
	FILE *mf;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's and the usage */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_seconds(optarg, &interval)) {
				fprintf(stderr, "pautonuma: top: invalid interval '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case '1':
			once = true;
			break;
		default: /* 'h' and refused options */
			return cli_option(c, "top", argv, usage);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pautonuma: top: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "pautonuma: top: must run as root\n");
		return EXIT_ENV;
	}
	err = observer_maps_open_pinned(&m);
	if (err) {
		fprintf(stderr, "pautonuma: top: %s\n",
			err == -ENOENT ?
				"no instance is running (nothing pinned in " OBSERVER_PIN_DIR ")" :
				strerror(-err));
		return err == -ENOENT ? EXIT_FAIL : EXIT_ENV;
	}
	if (once) {
		/* Two samples one interval apart, so that the rates mean something. */
		err = sample_take(&m, &prev);
		if (!err) {
			usleep((useconds_t)(interval * 1e6));
			err = sample_take(&m, &cur);
		}
		if (!err) {
			render(stdout, &cur, &prev);
			ret = EXIT_OK;
		}
		goto out;
	}
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	timeout((int)(interval * 1000));
	for (;;) {
		err = sample_take(&m, &cur);
		if (err)
			break;
		mf = open_memstream(&text, &len);
		if (!mf) {
			err = -errno;
			break;
		}
		render(mf, &cur, have_prev ? &prev : NULL);
		fclose(mf);
		draw(text);
		free(text);
		text = NULL;
		sample_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		have_prev = true;
		key = getch();
		/* A keypress other than q refreshes at once; the interval restarts. */
		if (key == 'q' || key == 'Q')
			break;
	}
	endwin();
	if (!err) {
		printf("pautonuma: top: quit\n");
		ret = EXIT_OK;
	}
out:
	if (err)
		fprintf(stderr, "pautonuma: top: reading the running instance: %s\n",
			strerror(-err));
	sample_free(&cur);
	sample_free(&prev);
	observer_maps_close(&m);
	return ret;
}
