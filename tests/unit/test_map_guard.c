// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the SIGBUS guard and of a file journal truncated while
 * mapped: the access fails with -EBADFD, the handle refuses further work,
 * and the part of the file left is not written.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "map_guard.h"

static char dir[] = "/tmp/pautonuma-test-guard-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

struct touch {
	volatile uint8_t *p;
	int reached_end;
};

static void touch_byte(void *arg)
{
	struct touch *t = arg;

	(void)*t->p;
	t->reached_end = 1;
}

static void test_guard_sigbus(void **state)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct touch t = { 0 };
	uintptr_t fault = 0;
	char path[96];
	uint8_t *m;
	int fd;

	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * psz), 0);
	m = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	m[psz] = 7;

	assert_int_equal(map_guard_arm(), 0);
	/* Within the file: the function runs to its end. */
	t.p = m + psz;
	assert_int_equal(map_guard_run(m, 2 * psz, touch_byte, &t, &fault), 0);
	assert_int_equal(t.reached_end, 1);

	/* The file shrank under the mapping: the load faults, we get -EFAULT. */
	assert_int_equal(ftruncate(fd, psz), 0);
	t.reached_end = 0;
	assert_int_equal(map_guard_run(m, 2 * psz, touch_byte, &t, &fault), -EFAULT);
	assert_int_equal(t.reached_end, 0);
	assert_true(fault == (uintptr_t)(m + psz));

	/* The guard is reusable, and the page still in the file reads fine. */
	t.p = m;
	assert_int_equal(map_guard_run(m, 2 * psz, touch_byte, &t, NULL), 0);
	assert_int_equal(t.reached_end, 1);

	munmap(m, 2 * psz);
	close(fd);
}

static void begin_rec(struct pj_record *r)
{
	memset(r, 0, sizeof(*r));
	r->type = PJ_BEGIN;
	r->u.begin.tgid = 42;
	r->u.begin.start_time = 1000;
	r->u.begin.addr = 0x7f0000000000ULL;
	r->u.begin.npages = 8;
	r->u.begin.page_shift = 12;
	r->u.begin.dst_node = 1;
}

static void test_journal_truncated(void **state)
{
	uint8_t before[8192], after[8192];
	struct journal *j = NULL;
	struct pj_record r, got;
	char path[96];
	int64_t seq;
	int fd, i;

	snprintf(path, sizeof(path), "%s/journal", dir);
	assert_int_equal(journal_create(path, 64 * 1024, true), 0);
	assert_int_equal(journal_open(&j, path, PJ_OPEN_RDWR), 0);
	/* Records 1..62 fill the ring's first page (slot 0 is never used by seq 1..). */
	for (i = 0; i < 31; i++) {
		begin_rec(&r);
		seq = journal_append(j, &r);
		assert_true(seq > 0);
		memset(&r, 0, sizeof(r));
		r.type = PJ_COMMIT;
		r.u.commit.begin_seq = seq;
		assert_true(journal_append(j, &r) > 0);
	}
	begin_rec(&r);
	assert_int_equal(journal_append(j, &r), 63); /* the last slot of that page */

	/* Someone cuts the file after that page; the next record lands past it. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, before, sizeof(before), 0), sizeof(before));
	assert_int_equal(ftruncate(fd, 8192), 0);
	memset(&r, 0, sizeof(r));
	r.type = PJ_COMMIT;
	r.u.commit.begin_seq = 63;
	assert_int_equal(journal_append(j, &r), -EBADFD);
	assert_true(j->broken);
	/* Broken for good: no further access, not even to what is still there. */
	begin_rec(&r);
	assert_int_equal(journal_append(j, &r), -EBADFD);
	assert_int_equal(journal_read(j, 63, &got), -EBADFD);
	journal_close(j);

	/* What was durable before the cut is intact, and nothing was written after. */
	assert_int_equal(pread(fd, after, sizeof(after), 0), sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	/* Restored to its size, the journal has BEGIN 63 open: recovery's input is there. */
	assert_int_equal(ftruncate(fd, 64 * 1024), 0);
	close(fd);
	assert_int_equal(journal_open(&j, path, PJ_OPEN_RDONLY), 0);
	assert_false(j->scan.corrupt);
	assert_int_equal(j->scan.last_seq, 63);
	assert_int_equal(j->scan.nopen, 1);
	assert_int_equal(j->scan.open[0], 63);
	assert_int_equal(journal_read(j, 63, &got), 0);
	assert_int_equal(got.type, PJ_BEGIN);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_sigbus),
		cmocka_unit_test(test_journal_truncated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
