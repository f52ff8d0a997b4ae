// SPDX-License-Identifier: GPL-2.0
/* Test-only crash injection, see crashpoint.h. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"

static const char *armed_step(const char *var, size_t *len, unsigned long *nth)
{
	const char *env = getenv(var);
	const char *colon;

	if (!env || !*env)
		return NULL;
	colon = strchr(env, ':');
	*len = colon ? (size_t)(colon - env) : strlen(env);
	*nth = colon ? strtoul(colon + 1, NULL, 10) : 1;
	return env;
}

bool crash_point_armed(const char *step)
{
	unsigned long nth;
	const char *env;
	size_t len;

	env = armed_step("PAUTONUMA_TEST_CRASH_AT", &len, &nth);
	return env && strlen(step) == len && !strncmp(env, step, len);
}

/* The Nth hit of @step, if @var names it. */
static bool hit(const char *var, unsigned int *count, const char *step)
{
	unsigned long nth;
	const char *env;
	size_t len;

	env = armed_step(var, &len, &nth);
	if (!env || strlen(step) != len || strncmp(env, step, len))
		return false;
	return ++*count == nth;
}

void crash_point(const char *step)
{
	static unsigned int kill_hits, stop_hits;

	if (hit("PAUTONUMA_TEST_CRASH_AT", &kill_hits, step))
		raise(SIGKILL);
	if (hit("PAUTONUMA_TEST_PAUSE_AT", &stop_hits, step))
		raise(SIGSTOP); /* until the test sends SIGCONT */
}
