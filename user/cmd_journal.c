// SPDX-License-Identifier: GPL-2.0
/* pautonuma journal init|dump|verify|recover */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errmsg.h"
#include "journal.h"
#include "recovery.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma journal init PATH [--size N[K|M|G]] [--force] [--json]\n"
		"       pautonuma journal dump PATH [--json]\n"
		"       pautonuma journal verify PATH [--json]\n"
		"       pautonuma journal recover PATH [--json]\n"
		"\n"
		"The persistent move journal (libpmem2: a file on a DAX filesystem, or any\n"
		"regular file, persisted with msync).\n"
		"  init     create a journal (default size %d bytes, mode 0600)\n"
		"  dump     print the header and every record of the log\n"
		"  verify   check the header and the log; exit 1 if corrupt\n"
		"  recover  resolve batches left without COMMIT by a crash (needs root)\n"
		"  --json   the result as one JSON object on stdout\n"
		"Exit: 0 ok, 1 failure or corrupt, 2 usage, 3 unusable file, 4 in use.\n",
		PJ_DEFAULT_SIZE);
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10;
		/* fallthrough */
	case 'M':
	case 'm':
		v <<= 10;
		/* fallthrough */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Parse "ACTION PATH [options]"; returns 0, or an exit code + 1000 to stop.
 * A NULL @size or @force: the action has no such option.
 */
static int parse(int argc, char **argv, const char **path, uint64_t *size, bool *force, bool *json)
{
	char cmd[32];

	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, li = 0;

	snprintf(cmd, sizeof(cmd), "journal %s", argv[0]);
	optind = 1;
	opterr = 0; /* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		switch (c) {
		case 's':
			if (!size)
				goto misplaced;
			if (parse_size(optarg, size)) {
				pa_err("journal %s: bad --size '%s'", argv[0], optarg);
				return 1000 + EXIT_USAGE;
			}
			break;
		case 'f':
			if (!force)
				goto misplaced;
			*force = true;
			break;
		case 'j':
			*json = true;
			break;
		default: /* 'h' and refused options */
			return 1000 + cli_option(c, cmd, argv, usage);
		}
	}
	if (optind != argc - 1) {
		pa_err("journal %s: expected one PATH (see 'pautonuma journal --help')", argv[0]);
		return 1000 + EXIT_USAGE;
	}
	*path = argv[optind];
	return 0;
misplaced:
	pa_err("journal %s: --%s is an option of journal init only", argv[0], opts[li].name);
	return 1000 + EXIT_USAGE;
}

