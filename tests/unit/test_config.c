// SPDX-License-Identifier: GPL-2.0
/*
 * config: every key parsed into its field, errors with FILE:LINE, command-line
 * overrides, the reload diff, the example file equal to the defaults, and
 * policy_reconfigure keeping the policy's state.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "policy.h"

static char why[512];

static int load(struct run_config *c, const char *text)
{
	config_default(c);
	return config_load_string(c, "t.conf", text, why, sizeof(why));
}

static char *print(const struct run_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_print(f, c);
	fclose(f);
	return buf;
}

/* The documented defaults (etc/pautonuma.conf) are the built-in ones. */
static void test_example_is_defaults(void **state)
{
	const char *src = getenv("SRC");
	struct run_config a, b;
	char path[512], *pa, *pb;

	unsetenv("PAUTONUMA_JOURNAL");
	snprintf(path, sizeof(path), "%s/etc/pautonuma.conf", src ? src : ".");
	config_default(&a);
	assert_int_equal(config_load_file(&a, path, why, sizeof(why)), 0);
	assert_int_equal(config_check(&a, path, why, sizeof(why)), 0);
	config_default(&b);
	assert_int_equal(config_check(&b, NULL, why, sizeof(why)), 0);
	pa = print(&a);
	pb = print(&b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
}

/* Every key named in the example is set there: a new key must be documented. */
static void test_example_names_every_key(void **state)
{
	const char *src = getenv("SRC");
	char path[512], line[512], *printed, *p, *eq;
	struct run_config c;
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/etc/pautonuma.conf", src ? src : ".");
	config_default(&c);
	printed = print(&c);
	for (p = strtok(printed, "\n"); p; p = strtok(NULL, "\n")) {
		bool found = false;

		if (*p == '[' || !*p)
			continue;
		if (*p == '#')
			p += 2; /* an empty default is printed commented out */
		eq = strstr(p, " = ");
		assert_non_null(eq);
		*eq = '\0';
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, p, strlen(p)) &&
			    (line[strlen(p)] == ' ' || line[strlen(p)] == '='))
				found = true;
		fclose(f);
		if (!found)
			fail_msg("key %s is not in etc/pautonuma.conf", p);
		n++;
	}
	assert_true(n >= 30);
	assert_true(n <= CONFIG_MAX_KEYS); /* c->line[] has a slot per key */
	free(printed);
}

static void test_daemon_keys(void **state)
{
	struct run_config c;

	assert_int_equal(load(&c, "[daemon]\n"
				  "observe_only = yes\n"
				  "journal = /j\n"
				  "interval = 2.5\n"
				  "duration = 60\n"
				  "pids = 10, 20 30\n"
				  "cgroups = /system.slice/db.service, /work\n"
				  "numa_balancing = 2\n"
				  "promote_rate_limit = 100\n"
				  "scan_period_ms = 200\n"
				  "heat_entries = 4096\n"
				  "verbose = on\n"
				  "log_level = debug\n"
				  "syslog = true\n"),
			 0);
	assert_true(c.observe_only);
	assert_string_equal(c.journal, "/j");
	assert_true(c.interval == 2.5);
	assert_true(c.duration == 60);
	assert_int_equal(c.pids.n, 3);
	assert_int_equal(c.pids.v[0], 10);
	assert_int_equal(c.pids.v[2], 30);
	assert_string_equal(c.cgroups, "/system.slice/db.service, /work");
	assert_int_equal(c.numa_balancing, 2);
	assert_int_equal(c.promote_rate_limit, 100);
	assert_int_equal(c.scan_period_ms, 200);
	assert_int_equal(c.heat_entries, 4096);
	assert_true(c.verbose);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_true(c.syslog);
	assert_int_equal(config_check(&c, "t.conf", why, sizeof(why)), 0);
	assert_int_equal(c.policy.interval_ms, 2500);

	assert_int_equal(
		load(&c, "[daemon]\ndry_run = yes\nall = 1\n[tiers]\nfast = 0-1\nslow = 2,3\n"), 0);
	assert_true(c.dry_run);
	assert_true(c.all);
	assert_string_equal(c.fast, "0-1");
	assert_string_equal(c.slow, "2,3");
	{
		char spec[300];

		assert_string_equal(config_tiers_spec(&c, spec, sizeof(spec)), "fast=0-1,slow=2,3");
	}
	assert_int_equal(config_check(&c, "t.conf", why, sizeof(why)), 0);
	assert_true(config_interval(&c) == 1);
	c.observe_only = true;
	c.dry_run = false;
	c.fast[0] = c.slow[0] = '\0';
	assert_true(config_interval(&c) == 5);
}

