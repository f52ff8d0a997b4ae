#!/bin/bash
# Observer overhead: fault_loop (map, write, unmap BENCH_MIB MiB: page faults
# only) without and with the observer attached to it, alternating in one
# boot. Rounds run in the order plain-observed, observed-plain, ... (ABBA:
# a drift of the machine's speed cancels out); each observed run is under a
# fresh observer, which is fully unloaded before the next run starts. The
# ratio is the median over rounds of with/without within the round.
#
# Speed is pages per CPU second of the loop itself: it includes all kernel
# work done on the loop's behalf (faults, BPF programs, NUMA scanning), not
# the time other processes of a shared machine hold the CPU. Wall-clock
# speed is printed too.
#
# Before each run the knobs the observer changes (and those that would
# change the loop's speed) are compared with their values before the first
# run; any difference is a leftover of the previous run, reported as such,
# and makes the figure INVALID (exit 1).
#
# kernel.bpf_stats_enabled is off in the rounds (it costs time itself); one
# more observed run with it on gives each program's average run time.
# Env: BENCH_ROUNDS (8), BENCH_SECONDS (2), BENCH_MIB (64).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRC/build}
PAUTONUMA=$BUILD/pautonuma
LOOP=$BUILD/tests/progs/fault_loop
ROUNDS=${BENCH_ROUNDS:-8}
SECS=${BENCH_SECONDS:-2}
MIB=${BENCH_MIB:-64}
PIN=/sys/fs/bpf/pautonuma
STATS=/proc/sys/kernel/bpf_stats_enabled
# The observer's program names: 15 characters, or whole where bpftool has BTF.
PROGS="fault_user hint_fault_fent hint_fault_kpro numa_fault_fent numa_fault_kpro proc_exit
hint_fault_fentry hint_fault_kprobe numa_fault_fentry numa_fault_kprobe
migrate_pages move_numa swap_numa"

if [ "$(id -u)" -ne 0 ]; then
	echo "observer bench: needs root (skipped)"
	exit 0
fi
for f in "$PAUTONUMA" "$LOOP"; do
	[ -x "$f" ] || { echo "observer bench: $f not built (make bench builds it)" >&2; exit 1; }
done
for i in $(seq 120); do [ -e "$PIN" ] || break; sleep 1; done
if [ -e "$PIN" ]; then
	echo "observer bench: an observer is running ($PIN) and did not stop within 2 min" >&2
	exit 1
fi
tmp=$(mktemp -d)
old_stats=$(cat $STATS)
run_pid=
finish() {
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid"
	echo "$old_stats" >$STATS
	rm -rf "$tmp"
}
trap finish EXIT
echo 0 >$STATS

