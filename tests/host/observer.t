#!/bin/bash
# The observer on the running kernel: load/attach with whatever hooks it
# allows, pins, filters, status, clean exit, and the bad-input cases.
# On a kernel without fentry/kprobes (the 6.18 host) the heat comes from
# protection faults on page_fault_user, which touch_pages produces exactly
# once per page and round, so per-page truth and filters are checked here too.
set -u
. "$(dirname "$0")/../lib/tap.sh"

PIN=/sys/fs/bpf/pautonuma
TOUCH=$BUILD/tests/progs/touch_pages
SYSCTL=/proc/sys/kernel/numa_balancing
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	skip "observer host tests" "need root"
	tap_done
fi
if [ ! -x "$PAUTONUMA" ] || [ ! -x "$TOUCH" ]; then
	not_ok "binaries built ($PAUTONUMA, $TOUCH)"
	tap_done
fi
if [ -e "$PIN" ]; then
	skip "observer host tests" "an observer is already running ($PIN exists)"
	tap_done
fi

# expect_fail NAME RC-WANTED PATTERN COMMAND...: exit code, one line on stderr matching PATTERN.
expect_fail() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$name (exit $rc: $(cat "$tmp/err"))"
	else
		not_ok "$name: want exit $want and one line matching '$pat', got exit $rc"
		sed 's/^/#   /' "$tmp/err" | head -n 5
	fi
}
# start_touch NAME: touch_pages in the background on a pipe; sets ${NAME}_pid, ${NAME}_base.
start_touch() {
	local name=$1 line
	mkfifo "$tmp/$name.fifo"
	"$TOUCH" --pages 64 >"$tmp/$name.fifo" &
	eval "${name}_pid=$!"
	pids+=($!)
	exec {fd}<"$tmp/$name.fifo"
	eval "${name}_fd=$fd"
	read -r -t 10 line <&"$fd"
	eval "${name}_base=$(echo "$line" | awk '{print $2}')"
}
# round NAME: one round of 64 protection faults; waits for "round K".
round() {
	local fd pid line
	eval "fd=\${$1_fd} pid=\${$1_pid}"
	kill -USR1 "$pid"
	read -r -t 10 line <&"$fd" && [ "${line%% *}" = round ]
}
# heat TGID: "pages faults min_addr max_addr" of TGID in page_heat (via bpftool).
heat() {
	bpftool -j map dump pinned "$PIN/page_heat" | python3 -c '
import json, sys
t = int(sys.argv[1])
d = [e["formatted"] for e in json.load(sys.stdin) if e["formatted"]["key"]["tgid"] == t]
a = [e["key"]["addr"] for e in d]
print(len(d), sum(e["value"]["faults"] for e in d), hex(min(a)) if a else 0, hex(max(a)) if a else 0)' "$1"
}
# attached TGID: is TGID attached according to status --json?
attached() {
	"$PAUTONUMA" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if any(p["pid"] == int(sys.argv[1]) and p["attached"] for p in s["pids"]) else 1)' "$1"
}

orig=$(cat $SYSCTL)

# ---- bad input
expect_fail "not root: refused" 3 "root" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$PAUTONUMA" run --observe-only
expect_fail "interval 0: refused" 2 "invalid interval" "$PAUTONUMA" run --observe-only --interval 0
expect_fail "interval abc: refused" 2 "invalid interval" "$PAUTONUMA" run --observe-only --interval abc
expect_fail "duration -1: refused" 2 "invalid duration" "$PAUTONUMA" run --observe-only --duration -1
expect_fail "daemon on a host without a slow tier: refused" 3 "no slow memory tier" "$PAUTONUMA" run --dry-run
expect_fail "daemon with a bad --tiers: refused" 3 "node 7" "$PAUTONUMA" run --dry-run --tiers slow=7
expect_fail "daemon with an unknown --set: refused" 2 "no such setting" "$PAUTONUMA" run --set bogus=1
expect_fail "--observe-only with --dry-run: refused" 2 "moves nothing" "$PAUTONUMA" run --observe-only --dry-run
nopid=4194000
while [ -e /proc/$nopid ]; do nopid=$((nopid + 1)); done
expect_fail "run --pid of no process: refused" 1 "no such process" "$PAUTONUMA" run --observe-only --pid $nopid
expect_fail "attach without a running observer: refused" 1 "no observer is running" "$PAUTONUMA" attach $$
expect_fail "status without a running observer: refused" 1 "no observer is running" "$PAUTONUMA" status
expect_fail "next-touch without a running observer: refused" 1 "no observer is running" "$PAUTONUMA" next-touch $$

