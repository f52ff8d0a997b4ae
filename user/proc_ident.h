/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process identity: a tgid alone can be recycled, tgid + start time (field
 * 22 of /proc/PID/stat, clock ticks since boot) cannot within one boot.
 */
#ifndef PAUTONUMA_PROC_IDENT_H
#define PAUTONUMA_PROC_IDENT_H

#include <stdint.h>
#include <sys/types.h>

struct proc_ident {
	pid_t tgid;
	uint64_t start_time;
};

/* Read the identity of @pid; -ESRCH if there is no such process or a zombie. */
int proc_ident_get(pid_t pid, struct proc_ident *id);
/* Parse the text of a /proc/PID/stat file (exposed for the tests). */
int proc_ident_parse_stat(const char *buf, pid_t *pid, char *state, uint64_t *start_time);
/* 0 if @id still names the same live process, -ESRCH if gone or recycled. */
int proc_ident_same(const struct proc_ident *id);

#endif
