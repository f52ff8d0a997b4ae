// SPDX-License-Identifier: GPL-2.0
/* Process identity: tgid + start time from /proc/PID/stat. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_ident.h"

int proc_ident_parse_stat(const char *buf, pid_t *pid, char *state, uint64_t *start_time)
{
	const char *p;
	char *end;
	int field;

	*pid = (pid_t)strtol(buf, &end, 10);
	if (end == buf || *pid <= 0)
		return -EINVAL;
	/* comm may hold spaces and ')': the fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	p += 2;
	*state = *p; /* field 3 */
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	errno = 0;
	*start_time = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	return 0;
}

int proc_ident_get(pid_t pid, struct proc_ident *id)
{
	char path[64], buf[1024], state;
	pid_t parsed;
	ssize_t n;
	int fd, err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	err = proc_ident_parse_stat(buf, &parsed, &state, &id->start_time);
	if (err)
		return err;
	/* A zombie has no pages left to move and its PID is about to be free. */
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	id->tgid = pid;
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