# Loaded BPF programs with the observer's names (a leftover, or another
# instance, when no observer of ours runs).
observer_progs() {
	bpftool prog show 2>/dev/null | awk -v names="$PROGS" '
		BEGIN { n = split(names, a); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		/^[0-9]+:/ { for (i = 1; i < NF; i++) if ($i == "name" && want[$(i + 1)]) print $1, $(i + 1) }'
}

# Everything the observer changes or that changes the loop's speed.
knobs() {
	local f
	for f in /proc/sys/kernel/numa_balancing /proc/sys/kernel/numa_balancing_* \
		/sys/kernel/debug/sched/numa_balancing/* /sys/kernel/mm/numa/demotion_enabled \
		/sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag \
		$STATS; do
		[ -f "$f" ] && [ -r "$f" ] && echo "$f = $(cat "$f")"
	done
	echo "pins in $PIN = $(ls -A "$PIN" 2>/dev/null | tr '\n' ' ')"
	echo "observer programs loaded = $(observer_progs | awk '{print $2}' | tr '\n' ' ')"
}

# Running (a child that exited stays a zombie until waited for).
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }

vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }

# Programs of the running observer (those using its pinned maps):
# "name runs run_time_ns" lines.
prog_stats() {
	local ids m
	ids=$(for m in page_heat pid_filter fault_stats migrate_stats run_info; do
		bpftool map show pinned "$PIN/$m" | awk -F: 'NR == 1 {print $1}'
	done | tr '\n' ' ')
	bpftool prog show | awk -v ids="$ids" '
		BEGIN { n = split(ids, a); for (i = 1; i <= n; i++) ours[a[i]] = 1 }
		/^[0-9]+:/ {
			name = ""; ns = 0; cnt = 0
			for (i = 1; i < NF; i++) {
				if ($i == "name") name = $(i + 1)
				if ($i == "run_time_ns") ns = $(i + 1)
				if ($i == "run_cnt") cnt = $(i + 1)
			}
		}
		/map_ids/ {
			for (i = 1; i < NF; i++) if ($i == "map_ids") {
				k = split($(i + 1), m, ",")
				for (j = 1; j <= k; j++) if (m[j] in ours) { print name, cnt, ns; break }
			}
		}'
}

knobs >"$tmp/knobs.0"
hint0=0 pte0=0

# One run of fault_loop ($1 = plain or observed) -> "$tmp/result":
# "PAGES_PER_CPU_S PAGES_PER_S". Observed: under a fresh observer that has
# the loop attached before it starts (held on a fifo; exec keeps the PID and
# start time), stopped and unloaded after it.
one_run() {
	local mode=$1 wl h0 p0 i
	knobs >"$tmp/knobs.now"
	if ! cmp -s "$tmp/knobs.0" "$tmp/knobs.now"; then
		echo "observer bench: INVALID: before a $mode run, state differs from before the first run:" >&2
		diff "$tmp/knobs.0" "$tmp/knobs.now" | sed -n 's/^[<>]/  &/p' >&2
		return 1
	fi
	if [ "$mode" = observed ]; then
		# Another user's instance (a shared machine) makes it exit 4: wait.
		for i in $(seq 120); do
			"$PAUTONUMA" run --observe-only --interval 3600 >"$tmp/run.out" 2>&1 &
			run_pid=$!
			while alive "$run_pid" && [ ! -e "$PIN/run_info" ]; do sleep 0.1; done
			alive "$run_pid" && break
			wait "$run_pid"
			[ $? = 4 ] || break
			run_pid=
			sleep 1
		done
		[ -n "$run_pid" ] && [ -e "$PIN/run_info" ] || { echo "observer bench: the observer did not start:" >&2; cat "$tmp/run.out" >&2; return 1; }
	fi
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	(read -r _ <"$tmp/go"; exec "$LOOP" "$MIB" "$SECS") >"$tmp/loop.out" &
	wl=$!
	if [ "$mode" = observed ]; then
		"$PAUTONUMA" attach "$wl" >/dev/null || return 1
	fi
	h0=$(vmstat numa_hint_faults) p0=$(vmstat numa_pte_updates)
	echo go >"$tmp/go"
	wait "$wl" || { echo "observer bench: fault_loop failed" >&2; return 1; }
	if [ "$mode" = observed ]; then
		hint0=$((hint0 + $(vmstat numa_hint_faults) - h0))
		pte0=$((pte0 + $(vmstat numa_pte_updates) - p0))
		[ "$(cat $STATS)" = 1 ] && prog_stats >"$tmp/progs"
		# A signal just before its poll starts waits out the interval: repeat it.
		for i in $(seq 30); do
			alive "$run_pid" || break
			kill -INT "$run_pid"
			for _ in $(seq 20); do alive "$run_pid" || break; sleep 0.1; done
		done
		wait "$run_pid" || { echo "observer bench: the observer failed:" >&2; cat "$tmp/run.out" >&2; return 1; }
		run_pid=
		# Its programs and maps go after the last reference: wait for that.
		for i in $(seq 100); do [ -z "$(observer_progs)" ] && break; sleep 0.1; done
	fi
	awk '/^pages_per_cpu_s/ {c = $2} /^pages_per_s/ {w = $2} END {print c, w}' \
		"$tmp/loop.out" >"$tmp/result"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

where="host"
[ -n "${RIG_SLOW_NODE:-}" ] && where="VM rig"
echo "observer overhead on $where, kernel $(uname -r): fault_loop $MIB MiB, $SECS s per run, $ROUNDS rounds"
# Warm-up (not counted): page cache, and the first load of the programs.
one_run plain && one_run observed || exit 1
hint0=0 pte0=0
pc=() pw=() oc=() ow=() rc=() rw=() after_obs=() after_plain=()
prev=observed
for r in $(seq "$ROUNDS"); do
	order="plain observed"
	[ $((r % 2)) = 0 ] && order="observed plain"
	for mode in $order; do
		one_run "$mode" || exit 1
		read -r c w <"$tmp/result"
		if [ "$mode" = plain ]; then
			pc+=("$c") pw+=("$w")
			if [ "$prev" = observed ]; then after_obs+=("$c"); else after_plain+=("$c"); fi
		else
			oc+=("$c") ow+=("$w")
		fi
		prev=$mode
	done
	rc+=("$(div "${oc[-1]}" "${pc[-1]}")") rw+=("$(div "${ow[-1]}" "${pw[-1]}")")
	echo "round $r ($order): without ${pc[-1]} pages/cpu-s (${pw[-1]} pages/s wall), with ${oc[-1]} pages/cpu-s (${ow[-1]} wall): ratio ${rc[-1]} (wall ${rw[-1]})"
done
echo 1 >$STATS
knobs >"$tmp/knobs.0" # the one intended change
one_run observed || exit 1
read -r stats_c stats_w <"$tmp/result"
echo 0 >$STATS

ratio=$(awk -v r="$(median "${rc[@]}")" 'BEGIN {printf "%.3f", r}')
hook=$(grep -o 'hooks: [a-z]*' "$tmp/run.out" | head -n 1)
echo "observer overhead ($hook; median of $ROUNDS rounds):"
echo "  speed: without $(median "${pc[@]}") pages/cpu-s, with $(median "${oc[@]}") pages/cpu-s"
echo "  wall-clock: without $(median "${pw[@]}") pages/s, with $(median "${ow[@]}") pages/s, ratio $(median "${rw[@]}") (shared machine: other processes' CPU time included)"
echo "  carry-over check: runs without, right after an observed run $(median "${after_obs[@]}") pages/cpu-s, after a run without $(median "${after_plain[@]:-0}")"
echo "  NUMA hint faults during the observed runs: $hint0 (numa_pte_updates $pte0)"
echo "  ratio $ratio (target >= 0.97: $(awk -v r="$ratio" 'BEGIN {print (r >= 0.97) ? "met" : "NOT met"}'))"
echo "  per-program average run time (kernel.bpf_stats_enabled, one more observed run, all processes):"
awk '{c[$1] += $2; t[$1] += $3} END {for (n in c) printf "    %-16s %10d runs %s\n", n, c[n], c[n] ? sprintf("%8.1f ns/run", t[n] / c[n]) : "(not run)"}' \
	"$tmp/progs" | sort
awk -v c="$stats_c" -v w="$stats_w" -v secs="$SECS" '{t += $3} END {
	cpu_ns = w * secs / c * 1e9
	printf "  all BPF run time in that run: %.2f ms, %.2f%% of the loop'\''s CPU time (an upper bound: it includes other processes)\n",
		t / 1e6, 100 * t / cpu_ns}' "$tmp/progs"
