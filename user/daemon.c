// SPDX-License-Identifier: GPL-2.0
/* The tiering daemon's cycle; see daemon.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "journal.h"
#include "mover.h"
#include "proc_ident.h"
#include "recovery.h"
#include "topology.h"

/* Identities of the processes seen in one cycle (few: a linear table). */
struct ident_cache {
	struct proc_ident *ids;
	int *err; /* 0, or -ESRCH for a gone process */
	size_t n, cap;
};

struct daemon {
	struct daemon_opts o;
	struct topology topo;
	struct policy_node pnodes[TOPO_MAX_NODES];
	struct policy *pol;
	struct policy_plan plan;
	struct journal *j;
	struct mover m;
	struct ident_cache ic;
	struct policy_obs *obs;
	size_t obs_cap;
	struct daemon_totals t;
	long page_size;
	/* published each interval (stats file, metrics) */
	struct pn_stats_proc *procs;
	size_t nprocs, procs_cap;
	struct pn_stats_page *pages;
	size_t npages, pages_cap;
};

/* The per-process totals of @tgid, added if new; NULL when out of memory. */
static struct pn_stats_proc *proc_acct(struct daemon *d, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].tgid == tgid)
			return &d->procs[i];
	if (d->nprocs == d->procs_cap) {
		size_t cap = d->procs_cap ? d->procs_cap * 2 : 16;
		struct pn_stats_proc *p = realloc(d->procs, cap * sizeof(*p));

		if (!p)
			return NULL;
		d->procs = p;
		d->procs_cap = cap;
	}
	memset(&d->procs[d->nprocs], 0, sizeof(d->procs[0]));
	d->procs[d->nprocs].tgid = tgid;
	return &d->procs[d->nprocs++];
}

/* New interval: forget exited processes, reset the per-interval figures. */
static void acct_new_interval(struct daemon *d)
{
	size_t i, k = 0;

	for (i = 0; i < d->nprocs; i++) {
		if (kill((pid_t)d->procs[i].tgid, 0) && errno == ESRCH)
			continue;
		d->procs[k] = d->procs[i];
		memset(d->procs[k].hot_pages, 0, sizeof(d->procs[k].hot_pages));
		k++;
	}
	d->nprocs = k;
	d->npages = 0;
}

static int acct_page(struct daemon *d, const struct heat_key *k, const struct heat_val *v)
{
	struct pn_stats_proc *p = proc_acct(d, k->tgid);
	int node = v->node < 0			  ? -1 :
		   v->node >= PAUTONUMA_MAX_NODES ? PAUTONUMA_MAX_NODES - 1 :
						    v->node;

	if (!p)
		return -ENOMEM;
	p->faults += v->faults;
	p->kernel_migrations += v->migrate_ok;
	if (node >= 0)
		p->hot_pages[node]++;
	if (d->npages == PN_STATS_MAX_PAGES)
		return 0;
	if (d->npages == d->pages_cap) {
		size_t cap = d->pages_cap ? d->pages_cap * 2 : 1024;
		struct pn_stats_page *pg = realloc(d->pages, cap * sizeof(*pg));

		if (!pg)
			return -ENOMEM;
		d->pages = pg;
		d->pages_cap = cap;
	}
	d->pages[d->npages++] = (struct pn_stats_page){
		.tgid = k->tgid,
		.node = v->node,
		.addr = k->addr,
		.faults = v->faults > UINT32_MAX ? UINT32_MAX : (uint32_t)v->faults,
	};
	return 0;
}

static int ident_lookup(struct ident_cache *c, const struct filter_entry *f, size_t nf,
			uint32_t tgid, struct proc_ident *out)
{
	size_t i;
	int err;

	for (i = 0; i < c->n; i++)
		if ((uint32_t)c->ids[i].tgid == tgid)
			goto found;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct proc_ident *ids = realloc(c->ids, cap * sizeof(*ids));
		int *e;

		if (!ids)
			return -ENOMEM;
		c->ids = ids;
		e = realloc(c->err, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->err = e;
		c->cap = cap;
	}
	i = c->n++;
	/* The identity the operator attached wins: it is the process meant. */
	for (size_t k = 0; k < nf; k++)
		if (f[k].tgid == tgid) {
			c->ids[i].tgid = tgid;
			c->ids[i].start_time = f[k].val.start_time;
			c->err[i] = 0;
			goto found;
		}
	err = proc_ident_get(tgid, &c->ids[i]);
	c->ids[i].tgid = tgid;
	c->err[i] = err;
found:
	*out = c->ids[i];
	return c->err[i];
}

