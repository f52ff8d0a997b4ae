// SPDX-License-Identifier: GPL-2.0
/*
 * pautonuma attach|detach PID...: change the running observer's PID filter;
 * and the helpers of every command that talks to the running instance.
 */
#include <errno.h>
#include <getopt.h>
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

static void attach_usage(FILE *f)
{
	fprintf(f, "Usage: pautonuma attach [--json] PID...\n"
		   "Add processes to the running observer's PID filter: the daemon manages\n"
		   "them. All or nothing: every PID is checked before the filter changes.\n"
		   "  --json  one JSON object on stdout: the PIDs attached (with their start\n"
		   "          time) and those that failed, with the reason (also on stderr)\n"
		   "Exit: 0 done, 1 failure (no observer running, no such process, filter\n"
		   "full), 2 usage, 3 environment (not root).\n");
}

static void detach_usage(FILE *f)
{
	fprintf(f, "Usage: pautonuma detach [--json] PID...\n"
		   "Remove processes from the running observer's PID filter, each on its own.\n"
		   "  --json  one JSON object on stdout: the PIDs detached and those that\n"
		   "          failed, with the reason (also on stderr)\n"
		   "Exit: 0 done, 1 failure (no observer running, a PID not attached),\n"
		   "2 usage, 3 environment (not root).\n");
}

/* One PID's outcome: @why NULL when done, else the reason. */
struct filter_result {
	pid_t pid;
	unsigned long long start_time;
	const char *why;
};

static void print_results_json(bool attach, const struct filter_result *r, int n)
{
	int i, k;

	printf("{\"%s\":[", attach ? "attached" : "detached");
	for (i = 0, k = 0; i < n; i++) {
		if (r[i].why)
			continue;
		printf("%s{\"pid\":%d", k++ ? "," : "", (int)r[i].pid);
		if (attach)
			printf(",\"start_time\":%llu", r[i].start_time);
		putchar('}');
	}
	printf("],\"failed\":[");
	for (i = 0, k = 0; i < n; i++) {
		if (!r[i].why)
			continue;
		printf("%s{\"pid\":%d,\"error\":", k++ ? "," : "", (int)r[i].pid);
		cli_json_string(stdout, r[i].why);
		putchar('}');
	}
	printf("]}\n");
}

static int filter_cmd(int argc, char **argv, bool attach)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *cmd = argv[0];
	struct observer_maps m = OBSERVER_MAPS_CLOSED;
	struct proc_ident *ids = NULL, again;
	struct filter_result *res = NULL;
	bool json = false;
	int c, i, n, err, ret;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else /* 'h' and refused options */
			return cli_option(c, cmd, argv, attach ? attach_usage : detach_usage);
	}
	n = argc - optind;
	if (n < 1) {
		fprintf(stderr, "pautonuma: %s: no PID given (see 'pautonuma %s --help')\n", cmd,
			cmd);
		return EXIT_USAGE;
	}
	argv += optind;
	ids = calloc(n, sizeof(*ids));
	res = calloc(n, sizeof(*res));
	if (!ids || !res) {
		fprintf(stderr, "pautonuma: %s: %s\n", cmd, strerror(ENOMEM));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (cmd_parse_pid(cmd, argv[i], &ids[i].tgid)) {
			ret = EXIT_USAGE;
			goto cleanup;
		}
		res[i].pid = ids[i].tgid;
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
			if (err == -ENOENT)
				res[i].why = "not attached";
			else if (err)
				res[i].why = strerror(-err);
			if (res[i].why) {
				fprintf(stderr, "pautonuma: detach: pid %d%s%s\n", (int)ids[i].tgid,
					err == -ENOENT ? " is " : ": ", res[i].why);
				ret = EXIT_FAIL;
			} else if (!json) {
				printf("pautonuma: detached pid %d\n", (int)ids[i].tgid);
			}
			continue;
		}
		err = observer_filter_add(&m, &ids[i]);
		if (err) {
			res[i].why = err == -E2BIG ? "the filter is full" : strerror(-err);
			fprintf(stderr, "pautonuma: attach: pid %d: %s\n", (int)ids[i].tgid,
				res[i].why);
			ret = EXIT_FAIL;
			continue;
		}
		/* The process may have exited (and its PID been reused) meanwhile. */
		err = proc_ident_get(ids[i].tgid, &again);
		if (err || again.start_time != ids[i].start_time) {
			observer_filter_del(&m, ids[i].tgid);
			res[i].why = "exited while being attached";
			fprintf(stderr, "pautonuma: attach: pid %d %s\n", (int)ids[i].tgid,
				res[i].why);
			ret = EXIT_FAIL;
			continue;
		}
		res[i].start_time = (unsigned long long)ids[i].start_time;
		if (!json)
			printf("pautonuma: attached pid %d (start time %llu)\n", (int)ids[i].tgid,
			       res[i].start_time);
	}
	if (json)
		print_results_json(attach, res, n);
cleanup:
	observer_maps_close(&m);
	free(res);
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
