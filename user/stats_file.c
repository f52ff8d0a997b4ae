// SPDX-License-Identifier: GPL-2.0
/* Atomically rewritten files and the daemon's stats file; see stats_file.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats_file.h"

int atomic_file_open(struct atomic_file *af, const char *path)
{
	int n;

	af->f = NULL;
	if (snprintf(af->path, sizeof(af->path), "%s", path) >= (int)sizeof(af->path))
		return -ENAMETOOLONG;
	n = snprintf(af->tmp, sizeof(af->tmp), "%s.tmp.%d", path, (int)getpid());
	if (n >= (int)sizeof(af->tmp))
		return -ENAMETOOLONG;
	af->f = fopen(af->tmp, "we");
	if (!af->f)
		return -errno;
	/* Readable by a metrics collector that does not run as root. */
	if (fchmod(fileno(af->f), 0644)) {
		n = -errno;
		atomic_file_abort(af);
		return n;
	}
	return 0;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (!af->f)
		return;
	fclose(af->f);
	af->f = NULL;
	unlink(af->tmp);
}

int atomic_file_commit(struct atomic_file *af)
{
	int err = 0;

	if (fflush(af->f) || ferror(af->f))
		err = errno ? -errno : -EIO;
	if (fclose(af->f) && !err)
		err = -errno;
	af->f = NULL;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	if (err)
		unlink(af->tmp);
	return err;
}

int stats_file_write(const char *path, const struct pn_stats_header *h,
		     const struct pn_stats_proc *procs, const struct pn_stats_page *pages)
{
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, path);
	if (err)
		return err;
	if (fwrite(h, sizeof(*h), 1, af.f) != 1 ||
	    (h->nr_procs && fwrite(procs, sizeof(*procs), h->nr_procs, af.f) != h->nr_procs) ||
	    (h->nr_pages && fwrite(pages, sizeof(*pages), h->nr_pages, af.f) != h->nr_pages)) {
		err = errno ? -errno : -EIO;
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}

static int read_array(FILE *f, void **out, size_t size, size_t n)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = calloc(n, size);
	if (!*out)
		return -ENOMEM;
	if (fread(*out, size, n, f) != n) {
		free(*out);
		*out = NULL;
		return ferror(f) ? -EIO : -EPROTO;
	}
	return 0;
}

int stats_file_read(const char *path, struct pn_stats_header *h, struct pn_stats_proc **procs,
		    struct pn_stats_page **pages)
{
	FILE *f = fopen(path, "re");
	int err;

	*procs = NULL;
	if (pages)
		*pages = NULL;
	if (!f)
		return -errno;
	if (fread(h, sizeof(*h), 1, f) != 1 || h->magic != PN_STATS_MAGIC ||
	    h->version != PN_STATS_VERSION || h->nr_nodes > PAUTONUMA_MAX_NODES ||
	    h->nr_pages > PN_STATS_MAX_PAGES) {
		err = ferror(f) ? -EIO : -EPROTO;
		goto out;
	}
	/* A daemon killed by SIGKILL leaves its last file behind. */
	if (h->daemon_pid && kill((pid_t)h->daemon_pid, 0) && errno == ESRCH) {
		err = -ESRCH;
		goto out;
	}
	err = read_array(f, (void **)procs, sizeof(**procs), h->nr_procs);
	if (!err && pages)
		err = read_array(f, (void **)pages, sizeof(**pages), h->nr_pages);
	if (err) {
		free(*procs);
		*procs = NULL;
	}
out:
	fclose(f);
	return err;
}

static const struct {
	const char *name, *label;
} not_moved_names[PN_NOT_MOVED_NR] = {
	[PN_NM_STAYED] = { "left in place", "left_in_place" },
	[PN_NM_BUSY] = { "busy", "busy" },
	[PN_NM_UNMAPPED] = { "unmapped", "unmapped" },
	[PN_NM_SHARED] = { "shared", "shared" },
	[PN_NM_NOMEM] = { "no memory", "no_memory" },
	[PN_NM_OTHER] = { "other", "other" },
};

const char *pn_not_moved_name(unsigned int why)
{
	return why < PN_NOT_MOVED_NR ? not_moved_names[why].name : "?";
}

const char *pn_not_moved_label(unsigned int why)
{
	return why < PN_NOT_MOVED_NR ? not_moved_names[why].label : "unknown";
}

const char *pn_not_moved_str(char *buf, size_t len, const __u64 *now, const __u64 *then)
{
	size_t at = 0;
	unsigned int i;
	__u64 n;
	int r;

	buf[0] = '\0';
	for (i = 0; i < PN_NOT_MOVED_NR; i++) {
		n = now[i] - (then ? then[i] : 0);
		if (!n)
			continue;
		r = snprintf(buf + at, len - at, "%s%s %llu", at ? ", " : " (",
			     pn_not_moved_name(i), (unsigned long long)n);
		if (r < 0 || (size_t)r >= len - at)
			goto truncated;
		at += (size_t)r;
	}
	if (at && (size_t)snprintf(buf + at, len - at, ")") >= len - at)
		goto truncated;
	return buf;
truncated:
	buf[0] = '\0'; /* nothing rather than half a list */
	return buf;
}
