// SPDX-License-Identifier: GPL-2.0
/* Load, retarget, attach and pin the observer's BPF programs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf_loader.h"
#include "hint_faults.skel.h"
#include "migrations.skel.h"
#include "fault_feed.h"
#include "heat_reader.h"

static const char *const pin_names[] = {
	"page_heat", "pid_filter", "fault_stats", "migrate_stats", "run_info", "next_touch",
};

struct observer {
	struct hint_faults_bpf *hf;
	struct migrations_bpf *mg;
	struct ring_buffer *rb;
	struct fault_feed *feed; /* NULL without opts->fault_feed */
	struct observer_maps maps;
	enum heat_hook hook;
	bool scan_hook; /* change_prot_numa hooked: hint-fault latency known */
	bool pinned;
	bool pin_next_touch;
	char hooks[768];
	observer_event_fn event_fn;
	void *event_ctx;
};

static bool verbose;

/* libbpf hands us its own format strings: tell the compiler so. */
__attribute__((format(printf, 2, 0))) static int print_fn(enum libbpf_print_level level,
							  const char *fmt, va_list args)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int observer_bpffs_ensure(bool *mounted)
{
	struct statfs sfs;

	*mounted = false;
	if (!statfs("/sys/fs/bpf", &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	*mounted = true;
	return 0;
}

/* Name of the first of @names that @btf has as a function, or NULL. */
static const char *find_func(const struct btf *btf, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC) > 0)
			return names[i];
	return NULL;
}

/* Number of arguments of tracepoint @tp (btf_trace_<tp> typedef, minus the ctx). */
static int tp_nargs(const struct btf *btf, const char *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return id;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -EINVAL;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t) - 1;
}

static int attach_prog(struct bpf_program *prog, struct bpf_link **slot, const char *kprobe_fn)
{
	struct bpf_link *link;

	if (kprobe_fn)
		link = bpf_program__attach_kprobe(prog, false, kprobe_fn);
	else
		link = bpf_program__attach(prog);
	if (!link)
		return -errno;
	*slot = link;
	return 0;
}

unsigned int observer_heat_map_mib(const struct observer_opts *o)
{
	/* Each element: struct htab_elem (about 48 bytes with its LRU node), key, value. */
	unsigned long long elem = 48 + sizeof(struct heat_key) + sizeof(struct heat_val);
	unsigned long long n = o->heat_entries ?: PAUTONUMA_HEAT_ENTRIES;

	return (unsigned int)((n * elem + (1 << 20) - 1) >> 20) +
	       (o->fault_feed ? observer_fault_ring_bytes(o) >> 20 : 0);
}

__u32 observer_fault_ring_bytes(const struct observer_opts *o)
{
	unsigned long long want = (unsigned long long)(o->heat_entries ?: PAUTONUMA_HEAT_ENTRIES) *
				  PAUTONUMA_FAULT_RING_RECORD;
	__u32 bytes = 1u << 20;

	_Static_assert(sizeof(struct heat_fault) + 8 == PAUTONUMA_FAULT_RING_RECORD,
		       "a record and its header");
	while (bytes < want && bytes < (256u << 20))
		bytes <<= 1;
	return bytes;
}

static int map_on_node(struct bpf_map *map, __u32 node)
{
	int err = bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_NUMA_NODE);

	return err ?: bpf_map__set_numa_node(map, node);
}

/* Open, configure, load and attach hint_faults with @hook (and the scan hook if @scan). */
static int load_hint_faults_once(struct observer *ob, const struct observer_opts *opts,
				 enum heat_hook hook, const char *addr_fn, bool scan, int *stage)
{
	struct hint_faults_bpf *hf;
	int err;

