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
#include "cli.h"
#include "cmds.h"
#include "daemon.h"
#include "heat_reader.h"
#include "metrics.h"
#include "proc_ident.h"
#include "report.h"
#include "stats_file.h"
#include "sysctl_state.h"

#define RUN_DIR "/run/pautonuma"
#define LOCK_FILE RUN_DIR "/observer.lock"
#define MAX_PIDS 64
#define DAEMON_DEFAULT_JOURNAL "/var/lib/pautonuma/journal"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pautonuma run [--pid PID]... [--all] [--journal PATH | --dry-run]\n"
		"                     [--tiers fast=N,..,slow=N,..] [--set KEY=VALUE]...\n"
		"       pautonuma run --observe-only [--pid PID]... [--all]\n"
		"  common: [--interval S] [--duration S] [--numa-balancing MODE]\n"
		"          [--scan-period-ms MS] [--promote-rate-limit MBPS] [--heat-entries N]\n"
		"          [--verbose]\n"
		"Record NUMA hint faults per page of the given processes (or --all) and\n"
		"kernel migrations, and every interval (default 5 s; 1 s as a daemon) plan\n"
		"promotions of hot slow-tier pages and demotions of cold fast-tier pages and\n"
		"move them with move_pages(2), each batch journaled in PATH (default\n"
		"$PAUTONUMA_JOURNAL or %s; create it with 'pautonuma journal init').\n"
		"Runs until --duration, SIGINT or SIGTERM. Maps are pinned under %s.\n"
		"  --observe-only             record and report only; move nothing\n"
		"  --dry-run                  print each interval's plan; move nothing\n"
		"  --tiers SPEC               which nodes are fast and slow (default: the\n"
		"                             kernel's memory tiers, else CPU-less = slow)\n"
		"  --set KEY=VALUE            a policy setting (see 'pautonuma run --settings')\n"
		"  --settings                 print the policy settings and their defaults\n"
		"  --numa-balancing MODE      kernel.numa_balancing while running (default:\n"
		"                             3 with a CPU-less node, else 1)\n"
		"  --promote-rate-limit MBPS  kernel.numa_balancing_promote_rate_limit_MBps\n"
		"                             while running (0 stops the kernel's promotions)\n"
		"  --scan-period-ms MS        NUMA scan delay and period (min and max) while\n"
		"                             running, in debugfs sched/numa_balancing/\n"
		"  --metrics-file PATH        rewrite PATH each interval with the counters in\n"
		"                             Prometheus text format (textfile collector)\n"
		"A daemon publishes its counters in " PN_STATS_FILE " each interval\n"
		"(read by 'pautonuma top', 'status' and 'report').\n",
		DAEMON_DEFAULT_JOURNAL, OBSERVER_PIN_DIR);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * After an interval: the daemon's stats file, then the metrics file. A
 * failure is reported and the daemon carries on: moving pages matters more.
 */
static void publish(const struct daemon *dmn, const struct observer_maps *m, const char *metrics)
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
		err = metrics_write_file(metrics, m, dmn ? &h : NULL, procs);
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
		printf("pautonuma: pid %u exited; dropped from the filter\n", e->tgid);
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
			printf("pautonuma: pid %u %s; dropped from the filter\n", f[i].tgid,
			       err ? "exited" : "was recycled by another process");
	}
	free(f);
}

