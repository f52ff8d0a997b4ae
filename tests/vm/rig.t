#!/bin/bash
# The VM rig itself: its options, its self-test inside the guest, a power cut,
# and the ways it must fail cleanly.
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
RUNVM="tests/vm/run -q"
STATE=$BUILD/vm/state-rigtest

# --- bad input: clear message, non-zero exit, no QEMU started
expect_usage() { # NAME ARGS...
	local name=$1 out rc
	shift
	out=$(timeout 20 tests/vm/run "$@" 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q '^rig: '; then
		ok "$name: exit 2, '$(echo "$out" | head -n 1)'"
	else
		not_ok "$name: expected exit 2 and a 'rig:' message, got $rc: $out"
	fi
}
expect_usage "unknown option" --bogus -- true
expect_usage "no COMMAND" --fast-mem 1G
expect_usage "bad size" --slow-mem 3X -- true
expect_usage "slow-mem not a multiple of 128M" --slow-mem 300M -- true
expect_usage "bad --cpu-nodes" --cpu-nodes 3 -- true
check "--help prints the options" bash -c 'tests/vm/run --help | grep -q -- --kill-after'

out=$(RIG_KERNEL_VERSION=0.0.0-nonexistent-amd64 timeout 120 tests/vm/run -- true 2>&1)
rc=$?
[ $rc -eq 125 ] && echo "$out" | grep -q "could not download the guest kernel" &&
	ok "missing kernel download: exit 125, clear message" ||
	not_ok "missing kernel download: got $rc: $out"

# --- the self-test inside the guest (also measures the boot)
t0=$(date +%s)
out=$($RUNVM --state "$STATE" --fresh -- tests/vm/guest/selftest 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)' | grep -v '^1\.\.'
[ $rc -eq 0 ] && ok "guest self-test passes" || not_ok "guest self-test (exit $rc)"
diag "boot to COMMAND: $(cat "$BUILD/vm/last-boot-seconds") s; whole run $(($(date +%s) - t0)) s"
boot=$(cat "$BUILD/vm/last-boot-seconds")
awk -v b="$boot" 'BEGIN { exit !(b <= 30) }' && ok "boot to COMMAND in $boot s (<= 30 s)" ||
	not_ok "boot to COMMAND in $boot s (target <= 30 s)"

# --- COMMAND's exit status comes back
$RUNVM --state "$STATE" -- bash -c 'echo from-guest; exit 7' >"$BUILD/vm/rigtest.out" 2>&1
rc=$?
[ $rc -eq 7 ] && grep -q from-guest "$BUILD/vm/rigtest.out" &&
	ok "a failing COMMAND's status (7) and output come back" ||
	not_ok "failing COMMAND: exit $rc, output: $(cat "$BUILD/vm/rigtest.out")"

# --- --timeout kills a COMMAND that hangs; no QEMU left behind
t0=$(date +%s)
$RUNVM --state "$STATE" --timeout 3 -- sleep 600 >/dev/null 2>&1
rc=$?
left=$(pgrep -f "mem-path=$STATE/" | wc -l)
[ $rc -eq 124 ] && [ "$left" -eq 0 ] && ok "--timeout 3 ends a hanging COMMAND (exit 124) in $(($(date +%s) - t0)) s, no QEMU left" ||
	not_ok "--timeout: exit $rc, $left QEMU processes left"

# --- power cut: persisted bytes survive a hard kill of QEMU
seed=$RANDOM$RANDOM
$RUNVM --state "$STATE" --kill-after 20 -- \
	"$BUILD/tests/progs/rigcheck" pmem-write /run/pmem-journal/powercut 32 "$seed" \
	>"$BUILD/vm/rigtest.out" 2>&1
rc=$?
diag "$(cat "$BUILD/vm/rigtest.out")"
[ $rc -eq 137 ] && grep -q '^persisted 32 MiB' "$BUILD/vm/rigtest.out" &&
	ok "power cut after the data was persisted (exit 137)" ||
	not_ok "power cut: expected exit 137 after 'persisted', got $rc"
# One boot verifies the right pattern and, as a control, a wrong one.
out=$($RUNVM --state "$STATE" -- bash -c "
	$BUILD/tests/progs/rigcheck pmem-verify /run/pmem-journal/powercut 32 $seed; echo rc=\$?
	$BUILD/tests/progs/rigcheck pmem-verify /run/pmem-journal/powercut 32 $((seed + 1)); echo rc=\$?" 2>&1)
diag "$out"
first=$(echo "$out" | sed -n 1,2p)
second=$(echo "$out" | sed -n 3,4p)
echo "$first" | grep -q 'trailer intact, 0 bad bytes' && echo "$first" | grep -q '^rc=0$' &&
	ok "after the power cut, the next boot finds every persisted byte" ||
	not_ok "after the power cut: $first"
echo "$second" | grep -q '^rc=1$' && ok "the verifier rejects a wrong pattern (it can fail)" ||
	not_ok "the verifier accepted a wrong seed: $second"
tap_done