	*stage = 0;
	hf = hint_faults_bpf__open();
	if (!hf)
		return -errno;
	err = bpf_map__set_max_entries(hf->maps.page_heat,
				       opts->heat_entries ?: PAUTONUMA_HEAT_ENTRIES);
	if (!err && opts->fault_feed)
		err = bpf_map__set_max_entries(hf->maps.fault_ring,
					       observer_fault_ring_bytes(opts));
	/* Tens of MB preallocated: keep them off the fast tier they would crowd. */
	if (!err && opts->heat_on_node)
		err = map_on_node(hf->maps.page_heat, opts->heat_node);
	if (!err && opts->heat_on_node && opts->fault_feed)
		err = map_on_node(hf->maps.fault_ring, opts->heat_node);
	if (err)
		goto fail;
	hf->rodata->observe_all = opts->observe_all;
	hf->rodata->fault_feed = opts->fault_feed;
	hf->rodata->feed_wakeup_bytes = observer_fault_ring_bytes(opts) / 4;
	bpf_program__set_autoload(hf->progs.hint_fault_fentry, hook == HEAT_HOOK_FENTRY);
	bpf_program__set_autoload(hf->progs.numa_fault_fentry, hook == HEAT_HOOK_FENTRY);
	bpf_program__set_autoload(hf->progs.hint_fault_kprobe, hook == HEAT_HOOK_KPROBE);
	bpf_program__set_autoload(hf->progs.numa_fault_kprobe, hook == HEAT_HOOK_KPROBE);
	bpf_program__set_autoload(hf->progs.fault_user, hook == HEAT_HOOK_TRACEPOINT);
	bpf_program__set_autoload(hf->progs.scan_fentry, scan && hook == HEAT_HOOK_FENTRY);
	bpf_program__set_autoload(hf->progs.scan_kprobe, scan && hook == HEAT_HOOK_KPROBE);
	if (hook == HEAT_HOOK_FENTRY) {
		err = bpf_program__set_attach_target(hf->progs.hint_fault_fentry, 0, addr_fn);
		if (err)
			goto fail;
	}
	err = hint_faults_bpf__load(hf);
	if (err)
		goto fail;
	*stage = 1;
	switch (hook) {
	case HEAT_HOOK_FENTRY:
		err = attach_prog(hf->progs.hint_fault_fentry, &hf->links.hint_fault_fentry, NULL);
		if (!err)
			err = attach_prog(hf->progs.numa_fault_fentry, &hf->links.numa_fault_fentry,
					  NULL);
		break;
	case HEAT_HOOK_KPROBE:
		err = attach_prog(hf->progs.hint_fault_kprobe, &hf->links.hint_fault_kprobe,
				  addr_fn);
		if (!err)
			err = attach_prog(hf->progs.numa_fault_kprobe, &hf->links.numa_fault_kprobe,
					  "task_numa_fault");
		break;
	default:
		err = attach_prog(hf->progs.fault_user, &hf->links.fault_user, NULL);
		break;
	}
	if (!err && scan && hook == HEAT_HOOK_FENTRY)
		err = attach_prog(hf->progs.scan_fentry, &hf->links.scan_fentry, NULL);
	else if (!err && scan && hook == HEAT_HOOK_KPROBE)
		err = attach_prog(hf->progs.scan_kprobe, &hf->links.scan_kprobe,
				  "change_prot_numa");
	if (err)
		goto fail;
	*stage = 2;
	err = attach_prog(hf->progs.proc_exit, &hf->links.proc_exit, NULL);
	if (err)
		goto fail;
	ob->hf = hf;
	ob->hook = hook;
	ob->scan_hook = scan && hook != HEAT_HOOK_TRACEPOINT;
	return 0;
fail:
	hint_faults_bpf__destroy(hf);
	return err;
}

/*
 * The scan hook only adds latency: where change_prot_numa cannot be hooked
 * (not in BTF, inlined, refused), load the fault hooks without it.
 */
static int load_hint_faults(struct observer *ob, const struct observer_opts *opts,
			    enum heat_hook hook, const char *addr_fn, const struct btf *btf,
			    int *stage)
{
	bool scan = hook != HEAT_HOOK_TRACEPOINT &&
		    btf__find_by_name_kind(btf, "change_prot_numa", BTF_KIND_FUNC) > 0;
	int err;

	err = load_hint_faults_once(ob, opts, hook, addr_fn, scan, stage);
	if (err && scan)
		err = load_hint_faults_once(ob, opts, hook, addr_fn, false, stage);
	return err;
}

