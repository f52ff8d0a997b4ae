/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The placement policy: per-page hotness with decay, promotion after repeated
 * hint faults, watermark demotion of the coldest fast-tier pages, migration
 * budgets, cooldown, ping-pong damping and per-PID settings.
 *
 * Pure user space on plain structs: no BPF, no syscalls, no clock. Each call
 * of policy_plan() is one interval; the same sequence of inputs gives the same
 * plans, so the daemon, --dry-run and the unit tests see identical decisions.
 *
 * Units: hotness and thresholds are in hint faults. A page's hotness after
 * interval t is H(t) = H(t-1) * decay + faults_delta(t).
 */
#ifndef PAUTONUMA_POLICY_H
#define PAUTONUMA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Node ids are stored in 10 bits per tracked page (MAX_NUMNODES <= 1024). */
#define POLICY_MAX_NODE_ID 1023
/* Nodes described in one topology. */
#define POLICY_MAX_NODES 64

enum policy_tier {
	POLICY_TIER_FAST = 0, /* DRAM nodes with CPUs */
	POLICY_TIER_SLOW = 1, /* PM / CXL, CPU-less */
};

/* One tracked page seen with hint faults in this interval. */
struct policy_obs {
	uint32_t tgid;
	uint32_t node; /* node of the page when last seen */
	uint64_t start_time; /* process start time: a recycled tgid is another process */
	uint64_t addr; /* page-aligned virtual address */
	uint32_t faults_delta; /* hint faults in this interval (not cumulative) */
	/*
	 * Shortest time from a NUMA scan to a hint fault of this page in this
	 * interval, microseconds; 0 = not known (every fault then counts).
	 */
	uint32_t latency_us;
	uint32_t flags; /* POLICY_OBS_* */
	/*
	 * The longest of them, when every fault's is known, else 0. Past the
	 * latency limit, only one of the faults is known early.
	 */
	uint32_t latency_max_us;
};

/*
 * The NUMA scanner arms this process's pages on the fast tier too (it has
 * more than one thread). It skips a single-threaded process's pages on the
 * node it runs on, so such a page faults there only once, if it was armed
 * before it moved: its silence says nothing of its heat.
 */
#define POLICY_OBS_FAST_SCANNED 0x1u
/*
 * A write sample of a fast-tier page (user/write_sampler.h): faults_delta
 * is 1 when the page was written within the sampling window (the daemon
 * sizes it so that about half of the fast pages are), 0 when not; a written
 * one stands for the intervals since the last samples (write_sample).
 * Every sample asks again, so its silence is news too: a sample
 * without a write halves its heat, and it is a demotion candidate.
 */
#define POLICY_OBS_SAMPLED 0x2u
/* write_sample's largest period, in intervals. */
#define POLICY_SAMPLE_EVERY_MAX 16u
/*
 * The faults came before the previous interval's moves had finished: the
 * node they report may be where the page was before a move of ours. For a
 * page planned to move in the previous interval the node is then ignored
 * (a failed move shows at the page's next fault); before this flag, such a
 * promoted page read as demoted again by the kernel ("reverted"), lost its
 * heat and was traded back.
 */
#define POLICY_OBS_STALE_NODE 0x4u

struct policy_node {
	uint32_t node;
	enum policy_tier tier;
	uint64_t capacity_pages; /* MemTotal of the node, in pages */
	uint64_t free_pages; /* MemFree now, in pages */
	/*
	 * Pages on the node's LRU lists (Active + Inactive), which reclaim
	 * can demote; 0: unknown, taken as all used pages.
	 */
	uint64_t lru_pages;
};

struct policy_topology {
	const struct policy_node *nodes;
	size_t nr_nodes; /* <= POLICY_MAX_NODES, unique node ids */
};

/* Per-process settings; fields left 0 inherit the global value. */
struct policy_pid_config {
	uint32_t tgid;
	bool exclude; /* never move this process's pages */
	double promote_threshold; /* faults; 0 = global threshold */
	uint32_t max_pages; /* moves of this process per interval; 0 = no own cap */
};

