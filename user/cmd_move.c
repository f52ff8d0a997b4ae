// SPDX-License-Identifier: GPL-2.0
/* pautonuma move: a journaled one-shot move for operators and tests. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "errmsg.h"
#include "journal.h"
#include "mover.h"
#include "recovery.h"

#define DEFAULT_JOURNAL "/var/lib/pautonuma/journal"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma move --pid PID --to NODE (--addr A [--pages N] | --range START-END)\n"
		"                      [--journal PATH] [--batch N] [--json]\n"
		"\n"
		"Move pages of process PID to NUMA node NODE with move_pages(2), each batch\n"
		"bracketed by BEGIN/COMMIT records made durable in the journal.  Batches left\n"
		"in flight by an earlier crash are recovered first.  Another user's process\n"
		"needs CAP_SYS_PTRACE (and CAP_DAC_READ_SEARCH for its pagemap).\n"
		"  --pid PID          target process (its start time is journaled too)\n"
		"  --to NODE          destination node\n"
		"  --addr A           first page (page aligned; 0x... accepted)\n"
		"  --pages N          number of pages from A (default 1)\n"
		"  --range START-END  the pages of [START, END), both page aligned\n"
		"  --journal PATH     journal (default $PAUTONUMA_JOURNAL or %s)\n"
		"  --batch N          pages per journaled batch, 1..%d (default 512)\n"
		"  --json             the batches' outcomes as one JSON object on stdout\n"
		"Exit: 0 every batch ran (see the per-page counts), 1 failure, 2 usage,\n"
		"3 environment (no such node, no permission, unusable journal), 4 journal in use.\n",
		DEFAULT_JOURNAL, MOVER_MAX_BATCH);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -EINVAL : 0;
}

int cmd_move(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "pages", required_argument, NULL, 'n' },
		{ "range", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, 'j' },
		{ "batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t pid = 0, node = UINT64_MAX, addr = 0, end = 0, npages = 1, batch = 512;
	const char *path = getenv("PAUTONUMA_JOURNAL");
	bool have_addr = false, have_range = false, have_pages = false, json = false;
	struct recovery_stats st;
	struct batch_result res;
	struct journal *j = NULL;
	struct proc_ident id;
	uint64_t page, done;
	struct mover m;
	char *dash;
	int c, li = 0, err, ret = EXIT_OK;
	uint32_t n;

	if (!path || !*path)
		path = DEFAULT_JOURNAL;
	optind = 1;
	opterr = 0; /* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, &pid) || !pid || pid > INT32_MAX)
				goto bad_value;
			break;
		case 't':
			if (parse_u64(optarg, &node) || node > INT16_MAX)
				goto bad_value;
			break;
		case 'a':
			if (parse_u64(optarg, &addr))
				goto bad_value;
			have_addr = true;
			break;
		case 'n':
			if (parse_u64(optarg, &npages) || !npages || npages > UINT32_MAX)
				goto bad_value;
			have_pages = true;
			break;
		case 'r':
			dash = strchr(optarg, '-');
			if (!dash)
				goto bad_value;
			*dash = '\0';
			err = parse_u64(optarg, &addr) || parse_u64(dash + 1, &end);
			*dash = '-';
			if (err)
				goto bad_value;
			have_range = true;
			break;
		case 'j':
			path = optarg;
			break;
		case 'b':
			if (parse_u64(optarg, &batch) || !batch || batch > MOVER_MAX_BATCH)
				goto bad_value;
			break;
		case 'J':
			json = true;
			break;
		default: /* 'h' and refused options */
			return cli_option(c, "move", argv, usage);
		}
	}
	if (optind != argc || !pid || node == UINT64_MAX || have_addr == have_range ||
	    (have_range && have_pages)) {
		pa_err("move: need --pid, --to and one of --addr or --range (see 'pautonuma move --help')");
		return EXIT_USAGE;
	}
	page = sysconf(_SC_PAGESIZE);
	if (addr % page || (have_range && (end % page || end <= addr))) {
		pa_err("move: addresses must be page aligned (%" PRIu64 " bytes) and START < END",
		       page);
		return EXIT_USAGE;
	}
	if (have_range)
		npages = (end - addr) / page;

	err = proc_ident_get(pid, &id);
	if (err) {
		pa_err("move: pid %" PRIu64 ": %s", pid,
		       err == -ESRCH ? "no such process (or a zombie)" : strerror(-err));
		return EXIT_FAIL;
	}
	err = journal_open(&j, path, PJ_OPEN_RDWR);
	if (err)
		return journal_exit_code(err);
	mover_init(&m, j);
	/* Never start new work on top of a crash that was not cleaned up. */
	err = recovery_run(&m, &st, json ? stderr : stdout); /* stdout holds the JSON */
	if (err) {
		ret = EXIT_FAIL;
		goto cleanup;
	}
	if (json)
		printf("{\"pid\":%" PRIu64 ",\"to\":%" PRIu64 ",\"batches\":[", pid, node);
	for (done = 0; done < npages; done += n) {
		n = npages - done < batch ? npages - done : batch;
		err = mover_move_batch(&m, &id, addr + done * page, n, (int)node, &res);
		if (err == -EBADFD) { /* the journal said why */
			ret = EXIT_FAIL;
			goto cleanup;
		}
		if (err == -ESRCH && !res.begin_seq) {
			pa_err("move: pid %" PRIu64 ": exited or its PID was reused; not touched",
			       pid);
			ret = EXIT_FAIL;
			goto cleanup;
		}
		if (err && !res.begin_seq) {
			pa_err("move: journal %s: %s", path,
			       err == -ENOSPC ? "full of unresolved batches" : strerror(-err));
			ret = EXIT_FAIL;
			goto cleanup;
		}
		if (json)
			printf("%s{\"seq\":%" PRIu64 ",\"addr\":%" PRIu64 ",\"pages\":%u,"
			       "\"at_dst\":%u,\"elsewhere\":%u,\"enoent\":%u,\"efault\":%u,"
			       "\"ebusy\":%u,\"other\":%u,\"err\":%d}",
			       done ? "," : "", res.begin_seq, addr + done * page, n, res.c.at_dst,
			       res.c.elsewhere, res.c.enoent, res.c.efault, res.c.ebusy,
			       res.c.other, err);
		else
			printf("batch %" PRIu64 ": %u pages at 0x%" PRIx64 " -> node %" PRIu64
			       ": %u at node, %u elsewhere, %u not present, %u efault, %u busy, %u other\n",
			       res.begin_seq, n, addr + done * page, node, res.c.at_dst,
			       res.c.elsewhere, res.c.enoent, res.c.efault, res.c.ebusy,
			       res.c.other);
		if (err) {
			pa_err("move: pid %" PRIu64 ": move_pages: %s (batch %" PRIu64 " aborted)",
			       pid, strerror(-err), res.begin_seq);
			ret = err == -ESRCH || err == -EINVAL ? EXIT_FAIL : journal_exit_code(err);
			goto cleanup;
		}
	}
cleanup:
	if (json && j)
		printf("],\"ok\":%s}\n", ret == EXIT_OK ? "true" : "false");
	mover_fini(&m);
	journal_close(j);
	return ret;
bad_value:
	pa_err("move: bad value '%s' for --%s", optarg, opts[li].name);
	return EXIT_USAGE;
}
