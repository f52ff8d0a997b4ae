#!/bin/bash
# Short libFuzzer pass over the journal parser + recovery (make fuzz runs it
# longer), then the CLI on the corrupt seed: it must name the record.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
fuzz_pass fuzz_journal 30

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SEEDS=$SRC/tests/fuzz/corpus/fuzz_journal
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