static int load_migrations(struct observer *ob, const struct observer_opts *opts,
			   const struct btf *btf, char *why, size_t why_len)
{
	struct migrations_bpf *mg;
	int nargs, err;

	nargs = tp_nargs(btf, "mm_migrate_pages");
	if (nargs != 7 && nargs != 8) {
		snprintf(why, why_len,
			 "tracepoint mm_migrate_pages: unexpected signature (%d args)", nargs);
		return -EINVAL;
	}
	mg = migrations_bpf__open();
	if (!mg) {
		err = -errno;
		snprintf(why, why_len, "opening migrations.bpf.o: %s", strerror(-err));
		return err;
	}
	mg->rodata->observe_all = opts->observe_all;
	mg->rodata->reason_arg = nargs - 1;
	err = bpf_map__reuse_fd(mg->maps.pid_filter, bpf_map__fd(ob->hf->maps.pid_filter));
	if (err) {
		snprintf(why, why_len, "sharing pid_filter: %s", strerror(-err));
		goto fail;
	}
	err = migrations_bpf__load(mg);
	if (err) {
		snprintf(why, why_len, "loading migrations.bpf.o: %s", strerror(-err));
		goto fail;
	}
	err = migrations_bpf__attach(mg);
	if (err) {
		snprintf(why, why_len, "attaching migrate/sched tracepoints: %s", strerror(-err));
		goto fail;
	}
	ob->mg = mg;
	return 0;
fail:
	migrations_bpf__destroy(mg);
	return err;
}

