#!/bin/bash
# Observer overhead: fault_loop (map, write, unmap 64 MiB; pure page faults)
# with and without the observer attached to it, alternating, median of
# ROUNDS each (kernel.bpf_stats_enabled off: it costs time itself); then
# one more observed run with it on, for each BPF program's average run time
# (bpf_prog_info run_time_ns / run_cnt).
# Env: ROUNDS (7), SECONDS_PER_RUN (2), MIB (64).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRC/build}
PAUTONUMA=$BUILD/pautonuma
LOOP=$BUILD/tests/progs/fault_loop
ROUNDS=${ROUNDS:-7}
SECS=${SECONDS_PER_RUN:-2}
MIB=${MIB:-64}
PIN=/sys/fs/bpf/pautonuma
STATS=/proc/sys/kernel/bpf_stats_enabled

if [ "$(id -u)" -ne 0 ]; then
	echo "observer bench: needs root (skipped)"
	exit 0
fi
if [ -e "$PIN" ]; then
	echo "observer bench: an observer is already running ($PIN); stop it first" >&2
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

# One run of fault_loop; with "observed", under a fresh observer that has it
# attached before it starts (held on a fifo; exec keeps PID and start time).
one_run() {
	local mode=$1 wl out
	if [ "$mode" = observed ]; then
		"$PAUTONUMA" run --observe-only --interval 3600 >"$tmp/run.out" 2>&1 &
		run_pid=$!
		for _ in $(seq 100); do [ -e "$PIN/run_info" ] && break; sleep 0.1; done
		[ -e "$PIN/run_info" ] || { cat "$tmp/run.out" >&2; return 1; }
	fi
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	(read -r _ <"$tmp/go"; exec "$LOOP" "$MIB" "$SECS") >"$tmp/loop.out" &
	wl=$!
	if [ "$mode" = observed ]; then
		"$PAUTONUMA" attach "$wl" >/dev/null || return 1
	fi
	echo go >"$tmp/go"
	wait "$wl"
	out=$(awk '/pages_per_s/ {print $2}' "$tmp/loop.out")
	if [ "$mode" = observed ]; then
		# Per-program run time while it is still loaded.
		bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name") in ("fault_user", "hint_fault_fentr", "hint_fault_kprob", "numa_fault_fentr",
                         "numa_fault_kprob", "proc_exit", "migrate_pages", "move_numa", "swap_numa"):
        print(p["name"], p.get("run_cnt", 0), p.get("run_time_ns", 0))' >"$tmp/progs.last"
		kill -INT "$run_pid"
		wait "$run_pid"
		run_pid=
		cat "$tmp/progs.last" >"$tmp/progs"
	fi
	echo "$out"
}

base=() obs=()
for r in $(seq "$ROUNDS"); do
	base+=("$(one_run plain)") || exit 1
	obs+=("$(one_run observed)") || exit 1
	echo "round $r: without ${base[-1]} pages/s, with ${obs[-1]} pages/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo 1 >$STATS
stats_pps=$(one_run observed) || exit 1
mb=$(median "${base[@]}")
mo=$(median "${obs[@]}")
hook=$(grep -o 'hooks: [a-z]*' "$tmp/run.out" | head -n 1)
ratio=$(awk -v a="$mo" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')
echo "observer overhead ($hook; $MIB MiB fault loop, $SECS s, median of $ROUNDS):"
echo "  without $mb pages/s, with $mo pages/s, ratio $ratio (target >= 0.97: $(awk -v r="$ratio" 'BEGIN {print (r >= 0.97) ? "met" : "NOT met"}'))"
echo "  per-program average run time (kernel.bpf_stats_enabled, one more observed run):"
awk '{c[$1] += $2; t[$1] += $3} END {for (n in c) printf "    %-18s %12d runs %8.1f ns/run\n", n, c[n], c[n] ? t[n] / c[n] : 0}' \
	"$tmp/progs" | sort
awk -v pps="$stats_pps" -v secs="$SECS" '{t += $3} END {
	printf "  BPF time per fault of the loop: %.1f ns of %.0f ns (%.2f%%; excludes the hook dispatch itself)\n",
		t / (pps * secs), 1e9 / pps, 100 * t / (secs * 1e9)}' "$tmp/progs"
