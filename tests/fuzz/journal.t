#!/bin/bash
# Short libFuzzer pass over the journal parser + recovery (make fuzz runs it
# longer), then the CLI on the corrupt seed: it must name the record.
. "$(dirname "$0")/../lib/tap.sh"
FUZZER=$BUILD/tests/fuzz/fuzz_journal
SEEDS=$SRC/tests/fuzz/corpus/fuzz_journal
SECONDS_=${FUZZ_SHORT_SECONDS:-30}

if [ ! -x "$FUZZER" ]; then
	skip "fuzz_journal $SECONDS_ s" "not built ($FUZZER; run make tests)"
	tap_done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
log=$work/fuzz.log
if "$FUZZER" -max_total_time="$SECONDS_" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work/corpus" "$SEEDS" >"$log" 2>&1; then
	ok "fuzz_journal: $SECONDS_ s, 0 crashes ($(grep -o 'Done [0-9]* runs' "$log" | tail -n 1))"
else
	not_ok "fuzz_journal: crash or failure"
	grep -E 'ERROR|SUMMARY|Test unit written|abort' "$log" | head -n 20 | sed 's/^/#   /'
	for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] && cp "$a" "$BUILD/" && diag "artifact kept: $BUILD/$(basename "$a")"
	done
fi

# The corrupt seed has a damaged record 2 with newer records after it.
cp "$SEEDS/corrupt.jnl" "$work/corrupt"
chmod 600 "$work/corrupt"
out=$("$PAUTONUMA" journal verify "$work/corrupt" 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q '^pautonuma: journal .*: corrupt at record 2: '; then
	ok "verify names the corrupt record (exit 1): ${out#pautonuma: }"
else
	not_ok "verify of a corrupt journal: exit $rc, '$out'"
fi
out=$("$PAUTONUMA" journal recover "$work/corrupt" 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'corrupt at record 2.*not recovering'; then
	ok "recover refuses a corrupt journal (exit 1)"
else
	not_ok "recover of a corrupt journal: exit $rc, '$out'"
fi
tap_done
