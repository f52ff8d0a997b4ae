#!/bin/bash
# A journal truncated by another process while pautonuma has it mapped:
# move, journal verify, dump and recover end with one line naming the file
# and its new size and exit 1 (no SIGBUS crash), and what was durable before
# the cut is still there.  PAUTONUMA_TEST_PAUSE_AT stops the command at the
# right moment (user/crashpoint.h); the test truncates and SIGCONTs it.
. "$(dirname "$0")/../lib/tap.sh"
HOG=$BUILD/tests/progs/pagehog

if [ "$(id -u)" -ne 0 ]; then
	skip "journal truncation tests" "need root (move_pages of another process)"
	tap_done
fi
if [ ! -x "$HOG" ] || [ ! -x "$PAUTONUMA" ]; then
	skip "journal truncation tests" "not built (make tests)"
	tap_done
fi
work=$(mktemp -d)
hog=
cleanup() {
	[ -n "$hog" ] && kill "$hog" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
J=$work/journal
msg_re() { echo "^pautonuma: journal $J: file shrank to $1 bytes while mapped \\(truncated by another process\\?\\)\$"; }

# paused STEP SIZE NAME COMMAND...: run COMMAND with a pause at STEP,
# truncate $J to SIZE while it is stopped, let it go on; sets rc and out.
paused() {
	local step=$1 size=$2 name=$3 pid state i
	shift 3
	PAUTONUMA_TEST_PAUSE_AT=$step "$@" >"$work/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		state=$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)
		[ "$state" = T ] && break
		sleep 0.05
	done
	[ "$state" = T ] || diag "$name: command did not reach $step (state '$state')"
	cp "$J" "$work/before"
	truncate -s "$size" "$J"
	kill -CONT $pid
	wait $pid
	rc=$?
	out=$(cat "$work/out")
}

# expect_shrank NAME SIZE: exit 1 and the one-line message, no crash.
expect_shrank() {
	local name=$1 size=$2 lines
	lines=$(printf '%s\n' "$out" | grep -c '^pautonuma: ')
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -Eq "$(msg_re "$size")" && [ "$lines" -eq 1 ]; then
		ok "$name: exit 1, one line: file shrank to $size bytes"
	else
		not_ok "$name: exit $rc (want 1), $lines error lines, output:"
		printf '%s\n' "$out" | head -n 5 | sed 's/^/#   /'
	fi
}

fresh() { rm -f "$J" && "$PAUTONUMA" journal init "$J" --size 64K >/dev/null; }

fresh
paused journal-mapped 4096 verify "$PAUTONUMA" journal verify "$J"
expect_shrank "journal verify" 4096
fresh
paused journal-mapped 0 dump "$PAUTONUMA" journal dump "$J"
expect_shrank "journal dump" 0
fresh
paused journal-mapped 6000 recover "$PAUTONUMA" journal recover "$J"
expect_shrank "journal recover" 6000

# move: 31 one-page batches fill records 1..62, the next BEGIN is record 63,
# the last slot of the ring's first page.  Cut the file after that page while
# the move is between BEGIN (persisted) and move_pages: its COMMIT (record 64)
# would land past the end.
# pagehog exits when its stdin closes: a FIFO we keep open.
mkfifo "$work/in"
"$HOG" 64 0 <"$work/in" >"$work/hog" &
hog=$!
exec {hog_in}>"$work/in"
for _ in $(seq 50); do [ -s "$work/hog" ] && break; sleep 0.1; done
read -r addr _ <"$work/hog"
fresh
"$PAUTONUMA" move --pid $hog --to 0 --addr "$addr" --pages 31 --batch 1 --journal "$J" >/dev/null
check "31 batches journaled" sh -c "'$PAUTONUMA' journal verify '$J' | grep -q 'ok, 62 records'"
paused begin-persisted 8192 move "$PAUTONUMA" move --pid $hog --to 0 --addr "$addr" --pages 4 --journal "$J"
expect_shrank "move, truncated between BEGIN and COMMIT" 8192
check "nothing written after the cut: the 8192 bytes left are as they were" \
	cmp -n 8192 "$J" "$work/before"
# The operator restores the size: the durable BEGIN is there, open, and recovery resolves it.
truncate -s 64K "$J"
check "restored to its size, the journal verifies with the BEGIN open" \
	sh -c "'$PAUTONUMA' journal verify '$J' | grep -q 'ok, 63 records, next 64, 1 open batches'"
check "recovery rolls that batch forward" \
	sh -c "'$PAUTONUMA' journal recover '$J' | grep -q '^batch 63: .*rolled-forward'"
kill -0 $hog 2>/dev/null && ok "the target process is alive" || not_ok "the target process died"
tap_done
