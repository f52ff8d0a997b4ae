#!/bin/bash
# make install / uninstall into a DESTDIR, and what was installed: the binary
# runs without the build folder (BPF objects embedded), status without a
# running instance, the unit verifies, the man pages render without warnings,
# the bash completion completes.
. "$(dirname "$0")/../lib/tap.sh"
cd "$SRC" || exit 1
D=$(mktemp -d /tmp/pautonuma-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
I=$D/usr/sbin/pautonuma

out=$(make --no-print-directory BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr install 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "make install DESTDIR=... PREFIX=/usr" ||
	{ not_ok "make install (exit $rc)"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'; tap_done; }

want=(usr/sbin/pautonuma lib/systemd/system/pautonuma.service
	usr/share/bash-completion/completions/pautonuma)
for m in doc/*.[0-9]; do want+=("usr/share/man/man${m##*.}/${m##*/}"); done
[ -e etc/pautonuma.conf ] &&
	want+=(usr/share/doc/pautonuma/pautonuma.conf etc/pautonuma/pautonuma.conf)
missing=()
for f in "${want[@]}"; do [ -f "$D/$f" ] || missing+=("$f"); done
[ ${#missing[@]} -eq 0 ] && ok "installed: ${want[*]}" || not_ok "not installed: ${missing[*]}"
[ -e etc/pautonuma.conf ] ||
	skip "example configuration installed" "no etc/pautonuma.conf in this tree"
[ "$(stat -c %a "$I")" = 755 ] && [ "$(stat -c %a "$D/lib/systemd/system/pautonuma.service")" = 644 ] &&
	ok "modes: binary 0755, unit 0644" || not_ok "modes: $(stat -c '%n %a' "$I" "$D"/lib/systemd/system/*)"

# Existing configuration is kept on reinstall.
if [ -e etc/pautonuma.conf ]; then
	echo "# operator's" >"$D/etc/pautonuma/pautonuma.conf"
	make --no-print-directory BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr install >/dev/null 2>&1
	[ "$(cat "$D/etc/pautonuma/pautonuma.conf")" = "# operator's" ] &&
		ok "reinstall keeps /etc/pautonuma/pautonuma.conf" ||
		not_ok "reinstall overwrote /etc/pautonuma/pautonuma.conf"
fi

# The BPF objects are inside the binary: two embedded ELF files for the BPF
# machine (EM_BPF = 247), and no path into the build folder.
nbpf=$(python3 - "$I" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
n, i = 0, b.find(b"\x7fELF", 1)
while i > 0:
    if struct.unpack_from("<H", b, i + 18)[0] == 247:
        n += 1
    i = b.find(b"\x7fELF", i + 1)
print(n)
EOF
)
nobj=$(ls bpf/*.bpf.c | wc -l)
# (debug info names source paths: look at a copy without it)
objcopy --strip-debug "$I" "$D/stripped"
[ "$nbpf" = "$nobj" ] && ! grep -q "$(realpath "$BUILD")" "$D/stripped" &&
	ok "binary embeds its $nbpf BPF objects and names no build path" ||
	not_ok "embedded BPF objects: $nbpf, want $nobj (one per bpf/*.bpf.c)"

out=$("$I" --help 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == *Commands:*run*status* ]] && ok "installed binary: --help" ||
	not_ok "installed --help (exit $rc): $out"
out=$("$I" --version 2>&1)
[[ $out == "pautonuma "[0-9]* ]] && ok "installed binary: --version ($out)" || not_ok "--version: $out"

# status and run in a mount namespace of their own: a fresh, empty bpffs and
# lock directory (another instance on this shared machine is not seen), and
# the build folder hidden under an empty tmpfs.
ns() {
	unshare -m --propagation private sh -c '
		mount -t bpf bpf /sys/fs/bpf && mkdir -p /run/pautonuma &&
		mount -t tmpfs tmpfs /run/pautonuma && mount -t tmpfs tmpfs "$0" &&
		exec "$@"' "$(realpath "$BUILD")" "$@"
}
if ! ns true 2>/dev/null; then
	skip "status without a running instance" "cannot make a mount namespace here"
	skip "run without the build folder" "cannot make a mount namespace here"
else
	out=$(ns "$I" status 2>"$D/err")
	rc=$?
	err=$(cat "$D/err")
	[ $rc -eq 1 ] && [ -z "$out" ] &&
		[ "$err" = "pautonuma: status: no observer is running (nothing pinned in /sys/fs/bpf/pautonuma)" ] &&
		ok "status with no instance: exit 1, one line on stderr" ||
		not_ok "status with no instance: exit $rc, stdout '$out', stderr '$err'"
	out=$(ns setpriv --reuid=65534 --regid=65534 --clear-groups "$I" status 2>&1)
	rc=$?
	[ $rc -eq 3 ] && [ "$out" = "pautonuma: status: must run as root" ] &&
		ok "status as a user: exit 3, '$out'" || not_ok "status as a user: exit $rc, '$out'"
	# numa_balancing at its current value: nothing in the kernel is changed.
	nb=$(cat /proc/sys/kernel/numa_balancing)
	out=$(ns "$I" run --observe-only --all --numa-balancing "$nb" --interval 1 --duration 2 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [[ $out == *"hooks: "* ]] && [[ $out == *"unloaded; removed"* ]] &&
		ok "installed binary loads its BPF programs with the build folder hidden" || {
		not_ok "run --observe-only without the build folder (exit $rc)"
		printf '%s\n' "$out" | tail -n 10 | sed 's/^/#   /'
	}
fi

# The unit as installed, with only the binary's path moved into DESTDIR
# (systemd-analyze checks that ExecStart= exists); its Documentation= man
# pages are looked up in DESTDIR when they are all there.
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "no systemd-analyze (make deps installs systemd)"
else
	mkdir -p "$D/verify"
	sed "s|/usr/sbin/pautonuma|$I|g" "$D/lib/systemd/system/pautonuma.service" \
		>"$D/verify/pautonuma.service"
	man=yes
	for p in $(sed -n 's/^Documentation=//p' etc/pautonuma.service); do
		p=${p#man:}
		page=${p%(*} sec=${p#*(}
		sec=${sec%)}
		[ -f "$D/usr/share/man/man$sec/$page.$sec" ] || man=no
	done
	[ $man = yes ] || diag "not every Documentation= page is in this tree: verify --man=no"
	out=$(MANPATH=$D/usr/share/man systemd-analyze verify --man=$man "$D/verify/pautonuma.service" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze verify: clean (man=$man)" ||
		{ not_ok "systemd-analyze verify (exit $rc)"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	out=$(systemd-analyze security --offline=yes --no-pager "$D/verify/pautonuma.service" 2>&1 |
		sed -n 's/.*Overall exposure level for pautonuma.service: \([0-9.]*\).*/\1/p')
	# 0 (safest) .. 10; root with CAP_BPF/CAP_SYS_ADMIN cannot go far below 2.
	[ -n "$out" ] && awk -v e="$out" 'BEGIN { exit !(e <= 3.0) }' &&
		ok "systemd-analyze security: exposure $out (<= 3.0)" ||
		not_ok "systemd-analyze security: exposure '${out:-?}' (want <= 3.0)"
fi

# Man pages render without a warning.
for m in "$D"/usr/share/man/man*/*; do
	name=${m##*/}
	out=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
	[ -z "$out" ] && ok "groff -ww: $name renders without warnings" ||
		{ not_ok "groff -ww: $name"; printf '%s\n' "$out" | head -n 10 | sed 's/^/#   /'; }
	out=$(MANWIDTH=80 man -l "$m" 2>&1)
	[[ $out == *NAME*pautonuma* ]] && ok "man -l $name shows its NAME section" || not_ok "man -l $name"
	if command -v mandoc >/dev/null; then
		out=$(mandoc -Tlint "$m" 2>&1)
		[ -z "$out" ] && ok "mandoc -Tlint: $name clean" ||
			{ not_ok "mandoc -Tlint: $name"; printf '%s\n' "$out" | head -n 10 | sed 's/^/#   /'; }
	else
		skip "mandoc -Tlint $name" "no mandoc (make deps installs it)"
	fi
done

# Every subcommand and every option of every subcommand's help is in the man page.
m8=$D/usr/share/man/man8/pautonuma.8
page=$(MANWIDTH=200 man -l "$m8" 2>/dev/null)
cmds=$("$I" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' | grep -vx help)
absent=()
for c in $cmds; do
	grep -q "^   $c\b\|^   [a-z, ]*\b$c\b" <<<"$page" || absent+=("$c")
	for o in $("$I" "$c" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		[ "$o" = --help ] && continue
		grep -q -- "$o\b" <<<"$page" || absent+=("$c $o")
	done
done
[ -n "$cmds" ] && [ ${#absent[@]} -eq 0 ] && ok "pautonuma(8) documents every subcommand and option: $(echo $cmds)" ||
	not_ok "pautonuma(8) lacks: ${absent[*]}"

# Bash completion, sourced from where it was installed, driving the
# installed binary.
comp=$D/usr/share/bash-completion/completions/pautonuma
out=$(bash --norc -c '
	. "$1" || exit 1
	complete -p pautonuma >/dev/null || exit 2
	c() { COMP_WORDS=("$2" "${@:3}"); COMP_CWORD=$(($# - 2)); COMPREPLY=(); _pautonuma; echo "${COMPREPLY[*]}"; }
	echo "top: $(c x "$2" "")"
	echo "jo: $(c x "$2" jo)"
	echo "journal: $(c x "$2" journal "")"
	echo "run: $(c x "$2" run --p)"
	echo "move: $(c x "$2" move --to "")"
	echo "attach: $(c x "$2" attach "$3")"
	echo "dump: $(c x "$2" journal dump "$1")"
' _ "$comp" "$I" "$$" 2>&1)
rc=$?
get() { sed -n "s/^$1: //p" <<<"$out"; }
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort | tr '\n' ' ')
[ $rc -eq 0 ] && ok "completion file sources and registers _pautonuma" || not_ok "completion: exit $rc: $out"
[ "$(get top | tr ' ' '\n' | grep -v '^--' | sort | tr '\n' ' ')" = "$(printf '%s\n' help $cmds | sort | tr '\n' ' ')" ] &&
	ok "completes the subcommands: $(get top)" || not_ok "subcommands: '$(get top)', want: help $(echo $cmds)"
[ "$(get jo)" = journal ] && ok "completes 'jo' to journal" || not_ok "'jo' -> '$(get jo)'"
[ "$(get journal)" = "dump init recover verify" ] && ok "completes journal actions: $(get journal)" ||
	not_ok "journal actions: '$(get journal)'"
[ "$(get run)" = "--pid --promote-rate-limit" ] && ok "completes run --p: $(get run)" ||
	not_ok "run --p -> '$(get run)'"
[ "$(get move | tr ' ' '\n' | sort | tr '\n' ' ')" = "$nodes" ] && ok "completes move --to with NUMA nodes: $(get move)" ||
	not_ok "move --to -> '$(get move)', want '$nodes'"
[[ " $(get attach) " == *" $$ "* ]] && ok "completes attach with PIDs" || not_ok "attach -> '$(get attach)'"
[ "$(get dump)" = "$comp" ] && ok "completes journal dump PATH with files" || not_ok "journal dump -> '$(get dump)'"

# PREFIX=/usr/local: the unit goes under the prefix and names the binary there.
make --no-print-directory BUILD="$BUILD" DESTDIR="$D/local" install >/dev/null 2>&1
u=$D/local/usr/local/lib/systemd/system/pautonuma.service
[ -x "$D/local/usr/local/sbin/pautonuma" ] && grep -q '^ExecStart=/usr/local/sbin/pautonuma run' "$u" &&
	! grep -q '/usr/sbin/pautonuma' "$u" &&
	ok "PREFIX=/usr/local: binary and unit under it, ExecStart= names /usr/local/sbin/pautonuma" ||
	not_ok "PREFIX=/usr/local install: $(ls -R "$D/local" | head -n 20 | tr '\n' ' ')"

# uninstall removes everything but the configuration.
make --no-print-directory BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr uninstall >/dev/null 2>&1
left=$(cd "$D" && find usr lib etc -type f 2>/dev/null | sort | tr '\n' ' ')
want_left=""
[ -e etc/pautonuma.conf ] && want_left="etc/pautonuma/pautonuma.conf "
[ "$left" = "$want_left" ] && ok "make uninstall leaves only the configuration ('$left')" ||
	not_ok "after uninstall: '$left', want '$want_left'"
tap_done
