#!/bin/bash
# The configuration file of `pautonuma run` on the real binary: the example
# is the defaults, command-line options win, errors are one FILE:LINE line
# with exit 2; then SIGHUP on a running instance (observe-only: this host
# has one NUMA node, so the daemon proper cannot start here): a good reload
# attaches a PID, changes the interval, keeps a restart-only setting; a bad
# reload changes nothing and says why with FILE:LINE.
set -u
. "$(dirname "$0")/../lib/tap.sh"

PIN=/sys/fs/bpf/pautonuma
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
unset PAUTONUMA_JOURNAL

if [ ! -x "$PAUTONUMA" ]; then
	not_ok "binary built ($PAUTONUMA)"
	tap_done
fi

# --- parsing, no root needed -------------------------------------------------
"$PAUTONUMA" run --config "$SRC/etc/pautonuma.conf" --settings >"$tmp/example" 2>"$tmp/err"
rc=$?
"$PAUTONUMA" run --config /dev/null --settings >"$tmp/defaults" 2>>"$tmp/err"
if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && cmp -s "$tmp/example" "$tmp/defaults"; then
	ok "etc/pautonuma.conf parses and its values are the built-in defaults"
else
	not_ok "etc/pautonuma.conf parses and its values are the built-in defaults (rc $rc)"
	diff "$tmp/example" "$tmp/defaults" | head -n 10 | sed 's/^/#   /'
	sed 's/^/#   /' "$tmp/err"
fi

# The effective settings read back as a file giving the same settings.
cp "$tmp/example" "$tmp/example.conf"
if "$PAUTONUMA" run --config "$tmp/example.conf" --settings | cmp -s - "$tmp/example"; then
	ok "--settings output is a configuration file of the same settings"
else
	not_ok "--settings output is a configuration file of the same settings"
fi

# 64 --pid of 9 digits make a list longer than a line: it goes on over
# indented lines, and loads back the same.
pids=()
for i in $(seq 100 163); do pids+=(--pid "4${i}0${i}"); done
"$PAUTONUMA" run --config /dev/null "${pids[@]}" --settings >"$tmp/pids.conf" 2>"$tmp/err"
if [ "$(grep -c $'^\t4' "$tmp/pids.conf")" -ge 2 ] && ! awk 'length > 198' "$tmp/pids.conf" | grep -q . &&
	"$PAUTONUMA" run --config "$tmp/pids.conf" --settings | cmp -s - "$tmp/pids.conf"; then
	ok "64 --pid: --settings prints lines that fit, and they load back the same"
else
	not_ok "64 --pid: --settings prints lines that fit, and they load back the same"
	sed 's/^/#   /' "$tmp/pids.conf" "$tmp/err" | head -n 20
fi

cat >"$tmp/a.conf" <<'EOF'
[daemon]
interval = 2
duration = 30
log_level = warn
[policy]
decay = 0.75
cooldown = 9
[process 77]
exclude = yes
EOF
out=$("$PAUTONUMA" run --config "$tmp/a.conf" --interval 3 --set cooldown=10 --settings)
if grep -qx 'interval = 3' <<<"$out" && grep -qx 'duration = 30' <<<"$out" &&
	grep -qx 'log_level = warn' <<<"$out" && grep -qx 'decay = 0.75' <<<"$out" &&
	grep -qx 'cooldown = 10' <<<"$out" && grep -qx '\[process 77\]' <<<"$out" &&
	grep -qx 'exclude = yes' <<<"$out"; then
	ok "file settings applied, command-line options override them"
else
	not_ok "file settings applied, command-line options override them"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi

# expect_error NAME LINE-REGEX FILE-CONTENT: exit 2, one line on stderr.
expect_error() {
	local name=$1 re=$2
	printf '%b' "$3" >"$tmp/bad.conf"
	"$PAUTONUMA" run --config "$tmp/bad.conf" --settings >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$re" "$tmp/err" &&
		[ ! -s "$tmp/out" ]; then
		ok "$name: exit 2, '$(cat "$tmp/err")'"
	else
		not_ok "$name (rc $rc)"
		sed 's/^/#   /' "$tmp/err"
	fi
}
expect_error "unknown section" "^pautonuma: $tmp/bad.conf:3: unknown section \[frob\]" \
	'[daemon]\ninterval = 1\n[frob]\n'
expect_error "unknown key" "^pautonuma: $tmp/bad.conf:2: no such setting 'intervall' in \[daemon\]" \
	'[daemon]\nintervall = 1\n'
expect_error "bad value" "^pautonuma: $tmp/bad.conf:3: invalid decay 'fast' (a number)" \
	'[policy]\ncooldown = 2\ndecay = fast\n'
expect_error "cross-key check" "^pautonuma: $tmp/bad.conf:2: pingpong_window must be >= cooldown" \
	'[policy]\ncooldown = 40\n'
expect_error "syntax" "^pautonuma: $tmp/bad.conf:1: syntax error" 'garbage\n'

"$PAUTONUMA" run --config "$tmp/missing.conf" --settings >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "missing.conf: No such file" "$tmp/err"; then
	ok "--config naming a missing file: exit 2, one line"
else
	not_ok "--config naming a missing file: exit 2, one line (rc $rc)"
	sed 's/^/#   /' "$tmp/err"
fi
"$PAUTONUMA" run --set decay=7 --settings >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^pautonuma: run: command line: decay must be in (0, 1\]' "$tmp/err"; then
	ok "a bad --set is a usage error naming the command line"
