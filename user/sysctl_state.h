/* SPDX-License-Identifier: GPL-2.0 */
/* Change sysctl/sysfs values, remembering the old ones to restore on exit. */
#ifndef PAUTONUMA_SYSCTL_STATE_H
#define PAUTONUMA_SYSCTL_STATE_H

#include <stdio.h>

#define SYSCTL_STATE_MAX 8

struct sysctl_saved {
	char path[128];
	char old[64];
};

struct sysctl_state {
	struct sysctl_saved saved[SYSCTL_STATE_MAX];
	int n;
};

/* Read @path (one line, newline stripped) into @buf. Returns 0 or -errno. */
int sysctl_read(const char *path, char *buf, size_t size);

/*
 * Write @value to @path, remembering the old value the first time @path is
 * changed. Nothing is written or remembered if the value is already @value.
 * Returns 1 if changed, 0 if it already had the value, or -errno.
 */
int sysctl_state_set(struct sysctl_state *st, const char *path, const char *value);

/* Restore every remembered value, newest first, reporting each on @out. Returns 0 or the first -errno. */
int sysctl_state_restore(struct sysctl_state *st, FILE *out);

#endif
