// SPDX-License-Identifier: GPL-2.0
/* The observer's summary, from its (pinned) maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heat_reader.h"
#include "metrics.h"
#include "report.h"
#include "stats_file.h"

#define REPORT_MAX_PIDS 16

static const char *const hook_names[] = {
	[HEAT_HOOK_NONE] = "none",
	[HEAT_HOOK_FENTRY] = "fentry",
	[HEAT_HOOK_KPROBE] = "kprobe",
	[HEAT_HOOK_TRACEPOINT] = "tracepoint",
};

static __u64 prev_faults(const struct report_prev *prev, __u32 tgid)
{
	size_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (prev->tgid[i] == tgid)
			return prev->faults[i];
	return 0;
}

static int remember(struct report_prev *prev, const struct pid_summary *s, size_t n,
		    __u64 hint_faults)
{
	__u32 *tgid = calloc(n ?: 1, sizeof(*tgid));
	__u64 *faults = calloc(n ?: 1, sizeof(*faults));
	size_t i;

	if (!tgid || !faults) {
		free(tgid);
		free(faults);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		tgid[i] = s[i].tgid;
		faults[i] = s[i].faults;
	}
	report_prev_free(prev);
	prev->tgid = tgid;
	prev->faults = faults;
	prev->n = n;
	prev->hint_faults = hint_faults;
	return 0;
}

void report_prev_free(struct report_prev *prev)
{
	free(prev->tgid);
	free(prev->faults);
	memset(prev, 0, sizeof(*prev));
}

/* Mark attached PIDs; add attached PIDs without any page yet. */
static int merge_filter(const struct observer_maps *m, struct pid_summary **s, size_t *n)
{
	struct filter_entry *f = NULL;
	struct pid_summary *ns;
	size_t nf = 0, i, j;
	int err;

	err = observer_filter_list(m, &f, &nf);
	if (err)
		return err;
	for (i = 0; i < nf; i++) {
		for (j = 0; j < *n; j++)
			if ((*s)[j].tgid == f[i].tgid)
				break;
		if (j == *n) {
			ns = realloc(*s, (*n + 1) * sizeof(**s));
			if (!ns) {
				free(f);
				return -ENOMEM;
			}
			*s = ns;
			memset(&ns[j], 0, sizeof(ns[j]));
			ns[j].tgid = f[i].tgid;
			(*n)++;
		}
		(*s)[j].attached = true;
	}
	free(f);
	return 0;
}

int report_snapshot_take(const struct observer_maps *m, const struct heat_batch *heat,
			 struct report_snapshot *snap)
{
	int err;

	memset(snap, 0, sizeof(*snap));
	err = observer_read_stats(m, &snap->st);
	if (!err)
		err = observer_read_run_info(m, &snap->ri);
	if (!err && heat) {
		snap->keys = heat->keys;
		snap->vals = heat->vals;
		snap->n = heat->n;
		snap->heat_borrowed = true;
	} else if (!err) {
		err = observer_heat_read(m, &snap->keys, &snap->vals, &snap->n);
	}
	if (!err)
		err = heat_aggregate(snap->keys, snap->vals, snap->n, &snap->s, &snap->ns);
	if (!err)
		err = merge_filter(m, &snap->s, &snap->ns);
	if (err)
		report_snapshot_free(snap);
	return err;
}

void report_snapshot_free(struct report_snapshot *snap)
{
	free(snap->s);
	if (!snap->heat_borrowed) {
		free(snap->vals);
		free(snap->keys);
	}
	memset(snap, 0, sizeof(*snap));
}

