// SPDX-License-Identifier: GPL-2.0
/* Unit tests: hint-fault records from the fault ring summed per page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf_loader.h"
#include "fault_feed.h"

static struct heat_fault rec(__u32 tgid, __u64 addr, __u64 ns, __u32 lat_us, int cpu_node, int node,
			     __u32 flags)
{
	return (struct heat_fault){ .key = { .tgid = tgid, .addr = addr },
				    .ns = ns,
				    .lat_us = lat_us,
				    .cpu_node = cpu_node,
				    .node = node,
				    .pages = node >= 0 ? 1 : 0,
				    .flags = flags };
}

static void add_all(struct fault_feed *ff, const struct heat_fault *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(fault_feed_add(ff, &r[i]), 0);
}

static int setup(void **state)
{
	struct fault_feed *ff;

	if (fault_feed_new(1u << 20, &ff))
		return -1;
	*state = ff;
	return 0;
}

static int teardown(void **state)
{
	fault_feed_free(*state);
	return 0;
}

/* Each page's sums are what page_heat would hold for the same faults. */
static void test_sums_per_page(void **state)
{
	struct fault_feed *ff = *state;
	const struct heat_fault r[] = {
		rec(10, 0x1000, 500, 300, 0, 1, 0),
		rec(20, 0x1000, 510, 0, 1, 1, PAUTONUMA_TNF_FAULT_LOCAL),
		rec(10, 0x1000, 400, 90, 1, 1, PAUTONUMA_TNF_MIGRATE_FAIL), /* older: ring order */
		rec(10, 0x2000, 600, 0, 0, 0, PAUTONUMA_TNF_MIGRATED),
		rec(10, 0x1000, 700, 5000, 0, -1, 0), /* no outcome: the node stays */
	};
	const struct heat_val *v;
	struct heat_batch b;

	add_all(ff, r, 5);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 3);
	/* in the order first seen */
	assert_int_equal(b.keys[0].tgid, 10);
	assert_int_equal(b.keys[0].addr, 0x1000);
	assert_int_equal(b.keys[1].tgid, 20);
	assert_int_equal(b.keys[2].addr, 0x2000);

	v = &b.vals[0];
	assert_int_equal(v->faults, 3);
	assert_int_equal(v->faults_by_node[0], 2);
	assert_int_equal(v->faults_by_node[1], 1);
	assert_int_equal(v->first_ns, 400);
	assert_int_equal(v->last_ns, 700);
	assert_int_equal(v->last_cpu_node, 0);
	assert_int_equal(v->lat_faults, 3);
	assert_int_equal(v->lat_min_us, 90);
	assert_int_equal(v->lat_max_us, 5000);
	assert_int_equal(v->node, 1);
	assert_int_equal(v->pages, 1);
	assert_int_equal(v->local_faults, 0);
	assert_int_equal(v->migrate_fail, 1);
	assert_int_equal(v->migrate_ok, 0);

	v = &b.vals[1];
	assert_int_equal(v->faults, 1);
	assert_int_equal(v->lat_faults, 0); /* latency unknown: not counted */
	assert_int_equal(v->lat_min_us, 0);
	assert_int_equal(v->local_faults, 1);
	assert_int_equal(v->last_cpu_node, 1);

	v = &b.vals[2];
	assert_int_equal(v->node, 0);
	assert_int_equal(v->migrate_ok, 1);
	assert_int_equal(fault_feed_lost(ff), 0);
}

/* A page whose faults had no outcome has no node, as in page_heat. */
static void test_no_outcome_node_unknown(void **state)
{
	struct fault_feed *ff = *state;
	const struct heat_fault r = rec(10, 0x3000, 1, 0, 3, -1, 0);
	struct heat_batch b;

	add_all(ff, &r, 1);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.vals[0].node, -1);
	assert_int_equal(b.vals[0].pages, 0);
	assert_int_equal(b.vals[0].faults_by_node[3], 1);
}

/* Each take hands over the faults since the last one only. */
static void test_take_restarts(void **state)
{
	struct fault_feed *ff = *state;
	const struct heat_fault a[] = { rec(10, 0x1000, 1, 0, 0, 1, 0),
					rec(10, 0x2000, 2, 0, 0, 1, 0) };
	const struct heat_fault c = rec(10, 0x1000, 3, 0, 0, 0, 0);
	struct heat_batch b;

	add_all(ff, a, 2);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 2);
	add_all(ff, &c, 1);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.keys[0].addr, 0x1000);
	assert_int_equal(b.vals[0].faults, 1);
	assert_int_equal(b.vals[0].first_ns, 3);
	assert_int_equal(b.vals[0].node, 0);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 0);
}