else
	not_ok "a bad --set is a usage error naming the command line (rc $rc)"
	sed 's/^/#   /' "$tmp/err"
fi

# --- SIGHUP on a running instance -------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "SIGHUP reload" "needs root"
	tap_done
fi
# The host is shared: wait a while for another instance to end.
for _ in $(seq 60); do [ -e "$PIN" ] || break; sleep 2; done
if [ -e "$PIN" ]; then
	skip "SIGHUP reload" "another instance kept running for 120 s ($PIN exists)"
	tap_done
fi

sleep 600 &
S1=$!
sleep 600 &
S2=$!
pids+=("$S1" "$S2")
conf=$tmp/run.conf
cat >"$conf" <<EOF
[daemon]
observe_only = yes
interval = 1
pids = $S1
journal = /var/lib/pautonuma/journal
EOF
"$PAUTONUMA" run --config "$conf" >"$tmp/run" 2>&1 &
R=$!
pids+=("$R")
if ! wait_for 30 grep -qs 'observing the given processes' "$tmp/run"; then
	not_ok "run --config started"
	sed 's/^/#   /' "$tmp/run" | tail -n 20
	tap_done
fi
ok "run --config $conf started (observe-only)"

in_filter() {
	"$PAUTONUMA" status --json | python3 -c '
import json, sys
pids = {p["pid"] for p in json.load(sys.stdin)["pids"] if p.get("attached")}
sys.exit(0 if int(sys.argv[1]) in pids else 1)' "$1"
}

# hup_expect NAME REGEX: SIGHUP the instance, then its output must match REGEX.
hup_expect() {
	kill -HUP $R
	if wait_for 10 grep -q "$2" "$tmp/run"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$tmp/run" | tail -n 20
	fi
}

# Good reload: S2 replaces S1, interval 1 -> 2, journal needs a restart.
cat >"$conf" <<EOF
[daemon]
observe_only = yes
interval = 2
pids = $S2
journal = /elsewhere/journal
log_level = debug
EOF
hup_expect "SIGHUP: reloaded, 3 live settings changed" "reloaded $conf: 3 settings changed"
grep -q "^pautonuma: warning: $conf: \[daemon\] journal = /elsewhere/journal needs a restart; keeping /var/lib/pautonuma/journal" "$tmp/run" &&
	ok "restart-only setting reported and kept" ||
	not_ok "restart-only setting reported and kept"
grep -q "reload: $conf: \[daemon\] interval = 2 (was 1)" "$tmp/run" &&
	ok "interval change reported" || not_ok "interval change reported"
if in_filter $S2 && ! in_filter $S1; then
	ok "pids: $S2 attached, $S1 detached (status --json)"
else
	not_ok "pids: $S2 attached, $S1 detached (status --json)"
	"$PAUTONUMA" status --json | head -c 600 | sed 's/^/#   /'
fi
# Seconds between the last two interval reports ("[12.0s] ...").
last_gap() {
	grep -o '^\[[0-9.]*s\]' "$tmp/run" | tr -d '[]s' | tail -n 2 |
		awk 'NR == 1 { a = $1 } NR == 2 { printf "%.1f", $1 - a }'
}
# About 2 s, not 1 (the stamps have 0.1 s steps and the host is loaded).
near2() { awk -v g="$1" 'BEGIN { exit !(g >= 1.5 && g <= 3.0) }'; }
# Reports 2 s apart now: the last two interval stamps.
sleep 5
gap=$(last_gap)
near2 "$gap" && ok "interval 2 s in force after the reload (gap $gap s)" ||
	not_ok "interval 2 s in force after the reload (gap '$gap')"

# Bad reload: line 4 is wrong; nothing changes.
n_reports=$(grep -c '^\[' "$tmp/run")
cat >"$conf" <<EOF
[daemon]
observe_only = yes
interval = 1
pids = $S1 nonsense
EOF
hup_expect "bad reload: says why with FILE:LINE" \
	"^pautonuma: reload failed, keeping the running configuration: $conf:4: invalid pids: 'nonsense' is not a PID"
grep -q "^pautonuma: debug: SIGHUP: reloading $conf" "$tmp/run" &&
	ok "log_level = debug from the reload in force" || not_ok "log_level = debug from the reload in force"
sleep 4.5
gap=$(last_gap)
if kill -0 $R 2>/dev/null && [ "$(grep -c '^\[' "$tmp/run")" -gt "$n_reports" ] &&
	near2 "$gap" && in_filter $S2 && ! in_filter $S1; then
	ok "bad reload: still running with the old configuration (interval 2 s: gap $gap s; pid $S2)"
else
	not_ok "bad reload: still running with the old configuration (gap '$gap')"
fi

kill -TERM $R
wait $R
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM after reloads: exit 0" || not_ok "SIGTERM after reloads: exit 0 (got $rc)"
[ ! -e "$PIN" ] && ok "pins removed" || not_ok "pins removed"

# --log-level error: the reports (stdout) stay, the info messages go.
"$PAUTONUMA" run --observe-only --all --interval 1 --duration 2 --log-level error >"$tmp/q" 2>"$tmp/qerr"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/qerr" ] && [ "$(grep -c '^\[' "$tmp/q")" -ge 1 ]; then
	ok "--log-level error: nothing on stderr, reports on stdout"
else
	not_ok "--log-level error: nothing on stderr, reports on stdout (rc $rc)"
	head -n 5 "$tmp/qerr" | sed 's/^/#   /'
fi
tap_done
