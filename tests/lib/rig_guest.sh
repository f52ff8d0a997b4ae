#!/bin/bash
# For tests/vm/*.t whose checks run in the guest: source after tap.sh.
# rig_guest_checks TIMEOUT NAME GUEST [ARG...]: boot the rig, run GUEST
# there, pass its TAP lines (ok, not ok, #) on, and add one line for its
# exit status with the tail of its other output when it failed.
rig_guest_checks() {
	local timeout=$1 name=$2 out rc
	shift 2
	out=$("$SRC/tests/vm/run" -q --timeout "$timeout" -- "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
	if [ $rc -eq 0 ]; then
		ok "guest $name checks pass"
	else
		not_ok "guest $name checks (exit $rc)"
		printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
	fi
}
