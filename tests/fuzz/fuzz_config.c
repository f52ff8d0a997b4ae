// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: arbitrary bytes as a pautonuma.conf. No crash, no
 * sanitizer report; an error always has its "NAME:LINE: reason" form; and a
 * text that loads and checks prints (config_print) to a file that loads to
 * the same settings, so --settings output is always a valid configuration
 * (abort() otherwise). A config that checks is also given to the policy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"

static char *print(const struct run_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	config_print(f, c);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run_config a, b;
	struct policy *pol = NULL;
	char why[512], *text, *pa, *pb;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_default(&a);
	if (config_load_string(&a, "f.conf", text, why, sizeof(why)) ||
	    config_check(&a, "f.conf", why, sizeof(why))) {
		/* A file's error names the file, a line when there is one. */
		if (strncmp(why, "f.conf:", 7) && strncmp(why, "f.conf: ", 8))
			abort();
		free(text);
		return 0;
	}
	pa = print(&a);
	config_default(&b);
	if (config_load_string(&b, "p.conf", pa, why, sizeof(why)) ||
	    config_check(&b, "p.conf", why, sizeof(why))) {
		fprintf(stderr, "printed config does not load: %s\n%s", why, pa);
		abort();
	}
	pb = print(&b);
	if (strcmp(pa, pb)) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", pa, pb);
		abort();
	}
	/* config_check() accepted it: so must the policy (small tables only). */
	if (a.policy.max_tracked <= 4096 && a.policy.max_pages <= 4096) {
		if (policy_create(&a.policy, &pol))
			abort();
		policy_destroy(pol);
	}
	free(pa);
	free(pb);
	free(text);
	return 0;
}
