// SPDX-License-Identifier: GPL-2.0
/* The tiering daemon's cycle; see daemon.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "journal.h"
#include "log.h"
#include "mover.h"
#include "next_touch.h"
#include "proc_ident.h"
#include "recovery.h"
#include "stats_file.h"
#include "topology.h"
#include "write_sampler.h"

/*
 * Pages per move_pages(2) call: up to one BEGIN per page stays open in the
 * ring until the call returns, so keep it well below any journal's ring.
 */
#define DAEMON_GROUP_PAGES 1024
/*
 * The write-sampling window follows the pages: it is set each interval so
 * that about half of the sampled fast pages are written within it, i.e. it
 * is about their median time between writes. A page written within it is
 * then hotter than half of the fast tier, one not written colder: the
 * policy trades away only the colder half, and only for hotter pages.
 * (Not the policy's latency limit: clear_refs arms every page of the
 * process at once, and where faults are costly the pages are then written
 * in turn, so a window as short as the limit, 10-40 ms in the rig, saw
 * fewer pages written than the fast tier holds hot ones.)
 */
#define SAMPLE_WRITTEN_SHARE 0.5
#define SAMPLE_WINDOW_MIN_MS 1.0

/* Identities of the processes seen in one cycle (few: a linear table). */
struct ident_cache {
	struct proc_ident *ids;
	int *err; /* 0, or -ESRCH for a gone process */
	bool *threaded; /* more than one thread: its fast-tier pages fault too */
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
	size_t obs_cap, nobs;
	struct write_sampler *ws; /* NULL: write sampling off or unsupported */
	struct proc_ident *sampled; /* processes armed this interval */
	size_t nr_sampled, sampled_cap;
	uint64_t fast_mask; /* bit N: node N is fast */
	double window_ms; /* the next write-sampling window; 0 before the first */
	uint64_t moved_until_ns; /* CLOCK_MONOTONIC when the last cycle's moves ended */
	uint64_t scan_ns; /* newest NUMA scan of the observed processes at the last cycle */
	uint64_t call_ns; /* the plan's longest move_pages(2) call, with its journaling */
	uint64_t call_sys_ns; /* of which the kernel's CPU time (system time of the thread) */
	struct daemon_totals t;
	long page_size;
	struct next_touch *nt;
	struct policy_plan nt_plan;
	struct nt_fault *ntf;
	size_t ntf_cap;
	uint64_t addrs[DAEMON_GROUP_PAGES]; /* one group of a batch */
	int status[DAEMON_GROUP_PAGES]; /* and where its pages ended */
	/* published each interval (stats file, metrics) */
	struct pn_stats_proc *procs;
	size_t nprocs, procs_cap;
	struct pn_stats_page *pages;
	size_t npages, pages_cap;
};

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* This thread's system CPU time (tick-grained): where a long call spends itself. */
static uint64_t sys_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
}

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
			uint32_t tgid, struct proc_ident *out, bool *threaded)
{
	size_t i;
	int err;

	for (i = 0; i < c->n; i++)
		if ((uint32_t)c->ids[i].tgid == tgid)
			goto found;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct proc_ident *ids = realloc(c->ids, cap * sizeof(*ids));
		bool *th;
		int *e;

		if (!ids)
			return -ENOMEM;
		c->ids = ids;
		e = realloc(c->err, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->err = e;
		th = realloc(c->threaded, cap * sizeof(*th));
		if (!th)
			return -ENOMEM;
		c->threaded = th;
		c->cap = cap;
	}
	i = c->n++;
	c->threaded[i] = proc_nr_threads((pid_t)tgid) > 1;
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
	if (threaded)
		*threaded = c->threaded[i];
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
		d->pnodes[i].lru_pages = d->topo.nodes[i].lru_kb / kb_per_page;
	}
	pt->nodes = d->pnodes;
	pt->nr_nodes = d->topo.nr;
	return 0;
}

