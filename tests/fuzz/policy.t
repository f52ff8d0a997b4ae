#!/bin/bash
# Short libFuzzer pass over the placement policy (make fuzz runs it longer):
# random settings, topologies and observations; every plan is checked against
# the capacity invariants inside the target, so a violation is a crash here.
. "$(dirname "$0")/../lib/tap.sh"
FUZZER=$BUILD/tests/fuzz/fuzz_policy
SEEDS=$SRC/tests/fuzz/corpus/fuzz_policy
SECONDS_=${FUZZ_SHORT_SECONDS:-20}

if [ ! -x "$FUZZER" ]; then
	skip "fuzz_policy $SECONDS_ s" "not built ($FUZZER; run make tests)"
	tap_done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
log=$work/fuzz.log
if "$FUZZER" -max_total_time="$SECONDS_" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work/corpus" "$SEEDS" >"$log" 2>&1; then
	ok "fuzz_policy: $SECONDS_ s, 0 crashes ($(grep -o 'Done [0-9]* runs' "$log" | tail -n 1))"
else
	not_ok "fuzz_policy: crash or invariant violated"
	grep -E 'ERROR|SUMMARY|Test unit written|abort|#[0-9]+ ' "$log" | head -n 20 | sed 's/^/#   /'
	for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] && cp "$a" "$BUILD/" && diag "artifact kept: $BUILD/$(basename "$a")"
	done
fi
tap_done
