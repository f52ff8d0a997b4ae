// SPDX-License-Identifier: GPL-2.0
/* Unit tests: page_heat aggregation, reason names, argument parsing, formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heat_reader.h"

static struct heat_val val(__u64 faults, __u64 local, int node, __u32 by0, __u32 by1)
{
	struct heat_val v = { .faults = faults, .local_faults = local, .node = node };

	v.faults_by_node[0] = by0;
	v.faults_by_node[1] = by1;
	return v;
}

static void test_aggregate_groups_and_sorts(void **state)
{
	struct heat_key keys[] = {
		{ .tgid = 10, .addr = 0x1000 }, { .tgid = 20, .addr = 0x1000 },
		{ .tgid = 10, .addr = 0x2000 }, { .tgid = 30, .addr = 0x5000 },
		{ .tgid = 10, .addr = 0x3000 },
	};
	struct heat_val vals[] = {
		val(5, 5, 0, 5, 0),  val(100, 0, 1, 100, 0), val(7, 2, 1, 3, 4),
		val(1, 0, -1, 1, 0), val(3, 0, 9, 0, 3),
	};
	struct pid_summary *s;
	size_t n;

	vals[1].migrate_ok = 2;
	vals[2].migrate_fail = 1;
	assert_int_equal(heat_aggregate(keys, vals, 5, &s, &n), 0);
	assert_int_equal(n, 3);
	/* Most faults first. */
	assert_int_equal(s[0].tgid, 20);
	assert_int_equal(s[0].faults, 100);
	assert_int_equal(s[0].remote, 100);
	assert_int_equal(s[0].migrate_ok, 2);
	assert_int_equal(s[1].tgid, 10);
	assert_int_equal(s[1].pages, 3);
	assert_int_equal(s[1].faults, 15);
	assert_int_equal(s[1].local, 7);
	/* page 1: 0 remote, page 2: 5 remote, page 3 (node 9, out of range): 3 remote */
	assert_int_equal(s[1].remote, 8);
	assert_int_equal(s[1].pages_by_node[0], 1);
	assert_int_equal(s[1].pages_by_node[1], 1);
	assert_int_equal(s[1].pages_node_unknown, 1);
	assert_int_equal(s[1].faults_by_node[0], 8);
	assert_int_equal(s[1].faults_by_node[1], 7);
	assert_int_equal(s[1].migrate_fail, 1);
	/* Node unknown (tracepoint hook): faults count, locality unknown. */
	assert_int_equal(s[2].tgid, 30);
	assert_int_equal(s[2].remote, 0);
	assert_int_equal(s[2].pages_node_unknown, 1);
	free(s);
}

static void test_aggregate_empty(void **state)
{
	struct pid_summary *s = (void *)1;
	size_t n = 7;

	assert_int_equal(heat_aggregate(NULL, NULL, 0, &s, &n), 0);
	assert_null(s);
	assert_int_equal(n, 0);
}

static void test_aggregate_ties_by_tgid(void **state)
{
	struct heat_key keys[] = { { .tgid = 9 }, { .tgid = 3 }, { .tgid = 5 } };
	struct heat_val vals[] = { val(1, 0, 0, 1, 0), val(1, 0, 0, 1, 0), val(1, 0, 0, 1, 0) };
	struct pid_summary *s;
	size_t n;

	assert_int_equal(heat_aggregate(keys, vals, 3, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].tgid, 3);
	assert_int_equal(s[1].tgid, 5);
	assert_int_equal(s[2].tgid, 9);
	free(s);
}

/* Many processes, their pages interleaved: every page counted once, in its own summary. */
static void test_aggregate_interleaved(void **state)
{
	enum { N = 1000, PROCS = 37 };
	struct heat_key *keys = calloc(N, sizeof(*keys));
	struct heat_val *vals = calloc(N, sizeof(*vals));
	size_t n, i, pages[PROCS] = { 0 };
	struct pid_summary *s;

	(void)state;
	assert_non_null(keys);
	assert_non_null(vals);
	for (i = 0; i < N; i++) {
		/* runs of 1..3 pages of one process, in a scrambled order */
		keys[i].tgid = 100 + (uint32_t)((i / (1 + i % 3)) * 7 % PROCS);
		vals[i] = val(1, 0, 0, 1, 0);
		pages[keys[i].tgid - 100]++;
	}
	assert_int_equal(heat_aggregate(keys, vals, N, &s, &n), 0);
	for (i = 0; i < n; i++) {
		assert_true(s[i].tgid >= 100 && s[i].tgid < 100 + PROCS);
		assert_int_equal(s[i].pages, pages[s[i].tgid - 100]);
		assert_int_equal(s[i].faults, s[i].pages);
		/* most faults first, then by tgid */
		if (i)
			assert_true(s[i - 1].faults > s[i].faults ||
				    (s[i - 1].faults == s[i].faults && s[i - 1].tgid < s[i].tgid));
	}
	for (i = 0; i < PROCS; i++)
		if (pages[i])
			n--;
	assert_int_equal(n, 0); /* one summary per process that has pages */
	free(s);
	free(vals);
	free(keys);
}

