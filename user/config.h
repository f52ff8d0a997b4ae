/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration of `pautonuma run`: an INI file (libinih) with the
 * sections [daemon], [tiers], [policy] and [process PID], the command
 * line's overrides on top, validation with FILE:LINE reasons, and what a
 * reload (SIGHUP) may change. Every option is one line of a key table
 * (config.c for [daemon] and [tiers], policy.c for [policy]); the format
 * is documented in doc/pautonuma.conf.5 and etc/pautonuma.conf.
 */
#ifndef PAUTONUMA_CONFIG_H
#define PAUTONUMA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

#define CONFIG_DEFAULT_PATH "/etc/pautonuma/pautonuma.conf"
#define CONFIG_DEFAULT_JOURNAL "/var/lib/pautonuma/journal"
#define CONFIG_MAX_PIDS 64
#define CONFIG_MAX_PROCS 256
/* [daemon], [tiers] and [policy] keys together, with room to grow. */
#define CONFIG_MAX_KEYS 64
/* Integer settings whose default is chosen at run time. */
#define CONFIG_AUTO (-1)
/* c->line[] of a setting given on the command line. */
#define CONFIG_LINE_CLI (-1)

#define CONFIG_MAX_CGROUPS 16

struct config_pids {
	int32_t v[CONFIG_MAX_PIDS];
	uint32_t n;
};

struct run_config {
	/* [daemon] */
	bool observe_only;
	bool dry_run;
	bool all;
	bool verbose;
	bool syslog;
	char journal[256];
	char metrics_file[256]; /* "": none */
	double interval; /* seconds; 0 = auto: 1, or 5 with observe_only */
	double duration; /* seconds; 0 = until stopped */
	struct config_pids pids;
	char cgroups[1024]; /* cgroup v2 paths; config_cgroup_next() splits them */
	int32_t numa_balancing; /* CONFIG_AUTO or 0..3 */
	int32_t promote_rate_limit; /* MB/s; CONFIG_AUTO: 0 as a daemon, untouched observing */
	int32_t watermark_boost_factor; /* vm.; CONFIG_AUTO: 0 as a daemon, untouched observing */
	int32_t scan_period_ms; /* CONFIG_AUTO: the kernel's */
	int32_t heat_entries; /* CONFIG_AUTO: PAUTONUMA_HEAT_ENTRIES */
	int32_t log_level; /* enum log_level */
	/* [tiers]: node lists ("0-1,3"), empty = the kernel's tiers */
	char fast[128];
	char slow[128];
	/* [policy]; policy.pids points at procs after config_check() */
	struct policy_config policy;
	/* [process PID] */
	struct policy_pid_config procs[CONFIG_MAX_PROCS];
	uint32_t nr_procs;

	/* Where each setting came from: 0 default, > 0 file line, CONFIG_LINE_CLI. */
	int line[CONFIG_MAX_KEYS];
	uint8_t proc_seen[CONFIG_MAX_PROCS]; /* bit per [process] key: set twice is an error */
};

/* One command-line option, as the setting it overrides. */
struct config_override {
	const char *section; /* "daemon", "tiers", "policy" */
	const char *key;
	const char *value;
	const char *option; /* for the message: "--interval", "--set" ... */
};

/* Built-in defaults; the journal is $PAUTONUMA_JOURNAL when set. */
void config_default(struct run_config *c);

/*
 * Set one key of a section ("daemon", "policy", "process 1234", ...) as a
 * file line would. 0; -ENOENT unknown section or key; -EINVAL bad value;
 * -E2BIG too many PIDs or processes. A reason goes to @why.
 */
int config_set(struct run_config *c, const char *section, const char *key, const char *value,
	       char *why, size_t why_len);

/*
 * Read an INI text into @c (on top of what it holds). @name is the file
 * name used in messages. 0, or -errno with "NAME:LINE: reason" in @why:
 * unknown sections and keys, bad values, keys set twice are errors.
 */
int config_load_file(struct run_config *c, const char *path, char *why, size_t why_len);
int config_load_string(struct run_config *c, const char *name, const char *text, char *why,
		       size_t why_len);

/*
 * Cross-key checks (policy ranges, --all with pids, observe_only with
 * dry_run or tiers) and derived fields (policy.interval_ms, policy.pids).
 * @name is the file for "NAME:LINE: reason" messages.
 */
int config_check(struct run_config *c, const char *name, char *why, size_t why_len);

/*
 * The whole sequence, used at start and on every reload: defaults, then
 * @path (NULL: none; a missing file is an error only when @required),
 * then the command-line overrides, then config_check().
 */
int config_build(struct run_config *c, const char *path, bool required,
		 const struct config_override *ov, size_t nov, char *why, size_t why_len);

/* The interval in seconds, "auto" resolved. */
double config_interval(const struct run_config *c);
/*
 * The next path of a cgroups value at or after @p (length in *@n), or NULL
 * at the end: for (p = c->cgroups; (p = config_cgroup_next(p, &n)); p += n).
 * White space and commas separate them.
 */
const char *config_cgroup_next(const char *p, size_t *n);
/* The [tiers] section as a topology_override() spec, or NULL when empty. */
const char *config_tiers_spec(const struct run_config *c, char *buf, size_t len);
/* Split a --tiers spec ("fast=0,slow=1-2") into overrides of [tiers] fast and slow. */
int config_tiers_split(const char *spec, char *fast, char *slow, size_t len);

/* Every setting in the file format (config_load_string() reads it back). */
void config_print(FILE *f, const struct run_config *c);

/*
 * A reload: @next replaces @cur. Settings that cannot change at run time
 * and changed are put back to their @cur value in @next and reported
 * through @report ("needs restart"); the count of changed live settings
 * is returned, each reported too.
 */
int config_reload_diff(const struct run_config *cur, struct run_config *next, const char *name,
		       void (*report)(bool restart, const char *msg));

#endif