static int topo_to_policy(struct daemon *d, struct policy_topology *pt)
{
	long kb_per_page = d->page_size / 1024;
	int i, err;

	err = topology_refresh("/sys", &d->topo);
	if (err)
		return err;
	for (i = 0; i < d->topo.nr; i++) {
		d->pnodes[i].node = d->topo.nodes[i].id;
		d->pnodes[i].tier =
			d->topo.nodes[i].tier == TOPO_FAST ? POLICY_TIER_FAST : POLICY_TIER_SLOW;
		d->pnodes[i].capacity_pages = d->topo.nodes[i].total_kb / kb_per_page;
		d->pnodes[i].free_pages = d->topo.nodes[i].free_kb / kb_per_page;
	}
	pt->nodes = d->pnodes;
	pt->nr_nodes = d->topo.nr;
	return 0;
}

int daemon_create(const struct daemon_opts *o, struct daemon **out, FILE *log, char *why,
		  size_t why_len)
{
	struct recovery_stats st;
	struct daemon *d;
	int err, i;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	d->o = *o;
	d->page_size = sysconf(_SC_PAGESIZE);
	policy_plan_init(&d->plan);
	err = topology_read("/sys", &d->topo, why, why_len);
	if (err)
		goto fail;
	if (o->tiers) {
		err = topology_override(&d->topo, o->tiers, why, why_len);
		if (err)
			goto fail;
	}
	if (!topology_count(&d->topo, TOPO_SLOW)) {
		snprintf(why, why_len,
			 "no slow memory tier (nodes: %d, all fast by %s): nothing to manage; "
			 "use --observe-only, or --tiers to name the slow nodes",
			 d->topo.nr, topology_source_name(d->topo.source));
		err = -ENODEV;
		goto fail;
	}
	if (!topology_count(&d->topo, TOPO_FAST)) {
		snprintf(why, why_len, "no fast memory tier: promotions would have nowhere to go");
		err = -ENODEV;
		goto fail;
	}
	fprintf(log, "pautonuma: tiers (%s):", topology_source_name(d->topo.source));
	for (i = 0; i < d->topo.nr; i++)
		fprintf(log, " node%d=%s/%llu MiB", d->topo.nodes[i].id,
			d->topo.nodes[i].tier == TOPO_FAST ? "fast" : "slow",
			(unsigned long long)d->topo.nodes[i].total_kb / 1024);
	fputc('\n', log);

	if (!o->dry_run) {
		err = journal_open(&d->j, o->journal_path, PJ_OPEN_RDWR);
		if (err) {
			why[0] = '\0'; /* journal_open said why */
			goto fail;
		}
		mover_init(&d->m, d->j);
		/* Never start moving on top of a crash that was not resolved. */
		err = recovery_run(&d->m, &st, log);
		if (err) {
			snprintf(why, why_len, "journal %s: recovery failed: %s", o->journal_path,
				 strerror(-err));
			goto fail;
		}
		fprintf(log,
			"pautonuma: journal %s: %zu open batches at start, %zu rolled forward, %zu abandoned\n",
			o->journal_path, st.open, st.rolled_forward, st.abandoned);
	}
	err = policy_create(&o->policy, &d->pol);
	if (err) {
		snprintf(why, why_len, "policy: %s", strerror(-err));
		goto fail;
	}
	*out = d;
	return 0;
fail:
	daemon_destroy(d);
	return err;
}

/* Move one batch of the plan, as runs of contiguous pages, each journaled. */
static void move_batch(struct daemon *d, const struct policy_batch *b)
{
	const struct policy_move *mv = d->plan.moves + b->first;
	struct proc_ident id = { .tgid = b->tgid, .start_time = b->start_time };
	struct batch_result res;
	struct pn_stats_proc *p;
	size_t i = 0, n;
	int err;

	while (i < b->nr) {
		for (n = 1; i + n < b->nr && n < MOVER_MAX_BATCH &&
			    mv[i + n].addr == mv[i].addr + n * d->page_size;
		     n++)
			;
		err = mover_move_batch(&d->m, &id, mv[i].addr, n, b->to_node, &res);
		if (err == -ESRCH && !res.begin_seq) {
			d->t.gone++;
			return; /* exited or recycled: nothing of it is touched */
		}
		if (res.begin_seq)
			d->t.batches++;
		if (b->promote)
			d->t.promoted += res.c.at_dst;
		else
			d->t.demoted += res.c.at_dst;
		p = proc_acct(d, b->tgid);
		if (p && b->promote)
			p->promoted += res.c.at_dst;
		else if (p)
			p->demoted += res.c.at_dst;
		d->t.failed += n - res.c.at_dst;
		i += n;
	}
}