static int pin_maps(struct observer *ob, char *why, size_t why_len)
{
	struct bpf_map *maps[] = {
		ob->hf->maps.page_heat,	    ob->hf->maps.pid_filter, ob->hf->maps.fault_stats,
		ob->mg->maps.migrate_stats, ob->hf->maps.run_info,   ob->hf->maps.next_touch,
	};
	char path[128];
	size_t i;
	int err;

	if (mkdir(OBSERVER_PIN_DIR, 0700) && errno != EEXIST) {
		err = -errno;
		snprintf(why, why_len, "mkdir %s: %s", OBSERVER_PIN_DIR, strerror(errno));
		return err;
	}
	if (chmod(OBSERVER_PIN_DIR, 0700)) {
		err = -errno;
		snprintf(why, why_len, "chmod %s: %s", OBSERVER_PIN_DIR, strerror(errno));
		return err;
	}
	ob->pinned = true;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		/* Its pin says that a daemon reads the marks: none in --observe-only. */
		if (maps[i] == ob->hf->maps.next_touch && !ob->pin_next_touch)
			continue;
		snprintf(path, sizeof(path), "%s/%s", OBSERVER_PIN_DIR, pin_names[i]);
		err = bpf_map__pin(maps[i], path);
		if (err) {
			snprintf(why, why_len, "pinning %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct observer *ob = ctx;

	if (size >= sizeof(struct event) && ob->event_fn)
		ob->event_fn(ob->event_ctx, data);
	return 0;
}

static int handle_fault(void *ctx, void *data, size_t size)
{
	struct observer *ob = ctx;

	/* -ENOMEM is counted by the feed: keep draining the ring. */
	if (size >= sizeof(struct heat_fault))
		fault_feed_add(ob->feed, data);
	return 0;
}

static const char *hook_lost(enum heat_hook hook)
{
	switch (hook) {
	case HEAT_HOOK_KPROBE:
		return "lost: nothing, at a higher cost per hint fault than fentry";
	case HEAT_HOOK_TRACEPOINT:
		return "lost: the page's node, locality and migration outcome of each fault "
		       "(task_numa_fault) and its latency since the NUMA scan; protection faults that are not hint faults (e.g. "
		       "copy-on-write) are counted too; every page fault of every process "
		       "runs the hook";
	default:
		return "";
	}
}

int observer_start(const struct observer_opts *opts, struct observer **out, char *why,
		   size_t why_len)
{
	static const char *const addr_fns[] = { "numa_migrate_check", "numa_migrate_prep" };
	char fentry_why[96] = "", kprobe_why[96] = "";
	struct observer *ob = NULL;
	const char *addr_fn;
	struct btf *btf;
	int err, stage;

	verbose = opts->verbose;
	libbpf_set_print(print_fn);
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		snprintf(why, why_len, "no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(-err));
		return err;
	}
	ob = calloc(1, sizeof(*ob));
	if (!ob) {
		err = -ENOMEM;
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		goto cleanup;
	}
	ob->maps = (struct observer_maps)OBSERVER_MAPS_CLOSED;
	ob->pin_next_touch = opts->next_touch;

	addr_fn = find_func(btf, addr_fns, 2);
	if (addr_fn && btf__find_by_name_kind(btf, "task_numa_fault", BTF_KIND_FUNC) > 0) {
		err = load_hint_faults(ob, opts, HEAT_HOOK_FENTRY, addr_fn, btf, &stage);
		if (err)
			snprintf(fentry_why, sizeof(fentry_why), "fentry %s by this kernel (%s)",
				 stage ? "not attachable" : "refused", strerror(-err));
		if (err) {
			err = load_hint_faults(ob, opts, HEAT_HOOK_KPROBE, addr_fn, btf, &stage);
			if (err)
				snprintf(kprobe_why, sizeof(kprobe_why), "kprobe %s (%s)",
					 stage == 1 ? "not available" : "refused", strerror(-err));
		}
	} else {
		snprintf(fentry_why, sizeof(fentry_why),
			 "no numa_migrate_check/numa_migrate_prep/task_numa_fault in BTF");
		err = -ENOENT;
	}
	if (err) {
		err = load_hint_faults(ob, opts, HEAT_HOOK_TRACEPOINT, NULL, btf, &stage);
		if (err) {
			snprintf(why, why_len,
				 "no usable hook: %s; %s; tracepoint page_fault_user: %s",
				 fentry_why, kprobe_why[0] ? kprobe_why : "kprobe not tried",
				 strerror(-err));
			goto cleanup;
		}
	}
	if (ob->hook == HEAT_HOOK_TRACEPOINT)
		snprintf(ob->hooks, sizeof(ob->hooks),
			 "hooks: tracepoint exceptions:page_fault_user (fallback; %s; %s); %s",
			 fentry_why, kprobe_why[0] ? kprobe_why : "kprobe not tried",
			 hook_lost(ob->hook));
	else if (ob->hook == HEAT_HOOK_KPROBE)
		snprintf(ob->hooks, sizeof(ob->hooks),
			 "hooks: kprobe %s + task_numa_fault%s (%s); %s", addr_fn,
			 ob->scan_hook ? " + change_prot_numa" : "", fentry_why,
			 hook_lost(ob->hook));
	else
		snprintf(ob->hooks, sizeof(ob->hooks), "hooks: fentry %s + task_numa_fault%s",
			 addr_fn, ob->scan_hook ? " + change_prot_numa" : "");
	if (ob->hook != HEAT_HOOK_TRACEPOINT && !ob->scan_hook) {
		size_t len = strlen(ob->hooks);

		snprintf(ob->hooks + len, sizeof(ob->hooks) - len,
			 "; no hint-fault latency (change_prot_numa not hookable): hotness "
			 "from fault counts only");
	}

	err = load_migrations(ob, opts, btf, why, why_len);
	if (err)
		goto cleanup;
	ob->maps.page_heat = bpf_map__fd(ob->hf->maps.page_heat);
	ob->maps.pid_filter = bpf_map__fd(ob->hf->maps.pid_filter);
	ob->maps.fault_stats = bpf_map__fd(ob->hf->maps.fault_stats);
	ob->maps.migrate_stats = bpf_map__fd(ob->mg->maps.migrate_stats);
	ob->maps.run_info = bpf_map__fd(ob->hf->maps.run_info);
	ob->maps.next_touch = bpf_map__fd(ob->hf->maps.next_touch);
	ob->rb = ring_buffer__new(bpf_map__fd(ob->hf->maps.events), handle_event, ob, NULL);
	if (!ob->rb) {
		err = -errno;
		snprintf(why, why_len, "ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	if (opts->fault_feed) {
		err = fault_feed_new(opts->heat_entries ?: PAUTONUMA_HEAT_ENTRIES, &ob->feed);
		if (!err)
			err = ring_buffer__add(ob->rb, bpf_map__fd(ob->hf->maps.fault_ring),
					       handle_fault, ob);
		if (err) {
			snprintf(why, why_len, "fault ring: %s", strerror(-err));
			goto cleanup;
		}
	}
	err = pin_maps(ob, why, why_len);
	if (err)
		goto cleanup;
	btf__free(btf);
	*out = ob;
	return 0;
cleanup:
	observer_stop(ob);
	btf__free(btf);
	return err;
}

int observer_remove_stale_pins(void)
{
	char path[128];
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", OBSERVER_PIN_DIR, pin_names[i]);
		if (!unlink(path))
			n++;
	}
	rmdir(OBSERVER_PIN_DIR);
	return n;
}

void observer_stop(struct observer *ob)
{
	if (!ob)
		return;
	if (ob->pinned)
		observer_remove_stale_pins();
	ring_buffer__free(ob->rb);
	fault_feed_free(ob->feed);
	migrations_bpf__destroy(ob->mg);
	hint_faults_bpf__destroy(ob->hf);
	free(ob);
}

const char *observer_hooks(const struct observer *ob)
{
	return ob->hooks;
}

enum heat_hook observer_hook(const struct observer *ob)
{
	return ob->hook;
}

const struct observer_maps *observer_maps(const struct observer *ob)
{
	return &ob->maps;
}

int observer_poll(struct observer *ob, int timeout_ms, observer_event_fn fn, void *ctx)
{
	ob->event_fn = fn;
	ob->event_ctx = ctx;
	return ring_buffer__poll(ob->rb, timeout_ms);
}

int observer_faults_take(struct observer *ob, struct heat_batch *out, __u64 *lost)
{
	int err;

	if (!ob->feed)
		return -ENOENT;
	err = ring_buffer__consume(ob->rb);
	if (err < 0)
		return err;
	fault_feed_take(ob->feed, out);
	*lost = fault_feed_lost(ob->feed);
	return 0;
}

int observer_maps_open_pinned(struct observer_maps *m)
{
	int *fds[] = { &m->page_heat,	  &m->pid_filter, &m->fault_stats,
		       &m->migrate_stats, &m->run_info,	  &m->next_touch };
	char path[128];
	size_t i;
	int err;

	*m = (struct observer_maps)OBSERVER_MAPS_CLOSED;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", OBSERVER_PIN_DIR, pin_names[i]);
		*fds[i] = bpf_obj_get(path);
		/* An --observe-only instance pins no next_touch. */
		if (*fds[i] < 0 && fds[i] == &m->next_touch && *fds[i] == -ENOENT) {
			*fds[i] = -1;
			continue;
		}
		if (*fds[i] < 0) {
			err = *fds[i];
			*fds[i] = -1;
			observer_maps_close(m);
			return err;
		}
	}
	return 0;
}

void observer_maps_close(struct observer_maps *m)
{
	int *fds[] = { &m->page_heat,	  &m->pid_filter, &m->fault_stats,
		       &m->migrate_stats, &m->run_info,	  &m->next_touch };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int observer_filter_add(const struct observer_maps *m, const struct proc_ident *id)
{
	struct filter_val val = { .start_time = id->start_time };
	__u32 tgid = id->tgid;

	/* Attached already (a second attach): keep the scans it holds. */
	if (!bpf_map_lookup_elem(m->pid_filter, &tgid, &val) && val.start_time == id->start_time)
		return 0;
	memset(&val, 0, sizeof(val));
	val.start_time = id->start_time;
	return bpf_map_update_elem(m->pid_filter, &tgid, &val, BPF_ANY);
}

int observer_filter_del(const struct observer_maps *m, __u32 tgid)
{
	return bpf_map_delete_elem(m->pid_filter, &tgid);
}

int observer_filter_list(const struct observer_maps *m, struct filter_entry **out, size_t *n)
{
	struct filter_entry *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	__u32 key, next;
	int err;
	void *prev = NULL;

	while (!(err = bpf_map_get_next_key(m->pid_filter, prev, &next))) {
		key = next;
		prev = &key;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].tgid = key;
		if (bpf_map_lookup_elem(m->pid_filter, &key, &v[cnt].val))
			continue; /* deleted meanwhile */
		cnt++;
	}
	if (err != -ENOENT) {
		free(v);
		return err;
	}
	*out = v;
	*n = cnt;
	return 0;
}

__u64 filter_newest_scan(const struct filter_entry *f, size_t n)
{
	__u64 ns = 0;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < f[i].val.scan.used && j < PAUTONUMA_SCAN_SLOTS; j++)
			if (f[i].val.scan.r[j].ns > ns)
				ns = f[i].val.scan.r[j].ns;
	return ns;
}

