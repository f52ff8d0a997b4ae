#!/bin/bash
# The tiering daemon in the VM rig: promotion of a hot set, journaled moves,
# and recovery after a SIGKILL (checks in tests/vm/guest/daemon).
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
out=$(tests/vm/run -q --timeout 600 -- tests/vm/guest/daemon 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
[ $rc -eq 0 ] && ok "guest daemon checks pass" || {
	not_ok "guest daemon checks (exit $rc)"
	printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
}
tap_done
