// SPDX-License-Identifier: GPL-2.0
/* Unit tests: affinity-on-next-touch decisions (user/next_touch.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "next_touch.h"
#include "policy.h"

#define PG 4096ull
#define BASE 0x7f0000000000ull
#define ST 1000 /* start time of the marked process */

static struct nt_mark mark_of(uint32_t tgid, uint64_t start, uint64_t end, uint64_t ns)
{
	return (struct nt_mark){
		.tgid = tgid, .start_time = ST, .start = start, .end = end, .mark_ns = ns
	};
}

static struct nt_fault fault_of(uint32_t tgid, uint64_t addr, int node, int cpu_node, uint64_t ns)
{
	return (struct nt_fault){ .tgid = tgid,
				  .node = node,
				  .start_time = ST,
				  .addr = addr,
				  .last_ns = ns,
				  .cpu_node = cpu_node };
}

struct fixture {
	struct next_touch *nt;
	struct policy_plan plan;
	struct nt_counters c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || nt_create(&f->nt))
		return -1;
	policy_plan_init(&f->plan);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nt_destroy(f->nt);
	policy_plan_fini(&f->plan);
	free(f);
	return 0;
}

static int plan(struct fixture *f, const struct nt_fault *faults, size_t n, uint64_t budget)
{
	return nt_plan(f->nt, faults, n, budget, NULL, NULL, &f->plan, &f->c);
}

