// SPDX-License-Identifier: GPL-2.0
/* Change sysctl/sysfs values and put them back. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sysctl_state.h"

int sysctl_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		err = -errno;
	} else {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	close(fd);
	return err;
}

static int write_value(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		err = -errno ? -errno : -EIO;
	close(fd);
	return err;
}

int sysctl_state_set(struct sysctl_state *st, const char *path, const char *value)
{
	char old[64];
	int i, err;

	if (strlen(path) >= sizeof(st->saved[0].path))
		return -ENAMETOOLONG;
	err = sysctl_read(path, old, sizeof(old));
	if (err)
		return err;
	if (!strcmp(old, value))
		return 0;
	for (i = 0; i < st->n; i++)
		if (!strcmp(st->saved[i].path, path))
			break;
	if (i == st->n && st->n == SYSCTL_STATE_MAX)
		return -ENOSPC;
	err = write_value(path, value);
	if (err)
		return err;
	if (i == st->n) {
		strcpy(st->saved[i].path, path);
		strcpy(st->saved[i].old, old);
		st->n++;
	}
	return 1;
}

int sysctl_state_restore(struct sysctl_state *st, FILE *out)
{
	int err, ret = 0;

	while (st->n > 0) {
		struct sysctl_saved *s = &st->saved[--st->n];

		err = write_value(s->path, s->old);
		if (err) {
			fprintf(out, "pautonuma: restoring %s to %s: %s\n", s->path, s->old,
				strerror(-err));
			if (!ret)
				ret = err;
			continue;
		}
		fprintf(out, "pautonuma: restored %s = %s\n", s->path, s->old);
	}
	return ret;
}