/* Each [policy] key lands in its own field of struct policy_config. */
static void test_policy_keys(void **state)
{
	const struct policy_config_key *k;
	struct run_config c, d;
	char text[128];
	size_t n, i, j;

	k = policy_config_keys(&n);
	assert_true(n >= 14);
	for (i = 0; i < n; i++) {
		/* 2048 is a valid page size and distinct from every default. */
		snprintf(text, sizeof(text), "[policy]\n%s = %s\n", k[i].name,
			 k[i].type == POLICY_KEY_U32 ? "2048" : "0.25");
		assert_int_equal(load(&c, text), 0);
		config_default(&d);
		for (j = 0; j < n; j++) {
			const void *a = (const char *)&c.policy + k[j].off;
			const void *b = (const char *)&d.policy + k[j].off;
			size_t sz = k[j].type == POLICY_KEY_U32 ? 4 : 8;

			if (i == j) {
				if (k[j].type == POLICY_KEY_U32)
					assert_int_equal(*(const uint32_t *)a, 2048);
				else
					assert_true(*(const double *)a == 0.25);
			} else {
				assert_memory_equal(a, b, sz);
			}
		}
	}
}

static void test_process_sections(void **state)
{
	struct run_config c;

	assert_int_equal(load(&c, "[process 42]\nexclude = yes\n"
				  "[process 7]\npromote_threshold = 3.5\nmax_pages = 100\n"),
			 0);
	assert_int_equal(c.nr_procs, 2);
	assert_int_equal(c.procs[0].tgid, 42);
	assert_true(c.procs[0].exclude);
	assert_int_equal(c.procs[1].tgid, 7);
	assert_true(c.procs[1].promote_threshold == 3.5);
	assert_int_equal(c.procs[1].max_pages, 100);
	assert_int_equal(config_check(&c, "t.conf", why, sizeof(why)), 0);
	assert_ptr_equal(c.policy.pids, c.procs);
	assert_int_equal(c.policy.nr_pids, 2);
}

static void expect_error(const char *text, const char *msg)
{
	struct run_config c;
	int err = load(&c, text);

	if (!err)
		err = config_check(&c, "t.conf", why, sizeof(why));
	assert_int_not_equal(err, 0);
	if (strcmp(why, msg))
		fail_msg("for %s: got '%s', want '%s'", text, why, msg);
}

