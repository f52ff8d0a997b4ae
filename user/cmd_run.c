// SPDX-License-Identifier: GPL-2.0
/* pautonuma run --observe-only: load the observer, report, clean up. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "cgroup_members.h"
#include "cli.h"
#include "cmds.h"
#include "config.h"
#include "daemon.h"
#include "heat_reader.h"
#include "log.h"
#include "metrics.h"
#include "proc_ident.h"
#include "report.h"
#include "stats_file.h"
#include "sysctl_state.h"
#include "topology.h"

#define RUN_DIR "/run/pautonuma"
#define LOCK_FILE RUN_DIR "/observer.lock"

static volatile sig_atomic_t stop_signal, reload_pending;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_pending = 1;
	else
		stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma run [--config FILE] [--pid PID]... [--all]\n"
		"                     [--journal PATH | --dry-run] [--tiers fast=N,..,slow=N,..]\n"
		"                     [--set KEY=VALUE]...\n"
		"       pautonuma run --observe-only [--pid PID]... [--all]\n"
		"       pautonuma run [--config FILE] [OPTIONS] --settings\n"
		"  common: [--interval S] [--duration S] [--numa-balancing MODE]\n"
		"          [--scan-period-ms MS] [--promote-rate-limit MBPS] [--heat-entries N]\n"
		"          [--log-level LEVEL] [--syslog] [--verbose]\n"
		"Record NUMA hint faults per page of the given processes (or --all) and\n"
		"kernel migrations, and every interval (default 5 s; 1 s as a daemon) plan\n"
		"promotions of hot slow-tier pages and demotions of cold fast-tier pages and\n"
		"move them with move_pages(2), each batch journaled in PATH (default\n"
		"$PAUTONUMA_JOURNAL or %s; create it with 'pautonuma journal init').\n"
		"Runs until --duration, SIGINT or SIGTERM; SIGHUP reloads the configuration\n"
		"file. Maps are pinned under %s.\n"
		"  --config FILE              settings file (default %s\n"
		"                             when it exists; see pautonuma.conf(5)); options\n"
		"                             given here override it\n"
		"  --settings                 print the effective settings (file + options)\n"
		"                             in the file's format, and exit\n"
		"  --observe-only             record and report only; move nothing\n"
		"  --dry-run                  print each interval's plan; move nothing\n"
		"  --tiers SPEC               which nodes are fast and slow (default: the\n"
		"                             kernel's memory tiers, else CPU-less = slow)\n"
		"  --set KEY=VALUE            a [policy] setting (see --settings)\n"
		"  --numa-balancing MODE      kernel.numa_balancing while running (default:\n"
		"                             3 with a CPU-less node, else 1)\n"
		"  --promote-rate-limit MBPS  kernel.numa_balancing_promote_rate_limit_MBps\n"
		"                             while running (0 stops the kernel's promotions)\n"
		"  --watermark-boost-factor N vm.watermark_boost_factor while running (default\n"
		"                             0: no boosted reclaim, i.e. demotion, by kswapd)\n"
		"  --scan-period-ms MS        NUMA scan delay and period (min and max) while\n"
		"                             running, in debugfs sched/numa_balancing/\n"
		"  --log-level LEVEL          error, warn, info (default) or debug\n"
		"  --syslog                   messages to syslog when stderr is not a terminal\n"
		"  --verbose                  libbpf's messages too\n"
		"  --metrics-file PATH        rewrite PATH each interval with the counters in\n"
		"                             Prometheus text format (textfile collector)\n"
		"A daemon publishes its counters in " PN_STATS_FILE " each interval\n"
		"(read by 'pautonuma top', 'status' and 'report').\n"
		"Exit: 0 ok, 1 runtime failure, 2 usage or configuration error, 3 environment\n"
		"not usable, 4 another instance is running or the journal is locked.\n",
		CONFIG_DEFAULT_JOURNAL, OBSERVER_PIN_DIR, CONFIG_DEFAULT_PATH);
}

static double clock_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The process's CPU time (user + system, all threads). */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/*
 * After an interval: the daemon's stats file, then the metrics file. A
 * failure is reported and the daemon carries on: moving pages matters more.
 */
