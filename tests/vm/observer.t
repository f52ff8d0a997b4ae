#!/bin/bash
# The observer in the VM rig (two nodes, Debian 6.1 with fentry): hint
# faults and migrations against /proc/vmstat, per-page truth, filters.
# The checks run in the guest (tests/vm/guest/observer); their TAP lines
# are passed on here.
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
if [ ! -x "$PAUTONUMA" ] || [ ! -x "$BUILD/tests/progs/touch_pages" ]; then
	not_ok "binaries built"
	tap_done
fi
out=$(tests/vm/run -q --timeout 900 -- tests/vm/guest/observer 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
[ $rc -eq 0 ] && ok "guest observer checks pass" || {
	not_ok "guest observer checks (exit $rc)"
	printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
}
tap_done
