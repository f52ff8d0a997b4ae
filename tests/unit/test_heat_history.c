// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: report's history binned into rows (user/heat_history.c), and
 * its --json form, which python3's json module must parse and agree with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "heat_history.h"

#define PID 4242
#define HOT 0x7f0000100000ull /* 16 hot pages */
#define COLD 0x555500000000ull /* 64 cold pages, far below */

/* Three intervals, one second apart: cold pages once each, hot pages often; another pid too. */
static struct history *make_history(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct pn_stats_page pg[16 + 64 + 8];
	struct pn_stats_header h = { .nr_nodes = 2 };
	struct history *hs = calloc(1, sizeof(*hs));
	__u64 res[PAUTONUMA_MAX_NODES] = {};
	int c, i, n;

	assert_non_null(hs);
	for (i = 0; i < PAUTONUMA_MAX_NODES; i++)
		hs->tier[i] = -1;
	h.nodes[0] = (struct pn_stats_node){ .node = 0, .tier = 0 };
	h.nodes[1] = (struct pn_stats_node){ .node = 1, .tier = 1 };
	for (c = 0; c < 3; c++) {
		n = 0;
		for (i = 0; i < 16; i++)
			pg[n++] = (struct pn_stats_page){ .tgid = PID,
							  .addr = HOT + i * page,
							  .faults = 10 };
		for (i = 0; c == 1 && i < 64; i++)
			pg[n++] = (struct pn_stats_page){ .tgid = PID,
							  .addr = COLD + i * page,
							  .faults = 1 };
		for (i = 0; i < 8; i++) /* not ours */
			pg[n++] = (struct pn_stats_page){ .tgid = PID + 1,
							  .addr = HOT + i * page,
							  .faults = 99 };
		h.nr_pages = n;
		h.written_ns = 5000000000ull + c * 1000000000ull;
		res[0] = 100 + c;
		res[1] = 50 - c;
		assert_int_equal(hist_add(hs, &h, pg, PID, res), 0);
	}
	return hs;
}

static void free_history(struct history *hs)
{
	free(hs->pages);
	free(hs);
}

static void test_table(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct history *hs = make_history();
	struct hist_table t;
	__u64 sum = 0;
	size_t r;

	(void)state;
	assert_int_equal(hs->ncols, 3);
	assert_int_equal(hs->npages, 3 * 16 + 64);
	/* 80 pages in 8 rows of 10; the hole between cold and hot starts a row. */
	assert_int_equal(hist_table(hs, 8, &t), 0);
	assert_int_equal(t.npages, 80);
	assert_int_equal(t.nrows, 9);
	assert_int_equal(t.lo[0], COLD);
	assert_int_equal(t.hi[6], COLD + 64 * page);
	assert_int_equal(t.lo[7], HOT);
	for (r = 0; r < t.nrows; r++)
		sum += t.rowsum[r];
	assert_int_equal(sum, 64 + 3 * 16 * 10);
	assert_true(t.best >= 7);
	assert_true(t.lo[t.best] >= HOT && t.hi[t.best] <= HOT + 16 * page);
	hist_table_free(&t);
	free_history(hs);
}

static void test_json(void **state)
{
	struct history *hs = make_history();
	char path[] = "/tmp/test_heat_history.XXXXXX", cmd[2048];
	struct hist_table t;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(hist_table(hs, 8, &t), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	/* An SVG path that needs escaping, and one byte that is not UTF-8. */
	hist_print_json(hs, &t, PID, "/tmp/a \"b\"\\\xff.svg", f);
	assert_int_equal(fclose(f), 0);
	snprintf(
		cmd, sizeof(cmd),
		"python3 -c '\n"
		"import json, sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"assert d[\"pid\"] == %d and d[\"intervals\"] == 3 and d[\"pages\"] == 80, d\n"
		"assert d[\"svg\"] == \"/tmp/a \\\"b\\\"\\\\\\ufffd.svg\", d[\"svg\"]\n"
		"assert d[\"t\"] == [0.0, 1.0, 2.0], d[\"t\"]\n"
		"assert d[\"nodes\"] == [{\"node\": 0, \"tier\": \"fast\"}, {\"node\": 1, \"tier\": \"slow\"}]\n"
		"assert d[\"resident\"] == {\"0\": [100, 101, 102], \"1\": [50, 49, 48]}, d[\"resident\"]\n"
		"rows = d[\"rows\"]\n"
		"assert len(rows) == 9 and all(sum(r[\"by_interval\"]) == r[\"faults\"] for r in rows)\n"
		"assert sum(r[\"faults\"] for r in rows) == 64 + 480\n"
		"h = rows[d[\"hottest_row\"]]\n"
		"assert h[\"start\"] >= %llu and h[\"end\"] <= %llu + 16 * %ld, h\n"
		"' %s",
		PID, HOT, HOT, sysconf(_SC_PAGESIZE), path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
	hist_table_free(&t);
	free_history(hs);
}

/* No interval at all: still one valid object, with no rows and no hottest row. */
static void test_json_empty(void **state)
{
	struct history *hs = calloc(1, sizeof(*hs));
	char *buf = NULL;
	size_t len = 0;
	struct hist_table t;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(hs);
	for (i = 0; i < PAUTONUMA_MAX_NODES; i++)
		hs->tier[i] = -1;
	assert_int_equal(hist_table(hs, 64, &t), 0);
	assert_int_equal(t.nrows, 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hist_print_json(hs, &t, PID, NULL, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "{\"pid\":4242,\"svg\":null,\"intervals\":0,\"pages\":0,"
				 "\"nodes\":[],\"t\":[],\"resident\":{},\"rows\":[],"
				 "\"hottest_row\":null}\n");
	free(buf);
	hist_table_free(&t);
	free_history(hs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_empty),
	};

	return cmocka_run_group_tests_name("heat_history", tests, NULL, NULL);
}