/*
 * Defaults (policy_config_default) and why:
 *  interval_ms 1000        the daemon's planning period; turns MB/s into pages
 *  page_size 4096
 *  decay 0.875             hotness kept per interval (NUMA scan periods are
 *                          >= 1 s, one hint fault per period)
 *  promote_threshold 2.0   faults: three timely faults in a row (2.64), not
 *                          two (1.875), which a cold page has by chance one
 *                          pass in 36; first-touch promotion thrashes
 *  high_wmark 0.90         fast node used fraction above which the coldest
 *  low_wmark 0.80          pages are demoted, down to low_wmark; promotions
 *                          never fill a fast node above high_wmark
 *  max_mbps 256            migration budget per second (both directions)
 *  max_pages 65536         and per interval; the smaller one applies
 *  cooldown 8              intervals before a moved page may move again
 *  pingpong_window 16      a move reversing one made this recently is a
 *                          ping-pong (>= cooldown)
 *  pingpong_raise 0.5      faults added to the threshold per interval whose
 *                          wasted promotions (demoted again within the
 *                          window, never seen hot on the fast tier; see
 *                          pingpong_wasted) exceed 1% of its moves and
 *                          number 8 or more, once the latency limit (the
 *                          first answer: it is tightened, to half at most)
 *                          lets pass less than 5/8 of its default share of
 *                          cold pages, up to threshold_max 8
 *  threshold_relax 0.25    faults taken back per quiet interval (a raise of
 *                          0.5 lasts two: a phase change finds the
 *                          threshold near its base again within a few)
 *  max_tracked 1 << 20     pages tracked at most (table is twice as large)
 *  evict_after 128         intervals without a fault before a page is forgotten
 *  hot_latency_ms 1000     a hint fault counts towards hotness only if it came
 *                          within this time of the NUMA scan that armed it
 *                          (0: every fault counts). Every page touched once per
 *                          scan period faults once per period, so counts alone
 *                          cannot tell a page touched 100 times a second from
 *                          one touched twice; the latency, ~1/access rate, can
 *  hot_latency_auto 1      each interval, set the latency limit from the
 *                          cold background of the interval's latencies (cold
 *                          pages fault at any time in the scan period): the
 *                          latency that a cold page beats with ~16%
 *                          probability (4% let too few hot pages pass in
 *                          the rig, where their faults stretch over ~100
 *                          ms, see DEVELOPERS.md); tighter while our
 *                          promotions come undone, reset at a phase change;
 *                          with free room on the fast tier, at least the
 *                          latency of the room's worth of earliest faults.
 *                          Never above hot_latency_ms. The kernel's tiering
 *                          adjusts its hot threshold to a promotion rate in
 *                          the same spirit
 *  reclaim_promote 1       promote a hot page even when the fast node has no
 *                          room and no known colder page, as long as it holds
 *                          pages the policy knows nothing of: the allocation
 *                          reclaims, and reclaim demotes the kernel's
 *                          LRU-coldest page. Needs the kernel's demotion
 *                          (numa/demotion_enabled); the daemon turns this off
 *                          without it
 *  demote_idle 0           1: above the high watermark, demote the coldest
 *                          pages down to the low watermark ahead of need.
 *                          0: only trade a colder page for each promotion
 *                          that waits (the kernel's reclaim keeps the node
 *                          allocatable)
 *  write_sample 4          every N intervals (0: never) the daemon samples
 *                          the writes of the fast-tier
 *                          pages of single-threaded processes, whose pages
 *                          there take no hint faults (soft-dirty bits over
 *                          a window in which about half of them are
 *                          written, see user/write_sampler.h and
 *                          POLICY_OBS_SAMPLED), so
 *                          that pages gone cold there are known and traded
 *                          for hot ones; every interval for a while after
 *                          a phase change (policy_sample_due()). Read by
 *                          the daemon, which turns it off when the kernel
 *                          keeps no soft-dirty bits
 */
