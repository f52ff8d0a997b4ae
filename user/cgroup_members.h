/* SPDX-License-Identifier: GPL-2.0 */
/* The processes of cgroup v2 groups, for `cgroups =` in [daemon]. */
#ifndef PAUTONUMA_CGROUP_MEMBERS_H
#define PAUTONUMA_CGROUP_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Where cgroup2 is mounted (the first cgroup2 line of @mounts, normally
 * /proc/self/mounts), into @buf. 0, -ENOENT when it is not mounted, -errno.
 */
int cgroup2_mount(const char *mounts, char *buf, size_t len);

/*
 * The tgids in @cgroup (a path below @root, e.g. "/system.slice/db.service")
 * and in its descendants, sorted and distinct, appended to *@v (malloc'ed,
 * *@n entries, *@cap allocated). 0, -ENOENT when there is no such cgroup,
 * -errno (reading cgroup.procs; -ENOMEM).
 */
int cgroup_members(const char *root, const char *cgroup, int32_t **v, size_t *n, size_t *cap);

/* Sort *@v and drop duplicates. */
void cgroup_members_unique(int32_t *v, size_t *n);

struct observer_maps;
struct config_pids;

/* The PID filter kept in step with the members of the configured cgroups. */
struct cgroup_sync {
	char root[256]; /* the cgroup2 mount, "" until found */
	int32_t *v; /* the members we attached, sorted */
	size_t n, cap;
	uint32_t failing; /* bit i: the i-th cgroup failed at the last sync (said once) */
	bool no_mount_said;
};

/*
 * Attach the processes that joined the cgroups of @cgroups (a cgroups =
 * value; "" detaches all) since the last call, detach the ones that left,
 * except PIDs of @keep (pids =). Problems are logged, once until they
 * change; only -ENOMEM is returned.
 */
int cgroup_sync(struct cgroup_sync *s, const char *cgroups, const struct config_pids *keep,
		const struct observer_maps *m);
void cgroup_sync_fini(struct cgroup_sync *s);

#endif
