// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's published state: stats file round trip, stale and truncated
 * files; numa_maps lines; the report's SVG cells; why pages were not moved.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"
#include "heatmap_svg.h"
#include "mover.h"
#include "numa_maps.h"
#include "stats_file.h"

static char path[256];

static int setup(void **state)
{
	snprintf(path, sizeof(path), "/tmp/pn-stats-test.%d", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void fill(struct pn_stats_header *h, struct pn_stats_proc *p, struct pn_stats_page *pg)
{
	memset(h, 0, sizeof(*h));
	h->magic = PN_STATS_MAGIC;
	h->version = PN_STATS_VERSION;
	h->daemon_pid = (__u32)getpid();
	h->cycles = 7;
	h->promoted = 512;
	h->failed = 9;
	h->not_moved[PN_NM_SHARED] = 7;
	h->not_moved[PN_NM_BUSY] = 2;
	h->nr_procs = 2;
	h->nr_pages = 3;
	memset(p, 0, 2 * sizeof(*p));
	p[0].tgid = 100;
	p[0].promoted = 500;
	p[0].hot_pages[1] = 42;
	p[1].tgid = 200;
	for (int i = 0; i < 3; i++)
		pg[i] = (struct pn_stats_page){
			.tgid = 100, .node = 1, .addr = 0x1000u * (i + 1), .faults = (__u32)i + 1
		};
}

static void test_round_trip(void **state)
{
	struct pn_stats_header h, r;
	struct pn_stats_proc p[2], *rp;
	struct pn_stats_page pg[3], *rpg;

	fill(&h, p, pg);
	assert_int_equal(stats_file_write(path, &h, p, pg), 0);
	assert_int_equal(stats_file_read(path, &r, &rp, &rpg), 0);
	assert_memory_equal(&h, &r, sizeof(h));
	assert_memory_equal(p, rp, sizeof(p));
	assert_memory_equal(pg, rpg, sizeof(pg));
	free(rp);
	free(rpg);
	/* Without pages: the procs only. */
	assert_int_equal(stats_file_read(path, &r, &rp, NULL), 0);
	assert_int_equal(rp[0].hot_pages[1], 42);
	free(rp);
}

static void test_bad_files(void **state)
{
	struct pn_stats_header h, r;
	struct pn_stats_proc p[2], *rp;
	struct pn_stats_page pg[3], *rpg;
	FILE *f;

	assert_int_equal(stats_file_read("/nonexistent/stats", &r, &rp, &rpg), -ENOENT);
	fill(&h, p, pg);
	/* A daemon that died (pid 0x7ffffff0 does not exist) leaves a stale file. */
	h.daemon_pid = 0x7ffffff0;
	assert_int_equal(stats_file_write(path, &h, p, pg), 0);
	assert_int_equal(stats_file_read(path, &r, &rp, &rpg), -ESRCH);
	assert_null(rp);
	/* Truncated: the header promises more procs than the file holds. */
	fill(&h, p, pg);
	h.nr_procs = 5;
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(&h, sizeof(h), 1, f);
	fwrite(p, sizeof(p[0]), 2, f);
	fclose(f);
	assert_int_equal(stats_file_read(path, &r, &rp, &rpg), -EPROTO);
	assert_null(rp);
	/* Another version. */
	fill(&h, p, pg);
	h.version = 99;
	assert_int_equal(stats_file_write(path, &h, p, pg), 0);
	assert_int_equal(stats_file_read(path, &r, &rp, &rpg), -EPROTO);
}

static void test_numa_maps_line(void **state)
{
	__u64 pages[PAUTONUMA_MAX_NODES] = {};

	numa_maps_line(
		"7f0000000000 default anon=300 dirty=300 N0=100 N1=200 kernelpagesize_kB=4\n", 4,
		pages);
	assert_int_equal(pages[0], 100);
	assert_int_equal(pages[1], 200);
	/* A huge page mapping counts base pages; nodes past the array land in the last slot. */
	numa_maps_line(
		"7f0000200000 default file=/x huge anon=2 N1=1 N9=1 kernelpagesize_kB=2048\n", 4,
		pages);
	assert_int_equal(pages[1], 200 + 512);
	assert_int_equal(pages[PAUTONUMA_MAX_NODES - 1], 512);
	/* No node fields (not resident): nothing. */
	numa_maps_line("7ffd00000000 default stack\n", 4, pages);
	assert_int_equal(pages[0], 100);
}

static void test_svg_cells(void **state)
{
	double t[2] = { 0, 1 };
	__u64 lo[2] = { 0x1000, 0x3000 }, hi[2] = { 0x3000, 0x5000 };
	__u64 faults[4] = { 1, 9, 0, 5 }; /* col 0: rows 0,1; col 1: rows 0,1 */
	__u64 res[2][PAUTONUMA_MAX_NODES] = { { 10, 20 }, { 25, 5 } };
	int tier[PAUTONUMA_MAX_NODES] = { 0, 1, -1, -1, -1, -1, -1, -1 };
	struct heatmap hm = { .pid = 42,
			      .ncols = 2,
			      .nrows = 2,
			      .t = t,
			      .row_lo = lo,
			      .row_hi = hi,
			      .faults = faults,
			      .resident = res,
			      .tier = tier };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(heatmap_svg_write(f, &hm), 0);
	fclose(f);
	assert_non_null(strstr(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(buf, "data-col=\"0\" data-row=\"1\" data-t=\"0.0\" "
				    "data-lo=\"0x3000\" data-hi=\"0x5000\" data-faults=\"9\""));
	assert_non_null(strstr(buf, "data-max-faults=\"9\""));
	assert_non_null(strstr(buf, "data-col=\"1\" data-node=\"0\" data-pages=\"25\""));
	assert_non_null(strstr(buf, "</svg>\n"));
	free(buf);
}

/* Why pages were not moved, by the status move_pages(2) left for each. */
static void test_not_moved_count(void **state)
{
	static const int status[] = { 1,       0,	1,	 -EBUSY,
				      -EAGAIN, -ENOENT, -EFAULT, -EACCES,
				      -EACCES, -ENOMEM, -EPERM,	 MOVER_STATUS_UNSET };
	__u64 why[PN_NOT_MOVED_NR] = { [PN_NM_STAYED] = 10 };

	daemon_not_moved_count(why, status, sizeof(status) / sizeof(status[0]), 1);
	assert_int_equal(why[PN_NM_STAYED], 11);
	assert_int_equal(why[PN_NM_BUSY], 2);
	assert_int_equal(why[PN_NM_UNMAPPED], 2);
	assert_int_equal(why[PN_NM_SHARED], 2);
	assert_int_equal(why[PN_NM_NOMEM], 1);
	assert_int_equal(why[PN_NM_OTHER], 2);
}

/* The log's reasons: this interval's (a difference), only those that happened. */
static void test_not_moved_reasons(void **state)
{
	__u64 then[PN_NOT_MOVED_NR] = {
		[PN_NM_STAYED] = 1, [PN_NM_BUSY] = 7, [PN_NM_UNMAPPED] = 2
	};
	__u64 now[PN_NOT_MOVED_NR];
	char buf[PN_NOT_MOVED_LEN], small[24];
	unsigned int i;

	memcpy(now, then, sizeof(now));
	assert_string_equal(pn_not_moved_str(buf, sizeof(buf), now, then), "");
	now[PN_NM_STAYED] = 5;
	assert_string_equal(pn_not_moved_str(buf, sizeof(buf), now, then), " (left in place 4)");
	now[PN_NM_BUSY] = 9;
	now[PN_NM_UNMAPPED] = 5;
	now[PN_NM_SHARED] = 3;
	now[PN_NM_OTHER] = 4;
	assert_string_equal(pn_not_moved_str(buf, sizeof(buf), now, then),
			    " (left in place 4, busy 2, unmapped 3, shared 3, other 4)");
	/* Totals: since the start. */
	now[PN_NM_NOMEM] = 1;
	assert_string_equal(
		pn_not_moved_str(buf, sizeof(buf), now, NULL),
		" (left in place 5, busy 9, unmapped 5, shared 3, no memory 1, other 4)");
	/* The longest there can be fits. */
	for (i = 0; i < PN_NOT_MOVED_NR; i++)
		now[i] = UINT64_MAX;
	assert_string_equal(pn_not_moved_str(buf, sizeof(buf), now, NULL),
			    " (left in place 18446744073709551615, busy 18446744073709551615, "
			    "unmapped 18446744073709551615, shared 18446744073709551615, "
			    "no memory 18446744073709551615, other 18446744073709551615)");
	/* Too small a buffer: nothing rather than half a list. */
	assert_string_equal(pn_not_moved_str(small, sizeof(small), now, NULL), "");
	memset(now, 0, sizeof(now));
	now[PN_NM_BUSY] = 123;
	assert_string_equal(pn_not_moved_str(small, 11, now, NULL), "");
	assert_string_equal(pn_not_moved_str(small, 12, now, NULL), " (busy 123)");
	/* The metrics' labels. */
	assert_string_equal(pn_not_moved_label(PN_NM_NOMEM), "no_memory");
	assert_string_equal(pn_not_moved_label(PN_NOT_MOVED_NR), "unknown");
	assert_string_equal(pn_not_moved_name(PN_NM_STAYED), "left in place");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test(test_numa_maps_line),
		cmocka_unit_test(test_svg_cells),
		cmocka_unit_test(test_not_moved_count),
		cmocka_unit_test(test_not_moved_reasons),
	};

	return cmocka_run_group_tests_name("stats_file", tests, NULL, NULL);
}
