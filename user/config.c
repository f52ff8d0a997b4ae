// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file of `pautonuma run`; see config.h.
 *
 * Keys are addressed by one index: first the [daemon]/[tiers] table below,
 * then policy.c's table of [policy] settings. Each key knows how to parse,
 * print and copy itself, so loading, `run --settings`, the command-line
 * overrides and the reload diff are loops over the index.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "heat_reader.h"
#include "log.h"
#include "topology.h"

/*
 * The longest line libinih reads whole, without its newline. Every setting
 * config_print() writes must fit one (`run --settings` output loads back),
 * so a value is refused when its "key = value" line would not (fuzz_config),
 * and the lists (pids, cgroups) go on over indented lines.
 */
#define LINE_CHARS (INI_MAX_LINE - 2)

enum ktype {
	K_BOOL,
	K_STR, /* char array */
	K_SECONDS, /* double; lo = 0 allows 0 */
	K_INT, /* int32_t in lo..hi, or "auto" (CONFIG_AUTO) */
	K_PIDS, /* struct config_pids */
	K_LEVEL, /* log level by name */
	K_NODES, /* node list, char array */
	K_CGROUPS, /* cgroup v2 paths, char array */
	K_DOUBLE, /* [process] keys */
	K_U32,
};

struct ckey {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off, size;
	bool live; /* a reload can change it */
	long lo, hi;
};

/* One key per line reads better than what clang-format makes of it. */
/* clang-format off */
#define KEY(sec, name, type, live, lo, hi) \
	{ sec, #name, type, offsetof(struct run_config, name), \
	  sizeof(((struct run_config *)0)->name), live, lo, hi }
static const struct ckey keys[] = {
	KEY("daemon", observe_only,       K_BOOL,    false, 0, 0),
	KEY("daemon", journal,            K_STR,     false, 0, 0),
	KEY("daemon", dry_run,            K_BOOL,    false, 0, 0),
	KEY("daemon", interval,           K_SECONDS, true,  1, 0),
	KEY("daemon", duration,           K_SECONDS, true,  0, 0),
	KEY("daemon", pids,               K_PIDS,    true,  0, 0),
	KEY("daemon", cgroups,            K_CGROUPS, true,  0, 0),
	KEY("daemon", all,                K_BOOL,    false, 0, 0),
	KEY("daemon", numa_balancing,     K_INT,     false, 0, 3),
	KEY("daemon", promote_rate_limit, K_INT,     false, 0, INT32_MAX),
	KEY("daemon", watermark_boost_factor, K_INT, false, 0, INT32_MAX),
	KEY("daemon", scan_period_ms,     K_INT,     false, 1, 600000),
	KEY("daemon", heat_entries,       K_INT,     false, 1, 1 << 24),
	KEY("daemon", verbose,            K_BOOL,    false, 0, 0),
	KEY("daemon", log_level,          K_LEVEL,   true,  0, 0),
	KEY("daemon", syslog,             K_BOOL,    true,  0, 0),
	KEY("daemon", metrics_file,       K_STR,     false, 1, 0), /* lo 1: may be empty */
	KEY("tiers",  fast,               K_NODES,   false, 0, 0),
	KEY("tiers",  slow,               K_NODES,   false, 0, 0),
};
#undef KEY

/* [process PID] keys: fields of struct policy_pid_config. */
#define PKEY(name, type) { "process", #name, type, offsetof(struct policy_pid_config, name), \
			   sizeof(((struct policy_pid_config *)0)->name), true, 0, 0 }
static const struct ckey proc_keys[] = {
	PKEY(exclude,           K_BOOL),
	PKEY(promote_threshold, K_DOUBLE),
	PKEY(max_pages,         K_U32),
};
#undef PKEY
/* clang-format on */

#define NR_DAEMON_KEYS (sizeof(keys) / sizeof(keys[0]))
#define NR_PROC_KEYS (sizeof(proc_keys) / sizeof(proc_keys[0]))

static size_t nr_keys(void)
{
	size_t np;

	policy_config_keys(&np);
	return NR_DAEMON_KEYS + np;
}