/* Past the first table's room (4096 pages) every page keeps its sums. */
static void test_grows(void **state)
{
	struct fault_feed *ff = *state;
	const size_t pages = 20000;
	struct heat_fault r;
	struct heat_batch b;
	size_t i, round;

	for (round = 0; round < 2; round++)
		for (i = 0; i < pages; i++) {
			/* two processes, so that keys differ in tgid as well */
			r = rec(1 + (__u32)(i & 1), 0x7f0000000000ull + (i << 12), round, 0, 0, 1,
				0);
			assert_int_equal(fault_feed_add(ff, &r), 0);
		}
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, pages);
	for (i = 0; i < pages; i++) {
		assert_int_equal(b.keys[i].addr, 0x7f0000000000ull + (i << 12));
		assert_int_equal(b.keys[i].tgid, 1 + (i & 1));
		assert_int_equal(b.vals[i].faults, 2);
		assert_int_equal(b.vals[i].last_ns, 1);
	}
}

/*
 * At its page limit the feed still sums the pages it holds; a fault of a
 * new page is lost and counted, per interval. The limit is reached by
 * growing (5000 pages: the first table holds 4096).
 */
static void test_page_limit(void **state)
{
	const size_t limit = 5000;
	struct fault_feed *ff;
	struct heat_fault r;
	struct heat_batch b;
	size_t i;

	(void)state;
	assert_int_equal(fault_feed_new(0, &ff), -EINVAL);
	assert_null(ff);
	assert_int_equal(fault_feed_new(limit, &ff), 0);
	for (i = 0; i < limit; i++) {
		r = rec(7, 0x10000000ull + (i << 12), i, 0, 0, 1, 0);
		assert_int_equal(fault_feed_add(ff, &r), 0);
	}
	r = rec(7, 0x10000000ull + (limit << 12), 1, 0, 0, 1, 0);
	assert_int_equal(fault_feed_add(ff, &r), -ENOSPC);
	assert_int_equal(fault_feed_add(ff, &r), -ENOSPC);
	r = rec(7, 0x10000000ull, 99, 0, 0, 0, 0); /* held: summed */
	assert_int_equal(fault_feed_add(ff, &r), 0);
	assert_int_equal(fault_feed_lost(ff), 2);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, limit);
	assert_int_equal(b.vals[0].faults, 2);
	assert_int_equal(b.vals[0].node, 0);
	assert_int_equal(fault_feed_lost(ff), 2); /* of the interval taken */

	/* The next interval starts with none lost and the room of the limit. */
	r = rec(8, 0x20000000ull, 1, 0, 0, 1, 0);
	assert_int_equal(fault_feed_add(ff, &r), 0);
	assert_int_equal(fault_feed_lost(ff), 0);
	fault_feed_take(ff, &b);
	assert_int_equal(b.n, 1);
	fault_feed_free(ff);
}

/* Faults from a node past the counted ones land in the last slot, as in page_heat. */
static void test_high_cpu_node_in_last_slot(void **state)
{
	struct fault_feed *ff = *state;
	const struct heat_fault r = rec(10, 0x1000, 1, 0, 12, 1, 0);
	struct heat_batch b;

	add_all(ff, &r, 1);
	fault_feed_take(ff, &b);
	assert_int_equal(b.vals[0].faults_by_node[PAUTONUMA_MAX_NODES - 1], 1);
	assert_int_equal(b.vals[0].last_cpu_node, 12);
}

/* The ring has room for a fault of each page page_heat holds: 1 to 256 MiB. */
static void test_ring_bytes(void **state)
{
	struct observer_opts o = { .fault_feed = true };
	unsigned int heat_only;

	assert_int_equal(observer_fault_ring_bytes(&o), 16u << 20); /* 262144 x 56 */
	o.heat_entries = 1000;
	assert_int_equal(observer_fault_ring_bytes(&o), 1u << 20);
	o.heat_entries = 1u << 20;
	assert_int_equal(observer_fault_ring_bytes(&o), 64u << 20);
	o.heat_entries = 1u << 24;
	assert_int_equal(observer_fault_ring_bytes(&o), 256u << 20);
	/* and counts in the kernel memory the daemon announces */
	o.heat_entries = 0;
	o.fault_feed = false;
	heat_only = observer_heat_map_mib(&o);
	o.fault_feed = true;
	assert_int_equal(observer_heat_map_mib(&o), heat_only + 16);
}

static void test_free_null(void **state)
{
	fault_feed_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sums_per_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_outcome_node_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows, setup, teardown),
		cmocka_unit_test(test_page_limit),
		cmocka_unit_test_setup_teardown(test_high_cpu_node_in_last_slot, setup, teardown),
		cmocka_unit_test(test_ring_bytes),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
