// SPDX-License-Identifier: GPL-2.0
/* Unit tests: process identity from /proc/PID/stat. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc_ident.h"

static void test_parse_plain(void **state)
{
	const char *line =
		"1234 (bash) S 1 1234 1234 34816 5678 4194304 100 200 0 0 1 2 3 4 20 0 1 0 "
		"987654 12345678 900 18446744073709551615\n";
	uint64_t st = 0;
	pid_t pid = 0;
	char state_c = 0;

	assert_int_equal(proc_ident_parse_stat(line, &pid, &state_c, &st), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(state_c, 'S');
	assert_int_equal(st, 987654);
}

static void test_parse_comm_with_spaces_and_parens(void **state)
{
	const char *line = "77 (a) b (c) d) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
			   "4242 0 0\n";
	uint64_t st = 0;
	pid_t pid = 0;
	char state_c = 0;

	assert_int_equal(proc_ident_parse_stat(line, &pid, &state_c, &st), 0);
	assert_int_equal(pid, 77);
	assert_int_equal(state_c, 'R');
	assert_int_equal(st, 4242);
}

static void test_parse_bad(void **state)
{
	uint64_t st;
	pid_t pid;
	char c;

	assert_int_equal(proc_ident_parse_stat("", &pid, &c, &st), -EINVAL);
	assert_int_equal(proc_ident_parse_stat("12 (x) S 1 2 3", &pid, &c, &st), -EINVAL);
	assert_int_equal(proc_ident_parse_stat("x (x) S 1", &pid, &c, &st), -EINVAL);
	assert_int_equal(proc_ident_parse_stat("12 x S 1", &pid, &c, &st), -EINVAL);
	assert_int_equal(
		proc_ident_parse_stat("12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 z 0",
				      &pid, &c, &st),
		-EINVAL);
}

static void test_get_self_and_child(void **state)
{
	struct proc_ident me, again, child;
	pid_t pid;
	int i;

	assert_int_equal(proc_ident_get(getpid(), &me), 0);
	assert_int_equal(me.tgid, getpid());
	assert_true(me.start_time > 0);
	assert_int_equal(proc_ident_get(getpid(), &again), 0);
	assert_true(again.start_time == me.start_time);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	assert_int_equal(proc_ident_get(pid, &child), 0);
	assert_true(child.start_time >= me.start_time);
	kill(pid, SIGKILL);
	/* A zombie is gone as far as the observer is concerned. */
	for (i = 0; i < 200 && proc_ident_get(pid, &child) == 0; i++)
		usleep(10000);
	assert_int_equal(proc_ident_get(pid, &child), -ESRCH);
	waitpid(pid, NULL, 0);
	assert_int_equal(proc_ident_get(pid, &child), -ESRCH);
}

static void test_get_invalid(void **state)
{
	struct proc_ident id;

	assert_int_equal(proc_ident_get(0, &id), -EINVAL);
	assert_int_equal(proc_ident_get(-5, &id), -EINVAL);
}

/* The pidfd-held identity: one full check, then polls; exit and recycling seen. */
static void test_handle(void **state)
{
	struct proc_ident child, other;
	struct proc_handle h;
	pid_t pid;
	int i;

	proc_handle_init(&h);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	assert_int_equal(proc_ident_get(pid, &child), 0);
	assert_int_equal(proc_handle_check(&h, &child), 0);
	assert_true(h.pidfd >= 0 || h.no_pidfd);
	for (i = 0; i < 3; i++) /* held: no /proc read, same answer */
		assert_int_equal(proc_handle_check(&h, &child), 0);
	/* Another start time under the same PID: an earlier process, refused. */
	other = child;
	other.start_time--;
	assert_int_equal(proc_handle_check(&h, &other), -ESRCH);
	/* Back to the real one, then it exits: a zombie is gone already. */
	assert_int_equal(proc_handle_check(&h, &child), 0);
	kill(pid, SIGKILL);
	for (i = 0; i < 200 && proc_handle_check(&h, &child) == 0; i++)
		usleep(10000);
	assert_int_equal(proc_handle_check(&h, &child), -ESRCH);
	waitpid(pid, NULL, 0);
	/* Reaped, its PID may be anyone's now: still refused. */
	assert_int_equal(proc_handle_check(&h, &child), -ESRCH);
	proc_handle_fini(&h);
	proc_handle_fini(&h); /* idempotent */
	assert_int_equal(h.pidfd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_comm_with_spaces_and_parens),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_get_self_and_child),
		cmocka_unit_test(test_get_invalid),
		cmocka_unit_test(test_handle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