int observer_last_scan_ns(const struct observer_maps *m, __u64 *ns)
{
	struct filter_entry *f;
	size_t n;
	int err;

	err = observer_filter_list(m, &f, &n);
	if (err)
		return err;
	*ns = filter_newest_scan(f, n);
	free(f);
	return 0;
}

/* Sum a per-CPU array's entry 0, a struct of __u64 counters of @size bytes. */
static int read_percpu_sum(int fd, void *out, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u64 *sum = out, *vals;
	size_t j, words = size / sizeof(__u64);
	__u32 zero = 0;
	int err;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, size);
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, &zero, vals);
	if (!err) {
		memset(out, 0, size);
		for (i = 0; i < ncpu; i++)
			for (j = 0; j < words; j++)
				sum[j] += vals[i * words + j];
	}
	free(vals);
	return err;
}

int observer_read_stats(const struct observer_maps *m, struct observer_stats *out)
{
	int err;

	_Static_assert(sizeof(struct fault_stats) % 8 == 0, "u64 counters only");
	_Static_assert(sizeof(struct migrate_stats) % 8 == 0, "u64 counters only");
	err = read_percpu_sum(m->fault_stats, &out->fault, sizeof(out->fault));
	if (!err)
		err = read_percpu_sum(m->migrate_stats, &out->migrate, sizeof(out->migrate));
	return err;
}