static void test_errors(void **state)
{
	expect_error("[daemon]\ninterval = 1\n[bogus]\n",
		     "t.conf:3: unknown section [bogus] (daemon, tiers, policy, process PID)");
	expect_error("\n[daemon]\nfoo = 1\n", "t.conf:3: no such setting 'foo' in [daemon]");
	expect_error("x = 1\n", "t.conf:1: key outside a section ([daemon], [policy] ...)");
	expect_error("[daemon]\nnot a setting\n",
		     "t.conf:2: syntax error (expected [section] or key = value)");
	expect_error("[daemon]\ninterval = 2\ninterval = 3\n",
		     "t.conf:3: interval set twice (first on line 2)");
	expect_error("[daemon]\ninterval = 0\n",
		     "t.conf:2: invalid interval '0' (auto, or seconds > 0 and <= 86400)");
	expect_error("[daemon]\nall = maybe\n", "t.conf:2: invalid all 'maybe' (yes or no)");
	/* Printed back as "journal = ;x" it would read as a comment. */
	expect_error("[daemon]\njournal =;x\n", "t.conf:2: invalid journal ';x'");
	expect_error("[daemon]\nnuma_balancing = 4\n",
		     "t.conf:2: invalid numa_balancing '4' (auto, or an integer in 0..3)");
	expect_error("[daemon]\nlog_level = loud\n",
		     "t.conf:2: invalid log_level 'loud' (error, warn, info or debug)");
	expect_error("[daemon]\npids = 12 abc\n", "t.conf:2: invalid pids: 'abc' is not a PID");
	expect_error("[tiers]\nfast = x\n",
		     "t.conf:2: invalid fast 'x' (a node list such as 0-1,3)");
	expect_error("[policy]\ncooldown = -1\n",
		     "t.conf:2: invalid cooldown '-1' (an integer in 0..4294967295)");
	expect_error("[policy]\n\nlow_wmark = 0.95\n",
		     "t.conf:3: high_wmark must be > low_wmark and <= 1");
	expect_error("[policy]\ndecay = 1.5\n", "t.conf:2: decay must be in (0, 1]");
	expect_error("[process 0]\nexclude = yes\n", "t.conf:2: [process 0]: not a PID");
	expect_error(
		"[process 5]\nnice = 1\n",
		"t.conf:2: no such setting 'nice' in [process 5] (exclude, promote_threshold, max_pages)");
	expect_error("[process 5]\nmax_pages = 1\n[process 5]\nmax_pages = 2\n",
		     "t.conf:4: max_pages set twice in [process 5]");
	expect_error("[daemon]\npids = 5\n\nall = yes\n",
		     "t.conf:4: all and pids exclude each other");
	expect_error("[daemon]\ncgroups = /a work\n",
		     "t.conf:2: invalid cgroups: 'work' (a path from the cgroup2 mount, such as "
		     "/system.slice/db.service, without '..')");
	expect_error(
		"[daemon]\ncgroups = /a/../../etc\n",
		"t.conf:2: invalid cgroups: '/a/../../etc' (a path from the cgroup2 mount, such "
		"as /system.slice/db.service, without '..')");
	expect_error("[daemon]\ncgroups = /a /b/..\n",
		     "t.conf:2: invalid cgroups: '/b/..' (a path from the cgroup2 mount, such as "
		     "/system.slice/db.service, without '..')");
	expect_error(
		"[daemon]\ncgroups = /1 /2 /3 /4 /5 /6 /7 /8 /9 /10 /11 /12 /13 /14 /15 /16 /17\n",
		"t.conf:2: invalid cgroups: at most 16");
	expect_error("[daemon]\nall = yes\ncgroups = /a\n",
		     "t.conf:3: all and cgroups exclude each other");
	expect_error("[daemon]\nobserve_only = yes\ndry_run = yes\n",
		     "t.conf:2: observe_only moves nothing: no dry_run or [tiers]");
}

/* config_cgroup_next() splits as the check does; "/a..b" is a name, not "..". */
static void test_cgroup_split(void **state)
{
	struct run_config c;
	const char *p, *want[] = { "/a..b", "/x/y", "/..z", "/r" };
	size_t n, i = 0;

	(void)state;
	assert_int_equal(load(&c, "[daemon]\ncgroups = /a..b,,/x/y \t /..z\r/r\v,\n"), 0);
	for (p = c.cgroups; (p = config_cgroup_next(p, &n)); p += n, i++) {
		assert_true(i < 4);
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(p, want[i], n);
	}
	assert_int_equal(i, 4);
}