/* /sys/kernel/mm/numa/demotion_enabled: does reclaim demote instead of dropping? */
static bool kernel_demotes(void)
{
	char buf[16] = "";
	FILE *f = fopen("/sys/kernel/mm/numa/demotion_enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == '1' || buf[0] == 'y' || buf[0] == 't';
}

int daemon_create(const struct daemon_opts *o, struct daemon **out, FILE *log, char *why,
		  size_t why_len)
{
	struct recovery_stats st;
	struct policy_config pcfg;
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
	policy_plan_init(&d->nt_plan);
	err = nt_create(&d->nt);
	if (err) {
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
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
		if (err == -EBADFD) {
			why[0] = '\0'; /* the journal said why */
			goto fail;
		}
		if (err) {
			snprintf(why, why_len, "journal %s: recovery failed: %s", o->journal_path,
				 strerror(-err));
			goto fail;
		}
		fprintf(log,
			"pautonuma: journal %s: %zu open batches at start, %zu rolled forward, %zu abandoned\n",
			o->journal_path, st.open, st.rolled_forward, st.abandoned);
	}
	for (i = 0; i < d->topo.nr; i++)
		if (d->topo.nodes[i].tier == TOPO_FAST && d->topo.nodes[i].id < 64)
			d->fast_mask |= 1ull << d->topo.nodes[i].id;
	pcfg = o->policy;
	if (pcfg.write_sample) {
		char wwhy[160];

		err = write_sampler_probe(wwhy, sizeof(wwhy));
		if (!err)
			err = write_sampler_create("/sys", &d->ws, wwhy, sizeof(wwhy));
		if (err) {
			fprintf(log,
				"pautonuma: no write samples of fast-tier pages: %s; the "
				"fast-tier pages of single-threaded processes are judged by "
				"the kernel's reclaim only\n",
				wwhy);
			pcfg.write_sample = 0;
			err = 0;
		}
	}
	if (pcfg.reclaim_promote && !kernel_demotes()) {
		pcfg.reclaim_promote = 0;
		fprintf(log, "pautonuma: the kernel does not demote (numa/demotion_enabled is not "
			     "1): hot pages are promoted only into free room or in exchange for "
			     "pages known to be colder\n");
	}
	err = policy_create(&pcfg, &d->pol);
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

/* Why a page that move_pages(2) left with @status is not where it was sent. */
static enum pn_not_moved not_moved_why(int status)
{
	if (status >= 0)
		return PN_NM_STAYED;
	if (status == -EBUSY || status == -EAGAIN)
		return PN_NM_BUSY;
	if (status == -ENOENT || status == -EFAULT)
		return PN_NM_UNMAPPED;
	if (status == -EACCES)
		return PN_NM_SHARED;
	if (status == -ENOMEM)
		return PN_NM_NOMEM;
	return PN_NM_OTHER; /* or no status: the call failed as a whole */
}

void daemon_not_moved_count(__u64 *why, const int *status, size_t n, int dst)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (status[k] != dst)
			why[not_moved_why(status[k])]++;
}

void daemon_note_unmoved(struct policy *pol, const struct policy_move *mv, const int *status,
			 size_t n, int dst)
{
	uint32_t node;
	size_t k;

	for (k = 0; k < n; k++) {
		if (status[k] == dst || status[k] == MOVER_STATUS_UNSET ||
		    not_moved_why(status[k]) == PN_NM_UNMAPPED)
			continue;
		/*
		 * A node is where it is; an error (busy, shared, ...) left it in
		 * place. A from_node not known (next-touch's UINT32_MAX) is no
		 * node: policy_note_failed() refuses it.
		 */
		node = status[k] >= 0 ? (uint32_t)status[k] : mv[k].from_node;
		policy_note_failed(pol, mv[k].tgid, mv[k].start_time, mv[k].addr, node);
	}
}

/*
 * Move one batch of @moves in groups of pages, one move_pages(2) each,
 * journaled; count into @moved. Returns -EBADFD when the journal became
 * unusable (it said why), else 0.
 */
static int move_batch(struct daemon *d, const struct policy_move *moves,
		      const struct policy_batch *b, uint64_t *moved, FILE *log)
{
	const struct policy_move *mv = moves + b->first;
	struct proc_ident id = { .tgid = b->tgid, .start_time = b->start_time };
	struct batch_result res;
	struct pn_stats_proc *p;
	size_t i = 0, n, k;
	uint64_t t0, s0, dt;
	int err;

	while (i < b->nr) {
		n = b->nr - i < DAEMON_GROUP_PAGES ? b->nr - i : DAEMON_GROUP_PAGES;
		/* plan->moves are sorted by address within a batch. */
		for (k = 0; k < n; k++) {
			d->addrs[k] = mv[i + k].addr;
			d->status[k] = MOVER_STATUS_UNSET;
		}
		t0 = clock_ns(CLOCK_MONOTONIC);
		s0 = sys_ns();
		err = mover_move_pages(&d->m, &id, d->addrs, (uint32_t)n, b->to_node, &res,
				       d->status);
		dt = clock_ns(CLOCK_MONOTONIC) - t0;
		if (dt > d->call_ns) {
			d->call_ns = dt;
			d->call_sys_ns = sys_ns() - s0;
		}
		if (err == -ESRCH && !res.begin_seq) {
			d->t.gone++;
			fprintf(log,
				"pautonuma: pid %u exited or was recycled: %zu moves dropped\n",
				b->tgid, b->nr - i);
			return 0; /* exited or recycled: nothing of it is touched */
		}
		if (err == -EBADFD)
			return err;
		if (err && err != -ESRCH)
			fprintf(log, "pautonuma: moving %zu pages of pid %u to node %u: %s\n", n,
				b->tgid, b->to_node, strerror(-err));
		if (res.begin_seq)
			d->t.batches++;
		*moved += res.c.at_dst;
		p = proc_acct(d, b->tgid);
		if (p && b->promote)
			p->promoted += res.c.at_dst;
		else if (p)
			p->demoted += res.c.at_dst;
		d->t.failed += n - res.c.at_dst;
		daemon_not_moved_count(d->t.why, d->status, n, (int)b->to_node);
		daemon_note_unmoved(d->pol, mv + i, d->status, n, (int)b->to_node);
		i += n;
	}
	return 0;
}

static bool nt_busy(void *ctx, uint32_t tgid, uint64_t addr)
{
	const struct daemon *d = ctx;

	return policy_page_cooling(d->pol, tgid, addr);
}

/*
 * The marks in force for next_touch.c; marks of processes that exited or
 * whose PID now names another process are deleted from the map.
 */
static int nt_load_marks(struct daemon *d, const struct observer_maps *m,
			 const struct filter_entry *f, size_t nf, FILE *out)
{
	struct next_touch_key *mk = NULL;
	struct next_touch_val *mv = NULL;
	struct nt_mark *marks = NULL;
	size_t nm = 0, k = 0, i;
	struct proc_ident id;
	int err;

	err = observer_next_touch_list(m, &mk, &mv, &nm);
	if (err)
		return err;
	if (nm && !(marks = calloc(nm, sizeof(*marks)))) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nm; i++) {
		err = ident_lookup(&d->ic, f, nf, mk[i].tgid, &id, NULL);
		if (err == -ENOMEM)
			goto out;
		if (err || id.start_time != mv[i].start_time) {
			observer_next_touch_del(m, &mk[i]);
			fprintf(out, "next-touch: pid %u %s: mark 0x%llx-0x%llx dropped\n",
				mk[i].tgid, err ? "exited" : "now names another process",
				(unsigned long long)mk[i].start, (unsigned long long)mk[i].end);
			continue;
		}
		marks[k++] = (struct nt_mark){ .tgid = mk[i].tgid,
					       .start_time = mv[i].start_time,
					       .start = mk[i].start,
					       .end = mk[i].end,
					       .mark_ns = mv[i].mark_ns };
	}
	err = nt_set_marks(d->nt, marks, k);
out:
	free(marks);
	free(mk);
	free(mv);
	return err;
}

