/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A throwaway directory tree for unit tests of code that reads sysfs or
 * procfs shaped files: fake_root after fake_tree_create(), files and
 * directories by relative path, removed by fake_tree_remove(). Include
 * after cmocka.h.
 */
#ifndef PAUTONUMA_FAKE_TREE_H
#define PAUTONUMA_FAKE_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char fake_root[256];

/* "/tmp/pautonuma-NAME-XXXXXX"; a failure fails the test. */
static void fake_tree_create(const char *name)
{
	snprintf(fake_root, sizeof(fake_root), "/tmp/pautonuma-%s-XXXXXX", name);
	assert_non_null(mkdtemp(fake_root));
}

/* Write @content to @rel (parents made as needed); NULL makes @rel a directory. */
static void fake_put(const char *rel, const char *content)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
	for (p = path + strlen(fake_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (!content) {
		mkdir(path, 0755);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int fake_tree_remove(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
	return system(cmd);
}

#endif