static void test_build_overrides(void **state)
{
	const struct config_override ov[] = {
		{ "daemon", "interval", "3", "--interval" },
		{ "policy", "decay", "0.5", "--set" },
	};
	const struct config_override bad[] = { { "policy", "nope", "1", "--set" } };
	char path[] = "/tmp/test_config_XXXXXX";
	struct run_config c;
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[daemon]\ninterval = 2\nduration = 9\n[policy]\ndecay = 0.75\n", f);
	fclose(f);
	assert_int_equal(config_build(&c, path, true, ov, 2, why, sizeof(why)), 0);
	assert_true(c.interval == 3); /* the command line wins */
	assert_true(c.duration == 9); /* the file's, not overridden */
	assert_true(c.policy.decay == 0.5);
	assert_int_equal(c.line[0] == 0, 1); /* observe_only: default */
	assert_int_equal(config_build(&c, path, true, bad, 1, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "--set nope=1: no such setting 'nope' in [policy]");
	unlink(path);
	/* Missing: an error only when named. */
	assert_int_equal(config_build(&c, path, false, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(config_build(&c, path, true, NULL, 0, why, sizeof(why)), -ENOENT);
}

static void test_print_round_trip(void **state)
{
	struct run_config a, b;
	char *pa, *pb;

	assert_int_equal(load(&a, "[daemon]\npids = 1 2\ninterval = 0.3\njournal = /x y\n"
				  "[tiers]\nslow = 1\n[policy]\ndecay = 0.1\n"
				  "[process 9]\npromote_threshold = 0.1\n"),
			 0);
	pa = print(&a);
	assert_int_equal(load(&b, pa), 0);
	pb = print(&b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
}

/* Every line of @text fits a configuration file's (198 characters). */
static void assert_lines_fit(const char *text)
{
	size_t n;

	for (; *text; text += n + 1) {
		n = strcspn(text, "\n");
		if (n > 198)
			fail_msg("a line of %zu characters: %.40s...", n, text);
		if (!text[n])
			break;
	}
}

/* @text loads, prints to lines that fit, and that loads and prints the same. */
static void assert_round_trip(const char *text, struct run_config *b)
{
	struct run_config a;
	char *pa, *pb;

	if (load(&a, text))
		fail_msg("%s", why);
	pa = print(&a);
	assert_lines_fit(pa);
	if (load(b, pa))
		fail_msg("printed: %s\n%s", why, pa);
	pb = print(b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
}

/* [daemon] @key set to @v from the command line prints (with @want) and loads back. */
static void set_round_trip(struct run_config *b, const char *key, const char *v, const char *want)
{
	char *p;

	config_default(b);
	assert_int_equal(config_set(b, "daemon", key, v, why, sizeof(why)), 0);
	p = print(b);
	if (want && !strstr(p, want))
		fail_msg("no '%s' in:\n%s", want, p);
	assert_round_trip(p, b);
	free(p);
}

/*
 * libinih reads lines of 198 characters: what loads prints to lines of at
 * most that (fuzz_config found "key=VALUE" that printed as "key = VALUE"
 * did not), and lists go on over indented lines, so that as many PIDs and
 * cgroups as the command line takes print to a file that loads.
 */
static void test_long_lines(void **state)
{
	struct run_config b;
	char text[2048], v[1024];
	size_t i, o;

	(void)state;
	/* journal: 188 bytes fill "journal = VALUE"; one more is refused. */
	memset(v, 'j', 188);
	v[0] = '/';
	v[188] = '\0';
	snprintf(text, sizeof(text), "[daemon]\njournal=%s\n", v);
	assert_round_trip(text, &b);
	assert_string_equal(b.journal, v);
	strcpy(v + 188, "j");
	snprintf(text, sizeof(text), "[daemon]\njournal=%s\n", v);
	expect_error(text, "t.conf:2: invalid journal: longer than 188 bytes");
	config_default(&b);
	assert_int_equal(config_set(&b, "daemon", "metrics_file", v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "invalid metrics_file: longer than 183 bytes");

	/* 64 PIDs of 10 digits, as 64 --pid would give them: several lines. */
	for (i = 0, o = 0; i < CONFIG_MAX_PIDS; i++)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "%s%zu", i ? "," : "", 1000000000 + i);
	set_round_trip(&b, "pids", v, "\n\t10000000");
	assert_int_equal(b.pids.n, CONFIG_MAX_PIDS);
	for (i = 0; i < CONFIG_MAX_PIDS; i++)
		assert_int_equal(b.pids.v[i], 1000000000 + (int)i);

	/* 16 cgroups of 60 bytes, from the command line. */
	for (i = 0, o = 0; i < CONFIG_MAX_CGROUPS; i++)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "%s/%02zu%057d", i ? " " : "", i, 0);
	set_round_trip(&b, "cgroups", v, "\n\t/");
	assert_string_equal(b.cgroups, v);
	/* 196 characters, then " /b" would make 199: wrapped. */
	memset(v, 'c', 186);
	v[0] = '/';
	strcpy(v + 186, " /b");
	set_round_trip(&b, "cgroups", v, "ccc\n\t/b\n");
	/* A path is at most what fits the first line, "cgroups = PATH". */
	memset(v, 'c', 189);
	v[0] = '/';
	v[189] = '\0';
	config_default(&b);
	assert_int_equal(config_set(&b, "daemon", "cgroups", v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "invalid cgroups: '/ccccccccccccccccccccccccccccccc...' is "
				 "longer than 188 bytes");

	/* Indented lines go on with a list (blank and comment lines between). */
	assert_round_trip("[daemon]\npids = 1 2\n\t3\n\n  4,5\n; c\n 6\nall = no\n", &b);
	assert_int_equal(b.pids.n, 6);
	assert_int_equal(b.pids.v[5], 6);
	assert_round_trip("[daemon]\ncgroups = /a\n /b\n", &b);
	assert_string_equal(b.cgroups, "/a /b");
	/* Separators only: an empty list, printed as one. */
	assert_round_trip("[daemon]\ncgroups = ,\n", &b);
	assert_string_equal(b.cgroups, "");
	/* Not a list, or after a section line: as before. */
	expect_error("[daemon]\njournal = /a\n  b\n",
		     "t.conf:3: journal set twice (first on line 2)");
	assert_round_trip("[daemon]\npids = 1\n[policy]\n  decay = 0.5\n", &b);
	assert_true(b.policy.decay == 0.5);
	expect_error("[daemon]\npids = 1\n x\n", "t.conf:3: invalid pids: 'x' is not a PID");
	expect_error("[daemon]\npids = 1\npids = 2\n",
		     "t.conf:3: pids set twice (first on line 2)");
	expect_error("[daemon]\npids = 1\n[daemon]\n pids = 2\n",
		     "t.conf:4: pids set twice (first on line 2)");
}

static int nr_restart, nr_live;

static void count_report(bool restart, const char *msg)
{
	if (restart)
		nr_restart++;
	else
		nr_live++;
}

static void test_reload_diff(void **state)
{
	struct run_config cur, next;

	assert_int_equal(load(&cur, "[daemon]\njournal = /a\ninterval = 1\n"), 0);
	assert_int_equal(
		load(&next, "[daemon]\njournal = /b\ninterval = 2\n[tiers]\nslow = 1\n"
			    "[policy]\npage_size = 8192\ndecay = 0.5\n[process 3]\nexclude = 1\n"),
		0);
	nr_restart = nr_live = 0;
	assert_int_equal(config_reload_diff(&cur, &next, "t.conf", count_report), 3);
	assert_int_equal(nr_live, 3); /* interval, decay, [process] */
	assert_int_equal(nr_restart, 3); /* journal, tiers slow, page_size */
	assert_string_equal(next.journal, "/a"); /* kept */
	assert_string_equal(next.slow, "");
	assert_int_equal(next.policy.page_size, 4096);
	assert_true(next.interval == 2); /* changed */
	assert_true(next.policy.decay == 0.5);
}

static void test_tiers_split(void **state)
{
	char fast[64], slow[64];

	assert_int_equal(config_tiers_split("fast=0-1,3,slow=2", fast, slow, 64), 0);
	assert_string_equal(fast, "0-1,3");
	assert_string_equal(slow, "2");
	assert_int_equal(config_tiers_split("0,slow=1", fast, slow, 64), -EINVAL);
	assert_int_equal(config_tiers_split("fast=", fast, slow, 64), -EINVAL);
}

/* A reconfigured policy keeps its pages and their hotness; a bad one changes nothing. */
static void test_policy_reconfigure(void **state)
{
	struct policy_node nodes[] = {
		{ .node = 0, .tier = POLICY_TIER_FAST, .capacity_pages = 1000, .free_pages = 900 },
		{ .node = 1, .tier = POLICY_TIER_SLOW, .capacity_pages = 1000, .free_pages = 900 },
	};
	struct policy_topology topo = { nodes, 2 };
	struct policy_obs obs = {
		.tgid = 5, .node = 1, .start_time = 1, .addr = 0x10000, .faults_delta = 1
	};
	struct policy_config cfg, bad;
	struct policy_plan plan;
	struct policy *pol;
	double hot;

	policy_config_default(&cfg);
	assert_int_equal(policy_create(&cfg, &pol), 0);
	policy_plan_init(&plan);
	assert_int_equal(policy_plan(pol, &obs, 1, &topo, &plan), 0);
	assert_int_equal(plan.c.promoted, 0); /* 1 fault < 1.5 */
	cfg.promote_threshold = 1.75;
	cfg.max_pages = 10;
	assert_int_equal(policy_reconfigure(pol, &cfg), 0);
	assert_int_equal(policy_page_hotness(pol, 5, 0x10000, &hot), 0);
	assert_true(hot == 1.0);
	/* 1 * 0.875 + 1 = 1.875 >= 1.75: promoted under the new threshold. */
	assert_int_equal(policy_plan(pol, &obs, 1, &topo, &plan), 0);
	assert_int_equal(plan.c.threshold * 4, 7);
	assert_int_equal(plan.c.promoted, 1);
	assert_int_equal(plan.c.budget_pages, 10);
	bad = cfg;
	bad.page_size = 8192;
	assert_int_equal(policy_reconfigure(pol, &bad), -EINVAL);
	bad = cfg;
	bad.low_wmark = 0.95;
	assert_int_equal(policy_reconfigure(pol, &bad), -EINVAL);
	assert_int_equal(policy_tracked(pol), 1);
	policy_plan_fini(&plan);
	policy_destroy(pol);
}

static void test_log_levels(void **state)
{
	assert_int_equal(log_level_parse("error"), LOG_LVL_ERROR);
	assert_int_equal(log_level_parse("warn"), LOG_LVL_WARN);
	assert_int_equal(log_level_parse("info"), LOG_LVL_INFO);
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("INFO"), -1);
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warn");
	/* syslog only for a service: never when stderr is a terminal. */
	log_setup(LOG_LVL_DEBUG, true);
	assert_int_equal(log_to_syslog(), !isatty(STDERR_FILENO));
	log_setup(LOG_LVL_INFO, false);
	assert_false(log_to_syslog());
	log_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_is_defaults),
		cmocka_unit_test(test_example_names_every_key),
		cmocka_unit_test(test_daemon_keys),
		cmocka_unit_test(test_policy_keys),
		cmocka_unit_test(test_process_sections),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_build_overrides),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_reload_diff),
		cmocka_unit_test(test_tiers_split),
		cmocka_unit_test(test_policy_reconfigure),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_cgroup_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
