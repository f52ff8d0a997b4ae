// SPDX-License-Identifier: GPL-2.0
/*
 * The placement policy (see policy.h for the model and the defaults).
 *
 * State is one open-addressing hash table of tracked pages keyed by
 * {tgid, page}. Why not a library table: Debian's candidates (GLib's
 * GHashTable, uthash) store one separately allocated key or node per entry,
 * i.e. a million mallocs and a pointer chase per lookup at our size, and a
 * new build dependency; the key here is fixed-size and the only operations
 * are lookup-or-insert, a full scan and delete during that scan. So: linear
 * probing over a power-of-two array of 32-byte entries, load factor <= 1/2
 * (grown by doubling up to 2 x max_tracked slots), deletion by backward shift (no tombstones, so
 * probe lengths do not grow with churn), hashing by a 64-bit multiply-xorshift
 * mix of both key halves.
 *
 * One interval (policy_plan):
 *  1. observations: lookup-or-insert, decay once, add the faults;
 *  2. one scan of the table: decay pages not observed, evict pages not seen
 *     for evict_after intervals, keep in bounded heaps the `budget` hottest
 *     promotion candidates and, per fast node, the `budget` coldest pages;
 *  3. spend the budget: watermark demotions first (they keep the fast tier
 *     allocatable, a duty the kernel no longer does once its demotion is
 *     off), then promotions hottest first, each into free room below the
 *     high watermark, or in exchange for a demotion of a colder page;
 *  4. sort the moves into per-(process, destination) batches and update the
 *     threshold from the ping-pong seen.
 * Equally hot pages are taken in table order: the layout is a function of the
 * inputs so far, so the same inputs give the same plans, and ties spread over
 * processes instead of always falling on the lowest pid.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "page_hash.h"

/* Hotness is fixed point, 1/256 fault: integer arithmetic keeps plans reproducible. */
#define HOT_SHIFT 8
#define HOT_ONE (1u << HOT_SHIFT)
#define HOT_MAX (1u << 30)
#define DECAY_SHIFT 16
/* Initial table; it doubles as pages come, up to 2 x max_tracked slots. */
#define TABLE_MIN_SLOTS 1024
#define LAT_MIN_US 100 /* latency limit floor: below it, timer noise */
/* The share of the fast tier's room called hot: at most 1/2, at least 1/16. */
/* Share of cold pages the latency limit lets pass, 1/COLD_PASS_ONE units. */
#define COLD_PASS_ONE 1024u
#define COLD_PASS_MAX 164u /* 16% */
#define COLD_PASS_MIN 82u /* 8%: see policy_plan() */
/* Wasted promotions in an interval below which the threshold is not raised. */
#define PINGPONG_NOISE 8
#define CHANCE_SHARE 2.0 /* candidates within twice chance's: see chance_only() */
#define CHANCE_AFTER 2 /* scan passes after a phase change seen: see chance_only() */
#define CHANCE_PASSES 10 /* passes of history chance_candidates() follows */
#define LAT_MIN_FAULTS 64 /* fewer latencies in an interval: the limit stands */
/*
 * Promotions of 1/BURST_SHARE of the fast tier's room for managed pages in
 * an interval are a burst: a phase change seen within BURST_AFTER intervals
 * of it keeps the threshold (note_repeats()). In the rig the room is ~18000
 * pages: a burst is 1125 and more, above the settled phase's 600-950.
 */
#define BURST_SHARE 16
#define BURST_AFTER 2
/*
 * Shares measured before a phase change may lower the threshold: the run's
 * first hot set forming is a change from nothing (note_repeats()).
 */
#define SETTLE_SHARES 3
/*
 * A phase change is believed only within QUIET_WITHIN intervals of the fast
 * tier's sampled hot pages falling silent, half of them at once, where
 * samples know QUIET_MIN_HOT such pages (fast_quiet()).
 */
#define QUIET_WITHIN 4
#define QUIET_MIN_HOT 64

enum { DIR_NONE = 0, DIR_PROMOTE = 1, DIR_DEMOTE = 2 };

struct pentry {
	uint64_t vpn : 50; /* addr >> page_shift (57-bit addresses: 45 bits) */
	uint64_t fast_seen : 1; /* hint faults seen while on its (fast) node */
	/*
	 * Since its last move it was seen hot on the fast tier, by evidence
	 * from there (twice the base threshold): demoting it when it cools is
	 * following the workload, not a promotion wasted on a lukewarm page.
	 */
	uint64_t proven : 1;
	uint64_t node : 10; /* node last seen or planned */
	uint64_t dir : 2; /* direction of the last planned move */
	uint64_t start_time;
	uint32_t tgid; /* 0: empty slot; tgid 0 is never a user process */
	uint32_t hot; /* 1/256 faults */
	uint32_t last_seen; /* interval of the last observation */
	uint32_t last_move; /* interval of the last planned move */
};

_Static_assert(sizeof(struct pentry) == 32, "two entries per cache line");

/* A selected page, copied out of the table so that heaps compare in cache. */
struct cand {
	uint32_t hot;
	uint32_t tgid;
	uint64_t vpn;
	uint32_t idx; /* slot; stable until the next policy_plan() */
	uint32_t node;
};

struct pid_slot {
	struct policy_pid_config cfg;
	uint32_t thr; /* own threshold, hot units; 0 = global */
	uint32_t used; /* moves this interval */
};

struct policy {
	struct policy_config cfg; /* cfg.pids is not kept: see pids */
	struct pid_slot *pids; /* sorted by tgid */
	size_t nr_pids;

	struct pentry *slots;
	uint64_t mask;
	size_t count;

	uint32_t now;
	uint32_t page_shift;
	uint32_t decay_mul; /* decay << DECAY_SHIFT */
	uint32_t thr_base, thr_raise, thr_max, raise_step, relax_step;
	uint32_t settle_raise; /* the raise's floor until a change, even denied (policy_plan()) */
	uint32_t budget; /* pages per interval */
	uint64_t pingpong_total;
	uint32_t lat_us, lat_max_us; /* hot latency limit now and configured; 0 = off */
	bool lat_known; /* the limit was set from faults once */
	bool no_pass; /* policy_note_pass(): this interval holds no new scan pass */
	bool stalled; /* the last interval with a limit to set was a stall */
	uint32_t repeat_n; /* shares measured: repeat_share is known from 1, SETTLE_SHARES */
	bool repeat_fired; /* the last interval with a share to compare saw a change */
	bool share_held; /* the last share was a denied change's: repeat_share left as it was */
	uint32_t change_at; /* interval of the last phase change seen */
	uint32_t passes; /* scan passes read for a share (note_repeats()) */
	uint32_t change_pass; /* passes at the last phase change seen */
	uint32_t burst_at; /* interval of the last burst of promotions (BURST_SHARE) */
	uint32_t quiet_at; /* interval the fast tier's sampled hot pages last fell silent */
	uint32_t sampled_at; /* interval of the last write samples */
	uint32_t hot_sampled_at; /* ... that knew QUIET_MIN_HOT hot fast pages (fast_quiet()) */
	uint32_t denied_at; /* interval of the last phase change denied */
	bool change_lowers; /* it lowers the slow tier's threshold (scan_table()) */
	double repeat_share; /* of the early slow pages, those early before: average */
	uint32_t cold_pass; /* of the cold pages the latency limit lets pass */
	uint32_t *lat_buf; /* this interval's latencies, then its background's, for the limit */
	size_t lat_cap; /* in observations: lat_buf holds twice as many */

	struct cand *prom; /* heap, then sorted hottest first */
	size_t nr_prom;
	struct cand *dem; /* nr_fast heaps of `budget`, then sorted coldest first */
	size_t *nr_dem;
	size_t dem_nodes; /* fast nodes dem/nr_dem have room for */
};

/* Per-interval view of the topology, indexed by position in policy_topology. */
struct node_acct {
	uint32_t node;
	enum policy_tier tier;
	int fast_idx; /* index of its demotion heap, fast nodes only */
	uint64_t cap, free, used, high, low;
	uint64_t lru; /* pages reclaim can take (policy_node.lru_pages, else used) */
	uint64_t in, out;
	uint64_t tracked; /* managed pages seen on this node */
	uint64_t displaced; /* promotions planned here beyond its free room */
};

static uint32_t to_hot(double faults)
{
	double v = faults * HOT_ONE;

	if (v <= 0)
		return 0;
	if (v >= HOT_MAX)
		return HOT_MAX;
	return (uint32_t)llround(v);
}

static double from_hot(uint32_t hot)
{
	return (double)hot / HOT_ONE;
}

static inline uint32_t decay_once(const struct policy *pol, uint32_t hot)
{
	return (uint32_t)(((uint64_t)hot * pol->decay_mul) >> DECAY_SHIFT);
}

void policy_config_default(struct policy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = 1000;
	cfg->page_size = 4096;
	cfg->decay = 0.875;
	cfg->promote_threshold = 2.0;
	cfg->high_wmark = 0.90;
	cfg->low_wmark = 0.80;
	cfg->max_mbps = 256;
	cfg->max_pages = 65536;
	cfg->cooldown = 8;
	cfg->pingpong_window = 16;
	cfg->pingpong_raise = 0.5;
	cfg->threshold_max = 8.0;
	cfg->threshold_relax = 0.25;
	cfg->max_tracked = 1u << 20;
	cfg->evict_after = 128;
	cfg->hot_latency_ms = 1000;
	cfg->hot_latency_auto = 1;
	cfg->reclaim_promote = 1;
	cfg->demote_idle = 0;
	cfg->write_sample = 2;
}

/*
 * The scalar settings by name, for the configuration file and --set: a new
 * setting is one line here. interval_ms is not one: it is the daemon's
 * interval (run --interval, [daemon] interval), set by the daemon.
 */
/* One key per line reads better than what clang-format makes of it. */
/* clang-format off */
#define U32(f, live) { #f, POLICY_KEY_U32, offsetof(struct policy_config, f), live }
#define DBL(f) { #f, POLICY_KEY_DOUBLE, offsetof(struct policy_config, f), true }
static const struct policy_config_key cfg_keys[] = {
	U32(page_size, false),	/* hotness is kept per page of this size */
	DBL(decay),
	DBL(promote_threshold),
	DBL(high_wmark),
	DBL(low_wmark),
	U32(max_mbps, true),
	U32(max_pages, true),
	U32(cooldown, true),
	U32(pingpong_window, true),
	DBL(pingpong_raise),
	DBL(threshold_max),
	DBL(threshold_relax),
	U32(max_tracked, true),
	U32(evict_after, true),
	DBL(hot_latency_ms),
	U32(hot_latency_auto, true),
	U32(reclaim_promote, true),
	U32(demote_idle, true),
	U32(write_sample, true),
};
#undef U32
#undef DBL
/* clang-format on */

const struct policy_config_key *policy_config_keys(size_t *nr)
{
	*nr = sizeof(cfg_keys) / sizeof(cfg_keys[0]);
	return cfg_keys;
}

