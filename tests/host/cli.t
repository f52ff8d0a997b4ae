#!/bin/bash
# CLI conventions on every subcommand: `--help` exits 0 with the usage on
# stdout and nothing on stderr; an unknown option exits 2 with one line on
# stderr; `pautonuma --help` documents the exit codes. The subcommands are
# taken from `pautonuma --help`, so a new one is checked without an edit.
set -u
. "$(dirname "$0")/../lib/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$PAUTONUMA" ]; then
	not_ok "binary built ($PAUTONUMA)"
	tap_done
fi

"$PAUTONUMA" --help >"$tmp/help" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && ok "pautonuma --help: exit 0, stdout only" ||
	not_ok "pautonuma --help: exit 0, stdout only (rc $rc)"
if grep -q '^Exit codes:' "$tmp/help" && grep -q '2 usage' "$tmp/help" &&
	grep -q '4 another instance' "$tmp/help"; then
	ok "pautonuma --help documents the exit codes"
else
	not_ok "pautonuma --help documents the exit codes"
fi

# The command table: "  NAME  summary" lines after "Commands:".
cmds=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NF && !/^Commands:/ {print $1}')
n=$(wc -w <<<"$cmds")
[ "$n" -ge 7 ] && ok "$n subcommands listed: $(echo $cmds)" || not_ok "subcommands listed (got '$cmds')"

for c in $cmds; do
	for h in --help -h; do
		"$PAUTONUMA" "$c" $h >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q '^Usage: pautonuma' "$tmp/out"; then
			ok "$c $h: exit 0, usage on stdout"
		else
			not_ok "$c $h: exit 0, usage on stdout (rc $rc)"
			head -n 3 "$tmp/out" "$tmp/err" | sed 's/^/#   /'
		fi
	done
	[ "$c" = help ] && continue
	"$PAUTONUMA" "$c" --no-such-option >"$tmp/out" 2>"$tmp/err"
	rc=$?
	# attach/detach take the first argument as a PID, journal as an action.
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^pautonuma: ' "$tmp/err"; then
		ok "$c --no-such-option: exit 2, one line on stderr"
	else
		not_ok "$c --no-such-option: exit 2, one line on stderr (rc $rc, $(wc -l <"$tmp/err") lines)"
		head -n 5 "$tmp/err" | sed 's/^/#   /'
	fi
done

# The journal's actions each answer --help too.
for a in init dump verify recover; do
	"$PAUTONUMA" journal $a --help >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q '^Usage:' "$tmp/out" &&
		ok "journal $a --help: exit 0" || not_ok "journal $a --help: exit 0 (rc $rc)"
done

# Data-producing commands have --json: move's outcomes parse as JSON.
if [ "$(id -u)" -eq 0 ]; then
	sleep 60 &
	S=$!
	sleep 0.2
	A=$(awk -F'[- ]' '/\[heap\]|\[stack\]/ {print "0x" $1; exit}' /proc/$S/maps)
	"$PAUTONUMA" journal init "$tmp/j" --size 1M >/dev/null
	if "$PAUTONUMA" move --pid $S --to 0 --addr "$A" --journal "$tmp/j" --json >"$tmp/out" 2>"$tmp/err" &&
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] and d["pid"] == int(sys.argv[2]) and d["batches"][0]["at_dst"] == 1, d' "$tmp/out" $S; then
		ok "move --json: one JSON object with the batch outcome"
	else
		not_ok "move --json: one JSON object with the batch outcome"
		cat "$tmp/out" "$tmp/err" | head -n 5 | sed 's/^/#   /'
	fi
	kill $S
	wait $S 2>/dev/null
else
	skip "move --json" "needs root"
fi

# journal verify/recover --json: one object each that says what the text says.
"$PAUTONUMA" journal init "$tmp/jv" --size 1M >/dev/null
jcheck() { # NAME EXPECTED-RC PYTHON-ASSERTION ACTION...
	local name=$1 want=$2 expr=$3 rc
	shift 3
	"$PAUTONUMA" journal "$@" --json >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert $expr, d" "$tmp/out" 2>>"$tmp/err"; then
		ok "$name"
	else
		not_ok "$name (rc $rc)"
		cat "$tmp/out" "$tmp/err" | head -n 5 | sed 's/^/#   /'
	fi
}
jcheck "journal verify --json: ok, no records" 0 \
	'd["ok"] and d["records"] == 0 and d["open_batches"] == 0 and d["path"] == sys.argv[1].rsplit("/", 1)[0] + "/jv"' \
	verify "$tmp/jv"
if [ "$(id -u)" -eq 0 ]; then
	jcheck "journal recover --json: counts" 0 'd["open_batches"] == 0 and d["rolled_forward"] == 0' recover "$tmp/jv"
else
	skip "journal recover --json" "needs root"
fi
# journal init --json, at a path that needs escaping in JSON.
jp="$tmp/j \"q\"\\"
jcheck "journal init --json: path, size, records" 0 \
	'd["path"] == sys.argv[1].rsplit("/", 1)[0] + "/j \"q\"\\" and d["size"] == 1048576 and d["nrecords"] > 0' \
	init "$jp" --size 1M
[ -s "$jp" ] && ok "journal init --json created the file" || not_ok "journal init --json created the file"
"$PAUTONUMA" journal dump --force "$jp" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'journal dump: --force is an option of journal init only' "$tmp/err" &&
	ok "journal dump --force: exit 2, one line" || not_ok "journal dump --force: exit 2, one line (rc $rc)"
dd if=/dev/urandom of="$tmp/jv" bs=64 count=1 seek=64 conv=notrunc 2>/dev/null
jcheck "journal verify --json: corrupt -> ok false, the reason, exit 1" 1 \
	'not d["ok"] and "corrupt at record" in d["error"]' verify "$tmp/jv"

"$PAUTONUMA" frobnicate >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "unknown command: exit 2, one line" ||
	not_ok "unknown command: exit 2, one line (rc $rc)"
tap_done