static int set_sysctl(struct sysctl_state *ss, const char *path, const char *name, long v)
{
	char val[32], old[64] = "?";
	int err;

	snprintf(val, sizeof(val), "%ld", v);
	sysctl_read(path, old, sizeof(old));
	err = sysctl_state_set(ss, path, val);
	if (err < 0)
		fprintf(stderr, "pautonuma: setting %s = %s: %s\n", name, val, strerror(-err));
	else if (err > 0)
		printf("pautonuma: set %s = %s (was %s)\n", name, val, old);
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
		fprintf(stderr,
			"pautonuma: run: --scan-period-ms: no %s (is debugfs mounted? "
			"mount -t debugfs none /sys/kernel/debug)\n",
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

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "observe-only", no_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "numa-balancing", required_argument, NULL, 'm' },
		{ "promote-rate-limit", required_argument, NULL, 'r' },
		{ "heat-entries", required_argument, NULL, 'e' },
		{ "scan-period-ms", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "journal", required_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "tiers", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 'S' },
		{ "settings", no_argument, NULL, 'P' },
		{ "metrics-file", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct observer_opts opts = {};
	struct proc_ident ids[MAX_PIDS];
	struct report_prev prev = {};
	struct sysctl_state ss = {};
	struct observer *ob = NULL;
	double interval = 0, duration = 0, t0, next;
	struct daemon_opts dopts = { .journal_path = getenv("PAUTONUMA_JOURNAL") };
	struct daemon *dmn = NULL;
	long mode = -1, rate = -1, scan = -1, v;
	int npids = 0, lock_fd = -1, ret = EXIT_FAIL, err, c, i, idx = 0;
	bool observe_only = false, mounted;
	struct sigaction sa = {};
	char why[512], *end;
	const char *metrics = NULL;
	pid_t holder = 0;

	policy_config_default(&dopts.policy);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		switch (c) {
		case 'o':
			observe_only = true;
			break;
		case 'a':
			opts.observe_all = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'j':
			dopts.journal_path = optarg;
			break;
		case 'M':
			metrics = optarg;
			break;
		case 'n':
			dopts.dry_run = true;
			break;
		case 't':
			dopts.tiers = optarg;
			break;
		case 'S': {
			char *eq = strchr(optarg, '=');

			if (!eq) {
				fprintf(stderr, "pautonuma: run: --set wants KEY=VALUE, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			*eq = '\0';
			err = policy_config_set(&dopts.policy, optarg, eq + 1);
			if (err) {
				fprintf(stderr,
					"pautonuma: run: --set %s=%s: %s (see 'pautonuma run --settings')\n",
					optarg, eq + 1,
					err == -ENOENT ? "no such setting" : "invalid value");
				return EXIT_USAGE;
			}
			*eq = '=';
			break;
		}
		case 'P':
			policy_config_print(stdout, &dopts.policy);
			return EXIT_OK;
		case 'i':
		case 'd':
			if (parse_seconds(optarg, c == 'i' ? &interval : &duration)) {
				fprintf(stderr,
					"pautonuma: run: invalid %s '%s' (seconds, > 0, <= 86400)\n",
					c == 'i' ? "interval" : "duration", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
		case 'm':
		case 'r':
		case 'e':
		case 's':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || v < 0 || (c == 'p' && v == 0) ||
			    (c == 'm' && v > 3) || (c == 'e' && (v < 1 || v > (1 << 24))) ||
			    (c == 's' && (v < 1 || v > 600000))) {
				fprintf(stderr, "pautonuma: run: invalid value '%s' for --%s\n",
					optarg, longopts[idx].name);
				return EXIT_USAGE;
			}
			if (c == 'm')
				mode = v;
			else if (c == 'r')
				rate = v;
			else if (c == 'e')
				opts.heat_entries = v;
			else if (c == 's')
				scan = v;
			else if (npids == MAX_PIDS) {
				fprintf(stderr, "pautonuma: run: at most %d --pid\n", MAX_PIDS);
				return EXIT_USAGE;
			} else
				ids[npids++].tgid = v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pautonuma: run: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (observe_only && (dopts.dry_run || dopts.tiers)) {
		fprintf(stderr,
			"pautonuma: run: --observe-only moves nothing: no --dry-run or --tiers\n");
		return EXIT_USAGE;
	}
	if (!dopts.journal_path || !*dopts.journal_path)
		dopts.journal_path = DAEMON_DEFAULT_JOURNAL;
	if (!interval)
		interval = observe_only ? 5 : 1;
	dopts.policy.interval_ms = (uint32_t)(interval * 1000);
	if (opts.observe_all && npids) {
		fprintf(stderr, "pautonuma: run: --all and --pid exclude each other\n");
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "pautonuma: run: must run as root (loads BPF programs)\n");
		return EXIT_ENV;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr,
			"pautonuma: run: no kernel BTF at /sys/kernel/btf/vmlinux: %s "
			"(needs CONFIG_DEBUG_INFO_BTF=y)\n",
			strerror(errno));
		return EXIT_ENV;
	}
	for (i = 0; i < npids; i++) {
		err = proc_ident_get(ids[i].tgid, &ids[i]);
		if (err) {
			fprintf(stderr, "pautonuma: run: pid %d: %s\n", (int)ids[i].tgid,
				err == -ESRCH  ? "no such process" :
				err == -EINVAL ? "not a process (a thread of another?)" :
						 strerror(-err));
			return EXIT_FAIL;
		}
	}

	lock_fd = take_lock(&holder);
	if (lock_fd < 0) {
		if (lock_fd == -EBUSY)
			fprintf(stderr, "pautonuma: run: another instance is running (pid %d)\n",
				(int)holder);
		else
			fprintf(stderr, "pautonuma: run: lock %s: %s\n", LOCK_FILE,
				strerror(-lock_fd));
		return lock_fd == -EBUSY ? EXIT_BUSY : EXIT_ENV;
	}
	/* Tiers, journal and recovery before the kernel is touched. */
	if (!observe_only) {
		err = daemon_create(&dopts, &dmn, stdout, why, sizeof(why));
		if (err) {
			if (why[0])
				fprintf(stderr, "pautonuma: run: %s\n", why);
			ret = err == -EBUSY ? EXIT_BUSY : err == -ENOMEM ? EXIT_FAIL : EXIT_ENV;
			goto cleanup;
		}
	}
	err = observer_bpffs_ensure(&mounted);
	if (err) {
		fprintf(stderr,
			"pautonuma: run: bpffs is not mounted at /sys/fs/bpf and mounting it "
			"failed (%s); run: mount -t bpf bpf /sys/fs/bpf\n",
			strerror(-err));
		ret = EXIT_ENV;
		goto cleanup;
	}
	if (mounted)
		printf("pautonuma: mounted bpffs at /sys/fs/bpf (left mounted)\n");
	if (observer_remove_stale_pins() > 0)
		printf("pautonuma: removed stale pins of a dead instance from %s\n",
		       OBSERVER_PIN_DIR);
	if (numa_available() < 0 || numa_num_configured_nodes() < 2)
		printf("pautonuma: warning: one NUMA node: the kernel makes no NUMA hint faults "
		       "here, page_heat will stay empty\n");

	err = observer_start(&opts, &ob, why, sizeof(why));
	if (err) {
		fprintf(stderr, "pautonuma: run: %s\n", why);
		ret = EXIT_ENV;
		goto cleanup;
	}
	printf("pautonuma: %s\n", observer_hooks(ob));

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

	if (scan >= 0 && set_scan_period(&ss, scan))
		goto cleanup;

	ret = EXIT_FAIL;
	for (i = 0; i < npids; i++) {
		err = observer_filter_add(observer_maps(ob), &ids[i]);
		if (err) {
			fprintf(stderr, "pautonuma: run: adding pid %d to the filter: %s\n",
				(int)ids[i].tgid, strerror(-err));
			goto cleanup;
		}
	}
	err = observer_write_run_info(observer_maps(ob),
				      &(struct run_info){ .loader_pid = getpid(),
							  .hook = observer_hook(ob),
							  .observe_all = opts.observe_all,
							  .started_ns = (__u64)(now_s() * 1e9) });
	if (err) {
		fprintf(stderr, "pautonuma: run: writing run_info: %s\n", strerror(-err));
		goto cleanup;
	}
	printf("pautonuma: observing %s; maps pinned in %s\n",
	       opts.observe_all ? "all processes" :
	       npids		? "the given processes" :
				  "no process yet (use 'pautonuma attach PID')",
	       OBSERVER_PIN_DIR);
	fflush(stdout);

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	next = t0 + interval;
	while (!stop_signal) {
		double t = now_s(), wait = fmin(next, duration > 0 ? t0 + duration : next) - t;

		if (wait > 0) {
			err = observer_poll(ob, (int)ceil(wait * 1000), on_event, NULL);
			if (err < 0 && err != -EINTR) {
				fprintf(stderr, "pautonuma: run: ring buffer: %s\n",
					strerror(-err));
				goto cleanup;
			}
			fflush(stdout);
			continue;
		}
		if (t >= next || duration > 0) {
			sweep_filter(observer_maps(ob));
			printf("[%.1fs] ", t - t0);
			err = report_print(stdout, observer_maps(ob), false, &prev);
			if (err) {
				fprintf(stderr, "pautonuma: run: reading maps: %s\n",
					strerror(-err));
				goto cleanup;
			}
			/* After the report: the cycle consumes the interval's heat. */
			if (dmn) {
				err = daemon_cycle(dmn, observer_maps(ob), stdout);
				if (err) {
					fprintf(stderr, "pautonuma: run: cycle: %s\n",
						strerror(-err));
					goto cleanup;
				}
			}
			publish(dmn, observer_maps(ob), metrics);
			fflush(stdout);
			next += interval * fmax(1, floor((t - next) / interval) + 1);
		}
		if (duration > 0 && t >= t0 + duration)
			break;
	}
	if (stop_signal)
		printf("pautonuma: %s received, stopping\n", strsignal(stop_signal));
	ret = EXIT_OK;
cleanup:
	if (dmn) {
		const struct daemon_totals *dt = daemon_totals(dmn);

		printf("pautonuma: %llu cycles: %llu pages promoted, %llu demoted, %llu not moved, "
		       "%llu journaled batches, %llu ping-pong\n",
		       (unsigned long long)dt->cycles, (unsigned long long)dt->promoted,
		       (unsigned long long)dt->demoted, (unsigned long long)dt->failed,
		       (unsigned long long)dt->batches, (unsigned long long)dt->pingpong);
		daemon_destroy(dmn);
		unlink(PN_STATS_FILE); /* readers then know no daemon runs */
	}
	if (sysctl_state_restore(&ss, stdout))
		ret = EXIT_FAIL;
	if (ob) {
		observer_stop(ob);
		printf("pautonuma: unloaded; removed %s\n", OBSERVER_PIN_DIR);
	}
	report_prev_free(&prev);
	if (lock_fd >= 0)
		close(lock_fd); /* not unlinked: a waiter could then lock a stale inode */
	return ret;
}