static const char *key_section(size_t i)
{
	return i < NR_DAEMON_KEYS ? keys[i].section : "policy";
}

static const char *key_name(size_t i)
{
	size_t np;

	return i < NR_DAEMON_KEYS ? keys[i].name : policy_config_keys(&np)[i - NR_DAEMON_KEYS].name;
}

static bool key_live(size_t i)
{
	size_t np;

	return i < NR_DAEMON_KEYS ? keys[i].live : policy_config_keys(&np)[i - NR_DAEMON_KEYS].live;
}

static int key_find(const char *section, const char *name)
{
	size_t i, n = nr_keys();

	for (i = 0; i < n; i++)
		if (!strcmp(key_section(i), section) && !strcmp(key_name(i), name))
			return (int)i;
	return -1;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	if (!*v || *v == '+' || *v == ' ')
		return -EINVAL;
	*out = strtol(v, &end, 10);
	return errno || *end || *out < lo || *out > hi ? -EINVAL : 0;
}

/* "123 456" or "123,456". */
static int parse_pids(const char *v, struct config_pids *p, char *why, size_t len)
{
	struct config_pids next = {};
	char buf[16];
	long pid;
	size_t n;

	while (*v) {
		n = strcspn(v, " \t,");
		if (!n) {
			v++;
			continue;
		}
		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, v, n);
		buf[n] = '\0';
		if (parse_long(buf, 1, 0x3fffffff, &pid))
			goto bad;
		if (next.n == CONFIG_MAX_PIDS) {
			snprintf(why, len, "at most %d PIDs", CONFIG_MAX_PIDS);
			return -E2BIG;
		}
		next.v[next.n++] = (int32_t)pid;
		v += n;
	}
	*p = next;
	return 0;
bad:
	snprintf(why, len, "invalid pids: '%.*s' is not a PID", (int)(n < 32 ? n : 32), v);
	return -EINVAL;
}

/* The longest value of @k whose "key = value" line fits a file's line. */
static size_t value_max(const struct ckey *k)
{
	size_t line = LINE_CHARS - strlen(k->name) - 3;

	return k->size - 1 < line ? k->size - 1 : line;
}

/*
 * "/a /b/c": paths below the cgroup2 mount, separated by blanks or commas.
 * The value is kept as written; config_cgroup_next() splits it.
 */
static int check_cgroups(const char *v, const struct ckey *k, char *why, size_t len)
{
	const char *p = v, *c;
	size_t n, count = 0, size = k->size, path_max = value_max(k);

	if (strlen(v) >= size) {
		snprintf(why, len, "invalid cgroups: longer than %zu bytes", size - 1);
		return -EINVAL;
	}
	while ((p = config_cgroup_next(p, &n))) {
		if (*p != '/')
			goto bad;
		/* Printed, each path fits the first line (config_print()). */
		if (n > path_max) {
			snprintf(why, len, "invalid cgroups: '%.32s...' is longer than %zu bytes",
				 p, path_max);
			return -EINVAL;
		}
		/* No way out of the cgroup tree: no ".." component. */
		for (c = p; c < p + n; c++)
			if (c[0] == '.' && c[-1] == '/' && c[1] == '.' &&
			    (c + 2 == p + n || c[2] == '/'))
				goto bad;
		if (++count > CONFIG_MAX_CGROUPS) {
			snprintf(why, len, "invalid cgroups: at most %d", CONFIG_MAX_CGROUPS);
			return -EINVAL;
		}
		p += n;
	}
	return 0;
bad:
	snprintf(why, len,
		 "invalid cgroups: '%.*s' (a path from the cgroup2 mount, such as "
		 "/system.slice/db.service, without '..')",
		 (int)(n < 64 ? n : 64), p);
	return -EINVAL;
}

/*
 * Any white space separates, as libinih trims it: "/a\r" would print as a
 * line that reads back as "/a" (fuzz_config).
 */
#define LIST_SEP " \t\n\v\f\r,"

const char *config_cgroup_next(const char *p, size_t *n)
{
	p += strspn(p, LIST_SEP);
	*n = strcspn(p, LIST_SEP);
	return *n ? p : NULL;
}

