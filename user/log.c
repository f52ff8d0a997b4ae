// SPDX-License-Identifier: GPL-2.0
/* Leveled messages to stderr or syslog; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
/* Prefixes keep the "pautonuma: <what>: <why>" form of errors on stderr. */
static const char *const stderr_prefix[] = { "", "warning: ", "", "debug: " };

static int cur_level = LOG_LVL_INFO;
static bool syslog_open;

int log_level_parse(const char *name)
{
	int i;

	for (i = 0; i <= LOG_LVL_DEBUG; i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return -1;
}

const char *log_level_name(int level)
{
	return level >= 0 && level <= LOG_LVL_DEBUG ? level_names[level] : "?";
}

void log_setup(int level, bool use_syslog)
{
	cur_level = level < 0 ? LOG_LVL_ERROR : level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level;
	/* On a terminal the operator is watching: syslog would hide the messages. */
	use_syslog = use_syslog && !isatty(STDERR_FILENO);
	if (use_syslog && !syslog_open)
		openlog("pautonuma", LOG_PID, LOG_DAEMON);
	else if (!use_syslog && syslog_open)
		closelog();
	syslog_open = use_syslog;
}

bool log_to_syslog(void)
{
	return syslog_open;
}

void log_close(void)
{
	if (syslog_open)
		closelog();
	syslog_open = false;
	cur_level = LOG_LVL_INFO;
}

void log_msg(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (syslog_open) {
		syslog(syslog_prio[level], "%s", buf);
		return;
	}
	/* stdout may hold the interval reports: keep the order on a shared pipe. */
	fflush(stdout);
	fprintf(stderr, "pautonuma: %s%s\n", stderr_prefix[level], buf);
}
