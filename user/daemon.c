// SPDX-License-Identifier: GPL-2.0
/* The tiering daemon's cycle; see daemon.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
};

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
	for (i = 0; i < n; i++) {
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

int daemon_reconfigure(struct daemon *d, const struct policy_config *policy)
{
	int err = policy_reconfigure(d->pol, policy);

	if (!err) {
		d->o.policy = *policy;
		d->o.policy.pids = NULL; /* copied by the policy; the caller's may go */
		d->o.policy.nr_pids = 0;
	}
	return err;
}

const struct daemon_totals *daemon_totals(const struct daemon *d)
{
	return &d->t;
}

void daemon_destroy(struct daemon *d)
{
	if (!d)
		return;
	policy_destroy(d->pol);
	free(d->obs);
	free(d->ic.ids);
	free(d->ic.err);
	policy_plan_fini(&d->plan);
	journal_close(d->j);
	free(d);
}