static int set_daemon_key(struct run_config *c, const struct ckey *k, const char *v, char *why,
			  size_t len)
{
	void *f = (char *)c + k->off;
	uint64_t mask;
	double d;
	long l;

	switch (k->type) {
	case K_DOUBLE:
	case K_U32:
		break; /* [process] keys only */
	case K_BOOL:
		if (parse_bool(v, f))
			goto bad;
		return 0;
	case K_STR:
		if (strlen(v) > value_max(k)) {
			snprintf(why, len, "invalid %s: longer than %zu bytes", k->name,
				 value_max(k));
			return -EINVAL;
		}
		if (!*v && !k->lo) /* a K_STR with lo = 1 may be empty ("none") */
			goto bad;
		/*
		 * "key =;x" reads as ";x", but printed as "key = ;x" it is an
		 * inline comment: refuse what could not be read back.
		 */
		if (*v == ';' || *v == '#')
			goto bad;
		strcpy(f, v);
		return 0;
	case K_NODES:
		/* Only the syntax here: which nodes exist is known when the daemon starts. */
		if (strlen(v) >= k->size || (*v && (topology_parse_nodelist(v, &mask) || !mask)))
			goto bad;
		strcpy(f, v);
		return 0;
	case K_SECONDS:
		if (!strcmp(v, k->lo ? "auto" : "0")) {
			*(double *)f = 0;
			return 0;
		}
		if (parse_seconds(v, &d))
			goto bad;
		*(double *)f = d;
		return 0;
	case K_INT:
		if (!strcmp(v, "auto")) {
			*(int32_t *)f = CONFIG_AUTO;
			return 0;
		}
		if (parse_long(v, k->lo, k->hi, &l))
			goto bad;
		*(int32_t *)f = (int32_t)l;
		return 0;
	case K_PIDS:
		return parse_pids(v, f, why, len);
	case K_CGROUPS:
		if (check_cgroups(v, k, why, len))
			return -EINVAL;
		strcpy(f, v);
		return 0;
	case K_LEVEL:
		l = log_level_parse(v);
		if (l < 0)
			goto bad;
		*(int32_t *)f = (int32_t)l;
		return 0;
	}
bad:
	/* "invalid NAME 'VALUE' (what is expected)", the form of every bad value. */
	switch (k->type) {
	case K_BOOL:
		snprintf(why, len, "invalid %s '%s' (yes or no)", k->name, v);
		break;
	case K_SECONDS:
		snprintf(why, len, "invalid %s '%s' (%s, or seconds > 0 and <= 86400)", k->name, v,
			 k->lo ? "auto" : "0");
		break;
	case K_INT:
		snprintf(why, len, "invalid %s '%s' (auto, or an integer in %ld..%ld)", k->name, v,
			 k->lo, k->hi);
		break;
	case K_LEVEL:
		snprintf(why, len, "invalid %s '%s' (error, warn, info or debug)", k->name, v);
		break;
	case K_NODES:
		snprintf(why, len, "invalid %s '%s' (a node list such as 0-1,3)", k->name, v);
		break;
	default:
		snprintf(why, len, "invalid %s '%s'", k->name, v);
		break;
	}
	return -EINVAL;
}

static struct policy_pid_config *proc_get(struct run_config *c, uint32_t tgid, char *why,
					  size_t len)
{
	uint32_t i;

	for (i = 0; i < c->nr_procs; i++)
		if (c->procs[i].tgid == tgid)
			return &c->procs[i];
	if (c->nr_procs == CONFIG_MAX_PROCS) {
		snprintf(why, len, "at most %d [process] sections", CONFIG_MAX_PROCS);
		return NULL;
	}
	c->procs[c->nr_procs] = (struct policy_pid_config){ .tgid = tgid };
	return &c->procs[c->nr_procs++];
}

