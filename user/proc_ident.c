// SPDX-License-Identifier: GPL-2.0
/* Process identity (tgid + start time) from /proc/PID/stat and status. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_ident.h"

int proc_ident_parse_stat(const char *buf, pid_t *pid, char *state, uint64_t *start_time)
{
	const char *p = strrchr(buf, ')'); /* comm may contain spaces and ')' */
	unsigned long long st;
	char *end;
	int field;
	long v;

	v = strtol(buf, &end, 10);
	if (end == buf || *end != ' ' || v <= 0 || !p || p[1] != ' ')
		return -EINVAL;
	*pid = (pid_t)v;
	p += 2; /* field 3: state */
	if (!*p || p[1] != ' ')
		return -EINVAL;
	*state = *p;
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	errno = 0;
	st = strtoull(p, &end, 10);
	if (errno || end == p || (*end != ' ' && *end != '\n' && *end))
		return -EINVAL;
	*start_time = st;
	return 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

int proc_ident_get(pid_t pid, struct proc_ident *out)
{
	char path[64], buf[1024], state;
	uint64_t start;
	pid_t got;
	char *t;
	int err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	t = strstr(buf, "\nTgid:");
	if (!t || strtol(t + 6, NULL, 10) != pid)
		return t ? -EINVAL : -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	err = proc_ident_parse_stat(buf, &got, &state, &start);
	if (err)
		return err;
	if (got != pid || state == 'Z' || state == 'X')
		return -ESRCH;
	out->tgid = pid;
	out->start_time = start;
	return 0;
}

int proc_ident_same(const struct proc_ident *id)
{
	struct proc_ident now;
	int err;

	err = proc_ident_get(id->tgid, &now);
	if (err)
		return err;
	return now.start_time == id->start_time ? 0 : -ESRCH;
}
