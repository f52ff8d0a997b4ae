#!/bin/bash
# Power cuts (the rig's --kill-after kills QEMU: the DAX journal's backing
# file keeps only what reached it) during a migration storm on a workload
# that keeps checking its own data.  After every reboot the journal must
# verify, recovery must complete and leave no open batch, and the workload
# must have found 0 corrupt bytes.  VM_POWERCUT_CYCLES (default 10).
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
N=${VM_POWERCUT_CYCLES:-10}
STATE=$BUILD/vm/state-journal
OUT=$BUILD/vm/storm

if [ ! -x tests/vm/run ] || ! command -v qemu-system-x86_64 >/dev/null; then
	skip "journal power cuts" "no VM rig (tests/vm/run, qemu-system-x86_64)"
	tap_done
fi
if [ ! -x "$PAUTONUMA" ] || [ ! -x "$BUILD/tests/progs/pagehog" ]; then
	skip "journal power cuts" "not built (make tests)"
	tap_done
fi
rm -rf "$OUT"
mkdir -p "$OUT"
cuts=0
for c in $(seq "$N"); do
	# --kill-after counts from COMMAND's start (after the boot); verify +
	# recover and the first journaled move take a few seconds under TCG:
	# cut somewhere in the storm after that.
	after=$((18 + RANDOM % 12))
	fresh=
	[ "$c" -eq 1 ] && fresh=--fresh
	tests/vm/run -q --state "$STATE" $fresh --kill-after $after -- tests/vm/journal-storm \
		>"$OUT/rig-$c.log" 2>&1
	rc=$?
	if [ $rc -eq 137 ]; then
		cuts=$((cuts + 1))
	else
		not_ok "cycle $c: expected a power cut (137), rig exited $rc"
		tail -n 5 "$OUT/rig-$c.log" | sed 's/^/#   /'
	fi
done
# One more boot: recover what the last cut left, and stop.
tests/vm/run -q --state "$STATE" -- bash -c '
	P=$BUILD/pautonuma J=$RIG_JOURNAL_DIR/journal
	$P journal verify $J; echo "verify-before rc=$?"
	$P journal recover $J; echo "recover rc=$?"
	$P journal verify $J; echo "verify-after rc=$?"
	$P journal dump --json $J > $BUILD/vm/storm/final.json' >"$OUT/cycle-final.log" 2>&1
check "rig: $cuts of $N boots ended by a power cut" test $cuts -eq "$N"

moves=0 open=0
for c in $(seq 2 "$N") final; do
	log=$OUT/cycle-$c.log
	if ! grep -q '^verify-before rc=0' "$log" || ! grep -q '^recover rc=0' "$log" ||
		! grep -q '^verify-after rc=0' "$log" ||
		! grep -q ', 0 open batches' "$log"; then
		not_ok "boot after cut $((${c/final/$((N + 1))} - 1)): journal did not verify/recover"
		sed 's/^/#   /' "$log" | head -n 12
		continue
	fi
	ok "boot after cut $((${c/final/$((N + 1))} - 1)): journal verified, recovered ($(grep -oE '[0-9]+ open batches: [0-9]+ rolled forward, [0-9]+ abandoned' "$log")), verified again"
done
for c in $(seq "$N"); do
	m=$(cat "$OUT/moves-$c" 2>/dev/null || echo 0)
	moves=$((moves + m))
	bad=$(grep -E 'generation [0-9]+: [1-9][0-9]* corrupt' "$OUT/hog-$c.log" | head -n 3)
	gens=$(grep -oE 'generation [0-9]+' "$OUT/hog-$c.log" | tail -n 1)
	if [ -n "$bad" ]; then
		not_ok "cycle $c: workload found corruption: $bad"
	elif [ "$m" -lt 1 ] || [ -z "$gens" ]; then
		not_ok "cycle $c: no storm ($m moves) or no workload progress ($gens)"
	else
		ok "cycle $c: $m journaled moves of 2048 pages, workload reached $gens with 0 corrupt bytes"
	fi
done
check "final journal: JSON, no open batch, not corrupt" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["corrupt"] and d["open"] == [], d.get("error")
print(len(d["records"]), "records")' "$OUT/final.json"
inflight=$(cat "$OUT"/cycle-*.log | grep -oE "^journal .*: [0-9]+ open batches: " | awk "{ s += \$(NF - 2) } END { print s + 0 }")
diag "$moves journaled moves (of 32 batches each) in $N cycles; recovery found $inflight batches in flight after the cuts"
tap_done