static int set_proc_key(struct run_config *c, const char *section, const char *key, const char *v,
			char *why, size_t len)
{
	struct policy_pid_config *p;
	const struct ckey *k = NULL;
	unsigned long long u;
	long pid;
	size_t i;
	char *end;
	double d;

	if (parse_long(section + strlen("process "), 1, 0x3fffffff, &pid)) {
		snprintf(why, len, "[%s]: not a PID", section);
		return -EINVAL;
	}
	for (i = 0; i < NR_PROC_KEYS; i++)
		if (!strcmp(proc_keys[i].name, key))
			k = &proc_keys[i];
	if (!k) {
		snprintf(why, len,
			 "no such setting '%s' in [%s] (exclude, promote_threshold, max_pages)",
			 key, section);
		return -ENOENT;
	}
	p = proc_get(c, (uint32_t)pid, why, len);
	if (!p)
		return -E2BIG;
	if (c->proc_seen[p - c->procs] & (1u << (k - proc_keys))) {
		snprintf(why, len, "%s set twice in [%s]", key, section);
		return -EINVAL;
	}
	c->proc_seen[p - c->procs] |= 1u << (k - proc_keys);
	errno = 0;
	if (k->type == K_BOOL) {
		if (parse_bool(v, &p->exclude))
			goto bad;
	} else if (k->type == K_DOUBLE) {
		d = strtod(v, &end);
		if (errno || end == v || *end || !(d >= 0) || d > 4194304)
			goto bad;
		p->promote_threshold = d;
	} else {
		if (!*v || *v == '-' || *v == '+' || *v == ' ')
			goto bad;
		u = strtoull(v, &end, 10);
		if (errno || *end || u > UINT32_MAX)
			goto bad;
		p->max_pages = (uint32_t)u;
	}
	return 0;
bad:
	snprintf(why, len, "invalid %s '%s' (%s)", key, v,
		 k->type == K_BOOL ? "yes or no" : "a number >= 0, 0 = the global setting");
	return -EINVAL;
}

void config_default(struct run_config *c)
{
	const char *j = getenv("PAUTONUMA_JOURNAL");

	memset(c, 0, sizeof(*c));
	snprintf(c->journal, sizeof(c->journal), "%s", j && *j ? j : CONFIG_DEFAULT_JOURNAL);
	c->numa_balancing = CONFIG_AUTO;
	c->promote_rate_limit = CONFIG_AUTO;
	c->watermark_boost_factor = CONFIG_AUTO;
	c->scan_period_ms = CONFIG_AUTO;
	c->heat_entries = CONFIG_AUTO;
	c->log_level = LOG_LVL_INFO;
	policy_config_default(&c->policy);
}

static void format_key(const struct run_config *c, size_t i, char *buf, size_t len);

/* Set key @i; @line goes to c->line[i]. */
static int set_key(struct run_config *c, int i, const char *value, char *why, size_t len)
{
	const struct policy_config_key *pk;
	size_t np;
	int err;

	if ((size_t)i < NR_DAEMON_KEYS)
		return set_daemon_key(c, &keys[i], value, why, len);
	pk = &policy_config_keys(&np)[i - NR_DAEMON_KEYS];
	err = policy_config_set(&c->policy, pk->name, value);
	if (err)
		snprintf(why, len, "invalid %s '%s' (%s)", pk->name, value,
			 pk->type == POLICY_KEY_U32 ? "an integer in 0..4294967295" : "a number");
	return err;
}

int config_set(struct run_config *c, const char *section, const char *key, const char *value,
	       char *why, size_t why_len)
{
	int i;

	why[0] = '\0';
	if (!strncmp(section, "process ", 8))
		return set_proc_key(c, section, key, value, why, why_len);
	if (strcmp(section, "daemon") && strcmp(section, "tiers") && strcmp(section, "policy")) {
		snprintf(why, why_len, "unknown section [%s] (daemon, tiers, policy, process PID)",
			 section);
		return -ENOENT;
	}
	i = key_find(section, key);
	if (i < 0) {
		snprintf(why, why_len, "no such setting '%s' in [%s]", key, section);
		return -ENOENT;
	}
	return set_key(c, i, value, why, why_len);
}

/* --------------------------------------------------------------- files */

