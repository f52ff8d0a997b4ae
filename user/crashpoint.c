// SPDX-License-Identifier: GPL-2.0
/* Test-only crash injection, see crashpoint.h. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"

static unsigned int hits;

static const char *armed_step(size_t *len, unsigned long *nth)
{
	const char *env = getenv("PAUTONUMA_TEST_CRASH_AT");
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

	env = armed_step(&len, &nth);
	return env && strlen(step) == len && !strncmp(env, step, len);
}

void crash_point(const char *step)
{
	unsigned long nth;
	const char *env;
	size_t len;

	env = armed_step(&len, &nth);
	if (!env || strlen(step) != len || strncmp(env, step, len))
		return;
	if (++hits >= nth)
		raise(SIGKILL);
}
