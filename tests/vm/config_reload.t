#!/bin/bash
# The configuration file and SIGHUP reload of the daemon in the VM rig
# (checks in tests/vm/guest/config_reload).
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
out=$(tests/vm/run -q --timeout 600 -- tests/vm/guest/config_reload 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
[ $rc -eq 0 ] && ok "guest config_reload checks pass" || {
	not_ok "guest config_reload checks (exit $rc)"
	printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
}
tap_done