struct load {
	struct run_config *c;
	const char *name;
	const char *text; /* config_load_string */
	FILE *f; /* config_load_file */
	int line; /* of the last line read */
	bool indented; /* the last line read: a list goes on over such lines */
	int prev_key; /* 1 + the key of the last key line, 0 after a section */
	int err_line; /* first error */
	int err;
	char why[400];
};

static void load_error(struct load *l, int err, const char *why)
{
	if (l->err_line)
		return;
	l->err_line = l->line;
	l->err = err;
	snprintf(l->why, sizeof(l->why), "%s", why);
}

static bool section_known(const char *s)
{
	return !strcmp(s, "daemon") || !strcmp(s, "tiers") || !strcmp(s, "policy") ||
	       !strncmp(s, "process ", 8);
}

/*
 * inih calls its handler for keys only: sections are checked here as the
 * lines go by, so that an empty [unknown] section is an error too. The
 * line count gives the handler its line number.
 */
static char *load_reader(char *buf, int size, void *stream)
{
	struct load *l = stream;
	char why[128], *s, *e;
	size_t n;

	if (l->f) {
		if (!fgets(buf, size, l->f))
			return NULL;
		n = strlen(buf);
	} else {
		if (!*l->text)
			return NULL;
		n = strcspn(l->text, "\n");
		if (n + 1 < (size_t)size) {
			memcpy(buf, l->text, n + (l->text[n] == '\n'));
			buf[n + (l->text[n] == '\n')] = '\0';
			l->text += n + (l->text[n] == '\n');
			n = strlen(buf);
		} else {
			n = (size_t)size - 1;
			memcpy(buf, l->text, n);
			buf[n] = '\0';
			l->text += n;
		}
	}
	l->line++;
	/*
	 * A full buffer without its newline is too long, at the end of the
	 * input too: the last line may not be longer than the others, or the
	 * same setting printed back (newline added) would not load (fuzz_config).
	 */
	if (n == (size_t)size - 1 && buf[n - 1] != '\n') {
		load_error(l, -EINVAL, "line too long");
		/* Skip the rest of it: it would otherwise be read as lines of its own. */
		if (l->f) {
			int ch;

			while ((ch = fgetc(l->f)) != EOF && ch != '\n')
				;
		} else {
			l->text += strcspn(l->text, "\n");
			if (*l->text)
				l->text++;
		}
		buf[0] = '\0';
		return buf;
	}
	if (memchr(buf, '\0', n) != NULL && strlen(buf) != n)
		load_error(l, -EINVAL, "NUL byte in the line");
	l->indented = isspace((unsigned char)buf[0]) && buf[0] != '\n';
	s = buf + strspn(buf, " \t");
	if (*s == '[') {
		l->prev_key = 0;
		e = strchr(s, ']');
		if (e) {
			snprintf(why, sizeof(why), "%.*s", (int)(e - s - 1), s + 1);
			if (!section_known(why)) {
				char msg[256];

				snprintf(
					msg, sizeof(msg),
					"unknown section [%s] (daemon, tiers, policy, process PID)",
					why);
				load_error(l, -ENOENT, msg);
			}
		}
	}
	return buf;
}

static bool is_list(int i)
{
	return (size_t)i < NR_DAEMON_KEYS && (keys[i].type == K_PIDS || keys[i].type == K_CGROUPS);
}

/* An indented line after a list's line (libinih: the same key) adds to it. */
static int load_append(struct load *l, int i, const char *value)
{
	char cur[sizeof(l->c->cgroups)], joined[sizeof(cur) + INI_MAX_LINE], why[256];
	int err;

	format_key(l->c, (size_t)i, cur, sizeof(cur));
	snprintf(joined, sizeof(joined), "%s %s", cur, value);
	err = set_key(l->c, i, joined, why, sizeof(why));
	if (err)
		load_error(l, err, why);
	return !err;
}

