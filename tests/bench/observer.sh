#!/bin/bash
# Observer overhead: fault_loop without and with the observer attached to
# it, alternating in one boot. With BENCH_NODE (in the VM rig: the slow,
# CPU-less node) the loop's BENCH_MIB MiB are bound there and written page
# by page every BENCH_PERIOD_MS (fault_loop --node --period-ms): the NUMA
# scanner, every BENCH_SCAN_MS, protects them all again between two passes,
# so each write is a NUMA hint fault, which the kernel never resolves by a
# migration; hint faults go on for the whole run and the observer's
# hint-fault, outcome and scan hooks run all the time. Speed is then that of
# hint faults (CPU time of the passes only).
# Without BENCH_NODE (the host: one node, where a single-threaded process
# takes no hint faults) the loop maps, writes and unmaps: first-touch
# faults only, which is what the host's tracepoint fallback costs every
# process. Rounds run in the order plain-observed, observed-plain, ... (ABBA:
# a drift of the machine's speed cancels out); each observed run is under a
# fresh observer, which is fully unloaded before the next run starts. The
# ratio is the median over rounds of with/without within the round.
#
# Speed is pages per CPU second of the loop itself: it includes all kernel
# work done on the loop's behalf (faults, BPF programs, NUMA scanning), not
# the time other processes of a shared machine hold the CPU. Wall-clock
# speed is printed too.
#
# NUMA balancing is on in every run, plain or observed, in the mode the
# observer sets (3 with a CPU-less node, else 1; BENCH_NUMA_BALANCING) and
# with BENCH_SCAN_MS as scan delay and period (debugfs sched/numa_balancing;
# not set where debugfs is not mounted): the observer gets the same values
# as options, so it changes nothing and only its programs differ between
# the runs. The bench restores them on exit.
#
# Before each run the knobs the observer changes (and those that would
# change the loop's speed) are compared with their values before the first
# run; any difference is a leftover of the previous run, reported as such,
# and makes the figure INVALID (exit 1).
#
# kernel.bpf_stats_enabled is off in the rounds (it costs time itself); one
# more observed run with it on gives each program's average run time.
# Hint faults per second of each run are the /proc/vmstat numa_hint_faults
# delta over the run (system-wide) by the loop's wall-clock seconds.
# BENCH_PERIOD_MS=0 with a node writes flat out instead: a loop that works
# all the time and takes hint faults at the pace the scanner sets (each page
# at most once per scan period), the overhead a busy process sees at that
# scan period, rather than the cost of a hint fault.
# Env: BENCH_ROUNDS (8), BENCH_SECONDS (2), BENCH_MIB (64; 16 with a node),
# BENCH_NODE (RIG_SLOW_NODE in the rig, else none), BENCH_PERIOD_MS (300),
# BENCH_NUMA_BALANCING, BENCH_SCAN_MS (100).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRC/build}
PAUTONUMA=$BUILD/pautonuma
LOOP=$BUILD/tests/progs/fault_loop
ROUNDS=${BENCH_ROUNDS:-8}
SECS=${BENCH_SECONDS:-2}
NODE=${BENCH_NODE-${RIG_SLOW_NODE:-}}
MIB=${BENCH_MIB:-64}
PERIOD_MS=${BENCH_PERIOD_MS:-300}
[ -n "$NODE" ] && MIB=${BENCH_MIB:-16}
SCAN_MS=${BENCH_SCAN_MS:-100}
SCAN_DIR=/sys/kernel/debug/sched/numa_balancing
PIN=/sys/fs/bpf/pautonuma
STATS=/proc/sys/kernel/bpf_stats_enabled
# The observer's program names: 15 characters, or whole where bpftool has BTF.
PROGS="fault_user hint_fault_fent hint_fault_kpro numa_fault_fent numa_fault_kpro proc_exit
hint_fault_fentry hint_fault_kprobe numa_fault_fentry numa_fault_kprobe scan_fentry scan_kprobe
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
restore=() # "FILE VALUE" of each knob the bench changed
finish() {
	local r
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid"
	echo "$old_stats" >$STATS
	for r in "${restore[@]}"; do echo "${r#* }" >"${r%% *}"; done
	rm -rf "$tmp"
}
trap finish EXIT
echo 0 >$STATS

# set FILE VALUE: for all runs, restored on exit.
set_knob() {
	restore+=("$1 $(cat "$1")")
	echo "$2" >"$1" || { echo "observer bench: cannot set $1 = $2" >&2; exit 1; }
}
# The observer's default mode (cmd_run.c default_balancing_mode()).
MODE=1
for n in /sys/devices/system/node/node*; do
	[ -z "$(tr -d ',0\n' <"$n/cpumap")" ] && MODE=3
