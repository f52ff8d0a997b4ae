#!/bin/bash
# The operator's tools in the VM rig, one boot: top under tmux, report's
# SVG, the Prometheus metrics (checks in tests/vm/guest/ops).
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
out=$(tests/vm/run -q --timeout 900 -- tests/vm/guest/ops 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
[ $rc -eq 0 ] && ok "guest operator-tool checks pass" || {
	not_ok "guest operator-tool checks (exit $rc)"
	printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
}
tap_done
