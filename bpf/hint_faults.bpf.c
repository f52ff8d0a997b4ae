// SPDX-License-Identifier: GPL-2.0
/*
 * Per-page heat of NUMA hint faults.
 *
 * hint_fault_*   the address of each hint-faulted page: the third argument
 *                of numa_migrate_check() (6.10+) or numa_migrate_prep()
 *                (older); the loader retargets the program to the one the
 *                running kernel has. fentry, or kprobe where fentry is refused.
 * numa_fault_*   task_numa_fault(last_cpupid, node, pages, flags): the
 *                outcome of the same fault (page node, migrated or not).
 * fault_user     fallback when neither fentry nor kprobe works: the
 *                exceptions:page_fault_user tracepoint, protection faults only.
 * scan_*         change_prot_numa(vma, start, end): the NUMA scanner
 *                protecting a range of the process; its time gives each
 *                later hint fault in the range its latency.
 * proc_exit      drops an attached process from pid_filter when it exits.
 *
 * With fault_feed set (a daemon runs), each hint fault is also put on
 * fault_ring once its outcome is known: the daemon sums them per page.
 *
 * next_touch is only declared here, so that it is pinned with the others
 * and has BTF for bpftool: user space writes and reads it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pautonuma_maps.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool observe_all = false;
/* Put every hint fault on fault_ring, and wake its reader from this many bytes on. */
const volatile bool fault_feed = false;
const volatile __u64 feed_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUTONUMA_HEAT_ENTRIES);
	__type(key, struct heat_key);
	__type(value, struct heat_val);
} page_heat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAUTONUMA_FILTER_ENTRIES);
	__type(key, __u32);
	__type(value, struct filter_val);
} pid_filter SEC(".maps");

/*
 * The hint fault a thread is in, until task_numa_fault() (key.tgid 0:
 * none). Task storage rather than a hash keyed by TID: it halved the
 * outcome hook's cost per hint fault (LRU hash update, lookup and delete).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct heat_fault);
} pending SEC(".maps");

/* The scans of each process when observing all (else in pid_filter). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUTONUMA_FILTER_ENTRIES);
	__type(key, __u32);
	__type(value, struct scan_ranges);
} scan_ranges SEC(".maps");

/* Template for a new scan_ranges entry (too large for the BPF stack). */
static const struct scan_ranges no_ranges;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fault_stats);
} fault_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct run_info);
} run_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAUTONUMA_NEXT_TOUCH_ENTRIES);
	__type(key, struct next_touch_key);
	__type(value, struct next_touch_val);
} next_touch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* Sized by the loader (observer_fault_ring_bytes()) with fault_feed, else a page. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} fault_ring SEC(".maps");

static __always_inline struct fault_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fault_stats, &zero);
}

/*
 * Is @tgid observed? If so, *@sr is its scans: in its pid_filter value, or,
 * observing all, in scan_ranges (made if @create), NULL if none yet.
 */
static __always_inline bool observed(__u32 tgid, struct scan_ranges **sr, bool create)
{
	struct filter_val *fv;

	*sr = NULL;
	if (!tgid)
		return false;
	if (!observe_all) {
		fv = bpf_map_lookup_elem(&pid_filter, &tgid);
		if (fv)
			*sr = &fv->scan;
		return fv;
	}
	*sr = bpf_map_lookup_elem(&scan_ranges, &tgid);
	if (!*sr && create) {
		bpf_map_update_elem(&scan_ranges, &tgid, &no_ranges, BPF_NOEXIST);
		*sr = bpf_map_lookup_elem(&scan_ranges, &tgid);
	}
	return true;
}

/* Microseconds since the last scan of the range holding @addr (>= 1), or 0. */
static __always_inline __u32 scan_latency_us(const struct scan_ranges *sr, __u64 addr, __u64 now)
{
	__u64 scanned = 0, us;
	__u32 i, used;

	if (!sr)
		return 0;
	/* Only the filled slots: most processes have a few scanned ranges. */
	used = sr->used;
	for (i = 0; i < PAUTONUMA_SCAN_SLOTS && i < used; i++) {
		const struct scan_range *r = &sr->r[i];

		if (addr >= r->start && addr < r->end && r->ns > scanned)
			scanned = r->ns;
	}
	if (!scanned || scanned > now)
		return 0;
	us = (now - scanned) / 1000;
	return us >= 0xffffffffULL ? 0xffffffffU : us ? (__u32)us : 1;
}

static __always_inline int record_scan(__u64 start, __u64 end)
{
	struct scan_ranges *sr;
	__u32 i, slot, used;

	if (!observed(bpf_get_current_pid_tgid() >> 32, &sr, true) || !sr)
		return 0;
	/* The same VMA is scanned from the same start each pass: reuse its slot. */
	used = sr->used;
	slot = PAUTONUMA_SCAN_SLOTS;
	for (i = 0; i < PAUTONUMA_SCAN_SLOTS && i < used; i++)
		if (sr->r[i].start == start)
			slot = i;
	if (slot >= PAUTONUMA_SCAN_SLOTS) {
		slot = sr->next++ % PAUTONUMA_SCAN_SLOTS;
		if (used < PAUTONUMA_SCAN_SLOTS)
			sr->used = used + 1;
	}
	sr->r[slot].start = start;
	sr->r[slot].end = end;
	sr->r[slot].ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * Hand @f to the daemon. Its reader is woken only once the ring holds
 * feed_wakeup_bytes: it drains the ring each interval anyway, and a wake-up
 * per fault would cost more than the read it replaces.
 */
static __always_inline void feed(struct fault_stats *st, const struct heat_fault *f)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&fault_ring, BPF_RB_AVAIL_DATA) >= feed_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&fault_ring, (void *)f, sizeof(*f), flags))
		__sync_fetch_and_add(&st->ring_lost, 1);
	else
		__sync_fetch_and_add(&st->ring_faults, 1);
}

