// SPDX-License-Identifier: GPL-2.0
/* Unit tests: remember and restore changed sysctl values (on temp files). */
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

#include "sysctl_state.h"

static char dir[64];

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void put(const char *name, const char *value)
{
	char path[128];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", value);
	fclose(f);
}

static void expect(const char *name, const char *value)
{
	char path[128], buf[64];

	path_of(path, sizeof(path), name);
	assert_int_equal(sysctl_read(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, value);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/pautonuma-sysctl-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	path_of(path, sizeof(path), "a");
	unlink(path);
	path_of(path, sizeof(path), "b");
	unlink(path);
	return rmdir(dir);
}

static void test_set_and_restore(void **state)
{
	struct sysctl_state st = {};
	char a[128], b[128], *out = NULL;
	size_t len = 0;
	FILE *f;

	put("a", "0");
	put("b", "65536");
	path_of(a, sizeof(a), "a");
	path_of(b, sizeof(b), "b");
	assert_int_equal(sysctl_state_set(&st, a, "2"), 1);
	expect("a", "2");
	/* Same value again: nothing to remember. */
	assert_int_equal(sysctl_state_set(&st, a, "2"), 0);
	/* Changed twice: the first old value is the one restored. */
	assert_int_equal(sysctl_state_set(&st, a, "3"), 1);
	assert_int_equal(sysctl_state_set(&st, b, "65536"), 0);
	assert_int_equal(st.n, 1);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(sysctl_state_restore(&st, f), 0);
	fclose(f);
	expect("a", "0");
	expect("b", "65536");
	assert_int_equal(st.n, 0);
	assert_non_null(strstr(out, "restored "));
	assert_non_null(strstr(out, "/a = 0\n"));
	free(out);
}

static void test_missing_file(void **state)
{
	struct sysctl_state st = {};
	char p[128];

	path_of(p, sizeof(p), "nonexistent");
	assert_int_equal(sysctl_state_set(&st, p, "1"), -ENOENT);
	assert_int_equal(st.n, 0);
}

static void test_restore_reports_failure(void **state)
{
	struct sysctl_state st = {};
	char a[128], *out = NULL;
	size_t len = 0;
	FILE *f;

	put("a", "1");
	path_of(a, sizeof(a), "a");
	assert_int_equal(sysctl_state_set(&st, a, "0"), 1);
	unlink(a);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(sysctl_state_restore(&st, f), -ENOENT);
	fclose(f);
	assert_non_null(strstr(out, "restoring "));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_restore),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_restore_reports_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
