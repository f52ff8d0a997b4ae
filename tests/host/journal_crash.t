#!/bin/bash
# Kill tests: SIGKILL the mover at each step of its protocol (and recovery at
# each of its steps) CRASH_ITERATIONS times, recover, and check that the
# journal verifies, no record is lost or duplicated, every batch is resolved
# exactly once, and the pages are where recovery says (numa_maps agrees).
. "$(dirname "$0")/../lib/tap.sh"
N=${CRASH_ITERATIONS:-20}
HOG=$BUILD/tests/progs/pagehog
PAGES=64 SKIP=4 # every 4th page never touched: 48 present, 16 not present
PRESENT=48 ABSENT=16

if [ "$(id -u)" -ne 0 ]; then
	skip "journal crash tests" "need root (move_pages of another process)"
	tap_done
fi
if [ ! -x "$HOG" ] || [ ! -x "$PAUTONUMA" ]; then
	skip "journal crash tests" "not built (make tests)"
	tap_done
fi
work=$(mktemp -d)
hog_pid=
cleanup() {
	[ -n "$hog_pid" ] && kill "$hog_pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The target: pages that hold a pattern it checks at the end.
mkfifo "$work/in"
"$HOG" $PAGES $SKIP <"$work/in" >"$work/hog.out" &
hog_pid=$!
exec 3>"$work/in"
for _ in $(seq 50); do [ -s "$work/hog.out" ] && break; sleep 0.1; done
read -r addr npages <"$work/hog.out"
diag "pagehog pid $hog_pid: $npages pages at $addr"

# Resident pages of the mapping on node 0, from /proc/PID/numa_maps.
node0_pages() {
	awk -v a="${addr#0x}" '$1 == a { for (i = 2; i <= NF; i++) if ($i ~ /^N0=/) { sub("N0=", "", $i); print $i } }' \
		"/proc/$hog_pid/numa_maps"
}

# killed VAR=VALUE COMMAND...: run it (output to $work/out), print its exit
# status; bash's "Killed" notice goes to /dev/null, not into the TAP stream.
killed() {
	( { env "$@" >"$work/out" 2>&1; echo $?; } 2>/dev/null )
}

# crash_step STEP RESOLUTION [RECOVER_STEP]
crash_step() {
	local step=$1 resolution=$2 rstep=${3:-} j=$work/j-$1${3:+-$3} i rc out bad= got want
	"$PAUTONUMA" journal init "$j" --size 64K >/dev/null || { not_ok "$step: init"; return; }
	for i in $(seq "$N"); do
		rc=$(killed PAUTONUMA_TEST_CRASH_AT=$step "$PAUTONUMA" move --pid "$hog_pid" --to 0 \
			--addr "$addr" --pages $PAGES --journal "$j")
		[ $rc -eq 137 ] || { bad="run $i: mover exited $rc, not killed at $step"; break; }
		out=$("$PAUTONUMA" journal verify "$j" 2>&1) ||
			{ bad="run $i: verify after the kill: $out"; break; }
		# The kill left the batch in flight, or (COMMIT in the page cache) closed.
		want=", 1 open batches"
		[ "$resolution" = COMMIT ] && want=", 0 open batches"
		case $out in *"$want"*) ;; *) bad="run $i: after the kill: $out"; break ;; esac
		if [ -n "$rstep" ]; then
			rc=$(killed PAUTONUMA_TEST_CRASH_AT=$rstep "$PAUTONUMA" journal recover "$j")
			[ $rc -eq 137 ] || { bad="run $i: recover exited $rc, not killed at $rstep"; break; }
			out=$("$PAUTONUMA" journal verify "$j" 2>&1) ||
				{ bad="run $i: verify after killing recovery: $out"; break; }
		fi
		out=$("$PAUTONUMA" journal recover "$j" 2>&1) ||
			{ bad="run $i: recover: $out"; break; }
		out=$("$PAUTONUMA" journal verify "$j" 2>&1)
		case $out in *", 0 open batches"*) ;; *) bad="run $i: after recovery: $out"; break ;; esac
	done
	if [ -z "$bad" ]; then
		out=$("$PAUTONUMA" journal dump --json "$j" |
			python3 "$SRC/tests/host/check_journal.py" "$N" "$resolution" $PRESENT $ABSENT) ||
			bad=$out
	fi
	got=$(node0_pages)
	[ -z "$bad" ] && [ "$got" != "$PRESENT" ] &&
		bad="numa_maps says $got pages on node 0, recovery says $PRESENT"
	if [ -z "$bad" ]; then
		ok "killed at ${step}${rstep:+, recovery killed at $rstep}, $N times: $out; numa_maps N0=$got"
	else
		not_ok "killed at ${step}${rstep:+ then $rstep}: $bad"
		sed 's/^/#   /' "$work/out" | tail -n 5
	fi
}

# Mover steps, in protocol order.  A record written but not yet persisted is
# in the page cache of a plain file, so a process kill keeps it.
crash_step begin-written RECOVERED
crash_step begin-persisted RECOVERED
crash_step in-move RECOVERED
crash_step moved RECOVERED
crash_step commit-written COMMIT
crash_step commit-persisted COMMIT
# Recovery killed half-way through rolling a batch forward, before and after
# it appends RECOVERED, then rerun.
crash_step begin-persisted RECOVERED recover-in-move
crash_step moved RECOVERED recover-resolved
crash_step moved RECOVERED recovered-written
crash_step moved RECOVERED recover-persisted

# The target's own data survived all of it.
exec 3>&-
wait "$hog_pid"
rc=$?
hog_pid=
check "pagehog: 0 corrupt bytes in its pages after $((10 * N)) kills" test $rc -eq 0
diag "$(tail -n 1 "$work/hog.out")"
tap_done
