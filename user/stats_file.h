/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files rewritten whole and atomically (the daemon's stats file, the
 * Prometheus metrics file), and the stats file's reader.
 */
#ifndef PAUTONUMA_STATS_FILE_H
#define PAUTONUMA_STATS_FILE_H

#include <limits.h>
#include <stdio.h>

#include "pautonuma_stats.h"

/* A file written to PATH.tmp.PID and renamed over PATH on commit. */
struct atomic_file {
	FILE *f;
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Open the temporary file (mode 0644). 0 or -errno. */
int atomic_file_open(struct atomic_file *af, const char *path);
/* Flush, fsync-free close and rename over the target. 0 or -errno (the temporary is removed). */
int atomic_file_commit(struct atomic_file *af);
/* Drop the temporary file. Accepts a file never opened. */
void atomic_file_abort(struct atomic_file *af);

/* Write header, procs and pages (counts from the header) atomically to @path. */
int stats_file_write(const char *path, const struct pn_stats_header *h,
		     const struct pn_stats_proc *procs, const struct pn_stats_page *pages);

/*
 * Read @path: 0, -ENOENT (no daemon published), -ESRCH (the daemon that
 * wrote it is gone), -EPROTO (not a stats file of this version, truncated),
 * or -errno. *@procs and, when @pages is not NULL, *@pages are malloc'ed
 * (NULL when empty); the caller frees them.
 */
int stats_file_read(const char *path, struct pn_stats_header *h, struct pn_stats_proc **procs,
		    struct pn_stats_page **pages);

/* enum pn_not_moved's name for people ("left in place") and for metrics' labels. */
const char *pn_not_moved_name(unsigned int why);
const char *pn_not_moved_label(unsigned int why);

/* Room for pn_not_moved_str()'s longest. */
#define PN_NOT_MOVED_LEN 256

/*
 * " (left in place N, busy N, ...)" for the counts of @now minus @then
 * (NULL: none) that are not zero, "" if all are, in @buf; returns @buf.
 */
const char *pn_not_moved_str(char *buf, size_t len, const __u64 *now, const __u64 *then);

#endif
