#!/bin/bash
# Affinity-on-next-touch in the VM rig with two CPU nodes and a slow node:
# marked pages move to the node of the CPU that touches them next, through
# the journal; unmarked ones do not (checks in tests/vm/guest/next_touch).
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
out=$(tests/vm/run -q --cpu-nodes 2 --timeout 600 -- tests/vm/guest/next_touch 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
[ $rc -eq 0 ] && ok "guest next-touch checks pass" || {
	not_ok "guest next-touch checks (exit $rc)"
	printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
}
tap_done
