#!/bin/bash
# tests/vm/guest/ops_check.py on synthetic reports, so that its verdict on
# the hot range is known to pass and to fail where it should. Rows are laid
# out as hist_table() lays them out for 4099 pages seen: 65 pages a row from
# the workload's base, so the hot range's 512 pages end inside row 7 (455-519:
# 57 pages hot, 8 cold). CI once failed when that row was among the hottest.
set -u
. "$(dirname "$0")/../lib/tap.sh"

PY=/usr/bin/python3
CHECK=$SRC/tests/vm/guest/ops_check.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base=0x7f0000000000
hot_end=$(printf '0x%x' $((base + 512 * 4096)))

# gen NAME ROW...: NAME.svg and NAME.json of 63 rows: a cold row has 260
# faults, a hot one 1200, the rows named 2000, the first named (the hottest
# row of the json) 2400.
gen() {
	local name=$1
	shift
	$PY - "$tmp/$name" "$base" "$@" <<'EOF'
import json, sys
out, base, top = sys.argv[1], int(sys.argv[2], 16), [int(a) for a in sys.argv[3:]]
page, per, ncols = 4096, 65, 8
rows = []
for r in range(63):
    lo = base + r * per * page
    hi = lo + per * page
    f = 2400 if r == top[0] else 2000 if r in top else 1200 if r < 8 else 260
    rows.append((lo, hi, [f // ncols] * ncols))
svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">']
for r, (lo, hi, by) in enumerate(rows):
    for c, f in enumerate(by):
        svg.append(f'<rect class="cell" data-row="{r}" data-col="{c}" data-lo="{lo:#x}" '
                   f'data-hi="{hi:#x}" data-faults="{f}" x="0" y="0" width="1" height="1"/>')
for n in (0, 1):
    svg.append(f'<rect class="res" data-node="{n}" x="0" y="0" width="1" height="1"/>')
svg.append('</svg>')
open(out + ".svg", "w").write("\n".join(svg))
best = max(range(len(rows)), key=lambda r: sum(rows[r][2]))
json.dump({"pid": 42, "svg": out + "/report.svg", "intervals": ncols,
           "t": [float(c) for c in range(ncols)],
           "resident": {"0": [1] * ncols, "1": [1] * ncols},
           "rows": [{"start": lo, "end": hi, "faults": sum(by), "by_interval": by}
                    for lo, hi, by in rows], "hottest_row": best}, open(out + ".json", "w"))
EOF
}

verdict() { # NAME WANT(pass|fail) WHAT
	local rc_svg=0 rc_json=0
	$PY "$CHECK" svg "$tmp/$1.svg" $base $hot_end >"$tmp/$1.out" 2>&1 || rc_svg=$?
	$PY "$CHECK" json "$tmp/$1.json" 42 $base $hot_end >>"$tmp/$1.out" 2>&1 || rc_json=$?
	if { [ "$2" = pass ] && [ $rc_svg -eq 0 ] && [ $rc_json -eq 0 ]; } ||
		{ [ "$2" = fail ] && [ $rc_svg -eq 1 ] && [ $rc_json -eq 1 ]; }; then
		ok "$3: svg and json checks ${2}"
	else
		not_ok "$3: want $2, svg exit $rc_svg, json exit $rc_json"
		sed 's/^/#   /' "$tmp/$1.out"
	fi
}

if ! $PY -c 'import prometheus_client' 2>/dev/null; then
	skip "ops_check.py needs python3-prometheus-client (make deps)"
	tap_done
fi
gen inside 0 3 5
verdict inside pass "the three hottest rows wholly in the hot range"
gen straddle 7 2 4
verdict straddle pass "the hottest row holds the hot range's last 57 pages and 8 cold ones"
gen next 8 2 4
verdict next fail "the hottest row is the first one past the hot range"
gen far 40 2 4
verdict far fail "the hottest row is far outside the hot range"
grep -q 'hot row 40 ' "$tmp/far.out" && ok "the failure names the row outside the range" ||
	{ not_ok "the failure names the row outside the range"; sed 's/^/#   /' "$tmp/far.out"; }
tap_done
