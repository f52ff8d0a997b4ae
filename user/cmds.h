/* SPDX-License-Identifier: GPL-2.0 */
/* The observer's subcommands (main.c's table points here). */
#ifndef PAUTONUMA_CMDS_H
#define PAUTONUMA_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