static int load_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *l = user;
	struct run_config *c = l->c;
	char why[256];
	bool more;
	int i, err;

	if (!*section) {
		load_error(l, -EINVAL, "key outside a section ([daemon], [policy] ...)");
		return 0;
	}
	if (!section_known(section))
		return 0; /* reported by load_reader */
	i = strncmp(section, "process ", 8) ? key_find(section, name) : -1;
	more = l->indented && i >= 0 && i + 1 == l->prev_key;
	l->prev_key = i + 1;
	if (more && is_list(i) && c->line[i] > 0)
		return load_append(l, i, value);
	if (i >= 0 && c->line[i] > 0) {
		snprintf(why, sizeof(why), "%s set twice (first on line %d)", name, c->line[i]);
		load_error(l, -EINVAL, why);
		return 0;
	}
	err = config_set(c, section, name, value, why, sizeof(why));
	if (err) {
		load_error(l, err, why);
		return 0;
	}
	if (i >= 0)
		c->line[i] = l->line;
	return 1;
}

static int load(struct load *l, char *why, size_t why_len)
{
	int ret = ini_parse_stream(load_reader, l, load_handler, l);

	if (ret < 0) {
		snprintf(why, why_len, "%s: out of memory", l->name);
		return -ENOMEM;
	}
	/* inih reports the first line it could not parse; ours may come earlier. */
	if (ret > 0 && (!l->err_line || ret < l->err_line)) {
		l->err_line = ret;
		l->err = -EINVAL;
		snprintf(l->why, sizeof(l->why),
			 "syntax error (expected [section] or key = value)");
	}
	if (!l->err_line)
		return 0;
	snprintf(why, why_len, "%s:%d: %s", l->name, l->err_line, l->why);
	return l->err;
}

int config_load_file(struct run_config *c, const char *path, char *why, size_t why_len)
{
	struct load l = { .c = c, .name = path };
	int err;

	l.f = fopen(path, "re");
	if (!l.f) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return err;
	}
	err = load(&l, why, why_len);
	fclose(l.f);
	return err;
}

int config_load_string(struct run_config *c, const char *name, const char *text, char *why,
		       size_t why_len)
{
	struct load l = { .c = c, .name = name, .text = text };

	return load(&l, why, why_len);
}

/* -------------------------------------------------------- whole config */

static void where(const struct run_config *c, int line, const char *name, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "%s:%d", name, line);
	else if (line == CONFIG_LINE_CLI)
		snprintf(buf, len, "command line");
	else
		snprintf(buf, len, "%s", name);
}

int config_check(struct run_config *c, const char *name, char *why, size_t why_len)
{
	const char *reason, *bad;
	char at[300];
	int line = 0, i;
	size_t n = nr_keys(), k;

	name = name ?: "defaults";
	c->policy.interval_ms = (uint32_t)llround(config_interval(c) * 1000);
	c->policy.pids = c->procs;
	c->policy.nr_pids = c->nr_procs;

	if (c->all && c->pids.n) {
		line = c->line[key_find("daemon", "all")];
		if (c->line[key_find("daemon", "pids")] > line)
			line = c->line[key_find("daemon", "pids")];
		where(c, line, name, at, sizeof(at));
		snprintf(why, why_len, "%s: all and pids exclude each other", at);
		return -EINVAL;
	}
	if (c->all && c->cgroups[0]) {
		line = c->line[key_find("daemon", "all")];
		if (c->line[key_find("daemon", "cgroups")] > line)
			line = c->line[key_find("daemon", "cgroups")];
		where(c, line, name, at, sizeof(at));
		snprintf(why, why_len, "%s: all and cgroups exclude each other", at);
		return -EINVAL;
	}
	if (c->observe_only && (c->dry_run || c->fast[0] || c->slow[0])) {
		where(c, c->line[key_find("daemon", "observe_only")], name, at, sizeof(at));
		snprintf(why, why_len, "%s: observe_only moves nothing: no dry_run or [tiers]", at);
		return -EINVAL;
	}
	reason = policy_config_invalid(&c->policy, &bad);
	if (reason) {
		i = strcmp(bad, "interval_ms") ? key_find("policy", bad) :
						 key_find("daemon", "interval");
		line = i >= 0 ? c->line[i] : 0;
		/* Not set itself: blame the last policy setting that was. */
		for (k = NR_DAEMON_KEYS; !line && k < n; k++)
			if (c->line[k] > line || (c->line[k] == CONFIG_LINE_CLI && !line))
				line = c->line[k];
		where(c, line, name, at, sizeof(at));
		snprintf(why, why_len, "%s: %s %s", at,
			 strcmp(bad, "interval_ms") ? bad : "interval", reason);
		return -EINVAL;
	}
	return 0;
}