# ---- load, report, exit at --duration
"$PAUTONUMA" run --observe-only --all --interval 1 --duration 2 >"$tmp/run1" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "run --duration 2 exits 0" || { not_ok "run --duration 2 exits 0 (got $rc)"; sed 's/^/#   /' "$tmp/run1"; }
hooks=$(grep '^pautonuma: hooks:' "$tmp/run1")
diag "$hooks"
[ -n "$hooks" ] && ok "states the hooks in use" || not_ok "states the hooks in use"
case $hooks in
*"hooks: tracepoint"*)
	if grep -q 'fentry' <<<"$hooks" && grep -q 'kprobe' <<<"$hooks" && grep -q 'lost:' <<<"$hooks"; then
		ok "tracepoint fallback says why (fentry, kprobe) and what is lost"
	else
		not_ok "tracepoint fallback says why (fentry, kprobe) and what is lost"
	fi ;;
*) ok "hint-fault hooks in use: ${hooks#pautonuma: hooks: }" ;;
esac
nodes=$(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l)
if [ "$nodes" -le 1 ]; then
	grep -q 'one NUMA node: only multi-threaded processes take NUMA hint faults' "$tmp/run1" &&
		ok "single node stated (hint faults only in multi-threaded processes)" ||
		not_ok "single node stated (hint faults only in multi-threaded processes)"
else
	skip "single node stated" "$nodes nodes here"
fi
[ "$(grep -c '^\[' "$tmp/run1")" -ge 2 ] && ok "prints a summary per interval" || not_ok "prints a summary per interval"
[ ! -e "$PIN" ] && ok "no pins left after exit" || not_ok "no pins left after exit"
[ "$(cat $SYSCTL)" = "$orig" ] && ok "kernel.numa_balancing restored to $orig" || not_ok "kernel.numa_balancing restored to $orig (is $(cat $SYSCTL))"
if grep -q "set kernel.numa_balancing" "$tmp/run1"; then
	grep -q "restored $SYSCTL = $orig" "$tmp/run1" && ok "says what it restored" || not_ok "says what it restored"
else
	skip "says what it restored" "kernel.numa_balancing was already what run wanted"
fi

# ---- a running instance: pins, second instance, filters, status
start_touch A
start_touch B
"$PAUTONUMA" run --observe-only --pid "$A_pid" --interval 1 >"$tmp/run2" 2>&1 &
run_pid=$!
pids+=($run_pid)
if ! wait_for 10 test -e "$PIN/run_info"; then
	not_ok "run --pid pins its maps"
	sed 's/^/#   /' "$tmp/run2"
	tap_done
fi
ok "run --pid pins its maps"
[ "$(stat -c %a "$PIN")" = 700 ] && ok "pin directory mode 0700" || not_ok "pin directory mode 0700 (is $(stat -c %a "$PIN"))"
expect_fail "second instance: refused" 4 "another instance" "$PAUTONUMA" run --observe-only --all
attached "$A_pid" && ok "status --json: pid A attached" || not_ok "status --json: pid A attached"
attached "$B_pid" && not_ok "status --json: pid B not attached" || ok "status --json: pid B not attached"

hook=$("$PAUTONUMA" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["hook"])')
if [ "$hook" = tracepoint ] && command -v bpftool >/dev/null; then
	round A && round B
	read -r n f lo hi <<<"$(heat "$A_pid")"
	exp_hi=$(printf '0x%x' $((A_base + 63 * 4096)))
	if [ "$n" = 64 ] && [ "$f" = 64 ] && [ "$lo" = "$A_base" ] && [ "$hi" = "$exp_hi" ]; then
		ok "page_heat holds exactly A's 64 pages, one fault each"
	else
		not_ok "page_heat holds exactly A's 64 pages, one fault each (got $n pages, $f faults, $lo..$hi; want $A_base..$exp_hi)"
	fi
	read -r n f lo hi <<<"$(heat "$B_pid")"
	[ "$n" = 0 ] && ok "unattached B not recorded" || not_ok "unattached B not recorded ($n pages)"
	out=$(bpftool map dump pinned "$PIN/page_heat" | head -n 40)
	if grep -q '"tgid"' <<<"$out" && grep -q '"addr"' <<<"$out" && grep -q '"faults"' <<<"$out" &&
		grep -q '"faults_by_node"' <<<"$out" && grep -q '"migrate_ok"' <<<"$out"; then
		ok "bpftool map dump pinned page_heat prints field names"
	else
		not_ok "bpftool map dump pinned page_heat prints field names"
	fi
	check "attach B" "$PAUTONUMA" attach "$B_pid"
	attached "$B_pid" && ok "status --json: B attached" || not_ok "status --json: B attached"
	round B
	read -r n f lo hi <<<"$(heat "$B_pid")"
	[ "$n" = 64 ] && [ "$f" = 64 ] && ok "B recorded after attach (64 pages)" || not_ok "B recorded after attach ($n pages, $f faults)"
	check "detach B" "$PAUTONUMA" detach "$B_pid"
	round B
	read -r n f lo hi <<<"$(heat "$B_pid")"
	[ "$f" = 64 ] && ok "B not recorded after detach" || not_ok "B not recorded after detach ($f faults, want 64)"
	"$PAUTONUMA" status >"$tmp/status"
	grep -q "pid $A_pid: pages 64 faults 64" "$tmp/status" && ok "status: A with 64 pages, 64 faults" ||
		{ not_ok "status: A with 64 pages, 64 faults"; sed 's/^/#   /' "$tmp/status"; }
