// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma attach|detach PID...: change the running observer's PID filter;
 * and the helpers of every command that talks to the running instance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmds.h"
#include "proc_ident.h"

int cmd_parse_pid(const char *cmd, const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !*s || *end || v <= 0 || v > 0x3fffffff) {
		fprintf(stderr, "pautonuma: %s: invalid PID '%s'\n", cmd, s);
		return -EINVAL;
	}
	*out = (pid_t)v;
	return 0;
}

int cmd_open_running(const char *cmd, struct observer_maps *m)
{
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "pautonuma: %s: must run as root\n", cmd);
		return EXIT_ENV;
	}
	err = observer_maps_open_pinned(m);
	if (err == -ENOENT) {
		fprintf(stderr, "pautonuma: %s: no observer is running (nothing pinned in %s)\n",
			cmd, OBSERVER_PIN_DIR);
		return EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "pautonuma: %s: opening %s: %s\n", cmd, OBSERVER_PIN_DIR,
			strerror(-err));
		return EXIT_ENV;
	}
	return EXIT_OK;
}

const char *cmd_ident_error(int err)
{
	return err == -ESRCH  ? "no such process" :
	       err == -EINVAL ? "not a process (a thread of another?)" :
				strerror(-err);
}

static int filter_cmd(int argc, char **argv, bool attach)
{
	const char *cmd = argv[0];
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	struct proc_ident *ids = NULL, again;
	int i, n = argc - 1, err, ret;

	if (n < 1 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(n < 1 ? stderr : stdout, "Usage: pautonuma %s PID...\n", cmd);
		return n < 1 ? EXIT_USAGE : EXIT_OK;
	}
	ids = calloc(n, sizeof(*ids));
	if (!ids) {
		fprintf(stderr, "pautonuma: %s: %s\n", cmd, strerror(ENOMEM));
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (cmd_parse_pid(cmd, argv[i + 1], &ids[i].tgid)) {
			ret = EXIT_USAGE;
			goto cleanup;
		}
	}
	ret = cmd_open_running(cmd, &m);
	if (ret)
		goto cleanup;
	/* All or nothing: check every PID before changing the filter. */
	for (i = 0; attach && i < n; i++) {
		err = proc_ident_get(ids[i].tgid, &ids[i]);
		if (err) {
			fprintf(stderr, "pautonuma: %s: pid %d: %s\n", cmd, (int)ids[i].tgid,
				cmd_ident_error(err));
			ret = EXIT_FAIL;
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		if (!attach) {
			err = observer_filter_del(&m, ids[i].tgid);
			if (err == -ENOENT) {
				fprintf(stderr, "pautonuma: detach: pid %d is not attached\n",
					(int)ids[i].tgid);
				ret = EXIT_FAIL;
			} else if (err) {
				fprintf(stderr, "pautonuma: detach: pid %d: %s\n", (int)ids[i].tgid,
					strerror(-err));
				ret = EXIT_FAIL;
			} else {
				printf("pautonuma: detached pid %d\n", (int)ids[i].tgid);
			}
			continue;
		}
		err = observer_filter_add(&m, &ids[i]);
		if (err) {
			fprintf(stderr, "pautonuma: attach: pid %d: %s\n", (int)ids[i].tgid,
				err == -E2BIG ? "the filter is full" : strerror(-err));
			ret = EXIT_FAIL;
			continue;
		}
		/* The process may have exited (and its PID been reused) meanwhile. */
		err = proc_ident_get(ids[i].tgid, &again);
		if (err || again.start_time != ids[i].start_time) {
			observer_filter_del(&m, ids[i].tgid);
			fprintf(stderr, "pautonuma: attach: pid %d exited while being attached\n",
				(int)ids[i].tgid);
			ret = EXIT_FAIL;
			continue;
		}
		printf("pautonuma: attached pid %d (start time %llu)\n", (int)ids[i].tgid,
		       (unsigned long long)ids[i].start_time);
	}
cleanup:
	observer_maps_close(&m);
	free(ids);
	return ret;
}

int cmd_attach(int argc, char **argv)
{
	return filter_cmd(argc, argv, true);
}

int cmd_detach(int argc, char **argv)
{
	return filter_cmd(argc, argv, false);
}
