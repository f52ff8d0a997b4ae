#!/bin/bash
# The journal and move commands on the running kernel: help and usage,
# hostile journal files, a busy journal, move_pages error paths, and
# recovery of a batch whose process exited or whose PID was reused.
. "$(dirname "$0")/../lib/tap.sh"
HOG=$BUILD/tests/progs/pagehog

if [ "$(id -u)" -ne 0 ]; then
	skip "journal CLI tests" "need root (chown, move_pages of another process)"
	tap_done
fi
if [ ! -x "$HOG" ] || [ ! -x "$PAUTONUMA" ]; then
	skip "journal CLI tests" "not built (make tests)"
	tap_done
fi
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# expect NAME EXIT REGEX COMMAND...: exit status and one line of output match.
expect() {
	local name=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
		ok "$name (exit $rc)"
	else
		not_ok "$name: exit $rc (want $want), output:"
		printf '%s\n' "$out" | head -n 5 | sed 's/^/#   /'
	fi
}

start_hog() { # start_hog NPAGES SKIP: sets hog_pid, hog_addr
	local f=$work/hog.$RANDOM
	mkfifo "$f.in"
	"$HOG" "$1" "$2" <"$f.in" >"$f.out" &
	hog_pid=$!
	pids+=("$hog_pid")
	exec {hog_fd}>"$f.in"
	for _ in $(seq 50); do [ -s "$f.out" ] && break; sleep 0.1; done
	read -r hog_addr _ <"$f.out"
}

# Re-seal a record after editing it (CRC32C of bytes 0..59 at 60).
reseal_py='
import struct, sys
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
    return c ^ 0xFFFFFFFF
path, seq, field_off, fmt, delta = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
with open(path, "r+b") as f:
    h = f.read(128)
    nrec = struct.unpack_from("<Q", h, 32)[0]
    off = 4096 + (seq % nrec) * 64
    f.seek(off); r = bytearray(f.read(64))
    v = struct.unpack_from(fmt, r, field_off)[0]
    struct.pack_into(fmt, r, field_off, v + delta)
    struct.pack_into("<I", r, 60, crc32c(bytes(r[:60])))
    f.seek(off); f.write(r)
'

# crash_move STEP ARGS...: a move killed at STEP (bash's "Killed" notice hidden).
crash_move() {
	local step=$1
	shift
	( { PAUTONUMA_TEST_CRASH_AT=$step "$PAUTONUMA" move "$@" >/dev/null 2>&1; } 2>/dev/null )
}

J=$work/journal
# ---------------------------------------------------------------- help, usage
expect "journal --help" 0 '^Usage: pautonuma journal init' "$PAUTONUMA" journal --help
expect "journal dump --help" 0 '^Usage: pautonuma journal' "$PAUTONUMA" journal dump --help
expect "move --help" 0 '^Usage: pautonuma move --pid' "$PAUTONUMA" move --help
expect "help lists journal and move" 0 '^  move ' "$PAUTONUMA" --help
expect "move without arguments is a usage error" 2 '^pautonuma: move: need --pid' "$PAUTONUMA" move
expect "unknown journal action" 2 "^pautonuma: journal: unknown action 'frob'" "$PAUTONUMA" journal frob
expect "dump without a path" 2 '^pautonuma: journal dump: expected one PATH' "$PAUTONUMA" journal dump
expect "bad --size" 2 "bad --size '12Q'" "$PAUTONUMA" journal init "$J" --size 12Q
expect "misaligned --addr" 2 'page aligned' "$PAUTONUMA" move --pid $$ --to 0 --addr 0x1001 --journal "$J"

# ---------------------------------------------------------------- init, dump, verify
expect "init" 0 "^journal $J: created, 65536 bytes, 960 records" "$PAUTONUMA" journal init "$J" --size 64K
expect "init refuses to overwrite" 3 'File exists \(use --force' "$PAUTONUMA" journal init "$J" --size 64K
expect "dump reports granularity and unsafe-shutdown count" 0 \
	'store granularity: page \(msync\); unsafe shutdowns: not available' "$PAUTONUMA" journal dump "$J"
check "journal file is mode 0600" test "$(stat -c %a "$J")" = 600

# ---------------------------------------------------------------- move
start_hog 32 4 # 24 present, 8 never touched
hog1=$hog_pid addr1=$hog_addr
expect "move 32 pages in batches of 8" 0 '^batch 7: 8 pages .* 6 at node, 0 elsewhere, 2 not present' \
	"$PAUTONUMA" move --pid "$hog1" --to 0 --addr "$addr1" --pages 32 --batch 8 --journal "$J"
"$PAUTONUMA" journal dump --json "$J" >"$work/dump.json"
check "dump --json is JSON with 8 records, no open batch" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["seq"] for r in d["records"]] == list(range(1, 9)), d["records"]
assert [r["type"] for r in d["records"]] == ["BEGIN", "COMMIT"] * 4
assert d["open"] == [] and d["corrupt"] is False
assert sum(r["at_dst"] for r in d["records"] if r["type"] == "COMMIT") == 24
' "$work/dump.json"
end=$(printf '0x%x' $((addr1 + 8 * 4096)))
expect "move --range" 0 '^batch 9: 8 pages' "$PAUTONUMA" move --pid "$hog1" --to 0 --range "$addr1-$end" --journal "$J"
expect "unmapped address: per-page -EFAULT" 0 ' 0 at node, 0 elsewhere, 0 not present, 4 efault' \
	"$PAUTONUMA" move --pid "$hog1" --to 0 --addr 0x10000 --pages 4 --journal "$J"