int policy_config_set(struct policy_config *cfg, const char *key, const char *value)
{
	size_t i;
	char *end;

	if (!cfg || !key || !value)
		return -EINVAL;
	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		const struct policy_config_key *k = &cfg_keys[i];
		void *field = (char *)cfg + k->off;

		if (strcmp(k->name, key))
			continue;
		errno = 0;
		if (k->type == POLICY_KEY_U32) {
			unsigned long long v;

			/* strtoull takes "-1" as a huge number: refuse signs outright. */
			if (!*value || *value == '-' || *value == '+' || *value == ' ')
				return -EINVAL;
			v = strtoull(value, &end, 10);
			if (errno || *end || v > UINT32_MAX)
				return -EINVAL;
			*(uint32_t *)field = (uint32_t)v;
		} else {
			double v = strtod(value, &end);

			if (errno || end == value || *end || !isfinite(v))
				return -EINVAL;
			*(double *)field = v;
		}
		return 0;
	}
	return -ENOENT;
}

void policy_config_print(FILE *f, const struct policy_config *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		const struct policy_config_key *k = &cfg_keys[i];
		const void *field = (const char *)cfg + k->off;

		if (k->type == POLICY_KEY_U32)
			fprintf(f, "%s=%u\n", k->name, *(const uint32_t *)field);
		else
			fprintf(f, "%s=%.17g\n", k->name, *(const double *)field);
	}
	for (i = 0; i < cfg->nr_pids; i++) {
		const struct policy_pid_config *p = &cfg->pids[i];

		fprintf(f, "pid %u: exclude=%d promote_threshold=%g max_pages=%u\n", p->tgid,
			p->exclude, p->promote_threshold, p->max_pages);
	}
}

static int pid_cmp(const void *a, const void *b)
{
	const struct pid_slot *x = a, *y = b;

	return x->cfg.tgid < y->cfg.tgid ? -1 : x->cfg.tgid > y->cfg.tgid;
}