int observer_read_run_info(const struct observer_maps *m, struct run_info *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->run_info, &zero, out);
}

int observer_write_run_info(const struct observer_maps *m, const struct run_info *in)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->run_info, &zero, in, BPF_ANY);
}

static int heat_iterate(int fd, struct heat_key *keys, struct heat_val *vals, size_t cap, size_t *n)
{
	struct heat_key key, *prev = NULL;
	size_t cnt = 0;
	int err;

	while (cnt < cap && !(err = bpf_map_get_next_key(fd, prev, &keys[cnt]))) {
		key = keys[cnt];
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &keys[cnt], &vals[cnt]))
			cnt++;
	}
	*n = cnt;
	return cnt == cap || err == -ENOENT ? 0 : err;
}

int observer_heat_read(const struct observer_maps *m, struct heat_key **keys,
		       struct heat_val **vals, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct bpf_map_info info = {};
	struct heat_key batch; /* the kernel's batch token fits in a key */
	__u32 info_len = sizeof(info), count;
	struct heat_key *k = NULL;
	struct heat_val *v = NULL;
	size_t cnt = 0, cap;
	bool first = true;
	int err;

	err = bpf_obj_get_info_by_fd(m->page_heat, &info, &info_len);
	if (err)
		return err;
	cap = info.max_entries;
	/*
	 * Not calloc: the kernel fills what it returns, and zeroing buffers
	 * for every possible entry (29 MB at 256 Ki) each interval was most of
	 * the read's CPU time once the heap reused them.
	 */
	k = malloc(cap * sizeof(*k));
	v = malloc(cap * sizeof(*v));
	if (!k || !v) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (cnt < cap) {
		count = cap - cnt;
		err = bpf_map_lookup_batch(m->page_heat, first ? NULL : &batch, &batch, k + cnt,
					   v + cnt, &count, &opts);
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -EOPNOTSUPP)) {
				err = heat_iterate(m->page_heat, k, v, cap, &cnt);
				break;
			}
			/* Entries added while reading overflowed the buffer: keep what we have. */
			if (err == -ENOSPC && !first) {
				err = 0;
				break;
			}
			goto cleanup;
		}
		first = false;
		cnt += count;
		if (err == -ENOENT) {
			err = 0;
			break;
		}
	}
	if (err)
		goto cleanup;
	*keys = k;
	*vals = v;
	*n = cnt;
	return 0;
