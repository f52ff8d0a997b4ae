/* SPDX-License-Identifier: GPL-2.0 */
/* A process identity that survives PID reuse: tgid + start time. */
#ifndef PAUTONUMA_PROC_IDENT_H
#define PAUTONUMA_PROC_IDENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_ident {
	pid_t tgid;
	uint64_t start_time; /* /proc/PID/stat field 22, clock ticks since boot */
};

/*
 * Fill @out for @pid. Returns 0, -ESRCH if there is no such process (or it
 * is a zombie), -EINVAL if @pid is a thread but not a thread group leader
 * or the stat line cannot be parsed, other -errno from reading /proc.
 */
int proc_ident_get(pid_t pid, struct proc_ident *out);

/* Parse the text of /proc/PID/stat. Returns 0 or -EINVAL. */
int proc_ident_parse_stat(const char *buf, pid_t *pid, char *state, uint64_t *start_time);

/*
 * Threads of process @pid (/proc/PID/status "Threads:"), or -errno. The
 * NUMA scanner arms fast-tier pages only of processes whose mm has more than
 * one user; a thread count above one is the observable proxy.
 */
int proc_nr_threads(pid_t pid);

/* 0 if @id still names the same live process, -ESRCH if gone or recycled. */
int proc_ident_same(const struct proc_ident *id);

/*
 * A process held by a pidfd once its identity was checked: a pidfd refers to
 * exactly one process, and while that process has not exited its PID cannot
 * name another, so later checks are one poll(2) instead of two /proc reads.
 * Holds one process at a time (the last one checked).
 */
struct proc_handle {
	struct proc_ident id;
	int pidfd; /* -1: none held */
	bool no_pidfd; /* pidfd_open(2) unsupported: every check reads /proc */
};

void proc_handle_init(struct proc_handle *h);
/* Same contract as proc_ident_same(@id); keeps a pidfd for the next call. */
int proc_handle_check(struct proc_handle *h, const struct proc_ident *id);
void proc_handle_fini(struct proc_handle *h);

#endif
