// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: arbitrary settings, topologies and observations, several
 * intervals per input. No crash, no sanitizer report, and every plan keeps the
 * invariants the mover relies on (abort() otherwise):
 *   - a node never receives more pages than it has free once the plan's
 *     demotions (run first) are done;
 *   - a fast node receiving promotions ends at or below its high watermark;
 *   - every move crosses tiers, from a node of the topology to another;
 *   - no more moves than the budget; batches partition the moves.
 * Topologies need not be consistent (free counts are racy in real life), so
 * "out <= used" is not required here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static const struct policy_node *node_of(const struct policy_topology *t, uint32_t node)
{
	size_t k;

	for (k = 0; k < t->nr_nodes; k++)
		if (t->nodes[k].node == node)
			return &t->nodes[k];
	return NULL;
}

static void check(const struct policy_topology *t, const struct policy_config *cfg,
		  const struct policy_plan *p)
{
	uint64_t in[POLICY_MAX_NODES] = { 0 }, out[POLICY_MAX_NODES] = { 0 };
	size_t i, k, covered = 0;

	if (p->nr_moves > p->c.budget_pages || p->nr_moves != p->c.promoted + p->c.demoted)
		abort();
	for (i = 0; i < p->nr_moves; i++) {
		const struct policy_node *from = node_of(t, p->moves[i].from_node);
		const struct policy_node *to = node_of(t, p->moves[i].to_node);

		if (!from || !to || from->tier == to->tier)
			abort();
		in[to - t->nodes]++;
		out[from - t->nodes]++;
	}
	for (k = 0; k < t->nr_nodes; k++) {
		const struct policy_node *n = &t->nodes[k];
		uint64_t used = n->capacity_pages - n->free_pages;

		uint64_t high = (uint64_t)(n->capacity_pages * cfg->high_wmark);

		/* Beyond free room only promotions left to the kernel's reclaim (counted). */
		if (in[k] > n->free_pages + out[k] + p->c.displaced)
			abort();
		/* Promotions never fill a fast node: above the watermark only swaps. */
		if (n->tier == POLICY_TIER_FAST && in[k] &&
		    (used + in[k] < out[k] ? 0 : used + in[k] - out[k]) >
			    (used > high ? used : high) + p->c.displaced)
			abort();
	}
	for (i = 0; i < p->nr_batches; i++) {
		if (p->batches[i].first != covered || !p->batches[i].nr)
			abort();
		covered += p->batches[i].nr;
	}
	if (covered != p->nr_moves)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct policy_node nodes[4];
	struct policy_topology topo = { nodes, 0 };
	struct policy_obs obs[64];
	struct policy_config cfg;
	struct policy *pol = NULL;
	struct policy_plan plan;
	int t, intervals;
	size_t k, i, n;

	policy_config_default(&cfg);
	cfg.max_tracked = 1 + (uint32_t)take(&in, 1); /* tiny: full table, eviction */
	cfg.max_pages = 1 + (uint32_t)take(&in, 1);
	cfg.cooldown = (uint32_t)take(&in, 1) % 6;
	cfg.pingpong_window = cfg.cooldown + (uint32_t)take(&in, 1) % 6;
	cfg.evict_after = 1 + (uint32_t)take(&in, 1) % 8;
	cfg.decay = (1 + take(&in, 1)) / 256.0;
	cfg.high_wmark = (1 + take(&in, 1)) / 256.0;
	cfg.low_wmark = cfg.high_wmark * take(&in, 1) / 256.0;
	if (policy_create(&cfg, &pol))
		return 0;
	policy_plan_init(&plan);

	topo.nr_nodes = 1 + take(&in, 1) % 4;
	for (k = 0; k < topo.nr_nodes; k++) {
		nodes[k].node = (uint32_t)take(&in, 1) % 8; /* duplicates: -EINVAL */
		nodes[k].tier = take(&in, 1) & 1 ? POLICY_TIER_SLOW : POLICY_TIER_FAST;
		nodes[k].capacity_pages = take(&in, 2);
		nodes[k].free_pages = take(&in, 2) % (nodes[k].capacity_pages + 1);
		nodes[k].lru_pages = take(&in, 2) % (nodes[k].capacity_pages + 1);
	}
	intervals = 1 + (int)(take(&in, 1) % 16);
	for (t = 0; t < intervals; t++) {
		n = take(&in, 1) % 65;
		for (i = 0; i < n; i++) {
			obs[i].tgid = (uint32_t)take(&in, 1) % 4;
			obs[i].node = (uint32_t)take(&in, 1) % 10;
			obs[i].start_time = take(&in, 1) % 2;
			obs[i].addr = take(&in, 1) << 12 | (take(&in, 1) % 8 ? 0 : 0x10);
			obs[i].faults_delta = (uint32_t)take(&in, 4);
		}
		/* A free-count change between intervals, as the mover or the kernel would make. */
		k = take(&in, 1) % topo.nr_nodes;
		nodes[k].free_pages = take(&in, 2) % (nodes[k].capacity_pages + 1);
		if (policy_plan(pol, obs, n, &topo, &plan))
			continue;
		check(&topo, &cfg, &plan);
	}
	policy_plan_fini(&plan);
	policy_destroy(pol);
	return 0;
}