cleanup:
	free(v);
	free(k);
	return err;
}

int observer_next_touch_mark(const struct observer_maps *m, const struct next_touch_key *k,
			     const struct next_touch_val *v)
{
	if (m->next_touch < 0)
		return -ENOENT;
	return bpf_map_update_elem(m->next_touch, k, v, BPF_ANY);
}

int observer_next_touch_del(const struct observer_maps *m, const struct next_touch_key *k)
{
	if (m->next_touch < 0)
		return -ENOENT;
	return bpf_map_delete_elem(m->next_touch, k);
}

int observer_next_touch_list(const struct observer_maps *m, struct next_touch_key **keys,
			     struct next_touch_val **vals, size_t *n)
{
	struct next_touch_key *k = NULL, *prev = NULL, cur;
	struct next_touch_val *v = NULL;
	size_t cnt = 0, cap = 0;
	int err;

	*keys = NULL;
	*vals = NULL;
	*n = 0;
	if (m->next_touch < 0)
		return -ENOENT;
	while (!(err = bpf_map_get_next_key(m->next_touch, prev, &cur))) {
		if (cnt == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *nk = realloc(k, ncap * sizeof(*k)), *nv;

			if (nk)
				k = nk;
			nv = nk ? realloc(v, ncap * sizeof(*v)) : NULL;
			if (!nv) {
				free(k);
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		k[cnt] = cur;
		prev = &k[cnt];
		if (!bpf_map_lookup_elem(m->next_touch, &k[cnt], &v[cnt]))
			cnt++; /* else deleted meanwhile: its slot is reused */
	}
	if (err != -ENOENT) {
		free(k);
		free(v);
		return err;
	}
	*keys = k;
	*vals = v;
	*n = cnt;
	return 0;
}

void observer_reason_names(char names[PAUTONUMA_MAX_REASONS][OBSERVER_REASON_LEN])
{
	/*
	 * Parsed once per process: loading the kernel's BTF each interval was
	 * 95% of the interval report's CPU time (the names cannot change).
	 */
	static char cache[PAUTONUMA_MAX_REASONS][OBSERVER_REASON_LEN];
	static bool cached;
	const struct btf_enum *e;
	const struct btf_type *t;
	struct btf *btf;
	int i, id;

	if (!cached) {
		for (i = 0; i < PAUTONUMA_MAX_REASONS; i++)
			snprintf(cache[i], OBSERVER_REASON_LEN, "reason%d", i);
		btf = btf__load_vmlinux_btf();
		id = btf ? btf__find_by_name_kind(btf, "migrate_reason", BTF_KIND_ENUM) : -1;
		t = id > 0 ? btf__type_by_id(btf, id) : NULL;
		for (i = 0, e = t ? btf_enum(t) : NULL; t && i < btf_vlen(t); i++, e++)
			if (e->val >= 0 && e->val < PAUTONUMA_MAX_REASONS)
				reason_name_from_enum(btf__name_by_offset(btf, e->name_off),
						      cache[e->val], OBSERVER_REASON_LEN);
		btf__free(btf);
		cached = true;
	}
	memcpy(names, cache, sizeof(cache));
}
