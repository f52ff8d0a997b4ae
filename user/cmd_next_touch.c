// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma next-touch: mark pages of a process managed by the running
 * daemon for affinity-on-next-touch, clear or list the marks.
 */
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
#include "next_touch.h"
#include "proc_ident.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma next-touch PID [--range START-END] [--json]\n"
		"       pautonuma next-touch PID [--range START-END] --clear [--json]\n"
		"       pautonuma next-touch --list [--json]\n"
		"\n"
		"Affinity-on-next-touch: mark pages of process PID, which the running daemon\n"
		"manages ('pautonuma attach PID' or run --pid/--all), so that the next NUMA\n"
		"hint fault on each decides its node: the daemon moves the page to the node\n"
		"of the CPU that touched it, journaled, within its migration budget and\n"
		"cooldown. Each page moves once per mark; marking a range again re-arms it.\n"
		"  --range START-END  the pages of [START, END), page aligned (0x... accepted);\n"
		"                     default: the whole address space\n"
		"  --clear            remove PID's marks (those overlapping --range)\n"
		"  --list             list the marks in force\n"
		"  --json             one JSON object on stdout: the mark made ({\"marked\":\n"
		"                     [MARK]}), the marks removed ({\"pid\",\"removed\"}) or\n"
		"                     in force ({\"marks\":[MARK...]})\n"
		"Exit: 0 done, 1 failure (no daemon running, PID not managed or gone),\n"
		"2 usage, 3 environment (not root).\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void print_range(const struct next_touch_key *k)
{
	if (!k->start && k->end == UINT64_MAX)
		printf("all pages");
	else
		printf("0x%llx-0x%llx (%llu pages)", (unsigned long long)k->start,
		       (unsigned long long)k->end,
		       (unsigned long long)((k->end - k->start) / (uint64_t)sysconf(_SC_PAGESIZE)));
}

/* One mark as a JSON object; "all": the whole address space (no range given). */
static void print_mark_json(const struct next_touch_key *k, const struct next_touch_val *v,
			    uint64_t now)
{
	printf("{\"pid\":%u,\"start_time\":%llu,\"all\":%s,\"start\":%llu,\"end\":%llu,"
	       "\"age_s\":%.1f}",
	       k->tgid, (unsigned long long)v->start_time,
	       !k->start && k->end == UINT64_MAX ? "true" : "false", (unsigned long long)k->start,
	       (unsigned long long)k->end, now > v->mark_ns ? (now - v->mark_ns) / 1e9 : 0.0);
}

static int list_marks(const struct observer_maps *m, bool json)
{
	struct next_touch_key *k;
	struct next_touch_val *v;
	uint64_t now = now_ns();
	size_t n, i;
	int err;

	err = observer_next_touch_list(m, &k, &v, &n);
	if (err) {
		fprintf(stderr, "pautonuma: next-touch: reading the marks: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	if (json) {
		printf("{\"marks\":[");
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			print_mark_json(&k[i], &v[i], now);
		}
		printf("]}\n");
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		printf("pid %u (start time %llu): ", k[i].tgid,
		       (unsigned long long)v[i].start_time);
		print_range(&k[i]);
		printf(", marked %.1f s ago\n",
		       now > v[i].mark_ns ? (now - v[i].mark_ns) / 1e9 : 0.0);
	}
	if (!n)
		printf("no marks\n");
out:
	free(k);
	free(v);
	return EXIT_OK;
}