static void publish(const struct daemon *dmn, const struct observer_maps *m,
		    const struct heat_batch *heat, const char *metrics)
{
	const struct pn_stats_proc *procs = NULL;
	const struct pn_stats_page *pages = NULL;
	struct pn_stats_header h;
	int err;

	if (dmn) {
		daemon_stats(dmn, &h, &procs, &pages);
		err = stats_file_write(PN_STATS_FILE, &h, procs, pages);
		if (err)
			fprintf(stderr, "pautonuma: run: writing %s: %s\n", PN_STATS_FILE,
				strerror(-err));
	}
	if (metrics) {
		err = metrics_write_file(metrics, m, heat, dmn ? &h : NULL, procs);
		if (err)
			fprintf(stderr, "pautonuma: run: writing %s: %s\n", metrics,
				strerror(-err));
	}
}

/* Take the single-instance lock. Returns the fd, -EBUSY (pid in *holder) or -errno. */
static int take_lock(pid_t *holder)
{
	char buf[32];
	ssize_t n;
	int fd;

	if (mkdir(RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		*holder = atoi(buf);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* A CPU-less node is a slow tier: then also scan slow-tier pages (mode 2). */
static int default_balancing_mode(void)
{
	struct bitmask *cpus;
	int node, mode = 1;

	if (numa_available() < 0)
		return 1;
	cpus = numa_allocate_cpumask();
	if (!cpus)
		return 1;
	for (node = 0; node <= numa_max_node(); node++) {
		if (!numa_bitmask_isbitset(numa_all_nodes_ptr, node))
			continue;
		if (!numa_node_to_cpus(node, cpus) && !numa_bitmask_weight(cpus))
			mode = 3;
	}
	numa_free_cpumask(cpus);
	return mode;
}

static void on_event(void *ctx, const struct event *e)
{
	if (e->type == EVENT_FILTER_EXIT)
		log_info("pid %u exited; dropped from the filter", e->tgid);
}

/* Drop attached PIDs that are gone or were recycled (missed exit events). */
static void sweep_filter(const struct observer_maps *m)
{
	struct filter_entry *f = NULL;
	struct proc_ident id;
	size_t n = 0, i;
	int err;

	if (observer_filter_list(m, &f, &n))
		return;
	for (i = 0; i < n; i++) {
		err = proc_ident_get(f[i].tgid, &id);
		if (!err && id.start_time == f[i].val.start_time)
			continue;
		if (err && err != -ESRCH)
			continue;
		if (!observer_filter_del(m, f[i].tgid))
			log_info("pid %u %s; dropped from the filter", f[i].tgid,
				 err ? "exited" : "was recycled by another process");
	}
	free(f);
}

#define WMARK_BOOST "/proc/sys/vm/watermark_boost_factor"

static int set_sysctl(struct sysctl_state *ss, const char *path, const char *name, long v)
{
	char val[32], old[64] = "?";
	int err;

	snprintf(val, sizeof(val), "%ld", v);
	sysctl_read(path, old, sizeof(old));
	err = sysctl_state_set(ss, path, val);
	if (err < 0)
		log_err("setting %s = %s: %s", name, val, strerror(-err));
	else if (err > 0)
		log_info("set %s = %s (was %s)", name, val, old);
	return err < 0 ? err : 0;
}

/* NUMA scanner pace: debugfs since 5.18, sysctls before. */
static int set_scan_period(struct sysctl_state *ss, long ms)
{
	static const char *const knobs[] = { "scan_delay_ms", "scan_period_min_ms",
					     "scan_period_max_ms" };
	const char *dir = "/sys/kernel/debug/sched/numa_balancing";
	char path[128], name[96];
	bool debugfs = !access(dir, F_OK);
	size_t i;
	int err;

	if (!debugfs && access("/proc/sys/kernel/numa_balancing_scan_delay_ms", F_OK)) {
		log_err("run: scan_period_ms: no %s (is debugfs mounted? "
			"mount -t debugfs none /sys/kernel/debug)",
			dir);
		return -ENOENT;
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (debugfs) {
			snprintf(path, sizeof(path), "%s/%s", dir, knobs[i]);
			snprintf(name, sizeof(name), "sched/numa_balancing/%s", knobs[i]);
		} else {
			snprintf(path, sizeof(path), "/proc/sys/kernel/numa_balancing_%s",
				 knobs[i]);
			snprintf(name, sizeof(name), "kernel.numa_balancing_%s", knobs[i]);
		}
		err = set_sysctl(ss, path, name, ms);
		if (err)
			return err;
	}
	return 0;
}

/* What a reload needs: where the settings come from, and what runs. */
struct run_state {
	struct run_config *cfg; /* in force */
	const char *path; /* the file, or NULL */
	bool required; /* --config named it */
	struct config_override *ov;
	size_t nov;
	struct observer *ob;
	struct daemon *dmn;
	struct cgroup_sync cg; /* cgroups = */
	/* Where the CPU goes, in seconds: the daemon's budget is 1% of a core. */
	struct {
		double start; /* to the first interval: BPF load and set-up */
		double heat; /* taking in hint faults from the fault ring */
		double report; /* the interval report */
		double cycle; /* daemon_cycle(): policy, moves, journal */
		double publish; /* stats and metrics files */
	} cpu;
};

/*
 * Seconds to hold the read due now, so that the newest NUMA scan pass of the
 * observed processes is half an interval old: its hot pages fault soon
 * after it (within ~100 ms in the rig), and a read in between splits their
 * pile across two intervals, each of which misreads the latency limit
 * (policy.c, set_hot_latency()). 0: read now (no daemon, no scan seen,
 * the pass is old enough, or the map read failed: nothing is lost by not
 * waiting).
 */
static double scan_settle(const struct run_state *st, double interval)
{
	__u64 scan;
	double age;

	if (!st->dmn || observer_last_scan_ns(observer_maps(st->ob), &scan) || !scan)
		return 0;
	age = now_s() - scan / 1e9;
	return age >= 0 && age < interval / 2 ? interval / 2 - age : 0;
}

/*
 * One interval: the report, then the daemon's cycle. A daemon takes the
 * interval's hint faults from the fault ring into *@heat (valid until the
 * next poll), and the report shows what it took; observe-only reads
 * page_heat. 0, or -errno already reported.
 */
static int interval_cycle(struct run_state *st, struct report_prev *prev, struct heat_batch *heat)
{
	const struct observer_maps *m = observer_maps(st->ob);
	double c0 = cpu_s(), c1 = c0, c2;
	__u64 lost;
	int err = 0;

	if (st->dmn) {
		err = observer_faults_take(st->ob, heat, &lost);
		if (err)
			log_err("run: reading the fault ring: %s", strerror(-err));
		else if (lost)
			log_warn("run: %llu hint faults lost: of more pages in the interval than "
				 "heat_entries, or no memory to sum them",
				 (unsigned long long)lost);
		c1 = cpu_s();
		st->cpu.heat += c1 - c0;
	}
	if (!err) {
		err = report_print(stdout, m, st->dmn ? heat : NULL, false, prev);
		if (err)
			log_err("run: reading maps: %s", strerror(-err));
	}
	c2 = cpu_s();
	st->cpu.report += c2 - c1;
	if (!err && st->dmn) {
		err = daemon_cycle(st->dmn, m, heat, stdout);
		if (err && err != -EBADFD) /* else the journal said why */
			log_err("run: cycle: %s", strerror(-err));
		st->cpu.cycle += cpu_s() - c2;
	}
	return err;
}

static void report_reload(bool restart, const char *msg)
{
	if (restart)
		log_warn("%s", msg);
	else
		log_info("reload: %s", msg);
}

static bool has_pid(const struct config_pids *p, int32_t pid)
{
	uint32_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return true;
	return false;
}

/* The file's PID list changed: attach the new ones, detach the ones gone from it. */
static void reload_pids(const struct run_state *st, const struct config_pids *old,
			const struct config_pids *new)
{
	const struct observer_maps *m = observer_maps(st->ob);
	struct proc_ident id;
	uint32_t i;
	int err;

	for (i = 0; i < old->n; i++)
		if (!has_pid(new, old->v[i]) && !observer_filter_del(m, old->v[i]))
			log_info("reload: pid %d detached", old->v[i]);
	for (i = 0; i < new->n; i++) {
		if (has_pid(old, new->v[i]))
			continue;
		err = proc_ident_get(new->v[i], &id);
		if (!err)
			err = observer_filter_add(m, &id);
		if (err)
			log_warn("reload: pid %d not attached: %s", new->v[i],
				 err == -ESRCH ? "no such process" : strerror(-err));
		else
			log_info("reload: pid %d attached", new->v[i]);
	}
}

/*
 * SIGHUP: build the configuration again (file + the same command line) and
 * apply what can change while running. The policy's state, the heat map and
 * the journal stay; a configuration that does not load changes nothing.
 */
static void reload(struct run_state *st)
{
	struct run_config *next = malloc(sizeof(*next));
	const char *path = st->path, *name;
	char why[512];
	int err, changed;

	if (!next) {
		log_err("reload: out of memory; keeping the running configuration");
		return;
	}
	/* As at the start: the default file counts when it exists now. */
	if (!st->required)
		path = access(CONFIG_DEFAULT_PATH, F_OK) ? NULL : CONFIG_DEFAULT_PATH;
	name = path ?: "the command line (no configuration file)";
	log_debug("SIGHUP: reloading %s", name);
	err = config_build(next, path, st->required, st->ov, st->nov, why, sizeof(why));
	if (err) {
		log_err("reload failed, keeping the running configuration: %s", why);
		goto out;
	}
	changed = config_reload_diff(st->cfg, next, name, report_reload);
	/* The diff may have put settings back: derive again. */
	err = config_check(next, name, why, sizeof(why));
	if (err) {
		log_err("reload failed, keeping the running configuration: %s", why);
		goto out;
	}
	err = st->dmn ? daemon_reconfigure(st->dmn, &next->policy) : 0;
	if (err) {
		log_err("reload failed, keeping the running configuration: policy: %s",
			strerror(-err));
		goto out;
	}
	reload_pids(st, &st->cfg->pids, &next->pids);
	log_setup(next->log_level, next->syslog);
	*st->cfg = *next;
	st->cfg->policy.pids = st->cfg->procs;
	st->path = path;
	log_info("reloaded %s: %d setting%s changed", name, changed, changed == 1 ? "" : "s");
out:
	free(next);
}

/* --tiers, --pid ... as the settings they override (config.h). */
struct cli {
	struct config_override ov[64 + 2 * CONFIG_MAX_PIDS];
	size_t nov;
	char pids[CONFIG_MAX_PIDS * 12];
	char fast[128], slow[128];
	bool pid, all, observe_only, dry_run, tiers, settings;
	const char *config;
};

static int cli_add(struct cli *c, const char *section, const char *key, const char *value,
		   const char *option)
{
	if (c->nov == sizeof(c->ov) / sizeof(c->ov[0])) {
		log_err("run: too many options");
		return -E2BIG;
	}
	c->ov[c->nov++] = (struct config_override){ section, key, value, option };
	return 0;
}

/* Parse the command line into overrides; EXIT_OK to go on, else the exit code + 1000. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
	static const struct option longopts[] = {
		{ "observe-only", no_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "numa-balancing", required_argument, NULL, 'm' },
		{ "promote-rate-limit", required_argument, NULL, 'r' },
		{ "watermark-boost-factor", required_argument, NULL, 'w' },
		{ "heat-entries", required_argument, NULL, 'e' },
		{ "scan-period-ms", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "journal", required_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "tiers", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 'S' },
		{ "settings", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' },
		{ "metrics-file", required_argument, NULL, 'M' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	/* Options that are one setting each: [daemon] KEY = optarg or "yes". */
	static const struct {
		int c;
		const char *key, *opt;
	} simple[] = {
		{ 'o', "observe_only", "--observe-only" },
		{ 'a', "all", "--all" },
		{ 'i', "interval", "--interval" },
		{ 'd', "duration", "--duration" },
		{ 'm', "numa_balancing", "--numa-balancing" },
		{ 'r', "promote_rate_limit", "--promote-rate-limit" },
		{ 'w', "watermark_boost_factor", "--watermark-boost-factor" },
		{ 'e', "heat_entries", "--heat-entries" },
		{ 's', "scan_period_ms", "--scan-period-ms" },
		{ 'v', "verbose", "--verbose" },
		{ 'j', "journal", "--journal" },
		{ 'n', "dry_run", "--dry-run" },
		{ 'l', "log_level", "--log-level" },
		{ 'y', "syslog", "--syslog" },
		{ 'M', "metrics_file", "--metrics-file" },
	};
	int ch, err = 0;
	size_t i, pidlen = 0;
	char *eq;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's and the usage */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
			if (simple[i].c == ch)
				break;
		if (i < sizeof(simple) / sizeof(simple[0])) {
			err = cli_add(c, "daemon", simple[i].key, optarg ?: "yes", simple[i].opt);
			c->all |= ch == 'a';
			c->observe_only |= ch == 'o';
			c->dry_run |= ch == 'n';
		} else {
			switch (ch) {
			case 'p':
				if (pidlen + strlen(optarg) + 2 > sizeof(c->pids)) {
					log_err("run: at most %d --pid", CONFIG_MAX_PIDS);
					return 1000 + EXIT_USAGE;
				}
				pidlen += sprintf(c->pids + pidlen, "%s%s", pidlen ? " " : "",
						  optarg);
				c->pid = true;
				break;
			case 't':
				if (config_tiers_split(optarg, c->fast, c->slow, sizeof(c->fast))) {
					log_err("run: bad --tiers '%s' (expected e.g. fast=0-1,slow=2)",
						optarg);
					return 1000 + EXIT_USAGE;
				}
				c->tiers = true;
				break;
			case 'S':
				eq = strchr(optarg, '=');
				if (!eq) {
					log_err("run: --set wants KEY=VALUE, not '%s'", optarg);
					return 1000 + EXIT_USAGE;
				}
				*eq = '\0'; /* argv lives as long as the daemon: reloads reuse it */
				err = cli_add(c, "policy", optarg, eq + 1, "--set");
				break;
			case 'P':
				c->settings = true;
				break;
			case 'c':
				c->config = optarg;
				break;
			default: /* 'h' and refused options */
				return 1000 + cli_option(ch, "run", argv, usage);
			}
		}
		if (err)
			return 1000 + EXIT_USAGE;
	}
	if (optind < argc) {
		log_err("run: unexpected argument '%s'", argv[optind]);
		return 1000 + EXIT_USAGE;
	}
	if (c->all && c->pid) {
		log_err("run: --all and --pid exclude each other");
		return 1000 + EXIT_USAGE;
	}
	if (c->observe_only && (c->dry_run || c->tiers)) {
		log_err("run: --observe-only moves nothing: no --dry-run or --tiers");
		return 1000 + EXIT_USAGE;
	}
	/* Given here, these replace the file's related settings too. */
	if ((c->pid && (cli_add(c, "daemon", "pids", c->pids, "--pid") ||
			cli_add(c, "daemon", "all", "no", "--pid"))) ||
	    (c->all && cli_add(c, "daemon", "pids", "", "--all")) ||
	    (c->tiers && (cli_add(c, "tiers", "fast", c->fast, "--tiers") ||
			  cli_add(c, "tiers", "slow", c->slow, "--tiers"))) ||
	    (c->observe_only && (cli_add(c, "daemon", "dry_run", "no", "--observe-only") ||
				 cli_add(c, "tiers", "fast", "", "--observe-only") ||
				 cli_add(c, "tiers", "slow", "", "--observe-only"))))
		return 1000 + EXIT_USAGE;
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct observer_opts opts = {};
	struct proc_ident ids[CONFIG_MAX_PIDS];
	struct report_prev prev = {};
	struct sysctl_state ss = {};
	struct run_config *cfg = NULL;
	struct cli *cli = NULL;
	struct run_state st = {};
	double interval, duration, t0 = 0, next, hold = 0, c;
	struct daemon_opts dopts = {};
	int npids = 0, lock_fd = -1, meta_node = -1, ret = EXIT_FAIL, err, i;
	bool observe_only, mounted;
	struct sigaction sa = {};
	char why[512], tiers[300];
	pid_t holder = 0;
	long mode, rate, boost;

	cli = calloc(1, sizeof(*cli));
	cfg = malloc(sizeof(*cfg));
	if (!cli || !cfg) {
		log_err("run: %s", strerror(ENOMEM));
		goto cleanup;
	}
	ret = parse_cli(argc, argv, cli);
	if (ret) {
		ret -= 1000;
		goto cleanup;
	}
	st.cfg = cfg;
	st.ov = cli->ov;
	st.nov = cli->nov;
	st.required = cli->config != NULL;
	st.path = cli->config;
	if (!st.path && !access(CONFIG_DEFAULT_PATH, F_OK))
		st.path = CONFIG_DEFAULT_PATH;
	err = config_build(cfg, st.path, st.required, st.ov, st.nov, why, sizeof(why));
	if (err) {
		/* A file's errors are "FILE:LINE: reason"; the command line's are run's. */
		log_err("%s%s",
			st.path && !strncmp(why, st.path, strlen(st.path)) ? "" : "run: ", why);
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (cli->settings) {
		config_print(stdout, cfg);
		ret = EXIT_OK;
		goto cleanup;
	}
	log_setup(cfg->log_level, cfg->syslog);
	if (st.path)
		log_info("configuration %s", st.path);

	observe_only = cfg->observe_only;
	opts.fault_feed = !observe_only;
	opts.observe_all = cfg->all;
	opts.verbose = cfg->verbose;
	opts.heat_entries = cfg->heat_entries == CONFIG_AUTO ? 0 : (__u32)cfg->heat_entries;
	dopts.journal_path = cfg->journal;
	dopts.dry_run = cfg->dry_run;
	dopts.tiers = config_tiers_spec(cfg, tiers, sizeof(tiers));
	dopts.policy = cfg->policy;
	interval = config_interval(cfg);
	duration = cfg->duration;
	mode = cfg->numa_balancing;
	rate = cfg->promote_rate_limit;
	boost = cfg->watermark_boost_factor;
	for (i = 0; i < (int)cfg->pids.n; i++)
		ids[npids++].tgid = cfg->pids.v[i];

	ret = EXIT_ENV;
	if (geteuid() != 0) {
		log_err("run: must run as root (loads BPF programs)");
		goto cleanup;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_err("run: no kernel BTF at /sys/kernel/btf/vmlinux: %s "
			"(needs CONFIG_DEBUG_INFO_BTF=y)",
			strerror(errno));
		goto cleanup;
	}
	ret = EXIT_FAIL;
	for (i = 0; i < npids; i++) {
		err = proc_ident_get(ids[i].tgid, &ids[i]);
		if (err) {
			log_err("run: pid %d: %s", (int)ids[i].tgid,
				err == -ESRCH  ? "no such process" :
				err == -EINVAL ? "not a process (a thread of another?)" :
						 strerror(-err));
			goto cleanup;
		}
	}

	lock_fd = take_lock(&holder);
	if (lock_fd < 0) {
		if (lock_fd == -EBUSY)
			log_err("run: another instance is running (pid %d)", (int)holder);
		else
			log_err("run: lock %s: %s", LOCK_FILE, strerror(-lock_fd));
		ret = lock_fd == -EBUSY ? EXIT_BUSY : EXIT_ENV;
		goto cleanup;
	}
	/*
	 * Handlers before any kernel state changes: a SIGTERM in between would
	 * otherwise kill us with the sysctls changed and the maps pinned, and a
	 * SIGINT to a background job (ignored until then) would be lost.
	 */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Tiers, journal and recovery before the kernel is touched. */
	if (!observe_only) {
		err = daemon_create(&dopts, &st.dmn, stdout, why, sizeof(why));
		if (err) {
			if (why[0])
				log_err("run: %s", why);
			ret = err == -EBUSY ? EXIT_BUSY : err == -ENOMEM ? EXIT_FAIL : EXIT_ENV;
			goto cleanup;
		}
		meta_node = daemon_meta_node(st.dmn);
		if (meta_node >= 0) {
			long long kpages = topology_kernel_pages("/proc/zoneinfo", meta_node);

			numa_set_preferred(meta_node);
			if (kpages > 0) {
				opts.heat_on_node = true;
				opts.heat_node = (__u32)meta_node;
				log_info("heat map, fault ring and daemon memory on slow node %d "
					 "(the fast tier is for the workloads)",
					 meta_node);
			} else {
				/* The map would land on a fast node anyway, unannounced. */
				log_warn("daemon memory on slow node %d, but the BPF heat map "
					 "and fault ring (kernel memory, about %u MiB) stay on a "
					 "fast node: "
					 "node %d is %s; online it with 'daxctl "
					 "reconfigure-device --no-movable' to place the map there, "
					 "or lower heat_entries",
					 meta_node, observer_heat_map_mib(&opts), meta_node,
					 kpages == 0 ? "all ZONE_MOVABLE, which kernel "
						       "allocations cannot use" :
						       "not in /proc/zoneinfo");
			}
		}
	}
	err = observer_bpffs_ensure(&mounted);
	if (err) {
		log_err("run: bpffs is not mounted at /sys/fs/bpf and mounting it "
			"failed (%s); run: mount -t bpf bpf /sys/fs/bpf",
			strerror(-err));
		ret = EXIT_ENV;
		goto cleanup;
	}
	if (mounted)
		log_info("mounted bpffs at /sys/fs/bpf (left mounted)");
	if (observer_remove_stale_pins() > 0)
		log_info("removed stale pins of a dead instance from %s", OBSERVER_PIN_DIR);
	if (numa_available() < 0 || numa_num_configured_nodes() < 2)
		/*
		 * The scanner leaves alone a page that is on the node its
		 * single-threaded process runs on (change_pte_range): with one
		 * node that is every page of a single-threaded process.
		 */
		log_warn("one NUMA node: only multi-threaded processes take NUMA hint "
			 "faults here (the scanner skips pages of a single-threaded "
			 "process on its own node), all local; nothing to migrate");

	opts.next_touch = !observe_only; /* a daemon takes `pautonuma next-touch` marks */
	err = observer_start(&opts, &st.ob, why, sizeof(why));
	if (err) {
		log_err("run: %s", why);
		ret = EXIT_ENV;
		goto cleanup;
	}
	log_info("%s", observer_hooks(st.ob));
	if (opts.fault_feed)
		log_info("fault ring %u MiB: room for a hint fault of each of the %u pages "
			 "page_heat holds",
			 observer_fault_ring_bytes(&opts) >> 20,
			 opts.heat_entries ?: PAUTONUMA_HEAT_ENTRIES);

	ret = EXIT_ENV; /* a kernel knob that cannot be set */
	if (set_sysctl(&ss, "/proc/sys/kernel/numa_balancing", "kernel.numa_balancing",
		       mode >= 0 ? mode : default_balancing_mode()))
		goto cleanup;
	/* As a daemon, pautonuma is the promoter: the kernel's own promotions stop. */
	if (rate < 0 && !observe_only)
		rate = 0;
	if (rate >= 0 && set_sysctl(&ss, "/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps",
				    "kernel.numa_balancing_promote_rate_limit_MBps", rate))
		goto cleanup;
	/*
	 * A watermark boost (set when an allocation steals from a block of
	 * another migrate type, as our moves make them) sends kswapd past the
	 * high watermark, i.e. demoting by LRU age, and then kcompactd
	 * migrating: movers the daemon does not steer. In the placement
	 * bench compaction moved 123-882 pages a run with the guest's default
	 * (15000) and 80-302 with 0, and the kernel's own migrations fell by
	 * a third. Kernels before 5.0 have no boost.
	 */
	if (boost == CONFIG_AUTO && !observe_only && !access(WMARK_BOOST, F_OK))
		boost = 0;
	if (boost >= 0 && set_sysctl(&ss, WMARK_BOOST, "vm.watermark_boost_factor", boost))
		goto cleanup;

	if (cfg->scan_period_ms != CONFIG_AUTO && set_scan_period(&ss, cfg->scan_period_ms))
		goto cleanup;

	ret = EXIT_FAIL;
	for (i = 0; i < npids; i++) {
		err = observer_filter_add(observer_maps(st.ob), &ids[i]);
		if (err) {
			log_err("run: adding pid %d to the filter: %s", (int)ids[i].tgid,
				strerror(-err));
			goto cleanup;
		}
	}
	if (cgroup_sync(&st.cg, cfg->cgroups, &cfg->pids, observer_maps(st.ob))) {
		log_err("run: cgroups: %s", strerror(ENOMEM));
		goto cleanup;
	}
	err = observer_write_run_info(observer_maps(st.ob),
				      &(struct run_info){ .loader_pid = getpid(),
							  .hook = observer_hook(st.ob),
							  .observe_all = opts.observe_all,
							  .started_ns = (__u64)(now_s() * 1e9) });
	if (err) {
		log_err("run: writing run_info: %s", strerror(-err));
		goto cleanup;
	}
	log_info("observing %s; maps pinned in %s",
		 opts.observe_all	  ? "all processes" :
		 npids || cfg->cgroups[0] ? "the given processes" :
					    "no process yet (use 'pautonuma attach PID')",
		 OBSERVER_PIN_DIR);
	fflush(stdout);

	t0 = now_s();
	st.cpu.start = cpu_s();
	next = t0 + interval;
	while (!stop_signal) {
		double t = now_s(), due = hold > 0 ? hold : next;
		struct heat_batch heat = {};
		double wait = fmin(due, duration > 0 ? t0 + duration : due) - t;

		if (reload_pending) {
			reload_pending = 0;
			reload(&st);
			/* Live settings the loop itself uses. */
			if (config_interval(cfg) != interval) {
				interval = config_interval(cfg);
				next = t + interval;
			}
			duration = cfg->duration;
			continue;
		}
		if (wait > 0) {
			c = cpu_s();
			err = observer_poll(st.ob, (int)ceil(wait * 1000), on_event, NULL);
			/* the faults the ring's wake-ups hand over on the way */
			st.cpu.heat += cpu_s() - c;
			if (err < 0 && err != -EINTR) {
				log_err("run: ring buffer: %s", strerror(-err));
				goto cleanup;
			}
			fflush(stdout);
			continue;
		}
		if (t >= next || duration > 0) {
			if (!hold && (duration <= 0 || t < t0 + duration)) {
				hold = scan_settle(&st, interval);
				if (hold > 0) {
					hold += t;
					continue;
				}
			}
			hold = 0;
			if (cgroup_sync(&st.cg, cfg->cgroups, &cfg->pids, observer_maps(st.ob))) {
				log_err("run: cgroups: %s", strerror(ENOMEM));
				goto cleanup;
			}
			sweep_filter(observer_maps(st.ob));
			printf("[%.1fs] ", t - t0);
			err = interval_cycle(&st, &prev, &heat);
			if (err)
				goto cleanup;
			c = cpu_s();
			publish(st.dmn, observer_maps(st.ob), st.dmn ? &heat : NULL,
				cfg->metrics_file[0] ? cfg->metrics_file : NULL);
			st.cpu.publish += cpu_s() - c;
			fflush(stdout);
			next += interval * fmax(1, floor((t - next) / interval) + 1);
		}
		if (duration > 0 && t >= t0 + duration)
			break;
	}
	if (stop_signal)
		log_info("%s received, stopping", strsignal(stop_signal));
	ret = EXIT_OK;
cleanup:
	if (st.dmn) {
		const struct daemon_totals *dt = daemon_totals(st.dmn);
		char nm[PN_NOT_MOVED_LEN];

		log_info("%llu cycles: %llu pages promoted, %llu demoted, %llu not moved%s, "
			 "%llu journaled batches, %llu ping-pong, %llu promotions reverted by "
			 "the kernel's reclaim; %.2f s CPU in cycles",
			 (unsigned long long)dt->cycles, (unsigned long long)dt->promoted,
			 (unsigned long long)dt->demoted, (unsigned long long)dt->failed,
			 pn_not_moved_str(nm, sizeof(nm), dt->why, NULL),
			 (unsigned long long)dt->batches, (unsigned long long)dt->pingpong,
			 (unsigned long long)dt->reverted, dt->cpu_ns / 1e9);
		if (t0 > 0 && now_s() > t0)
			log_info("CPU: %.2f s to start; then %.2f s in %.1f s (%.2f%% of a core): "
				 "taking in faults %.2f s, report %.2f s, cycles %.2f s "
				 "(moves %.2f s, write samples %.2f s with their clears %.2f s), "
				 "publishing %.2f s",
				 st.cpu.start, cpu_s() - st.cpu.start, now_s() - t0,
				 100 * (cpu_s() - st.cpu.start) / (now_s() - t0), st.cpu.heat,
				 st.cpu.report, st.cpu.cycle, dt->cpu_move_ns / 1e9,
				 dt->cpu_sample_ns / 1e9, dt->cpu_clear_ns / 1e9, st.cpu.publish);
		if (dt->sampled)
			log_info("write samples: %llu fast-tier page samples",
				 (unsigned long long)dt->sampled);
		if (dt->next_touch)
			log_info("next-touch: %llu pages moved to the node that touched them",
				 (unsigned long long)dt->next_touch);
		daemon_destroy(st.dmn);
		unlink(PN_STATS_FILE); /* readers then know no daemon runs */
	}
	if (sysctl_state_restore(&ss, stdout))
		ret = EXIT_FAIL;
	if (st.ob) {
		observer_stop(st.ob);
		log_info("unloaded; removed %s", OBSERVER_PIN_DIR);
	}
	report_prev_free(&prev);
	cgroup_sync_fini(&st.cg);
	if (lock_fd >= 0)
		close(lock_fd); /* not unlinked: a waiter could then lock a stale inode */
	log_close();
	free(cfg);
	free(cli);
	return ret;
}
