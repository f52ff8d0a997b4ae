// SPDX-License-Identifier: GPL-2.0
/* The processes of cgroup v2 groups, for `cgroups =` in [daemon]. */
#include <errno.h>
#include <fts.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_loader.h"
#include "cgroup_members.h"
#include "config.h"
#include "log.h"
#include "proc_ident.h"

int cgroup2_mount(const char *mounts, char *buf, size_t len)
{
	struct mntent *me;
	int err = -ENOENT;
	FILE *f;

	f = setmntent(mounts, "r");
	if (!f)
		return -errno;
	while ((me = getmntent(f))) {
		if (strcmp(me->mnt_type, "cgroup2"))
			continue;
		err = strlen(me->mnt_dir) < len ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(buf, me->mnt_dir);
		break;
	}
	endmntent(f);
	return err;
}

static int push(int32_t **v, size_t *n, size_t *cap, int32_t tgid)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		int32_t *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = tgid;
	return 0;
}

/* The tgids of one cgroup.procs file. */
static int read_procs(const char *dir, int32_t **v, size_t *n, size_t *cap)
{
	char path[4096];
	long tgid;
	int err = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		/* A cgroup removed while we walk it is empty, not an error. */
		return errno == ENOENT ? 0 : -errno;
	while (!err && fscanf(f, "%ld", &tgid) == 1)
		if (tgid > 0 && tgid <= INT32_MAX)
			err = push(v, n, cap, (int32_t)tgid);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

int cgroup_members(const char *root, const char *cgroup, int32_t **v, size_t *n, size_t *cap)
{
	char top[4096];
	char *paths[] = { top, NULL };
	FTSENT *e;
	int err = 0;
	FTS *fts;

	if (snprintf(top, sizeof(top), "%s%s", root, cgroup) >= (int)sizeof(top))
		return -ENAMETOOLONG;
	/* No stat(2) of the many control files: directories are known from d_type. */
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_NOSTAT, NULL);
	if (!fts)
		return -errno;
	while (!err) {
		errno = 0;
		e = fts_read(fts);
		if (!e) {
			err = -errno;
			break;
		}
		switch (e->fts_info) {
		case FTS_D:
			err = read_procs(e->fts_path, v, n, cap);
			break;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			/* The top missing or unreadable is an error; a child that vanished is not. */
			if (e->fts_level == 0 || e->fts_errno != ENOENT)
				err = -e->fts_errno;
			break;
		case FTS_DP: /* a directory again, after its children */
			break;
		default: /* a file: cgroup files, or a top that is not a directory */
			if (e->fts_level == 0)
				err = -ENOTDIR;
			break;
		}
	}
	fts_close(fts);
	if (!err)
		cgroup_members_unique(*v, n);
	return err;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

void cgroup_members_unique(int32_t *v, size_t *n)
{
	size_t i, k = 0;

	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), cmp_i32);
	for (i = 1; i < *n; i++)
		if (v[i] != v[k])
			v[++k] = v[i];
	*n = k + 1;
}

static bool member(const int32_t *v, size_t n, int32_t tgid)
{
	return n && bsearch(&tgid, v, n, sizeof(*v), cmp_i32);
}

static bool kept(const struct config_pids *keep, int32_t tgid)
{
	uint32_t i;

	for (i = 0; keep && i < keep->n; i++)
		if (keep->v[i] == tgid)
			return true;
	return false;
}

int cgroup_sync(struct cgroup_sync *s, const char *cgroups, const struct config_pids *keep,
		const struct observer_maps *m)
{
	size_t n = 0, cap = 0, len, i, k;
	uint32_t failing = 0, bit;
	struct proc_ident id;
	int32_t *now = NULL;
	char cg[1024];
	const char *p;
	int err = 0;

	if (*cgroups && !s->root[0]) {
		err = cgroup2_mount("/proc/self/mounts", s->root, sizeof(s->root));
		if (err) {
			if (!s->no_mount_said)
				log_warn(
					"cgroups: %s (mount it: mount -t cgroup2 none /sys/fs/cgroup)",
					err == -ENOENT ? "cgroup2 is not mounted" : strerror(-err));
			s->no_mount_said = true;
			s->root[0] = '\0';
			return 0;
		}
	}
	for (p = cgroups, bit = 1; (p = config_cgroup_next(p, &len)); p += len, bit <<= 1) {
		snprintf(cg, sizeof(cg), "%.*s", (int)len, p);
		err = cgroup_members(s->root, cg, &now, &n, &cap);
		if (err == -ENOMEM)
			goto out;
		if (err) {
			if (!(s->failing & bit))
				log_warn("cgroups: %s%s: %s", s->root, cg,
					 err == -ENOENT ? "no such cgroup (it is watched)" :
							  strerror(-err));
			failing |= bit;
		} else if (s->failing & bit) {
			log_info("cgroups: %s%s: readable again", s->root, cg);
		}
	}
	err = 0;
	s->failing = failing;
	cgroup_members_unique(now, &n);
	for (i = 0; i < s->n; i++)
		if (!member(now, n, s->v[i]) && !kept(keep, s->v[i]) &&
		    !observer_filter_del(m, (__u32)s->v[i]))
			log_info("cgroups: pid %d left, detached", s->v[i]);
	/* now[] keeps the members attached by us (sorted still): the others are retried. */
	for (i = 0, k = 0; i < n; i++) {
		if (kept(keep, now[i]))
			continue; /* pids = manages it */
		if (!member(s->v, s->n, now[i])) {
			err = proc_ident_get(now[i], &id);
			if (!err)
				err = observer_filter_add(m, &id);
			if (err) {
				if (err != -ESRCH) /* gone already: nothing to manage */
					log_warn("cgroups: pid %d not attached: %s", now[i],
						 strerror(-err));
				continue;
			}
			log_info("cgroups: pid %d attached", now[i]);
		}
		now[k++] = now[i];
	}
	err = 0;
	free(s->v);
	s->v = now;
	s->n = k;
	s->cap = cap;
	now = NULL;
out:
	free(now);
	return err;
}

void cgroup_sync_fini(struct cgroup_sync *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
