# guest_checks NAME [TIMEOUT [RIG-OPTION...]]: run tests/vm/guest/NAME in the VM rig, pass
# its TAP lines on and add one result for the guest's exit status (with the
# tail of its other output when it failed). Source after tap.sh.
guest_checks() {
	local name=$1 timeout=${2:-900} out rc
	shift && { [ $# -eq 0 ] || shift; } # the rest: rig options (--cpu-nodes 2)
	out=$(tests/vm/run -q --timeout "$timeout" "$@" -- "tests/vm/guest/$name" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
	if [ $rc -eq 0 ]; then
		ok "guest $name checks pass"
	else
		not_ok "guest $name checks (exit $rc)"
		printf '%s\n' "$out" | grep -vE '^(ok|not ok|#|1\.\.)' | tail -n 20 | sed 's/^/#   /'
	fi
}