done
MODE=${BENCH_NUMA_BALANCING:-$MODE}
set_knob /proc/sys/kernel/numa_balancing "$MODE"
run_opts=(--numa-balancing "$MODE")
if [ -d "$SCAN_DIR" ]; then
	for k in scan_delay_ms scan_period_min_ms scan_period_max_ms; do
		set_knob "$SCAN_DIR/$k" "$SCAN_MS"
	done
	run_opts+=(--scan-period-ms "$SCAN_MS")
	scan_desc="scan delay and period $SCAN_MS ms"
else
	scan_desc="scan delay and period as they are ($SCAN_DIR: no debugfs)"
fi
loop_opts=()
[ -n "$NODE" ] && loop_opts=(--node "$NODE")
[ -n "$NODE" ] && [ "$PERIOD_MS" != 0 ] && loop_opts+=(--period-ms "$PERIOD_MS")

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
# "PAGES_PER_CPU_S PAGES_PER_S HINT_FAULTS_PER_S PAGES_ON_NODE". Observed: under a fresh observer that has
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
			"$PAUTONUMA" run --observe-only --interval 3600 "${run_opts[@]}" >"$tmp/run.out" 2>&1 &
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
	(read -r _ <"$tmp/go"; exec "$LOOP" "${loop_opts[@]}" "$MIB" "$SECS") >"$tmp/loop.out" &
	wl=$!
	if [ "$mode" = observed ]; then
		"$PAUTONUMA" attach "$wl" >/dev/null || return 1
	fi
	h0=$(vmstat numa_hint_faults) p0=$(vmstat numa_pte_updates)
	echo go >"$tmp/go"
	wait "$wl" || { echo "observer bench: fault_loop failed" >&2; return 1; }
	h0=$(($(vmstat numa_hint_faults) - h0)) p0=$(($(vmstat numa_pte_updates) - p0))
	if [ "$mode" = observed ]; then
		hint0=$((hint0 + h0)) pte0=$((pte0 + p0))
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
	awk -v h="$h0" '/^pages_per_cpu_s/ {c = $2} /^pages_per_s/ {w = $2} /^seconds/ {s = $2}
		/^on_node/ {on = $3 "/" $9 (($5 + $7) ? "(" $5 "+" $7 "?)" : "")} END {printf "%s %s %.0f %s\n", c, w, h / s, on ? on : "-"}' \
		"$tmp/loop.out" >"$tmp/result"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

where="host"
[ -n "${RIG_SLOW_NODE:-}" ] && where="VM rig"
if [ -n "$NODE" ]; then
	if [ "$PERIOD_MS" = 0 ]; then
		loop_desc="fault_loop --node $NODE: $MIB MiB bound to node $NODE, written flat out (a working loop: hint faults at the scanner's pace)"
	else
		loop_desc="fault_loop --node $NODE: $MIB MiB bound to node $NODE, written every $PERIOD_MS ms (NUMA hint faults)"
	fi
else
	loop_desc="fault_loop: $MIB MiB mapped, written, unmapped (first-touch faults)"
fi
echo "observer overhead on $where, kernel $(uname -r): $loop_desc, $SECS s per run, $ROUNDS rounds;"
echo "  kernel.numa_balancing = $MODE in all runs, $scan_desc"
# Warm-up (not counted): page cache, and the first load of the programs.
one_run plain && one_run observed || exit 1
hint0=0 pte0=0
pc=() pw=() oc=() ow=() rc=() rw=() after_obs=() after_plain=() ph=() oh=() pon=() oon=()
prev=observed
for r in $(seq "$ROUNDS"); do
	order="plain observed"
	[ $((r % 2)) = 0 ] && order="observed plain"
	for mode in $order; do
		one_run "$mode" || exit 1
		read -r c w h on <"$tmp/result"
		if [ "$mode" = plain ]; then
			pc+=("$c") pw+=("$w") ph+=("$h") pon+=("$on")
			if [ "$prev" = observed ]; then after_obs+=("$c"); else after_plain+=("$c"); fi
		else
			oc+=("$c") ow+=("$w") oh+=("$h") oon+=("$on")
		fi
		prev=$mode
	done
	rc+=("$(div "${oc[-1]}" "${pc[-1]}")") rw+=("$(div "${ow[-1]}" "${pw[-1]}")")
	echo "round $r ($order): without ${pc[-1]} pages/cpu-s (${pw[-1]} pages/s wall, ${ph[-1]} hint faults/s), with ${oc[-1]} pages/cpu-s (${ow[-1]} wall, ${oh[-1]} hint faults/s): ratio ${rc[-1]} (wall ${rw[-1]})"