/*
 * Affinity-on-next-touch (next_touch.h): after the policy's moves, with
 * what is left of the interval's budget, move marked pages to the node of
 * the CPU that touched them, journaled like every move.
 */
static int next_touch_cycle(struct daemon *d, const struct observer_maps *m,
			    const struct heat_key *keys, const struct heat_val *vals, size_t n,
			    const struct filter_entry *f, size_t nf, FILE *out)
{
	uint64_t moved0 = d->t.next_touch, fail0 = d->t.failed, budget = 0;
	__u64 why0[PN_NOT_MOVED_NR];
	char why[PN_NOT_MOVED_LEN];
	const struct topo_node *tn;
	struct nt_counters c;
	struct proc_ident id;
	size_t i, nfault = 0;
	int err;

	if (m->next_touch < 0)
		return 0; /* this observer pinned no next_touch map */
	memcpy(why0, d->t.why, sizeof(why0));
	err = nt_load_marks(d, m, f, nf, out);
	if (err)
		return err;
	if (!nt_nr_marks(d->nt))
		return 0; /* and nt_set_marks() forgot every decision */
	if (n > d->ntf_cap) {
		struct nt_fault *nf2 = realloc(d->ntf, n * sizeof(*nf2));

		if (!nf2)
			return -ENOMEM;
		d->ntf = nf2;
		d->ntf_cap = n;
	}
	for (i = 0; i < n; i++) {
		err = ident_lookup(&d->ic, f, nf, keys[i].tgid, &id, NULL);
		if (err == -ENOMEM)
			return err;
		if (err || !nt_find_mark(d->nt, keys[i].tgid, id.start_time, keys[i].addr))
			continue;
		/* Only to a node this daemon knows (a CPU node with memory). */
		tn = topology_node(&d->topo, vals[i].last_cpu_node);
		d->ntf[nfault++] = (struct nt_fault){
			.tgid = keys[i].tgid,
			.node = vals[i].node,
			.start_time = id.start_time,
			.addr = keys[i].addr,
			.last_ns = vals[i].last_ns,
			.cpu_node = tn ? tn->id : -1,
		};
	}
	if (d->plan.c.budget_pages > d->plan.nr_moves)
		budget = d->plan.c.budget_pages - d->plan.nr_moves;
	err = nt_plan(d->nt, d->ntf, nfault, budget, nt_busy, d, &d->nt_plan, &c);
	if (err)
		return err;
	/*
	 * Like the policy's own moves: the cooldown starts whatever the
	 * outcome (noted first: move_batch() then notes the failed ones).
	 */
	for (i = 0; i < d->nt_plan.nr_moves; i++) {
		const struct policy_move *mv = &d->nt_plan.moves[i];

		tn = topology_node(&d->topo, (int)mv->to_node);
		policy_note_move(d->pol, mv->tgid, mv->start_time, mv->addr, mv->to_node,
				 tn && tn->tier == TOPO_FAST);
	}
	for (i = 0; i < d->nt_plan.nr_batches; i++) {
		const struct policy_batch *b = &d->nt_plan.batches[i];

		fprintf(out, "next-touch: %s pid %u -> node %u: %zu pages from 0x%llx\n",
			d->o.dry_run ? "would move" : "moving", b->tgid, b->to_node, b->nr,
			(unsigned long long)d->nt_plan.moves[b->first].addr);
		if (!d->o.dry_run)
			err = move_batch(d, d->nt_plan.moves, b, &d->t.next_touch, out);
		if (err)
			return err;
	}
	fprintf(out,
		"next-touch: %llu marks, %llu pages decided, %llu already in place, %llu planned "
		"(deferred: budget %llu, cooldown %llu), %llu pending, %llu consumed",
		(unsigned long long)c.marks, (unsigned long long)c.decided,
		(unsigned long long)c.in_place, (unsigned long long)c.planned,
		(unsigned long long)c.deferred_budget, (unsigned long long)c.deferred_busy,
		(unsigned long long)c.pending, (unsigned long long)c.consumed);
	if (!d->o.dry_run)
		fprintf(out, "; moved +%llu, %llu not moved%s",
			(unsigned long long)(d->t.next_touch - moved0),
			(unsigned long long)(d->t.failed - fail0),
			pn_not_moved_str(why, sizeof(why), d->t.why, why0));
	fputc('\n', out);
	return 0;
}

