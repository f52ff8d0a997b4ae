# A short libFuzzer pass for tests/fuzz/*.t; source after tap.sh.
# fuzz_pass NAME SECONDS: runs build/tests/fuzz/NAME on its seed corpus
# (tests/fuzz/corpus/NAME) for SECONDS (FUZZ_SHORT_SECONDS overrides) and
# reports one TAP line; crash artifacts are kept in $BUILD.
fuzz_pass() {
	local name=$1 secs=${FUZZ_SHORT_SECONDS:-$2} fuzzer=$BUILD/tests/fuzz/$1 work log a
	if [ ! -x "$fuzzer" ]; then
		skip "$name $secs s" "not built ($fuzzer; run make tests)"
		return
	fi
	work=$(mktemp -d)
	mkdir -p "$work/corpus"
	log=$work/fuzz.log
	if "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work/corpus" "$SRC/tests/fuzz/corpus/$name" >"$log" 2>&1; then
		ok "$name: $secs s, 0 crashes ($(grep -o 'Done [0-9]* runs' "$log" | tail -n 1))"
	else
		not_ok "$name: crash, failed check or failure"
		# The target's complaint, our frames and the input (Base64): enough
		# to reproduce it from a CI log.
		grep -E 'ERROR|SUMMARY|Base64:|does not|differs|#[0-9]+ .*(user|tests)/[a-z_/]+\.[ch]:' \
			"$log" | head -n 20 | sed 's/^/#   /'
		for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
			[ -e "$a" ] && cp "$a" "$BUILD/" && diag "artifact kept: $BUILD/$(basename "$a")"
		done
	fi
	rm -rf "$work"
}
