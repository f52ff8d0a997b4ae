#!/bin/bash
# The observer in the VM rig (two nodes, Debian 6.1 with fentry): hint
# faults and migrations against /proc/vmstat, per-page truth, filters.
# The checks run in the guest (tests/vm/guest/observer); their TAP lines
# are passed on here.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
cd "$SRC" || exit 1
if [ ! -x "$PAUTONUMA" ] || [ ! -x "$BUILD/tests/progs/touch_pages" ]; then
	not_ok "binaries built"
	tap_done
fi
guest_checks observer 900
tap_done