static struct pid_slot *pid_find(const struct policy *pol, uint32_t tgid)
{
	size_t lo = 0, hi = pol->nr_pids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pol->pids[mid].cfg.tgid == tgid)
			return &pol->pids[mid];
		if (pol->pids[mid].cfg.tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Pages per interval: max_pages, or less when max_mbps says so. -EINVAL below one. */
static int config_budget(const struct policy_config *cfg, uint64_t *budget)
{
	uint64_t mb_pages;

	*budget = cfg->max_pages;
	if (cfg->max_mbps && cfg->page_size) {
		mb_pages = (uint64_t)cfg->max_mbps * (1u << 20) / cfg->page_size *
			   cfg->interval_ms / 1000;
		if (mb_pages < *budget)
			*budget = mb_pages;
	}
	return *budget ? 0 : -EINVAL;
}

#define INVALID(k, why)     \
	do {                \
		*key = k;   \
		return why; \
	} while (0)

const char *policy_config_invalid(const struct policy_config *cfg, const char **key)
{
	uint64_t budget;

	*key = NULL;
	if (!cfg->interval_ms)
		INVALID("interval_ms", "must be > 0");
	if (cfg->page_size < 1024 || (cfg->page_size & (cfg->page_size - 1)))
		INVALID("page_size", "must be a power of two >= 1024");
	/* !(x > 0) also rejects NaN. */
	if (!(cfg->decay > 0) || cfg->decay > 1)
		INVALID("decay", "must be in (0, 1]");
	if (!(cfg->promote_threshold > 0))
		INVALID("promote_threshold", "must be > 0");
	if (!(cfg->threshold_max >= cfg->promote_threshold))
		INVALID("threshold_max", "must be >= promote_threshold");
	if (cfg->threshold_max > (double)(HOT_MAX / HOT_ONE))
		INVALID("threshold_max", "too large (at most 4194304 faults)");
	if (!(cfg->low_wmark >= 0))
		INVALID("low_wmark", "must be >= 0");
	if (!(cfg->high_wmark > cfg->low_wmark) || cfg->high_wmark > 1)
		INVALID("high_wmark", "must be > low_wmark and <= 1");
	if (!(cfg->pingpong_raise >= 0))
		INVALID("pingpong_raise", "must be >= 0");
	if (!(cfg->threshold_relax >= 0))
		INVALID("threshold_relax", "must be >= 0");
	if (cfg->pingpong_window < cfg->cooldown)
		INVALID("pingpong_window", "must be >= cooldown");
	if (!cfg->max_pages || cfg->max_pages > (1u << 24))
		INVALID("max_pages", "must be in 1..16777216");
	if (!cfg->max_tracked || cfg->max_tracked > (1u << 28))
		INVALID("max_tracked", "must be in 1..268435456");
	if (!cfg->evict_after)
		INVALID("evict_after", "must be > 0");
	if (!(cfg->hot_latency_ms >= 0) || cfg->hot_latency_ms > 3600e3)
		INVALID("hot_latency_ms", "must be in 0..3600000 (0: every fault counts)");
	if (cfg->hot_latency_auto > 1)
		INVALID("hot_latency_auto", "must be 0 or 1");
	if (cfg->reclaim_promote > 1)
		INVALID("reclaim_promote", "must be 0 or 1");
	if (cfg->demote_idle > 1)
		INVALID("demote_idle", "must be 0 or 1");
	if (cfg->write_sample > POLICY_SAMPLE_EVERY_MAX)
		INVALID("write_sample", "must be 0 (off) or 1..16 (every N intervals)");
	/* A budget below one page would never move anything: say so now. */
	if (config_budget(cfg, &budget))
		INVALID("max_mbps", "gives a budget below one page per interval");
	return NULL;
}
#undef INVALID

static int config_check(const struct policy_config *cfg, uint64_t *budget)
{
	const char *key;

	if (policy_config_invalid(cfg, &key))
		return -EINVAL;
	return config_budget(cfg, budget);
}

int policy_set_pids(struct policy *pol, const struct policy_pid_config *pids, size_t nr)
{
	struct pid_slot *slots = NULL;
	size_t i;

	if (!pol || (nr && !pids))
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (!pids[i].tgid || !(pids[i].promote_threshold >= 0) ||
		    pids[i].promote_threshold > (double)(HOT_MAX / HOT_ONE))
			return -EINVAL;
	if (nr) {
		slots = calloc(nr, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		slots[i].cfg = pids[i];
		slots[i].thr = to_hot(pids[i].promote_threshold);
	}
	if (nr)
		qsort(slots, nr, sizeof(*slots), pid_cmp);
	for (i = 1; i < nr; i++)
		if (slots[i].cfg.tgid == slots[i - 1].cfg.tgid) {
			free(slots);
			return -EINVAL;
		}
	free(pol->pids);
	pol->pids = slots;
	pol->nr_pids = nr;
	return 0;
}

/*
 * The raise that asks a page for one more early pass in a row than the
 * threshold does: halfway from the heat of the passes in a row that reach
 * the threshold to that of one more (2.64 and 3.31 faults with the
 * defaults), within threshold_max. 0 if passes in a row never reach it.
 */
static uint32_t one_more_pass(const struct policy *pol)
{
	uint32_t run = 0, next, raise;
	int n;

	for (n = 0; n < 64 && run < pol->thr_base; n++)
		run = decay_once(pol, run) + HOT_ONE;
	if (run < pol->thr_base)
		return 0;
	next = decay_once(pol, run) + HOT_ONE;
	raise = run + (next - run) / 2 - pol->thr_base;
	return pol->thr_base + raise > pol->thr_max ? pol->thr_max - pol->thr_base : raise;
}

/* The settings and what is derived from them; the caller checked them. */
static void set_scalars(struct policy *pol, const struct policy_config *cfg, uint64_t budget)
{
	pol->cfg = *cfg;
	pol->cfg.pids = NULL;
	pol->cfg.nr_pids = 0;
	pol->budget = (uint32_t)budget;
	pol->decay_mul = (uint32_t)llround(cfg->decay * (1u << DECAY_SHIFT));
	pol->thr_base = to_hot(cfg->promote_threshold);
	pol->thr_max = to_hot(cfg->threshold_max);
	pol->raise_step = to_hot(cfg->pingpong_raise);
	pol->relax_step = to_hot(cfg->threshold_relax);
	/* The latency limit adapts (state): keep it, within the new setting. */
	pol->lat_max_us = (uint32_t)llround(cfg->hot_latency_ms * 1000);
	if (!pol->lat_us || pol->lat_us > pol->lat_max_us)
		pol->lat_us = pol->lat_max_us;
	/* So is a settled phase's pass more: kept, for the new threshold. */
	if (pol->settle_raise)
		pol->settle_raise = one_more_pass(pol);
	if (pol->thr_raise < pol->settle_raise)
		pol->thr_raise = pol->settle_raise;
	/* The ping-pong raise is state; keep it, within the new maximum. */
	if (pol->thr_base + pol->thr_raise > pol->thr_max)
		pol->thr_raise = pol->thr_max - pol->thr_base;
}

int policy_reconfigure(struct policy *pol, const struct policy_config *cfg)
{
	struct cand *prom;
	uint64_t budget;
	int err;

	if (!pol || !cfg)
		return -EINVAL;
	err = config_check(cfg, &budget);
	if (err)
		return err;
	if (cfg->page_size != pol->cfg.page_size)
		return -EINVAL; /* tracked pages are keyed by page number */
	prom = calloc(budget, sizeof(*prom));
	if (!prom)
		return -ENOMEM;
	err = policy_set_pids(pol, cfg->pids, cfg->nr_pids);
	if (err) {
		free(prom);
		return err;
	}
	/* Candidate heaps are rebuilt every interval: resized, not carried over. */
	free(pol->prom);
	pol->prom = prom;
	pol->nr_prom = 0;
	free(pol->dem);
	free(pol->nr_dem);
	pol->dem = NULL;
	pol->nr_dem = NULL;
	pol->dem_nodes = 0;
	set_scalars(pol, cfg, budget);
	return 0;
}

int policy_create(const struct policy_config *cfg, struct policy **out)
{
	struct policy *pol = NULL;
	uint64_t budget, nslots = 16;
	int err;

	*out = NULL;
	err = config_check(cfg, &budget);
	if (err)
		return err;

	pol = calloc(1, sizeof(*pol));
	if (!pol)
		return -ENOMEM;
	pol->cold_pass = COLD_PASS_MAX;
	set_scalars(pol, cfg, budget);
	pol->page_shift = (uint32_t)__builtin_ctz(cfg->page_size);

	/* Start small: the scan costs what the table spans, see table_fit(). */
	while (nslots < 2ull * cfg->max_tracked && nslots < TABLE_MIN_SLOTS)
		nslots <<= 1;
	pol->slots = calloc(nslots, sizeof(*pol->slots));
	if (!pol->slots) {
		err = -ENOMEM;
		goto cleanup;
	}
	pol->mask = nslots - 1;

	pol->prom = calloc(budget, sizeof(*pol->prom));
	if (!pol->prom) {
		err = -ENOMEM;
		goto cleanup;
	}

	err = policy_set_pids(pol, cfg->pids, cfg->nr_pids);
	if (err)
		goto cleanup;

	*out = pol;
	return 0;

cleanup:
	policy_destroy(pol);
	return err;
}

void policy_destroy(struct policy *pol)
{
	if (!pol)
		return;
	free(pol->lat_buf);
	free(pol->nr_dem);
	free(pol->dem);
	free(pol->prom);
	free(pol->pids);
	free(pol->slots);
	free(pol);
}

size_t policy_tracked(const struct policy *pol)
{
	return pol ? pol->count : 0;
}

bool policy_pid_excluded(const struct policy *pol, uint32_t tgid)
{
	const struct pid_slot *ps = pol->nr_pids ? pid_find(pol, tgid) : NULL;

	return ps && ps->cfg.exclude;
}

static long table_find(const struct policy *pol, uint32_t tgid, uint64_t vpn)
{
	uint64_t i = page_hash(tgid, vpn) & pol->mask;
	const struct pentry *e;

	for (;; i = (i + 1) & pol->mask) {
		e = &pol->slots[i];
		if (!e->tgid)
			return -1;
		if (e->tgid == tgid && e->vpn == vpn)
			return (long)i;
	}
}

int policy_page_hotness(const struct policy *pol, uint32_t tgid, uint64_t addr, double *hot)
{
	long i;

	if (!pol || !tgid)
		return -ENOENT;
	i = table_find(pol, tgid, addr >> pol->page_shift);
	if (i < 0)
		return -ENOENT;
	*hot = from_hot(pol->slots[i].hot);
	return 0;
}

/*
 * Backward-shift deletion: pull later members of the probe cluster into the
 * hole unless that would put them before their home slot. Entries only move
 * towards the hole from slots after it, which the scan relies on.
 */
static void table_delete(struct policy *pol, uint64_t hole)
{
	uint64_t j = hole, home;

	pol->slots[hole].tgid = 0;
	pol->count--;
	for (;;) {
		j = (j + 1) & pol->mask;
		if (!pol->slots[j].tgid)
			return;
		home = page_hash(pol->slots[j].tgid, pol->slots[j].vpn) & pol->mask;
		/* Stays if home lies cyclically in (hole, j]. */
		if (hole < j ? (home > hole && home <= j) : (home > hole || home <= j))
			continue;
		pol->slots[hole] = pol->slots[j];
		pol->slots[j].tgid = 0;
		hole = j;
	}
}

/*
 * Hand-out order: hottest (or coldest) first; among equals the lower table
 * slot. Slots follow a hash of {tgid, page}, so ties spread over processes
 * (ordering them by tgid would always pick on the lowest pid first), and the
 * table layout is a function of the inputs, so plans stay deterministic.
 */
static inline bool better(const struct cand *a, const struct cand *b, bool cold)
{
	if (a->hot != b->hot)
		return cold ? a->hot < b->hot : a->hot > b->hot;
	return a->idx < b->idx;
}

/*
 * The heaps order by hotness alone: among equally hot pages the first seen
 * in the table scan stays. The scan order is a function of the inputs so
 * far, so plans stay deterministic, and with a few distinct hotness levels
 * (faults are small integers) a full heap is then almost never reshuffled:
 * breaking ties by key here made the planner 2x slower at 1 M pages.
 */
static inline bool hotter(const struct cand *a, const struct cand *b, bool cold)
{
	return cold ? a->hot < b->hot : a->hot > b->hot;
}

/* Sift a new leaf up; the hole moves, the candidate is written once. */
static void heap_up(struct cand *h, size_t i, const struct cand *c, bool cold)
{
	while (i) {
		size_t parent = (i - 1) / 2;

		if (!hotter(&h[parent], c, cold))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = *c;
}

/* Replace the root (the worst kept) by c and sift it down. */
static void heap_replace_root(struct cand *h, size_t n, const struct cand *c, bool cold)
{
	size_t i = 0, child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && hotter(&h[child], &h[child + 1], cold))
			child++;
		if (!hotter(c, &h[child], cold))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = *c;
}

/*
 * Keep the `cap` best of a stream; the root is the worst kept. Returns true
 * when a candidate was turned away (the new one or an evicted one). Inline:
 * once the heap is full most offers end at the first comparison.
 */
static inline bool heap_offer(struct cand *h, size_t *n, size_t cap, const struct cand *c,
			      bool cold)
{
	if (*n < cap) {
		heap_up(h, (*n)++, c, cold);
		return false;
	}
	if (!cap || !hotter(c, &h[0], cold))
		return true;
	heap_replace_root(h, *n, c, cold);
	return true;
}

/*
 * After the scan the kept pages are handed out best first (hottest to
 * promote, coldest to demote) from a heap ordered by the full key, popped
 * only as far as the plan gets: a full sort cost more than the rest of the
 * cycle at 64 k pages, when room is for a few hundred of 40 k candidates.
 */
static void best_sift_down(struct cand *h, size_t n, size_t i, bool cold)
{
	struct cand x = h[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && better(&h[child + 1], &h[child], cold))
			child++;
		if (!better(&h[child], &x, cold))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = x;
}

static void best_heapify(struct cand *h, size_t n, bool cold)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		best_sift_down(h, n, i, cold);
}

static void best_pop(struct cand *h, size_t *n, bool cold)
{
	h[0] = h[--*n];
	if (*n)
		best_sift_down(h, *n, 0, cold);
}

static int cmp_move(const void *a, const void *b)
{
	const struct policy_move *x = a, *y = b;

	/* pad is 0 for a demotion: demotions first, the mover frees fast room before filling it. */
	if (x->pad != y->pad)
		return x->pad < y->pad ? -1 : 1;
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? -1 : 1;
	if (x->to_node != y->to_node)
		return x->to_node < y->to_node ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

void policy_plan_init(struct policy_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void policy_plan_fini(struct policy_plan *plan)
{
	if (!plan)
		return;
	free(plan->moves);
	free(plan->batches);
	memset(plan, 0, sizeof(*plan));
}

/*
 * Grow the table so that `nr_obs` more pages keep the load at or below 1/2.
 * The table grows with the pages tracked rather than being allocated for
 * max_tracked at once, because every interval scans all of it: 2 M empty
 * slots cost ~12 ms a scan on the development host even with 64 k pages.
 * Built aside and swapped in, so a failed allocation changes nothing.
 */
static int table_fit(struct policy *pol, size_t nr_obs)
{
	uint64_t want = (uint64_t)pol->count + nr_obs, nslots = pol->mask + 1, i, j;
	struct pentry *slots;

	if (want > pol->cfg.max_tracked)
		want = pol->cfg.max_tracked;
	if (2 * want <= nslots)
		return 0;
	while (nslots < 2 * want)
		nslots <<= 1;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i <= pol->mask; i++) {
		if (!pol->slots[i].tgid)
			continue;
		j = page_hash(pol->slots[i].tgid, pol->slots[i].vpn) & (nslots - 1);
		while (slots[j].tgid)
			j = (j + 1) & (nslots - 1);
		slots[j] = pol->slots[i];
	}
	free(pol->slots);
	pol->slots = slots;
	pol->mask = nslots - 1;
	return 0;
}

/* Make sure nothing after the checks can fail: the plan holds at most `budget` moves. */
static int reserve(struct policy *pol, struct policy_plan *plan, size_t nr_fast, size_t nr_obs)
{
	void *p;

	if (plan->cap_moves < pol->budget) {
		p = realloc(plan->moves, pol->budget * sizeof(*plan->moves));
		if (!p)
			return -ENOMEM;
		plan->moves = p;
		plan->cap_moves = pol->budget;
	}
	if (plan->cap_batches < pol->budget) {
		p = realloc(plan->batches, pol->budget * sizeof(*plan->batches));
		if (!p)
			return -ENOMEM;
		plan->batches = p;
		plan->cap_batches = pol->budget;
	}
	if (pol->dem_nodes < nr_fast) {
		p = realloc(pol->dem, nr_fast * (size_t)pol->budget * sizeof(*pol->dem));
		if (!p)
			return -ENOMEM;
		pol->dem = p;
		p = realloc(pol->nr_dem, nr_fast * sizeof(*pol->nr_dem));
		if (!p)
			return -ENOMEM;
		pol->nr_dem = p;
		pol->dem_nodes = nr_fast;
	}
	if (pol->lat_cap < nr_obs) {
		p = realloc(pol->lat_buf, 2 * nr_obs * sizeof(*pol->lat_buf));
		if (!p)
			return -ENOMEM;
		pol->lat_buf = p;
		pol->lat_cap = nr_obs;
	}
	/* Last: the rehash is the one step that changes the state (its layout). */
	return table_fit(pol, nr_obs);
}

struct interval {
	struct policy *pol;
	struct policy_plan *plan;
	struct node_acct acct[POLICY_MAX_NODES];
	size_t nr_nodes;
	int16_t idx_of[POLICY_MAX_NODE_ID + 1]; /* node id -> acct index, -1 unknown */
	uint32_t budget; /* pages left */
	uint32_t thr; /* global threshold this interval */
	bool fast_doubts; /* the fast tier's samples deny a phase change (fast_quiet()) */
	/* Slow-tier faults with a latency, and of them the early ones (set_hot_latency()). */
	size_t slow_timed, slow_early;
	bool early_known; /* slow_early was measured: a last limit, no stall */
};

static int topo_load(struct interval *iv, const struct policy_topology *topo, size_t *nr_fast)
{
	size_t k;

	if (!topo || topo->nr_nodes > POLICY_MAX_NODES || (topo->nr_nodes && !topo->nodes))
		return -EINVAL;
	memset(iv->idx_of, 0xff, sizeof(iv->idx_of));
	*nr_fast = 0;
	for (k = 0; k < topo->nr_nodes; k++) {
		const struct policy_node *n = &topo->nodes[k];
		struct node_acct *a = &iv->acct[k];

		if (n->node > POLICY_MAX_NODE_ID || iv->idx_of[n->node] >= 0 ||
		    n->free_pages > n->capacity_pages ||
		    (n->tier != POLICY_TIER_FAST && n->tier != POLICY_TIER_SLOW))
			return -EINVAL;
		iv->idx_of[n->node] = (int16_t)k;
		memset(a, 0, sizeof(*a));
		a->node = n->node;
		a->tier = n->tier;
		a->cap = n->capacity_pages;
		a->free = n->free_pages;
		a->used = n->capacity_pages - n->free_pages;
		a->lru = n->lru_pages ? n->lru_pages : a->used;
		a->high = (uint64_t)(n->capacity_pages * iv->pol->cfg.high_wmark);
		a->low = (uint64_t)(n->capacity_pages * iv->pol->cfg.low_wmark);
		a->fast_idx = n->tier == POLICY_TIER_FAST ? (int)(*nr_fast)++ : -1;
	}
	iv->nr_nodes = topo->nr_nodes;
	return 0;
}

/* Intervals between write samples (write_sample; 0, never: as 1). */
static inline uint32_t sample_period(const struct policy *pol)
{
	return pol->cfg.write_sample ? pol->cfg.write_sample : 1;
}

static inline uint64_t obs_home(const struct policy *pol, const struct policy_obs *o)
{
	return page_hash(o->tgid, o->addr >> pol->page_shift) & pol->mask;
}

static bool is_fast(const struct interval *iv, uint32_t node)
{
	int k = node <= POLICY_MAX_NODE_ID ? iv->idx_of[node] : -1;

	return k >= 0 && iv->acct[k].tier == POLICY_TIER_FAST;
}

/*
 * A fault on the fast tier that the scanner's own arming caused, or a write
 * sample there: silence there is news.
 */
static inline bool fast_scanned(const struct interval *iv, const struct policy_obs *o)
{
	return is_fast(iv, o->node) && (o->flags & (POLICY_OBS_FAST_SCANNED | POLICY_OBS_SAMPLED));
}

/*
 * Account the write samples (@samples) or the other observations. Samples
 * go first: they read where a page is now, while a hint fault's node is
 * where it was at the fault, which can be before a move of the last
 * interval; such a fault must not make a promoted page look demoted again
 * (that reset its heat, and it was traded straight back).
 */
static void account_obs(struct interval *iv, const struct policy_obs *obs, size_t nr, bool samples)
{
	struct policy *pol = iv->pol;
	struct policy_counters *c = &iv->plan->c;
	uint64_t pmask = pol->cfg.page_size - 1;
	/*
	 * Samples taken every N intervals stand for the N: a page written in
	 * each is as hot as one written every interval (same credit over time).
	 * Its silence is still one window's.
	 */
	uint32_t gap = pol->sampled_at ? pol->now - pol->sampled_at : 1;
	bool seen = false;
	size_t i;

	if (gap > sample_period(pol))
		gap = sample_period(pol);
	for (i = 0; i < nr; i++) {
		const struct policy_obs *o = &obs[i];
		uint64_t vpn, s;
		struct pentry *e;
		uint64_t hot;
		uint32_t credit;
		bool late;

		if (!(o->flags & POLICY_OBS_SAMPLED) != !samples)
			continue;
		seen = true;

		/* The table is far larger than the caches: fetch a later slot now. */
		if (i + 8 < nr)
			__builtin_prefetch(&pol->slots[obs_home(pol, &obs[i + 8])]);
		c->observed++;
		if (!o->tgid || (o->addr & pmask) || o->node > POLICY_MAX_NODE_ID ||
		    iv->idx_of[o->node] < 0) {
			c->bad_obs++;
			continue;
		}
		vpn = o->addr >> pol->page_shift;
		for (s = obs_home(pol, o);; s = (s + 1) & pol->mask) {
			e = &pol->slots[s];
			if (!e->tgid || (e->tgid == o->tgid && e->vpn == vpn))
				break;
		}
		if (!e->tgid) {
			/* Keep one slot in two empty: probe lengths stay short. */
			if (pol->count >= pol->cfg.max_tracked) {
				c->dropped_full++;
				continue;
			}
			memset(e, 0, sizeof(*e));
			e->tgid = o->tgid;
			e->vpn = vpn;
			e->node = o->node;
			e->start_time = o->start_time;
			pol->count++;
			c->inserted++;
			e->fast_seen = fast_scanned(iv, o);
		} else if (e->start_time != o->start_time) {
			/* Same tgid, another process: nothing of the old page applies. */
			e->start_time = o->start_time;
			e->hot = 0;
			e->dir = DIR_NONE;
			e->last_move = 0;
			e->proven = 0;
			e->node = o->node;
			c->recycled++;
		} else {
			/* A write sample read the node this interval; a fault may predate our move. */
			bool sampled_now = !samples && e->last_seen == pol->now;
			bool stale = (o->flags & POLICY_OBS_STALE_NODE) && e->dir != DIR_NONE &&
				     e->last_move + 1 == pol->now;

			/* Hot on the fast tier before this sample: silent now? (fast_quiet()) */
			if (samples && e->hot >= pol->thr_base && is_fast(iv, o->node)) {
				c->sampled_hot++;
				c->sampled_hot_silent += !o->faults_delta;
			}

			if (e->last_seen != pol->now)
				e->hot = decay_once(pol, e->hot);
			if (e->node != o->node && !sampled_now && !stale) {
				/* A failed move of ours, or another mover (the kernel). */
				c->node_changed++;
				/*
				 * Found on the slow tier while we had it fast: the
				 * kernel's reclaim demoted it, i.e. its LRU saw it
				 * cold, or our promotion failed; either way its old
				 * heat says nothing now. Start over.
				 */
				if (is_fast(iv, e->node) && !is_fast(iv, o->node)) {
					e->hot = 0;
					if (e->dir == DIR_PROMOTE &&
					    pol->now - e->last_move < pol->cfg.pingpong_window)
						c->reverted++;
				}
				e->node = o->node;
			}
			/* A page can come twice (heat map and write sample): either may tell. */
			e->fast_seen =
				fast_scanned(iv, o) ||
				(e->last_seen == pol->now && e->fast_seen && is_fast(iv, e->node));
		}
		/*
		 * Silence after being armed: a write sample without a write,
		 * or a hint fault later than the latency limit. A hot page is
		 * silent that long rarely, twice in a row almost never.
		 * Halving (on top of the decay) lets a page that went cold make
		 * way within two or three intervals, not the ~13 that decay
		 * alone takes; a silent sample also caps the heat at the
		 * threshold, so a second one makes the page a victim for any
		 * candidate (after a phase change, the old hot set).
		 */
		late = pol->lat_us && o->latency_us > pol->lat_us;
		if ((o->flags & POLICY_OBS_SAMPLED) && !o->faults_delta) {
			e->hot >>= 1;
			if (e->hot > pol->thr_base)
				e->hot = pol->thr_base;
		} else if (late && o->faults_delta && !iv->plan->c.stalled) {
			e->hot >>= 1;
		}
		/*
		 * Of several faults only the early ones count, and past the
		 * limit only the shortest is known early. One read can hold
		 * the tail of a pass and the start of the next: a cold page
		 * late in the one and early in the other then came with two
		 * faults, which made it a candidate at once (in the placement
		 * bench ~600 pages in each interval after a pass spilt over,
		 * 1068 of 1189 in a run not hot by their cooldown's end).
		 */
		credit = late ? 0 : o->faults_delta;
		if (credit > 1 && pol->lat_us && o->latency_max_us > pol->lat_us)
			credit = 1;
		if (samples)
			credit *= gap;
		hot = (uint64_t)e->hot + (uint64_t)credit * HOT_ONE;
		e->hot = hot > HOT_MAX ? HOT_MAX : (uint32_t)hot;
		e->last_seen = pol->now;
	}
	if (samples && seen)
		pol->sampled_at = pol->now;
}

static inline bool in_cooldown(const struct policy *pol, const struct pentry *e)
{
	return e->dir != DIR_NONE && pol->now - e->last_move < pol->cfg.cooldown;
}

/* A promotion whose cooldown ends this interval: judged once, here. */
static inline bool promotion_judged(const struct policy *pol, const struct pentry *e)
{
	return e->dir == DIR_PROMOTE && pol->now - e->last_move == pol->cfg.cooldown;
}

static void scan_table(struct interval *iv)
{
	struct policy *pol = iv->pol;
	struct policy_counters *c = &iv->plan->c;
	/* What a page early in the last pass and late in this one keeps. */
	uint32_t change_thr = decay_once(pol, HOT_ONE) / 2;
	uint64_t start, i;
	size_t f;

	pol->nr_prom = 0;
	for (f = 0; f < pol->dem_nodes; f++)
		pol->nr_dem[f] = 0;

	/*
	 * Start after an empty slot (there is always one: load <= 1/2): no
	 * probe cluster then wraps past the scan's end, so the entries that
	 * table_delete() shifts always come from slots not yet visited.
	 */
	for (start = 0; pol->slots[start].tgid; start++)
		;
	for (i = (start + 1) & pol->mask; i != start;) {
		struct pentry *e = &pol->slots[i];
		const struct pid_slot *ps = NULL;
		struct node_acct *a;
		struct cand cd;
		int k;

		if (!e->tgid) {
			i = (i + 1) & pol->mask;
			continue;
		}
		if (pol->now - e->last_seen > pol->cfg.evict_after) {
			table_delete(pol, i);
			c->evicted++;
			continue; /* slot i now holds an unvisited entry, or nothing */
		}
		/*
		 * Heat is recent faults: it decays for every page. Whether
		 * silence makes a fast page a demotion candidate is fast_seen's
		 * call below.
		 */
		if (e->last_seen != pol->now)
			e->hot = decay_once(pol, e->hot);

		k = iv->idx_of[e->node];
		if (k < 0)
			goto next; /* node absent from this topology: leave it be */
		a = &iv->acct[k];
		a->tracked++;
		if (e->hot >= iv->thr)
			c->hot_pages++;
		if (pol->nr_pids) {
			ps = pid_find(pol, e->tgid);
			if (ps && ps->cfg.exclude)
				goto next;
		}
		cd.hot = e->hot;
		cd.tgid = e->tgid;
		cd.vpn = e->vpn;
		cd.idx = (uint32_t)i;
		cd.node = e->node;
		if (a->tier == POLICY_TIER_SLOW) {
			uint32_t thr = (ps && ps->thr ? ps->thr : pol->thr_base) + pol->thr_raise;

			/*
			 * At a phase change the early faults are the new hot
			 * set's: it faults first and the cold faults queue
			 * behind it (in the rig, 90% of the slow tier's early
			 * pages in the change's first two passes were the new
			 * set's, against 2% of the cold pages). One early pass
			 * of the last two is then evidence enough, whatever the
			 * threshold: with the default decay a page early in the
			 * last pass and late in this one keeps 0.44 of a fault
			 * (change_thr), one early three passes back 0.19.
			 * Waiting for two passes in a row, each ~50% likely,
			 * spread the set's promotion over four more intervals.
			 */
			if (iv->plan->c.phase_change && pol->change_lowers)
				thr = change_thr < thr / 4 ? change_thr : thr / 4;
			if (e->hot < thr)
				goto next;
			c->candidates++;
			/*
			 * Nor does the cooldown hold back a page demoted as cold
			 * before the last phase change: a quarter of the last
			 * phase's cold pages are the next one's hot set, and
			 * those the settled phase promoted by chance and sent
			 * back (~300 of 5600 in the rig) were otherwise the
			 * last 5% of the set, up to 5 intervals late.
			 */
			if (in_cooldown(pol, e) &&
			    !(e->dir == DIR_DEMOTE && e->last_move < pol->change_at))
				c->skipped_cooldown++;
			else if (heap_offer(pol->prom, &pol->nr_prom, pol->budget, &cd, false))
				c->skipped_budget++;
		} else {
			if (e->fast_seen && e->hot >= 2 * pol->thr_base)
				e->proven = 1;
			if (promotion_judged(pol, e)) {
				c->confirmed += e->proven;
				c->unconfirmed += !e->proven;
			}
			if (!e->fast_seen || in_cooldown(pol, e))
				goto next;
			/*
			 * Only a page the scanner arms here (POLICY_OBS_FAST_SCANNED)
			 * or whose writes are sampled (POLICY_OBS_SAMPLED) is known
			 * cold by its silence; the others are the kernel reclaim's
			 * to judge, which sees their accesses.
			 */
			f = (size_t)a->fast_idx;
			heap_offer(pol->dem + f * pol->budget, &pol->nr_dem[f], pol->budget, &cd,
				   true);
		}
next:
		i = (i + 1) & pol->mask;
	}
	c->tracked = pol->count;
}

/* Slow node with the most room left (ties: lower id), or NULL. */
static struct node_acct *pick_slow(struct interval *iv)
{
	struct node_acct *best = NULL;
	size_t k;

	for (k = 0; k < iv->nr_nodes; k++) {
		struct node_acct *a = &iv->acct[k];

		if (a->tier != POLICY_TIER_SLOW || a->in >= a->free)
			continue;
		if (!best || a->free - a->in > best->free - best->in ||
		    (a->free - a->in == best->free - best->in && a->node < best->node))
			best = a;
	}
	return best;
}

/*
 * Room for promotions: free now or freed by this plan's demotions (they run
 * first), and not above the high watermark after the plan.
 */
static uint64_t fast_room(const struct node_acct *a)
{
	/* Saturating: a free count read racily may make out look larger than used. */
	uint64_t after = a->used + a->in > a->out ? a->used + a->in - a->out : 0;
	uint64_t by_free = a->free + a->out > a->in ? a->free + a->out - a->in : 0;
	uint64_t by_wmark = after >= a->high ? 0 : a->high - after;

	return by_free < by_wmark ? by_free : by_wmark;
}

static bool pid_allows(const struct pid_slot *ps, uint32_t n)
{
	return !ps || !ps->cfg.max_pages || ps->used + n <= ps->cfg.max_pages;
}

static void emit(struct interval *iv, const struct cand *cd, struct node_acct *from,
		 struct node_acct *to, int dir)
{
	struct policy *pol = iv->pol;
	struct policy_plan *plan = iv->plan;
	struct pentry *e = &pol->slots[cd->idx];
	struct policy_move *m = &plan->moves[plan->nr_moves++];
	struct pid_slot *ps = pol->nr_pids ? pid_find(pol, e->tgid) : NULL;

	if (e->dir != DIR_NONE && e->dir != (unsigned int)dir &&
	    pol->now - e->last_move < pol->cfg.pingpong_window) {
		plan->c.pingpong++;
		pol->pingpong_total++;
		if (dir == DIR_DEMOTE && !e->proven)
			plan->c.pingpong_wasted++;
	}
	e->dir = dir;
	e->last_move = pol->now;
	e->node = to->node;
	e->fast_seen = 0;
	e->proven = 0;

	m->tgid = e->tgid;
	m->from_node = from->node;
	m->start_time = e->start_time;
	m->addr = (uint64_t)e->vpn << pol->page_shift;
	m->to_node = to->node;
	/* Sort key until the batches are built: 0 demotion, 1 promotion. */
	m->pad = dir == DIR_PROMOTE;

	from->out++;
	to->in++;
	iv->budget--;
	if (ps)
		ps->used++;
	if (dir == DIR_PROMOTE)
		plan->c.promoted++;
	else
		plan->c.demoted++;
}

/* Next demotable page of fast node a, colder than `limit` (UINT32_MAX: any); not taken yet. */
static const struct cand *next_victim(struct interval *iv, struct node_acct *a, uint32_t limit,
				      uint32_t extra_tgid)
{
	struct policy *pol = iv->pol;
	size_t f = (size_t)a->fast_idx;
	struct cand *heap = pol->dem + f * pol->budget;

	while (pol->nr_dem[f]) {
		const struct cand *v = &heap[0];
		const struct pid_slot *ps = pol->nr_pids ? pid_find(pol, v->tgid) : NULL;

		if (v->hot >= limit)
			return NULL; /* the coldest left: all others are hotter */
		if (pid_allows(ps, v->tgid == extra_tgid ? 2 : 1))
			return v;
		iv->plan->c.skipped_pid++;
		best_pop(heap, &pol->nr_dem[f], true);
	}
	return NULL;
}

/* The victim next_victim() returned has been planned: drop it from a's heap. */
static void victim_taken(struct interval *iv, struct node_acct *a)
{
	struct policy *pol = iv->pol;
	size_t f = (size_t)a->fast_idx;

	best_pop(pol->dem + f * pol->budget, &pol->nr_dem[f], true);
}

static void demote_for_watermarks(struct interval *iv)
{
	struct policy_counters *c = &iv->plan->c;
	size_t k;

	for (k = 0; k < iv->nr_nodes; k++) {
		struct node_acct *a = &iv->acct[k];
		uint64_t need;

		if (a->tier != POLICY_TIER_FAST || a->used <= a->high)
			continue;
		need = a->used - a->low;
		/*
		 * Not in advance: a fast tier the kernel keeps full (first
		 * touch, new allocations) would lose a tenth of its pages each
		 * time to pages no hotter, on a signal that may be thin. The
		 * kernel's reclaim keeps it allocatable, and each promotion
		 * that waits trades places with a colder page (promote()).
		 */
		if (!iv->pol->cfg.demote_idle)
			continue;
		c->demote_wanted += need;
		while (need) {
			const struct cand *v;
			struct node_acct *s;

			if (!iv->budget) {
				c->skipped_budget += need;
				break;
			}
			v = next_victim(iv, a, UINT32_MAX, 0);
			if (!v)
				break; /* not enough tracked pages here: nothing known to move */
			s = pick_slow(iv);
			if (!s) {
				c->skipped_capacity += need;
				break;
			}
			emit(iv, v, a, s, DIR_DEMOTE);
			victim_taken(iv, a);
			need--;
		}
	}
}

static void promote(struct interval *iv)
{
	struct policy *pol = iv->pol;
	struct policy_counters *c = &iv->plan->c;
	size_t k;

	while (pol->nr_prom) {
		const struct cand cand = pol->prom[0], *cd = &cand;
		struct pid_slot *ps = pol->nr_pids ? pid_find(pol, cd->tgid) : NULL;
		struct node_acct *from = &iv->acct[iv->idx_of[cd->node]];
		struct node_acct *best = NULL, *s;
		const struct cand *victim = NULL;
		uint64_t room, best_room = 0;

		if (!iv->budget) {
			c->skipped_budget += pol->nr_prom;
			return;
		}
		best_pop(pol->prom, &pol->nr_prom, false);
		if (!pid_allows(ps, 1)) {
			c->skipped_pid++;
			continue;
		}
		for (k = 0; k < iv->nr_nodes; k++) {
			struct node_acct *a = &iv->acct[k];

			if (a->tier != POLICY_TIER_FAST)
				continue;
			room = fast_room(a);
			if (room && (!best || room > best_room ||
				     (room == best_room && a->node < best->node))) {
				best = a;
				best_room = room;
			}
		}
		if (best) {
			emit(iv, cd, from, best, DIR_PROMOTE);
			continue;
		}

		/*
		 * No room below the high watermark: trade places with the
		 * coldest fast page that is not hot itself and is colder than
		 * this one. The incoming page needs a free page when it moves:
		 * one free now, or one that a demotion of this plan frees
		 * (demotions run first). Counting only the free pages of now
		 * held the trades of an interval to the few hundred pages above
		 * the kernel's watermark, and the rest of the promotions went to
		 * the kernel's reclaim, which picks its victims blindly.
		 */
		for (k = 0; k < iv->nr_nodes; k++) {
			struct node_acct *a = &iv->acct[k];
			const struct cand *v;
			/*
			 * Half the candidate's heat: a trade must gain something
			 * clear. Pages of about equal heat on both tiers (the
			 * warm ones of a workload, whose heat is noisy) would
			 * otherwise trade places back and forth.
			 */
			uint32_t half = cd->hot / 2;
			uint32_t limit = half < iv->thr ? half : iv->thr;

			if (a->tier != POLICY_TIER_FAST || a->in >= a->free + a->out)
				continue;
			v = next_victim(iv, a, limit, ps && ps->cfg.max_pages ? cd->tgid : 0);
			if (v && (!victim || better(v, victim, true))) {
				victim = v;
				best = a;
			}
		}
		if (!victim && pol->cfg.reclaim_promote) {
			/*
			 * No page we know is colder, but the fast node holds
			 * pages we know nothing of: promote anyway and let the
			 * allocation's reclaim demote the kernel's LRU-coldest
			 * page (demotion_enabled). Up to one such page per
			 * unknown page there that reclaim could take: on its
			 * LRU lists, not the kernel's own memory (in the
			 * placement bench ~11700 of the fast node's ~35500
			 * pages; its lists hold ~2500 pages not ours, mostly
			 * file pages).
			 */
			for (k = 0; k < iv->nr_nodes; k++) {
				struct node_acct *a = &iv->acct[k];
				uint64_t unknown = a->lru > a->tracked ? a->lru - a->tracked : 0;

				if (a->tier == POLICY_TIER_FAST && a->displaced < unknown &&
				    (!best || a->displaced < best->displaced))
					best = a;
			}
			if (best) {
				best->displaced++;
				c->displaced++;
				emit(iv, cd, from, best, DIR_PROMOTE);
				continue;
			}
		}
		if (!victim) {
			/*
			 * Nor will the rest find any: they are no hotter, no
			 * room came up, and the victims left are no colder.
			 */
			c->skipped_capacity += 1 + pol->nr_prom;
			pol->nr_prom = 0;
			return;
		}
		if (iv->budget < 2) {
			c->skipped_budget++;
			continue;
		}
		s = pick_slow(iv);
		if (!s) {
			c->skipped_capacity++;
			continue;
		}
		emit(iv, victim, best, s, DIR_DEMOTE);
		victim_taken(iv, best);
		emit(iv, cd, from, best, DIR_PROMOTE);
	}
}

/* Is the latency limit set from the faults each interval (not fixed, not off)? */
static inline bool limit_adapts(const struct policy *pol)
{
	return pol->lat_max_us && pol->cfg.hot_latency_auto;
}

/* Pages the fast tier can take now without a demotion: free below its high watermarks. */
static uint64_t free_room(const struct interval *iv)
{
	uint64_t room = 0;
	size_t k;

	for (k = 0; k < iv->nr_nodes; k++) {
		const struct node_acct *a = &iv->acct[k];

		if (a->tier == POLICY_TIER_FAST && a->high > a->used)
			room += a->high - a->used;
	}
	return room;
}

/* The room the fast tier has for managed pages: below its high watermark, less the others' pages. */
static uint64_t managed_room(const struct interval *iv, bool tracked)
{
	uint64_t room = 0, other;
	size_t k;

	for (k = 0; k < iv->nr_nodes; k++) {
		const struct node_acct *a = &iv->acct[k];

		if (a->tier != POLICY_TIER_FAST)
			continue;
		other = tracked && a->used > a->tracked ? a->used - a->tracked : 0;
		room += a->high > other ? a->high - other : 0;
	}
	return room;
}

/*
 * The share of chance candidates the latency limit tolerates. Tightened by
 * 1/4 when our promotions come undone: wasted (demoted again without having
 * been hot on the fast tier), or reverted by the kernel's reclaim, which
 * sees the accesses of fast-tier pages we cannot, demoting more than 1% of
 * what we promote; or when they never were hot: not seen hot by their
 * cooldown's end (unconfirmed) above the noise and 1% of the moves: in the
 * placement bench those were cold pages early in a row by chance, each of
 * which displaced a fast page, and the ping-pong count seldom sees them, as
 * the victim of a later trade is seldom the page itself. Grows back by 1/16
 * an interval while none of these happens, unless a settled phase holds the
 * threshold a pass higher (policy_plan()): grown back, the limit let the
 * cold pages through again (four passes in a row at 16% are about as likely
 * as three at 8%). Reset at once at a phase change (note_repeats()).
 */
/* Promotions gone wrong: more than a few chance ones, and above 1% of the moves. */
static inline bool above_noise(uint64_t wrong, uint64_t moves)
{
	return wrong >= PINGPONG_NOISE && wrong * 100 > moves;
}

static void adjust_cold_pass(struct policy *pol, struct policy_counters *c, bool tighten)
{
	if (tighten) {
		pol->cold_pass -= pol->cold_pass / 4;
		if (pol->cold_pass < COLD_PASS_MIN)
			pol->cold_pass = COLD_PASS_MIN;
	} else if (pol->cold_pass < COLD_PASS_MAX && !pol->settle_raise) {
		pol->cold_pass += pol->cold_pass / 16 + 1;
		if (pol->cold_pass > COLD_PASS_MAX)
			pol->cold_pass = COLD_PASS_MAX;
	}
	c->cold_pass = (double)pol->cold_pass / COLD_PASS_ONE;
}

/* The k-th smallest (from 0) of a[0..n), k < n; reorders a (three-way quickselect). */
static uint32_t select_kth(uint32_t *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* a[lo..hi) holds it */

	while (hi - lo > 1) {
		uint32_t pivot = a[lo + (hi - lo) / 2], t;
		size_t lt = lo, i = lo, gt = hi;

		/* a[lo..lt) < pivot, a[lt..i) == pivot, a[gt..hi) > pivot */
		while (i < gt) {
			if (a[i] < pivot) {
				t = a[lt];
				a[lt++] = a[i];
				a[i++] = t;
			} else if (a[i] > pivot) {
				t = a[--gt];
				a[gt] = a[i];
				a[i] = t;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return pivot;
	}
	return a[lo];
}

/*
 * Would the fast tier confirm a phase change? A new hot set leaves the old
 * one silent: where write samples know QUIET_MIN_HOT of the fast tier's hot
 * pages or more, half of them fall silent at once, from the change's first
 * pass, before its second shows it on the slow tier. Without that within
 * QUIET_WITHIN intervals, a change is a false alarm of a settled phase,
 * whose lowered threshold let in the cold pages early in one of the last
 * two passes by chance (in the placement bench 2014-5363 pages, 90-100% of
 * them cold; after its real changes 65-95% of the sampled hot pages were
 * silent at the peak, in settled phases mostly under 30%). A stall of the
 * workload silences them too (44-80% in single intervals under a host CPU
 * hog): a change is then believed, as it was before this check; so it is
 * without samples of hot pages (none taken, or the old set's heat already
 * halved by its silence).
 */
static void fast_quiet(struct interval *iv)
{
	struct policy *pol = iv->pol;
	struct policy_counters *c = &iv->plan->c;

	if (c->sampled_hot >= QUIET_MIN_HOT) {
		pol->hot_sampled_at = pol->now;
		if (c->sampled_hot_silent * 2 >= c->sampled_hot)
			pol->quiet_at = pol->now;
	}
	/* Between samples taken every N intervals, the last one still speaks. */
	if (!pol->hot_sampled_at || pol->now - pol->hot_sampled_at >= sample_period(pol))
		return;
	iv->fast_doubts = !pol->quiet_at || pol->now - pol->quiet_at > QUIET_WITHIN;
}

/*
 * A phase change shows in who is early, not in how many. Where faults
 * queue (the rig: ~95 a millisecond under TCG, whoever makes them) a new
 * hot set pushes the cold faults back, and the share of faults within a
 * limit hardly moved when it came (18% against 16%), while a stalled
 * interval, all of its faults 200 ms late, made the share jump in the next
 * (three false alarms a run). But the new hot pages are early pass after
 * pass: of the slow tier's pages early this interval (within the last
 * limit), the share early in their last passes too (out of the
 * background) is chance in a settled phase, 6-12% in the rig, and 34-51%
 * from the new set's second pass on. The fast tier is left out: its hot
 * pages, scanned now and then, are early every time. Seen, what the last
 * phase taught, a tighter limit and a higher threshold, both answers to
 * its cold pages passing by chance, would only hold the new set back: it
 * is forgotten at once, for this interval's limit and threshold too. The
 * average moves by a quarter of the new share per interval.
 * The interval that sees a change also lowers the slow tier's threshold
 * (scan_table()), unless it is the same change seen again.
 */
/* Scan passes read since the last phase change seen; UINT32_MAX: none seen. */
static inline uint32_t passes_since_change(const struct policy *pol)
{
	return pol->change_at ? pol->passes - pol->change_pass : UINT32_MAX;
}

static void note_repeats(struct interval *iv, size_t early, size_t repeat)
{
	struct policy *pol = iv->pol;
	double share;
	bool jump, fresh;

	pol->passes++;
	if (early < LAT_MIN_FAULTS)
		return;
	share = (double)repeat / (double)early;
	iv->plan->c.repeat_share = share;
	iv->plan->c.repeat_avg = pol->repeat_n ? pol->repeat_share : -1;
	jump = pol->repeat_n && share > pol->repeat_share + 0.15;
	/* Not the last change seen again: a cooldown of scan passes since. */
	fresh = passes_since_change(pol) >= pol->cfg.cooldown;
	/*
	 * The fast tier is asked about a new change only: the same change
	 * seen again, within a cooldown of scan passes, finds its hot pages
	 * written, the new set's among them.
	 */
	if (jump && iv->fast_doubts && fresh) {
		iv->plan->c.change_denied = 1; /* no change: nothing else is reset */
		pol->denied_at = pol->now;
		jump = false;
		/*
		 * But a settled phase's pass more is not kept against it, from
		 * this interval on: a false alarm then plans as it did without
		 * the raise, while a real change the samples do not confirm
		 * yet was held to four passes (under a host CPU hog, a change
		 * denied twice let through 10-95 of the new set an interval
		 * for four intervals, at 0.39 of it on the fast tier). The
		 * raise comes back with the unconfirmed.
		 */
		if (pol->settle_raise) {
			pol->thr_raise = pol->thr_raise > pol->settle_raise ?
						 pol->thr_raise - pol->settle_raise :
						 0;
			pol->settle_raise = 0;
			iv->thr = pol->thr_base + pol->thr_raise;
			iv->plan->c.threshold = from_hot(iv->thr);
		}
	}
	if (jump) {
		pol->cold_pass = COLD_PASS_MAX;
		pol->thr_raise = pol->settle_raise = 0;
		iv->thr = pol->thr_base;
		iv->plan->c.threshold = from_hot(iv->thr);
		iv->plan->c.phase_change = 1;
		/*
		 * Only the change's first interval lowers the threshold. Seen
		 * again within a cooldown's worth of scan passes of the last,
		 * after an interval that saw none, it is the same change, whose
		 * bulk has moved (passes, not intervals: under a host CPU hog
		 * a stall and five intervals without a pass followed a change,
		 * and the same change seen 8 intervals but 2 passes on let in
		 * 5468 pages, 3806 of them cold): the
		 * early pages are then the cold ones again, for the most part
		 * (in the rig such a second alarm, 5 intervals after the first,
		 * promoted 4506 pages at a quarter of the threshold, with ~2100
		 * of the new set left on the slow tier). It is the same change
		 * when seen in the very next interval, too: in 7 of 9 runs of
		 * the placement bench, a threshold lowered a second time let
		 * through 385-2385 pages, 60-99% of them cold, while the new
		 * set's rest passes the normal threshold a pass later.
		 * Nor does a change seen within BURST_AFTER intervals of a
		 * burst of promotions: the pages that left the slow tier were
		 * most of its early ones, and the share measured on the rest
		 * is no settled phase's. Under a host CPU hog, 6 of 8 runs of
		 * the placement bench took the run's start for a change, right
		 * after such a burst (1524 and 3767 promotions in two of them),
		 * and the lowered threshold let through 3166 and 3773 pages,
		 * 1548 and 3069 of them cold. Its real changes came after 0-25.
		 * Nor does the run's first hot set forming: the share's average
		 * then holds one or two passes, before any page had heat, and
		 * the start is seen as a change (in the rig at the workload's
		 * third or fourth pass under a host CPU hog; the lowered
		 * threshold let in 5994 and 6417 pages, 41-45% of the phase's
		 * promotions outside its hot set).
		 */
		pol->change_lowers = !pol->repeat_fired && pol->repeat_n >= SETTLE_SHARES &&
				     fresh &&
				     (!pol->burst_at || pol->now - pol->burst_at > BURST_AFTER);
		iv->plan->c.change_lowered = pol->change_lowers;
		pol->change_at = pol->now;
		pol->change_pass = pol->passes;
		pol->repeat_fired = true;
	} else {
		pol->repeat_fired = false;
	}
	/*
	 * A denied change leaves the settled average alone for an interval:
	 * the next one, sampled (policy_sample_due()), asks the fast tier
	 * again against it. Folded in, the new set's share raised the average
	 * above the set's next shares, and a change denied on the word of a
	 * sample taken before it began (write samples were every fourth interval)
	 * was never seen again: in a placement.t run phase 2's hot set stayed
	 * at 58% on the fast tier, never 95%. Held once only, so that a
	 * lasting shift of a settled phase still moves the average.
	 */
	if (iv->plan->c.change_denied && !pol->share_held) {
		pol->share_held = true;
	} else {
		pol->share_held = false;
		pol->repeat_share = pol->repeat_n ? (3 * pol->repeat_share + share) / 4 : share;
	}
	pol->repeat_n++;
}

/*
 * Is this fault one of the background's? Yes for a page early in none of
 * its last few passes (its heat below half a fault), or new: the hot pile
 * is left out (a quarter of the faults after a phase change: it pulled the
 * band down with it and the limit to half the pile's spread), and so are
 * cold pages early by chance, which biases nothing, a cold page's latency
 * being as random in this pass as in the last.
 */
static bool in_background(const struct policy *pol, const struct policy_obs *o)
{
	long s = table_find(pol, o->tgid, o->addr >> pol->page_shift);

	return s < 0 || pol->slots[s].start_time != o->start_time ||
	       pol->slots[s].hot < HOT_ONE / 2;
}

bool policy_sample_due(const struct policy *pol)
{
	uint32_t every = pol->cfg.write_sample, next = pol->now + 1;

	if (every <= 1)
		return every == 1;
	/*
	 * A phase change seen or denied is judged by the fast tier's silence
	 * (fast_quiet()), and the old hot set's silent pages make room for the
	 * new one only as fast as samples find them: every interval then.
	 */
	return !pol->sampled_at || next - pol->sampled_at >= every ||
	       (pol->change_at && next - pol->change_at <= QUIET_WITHIN) ||
	       (pol->denied_at && next - pol->denied_at <= QUIET_WITHIN);
}

/*
 * The latency limit, from the cold background of this interval's faults.
 * Every page touched once per scan period faults once per period, so counts
 * cannot rank pages; how soon after the scan it faults can. A cold page
 * faults at any time in the period: its latencies spread evenly (rho faults
 * per microsecond), while the hot pages' pile up after the scan. rho is
 * read in a band clear of that pile, from a quarter to half of the third
 * quartile's distance from the shortest latency (the scan's own time, D).
 * With N cold faults (those past the band's start, and rho times its
 * distance from D), the limit D + cold_pass * N / rho lets a cold page
 * pass with probability ~cold_pass; to be hot it must pass three times in a
 * row at the default threshold, twice at 1.5
 * (a late fault halves its heat). Hot pages pass at any share of the slow
 * tier, phase changes included, as they do not move the band. Where faults
 * are costly (many pages armed at once, a slow machine) the pages fault in
 * turn, the pile stretches, and the band is read at a faster clock than
 * the pile's: hence a cold_pass of 16% (with 4%, too few of the rig's hot
 * pages passed: residency stayed at 65-68%). Before, the limit let in half the fast tier's room: right while the
 * kernel's reverts shrank that share, but with them gone (stale nodes,
 * failed moves) it sat at 150-440 ms, where cold pages pass.
 */
static void set_hot_latency(struct interval *iv, const struct policy_obs *obs, size_t nr)
{
	struct policy *pol = iv->pol;
	uint32_t floor, q3, lo, hi, q, *bg = pol->lat_buf + nr;
	size_t n = 0, nb = 0, m = 0, above = 0, early = 0, repeat = 0, within = 0, i;
	double limit, rho, cold;
	bool back, in;
	uint64_t room;

	if (!limit_adapts(pol)) {
		pol->lat_us = pol->lat_max_us;
		goto out;
	}
	/*
	 * Only the tail of a pass read last interval: no pile, the background
	 * alone would open the limit up. Nor is it a phase change.
	 */
	if (pol->no_pass)
		goto out;
	floor = UINT32_MAX;
	for (i = 0; i < nr; i++) {
		/* in_background() looks each page up: fetch a later one's slot now, as account_obs(). */
		if (i + 8 < nr)
			__builtin_prefetch(&pol->slots[obs_home(pol, &obs[i + 8])]);
		if (!obs[i].latency_us || (obs[i].flags & POLICY_OBS_SAMPLED))
			continue;
		pol->lat_buf[n++] = obs[i].latency_us;
		in = pol->lat_known && obs[i].latency_us <= pol->lat_us;
		within += in;
		back = in_background(pol, &obs[i]);
		if (!is_fast(iv, obs[i].node)) {
			iv->slow_timed++;
			if (in) {
				early++;
				repeat += !back;
			}
		}
		if (!back)
			continue;
		bg[nb++] = obs[i].latency_us;
		if (obs[i].latency_us < floor)
			floor = obs[i].latency_us;
	}
	/*
	 * Too few faults for a background (the scanner did not get round to
	 * the pages, or few are touched): the last limit stands. Opening it to
	 * hot_latency_ms then let every page that faulted at all be hot for an
	 * interval.
	 */
	if (n < LAT_MIN_FAULTS || nb < LAT_MIN_FAULTS)
		goto out;
	/*
	 * A stall: the limit lets pass 8-16% of the cold pages, and here not
	 * 1% of all faults came within it. In the rig the scan had come while
	 * our moves of ~1800 pages ran, and every fault waited for them (10th
	 * percentile 292 ms, against ~32): the limit, free to double, passed
	 * 3% of the new hot set, whose late faults halved its heat, and its
	 * promotion waited three intervals. Such faults tell nothing of heat.
	 * Twice running it is no stall but a slower background: the limit
	 * follows it.
	 */
	if (pol->lat_known && within * 100 < n && !pol->stalled) {
		pol->stalled = true;
		iv->plan->c.stalled = 1;
		goto out;
	}
	pol->stalled = false;
	iv->slow_early = early;
	iv->early_known = pol->lat_known;
	note_repeats(iv, early, repeat);
	q3 = select_kth(bg, nb, nb * 3 / 4);
	hi = (q3 - floor) / 2;
	lo = hi / 2;
	for (i = 0; i < nb; i++) {
		uint32_t t = bg[i] - floor;

		above += t > lo;
		m += t > lo && t <= hi;
	}
	if (m < LAT_MIN_FAULTS / 4 || hi - lo < LAT_MIN_US)
		goto out; /* no background to speak of */
	rho = (double)m / (double)(hi - lo);
	cold = (double)above + rho * lo;
	limit = floor + (double)pol->cold_pass / COLD_PASS_ONE * cold / rho;
	/*
	 * Selectivity is for trading places. While the fast tier has free
	 * room, the earliest faults up to that room all count: a workload
	 * whose hot pages are touched once a period (no pile, latencies as
	 * spread as the cold ones') is then told apart by fault counts, as
	 * before there was a limit; the daemon test's pages touched every
	 * second against every tenth were otherwise 78% promoted in 25 s.
	 */
	room = free_room(iv);
	if (room >= n)
		limit = pol->lat_max_us;
	else if (room && (q = select_kth(pol->lat_buf, n, (size_t)room - 1)) > limit)
		limit = q;
	q = limit > pol->lat_max_us ? pol->lat_max_us : (uint32_t)limit;
	/*
	 * After the first, at most twice or half the last an interval: one
	 * interval's band is a few hundred faults. (It was 1/4 up: a first
	 * limit read off a pass the scanner had only begun, 15 ms in the rig,
	 * then took 8 intervals to reach the hot pile's 90 ms.)
	 */
	if (pol->lat_known) {
		if (q > 2 * pol->lat_us)
			q = 2 * pol->lat_us;
		if (q < pol->lat_us / 2)
			q = pol->lat_us / 2;
	}
	pol->lat_known = true;
	pol->lat_us = q < LAT_MIN_US ? LAT_MIN_US : q;
out:
	iv->plan->c.hot_latency_ms = pol->lat_us / 1000.0;
}

/*
 * The candidates that chance alone makes of the slow tier's pages: the
 * share of them that reach the threshold in this pass, early and late at
 * random, times the slow tier's timed faults. A page is early with the
 * share p of those faults early in this pass, a cold page's chance of
 * beating the limit (its latency is as random in one pass as in the next),
 * but at most the share the limit was set to let pass (cold_pass): while a
 * hot set comes in, its pages still on the slow tier are early too (in the
 * rig, 673 candidates of a catch-up, all but 12 hot, against ~515 by the
 * share measured). Summed over the early/late patterns of its last
 * CHANCE_PASSES passes, its heat following account_obs() (decay; an early
 * pass adds a fault, a late one halves): at the default threshold ~2.3
 * p^3, not p^3, as a late pass halves the heat rather than clearing it (a
 * page early three times in four passes is a candidate too). -1 where p
 * was not measured.
 */
static double chance_candidates(const struct interval *iv)
{
	double p, d = iv->pol->cfg.decay, thr = from_hot(iv->thr), share = 0;
	uint32_t pat, bit;

	if (!iv->early_known || !iv->slow_timed)
		return -1;
	p = (double)iv->slow_early / (double)iv->slow_timed;
	/*
	 * Well above what a limit is ever set to let pass: pages new to the
	 * slow tier's early ones together (a new hot set's first pass, before
	 * it is seen as a change), or a limit opened for free room. No
	 * chance's measure either way.
	 */
	if (p * COLD_PASS_ONE > 1.5 * COLD_PASS_MAX)
		return -1;
	if (p * COLD_PASS_ONE > iv->pol->cold_pass)
		p = (double)iv->pol->cold_pass / COLD_PASS_ONE;
	/* Patterns ending with an early pass: only that one crosses the threshold. */
	for (pat = 1; pat < 1u << CHANCE_PASSES; pat += 2) {
		double h = 0, before = 0, pr = 1;

		for (bit = CHANCE_PASSES; bit--;) {
			bool early = pat >> bit & 1;

			before = h;
			h = early ? h * d + 1 : h * d / 2;
			pr *= early ? p : 1 - p;
		}
		if (h >= thr && before < thr)
			share += pr;
	}
	return share * (double)iv->slow_timed;
}

/*
 * Candidates no more than twice what chance makes (and more than a few):
 * the hot set is in, and those passing now are mostly cold pages early in
 * a row by chance. In the placement bench such a trickle of 100-300 an
 * interval, each traded for a fast page, followed each phase's hot set
 * for 10-12 intervals, until its first promotions came up unconfirmed at
 * their cooldown's end; ~40% of them passed for hot there, their write
 * samples written by chance. Not within CHANCE_AFTER scan passes of a
 * phase change seen: its set is coming in, its pages a pass or two short
 * of the threshold (in the rig, 60 candidates two intervals after the run's
 * first set was seen, against 205 by chance, and 3111 in the next; and 149
 * against 228 at the first pass after three intervals without one, 910 in
 * the next).
 */
static bool chance_only(const struct interval *iv)
{
	const struct policy_counters *c = &iv->plan->c;

	/* Passes, not intervals: a stall after a change holds its set's passes back. */
	if (passes_since_change(iv->pol) <= CHANCE_AFTER)
		return false;
	return c->chance >= 0 && c->candidates >= PINGPONG_NOISE &&
	       (double)c->candidates <= CHANCE_SHARE * c->chance;
}

static void make_batches(struct policy_plan *plan)
{
	size_t i;

	qsort(plan->moves, plan->nr_moves, sizeof(*plan->moves), cmp_move);
	for (i = 0; i < plan->nr_moves; i++) {
		struct policy_move *m = &plan->moves[i];
		struct policy_batch *b =
			plan->nr_batches ? &plan->batches[plan->nr_batches - 1] : NULL;

		if (!b || b->tgid != m->tgid || b->start_time != m->start_time ||
		    b->to_node != m->to_node || b->promote != (m->pad == 1)) {
			b = &plan->batches[plan->nr_batches++];
			b->tgid = m->tgid;
			b->to_node = m->to_node;
			b->start_time = m->start_time;
			b->promote = m->pad == 1;
			b->first = i;
			b->nr = 0;
		}
		b->nr++;
	}
	for (i = 0; i < plan->nr_moves; i++)
		plan->moves[i].pad = 0;
}

int policy_plan(struct policy *pol, const struct policy_obs *obs, size_t nr_obs,
		const struct policy_topology *topo, struct policy_plan *plan)
{
	struct interval *iv = NULL;
	size_t nr_fast, f, i;
	bool thrash, tighten, unconfirmed, chance;
	uint64_t moves;
	int err;

	if (!pol || !plan || (nr_obs && !obs))
		return -EINVAL;
	iv = calloc(1, sizeof(*iv));
	if (!iv)
		return -ENOMEM;
	iv->pol = pol;
	iv->plan = plan;
	err = topo_load(iv, topo, &nr_fast);
	if (err)
		goto cleanup;
	err = reserve(pol, plan, nr_fast, nr_obs);
	if (err)
		goto cleanup;

	/* Nothing fails from here on. */
	plan->nr_moves = 0;
	plan->nr_batches = 0;
	memset(&plan->c, 0, sizeof(plan->c));
	plan->c.repeat_share = plan->c.repeat_avg = -1;
	pol->now++;
	for (i = 0; i < pol->nr_pids; i++)
		pol->pids[i].used = 0;
	iv->budget = pol->budget;
	iv->thr = pol->thr_base + pol->thr_raise;
	plan->c.interval = pol->now;
	plan->c.budget_pages = pol->budget;
	plan->c.threshold = from_hot(iv->thr);

	account_obs(iv, obs, nr_obs, true);
	fast_quiet(iv);
	set_hot_latency(iv, obs, nr_obs);
	account_obs(iv, obs, nr_obs, false);
	scan_table(iv);
	plan->c.chance = chance_candidates(iv);
	best_heapify(pol->prom, pol->nr_prom, false);
	for (f = 0; f < nr_fast; f++)
		best_heapify(pol->dem + f * pol->budget, pol->nr_dem[f], true);
	demote_for_watermarks(iv);
	promote(iv);
	make_batches(plan);

	/*
	 * Promotions undone above 1% of the moves mean we let lukewarm pages
	 * in. The first answer is a tighter latency limit (see
	 * adjust_cold_pass()): a cold page must then be early in a row by a
	 * rarer chance, while hot pages still pass at their first faults.
	 * Only when that did not help (the limit lets pass less than 5/8 of its
	 * default share of cold pages and still they come undone), or with no
	 * adaptive limit, does the threshold go up, which delays every
	 * promotion by an interval per fault: raised by the pages of a settled
	 * phase, it held the next one back by up to 10 intervals. The limit is
	 * never tightened below half (COLD_PASS_MIN): at a quarter, the
	 * stretched faults of the next phase's hot pages did not pass it for
	 * 14 intervals (placement bench). The other reversals are the price of following a
	 * workload: a page seen hot on the fast tier that cooled goes back, a
	 * cold page demoted that became hot comes back (a phase change). A
	 * few cold pages that passed twice by chance (PINGPONG_NOISE) are no
	 * thrash: in the quiet intervals of a settled phase, 1 of 2 moves
	 * raised the threshold to 4.5.
	 */
	moves = plan->c.promoted + plan->c.demoted;
	thrash = above_noise(plan->c.pingpong_wasted, moves);
	unconfirmed = above_noise(plan->c.unconfirmed, moves);
	chance = chance_only(iv);
	tighten = thrash || plan->c.reverted * 100 > plan->c.promoted + plan->c.reverted ||
		  unconfirmed || chance;
	/*
	 * Promotions never seen hot, with the limit already at its floor:
	 * the cold pages still early in a row by chance (at 8%, one in ~2000
	 * for three passes; in the placement bench ~20 an interval of the
	 * ~21000 cold slow pages, each traded for a cold fast page). One more
	 * pass makes that ~12 times rarer, and costs the settled phase's few
	 * hot pages still on the slow tier a pass. It holds until a phase
	 * change, seen or denied (note_repeats()), whose new set the raise
	 * would hold back.
	 */
	if ((unconfirmed || chance) && limit_adapts(pol) && pol->cold_pass <= COLD_PASS_MIN &&
	    !pol->settle_raise)
		pol->settle_raise = one_more_pass(pol);
	if (thrash && (!limit_adapts(pol) || pol->cold_pass < COLD_PASS_MAX * 5 / 8)) {
		pol->thr_raise += pol->raise_step;
		if (pol->thr_base + pol->thr_raise > pol->thr_max)
			pol->thr_raise = pol->thr_max - pol->thr_base;
	} else if (!thrash) {
		pol->thr_raise =
			pol->thr_raise > pol->relax_step ? pol->thr_raise - pol->relax_step : 0;
	}
	if (pol->thr_raise < pol->settle_raise)
		pol->thr_raise = pol->settle_raise;
	adjust_cold_pass(pol, &plan->c, tighten);
	plan->c.fast_room = managed_room(iv, true);
	if (plan->c.promoted && plan->c.promoted * BURST_SHARE >= plan->c.fast_room)
		pol->burst_at = pol->now;
	plan->c.pingpong_total = pol->pingpong_total;
	plan->c.next_threshold = from_hot(pol->thr_base + pol->thr_raise);
	plan->c.no_pass = pol->no_pass;
	pol->no_pass = false;
	err = 0;

cleanup:
	free(iv);
	return err;
}

void policy_note_pass(struct policy *pol, bool started)
{
	pol->no_pass = !started;
}

const char *policy_chance_str(char *buf, size_t len, double chance)
{
	if (chance < 0)
		return "chance not measured";
	snprintf(buf, len, "%.0f by chance", chance);
	return buf;
}

void policy_plan_print(FILE *f, const struct policy_plan *plan)
{
	const struct policy_counters *c = &plan->c;
	char chance[POLICY_CHANCE_LEN];
	size_t i, j;

	fprintf(f,
		"interval %u: %llu observed (%llu bad), %llu tracked (+%llu new, %llu evicted, "
		"%llu dropped, %llu recycled, %llu moved by others)\n",
		c->interval, (unsigned long long)c->observed, (unsigned long long)c->bad_obs,
		(unsigned long long)c->tracked, (unsigned long long)c->inserted,
		(unsigned long long)c->evicted, (unsigned long long)c->dropped_full,
		(unsigned long long)c->recycled, (unsigned long long)c->node_changed);
	fprintf(f,
		"  threshold %.2f faults (next %.2f), %llu candidates (%s), %llu promoted, "
		"%llu demoted (%llu wanted by watermarks), budget %llu pages\n",
		c->threshold, c->next_threshold, (unsigned long long)c->candidates,
		policy_chance_str(chance, sizeof(chance), c->chance),
		(unsigned long long)c->promoted, (unsigned long long)c->demoted,
		(unsigned long long)c->demote_wanted, (unsigned long long)c->budget_pages);
	fprintf(f,
		"  hot: %llu pages, fast-tier room %llu, latency limit %.1f ms (next cold pass "
		"%.4f)\n"
		"  promotions by reclaim (no room, no known colder page): %llu; "
		"reverted by reclaim: %llu\n"
		"  skipped: %llu cooldown, %llu budget, %llu capacity, %llu per-pid; "
		"ping-pong %llu (total %llu), of which wasted promotions %llu\n"
		"  promotions at their cooldown's end: %llu seen hot since, %llu not\n"
		"  sampled hot fast pages: %llu, of which silent %llu\n",
		(unsigned long long)c->hot_pages, (unsigned long long)c->fast_room,
		c->hot_latency_ms, c->cold_pass, (unsigned long long)c->displaced,
		(unsigned long long)c->reverted, (unsigned long long)c->skipped_cooldown,
		(unsigned long long)c->skipped_budget, (unsigned long long)c->skipped_capacity,
		(unsigned long long)c->skipped_pid, (unsigned long long)c->pingpong,
		(unsigned long long)c->pingpong_total, (unsigned long long)c->pingpong_wasted,
		(unsigned long long)c->confirmed, (unsigned long long)c->unconfirmed,
		(unsigned long long)c->sampled_hot, (unsigned long long)c->sampled_hot_silent);
	for (i = 0; i < plan->nr_batches; i++) {
		const struct policy_batch *b = &plan->batches[i];

		fprintf(f, "  %s pid %u (start %llu) -> node %u: %zu pages:",
			b->promote ? "promote" : "demote ", b->tgid,
			(unsigned long long)b->start_time, b->to_node, b->nr);
		for (j = 0; j < b->nr && j < 4; j++) {
			const struct policy_move *m = &plan->moves[b->first + j];

			fprintf(f, " 0x%llx@%u", (unsigned long long)m->addr, m->from_node);
		}
		fprintf(f, "%s\n", b->nr > 4 ? " ..." : "");
	}
}

bool policy_page_cooling(const struct policy *pol, uint32_t tgid, uint64_t addr)
{
	long i;

	if (!pol || !tgid)
		return false;
	i = table_find(pol, tgid, addr >> pol->page_shift);
	return i >= 0 && in_cooldown(pol, &pol->slots[i]);
}

void policy_plan_batch(struct policy_plan *plan)
{
	plan->nr_batches = 0;
	if (plan->nr_moves) /* qsort(NULL, 0) is undefined */
		make_batches(plan);
}

static struct pentry *find_page(struct policy *pol, uint32_t tgid, uint64_t start_time,
				uint64_t addr)
{
	long i;

	if (!pol || !tgid)
		return NULL;
	i = table_find(pol, tgid, addr >> pol->page_shift);
	if (i < 0 || pol->slots[i].start_time != start_time)
		return NULL;
	return &pol->slots[i];
}

int policy_note_failed(struct policy *pol, uint32_t tgid, uint64_t start_time, uint64_t addr,
		       uint32_t node)
{
	struct pentry *e =
		node > POLICY_MAX_NODE_ID ? NULL : find_page(pol, tgid, start_time, addr);

	if (!e)
		return -ENOENT;
	e->node = node;
	return 0;
}

int policy_note_move(struct policy *pol, uint32_t tgid, uint64_t start_time, uint64_t addr,
		     uint32_t to_node, bool to_fast)
{
	struct pentry *e =
		to_node > POLICY_MAX_NODE_ID ? NULL : find_page(pol, tgid, start_time, addr);

	if (!e)
		return -ENOENT;
	/* A later move the other way within the window is then a ping-pong. */
	e->dir = to_fast ? DIR_PROMOTE : DIR_DEMOTE;
	e->last_move = pol->now;
	e->node = to_node;
	return 0;
}
