#!/bin/bash
# cgroups = in [daemon]: the processes of a cgroup v2 group (and of its
# descendants) are attached while they are members, detached when they
# leave. Runs `run --observe-only` on the host's cgroup2 mount (a hybrid
# hierarchy has it at /sys/fs/cgroup/unified) with a group of its own.
set -u
. "$(dirname "$0")/../lib/tap.sh"

PIN=/sys/fs/bpf/pautonuma
tmp=$(mktemp -d)
pids=()
cg=
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$cg" ] && rmdir "$cg/sub" "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	skip "cgroups host tests" "need root"
	tap_done
fi
if [ -e "$PIN" ]; then
	skip "cgroups host tests" "an observer is already running ($PIN exists)"
	tap_done
fi
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$root" ]; then
	skip "cgroups host tests" "cgroup2 is not mounted here"
	tap_done
fi
name=/pautonuma-test-$$
if ! mkdir "$root$name" 2>/dev/null || ! mkdir "$root$name/sub"; then
	skip "cgroups host tests" "cannot create a cgroup under $root"
	tap_done
fi
cg=$root$name

# attached TGID: is TGID attached according to status --json?
attached() {
	"$PAUTONUMA" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if any(p["pid"] == int(sys.argv[1]) and p["attached"] for p in s["pids"]) else 1)' "$1"
}
not_attached() { ! attached "$1"; }

sleep 300 &
A=$!
sleep 300 &
B=$!
sleep 300 &
O=$! # never in the group
pids+=("$A" "$B" "$O")
if ! echo "$A" >"$cg/cgroup.procs"; then
	skip "cgroups host tests" "cannot move a process into $cg"
	tap_done
fi

printf '[daemon]\nobserve_only = yes\ninterval = 1\ncgroups = %s /pautonuma-no-such-group-%s\n' \
	"$name" $$ >"$tmp/conf"
"$PAUTONUMA" run --config "$tmp/conf" >"$tmp/run" 2>&1 &
R=$!
pids+=("$R")
if ! wait_for 20 test -e "$PIN/run_info"; then
	not_ok "run --config with cgroups starts"
	sed 's/^/#   /' "$tmp/run" | tail -n 20
	tap_done
fi
wait_for 5 attached "$A" && ok "a member at start is attached" || not_ok "a member at start is attached"
not_attached "$O" && ok "a process outside the group is not" || not_ok "a process outside the group is not"

echo "$B" >"$cg/sub/cgroup.procs"
wait_for 5 attached "$B" && ok "a process that joins a child group is attached" ||
	not_ok "a process that joins a child group is attached"

echo "$A" >"$root/cgroup.procs"
wait_for 5 not_attached "$A" && ok "a process that leaves the group is detached" ||
	not_ok "a process that leaves the group is detached"
attached "$B" && ok "the other member stays attached" || not_ok "the other member stays attached"

kill -TERM "$R"
wait "$R"
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exits 0" || not_ok "SIGTERM: exits 0 (rc $rc)"
grep -q "cgroups: pid $A attached" "$tmp/run" && grep -q "cgroups: pid $A left, detached" "$tmp/run" &&
	ok "log: A attached, then left and detached" ||
	{ not_ok "log: A attached, then left and detached"; sed 's/^/#   /' "$tmp/run" | tail -n 20; }
n=$(grep -c "pautonuma-no-such-group-$$: no such cgroup" "$tmp/run")
[ "$n" = 1 ] && ok "a missing group is reported once" ||
	{ not_ok "a missing group is reported once ($n times)"; sed 's/^/#   /' "$tmp/run" | tail -n 20; }
tap_done
