// SPDX-License-Identifier: GPL-2.0
/* Prometheus text exposition and the daemon's JSON object; see metrics.h. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "heat_reader.h"
#include "metrics.h"
#include "report.h"
#include "stats_file.h"

static const char *const hook_label[] = { "none", "fentry", "kprobe", "tracepoint" };

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP pautonuma_%s %s\n# TYPE pautonuma_%s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, unsigned long long v)
{
	fprintf(f, "pautonuma_%s %llu\n", name, v);
}

static void observer_metrics(FILE *f, const struct observer_stats *st, const struct run_info *ri,
			     size_t pages, const struct pid_summary *s, size_t ns)
{
	char names[PAUTONUMA_MAX_REASONS][OBSERVER_REASON_LEN];
	size_t i;

	family(f, "info", "gauge", "The running instance: loader pid and the hook in use.");
	fprintf(f, "pautonuma_info{loader_pid=\"%u\",hook=\"%s\",observe_all=\"%s\"} 1\n",
		ri->loader_pid, hook_label[ri->hook < 4 ? ri->hook : 0],
		ri->observe_all ? "true" : "false");
	family(f, "hint_faults_total", "counter", "NUMA hint faults recorded in page_heat.");
	sample(f, "hint_faults_total", st->fault.hint_faults);
	family(f, "heat_full_total", "counter", "Faults lost: page_heat was full.");
	sample(f, "heat_full_total", st->fault.heat_full);
	family(f, "fault_ring_faults_total", "counter", "Hint faults handed to the daemon.");
	sample(f, "fault_ring_faults_total", st->fault.ring_faults);
	family(f, "fault_ring_lost_total", "counter",
	       "Hint faults the daemon lost: its fault ring was full.");
	sample(f, "fault_ring_lost_total", st->fault.ring_lost);
	family(f, "filter_exits_total", "counter", "Attached processes that exited.");
	sample(f, "filter_exits_total", st->fault.filter_exits);
	family(f, "heat_pages", "gauge",
	       "Pages with hint faults: in the daemon's last interval (run "
	       "--metrics-file), else in page_heat.");
	sample(f, "heat_pages", pages);
	family(f, "numa_task_moves_total", "counter", "sched_move_numa of observed tasks.");
	sample(f, "numa_task_moves_total", st->migrate.task_moves);
	family(f, "numa_task_swaps_total", "counter", "sched_swap_numa of observed tasks.");
	sample(f, "numa_task_swaps_total", st->migrate.task_swaps);

	observer_reason_names(names);
	family(f, "kernel_migrations_total", "counter",
	       "Pages the kernel migrated (mm_migrate_pages), by reason and result.");
	for (i = 0; i < PAUTONUMA_MAX_REASONS; i++) {
		if (!st->migrate.calls[i])
			continue;
		fprintf(f,
			"pautonuma_kernel_migrations_total{reason=\"%s\",result=\"succeeded\"} %llu\n"
			"pautonuma_kernel_migrations_total{reason=\"%s\",result=\"failed\"} %llu\n",
			names[i], (unsigned long long)st->migrate.succeeded[i], names[i],
			(unsigned long long)st->migrate.failed[i]);
	}
	family(f, "process_heat_pages", "gauge",
	       "Pages of the process with hint faults (as heat_pages).");
	for (i = 0; i < ns; i++)
		fprintf(f, "pautonuma_process_heat_pages{pid=\"%u\"} %llu\n", s[i].tgid,
			(unsigned long long)s[i].pages);
	family(f, "process_heat_faults", "gauge", "Hint faults of the process (as heat_pages).");
	for (i = 0; i < ns; i++)
		fprintf(f, "pautonuma_process_heat_faults{pid=\"%u\"} %llu\n", s[i].tgid,
			(unsigned long long)s[i].faults);
}

static void daemon_metrics(FILE *f, const struct pn_stats_header *h, const struct pn_stats_proc *p)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} g[] = {
#define G(n, t, field, help) { n, t, help, offsetof(struct pn_stats_header, field) }
		G("daemon_cycles_total", "counter", cycles, "Intervals the daemon completed."),
		G("promoted_pages_total", "counter", promoted, "Pages promoted to a fast node."),
		G("demoted_pages_total", "counter", demoted, "Pages demoted to a slow node."),
		G("move_failed_pages_total", "counter", failed, "Planned pages not moved."),
		G("journal_batches_total", "counter", batches, "Journaled move_pages batches."),
		G("pingpong_total", "counter", pingpong, "Moves reversing a recent one."),
		G("journal_seq", "gauge", journal_seq,
		  "Sequence number of the last journal record."),
		G("journal_records", "gauge", journal_records, "Journal capacity, in records."),
		G("journal_open_batches", "gauge", journal_open,
		  "Journal lag: batches with a BEGIN and no COMMIT yet."),
		G("budget_pages", "gauge", budget_pages, "Migration budget of the last interval."),
		G("budget_used_pages", "gauge", budget_used, "Moves planned in the last interval."),
		G("budget_skipped_pages", "gauge", skipped_budget,
		  "Moves left out by the budget in the last interval."),
		G("tracked_pages", "gauge", tracked, "Pages tracked by the policy."),
		G("candidate_pages", "gauge", candidates, "Slow-tier pages at the threshold."),
#undef G
	};
	size_t i;
	__u32 k;
	int n;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		family(f, g[i].name, g[i].type, g[i].help);
		sample(f, g[i].name, *(const __u64 *)((const char *)h + g[i].off));
	}
	family(f, "move_failed_reason_pages_total", "counter",
	       "Planned pages not moved, by what move_pages(2) reported for them.");
	for (k = 0; k < PN_NOT_MOVED_NR; k++)
		fprintf(f, "pautonuma_move_failed_reason_pages_total{reason=\"%s\"} %llu\n",
			pn_not_moved_label(k), (unsigned long long)h->not_moved[k]);
	family(f, "promote_threshold_faults", "gauge", "Promotion threshold, in hint faults.");
	fprintf(f, "pautonuma_promote_threshold_faults %.3f\n", h->threshold_milli / 1000.0);
	family(f, "node_pages", "gauge", "Pages of the node, by state, and its tier.");
	for (k = 0; k < h->nr_nodes; k++) {
		const char *tier = h->nodes[k].tier ? "slow" : "fast";

		fprintf(f, "pautonuma_node_pages{node=\"%u\",tier=\"%s\",state=\"total\"} %llu\n",
			h->nodes[k].node, tier, (unsigned long long)h->nodes[k].total_pages);
		fprintf(f, "pautonuma_node_pages{node=\"%u\",tier=\"%s\",state=\"free\"} %llu\n",
			h->nodes[k].node, tier, (unsigned long long)h->nodes[k].free_pages);
	}
	static const struct {
		const char *name, *help;
		size_t off;
	} pc[] = {
#define P(n, field, help) { n, help, offsetof(struct pn_stats_proc, field) }
		P("process_faults_total", faults, "Hint faults of the process."),
		P("process_kernel_migrations_total", kernel_migrations,
		  "Pages of the process the kernel migrated on a hint fault."),
		P("process_promoted_pages_total", promoted, "Pages of the process promoted."),
		P("process_demoted_pages_total", demoted, "Pages of the process demoted."),
#undef P
	};
	for (i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		family(f, pc[i].name, "counter", pc[i].help);
		for (k = 0; k < h->nr_procs; k++)
			fprintf(f, "pautonuma_%s{pid=\"%u\"} %llu\n", pc[i].name, p[k].tgid,
				(unsigned long long)*(const __u64 *)((const char *)&p[k] +
								     pc[i].off));
	}
	family(f, "process_hot_pages", "gauge",
	       "Pages of the process with hint faults in the last interval, by node.");
	for (k = 0; k < h->nr_procs; k++)
		for (n = 0; n < PAUTONUMA_MAX_NODES; n++)
			if (p[k].hot_pages[n])
				fprintf(f,
					"pautonuma_process_hot_pages{pid=\"%u\",node=\"%d\"} %llu\n",
					p[k].tgid, n, (unsigned long long)p[k].hot_pages[n]);
}

int metrics_write(FILE *f, const struct observer_maps *m, const struct heat_batch *heat,
		  const struct pn_stats_header *h, const struct pn_stats_proc *procs)
{
	struct report_snapshot snap;
	int err;

	err = report_snapshot_take(m, heat, &snap);
	if (err)
		return err;
	observer_metrics(f, &snap.st, &snap.ri, snap.n, snap.s, snap.ns);
	if (h)
		daemon_metrics(f, h, procs);
	report_snapshot_free(&snap);
	return 0;
}

int metrics_write_file(const char *path, const struct observer_maps *m,
		       const struct heat_batch *heat, const struct pn_stats_header *h,
		       const struct pn_stats_proc *procs)
{
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, path);
	if (err)
		return err;
	err = metrics_write(af.f, m, heat, h, procs);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}

void metrics_daemon_json(FILE *f, const struct pn_stats_header *h, const struct pn_stats_proc *p)
{
	bool first;
	__u32 k;
	int n;

	fprintf(f,
		"{\"pid\":%u,\"cycles\":%llu,\"interval_ms\":%llu,\"promoted\":%llu,"
		"\"demoted\":%llu,\"failed\":%llu,\"batches\":%llu,\"pingpong\":%llu,"
		"\"journal_seq\":%llu,\"journal_records\":%llu,\"journal_open\":%llu,"
		"\"budget_pages\":%llu,\"budget_used\":%llu,\"budget_skipped\":%llu,"
		"\"tracked\":%llu,\"candidates\":%llu,\"threshold\":%.3f,\"not_moved\":{",
		h->daemon_pid, (unsigned long long)h->cycles, (unsigned long long)h->interval_ms,
		(unsigned long long)h->promoted, (unsigned long long)h->demoted,
		(unsigned long long)h->failed, (unsigned long long)h->batches,
		(unsigned long long)h->pingpong, (unsigned long long)h->journal_seq,
		(unsigned long long)h->journal_records, (unsigned long long)h->journal_open,
		(unsigned long long)h->budget_pages, (unsigned long long)h->budget_used,
		(unsigned long long)h->skipped_budget, (unsigned long long)h->tracked,
		(unsigned long long)h->candidates, h->threshold_milli / 1000.0);
	for (k = 0; k < PN_NOT_MOVED_NR; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "", pn_not_moved_label(k),
			(unsigned long long)h->not_moved[k]);
	fputs("},\"processes\":[", f);
	for (k = 0; k < h->nr_procs; k++) {
		fprintf(f,
			"%s{\"pid\":%u,\"faults\":%llu,\"kernel_migrations\":%llu,"
			"\"promoted\":%llu,\"demoted\":%llu,\"hot_pages\":{",
			k ? "," : "", p[k].tgid, (unsigned long long)p[k].faults,
			(unsigned long long)p[k].kernel_migrations,
			(unsigned long long)p[k].promoted, (unsigned long long)p[k].demoted);
		for (n = 0, first = true; n < PAUTONUMA_MAX_NODES; n++) {
			if (!p[k].hot_pages[n])
				continue;
			fprintf(f, "%s\"%d\":%llu", first ? "" : ",", n,
				(unsigned long long)p[k].hot_pages[n]);
			first = false;
		}
		fprintf(f, "}}");
	}
	fprintf(f, "]}");
}