nodes=$(ls -d /sys/devices/system/node/node* | wc -l)
bad_node=$nodes
expect "node $bad_node does not exist: ENODEV, batch aborted" 3 'move_pages: No such device \(batch [0-9]+ aborted\)' \
	"$PAUTONUMA" move --pid "$hog1" --to "$bad_node" --addr "$addr1" --pages 4 --journal "$J"
check "the ENODEV batch is journaled as ABORT" sh -c "'$PAUTONUMA' journal dump '$J' | grep -q 'ABORT .*No such device'"
true & gone=$!
wait $gone
expect "a PID that is gone" 1 "pid $gone: no such process" \
	"$PAUTONUMA" move --pid "$gone" --to 0 --addr "$addr1" --journal "$J"
zpid=$(bash -c 'sleep 0 & echo $!; exec sleep 5' &)
sleep 0.3
expect "a zombie" 1 "pid $zpid: no such process \\(or a zombie\\)" \
	"$PAUTONUMA" move --pid "$zpid" --to 0 --addr "$addr1" --journal "$J"

# ---------------------------------------------------------------- busy
flock -x "$J" sleep 3 &
pids+=($!)
sleep 0.3
expect "second writer refused" 4 'in use by another pautonuma process' \
	"$PAUTONUMA" move --pid "$hog1" --to 0 --addr "$addr1" --journal "$J"
expect "reader refused while a writer holds it" 4 'in use' "$PAUTONUMA" journal verify "$J"
wait $!

# ---------------------------------------------------------------- recovery: gone, recycled
J2=$work/journal2
"$PAUTONUMA" journal init "$J2" --size 64K >/dev/null
start_hog 8 0
hog2=$hog_pid addr2=$hog_addr
crash_move begin-persisted --pid "$hog2" --to 0 --addr "$addr2" --pages 8 --journal "$J2"
kill "$hog2"
wait "$hog2" 2>/dev/null
expect "recovery abandons the batch of a process that exited" 0 '^batch 1: .*abandoned-gone' \
	"$PAUTONUMA" journal recover "$J2"
crash_move begin-persisted --pid "$hog1" --to 0 --addr "$addr1" --pages 8 --journal "$J2"
# Make record 3 look like a batch of an earlier process with the same PID.
python3 -c "$reseal_py" "$J2" 3 32 '<Q' 1
expect "recovery never touches a recycled PID" 0 '^batch 3: .*abandoned-recycled' \
	"$PAUTONUMA" journal recover "$J2"
expect "journal verifies after recovery" 0 ', 0 open batches' "$PAUTONUMA" journal verify "$J2"
expect "recover again: nothing to do" 0 ': 0 open batches: 0 rolled forward, 0 abandoned' \
	"$PAUTONUMA" journal recover "$J2"

# ---------------------------------------------------------------- hostile files
H=$work/hostile
cp "$J" "$H"
ln -s "$H" "$work/link"
expect "symlink refused" 3 'is a symlink; refusing to follow it' "$PAUTONUMA" journal verify "$work/link"
chmod 0666 "$H"
expect "group/world-writable refused" 3 'mode 0666 lets others write it' "$PAUTONUMA" journal verify "$H"
chmod 0600 "$H"
chown 65534 "$H"
expect "foreign owner refused" 3 'owned by uid 65534, not by uid 0' "$PAUTONUMA" journal verify "$H"
chown 0 "$H"
cp "$J" "$H.ver"
printf '\x02' | dd of="$H.ver" bs=1 seek=8 conv=notrunc 2>/dev/null
expect "wrong version refused" 3 'unsupported version 2 \(this build reads version 1\)' "$PAUTONUMA" journal verify "$H.ver"
cp "$J" "$H.magic" && printf 'XXXX' | dd of="$H.magic" bs=1 seek=0 conv=notrunc 2>/dev/null
expect "wrong magic refused" 3 'wrong magic: not a pautonuma journal' "$PAUTONUMA" journal verify "$H.magic"
cp "$J" "$H.trunc" && truncate -s 20000 "$H.trunc"
expect "truncated file refused" 3 'truncated: 20000 bytes, header says 65536' "$PAUTONUMA" journal verify "$H.trunc"
head -c 100 "$J" >"$H.small" && chmod 600 "$H.small"
expect "too small refused" 3 'too small: 100 bytes' "$PAUTONUMA" journal verify "$H.small"
expect "missing journal" 3 'No such file or directory' "$PAUTONUMA" journal verify "$work/nope"
expect "PMEM2_FORCE_GRANULARITY refused" 3 'PMEM2_FORCE_GRANULARITY is set' \
	env PMEM2_FORCE_GRANULARITY=cacheline "$PAUTONUMA" journal verify "$J"
tap_done