static int print(FILE *f, const struct observer_maps *m, const struct heat_batch *heat, bool json,
		 struct report_prev *prev, const struct pn_stats_header *h,
		 const struct pn_stats_proc *procs)
{
	char names[PAUTONUMA_MAX_REASONS][OBSERVER_REASON_LEN], nm[PN_NOT_MOVED_LEN];
	struct report_snapshot snap;
	struct pid_summary *s;
	struct observer_stats st;
	struct run_info ri;
	size_t n, ns, i;
	bool first;
	int err;

	err = report_snapshot_take(m, heat, &snap);
	if (err)
		return err;
	st = snap.st;
	ri = snap.ri;
	n = snap.n;
	s = snap.s;
	ns = snap.ns;
	observer_reason_names(names);
	if (ri.hook >= sizeof(hook_names) / sizeof(hook_names[0]))
		ri.hook = HEAT_HOOK_NONE;

	if (json) {
		fprintf(f,
			"{\"loader_pid\":%u,\"hook\":\"%s\",\"observe_all\":%s,\"pages\":%zu,"
			"\"hint_faults\":%llu,\"heat_full\":%llu,\"ring_faults\":%llu,"
			"\"ring_lost\":%llu,\"filter_exits\":%llu,\"pids\":[",
			ri.loader_pid, hook_names[ri.hook], ri.observe_all ? "true" : "false", n,
			(unsigned long long)st.fault.hint_faults,
			(unsigned long long)st.fault.heat_full,
			(unsigned long long)st.fault.ring_faults,
			(unsigned long long)st.fault.ring_lost,
			(unsigned long long)st.fault.filter_exits);
		for (i = 0; i < ns; i++) {
			if (i)
				fputc(',', f);
			heat_print_pid_json(f, &s[i]);
		}
		fprintf(f, "],\"migrations\":{");
		for (i = 0, first = true; i < PAUTONUMA_MAX_REASONS; i++) {
			if (!st.migrate.calls[i])
				continue;
			fprintf(f, "%s\"%s\":{\"succeeded\":%llu,\"failed\":%llu}",
				first ? "" : ",", names[i],
				(unsigned long long)st.migrate.succeeded[i],
				(unsigned long long)st.migrate.failed[i]);
			first = false;
		}
		fprintf(f, "},\"numa_task_moves\":%llu,\"numa_task_swaps\":%llu",
			(unsigned long long)st.migrate.task_moves,
			(unsigned long long)st.migrate.task_swaps);
		if (h) {
			fprintf(f, ",\"daemon\":");
			metrics_daemon_json(f, h, procs);
		}
		fprintf(f, "}\n");
		goto cleanup;
	}
	fprintf(f, "hook %s%s; pages tracked %zu; %s %llu (+%llu)", hook_names[ri.hook],
		ri.observe_all ? ", all processes" : "", n,
		ri.hook == HEAT_HOOK_TRACEPOINT ? "protection faults" : "hint faults",
		(unsigned long long)st.fault.hint_faults,
		(unsigned long long)(st.fault.hint_faults - (prev ? prev->hint_faults : 0)));
	if (st.fault.heat_full)
		fprintf(f, ", lost (map full) %llu", (unsigned long long)st.fault.heat_full);
	if (st.fault.ring_lost)
		fprintf(f, ", lost to the daemon (fault ring full) %llu",
			(unsigned long long)st.fault.ring_lost);
	fputc('\n', f);
	for (i = 0; i < ns && i < REPORT_MAX_PIDS; i++)
		heat_print_pid(f, &s[i], prev_faults(prev, s[i].tgid), !ri.observe_all);
	if (ns > REPORT_MAX_PIDS)
		fprintf(f, "  ... and %zu more processes\n", ns - REPORT_MAX_PIDS);
	if (!ns)
		fprintf(f, "  no process observed yet\n");
	heat_print_migrations(f, &st.migrate, names);
	if (h)
		fprintf(f,
			"daemon pid %u: %llu cycles; promoted %llu, demoted %llu, not moved %llu%s; "
			"journal seq %llu, open batches %llu; budget used %llu/%llu pages\n",
			h->daemon_pid, (unsigned long long)h->cycles,
			(unsigned long long)h->promoted, (unsigned long long)h->demoted,
			(unsigned long long)h->failed,
			pn_not_moved_str(nm, sizeof(nm), h->not_moved, NULL),
			(unsigned long long)h->journal_seq, (unsigned long long)h->journal_open,
			(unsigned long long)h->budget_used, (unsigned long long)h->budget_pages);
	if (prev)
		err = remember(prev, s, ns, st.fault.hint_faults);
cleanup:
	report_snapshot_free(&snap);
	return err;
}

int report_print(FILE *f, const struct observer_maps *m, const struct heat_batch *heat, bool json,
		 struct report_prev *prev)
{
	return print(f, m, heat, json, prev, NULL, NULL);
}

int report_print_status(FILE *f, const struct observer_maps *m, bool json,
			const struct pn_stats_header *h, const struct pn_stats_proc *procs)
{
	return print(f, m, NULL, json, NULL, h, procs);
}