static __always_inline int record_fault(__u64 addr, bool pair)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct heat_key key = { .tgid = id >> 32, .addr = addr & ~4095ULL };
	struct heat_fault f, *p;
	struct scan_ranges *sr;
	struct fault_stats *st;
	struct heat_val *val;
	__u32 nid, cpu, lat;
	__u64 now;

	if (!observed(key.tgid, &sr, false))
		return 0;
	st = stats();
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	val = bpf_map_lookup_elem(&page_heat, &key);
	if (!val) {
		struct heat_val init = { .first_ns = now, .node = -1, .last_cpu_node = -1 };

		bpf_map_update_elem(&page_heat, &key, &init, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&page_heat, &key);
		if (!val) {
			__sync_fetch_and_add(&st->heat_full, 1);
			return 0;
		}
	}
	cpu = nid = bpf_get_numa_node_id();
	val->last_cpu_node = cpu;
	if (nid >= PAUTONUMA_MAX_NODES)
		nid = PAUTONUMA_MAX_NODES - 1;
	__sync_fetch_and_add(&val->faults, 1);
	__sync_fetch_and_add(&val->faults_by_node[nid], 1);
	val->last_ns = now;
	lat = scan_latency_us(sr, key.addr, now);
	if (lat) {
		__sync_fetch_and_add(&val->lat_faults, 1);
		if (!val->lat_min_us || lat < val->lat_min_us)
			val->lat_min_us = lat;
		if (lat > val->lat_max_us)
			val->lat_max_us = lat;
	}
	__sync_fetch_and_add(&st->hint_faults, 1);
	if (!pair && !fault_feed)
		return 0;
	f = (struct heat_fault){
		.key = key, .ns = now, .lat_us = lat, .cpu_node = cpu, .node = -1
	};
	if (!pair) {
		feed(st, &f); /* no outcome follows */
		return 0;
	}
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p)
		return 0;
	/* A fault whose outcome never came still counts. */
	if (fault_feed && p->key.tgid)
		feed(st, p);
	*p = f;
	return 0;
}

static __always_inline int record_outcome(int node, int pages, int flags)
{
	struct fault_stats *st = stats();
	struct scan_ranges *sr;
	struct heat_fault *p;
	struct heat_val *val;
	struct heat_key key;

	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);
	if (!p || !p->key.tgid) {
		if (st && observed(bpf_get_current_pid_tgid() >> 32, &sr, false))
			__sync_fetch_and_add(&st->unpaired, 1);
		return 0;
	}
	key = p->key;
	if (fault_feed && st) {
		p->node = node;
		p->pages = pages;
		p->flags = flags;
		feed(st, p);
	}
	p->key.tgid = 0;
	val = bpf_map_lookup_elem(&page_heat, &key);
	if (!val)
		return 0;
	val->node = node;
	val->pages = pages;
	if (flags & PAUTONUMA_TNF_FAULT_LOCAL)
		__sync_fetch_and_add(&val->local_faults, 1);
	if (flags & PAUTONUMA_TNF_MIGRATED)
		__sync_fetch_and_add(&val->migrate_ok, 1);
	if (flags & PAUTONUMA_TNF_MIGRATE_FAIL)
		__sync_fetch_and_add(&val->migrate_fail, 1);
	if (st)
		__sync_fetch_and_add(&st->outcomes, 1);
	return 0;
}

SEC("fentry/numa_migrate_check")
int BPF_PROG(hint_fault_fentry, void *folio, void *vmf, unsigned long addr)
{
	return record_fault(addr, true);
}

SEC("kprobe/numa_migrate_check")
int BPF_KPROBE(hint_fault_kprobe, void *folio, void *vmf, unsigned long addr)
{
	return record_fault(addr, true);
}

SEC("fentry/task_numa_fault")
int BPF_PROG(numa_fault_fentry, int last_cpupid, int node, int pages, int flags)
{
	return record_outcome(node, pages, flags);
}

SEC("kprobe/task_numa_fault")
int BPF_KPROBE(numa_fault_kprobe, int last_cpupid, int node, int pages, int flags)
{
	return record_outcome(node, pages, flags);
}

SEC("fentry/change_prot_numa")
int BPF_PROG(scan_fentry, void *vma, unsigned long start, unsigned long end)
{
	return record_scan(start, end);
}

SEC("kprobe/change_prot_numa")
int BPF_KPROBE(scan_kprobe, void *vma, unsigned long start, unsigned long end)
{
	return record_scan(start, end);
}

SEC("raw_tp/page_fault_user")
int BPF_PROG(fault_user, unsigned long addr, struct pt_regs *regs, unsigned long error_code)
{
	/* A hint fault hits a present PROT_NONE page; first touches do not. */
	if (!(error_code & PAUTONUMA_X86_PF_PROT))
		return 0;
	return record_fault(addr, false);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(proc_exit)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct fault_stats *st;
	struct event *e;

	if (!bpf_map_lookup_elem(&pid_filter, &tgid))
		return 0;
	/* signal->live drops to 0 before the tracepoint when the last thread exits. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (bpf_map_delete_elem(&pid_filter, &tgid))
		return 0;
	st = stats();
	if (st)
		__sync_fetch_and_add(&st->filter_exits, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return 0;
	}
	e->type = EVENT_FILTER_EXIT;
	e->tgid = tgid;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}