struct policy_config {
	uint32_t interval_ms;
	uint32_t page_size;
	double decay;
	double promote_threshold;
	double high_wmark;
	double low_wmark;
	uint32_t max_mbps;
	uint32_t max_pages;
	uint32_t cooldown;
	uint32_t pingpong_window;
	double pingpong_raise;
	double threshold_max;
	double threshold_relax;
	uint32_t max_tracked;
	uint32_t evict_after;
	double hot_latency_ms;
	uint32_t hot_latency_auto;
	uint32_t reclaim_promote;
	uint32_t demote_idle;
	uint32_t write_sample;
	const struct policy_pid_config *pids; /* copied by policy_create() */
	size_t nr_pids;
};

/* One page to move. */
struct policy_move {
	uint32_t tgid;
	uint32_t from_node;
	uint64_t start_time;
	uint64_t addr;
	uint32_t to_node;
	uint32_t pad;
};

/* A run of plan->moves with one process and one destination: one move_pages(2) call. */
struct policy_batch {
	uint32_t tgid;
	uint32_t to_node;
	uint64_t start_time;
	bool promote; /* slow -> fast; else a demotion */
	size_t first; /* index into plan->moves */
	size_t nr;
};

struct policy_counters {
	uint32_t interval; /* 1 for the first policy_plan() */
	uint64_t observed; /* observations consumed */
	uint64_t bad_obs; /* tgid 0, unaligned address, unknown node */
	uint64_t inserted; /* pages newly tracked */
	uint64_t recycled; /* tracked page reset: its tgid now has another start time */
	uint64_t node_changed; /* page found on another node than last seen/planned */
	uint64_t evicted; /* pages forgotten (not seen for evict_after intervals) */
	uint64_t dropped_full; /* observations not tracked: max_tracked reached */
	uint64_t tracked; /* pages tracked after this interval */
	uint64_t candidates; /* slow-tier pages at or above their threshold */
	uint64_t demote_wanted; /* pages above the low watermark, all fast nodes */
	uint64_t promoted; /* planned promotions */
	uint64_t demoted; /* planned demotions (watermark + room for hotter pages) */
	uint64_t skipped_cooldown; /* candidates moved too recently */
	uint64_t skipped_budget; /* candidates or wanted demotions beyond the budget */
	uint64_t skipped_capacity; /* candidates with no room on a fast node, or no slow room */
	uint64_t skipped_pid; /* moves refused by a per-PID cap */
	uint64_t displaced; /* promotions beyond free room: the kernel's reclaim makes it */
	uint64_t pingpong; /* planned moves reversing a recent one, this interval */
	/*
	 * Of those, demotions of pages promoted within the window and never
	 * seen hot on the fast tier since (wasted promotions): what raises
	 * the threshold.
	 */
	uint64_t pingpong_wasted;
	uint64_t pingpong_total; /* since policy_create() */
	/*
	 * Pages we promoted found back on the slow tier within the ping-pong
	 * window: the kernel's reclaim demoted them. Reported, not damped: the
	 * kernel's LRU, not our threshold, chose them.
	 */
	uint64_t reverted;
	/*
	 * Promotions whose cooldown ended this interval: the page seen hot on
	 * the fast tier since (proven, the bar of pingpong_wasted), or not.
	 * The precision of the promotions of cooldown intervals ago, wherever
	 * their trade victims went; a cold page promoted by chance is seldom
	 * demoted within the ping-pong window (the fast tier's other cold
	 * pages are as cold), so ping-pong alone misses it.
	 */
	uint64_t confirmed, unconfirmed;
	/*
	 * Write samples of fast-tier pages at the threshold or above, and of
	 * them those not written in this interval's window: the old hot set
	 * falls silent when a new one takes over.
	 */
	uint64_t sampled_hot, sampled_hot_silent;
	uint64_t budget_pages; /* budget of this interval */
	uint64_t hot_pages; /* tracked pages at or above the global threshold, all tiers */
	uint64_t fast_room; /* pages the fast tier has for managed pages below high_wmark */
	double hot_latency_ms; /* latency limit used this interval (0: not used) */
	double cold_pass; /* share of cold pages the next interval's limit lets pass */
	/*
	 * Of the slow tier's pages early within the last latency limit, the
	 * share early in their last passes too jumped (15 points above its
	 * average): a new hot set, at its second pass. The threshold's raise
	 * and the limit's tightening, answers to the last phase, were dropped,
	 * for this interval's plan too.
	 */
	uint32_t phase_change;
	/*
	 * That share this interval and the average it was held against, or
	 * -1 where none was measured (too few early faults, no pass, a stall).
	 */
	double repeat_share, repeat_avg;
	/*
	 * The candidates that chance alone would make of the slow tier's
	 * cold pages this interval (chance_candidates()), -1 where not
	 * measured. At most twice as many candidates: the latency limit
	 * tightens, as for promotions never seen hot.
	 */
	double chance;
	uint32_t no_pass; /* policy_note_pass(false): the limit stood */
	/*
	 * Fewer than 1% of the faults came within the last limit: the
	 * workload stalled after the scan (in the rig, behind our own moves).
	 * The limit stood and no fault was judged late.
	 */
	uint32_t stalled;
	/*
	 * The phase change lowered the slow tier's threshold: its first
	 * interval, not within a cooldown of the last change nor right after
	 * a burst of promotions, nor the run's first hot set forming.
	 */
	uint32_t change_lowered;
	/*
	 * The slow tier's share jumped as at a phase change, but the fast
	 * tier's sampled hot pages are written as before: no change (nothing
	 * reset, nothing lowered).
	 */
	uint32_t change_denied;
	double threshold; /* global promotion threshold used this interval, faults */
	double next_threshold; /* after this interval's ping-pong response */
};