/* Room for one more observation; 0 or -ENOMEM. */
static int obs_reserve(struct daemon *d, size_t more)
{
	size_t cap = d->obs_cap;
	struct policy_obs *o;

	if (d->nobs + more <= cap)
		return 0;
	while (cap < d->nobs + more)
		cap = cap ? cap * 2 : 1024;
	o = realloc(d->obs, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	d->obs = o;
	d->obs_cap = cap;
	return 0;
}

static int add_sampled(struct daemon *d, const struct proc_ident *id)
{
	if (d->nr_sampled == d->sampled_cap) {
		size_t cap = d->sampled_cap ? d->sampled_cap * 2 : 16;
		struct proc_ident *p = realloc(d->sampled, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->sampled = p;
		d->sampled_cap = cap;
	}
	d->sampled[d->nr_sampled++] = *id;
	return 0;
}

struct sample_ctx {
	struct daemon *d;
	const struct proc_ident *id;
	uint64_t written;
};

static int on_sample(void *ctx, uint64_t addr, int node, bool written)
{
	struct sample_ctx *sc = ctx;
	struct daemon *d = sc->d;

	if (obs_reserve(d, 1))
		return -ENOMEM;
	d->obs[d->nobs++] = (struct policy_obs){
		.tgid = (uint32_t)sc->id->tgid,
		.node = (uint32_t)node,
		.start_time = sc->id->start_time,
		.addr = addr,
		.faults_delta = written,
		.flags = POLICY_OBS_SAMPLED,
	};
	sc->written += written;
	return 0;
}

/*
 * The next window from this one's written share: for pages written at one
 * rate r the share is 1 - exp(-r W), so W' = W ln(1 - target) / ln(1 - share)
 * hits the target in one step; at most 2x either way per interval, as the
 * pages have many rates and a share has sampling noise.
 */
static double next_window(double w, uint64_t written, uint64_t pages, double max_ms)
{
	double share = pages ? (double)written / (double)pages : 0, k;

	if (!pages)
		return w;
	if (share <= 0)
		k = 2;
	else if (share >= 1)
		k = 0.5;
	else
		k = log(1 - SAMPLE_WRITTEN_SHARE) / log(1 - share);
	w *= k < 0.5 ? 0.5 : k > 2 ? 2 : k;
	return w < SAMPLE_WINDOW_MIN_MS ? SAMPLE_WINDOW_MIN_MS : w > max_ms ? max_ms : w;
}

/*
 * Write samples of the fast-tier pages of the managed single-threaded
 * processes (the filter's, or with --all those in this interval's heat
 * map): clear their soft-dirty bits, wait the window, read the bits back.
 * Each page becomes one POLICY_OBS_SAMPLED observation. A process that
 * cannot be sampled is skipped; 0 or -ENOMEM.
 */
static int sample_writes(struct daemon *d, const struct filter_entry *f, size_t nf, FILE *out)
{
	double max_ms = d->o.policy.interval_ms / 4.0, window_ms;
	uint64_t pages = 0, written = 0, c0;
	struct timespec ts;
	size_t i, n = nf ? nf : d->ic.n;
	int err;

	d->nr_sampled = 0;
	c0 = cpu_ns();
	for (i = 0; i < n; i++) {
		struct proc_ident id;

		if (nf) {
			id.tgid = (pid_t)f[i].tgid;
			id.start_time = f[i].val.start_time;
		} else {
			if (d->ic.err[i] || d->ic.threaded[i])
				continue;
			id = d->ic.ids[i];
		}
		if (policy_pid_excluded(d->pol, (uint32_t)id.tgid) || proc_nr_threads(id.tgid) != 1)
			continue; /* several threads: the scanner arms its fast pages */
		err = write_sampler_arm(d->ws, &id);
		if (err == -EOPNOTSUPP || err == -EACCES || err == -EPERM) {
			log_warn("write samples: pid %d: %s; sampling off", (int)id.tgid,
				 strerror(-err));
			write_sampler_destroy(d->ws);
			d->ws = NULL;
			return 0;
		}
		if (err)
			continue; /* gone or recycled */
		err = add_sampled(d, &id);
		if (err)
			return err;
	}
	d->t.cpu_clear_ns += cpu_ns() - c0;
	if (!d->nr_sampled)
		return 0;
	if (!d->window_ms)
		d->window_ms = max_ms / 2.5;
	window_ms = d->window_ms > max_ms ? max_ms : d->window_ms;
	ts.tv_sec = (time_t)(window_ms / 1000);
	ts.tv_nsec = (long)((window_ms - ts.tv_sec * 1000.0) * 1e6);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		; /* a signal: the loop sees it after this cycle */
	for (i = 0; i < d->nr_sampled; i++) {
		struct sample_ctx sc = { .d = d, .id = &d->sampled[i] };
		size_t nobs0 = d->nobs;
		long r = write_sampler_read(d->ws, &d->sampled[i], d->fast_mask, on_sample, &sc);

		if (r == -ENOMEM)
			return -ENOMEM;
		if (r < 0) {
			d->nobs = nobs0; /* a process gone half-way: none of its samples */
			continue;
		}
		pages += (uint64_t)r;
		written += sc.written;
	}
	d->t.sampled += pages;
	fprintf(out, "write samples: %zu processes, %llu fast pages, %llu written in %.1f ms\n",
		d->nr_sampled, (unsigned long long)pages, (unsigned long long)written, window_ms);
	d->window_ms = next_window(window_ms, written, pages, max_ms);
	return 0;
}

int daemon_cycle(struct daemon *d, const struct observer_maps *m, const struct heat_batch *heat,
		 FILE *out)
{
	struct policy_topology pt;
	struct filter_entry *f = NULL;
	const struct heat_key *keys = heat->keys;
	const struct heat_val *vals = heat->vals;
	uint64_t prom0 = d->t.promoted, dem0 = d->t.demoted, fail0 = d->t.failed;
	uint64_t cpu0 = cpu_ns(), cpu1, cpu2, scan;
	__u64 why0[PN_NOT_MOVED_NR];
	char why[PN_NOT_MOVED_LEN], chance[POLICY_CHANCE_LEN];
	size_t n = heat->n, nf = 0, i;
	struct proc_ident id;
	bool threaded = false;
	int err;

	memcpy(why0, d->t.why, sizeof(why0));
	err = observer_filter_list(m, &f, &nf);
	if (err)
		goto out;
	d->call_ns = d->call_sys_ns = 0;
	/* No scan times (no scan hook): as if every interval had its pass. */
	scan = filter_newest_scan(f, nf);
	policy_note_pass(d->pol, !scan || scan > d->scan_ns);
	d->scan_ns = scan;
	d->nobs = 0;
	err = obs_reserve(d, n);
	if (err)
		goto out;
	d->ic.n = 0;
	acct_new_interval(d);
	for (i = 0; i < n; i++) {
		err = acct_page(d, &keys[i], &vals[i]);
		if (err)
			goto out;
		if (vals[i].node < 0)
			continue;
		err = ident_lookup(&d->ic, f, nf, keys[i].tgid, &id, &threaded);
		if (err == -ENOMEM)
			goto out;
		if (err)
			continue; /* gone: its pages are not ours to move */
		d->obs[d->nobs++] = (struct policy_obs){
			.tgid = keys[i].tgid,
			.node = (uint32_t)vals[i].node,
			.start_time = id.start_time,
			.addr = keys[i].addr,
			/* the batch holds only this interval's faults */
			.faults_delta =
				vals[i].faults > UINT32_MAX ? UINT32_MAX : (uint32_t)vals[i].faults,
			.latency_us = vals[i].lat_faults ? vals[i].lat_min_us : 0,
			.latency_max_us =
				vals[i].lat_faults == vals[i].faults ? vals[i].lat_max_us : 0,
			.flags = (threaded ? POLICY_OBS_FAST_SCANNED : 0) |
				 (vals[i].last_ns <= d->moved_until_ns ? POLICY_OBS_STALE_NODE : 0),
		};
	}
	if (d->ws && policy_sample_due(d->pol)) {
		uint64_t c0 = cpu_ns();

		err = sample_writes(d, f, nf, out);
		d->t.cpu_sample_ns += cpu_ns() - c0;
		if (err)
			goto out;
	}
	err = topo_to_policy(d, &pt);
	if (err)
		goto out;
	err = policy_plan(d->pol, d->obs, d->nobs, &pt, &d->plan);
	if (err)
		goto out;
	d->t.cycles++;
	d->t.pingpong += d->plan.c.pingpong;
	d->t.reverted += d->plan.c.reverted;
	cpu1 = cpu_ns();
	if (d->o.dry_run) {
		policy_plan_print(out, &d->plan);
	} else {
		for (i = 0; i < d->plan.nr_batches && !err; i++) {
			const struct policy_batch *b = &d->plan.batches[i];

			err = move_batch(d, d->plan.moves, b,
					 b->promote ? &d->t.promoted : &d->t.demoted, out);
		}
		/* the clock of bpf_ktime_get_ns(), which stamps the faults */
		if (d->plan.nr_batches)
			d->moved_until_ns = clock_ns(CLOCK_MONOTONIC);
		if (err)
			goto out;
	}
	cpu2 = cpu_ns();
	fprintf(out,
		"plan: %llu pages tracked, %llu hot candidates (%s), promote %llu, "
		"demote %llu (skipped: cooldown %llu, budget %llu, capacity %llu), threshold %.2f, "
		"ping-pong %llu (%llu wasted), "
		"%llu hot of %llu fast room, hot latency %.1f ms (cold pass %.4f), %llu promotions by reclaim, "
		"%llu reverted by reclaim, promotions at cooldown's end %llu hot / %llu not, "
		"sampled hot fast pages %llu silent / %llu",
		(unsigned long long)d->plan.c.tracked, (unsigned long long)d->plan.c.candidates,
		policy_chance_str(chance, sizeof(chance), d->plan.c.chance),
		(unsigned long long)d->plan.c.promoted, (unsigned long long)d->plan.c.demoted,
		(unsigned long long)d->plan.c.skipped_cooldown,
		(unsigned long long)d->plan.c.skipped_budget,
		(unsigned long long)d->plan.c.skipped_capacity, d->plan.c.threshold,
		(unsigned long long)d->plan.c.pingpong,
		(unsigned long long)d->plan.c.pingpong_wasted,
		(unsigned long long)d->plan.c.hot_pages, (unsigned long long)d->plan.c.fast_room,
		d->plan.c.hot_latency_ms, d->plan.c.cold_pass,
		(unsigned long long)d->plan.c.displaced, (unsigned long long)d->plan.c.reverted,
		(unsigned long long)d->plan.c.confirmed, (unsigned long long)d->plan.c.unconfirmed,
		(unsigned long long)d->plan.c.sampled_hot_silent,
		(unsigned long long)d->plan.c.sampled_hot);
	if (d->plan.c.repeat_share >= 0 && d->plan.c.repeat_avg >= 0)
		fprintf(out, ", early again %.2f (average %.2f)", d->plan.c.repeat_share,
			d->plan.c.repeat_avg);
	else if (d->plan.c.repeat_share >= 0)
		fprintf(out, ", early again %.2f (the first)", d->plan.c.repeat_share);
	if (d->plan.c.phase_change)
		fputs(d->plan.c.change_lowered ?
			      ", phase change (threshold and limit reset, threshold lowered)" :
			      ", phase change (threshold and limit reset)",
		      out);
	if (d->plan.c.change_denied)
		fputs(", phase change denied (the fast tier's hot pages still written)", out);
	if (d->plan.c.no_pass)
		fputs(", no new scan pass (limit stands)", out);
	if (d->plan.c.stalled)
		fputs(", faults all late (stalled: limit stands, none judged late)", out);
	if (!d->o.dry_run)
		fprintf(out, "; moved: +%llu promoted, +%llu demoted, %llu not moved%s",
			(unsigned long long)(d->t.promoted - prom0),
			(unsigned long long)(d->t.demoted - dem0),
			(unsigned long long)(d->t.failed - fail0),
			pn_not_moved_str(why, sizeof(why), d->t.why, why0));
	d->t.cpu_ns += cpu_ns() - cpu0;
	d->t.cpu_move_ns += cpu2 - cpu1;
	fprintf(out, "; cycle CPU %.1f ms (moves %.1f ms; longest call %.1f ms, %.0f ms system)\n",
		(cpu_ns() - cpu0) / 1e6, (cpu2 - cpu1) / 1e6, d->call_ns / 1e6,
		d->call_sys_ns / 1e6);
	err = next_touch_cycle(d, m, keys, vals, n, f, nf, out);
out:
	free(f);
	return err;
}

int daemon_meta_node(const struct daemon *d)
{
	const struct topo_node *best = NULL;
	int i;

	for (i = 0; i < d->topo.nr; i++) {
		const struct topo_node *n = &d->topo.nodes[i];

		if (n->tier == TOPO_SLOW && (!best || n->free_kb > best->free_kb))
			best = n;
	}
	return best ? best->id : -1;
}

int daemon_reconfigure(struct daemon *d, const struct policy_config *policy)
{
	struct policy_config pcfg = *policy;
	int err;

	/* As at start: reclaim cannot make room where the kernel does not demote. */
	if (pcfg.reclaim_promote && !kernel_demotes())
		pcfg.reclaim_promote = 0;
	if (!d->ws)
		pcfg.write_sample = 0; /* off since the start: unsupported or not asked for */
	err = policy_reconfigure(d->pol, &pcfg);
	if (!err) {
		d->o.policy = pcfg;
		d->o.policy.pids = NULL; /* copied by the policy; the caller's may go */
		d->o.policy.nr_pids = 0;
	}
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
	memcpy(h->not_moved, d->t.why, sizeof(h->not_moved));
	*procs = d->procs;
	*pages = d->pages;
}

void daemon_destroy(struct daemon *d)
{
	if (!d)
		return;
	policy_destroy(d->pol);
	nt_destroy(d->nt);
	policy_plan_fini(&d->nt_plan);
	free(d->ntf);
	free(d->obs);
	write_sampler_destroy(d->ws);
	free(d->sampled);
	free(d->procs);
	free(d->pages);
	free(d->ic.ids);
	free(d->ic.err);
	free(d->ic.threaded);
	policy_plan_fini(&d->plan);
	if (d->j) /* else the mover was never set up */
		mover_fini(&d->m);
	journal_close(d->j);
	free(d);
}
