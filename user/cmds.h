/* SPDX-License-Identifier: GPL-2.0 */
/* The observer's subcommands (main.c's table points here). */
#ifndef PAUTONUMA_CMDS_H
#define PAUTONUMA_CMDS_H

#include <sys/types.h>

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_next_touch(int argc, char **argv);

/* Helpers of the commands that talk to the running instance (cmd_filter.c). */
struct observer_maps;
/* A PID argument: 0, or -EINVAL with a message naming @cmd. */
int cmd_parse_pid(const char *cmd, const char *s, pid_t *out);
/* Open the running instance's pinned maps: EXIT_OK or an exit code, with a message. */
int cmd_open_running(const char *cmd, struct observer_maps *m);
/* Why proc_ident_get() failed, for a message. */
const char *cmd_ident_error(int err);
int cmd_top(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