int daemon_cycle(struct daemon *d, const struct observer_maps *m, FILE *out)
{
	struct policy_topology pt;
	struct filter_entry *f = NULL;
	struct heat_key *keys = NULL;
	struct heat_val *vals = NULL;
	uint64_t prom0 = d->t.promoted, dem0 = d->t.demoted, fail0 = d->t.failed;
	size_t n = 0, nf = 0, i, nobs = 0;
	struct proc_ident id;
	int err;

	err = observer_heat_consume(m, &keys, &vals, &n);
	if (err)
		goto out;
	err = observer_filter_list(m, &f, &nf);
	if (err)
		goto out;
	if (n > d->obs_cap) {
		struct policy_obs *o = realloc(d->obs, n * sizeof(*o));

		if (!o) {
			err = -ENOMEM;
			goto out;
		}
		d->obs = o;
		d->obs_cap = n;
	}
	d->ic.n = 0;
	acct_new_interval(d);
	for (i = 0; i < n; i++) {
		err = acct_page(d, &keys[i], &vals[i]);
		if (err)
			goto out;
		if (vals[i].node < 0)
			continue;
		err = ident_lookup(&d->ic, f, nf, keys[i].tgid, &id);
		if (err == -ENOMEM)
			goto out;
		if (err)
			continue; /* gone: its pages are not ours to move */
		d->obs[nobs++] = (struct policy_obs){
			.tgid = keys[i].tgid,
			.node = (uint32_t)vals[i].node,
			.start_time = id.start_time,
			.addr = keys[i].addr,
			/* consumed each cycle: the map holds this interval's faults */
			.faults_delta =
				vals[i].faults > UINT32_MAX ? UINT32_MAX : (uint32_t)vals[i].faults,
		};
	}
	err = topo_to_policy(d, &pt);
	if (err)
		goto out;
	err = policy_plan(d->pol, d->obs, nobs, &pt, &d->plan);
	if (err)
		goto out;
	d->t.cycles++;
	d->t.pingpong += d->plan.c.pingpong;
	if (d->o.dry_run) {
		policy_plan_print(out, &d->plan);
	} else {
		for (i = 0; i < d->plan.nr_batches; i++)
			move_batch(d, &d->plan.batches[i]);
	}
	fprintf(out,
		"plan: %llu pages tracked, %llu hot candidates, promote %llu, demote %llu "
		"(skipped: cooldown %llu, budget %llu, capacity %llu), threshold %.2f, ping-pong %llu",
		(unsigned long long)d->plan.c.tracked, (unsigned long long)d->plan.c.candidates,
		(unsigned long long)d->plan.c.promoted, (unsigned long long)d->plan.c.demoted,
		(unsigned long long)d->plan.c.skipped_cooldown,
		(unsigned long long)d->plan.c.skipped_budget,
		(unsigned long long)d->plan.c.skipped_capacity, d->plan.c.threshold,
		(unsigned long long)d->plan.c.pingpong);
	if (!d->o.dry_run)
		fprintf(out, "; moved: +%llu promoted, +%llu demoted, %llu not moved",
			(unsigned long long)(d->t.promoted - prom0),
			(unsigned long long)(d->t.demoted - dem0),
			(unsigned long long)(d->t.failed - fail0));
	fputc('\n', out);
out:
	free(f);
	free(keys);
	free(vals);
	return err;
}

const struct daemon_totals *daemon_totals(const struct daemon *d)
{
	return &d->t;
}

void daemon_stats(const struct daemon *d, struct pn_stats_header *h,
		  const struct pn_stats_proc **procs, const struct pn_stats_page **pages)
{
	const struct policy_counters *c = &d->plan.c;
	struct timespec ts;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	memset(h, 0, sizeof(*h));
	*h = (struct pn_stats_header){
		.magic = PN_STATS_MAGIC,
		.version = PN_STATS_VERSION,
		.daemon_pid = (uint32_t)getpid(),
		.written_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
		.interval_ms = d->o.policy.interval_ms,
		.cycles = d->t.cycles,
		.promoted = d->t.promoted,
		.demoted = d->t.demoted,
		.failed = d->t.failed,
		.batches = d->t.batches,
		.pingpong = d->t.pingpong,
		.gone = d->t.gone,
		.journal_seq = d->j && d->j->next_seq ? d->j->next_seq - 1 : 0,
		.journal_records = d->j ? d->j->nrecords : 0,
		.journal_open = d->j ? d->j->nopen : 0,
		.budget_pages = c->budget_pages,
		.budget_used = c->promoted + c->demoted,
		.skipped_budget = c->skipped_budget,
		.tracked = c->tracked,
		.candidates = c->candidates,
		.threshold_milli = (uint64_t)llround(c->threshold * 1000),
		.nr_procs = (uint32_t)d->nprocs,
		.nr_pages = (uint32_t)d->npages,
	};
	for (i = 0; i < d->topo.nr && i < PAUTONUMA_MAX_NODES; i++) {
		h->nodes[i].node = (uint32_t)d->pnodes[i].node;
		h->nodes[i].tier = d->pnodes[i].tier;
		h->nodes[i].total_pages = d->pnodes[i].capacity_pages;
		h->nodes[i].free_pages = d->pnodes[i].free_pages;
	}
	h->nr_nodes = (uint32_t)i;
	*procs = d->procs;
	*pages = d->pages;
}

void daemon_destroy(struct daemon *d)
{
	if (!d)
		return;
	policy_destroy(d->pol);
	free(d->obs);
	free(d->procs);
	free(d->pages);
	free(d->ic.ids);
	free(d->ic.err);
	policy_plan_fini(&d->plan);
	journal_close(d->j);
	free(d);
}
