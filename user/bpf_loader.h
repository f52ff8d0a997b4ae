/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observer's BPF side, seen from user space: load, attach and pin the
 * programs of bpf/, or open the maps a running instance pinned. The only
 * module that knows libbpf.
 */
#ifndef PAUTONUMA_BPF_LOADER_H
#define PAUTONUMA_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pautonuma_maps.h"
#include "proc_ident.h"

#define OBSERVER_PIN_DIR "/sys/fs/bpf/pautonuma"
#define OBSERVER_REASON_LEN 32

struct observer;

struct observer_opts {
	bool observe_all;
	__u32 heat_entries; /* 0: PAUTONUMA_HEAT_ENTRIES */
	bool verbose; /* show libbpf's messages */
	bool next_touch; /* pin next_touch too: a daemon that moves pages runs */
	bool heat_on_node; /* allocate page_heat on heat_node (the slow tier) */
	__u32 heat_node;
	/*
	 * Hand each hint fault to observer_faults_take() through a ring (a
	 * daemon runs); page_heat then accumulates as without a daemon.
	 */
	bool fault_feed;
};

/* Kernel memory of page_heat and, with fault_feed, the fault ring @o asks for, MiB (an estimate). */
unsigned int observer_heat_map_mib(const struct observer_opts *o);
/*
 * Size of the fault ring with @o->fault_feed: room for a fault of each page
 * page_heat holds (the daemon may be busy moving pages for a while), a power
 * of two from 1 to 256 MiB.
 */
__u32 observer_fault_ring_bytes(const struct observer_opts *o);

/* File descriptors of the pinned maps; -1 when closed. */
struct observer_maps {
	int page_heat;
	int pid_filter;
	int fault_stats;
	int migrate_stats;
	int run_info;
	int next_touch; /* -1 also when the running instance pinned none (--observe-only) */
};

/* Every descriptor closed: the initializer of struct observer_maps. */
#define OBSERVER_MAPS_CLOSED           \
	{                              \
		-1, -1, -1, -1, -1, -1 \
	}

/* Summed over CPUs. */
struct observer_stats {
	struct fault_stats fault;
	struct migrate_stats migrate;
};

struct filter_entry {
	__u32 tgid;
	__u32 pad;
	struct filter_val val;
};

typedef void (*observer_event_fn)(void *ctx, const struct event *e);

/* Is bpffs mounted at /sys/fs/bpf? If not, mount it (@mounted set). 0 or -errno. */
int observer_bpffs_ensure(bool *mounted);

/*
 * Load the programs, attaching the best hooks this kernel allows (fentry,
 * then kprobe, then tracepoints), and pin the maps under OBSERVER_PIN_DIR.
 * Returns 0 or -errno; on failure @why holds a one-line reason.
 */
int observer_start(const struct observer_opts *opts, struct observer **out, char *why,
		   size_t why_len);
/* Unpin and unload. Accepts NULL. */
void observer_stop(struct observer *ob);
/* One line: the hooks in use and, if degraded, what is lost and why. */
const char *observer_hooks(const struct observer *ob);
enum heat_hook observer_hook(const struct observer *ob);
const struct observer_maps *observer_maps(const struct observer *ob);
/*
 * Wait up to @timeout_ms for ring-buffer events (and, with fault_feed, take
 * in the faults on the way). Returns records seen or -errno (-EINTR on signal).
 */
int observer_poll(struct observer *ob, int timeout_ms, observer_event_fn fn, void *ctx);

struct heat_batch;

/*
 * With fault_feed: the faults since the last take, summed per page, after
 * draining the ring. *@out stays the observer's, valid until its next poll
 * or take. *@lost: of those, faults lost (no memory to sum them; those the
 * ring had no room for are in fault_stats). 0 or -errno.
 */
int observer_faults_take(struct observer *ob, struct heat_batch *out, __u64 *lost);

/* Remove pins left by an instance that died. Returns the number removed. */
int observer_remove_stale_pins(void);

/* Open the maps of the running instance: 0, -ENOENT if none runs, or -errno. */
int observer_maps_open_pinned(struct observer_maps *m);
void observer_maps_close(struct observer_maps *m);

int observer_filter_add(const struct observer_maps *m, const struct proc_ident *id);
/* -ENOENT if @tgid was not in the filter. */
int observer_filter_del(const struct observer_maps *m, __u32 tgid);
/* Caller frees *@out. */
int observer_filter_list(const struct observer_maps *m, struct filter_entry **out, size_t *n);
/*
 * The newest NUMA scan of any of the @n processes (bpf_ktime_get_ns(), i.e.
 * CLOCK_MONOTONIC), 0 if none was seen; observer_last_scan_ns() lists them.
 */
__u64 filter_newest_scan(const struct filter_entry *f, size_t n);
int observer_last_scan_ns(const struct observer_maps *m, __u64 *ns);
int observer_read_stats(const struct observer_maps *m, struct observer_stats *out);
int observer_read_run_info(const struct observer_maps *m, struct run_info *out);
int observer_write_run_info(const struct observer_maps *m, const struct run_info *in);
/*
 * Read the whole page_heat map (batch lookup, or key iteration where the
 * kernel has no batch ops). Caller frees *@keys and *@vals.
 */
int observer_heat_read(const struct observer_maps *m, struct heat_key **keys,
		       struct heat_val **vals, size_t *n);

/* Mark pages for next-touch (replaces the mark of the same range): 0, -E2BIG full, -errno. */
int observer_next_touch_mark(const struct observer_maps *m, const struct next_touch_key *k,
			     const struct next_touch_val *v);
/* -ENOENT if there was no such mark. */
int observer_next_touch_del(const struct observer_maps *m, const struct next_touch_key *k);
/* Every mark; the caller frees *@keys and *@vals. -ENOENT when next_touch is not open. */
int observer_next_touch_list(const struct observer_maps *m, struct next_touch_key **keys,
			     struct next_touch_val **vals, size_t *n);

/* Names of the kernel's migrate_reason values, from its BTF; unknown ones "reasonN". */
void observer_reason_names(char names[PAUTONUMA_MAX_REASONS][OBSERVER_REASON_LEN]);

#endif
