// SPDX-License-Identifier: GPL-2.0
/* Unit tests: cgroup v2 members, against a fake cgroup tree in a temp dir. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup_members.h"

struct tree {
	char root[64];
};

static void put(const struct tree *t, const char *rel, const char *procs)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", t->root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
	if (!procs)
		return;
	strcat(path, "/cgroup.procs");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(procs, f);
	fclose(f);
	/* What cgroupfs has in every group as well: files that are not cgroup.procs. */
	snprintf(path, sizeof(path), "%s%s/cgroup.threads", t->root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("999999\n", f);
	fclose(f);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	strcpy(t->root, "/tmp/pn-cgroup-XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	put(t, "/db", "10\n30\n");
	put(t, "/db/shard1", "20\n30\n");
	put(t, "/db/shard1/deep", "5\n");
	put(t, "/db/empty", "");
	put(t, "/db/noprocs", NULL); /* removed between readdir and open: not an error */
	put(t, "/other", "7\n");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

static void test_nested_sorted_distinct(void **state)
{
	const struct tree *t = *state;
	int32_t *v = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(cgroup_members(t->root, "/db", &v, &n, &cap), 0);
	assert_int_equal(n, 4);
	assert_int_equal(v[0], 5);
	assert_int_equal(v[1], 10);
	assert_int_equal(v[2], 20);
	assert_int_equal(v[3], 30);
	/* Appends: another cgroup's members join the same list. */
	assert_int_equal(cgroup_members(t->root, "/other", &v, &n, &cap), 0);
	assert_int_equal(n, 5);
	assert_int_equal(v[0], 5);
	assert_int_equal(v[1], 7);
	free(v);
}

static void test_leaf_and_empty(void **state)
{
	const struct tree *t = *state;
	int32_t *v = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(cgroup_members(t->root, "/db/shard1/deep", &v, &n, &cap), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 5);
	free(v);
	v = NULL;
	n = cap = 0;
	assert_int_equal(cgroup_members(t->root, "/db/empty", &v, &n, &cap), 0);
	assert_int_equal(n, 0);
	free(v);
}

static void test_missing_and_not_a_dir(void **state)
{
	const struct tree *t = *state;
	int32_t *v = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(cgroup_members(t->root, "/nope", &v, &n, &cap), -ENOENT);
	assert_int_equal(cgroup_members(t->root, "/db/cgroup.procs", &v, &n, &cap), -ENOTDIR);
	assert_int_equal(n, 0);
	free(v);
}

static void test_mount_lookup(void **state)
{
	const char *lines = "proc /proc proc rw 0 0\n"
			    "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
			    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
			    "cgroup2 /second cgroup2 rw 0 0\n";
	char path[] = "/tmp/pn-mounts-XXXXXX", buf[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
	close(fd);
	assert_int_equal(cgroup2_mount(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup2_mount(path, buf, 8), -ENAMETOOLONG);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, lines, 24), 24); /* the proc line only */
	close(fd);
	assert_int_equal(cgroup2_mount(path, buf, sizeof(buf)), -ENOENT);
	unlink(path);
	assert_int_equal(cgroup2_mount("/nonexistent/mounts", buf, sizeof(buf)), -ENOENT);
}

static void test_unique(void **state)
{
	int32_t v[] = { 9, 3, 9, 1, 3, 3 };
	size_t n = 6;

	(void)state;
	cgroup_members_unique(v, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 3);
	assert_int_equal(v[2], 9);
	n = 0;
	cgroup_members_unique(NULL, &n);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_sorted_distinct),
		cmocka_unit_test(test_leaf_and_empty),
		cmocka_unit_test(test_missing_and_not_a_dir),
		cmocka_unit_test(test_mount_lookup),
		cmocka_unit_test(test_unique),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
