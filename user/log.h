/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's messages, with levels: "pautonuma: ..." lines on stderr, or
 * syslog(3) (facility daemon) when asked and stderr is not a terminal.
 * Data (reports, plans, --json) stays on stdout and does not come here.
 */
#ifndef PAUTONUMA_LOG_H
#define PAUTONUMA_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2, /* the default */
	LOG_LVL_DEBUG = 3,
};

/* "error", "warn", "info", "debug" -> level; -1 for anything else. */
int log_level_parse(const char *name);
const char *log_level_name(int level);

/*
 * Set the threshold and the sink. @use_syslog only takes effect when stderr
 * is not a terminal (a service); calling again switches (config reload).
 */
void log_setup(int level, bool use_syslog);
/* True when messages currently go to syslog. */
bool log_to_syslog(void);
/* Close syslog if open; messages go to stderr at level info again. */
void log_close(void);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
