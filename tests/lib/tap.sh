# Tiny TAP emitter for shell tests; source it.  Every test script prints
#   ok N - name | not ok N - name | ok N - name # SKIP reason
# and tests/run counts them.  A script that exits non-zero without having
# reported a failure is counted as one failure by the runner.
_tap_n=0
_tap_failed=0
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=1; echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }
diag() { printf "%s\n" "$*" | sed "s/^/# /"; }
# check NAME COMMAND...: ok if COMMAND succeeds, else not ok (output shown).
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 30
	fi
}
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; 1 when time is up.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
tap_done() { echo "1..$_tap_n"; exit $_tap_failed; }

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$SRC/build}
PAUTONUMA=${PAUTONUMA:-$BUILD/pautonuma}