done
echo 1 >$STATS
knobs >"$tmp/knobs.0" # the one intended change
one_run observed || exit 1
read -r stats_c stats_w stats_h _ <"$tmp/result"
echo 0 >$STATS

ratio=$(awk -v r="$(median "${rc[@]}")" 'BEGIN {printf "%.3f", r}')
hook=$(grep -o 'hooks: [a-z]*' "$tmp/run.out" | head -n 1)
echo "observer overhead ($hook; median of $ROUNDS rounds):"
echo "  speed: without $(median "${pc[@]}") pages/cpu-s, with $(median "${oc[@]}") pages/cpu-s"
echo "  wall-clock: without $(median "${pw[@]}") pages/s, with $(median "${ow[@]}") pages/s, ratio $(median "${rw[@]}") (shared machine: other processes' CPU time included)"
echo "  carry-over check: runs without, right after an observed run $(median "${after_obs[@]}") pages/cpu-s, after a run without $(median "${after_plain[@]:-0}")"
echo "  NUMA hint faults per second (/proc/vmstat, system-wide, by the loop's wall-clock seconds): without $(median "${ph[@]}"), with $(median "${oh[@]}")"
echo "  NUMA hint faults during the observed runs: $hint0 (numa_pte_updates $pte0)"
if [ -n "$NODE" ]; then
	echo "  loop's pages on node $NODE at the end of each run (+elsewhere+unknown): without ${pon[*]}, with ${oon[*]}"
	echo "  hint faults per page write: without $(div "$(median "${ph[@]}")" "$(median "${pw[@]}")"), with $(div "$(median "${oh[@]}")" "$(median "${ow[@]}")")"
	# The loop's CPU time with the observer minus without, per hint fault
	# (the working loop's hint faults are too few for this to mean anything).
	[ "$PERIOD_MS" != 0 ] && echo "  observer cost per hint fault: $(awk -v a="$(median "${pc[@]}")" -v b="$(median "${oc[@]}")" -v h="$(median "${oh[@]}")" -v w="$(median "${ow[@]}")" \
		'BEGIN {printf "%.0f", (1 / b - 1 / a) * 1e9 * w / h}') ns of the loop's CPU time"
fi
echo "  per-program average run time (kernel.bpf_stats_enabled, one more observed run, all processes; $stats_h hint faults/s):"
awk '{c[$1] += $2; t[$1] += $3} END {for (n in c) printf "    %-16s %10d runs %s\n", n, c[n], c[n] ? sprintf("%8.1f ns/run", t[n] / c[n]) : "(not run)"}' \
	"$tmp/progs" | sort
share=$(awk -v c="$stats_c" -v w="$stats_w" -v secs="$SECS" '{t += $3} END {
	printf "%.2f %.4f", t / 1e6, t / (w * secs / c * 1e9)}' "$tmp/progs")
read -r bpf_ms bpf_share <<<"$share"
echo "  all BPF run time in that run: $bpf_ms ms, $(awk -v s="$bpf_share" 'BEGIN {printf "%.2f", 100 * s}')% of the loop's CPU time (an upper bound: it includes other processes)"
# The verdict is the measured median -- unless the rounds disagree by more
# than 1.5x (TCG on a shared host), when it says nothing: then the BPF run
# time's share of the loop's CPU bounds the speed instead (1 / (1 + share);
# the trampolines' few tens of ns per call are not in it).
lo=$(printf '%s\n' "${rc[@]}" | sort -g | head -n 1)
hi=$(printf '%s\n' "${rc[@]}" | sort -g | tail -n 1)
est=$(awk -v s="$bpf_share" 'BEGIN {printf "%.3f", 1 / (1 + s)}')
met() { awk -v r="$1" 'BEGIN {print (r >= 0.97) ? "met" : "NOT met"}'; }
if awk -v lo="$lo" -v hi="$hi" 'BEGIN {exit !(hi > 1.5 * lo)}'; then
	echo "  ratio $ratio, rounds $lo-$hi: timing too noisy to decide; from the BPF run time $est (target >= 0.97: $(met "$est"))"
else
	echo "  ratio $ratio, rounds $lo-$hi (target >= 0.97: $(met "$ratio")); from the BPF run time $est"
fi