struct policy_plan {
	struct policy_move *moves; /* demotions first, then by tgid, node, address */
	size_t nr_moves;
	size_t cap_moves;
	struct policy_batch *batches;
	size_t nr_batches;
	size_t cap_batches;
	struct policy_counters c;
};

struct policy;

void policy_config_default(struct policy_config *cfg);

/* The settings that have a name (all but interval_ms, which the daemon sets). */
struct policy_config_key {
	const char *name;
	enum { POLICY_KEY_U32, POLICY_KEY_DOUBLE } type;
	size_t off; /* of the field in struct policy_config */
	bool live; /* policy_reconfigure() can change it */
};
const struct policy_config_key *policy_config_keys(size_t *nr);
/*
 * NULL when @cfg is valid (policy_create() would take it), else why not,
 * with the setting to blame in *key ("high_wmark" for high <= low, ...).
 */
const char *policy_config_invalid(const struct policy_config *cfg, const char **key);
/*
 * Set one scalar setting by its field name ("decay", "max_mbps", ...), as a
 * --config file line `key=value` would: 0, -ENOENT unknown key, -EINVAL a
 * value that does not parse. Ranges are checked by policy_create().
 */
int policy_config_set(struct policy_config *cfg, const char *key, const char *value);
/* Every setting as `key=value` lines (policy_config_set() reads them back), then the PIDs. */
void policy_config_print(FILE *f, const struct policy_config *cfg);
/* Validate cfg and allocate the state; the table grows to 64 MiB at 1 M tracked pages. */
int policy_create(const struct policy_config *cfg, struct policy **out);
void policy_destroy(struct policy *pol);
/*
 * Change the settings of a running policy (config reload), keeping its
 * state: tracked pages, hotness, cooldowns, the ping-pong raise. Every
 * setting but page_size can change. 0, or -EINVAL / -ENOMEM with the old
 * settings kept.
 */
int policy_reconfigure(struct policy *pol, const struct policy_config *cfg);
/*
 * Replace the per-PID settings while running (attach/detach, config reload):
 * copied; 0, or -EINVAL (tgid 0, duplicate tgid, bad threshold) / -ENOMEM
 * with the old settings kept.
 */
int policy_set_pids(struct policy *pol, const struct policy_pid_config *pids, size_t nr);