int config_build(struct run_config *c, const char *path, bool required,
		 const struct config_override *ov, size_t nov, char *why, size_t why_len)
{
	char reason[256];
	size_t i;
	int err, k;

	config_default(c);
	if (path) {
		err = config_load_file(c, path, why, why_len);
		if (err && (err != -ENOENT || required))
			return err;
		if (err)
			path = NULL; /* the default file is optional */
	}
	for (i = 0; i < nov; i++) {
		err = config_set(c, ov[i].section, ov[i].key, ov[i].value, reason, sizeof(reason));
		if (err) {
			if (!strcmp(ov[i].section, "policy")) /* --set KEY=VALUE */
				snprintf(why, why_len, "%s %s=%s: %s", ov[i].option, ov[i].key,
					 ov[i].value, reason);
			else
				snprintf(why, why_len, "%s %s: %s", ov[i].option, ov[i].value,
					 reason);
			return err;
		}
		k = key_find(ov[i].section, ov[i].key);
		if (k >= 0)
			c->line[k] = CONFIG_LINE_CLI;
	}
	return config_check(c, path, why, why_len);
}

double config_interval(const struct run_config *c)
{
	return c->interval > 0 ? c->interval : c->observe_only ? 5 : 1;
}

const char *config_tiers_spec(const struct run_config *c, char *buf, size_t len)
{
	if (!c->fast[0] && !c->slow[0])
		return NULL;
	snprintf(buf, len, "%s%s%s%s%s", c->fast[0] ? "fast=" : "", c->fast,
		 c->fast[0] && c->slow[0] ? "," : "", c->slow[0] ? "slow=" : "", c->slow);
	return buf;
}

int config_tiers_split(const char *spec, char *fast, char *slow, size_t len)
{
	char *out = NULL;
	const char *p = spec;
	size_t n;

	fast[0] = slow[0] = '\0';
	while (*p) {
		n = strcspn(p, ",");
		if (!strncmp(p, "fast=", 5) || !strncmp(p, "slow=", 5)) {
			out = p[0] == 'f' ? fast : slow;
			p += 5;
			n -= 5;
		}
		if (!out || !n || strlen(out) + n + 2 > len)
			return -EINVAL;
		if (out[0])
			strcat(out, ",");
		strncat(out, p, n);
		p += n + (p[n] == ',');
	}
	return fast[0] || slow[0] ? 0 : -EINVAL;
}