static int clear_marks(const struct observer_maps *m, pid_t pid, uint64_t start, uint64_t end,
		       bool json)
{
	struct next_touch_key *k;
	struct next_touch_val *v;
	size_t n, i, removed = 0;
	int err, ret = EXIT_OK;

	err = observer_next_touch_list(m, &k, &v, &n);
	if (err) {
		fprintf(stderr, "pautonuma: next-touch: reading the marks: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (k[i].tgid != (__u32)pid || !nt_ranges_overlap(k[i].start, k[i].end, start, end))
			continue;
		err = observer_next_touch_del(m, &k[i]);
		if (err && err != -ENOENT) {
			fprintf(stderr, "pautonuma: next-touch: removing a mark of pid %d: %s\n",
				(int)pid, strerror(-err));
			ret = EXIT_FAIL;
			continue;
		}
		removed += !err;
	}
	if (json)
		printf("{\"pid\":%d,\"removed\":%zu}\n", (int)pid, removed);
	else
		printf("pautonuma: removed %zu next-touch mark%s of pid %d\n", removed,
		       removed == 1 ? "" : "s", (int)pid);
	free(k);
	free(v);
	return ret;
}

/* Does the daemon manage @id (attached with this start time, or --all)? */
static int managed(const struct observer_maps *m, const struct proc_ident *id, bool *yes)
{
	struct filter_entry *f = NULL;
	struct run_info ri;
	size_t n = 0, i;
	int err;

	*yes = false;
	err = observer_read_run_info(m, &ri);
	if (err)
		return err;
	if (ri.observe_all) {
		*yes = true;
		return 0;
	}
	err = observer_filter_list(m, &f, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (f[i].tgid == (__u32)id->tgid && f[i].val.start_time == id->start_time)
			*yes = true;
	free(f);
	return 0;
}

static int mark(const struct observer_maps *m, pid_t pid, uint64_t start, uint64_t end, bool json)
{
	struct next_touch_key key = { .tgid = (__u32)pid, .start = start, .end = end };
	struct next_touch_val val;
	struct proc_ident id, again;
	bool yes;
	int err;

	err = proc_ident_get(pid, &id);
	if (err) {
		fprintf(stderr, "pautonuma: next-touch: pid %d: %s\n", (int)pid,
			cmd_ident_error(err));
		return EXIT_FAIL;
	}
	err = managed(m, &id, &yes);
	if (err) {
		fprintf(stderr, "pautonuma: next-touch: reading the running instance: %s\n",
			strerror(-err));
		return EXIT_FAIL;
	}
	if (!yes) {
		fprintf(stderr,
			"pautonuma: next-touch: pid %d is not managed by the daemon "
			"(attach it first: pautonuma attach %d)\n",
			(int)pid, (int)pid);
		return EXIT_FAIL;
	}
	val = (struct next_touch_val){ .start_time = id.start_time, .mark_ns = now_ns() };
	err = observer_next_touch_mark(m, &key, &val);
	if (err) {
		fprintf(stderr, "pautonuma: next-touch: marking pid %d: %s\n", (int)pid,
			err == -E2BIG ? "too many marks (clear some with --clear)" :
					strerror(-err));
		return EXIT_FAIL;
	}
	/* The process may have exited (and its PID been reused) meanwhile. */
	err = proc_ident_get(pid, &again);
	if (err || again.start_time != id.start_time) {
		observer_next_touch_del(m, &key);
		fprintf(stderr, "pautonuma: next-touch: pid %d exited while being marked\n",
			(int)pid);
		return EXIT_FAIL;
	}
	if (json) {
		printf("{\"marked\":[");
		print_mark_json(&key, &val, val.mark_ns);
		printf("]}\n");
		return EXIT_OK;
	}
	printf("pautonuma: marked pid %d (start time %llu) for next-touch: ", (int)pid,
	       (unsigned long long)id.start_time);
	print_range(&key);
	printf("\n");
	return EXIT_OK;
}

int cmd_next_touch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' }, { "clear", no_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'l' },	   { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },	   {},
	};
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	uint64_t start = 0, end = UINT64_MAX;
	bool clear = false, list = false, json = false;
	const char *range = NULL;
	pid_t pid = 0;
	int c, ret;

	optind = 1;
	opterr = 0; /* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			range = optarg;
			break;
		case 'c':
			clear = true;
			break;
		case 'l':
			list = true;
			break;
		case 'j':
			json = true;
			break;
		default: /* 'h' and refused options */
			return cli_option(c, "next-touch", argv, usage);
		}
	}
	if (list ? optind != argc || clear || range : optind + 1 != argc) {
		fprintf(stderr, "pautonuma: next-touch: %s (see 'pautonuma next-touch --help')\n",
			list ? "--list takes no PID and no option but --json" : "one PID wanted");
		return EXIT_USAGE;
	}
	if (!list && cmd_parse_pid("next-touch", argv[optind], &pid))
		return EXIT_USAGE;
	if (range && nt_parse_range(range, (uint64_t)sysconf(_SC_PAGESIZE), &start, &end)) {
		fprintf(stderr,
			"pautonuma: next-touch: invalid --range '%s' (START-END, page aligned, "
			"START < END)\n",
			range);
		return EXIT_USAGE;
	}
	ret = cmd_open_running("next-touch", &m);
	if (ret)
		return ret;
	if (m.next_touch < 0) {
		fprintf(stderr,
			"pautonuma: next-touch: the running instance is --observe-only: it moves "
			"no pages\n");
		ret = EXIT_FAIL;
	} else if (list) {
		ret = list_marks(&m, json);
	} else if (clear) {
		ret = clear_marks(&m, pid, start, end, json);
	} else {
		ret = mark(&m, pid, start, end, json);
	}
	observer_maps_close(&m);
	return ret;
}
