// SPDX-License-Identifier: GPL-2.0
/* Process identity (tgid + start time) from /proc/PID/stat and status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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

int proc_nr_threads(pid_t pid)
{
	char path[64], buf[2048], *t, *end;
	long v;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	t = strstr(buf, "\nThreads:");
	if (!t)
		return -EINVAL;
	v = strtol(t + 9, &end, 10);
	return end == t + 9 || v < 0 ? -EINVAL : (int)v;
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

void proc_handle_init(struct proc_handle *h)
{
	h->id.tgid = 0;
	h->id.start_time = 0;
	h->pidfd = -1;
	h->no_pidfd = false;
}

void proc_handle_fini(struct proc_handle *h)
{
	if (h && h->pidfd >= 0)
		close(h->pidfd);
	if (h)
		h->pidfd = -1;
}

/* 0 if the process behind @pidfd has not exited, -ESRCH if it has. */
static int pidfd_alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? -ESRCH : 0; /* readable once the whole thread group exited */
}

int proc_handle_check(struct proc_handle *h, const struct proc_ident *id)
{
	int fd, err;

	if (h->pidfd >= 0 && h->id.tgid == id->tgid && h->id.start_time == id->start_time)
		return pidfd_alive(h->pidfd);
	proc_handle_fini(h);
	if (h->no_pidfd)
		return proc_ident_same(id);
	fd = syscall(SYS_pidfd_open, id->tgid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			return -ESRCH;
		if (errno != ENOSYS)
			return proc_ident_same(id); /* EINVAL (not a leader), EMFILE: no caching */
		h->no_pidfd = true;
		return proc_ident_same(id);
	}
	/*
	 * The pidfd names whoever had the PID at pidfd_open; the start time read
	 * after it, with that process still alive after that, is the same one's.
	 */
	err = proc_ident_same(id);
	if (!err)
		err = pidfd_alive(fd);
	if (err) {
		close(fd);
		return err;
	}
	h->pidfd = fd;
	h->id = *id;
	return 0;
}