/*
 * One interval: account obs (in any order), decay every tracked page, and
 * fill plan (reset first) with the moves for this interval. The topology's
 * free/capacity figures are taken as the truth of now. Returns 0 or -errno
 * (-EINVAL bad topology, -ENOMEM); every allocation and check happens before
 * the state is touched, so on error the state is unchanged and the interval
 * can be retried.
 */
/*
 * Wiring notes for the daemon:
 *  - obs: one record per page with new hint faults. Pages with
 *    faults_delta 0 may be passed too (keeps them tracked and their node
 *    current); left out, they are forgotten after evict_after intervals.
 *    Duplicates of a page within one call add up.
 *  - A plan assumes its moves happen: the page's node becomes the target and
 *    its cooldown starts. Tell policy_note_failed() where a move that
 *    failed left its page (daemon_note_unmoved()); it is retried after the
 *    cooldown, which is the back-off wanted for pages that will not move.
 *    Not told, the page shows up as node_changed when next seen on its old
 *    node, and a promotion as reverted by reclaim.
 *  - Batches are one move_pages(tgid, nr, addrs, to_node) each; run them in
 *    order (demotions first); check start_time before touching a tgid.
 *  - plan->moves/batches are reused by the next call; copy what must live on.
 */
int policy_plan(struct policy *pol, const struct policy_obs *obs, size_t nr_obs,
		const struct policy_topology *topo, struct policy_plan *plan);
/*
 * Before policy_plan(): did a NUMA scan pass of the observed processes
 * start in this interval? Without one (@started false) its faults are the
 * tail of a pass already read, with none of the hot pages' pile after the
 * scan: the latency limit stands. Not called: a pass started. Holds for
 * the next policy_plan() only.
 */
void policy_note_pass(struct policy *pol, bool started);
/* Should the daemon take write samples for the next policy_plan()? (write_sample) */
bool policy_sample_due(const struct policy *pol);

void policy_plan_init(struct policy_plan *plan);
void policy_plan_fini(struct policy_plan *plan);
/* Human-readable plan for --dry-run: counters, then one line per batch. */
void policy_plan_print(FILE *f, const struct policy_plan *plan);
/* Room for policy_chance_str()'s longest. */
#define POLICY_CHANCE_LEN 32
/* "N by chance" in @buf, or "chance not measured" (plan->c.chance < 0). */
const char *policy_chance_str(char *buf, size_t len, double chance);

/* Tracked-page query for tests and `status`: 0 and *hot (faults), or -ENOENT. */
int policy_page_hotness(const struct policy *pol, uint32_t tgid, uint64_t addr, double *hot);
size_t policy_tracked(const struct policy *pol);
/* Is @tgid excluded by its per-PID settings (never moved)? */
bool policy_pid_excluded(const struct policy *pol, uint32_t tgid);

/*
 * Moves decided outside the plan (affinity-on-next-touch) honour the
 * policy's cooldown and tell it what they did.
 * policy_page_cooling: is the page within its cooldown after a move (true
 * also for pages in this interval's plan)? Untracked pages are not.
 * policy_note_move: the page moved to @to_node (@to_fast: a fast-tier node)
 * in this interval; its cooldown starts. 0, or -ENOENT when the page is not
 * tracked for that process.
 */
bool policy_page_cooling(const struct policy *pol, uint32_t tgid, uint64_t addr);
/*
 * Group plan->moves built outside policy_plan() into batches as it does
 * (pad 0: demotions; 1: promotions); cap_batches must be >= nr_moves.
 */
void policy_plan_batch(struct policy_plan *plan);
int policy_note_move(struct policy *pol, uint32_t tgid, uint64_t start_time, uint64_t addr,
		     uint32_t to_node, bool to_fast);
/*
 * A planned move of the page did not happen: move_pages(2) left it on
 * @node. Its cooldown stands (a page that failed is not retried at once),
 * but its next fault there is not read as someone else moving it (before,
 * a failed promotion counted as "reverted by reclaim" and lowered the hot
 * share). 0, or -ENOENT when the page is not tracked for that process.
 */
int policy_note_failed(struct policy *pol, uint32_t tgid, uint64_t start_time, uint64_t addr,
		       uint32_t node);

#endif