static void print_uuid(FILE *f, const uint8_t *u)
{
	int i;

	for (i = 0; i < 16; i++)
		fprintf(f, "%02x%s", u[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
}

static void usc_text(const struct journal *j, char *buf, size_t len)
{
	if (!j->usc_ret)
		snprintf(buf, len, "%" PRIu64, j->usc);
	else
		snprintf(buf, len, "not available");
}

static int dump_text(struct journal *j)
{
	const struct pj_scan *s = &j->scan;
	struct pj_record rec, *r = &rec;
	char usc[32];
	uint64_t seq;
	int err;

	usc_text(j, usc, sizeof(usc));
	printf("journal %s\n  version %u, generation 0x%08x, uuid ", j->path, j->hdr.version,
	       j->hdr.generation);
	print_uuid(stdout, j->hdr.uuid);
	printf("\n  size %" PRIu64 " bytes, ring of %" PRIu64 " records\n"
	       "  store granularity: %s; unsafe shutdowns: %s\n",
	       j->hdr.size, j->nrecords, journal_granularity_name(j->granularity), usc);
	printf("  log: %" PRIu64 " records", s->nvalid ? s->last_seq - s->first_seq + 1 : 0);
	if (s->nvalid)
		printf(" (%" PRIu64 "..%" PRIu64 ")", s->first_seq, s->last_seq);
	printf(", next %" PRIu64 ", open batches %zu, torn %s, stale %" PRIu64 "\n", s->next_seq,
	       s->nopen, s->torn_seq ? "1 (discarded)" : "none", s->nstale);
	if (s->corrupt)
		printf("  CORRUPT: %s\n", s->why);
	for (seq = s->first_seq; s->nvalid && seq <= s->last_seq; seq++) {
		err = journal_read(j, seq, r);
		if (err)
			return err;
		printf("%8" PRIu64 " %-9s ", seq, pj_type_name(r->type));
		if (r->type == PJ_BEGIN)
			printf("pid %u start %" PRIu64 " addr 0x%" PRIx64 " pages %u -> node %d\n",
			       r->u.begin.tgid, r->u.begin.start_time, r->u.begin.addr,
			       r->u.begin.npages, r->u.begin.dst_node);
		else if (r->type == PJ_OBSERVED)
			printf("\n");
		else
			printf("batch %" PRIu64
			       " %s%s%s at-dst %u elsewhere %u enoent %u efault %u ebusy %u other %u\n",
			       r->u.commit.begin_seq,
			       r->type == PJ_RECOVERED ? pj_outcome_name(r->outcome) : "",
			       r->err ? " " : "", r->err ? strerror(r->err) : "",
			       r->u.commit.c.at_dst, r->u.commit.c.elsewhere, r->u.commit.c.enoent,
			       r->u.commit.c.efault, r->u.commit.c.ebusy, r->u.commit.c.other);
	}
	return 0;
}

static int dump_json(struct journal *j)
{
	const struct pj_scan *s = &j->scan;
	struct pj_record rec, *r = &rec;
	const struct pj_counts *c;
	uint64_t seq;
	size_t i;
	int err;

	printf("{\"path\":");
	cli_json_string(stdout, j->path);
	printf(",\"version\":%u,\"generation\":%u,\"uuid\":\"", j->hdr.version, j->hdr.generation);
	print_uuid(stdout, j->hdr.uuid);
	printf("\",\"size\":%" PRIu64 ",\"nrecords\":%" PRIu64 ",\"granularity\":\"%s\",",
	       j->hdr.size, j->nrecords, journal_granularity_name(j->granularity));
	if (!j->usc_ret)
		printf("\"unsafe_shutdowns\":%" PRIu64 ",", j->usc);
	else
		printf("\"unsafe_shutdowns\":null,");
	printf("\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64 ",\"next_seq\":%" PRIu64
	       ",\"torn_seq\":%" PRIu64 ",\"stale\":%" PRIu64 ",\"corrupt\":%s,",
	       s->first_seq, s->last_seq, s->next_seq, s->torn_seq, s->nstale,
	       s->corrupt ? "true" : "false");
	if (s->corrupt) {
		printf("\"error\":");
		cli_json_string(stdout, s->why);
		printf(",\"corrupt_record\":%" PRIu64 ",", s->corrupt_rec);
	}
	printf("\"open\":[");
	for (i = 0; i < s->nopen; i++)
		printf("%s%" PRIu64, i ? "," : "", s->open[i]);
	printf("],\"records\":[");
	for (seq = s->first_seq; s->nvalid && seq <= s->last_seq; seq++) {
		err = journal_read(j, seq, r);
		if (err) {
			putchar('\n'); /* the error goes on a line of its own */
			return err;
		}
		printf("%s{\"seq\":%" PRIu64 ",\"type\":\"%s\",\"time_ns\":%" PRIu64,
		       seq == s->first_seq ? "" : ",", seq, pj_type_name(r->type), r->time_ns);
		if (r->type == PJ_BEGIN) {
			printf(",\"pid\":%u,\"start_time\":%" PRIu64 ",\"addr\":%" PRIu64
			       ",\"npages\":%u,\"page_shift\":%u,\"dst\":%d}",
			       r->u.begin.tgid, r->u.begin.start_time, r->u.begin.addr,
			       r->u.begin.npages, r->u.begin.page_shift, r->u.begin.dst_node);
			continue;
		}
		if (r->type == PJ_OBSERVED) {
			printf("}");
			continue;
		}
		c = &r->u.commit.c;
		printf(",\"batch\":%" PRIu64 ",\"at_dst\":%u,\"elsewhere\":%u,\"enoent\":%u"
		       ",\"efault\":%u,\"ebusy\":%u,\"other\":%u,\"err\":%d",
		       r->u.commit.begin_seq, c->at_dst, c->elsewhere, c->enoent, c->efault,
		       c->ebusy, c->other, r->err);
		if (r->type == PJ_RECOVERED)
			printf(",\"outcome\":\"%s\"", pj_outcome_name(r->outcome));
		printf("}");
	}
	printf("]}\n");
	return 0;
}

static int do_init(int argc, char **argv)
{
	uint64_t size = PJ_DEFAULT_SIZE;
	const char *path;
	bool force = false, json = false;
	int err;

	err = parse(argc, argv, &path, &size, &force, &json);
	if (err)
		return err - 1000;
	err = journal_create(path, size, force);
	if (err)
		return journal_exit_code(err);
	if (json) {
		printf("{\"path\":");
		cli_json_string(stdout, path);
		printf(",\"size\":%" PRIu64 ",\"nrecords\":%" PRIu64 "}\n", size,
		       (size - PJ_HEADER_SIZE) / PJ_RECORD_SIZE);
	} else {
		printf("journal %s: created, %" PRIu64 " bytes, %" PRIu64 " records\n", path, size,
		       (size - PJ_HEADER_SIZE) / PJ_RECORD_SIZE);
	}
	return EXIT_OK;
}

static int do_read(int argc, char **argv, bool verify)
{
	struct journal *j = NULL;
	const char *path;
	bool json = false;
	int err;

	err = parse(argc, argv, &path, NULL, NULL, &json);
	if (err)
		return err - 1000;
	err = journal_open(&j, path, PJ_OPEN_RDONLY);
	if (err)
		return journal_exit_code(err);
	if (verify && json) {
		const struct pj_scan *s = &j->scan;

		printf("{\"path\":");
		cli_json_string(stdout, path);
		if (s->corrupt) {
			printf(",\"ok\":false,\"error\":");
			cli_json_string(stdout, s->why);
		} else {
			printf(",\"ok\":true,\"records\":%" PRIu64 ",\"next\":%" PRIu64
			       ",\"open_batches\":%zu,\"torn_last_record\":%s",
			       s->nvalid ? s->last_seq - s->first_seq + 1 : 0, s->next_seq,
			       s->nopen, s->torn_seq ? "true" : "false");
		}
		printf("}\n");
		if (s->corrupt) {
			pa_err("journal %s: %s", path, s->why);
			err = -EUCLEAN;
		}
	} else if (verify) {
		if (j->scan.corrupt) {
			pa_err("journal %s: %s", path, j->scan.why);
			err = -EUCLEAN;
		} else {
			printf("journal %s: ok, %" PRIu64 " records, next %" PRIu64
			       ", %zu open batches%s%s\n",
			       path, j->scan.nvalid ? j->scan.last_seq - j->scan.first_seq + 1 : 0,
			       j->scan.next_seq, j->scan.nopen,
			       j->scan.nopen ? " (run 'pautonuma journal recover')" : "",
			       j->scan.torn_seq ? ", torn last record discarded" : "");
		}
	} else if (json) {
		err = dump_json(j);
	} else {
		err = dump_text(j);
	}
	journal_close(j);
	return err ? EXIT_FAIL : EXIT_OK;
}

static int do_recover(int argc, char **argv)
{
	struct recovery_stats st;
	struct journal *j = NULL;
	struct mover m;
	const char *path;
	bool json = false;
	int err;

	err = parse(argc, argv, &path, NULL, NULL, &json);
	if (err)
		return err - 1000;
	err = journal_open(&j, path, PJ_OPEN_RDWR);
	if (err)
		return journal_exit_code(err);
	mover_init(&m, j);
	err = recovery_run(&m, &st, json ? stderr : stdout); /* stdout holds the JSON */
	if (!err && json) {
		printf("{\"path\":");
		cli_json_string(stdout, path);
		printf(",\"open_batches\":%zu,\"rolled_forward\":%zu,\"abandoned\":%zu}\n", st.open,
		       st.rolled_forward, st.abandoned);
	} else if (!err) {
		printf("journal %s: %zu open batches: %zu rolled forward, %zu abandoned\n", path,
		       st.open, st.rolled_forward, st.abandoned);
	}
	mover_fini(&m);
	journal_close(j);
	return err ? EXIT_FAIL : EXIT_OK;
}

int cmd_journal(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "init"))
		return do_init(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return do_read(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "verify"))
		return do_read(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "recover"))
		return do_recover(argc - 1, argv + 1);
	pa_err("journal: unknown action '%s' (init, dump, verify, recover)", argv[1]);
	return EXIT_USAGE;
}