/* Key @i of @c in the file's syntax. */
/* The shortest of %.15g and %.17g that reads back to the same double. */
static void format_double(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

static void format_key(const struct run_config *c, size_t i, char *buf, size_t len)
{
	const struct policy_config_key *pk;
	const struct ckey *k;
	const void *f;
	size_t np, o;
	uint32_t p;

	if (i >= NR_DAEMON_KEYS) {
		pk = &policy_config_keys(&np)[i - NR_DAEMON_KEYS];
		f = (const char *)&c->policy + pk->off;
		if (pk->type == POLICY_KEY_U32)
			snprintf(buf, len, "%u", *(const uint32_t *)f);
		else
			format_double(*(const double *)f, buf, len);
		return;
	}
	k = &keys[i];
	f = (const char *)c + k->off;
	switch (k->type) {
	case K_BOOL:
		snprintf(buf, len, "%s", *(const bool *)f ? "yes" : "no");
		break;
	case K_STR:
	case K_NODES:
	case K_CGROUPS:
		snprintf(buf, len, "%s", (const char *)f);
		break;
	case K_SECONDS:
		if (*(const double *)f == 0)
			snprintf(buf, len, "%s", k->lo ? "auto" : "0");
		else
			format_double(*(const double *)f, buf, len);
		break;
	case K_INT:
		if (*(const int32_t *)f == CONFIG_AUTO)
			snprintf(buf, len, "auto");
		else
			snprintf(buf, len, "%d", *(const int32_t *)f);
		break;
	case K_PIDS:
		buf[0] = '\0';
		for (p = 0, o = 0; p < c->pids.n && o < len; p++)
			o += snprintf(buf + o, len - o, "%s%d", p ? " " : "", c->pids.v[p]);
		break;
	case K_LEVEL:
		snprintf(buf, len, "%s", log_level_name(*(const int32_t *)f));
		break;
	case K_DOUBLE:
	case K_U32:
		break; /* [process] keys only */
	}
}

/*
 * "key = A B ...", and what does not fit goes on over indented lines. No
 * items ("cgroups = ,") is an empty list, commented as every empty value.
 */
static void print_list(FILE *f, const char *name, const char *v)
{
	size_t n, col = strlen(name) + 2;
	const char *p = config_cgroup_next(v, &n);

	if (!p) {
		fprintf(f, "# %s = \n", name);
		return;
	}
	fprintf(f, "%s =", name);
	for (; p; p = config_cgroup_next(p + n, &n)) {
		if (col + 1 + n > LINE_CHARS) {
			fputs("\n\t", f);
			col = 1;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
	}
	fputc('\n', f);
}

void config_print(FILE *f, const struct run_config *c)
{
	const char *section = "";
	char buf[1024];
	size_t i, n = nr_keys();
	uint32_t p;

	for (i = 0; i < n; i++) {
		if (strcmp(section, key_section(i))) {
			section = key_section(i);
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		format_key(c, i, buf, sizeof(buf));
		/* An empty value is a syntax error for inih-less readers: comment it. */
		if (is_list((int)i))
			print_list(f, key_name(i), buf);
		else
			fprintf(f, "%s%s = %s\n", buf[0] ? "" : "# ", key_name(i), buf);
	}
	for (p = 0; p < c->nr_procs; p++) {
		format_double(c->procs[p].promote_threshold, buf, sizeof(buf));
		fprintf(f, "\n[process %u]\nexclude = %s\npromote_threshold = %s\nmax_pages = %u\n",
			c->procs[p].tgid, c->procs[p].exclude ? "yes" : "no", buf,
			c->procs[p].max_pages);
	}
}

static bool procs_differ(const struct run_config *a, const struct run_config *b)
{
	const struct policy_pid_config *x, *y;
	uint32_t i;

	if (a->nr_procs != b->nr_procs)
		return true;
	for (i = 0; i < a->nr_procs; i++) {
		x = &a->procs[i];
		y = &b->procs[i];
		if (x->tgid != y->tgid || x->exclude != y->exclude ||
		    x->promote_threshold != y->promote_threshold || x->max_pages != y->max_pages)
			return true;
	}
	return false;
}

int config_reload_diff(const struct run_config *cur, struct run_config *next, const char *name,
		       void (*report)(bool restart, const char *msg))
{
	char a[1024], b[1024], msg[2200], why[256];
	size_t i, n = nr_keys();
	int changed = 0;

	for (i = 0; i < n; i++) {
		format_key(cur, i, a, sizeof(a));
		format_key(next, i, b, sizeof(b));
		if (!strcmp(a, b))
			continue;
		if (key_live(i)) {
			snprintf(msg, sizeof(msg), "%s: [%s] %s = %s (was %s)", name,
				 key_section(i), key_name(i), b, a);
			report(false, msg);
			changed++;
			continue;
		}
		snprintf(msg, sizeof(msg), "%s: [%s] %s = %s needs a restart; keeping %s", name,
			 key_section(i), key_name(i), b, a);
		report(true, msg);
		/* Put the running value back (the string form parses by construction). */
		set_key(next, (int)i, a, why, sizeof(why));
	}
	if (procs_differ(cur, next)) {
		snprintf(msg, sizeof(msg), "%s: [process] settings changed (%u sections)", name,
			 next->nr_procs);
		report(false, msg);
		changed++;
	}
	return changed;
}