static void test_reason_names(void **state)
{
	char buf[32];

	reason_name_from_enum("MR_NUMA_MISPLACED", buf, sizeof(buf));
	assert_string_equal(buf, "numa_misplaced");
	reason_name_from_enum("MR_SYSCALL", buf, sizeof(buf));
	assert_string_equal(buf, "syscall_or_cpuset");
	reason_name_from_enum("MR_DEMOTION", buf, sizeof(buf));
	assert_string_equal(buf, "demotion");
	reason_name_from_enum("WEIRD", buf, sizeof(buf));
	assert_string_equal(buf, "weird");
	reason_name_from_enum("MR_LONGTERM_PIN", buf, 5);
	assert_string_equal(buf, "long");
}

static void test_parse_seconds(void **state)
{
	double v = -1;

	assert_int_equal(parse_seconds("2", &v), 0);
	assert_true(v == 2);
	assert_int_equal(parse_seconds("0.25", &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(parse_seconds("86400", &v), 0);
	v = 42;
	assert_int_equal(parse_seconds("0", &v), -EINVAL);
	assert_int_equal(parse_seconds("-1", &v), -EINVAL);
	assert_int_equal(parse_seconds("abc", &v), -EINVAL);
	assert_int_equal(parse_seconds("2s", &v), -EINVAL);
	assert_int_equal(parse_seconds("", &v), -EINVAL);
	assert_int_equal(parse_seconds(" 1", &v), -EINVAL);
	assert_int_equal(parse_seconds("nan", &v), -EINVAL);
	assert_int_equal(parse_seconds("inf", &v), -EINVAL);
	assert_int_equal(parse_seconds("86401", &v), -EINVAL);
	assert_int_equal(parse_seconds(NULL, &v), -EINVAL);
	assert_true(v == 42);
}

static char *print_to_string(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void print_pid_detached(FILE *f, const void *arg)
{
	heat_print_pid(f, arg, 10, true);
}

static void print_pid_json(FILE *f, const void *arg)
{
	heat_print_pid_json(f, arg);
}

static void test_print_pid(void **state)
{
	struct pid_summary s = { .tgid = 42, .pages = 3, .faults = 15, .local = 7, .remote = 8 };
	char *out;

	s.pages_by_node[0] = 1;
	s.pages_by_node[1] = 2;
	out = print_to_string(print_pid_detached, &s);
	assert_string_equal(out, "  pid 42 (detached): pages 3 faults 15 (+5) local 7 remote 8 "
				 "node0 1 node1 2\n");
	free(out);
	s.attached = true;
	s.local = s.remote = 0;
	s.pages_node_unknown = 3;
	memset(s.pages_by_node, 0, sizeof(s.pages_by_node));
	s.faults = 4; /* fewer than before: the delta must not wrap */
	out = print_to_string(print_pid_detached, &s);
	assert_string_equal(out, "  pid 42: pages 3 faults 4 (+0) local/remote unknown node? 3\n");
	free(out);
}

static void test_print_pid_json(void **state)
{
	struct pid_summary s = { .tgid = 7, .attached = true, .pages = 2, .faults = 9 };
	char *out;

	s.pages_by_node[1] = 2;
	out = print_to_string(print_pid_json, &s);
	assert_string_equal(out,
			    "{\"pid\":7,\"attached\":true,\"pages\":2,\"faults\":9,\"local\":0,"
			    "\"remote\":0,\"migrate_ok\":0,\"migrate_fail\":0,"
			    "\"pages_by_node\":{\"1\":2},\"pages_node_unknown\":0}");
	free(out);
}

static void print_migrations(FILE *f, const void *arg)
{
	char names[PAUTONUMA_MAX_REASONS][32];
	int i;

	for (i = 0; i < PAUTONUMA_MAX_REASONS; i++)
		snprintf(names[i], sizeof(names[i]), "r%d", i);
	heat_print_migrations(f, arg, names);
}

static void test_print_migrations(void **state)
{
	struct migrate_stats m = {};
	char *out;

	out = print_to_string(print_migrations, &m);
	assert_string_equal(out, "  migrations (ok/failed): none; numa task moves 0 swaps 0\n");
	free(out);
	m.calls[5] = 2;
	m.succeeded[5] = 30;
	m.failed[5] = 1;
	m.calls[8] = 1; /* a call that moved nothing still shows */
	m.task_moves = 4;
	out = print_to_string(print_migrations, &m);
	assert_string_equal(
		out, "  migrations (ok/failed): r5 30/1 r8 0/0; numa task moves 4 swaps 0\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregate_groups_and_sorts),
		cmocka_unit_test(test_aggregate_empty),
		cmocka_unit_test(test_aggregate_ties_by_tgid),
		cmocka_unit_test(test_aggregate_interleaved),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_print_pid),
		cmocka_unit_test(test_print_pid_json),
		cmocka_unit_test(test_print_migrations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