else
	skip "per-page truth and filters on the host" "hook is $hook (hint faults need the VM rig)"
fi
expect_fail "detach of a PID not attached: refused" 1 "not attached" "$PAUTONUMA" detach "$B_pid"
expect_fail "attach of no process: refused" 1 "no such process" "$PAUTONUMA" attach $nopid
expect_fail "attach of garbage: refused" 2 "invalid PID" "$PAUTONUMA" attach 12x
# attach/detach --json: what was attached or dropped, failures with their reason.
"$PAUTONUMA" attach --json "$B_pid" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = int(open("/proc/%s/stat" % sys.argv[2]).read().rsplit(")", 1)[1].split()[19])
assert d == {"attached": [{"pid": int(sys.argv[2]), "start_time": st}], "failed": []}, d' \
	"$tmp/out" "$B_pid" && attached "$B_pid"; then
	ok "attach --json: B with its start time, B attached"
else
	not_ok "attach --json (rc $rc)"
	cat "$tmp/out" "$tmp/err" | head -n 5 | sed 's/^/#   /'
fi
"$PAUTONUMA" detach "$B_pid" $nopid --json >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "pid $nopid is not attached" "$tmp/err" &&
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"detached": [{"pid": int(sys.argv[2])}],
	     "failed": [{"pid": int(sys.argv[3]), "error": "not attached"}]}, d' \
	"$tmp/out" "$B_pid" $nopid && ! attached "$B_pid"; then
	ok "detach --json: B detached, the other PID failed (not attached), exit 1, one line on stderr"
else
	not_ok "detach --json (rc $rc)"
	cat "$tmp/out" "$tmp/err" | head -n 5 | sed 's/^/#   /'
fi
[ ! -e "$PIN/next_touch" ] && ok "--observe-only pins no next_touch map" || not_ok "--observe-only pinned next_touch"
expect_fail "next-touch on an --observe-only instance: refused" 1 "observe-only" "$PAUTONUMA" next-touch "$A_pid"

kill "$A_pid"
if wait_for 5 grep -q "pid $A_pid exited; dropped from the filter" "$tmp/run2"; then
	ok "an attached PID that exits is dropped and reported"
else
	not_ok "an attached PID that exits is dropped and reported"
fi
attached "$A_pid" && not_ok "status: exited A no longer attached" || ok "status: exited A no longer attached"

kill -TERM $run_pid
wait $run_pid
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exits 0" || not_ok "SIGTERM: exits 0 (got $rc)"
[ ! -e "$PIN" ] && ok "SIGTERM: no pins left" || not_ok "SIGTERM: no pins left"
[ "$(cat $SYSCTL)" = "$orig" ] && ok "SIGTERM: kernel.numa_balancing restored" || not_ok "SIGTERM: kernel.numa_balancing restored"

# ---- SIGINT
"$PAUTONUMA" run --observe-only --interval 10 >"$tmp/run3" 2>&1 &
run_pid=$!
pids+=($run_pid)
wait_for 10 test -e "$PIN/run_info"
kill -INT $run_pid
wait $run_pid
rc=$?
[ $rc -eq 0 ] && [ ! -e "$PIN" ] && [ "$(cat $SYSCTL)" = "$orig" ] &&
	ok "SIGINT: exits 0, unpinned, sysctl restored" || not_ok "SIGINT: exits 0, unpinned, sysctl restored (rc $rc)"

tap_done
