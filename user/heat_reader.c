// SPDX-License-Identifier: GPL-2.0
/* Aggregate page_heat per process; format summaries. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heat_reader.h"

static int cmp_summary(const void *a, const void *b)
{
	const struct pid_summary *x = a, *y = b;

	if (x->faults != y->faults)
		return x->faults < y->faults ? 1 : -1;
	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/*
 * The summary of @tgid in @s (sorted by tgid, *@cnt of *@cap), inserted if
 * new. Processes are few and a read holds runs of one process's pages, so
 * a binary search on a miss of the last hit keeps one pass over the
 * records (the interval report runs each second over tens of thousands).
 */
static struct pid_summary *summary_of(struct pid_summary **s, size_t *cnt, size_t *cap, __u32 tgid)
{
	size_t lo = 0, hi = *cnt, mid;
	struct pid_summary *ns;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((*s)[mid].tgid == tgid)
			return &(*s)[mid];
		if ((*s)[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (*cnt == *cap) {
		ns = realloc(*s, (*cap ? 2 * *cap : 8) * sizeof(*ns));
		if (!ns)
			return NULL;
		*s = ns;
		*cap = *cap ? 2 * *cap : 8;
	}
	memmove(&(*s)[lo + 1], &(*s)[lo], (*cnt - lo) * sizeof(**s));
	memset(&(*s)[lo], 0, sizeof(**s));
	(*s)[lo].tgid = tgid;
	(*cnt)++;
	return &(*s)[lo];
}

int heat_aggregate(const struct heat_key *keys, const struct heat_val *vals, size_t n,
		   struct pid_summary **out, size_t *nout)
{
	struct pid_summary *s = NULL, *p = NULL;
	size_t i, j, cnt = 0, cap = 0;
	int node;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++) {
		const struct heat_val *v = &vals[i];

		if (!p || p->tgid != keys[i].tgid) {
			p = summary_of(&s, &cnt, &cap, keys[i].tgid);
			if (!p) {
				free(s);
				return -ENOMEM;
			}
		}
		p->pages++;
		p->faults += v->faults;
		p->local += v->local_faults;
		/* A node is known only where each fault had an outcome (task_numa_fault). */
		if (v->node >= 0 && v->faults >= v->local_faults)
			p->remote += v->faults - v->local_faults;
		p->migrate_ok += v->migrate_ok;
		p->migrate_fail += v->migrate_fail;
		node = v->node;
		if (node >= 0 && node < PAUTONUMA_MAX_NODES)
			p->pages_by_node[node]++;
		else
			p->pages_node_unknown++;
		for (j = 0; j < PAUTONUMA_MAX_NODES; j++)
			p->faults_by_node[j] += v->faults_by_node[j];
	}
	if (cnt)
		qsort(s, cnt, sizeof(*s), cmp_summary);
	*out = s;
	*nout = cnt;
	return 0;
}

void reason_name_from_enum(const char *enumerator, char *buf, size_t size)
{
	size_t i;

	if (!size)
		return;
	if (!strcmp(enumerator, "MR_SYSCALL")) {
		snprintf(buf, size, "syscall_or_cpuset");
		return;
	}
	if (!strncmp(enumerator, "MR_", 3))
		enumerator += 3;
	for (i = 0; enumerator[i] && i + 1 < size; i++)
		buf[i] = tolower((unsigned char)enumerator[i]);
	buf[i] = '\0';
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

void heat_print_pid(FILE *f, const struct pid_summary *s, __u64 prev_faults, bool mark_detached)
{
	int i;

	fprintf(f, "  pid %u%s: pages %llu faults %llu (+%llu)", s->tgid,
		mark_detached && !s->attached ? " (detached)" : "", (unsigned long long)s->pages,
		(unsigned long long)s->faults,
		(unsigned long long)(s->faults >= prev_faults ? s->faults - prev_faults : 0));
	if (s->local + s->remote)
		fprintf(f, " local %llu remote %llu", (unsigned long long)s->local,
			(unsigned long long)s->remote);
	else
		fprintf(f, " local/remote unknown");
	for (i = 0; i < PAUTONUMA_MAX_NODES; i++)
		if (s->pages_by_node[i])
			fprintf(f, " node%d %llu", i, (unsigned long long)s->pages_by_node[i]);
	if (s->pages_node_unknown)
		fprintf(f, " node? %llu", (unsigned long long)s->pages_node_unknown);
	if (s->migrate_ok || s->migrate_fail)
		fprintf(f, " migrated %llu/%llu", (unsigned long long)s->migrate_ok,
			(unsigned long long)s->migrate_fail);
	fputc('\n', f);
}

void heat_print_migrations(FILE *f, const struct migrate_stats *m,
			   char names[PAUTONUMA_MAX_REASONS][32])
{
	bool any = false;
	int i;

	fprintf(f, "  migrations (ok/failed):");
	for (i = 0; i < PAUTONUMA_MAX_REASONS; i++) {
		if (!m->calls[i])
			continue;
		fprintf(f, " %s %llu/%llu", names[i], (unsigned long long)m->succeeded[i],
			(unsigned long long)m->failed[i]);
		any = true;
	}
	if (!any)
		fprintf(f, " none");
	fprintf(f, "; numa task moves %llu swaps %llu\n", (unsigned long long)m->task_moves,
		(unsigned long long)m->task_swaps);
}

void heat_print_pid_json(FILE *f, const struct pid_summary *s)
{
	bool first = true;
	int i;

	fprintf(f,
		"{\"pid\":%u,\"attached\":%s,\"pages\":%llu,\"faults\":%llu,\"local\":%llu,"
		"\"remote\":%llu,\"migrate_ok\":%llu,\"migrate_fail\":%llu,\"pages_by_node\":{",
		s->tgid, s->attached ? "true" : "false", (unsigned long long)s->pages,
		(unsigned long long)s->faults, (unsigned long long)s->local,
		(unsigned long long)s->remote, (unsigned long long)s->migrate_ok,
		(unsigned long long)s->migrate_fail);
	for (i = 0; i < PAUTONUMA_MAX_NODES; i++) {
		if (!s->pages_by_node[i])
			continue;
		fprintf(f, "%s\"%d\":%llu", first ? "" : ",", i,
			(unsigned long long)s->pages_by_node[i]);
		first = false;
	}
	fprintf(f, "},\"pages_node_unknown\":%llu}", (unsigned long long)s->pages_node_unknown);
}