static void test_parse_range(void **state)
{
	uint64_t a = 0, b = 0;

	assert_int_equal(nt_parse_range("0x1000-0x3000", PG, &a, &b), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(b, 0x3000);
	assert_int_equal(nt_parse_range("4096-8192", PG, &a, &b), 0);
	assert_int_equal(a, 4096);
	assert_int_equal(b, 8192);
	assert_int_equal(nt_parse_range("0-0xfffffffffffff000", PG, &a, &b), 0);
	assert_int_equal(b, 0xfffffffffffff000ull);

	assert_int_equal(nt_parse_range("0x1000", PG, &a, &b), -EINVAL); /* no dash */
	assert_int_equal(nt_parse_range("0x3000-0x1000", PG, &a, &b), -EINVAL); /* reversed */
	assert_int_equal(nt_parse_range("0x1000-0x1000", PG, &a, &b), -EINVAL); /* empty */
	assert_int_equal(nt_parse_range("0x1001-0x3000", PG, &a, &b), -EINVAL); /* unaligned */
	assert_int_equal(nt_parse_range("0x1000-0x3001", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("-0x1000", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000-", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000--0x3000", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000-0x3000x", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000 -0x3000", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000-99999999999999999999999", PG, &a, &b), -EINVAL);
	assert_int_equal(nt_parse_range("0x1000-0x3000", 3000, &a, &b), -EINVAL); /* page size */
	assert_int_equal(nt_parse_range(NULL, PG, &a, &b), -EINVAL);
}

static void test_overlap(void **state)
{
	assert_true(nt_ranges_overlap(0, 2 * PG, PG, 3 * PG));
	assert_true(nt_ranges_overlap(PG, 3 * PG, 0, 2 * PG));
	assert_true(nt_ranges_overlap(0, UINT64_MAX, 5 * PG, 6 * PG));
	assert_false(nt_ranges_overlap(0, PG, PG, 2 * PG)); /* end is exclusive */
	assert_false(nt_ranges_overlap(PG, 2 * PG, 0, PG));
}

static void test_find_mark(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m[] = {
		mark_of(20, BASE, BASE + 8 * PG, 200), /* newer, same range start */
		mark_of(10, BASE, BASE + 4 * PG, 100),
		mark_of(20, BASE, BASE + 4 * PG, 300), /* newest, narrower */
		mark_of(20, BASE + 16 * PG, BASE + 32 * PG, 50),
	};
	const struct nt_mark *r;

	assert_int_equal(nt_set_marks(f->nt, m, 4), 0);
	assert_int_equal(nt_nr_marks(f->nt), 4);
	r = nt_find_mark(f->nt, 10, ST, BASE + 3 * PG);
	assert_non_null(r);
	assert_int_equal(r->mark_ns, 100);
	assert_null(nt_find_mark(f->nt, 10, ST, BASE + 4 * PG)); /* end exclusive */
	assert_null(nt_find_mark(f->nt, 10, ST, BASE - PG));
	assert_null(nt_find_mark(f->nt, 10, ST + 1, BASE)); /* another process, same PID */
	assert_null(nt_find_mark(f->nt, 11, ST, BASE));
	r = nt_find_mark(f->nt, 20, ST, BASE + PG); /* two cover it: the newest wins */
	assert_int_equal(r->mark_ns, 300);
	r = nt_find_mark(f->nt, 20, ST, BASE + 5 * PG);
	assert_int_equal(r->mark_ns, 200);
	assert_null(nt_find_mark(f->nt, 20, ST, BASE + 10 * PG));
	r = nt_find_mark(f->nt, 20, ST, BASE + 31 * PG);
	assert_int_equal(r->mark_ns, 50);
}

static void test_no_marks_no_moves(void **state)
{
	struct fixture *f = *state;
	struct nt_fault x = fault_of(10, BASE, 0, 1, 500);

	assert_int_equal(plan(f, &x, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(f->c.decided, 0);
}

static void test_touch_after_mark_moves_once(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 4 * PG, 1000);
	struct nt_fault before[] = {
		fault_of(10, BASE, 0, 1, 999), /* touched before the mark */
		fault_of(10, BASE + PG, 0, 1, 1000), /* at the mark: not after it */
	};
	struct nt_fault after[] = {
		fault_of(10, BASE, 0, 1, 1500), fault_of(10, BASE + 2 * PG, 0, 1, 1600),
		fault_of(10, BASE + 4 * PG, 0, 1, 1600), /* outside the range */
		fault_of(11, BASE + PG, 0, 1, 1600), /* another process */
	};
	struct nt_fault back = fault_of(10, BASE, 1, 0, 2500);

	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(plan(f, before, 2, 100), 0);
	assert_int_equal(f->c.decided, 0);
	assert_int_equal(f->plan.nr_moves, 0);

	assert_int_equal(plan(f, after, 4, 100), 0);
	assert_int_equal(f->c.decided, 2);
	assert_int_equal(f->c.planned, 2);
	assert_int_equal(f->plan.nr_moves, 2);
	assert_int_equal(f->plan.nr_batches, 1);
	assert_int_equal(f->plan.batches[0].tgid, 10);
	assert_int_equal(f->plan.batches[0].to_node, 1);
	assert_int_equal(f->plan.batches[0].start_time, ST);
	assert_int_equal(f->plan.batches[0].nr, 2);
	assert_false(f->plan.batches[0].promote);
	assert_int_equal(f->plan.moves[0].addr, BASE);
	assert_int_equal(f->plan.moves[1].addr, BASE + 2 * PG);
	assert_int_equal(f->plan.moves[0].from_node, 0);
	assert_int_equal(f->c.consumed, 2);

	/* The mark is consumed for these pages: a touch from node 0 now moves nothing. */
	assert_int_equal(plan(f, &back, 1, 100), 0);
	assert_int_equal(f->c.decided, 0);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(f->c.consumed, 2);
}

static void test_already_in_place(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 4 * PG, 1000);
	/* The kernel may have moved it on this very fault: no move, mark consumed. */
	struct nt_fault x = fault_of(10, BASE, 1, 1, 2000);
	struct nt_fault y = fault_of(10, BASE, 1, 0, 3000);

	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(plan(f, &x, 1, 100), 0);
	assert_int_equal(f->c.decided, 1);
	assert_int_equal(f->c.in_place, 1);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(plan(f, &y, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(f->c.consumed, 1);
}

static void test_budget_defers_and_first_touch_stands(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 16 * PG, 1000);
	struct nt_fault x[5], later[5];
	int i;

	for (i = 0; i < 5; i++) {
		x[i] = fault_of(10, BASE + i * PG, 0, 1, 2000);
		later[i] = fault_of(10, BASE + i * PG, 0, 2, 3000); /* another node now */
	}
	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(plan(f, x, 5, 2), 0);
	assert_int_equal(f->c.planned, 2);
	assert_int_equal(f->c.deferred_budget, 3);
	assert_int_equal(f->c.pending, 3);
	assert_int_equal(f->plan.moves[0].addr, BASE);
	assert_int_equal(f->plan.moves[1].addr, BASE + PG);

	/* Deferred pages keep the node their next touch decided. */
	assert_int_equal(plan(f, later, 5, 10), 0);
	assert_int_equal(f->c.decided, 0);
	assert_int_equal(f->c.planned, 3);
	assert_int_equal(f->c.pending, 0);
	assert_int_equal(f->plan.nr_batches, 1);
	assert_int_equal(f->plan.batches[0].to_node, 1);
	assert_int_equal(f->plan.moves[0].addr, BASE + 2 * PG);

	assert_int_equal(plan(f, NULL, 0, 0), 0); /* budget 0: nothing, nothing lost */
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(f->c.consumed, 5);
}

static bool busy_even(void *ctx, uint32_t tgid, uint64_t addr)
{
	int *calls = ctx;

	(*calls)++;
	return ((addr - BASE) / PG) % 2 == 0;
}

static void test_busy_defers(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 4 * PG, 1000);
	struct nt_fault x[4];
	int i, calls = 0;

	for (i = 0; i < 4; i++)
		x[i] = fault_of(10, BASE + i * PG, 0, 1, 2000);
	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(nt_plan(f->nt, x, 4, 100, busy_even, &calls, &f->plan, &f->c), 0);
	assert_int_equal(calls, 4);
	assert_int_equal(f->c.planned, 2);
	assert_int_equal(f->c.deferred_busy, 2);
	assert_int_equal(f->plan.moves[0].addr, BASE + PG);
	assert_int_equal(f->plan.moves[1].addr, BASE + 3 * PG);
	/* Out of cooldown later: the deferred pages go. */
	assert_int_equal(plan(f, NULL, 0, 100), 0);
	assert_int_equal(f->c.planned, 2);
	assert_int_equal(f->plan.moves[0].addr, BASE);
	assert_int_equal(f->plan.moves[1].addr, BASE + 2 * PG);
}

static void test_remark_rearms(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m1 = mark_of(10, BASE, BASE + 4 * PG, 1000);
	struct nt_mark m2 = mark_of(10, BASE, BASE + 4 * PG, 5000);
	struct nt_fault a = fault_of(10, BASE, 0, 1, 2000);
	struct nt_fault b = fault_of(10, BASE, 1, 0, 4000); /* before the new mark */
	struct nt_fault c = fault_of(10, BASE, 1, 0, 6000);

	assert_int_equal(nt_set_marks(f->nt, &m1, 1), 0);
	assert_int_equal(plan(f, &a, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 1);
	assert_int_equal(nt_set_marks(f->nt, &m2, 1), 0); /* same range marked again */
	assert_int_equal(plan(f, &b, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(plan(f, &c, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 1);
	assert_int_equal(f->plan.batches[0].to_node, 0);
}

static void test_newest_mark_governs(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m[] = {
		mark_of(10, BASE, BASE + 8 * PG, 1000),
		mark_of(10, BASE + 2 * PG, BASE + 4 * PG, 3000),
	};
	/* After the old mark but before the newer one covering it: wait for the next touch. */
	struct nt_fault x[] = { fault_of(10, BASE + 2 * PG, 0, 1, 2000),
				fault_of(10, BASE + 5 * PG, 0, 1, 2000) };

	assert_int_equal(nt_set_marks(f->nt, m, 2), 0);
	assert_int_equal(plan(f, x, 2, 100), 0);
	assert_int_equal(f->plan.nr_moves, 1);
	assert_int_equal(f->plan.moves[0].addr, BASE + 5 * PG);
}

static void test_clear_and_exit_drop_decisions(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 4 * PG, 1000);
	struct nt_fault x = fault_of(10, BASE, 0, 1, 2000);
	struct nt_fault other = fault_of(10, BASE + PG, 0, 1, 2000);

	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(plan(f, &x, 1, 0), 0); /* decided, no budget */
	assert_int_equal(f->c.pending, 1);
	assert_int_equal(nt_set_marks(f->nt, NULL, 0), 0); /* --clear, or the process left */
	assert_int_equal(plan(f, NULL, 0, 100), 0);
	assert_int_equal(f->plan.nr_moves, 0);
	assert_int_equal(f->c.pending, 0);
	assert_int_equal(f->c.consumed, 0);

	/* A recycled PID: same tgid, another start time, is not the marked process. */
	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	other.start_time = ST + 7;
	assert_int_equal(plan(f, &other, 1, 100), 0);
	assert_int_equal(f->c.decided, 0);
	assert_int_equal(f->plan.nr_moves, 0);
}

static void test_unknown_cpu_node_ignored(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m = mark_of(10, BASE, BASE + 4 * PG, 1000);
	struct nt_fault x = fault_of(10, BASE, 0, -1, 2000);

	assert_int_equal(nt_set_marks(f->nt, &m, 1), 0);
	assert_int_equal(plan(f, &x, 1, 100), 0);
	assert_int_equal(f->c.decided, 0);
	x.cpu_node = 1;
	x.last_ns = 3000;
	assert_int_equal(plan(f, &x, 1, 100), 0);
	assert_int_equal(f->plan.nr_moves, 1);
}

static void test_batches_by_process_and_node(void **state)
{
	struct fixture *f = *state;
	struct nt_mark m[] = { mark_of(10, 0, UINT64_MAX, 1000), mark_of(7, 0, UINT64_MAX, 1000) };
	struct nt_fault x[] = {
		fault_of(10, BASE + 3 * PG, 0, 1, 2000), fault_of(10, BASE + 1 * PG, 0, 2, 2000),
		fault_of(10, BASE + 2 * PG, 0, 1, 2000), fault_of(7, BASE, 1, 0, 2000),
		fault_of(10, BASE + 3 * PG, 0, 1, 2000), /* the same page twice */
	};

	assert_int_equal(nt_set_marks(f->nt, m, 2), 0);
	assert_int_equal(plan(f, x, 5, 100), 0);
	assert_int_equal(f->c.decided, 4);
	assert_int_equal(f->plan.nr_moves, 4);
	assert_int_equal(f->plan.nr_batches, 3);
	assert_int_equal(f->plan.batches[0].tgid, 7);
	assert_int_equal(f->plan.batches[0].to_node, 0);
	assert_int_equal(f->plan.batches[1].tgid, 10);
	assert_int_equal(f->plan.batches[1].to_node, 1);
	assert_int_equal(f->plan.batches[1].nr, 2);
	assert_int_equal(f->plan.moves[f->plan.batches[1].first].addr, BASE + 2 * PG);
	assert_int_equal(f->plan.moves[f->plan.batches[1].first + 1].addr, BASE + 3 * PG);
	assert_int_equal(f->plan.batches[2].to_node, 2);
	assert_int_equal(f->plan.batches[2].nr, 1);
}

/* The policy side: cooldown query and moves noted from outside its plan. */
static void test_policy_cooldown_and_note(void **state)
{
	struct policy_node nodes[] = {
		{ .node = 0, .tier = POLICY_TIER_FAST, .capacity_pages = 1000, .free_pages = 900 },
		{ .node = 1, .tier = POLICY_TIER_FAST, .capacity_pages = 1000, .free_pages = 900 },
		{ .node = 2, .tier = POLICY_TIER_SLOW, .capacity_pages = 4000, .free_pages = 4000 },
	};
	struct policy_topology topo = { .nodes = nodes, .nr_nodes = 3 };
	struct policy_obs o = {
		.tgid = 10, .node = 0, .start_time = ST, .addr = BASE, .faults_delta = 1
	};
	struct policy_config cfg;
	struct policy_plan p;
	struct policy *pol;
	uint32_t i;

	policy_config_default(&cfg);
	cfg.cooldown = 3;
	assert_int_equal(policy_create(&cfg, &pol), 0);
	policy_plan_init(&p);
	assert_int_equal(policy_plan(pol, &o, 1, &topo, &p), 0);
	assert_false(policy_page_cooling(pol, 10, BASE)); /* never moved */
	assert_false(policy_page_cooling(pol, 10, BASE + PG)); /* not tracked */
	assert_int_equal(policy_note_move(pol, 10, ST, BASE + PG, 1, true), -ENOENT);
	assert_int_equal(policy_note_move(pol, 10, ST + 1, BASE, 1, true), -ENOENT);
	assert_int_equal(policy_note_move(pol, 10, ST, BASE, 1, true), 0);
	assert_true(policy_page_cooling(pol, 10, BASE));
	/* The page is on node 1 now: seeing it there is not "moved by others". */
	o.node = 1;
	for (i = 0; i < cfg.cooldown - 1; i++) {
		assert_int_equal(policy_plan(pol, &o, 1, &topo, &p), 0);
		assert_int_equal(p.c.node_changed, 0);
		assert_true(policy_page_cooling(pol, 10, BASE));
	}
	assert_int_equal(policy_plan(pol, &o, 1, &topo, &p), 0);
	assert_false(policy_page_cooling(pol, 10, BASE));
	policy_plan_fini(&p);
	policy_destroy(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test_setup_teardown(test_find_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_marks_no_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_touch_after_mark_moves_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_defers_and_first_touch_stands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_defers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remark_rearms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_mark_governs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_and_exit_drop_decisions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_cpu_node_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_by_process_and_node, setup, teardown),
		cmocka_unit_test(test_policy_cooldown_and_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
