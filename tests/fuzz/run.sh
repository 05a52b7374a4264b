#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz/run.sh FUZZER SECONDS [LIBFUZZER-ARGS...]: fuzz the perf tap
# compiler (make fuzz, make check).  Seeds build/fuzz/seed afresh from
# tests/corpus/*.tap and the .tap test cases, keeps the inputs that add
# coverage in build/fuzz/corpus across runs, and exits non-zero when the
# fuzzer finds a crash, a leak, undefined behaviour, a slow input or one
# that needs too much memory.  The input is left in build/fuzz/artifacts.

set -u -o pipefail

die() {
	echo "fuzz: $*" >&2
	exit 2
}

(($# >= 2)) || die "usage: $0 FUZZER SECONDS [LIBFUZZER-ARGS...]"
fuzzer=$1 seconds=$2
shift 2
[[ -x $fuzzer ]] || die "$fuzzer is not built (make fuzz builds it)"
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
	die "SECONDS must be a positive number"
fi

tests=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(dirname "$tests")/build/fuzz
seed=$out/seed corpus=$out/corpus artifacts=$out/artifacts
log=$out/fuzz.log

# The seeds are copies, so that nothing in tests/ is kept twice in git;
# a case's "#!" header is made of comments and stays in.
rm -rf "$seed"
mkdir -p "$seed" "$corpus" "$artifacts" || die "cannot create $out"
for f in "$tests"/corpus/*.tap "$tests"/cases/*/*.tap; do
	tier=${f%/*}
	cp "$f" "$seed/${tier##*/}-${f##*/}" || die "cannot copy $f"
done
nr_artifacts() {
	find "$artifacts" -maxdepth 1 -type f | wc -l
}
before=$(nr_artifacts)
# a stack for undefined behaviour too, not just the line
export UBSAN_OPTIONS=print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}

# -timeout: one input compiles in milliseconds, so 10 s is a blow-up.
# -close_fd_mask=2: the compiler's error messages would fill the log
# (sanitizer reports still get through).
echo "fuzz: $seconds s, log in $log"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-close_fd_mask=2 -print_final_stats=1 -dict="$tests/fuzz/tap.dict" \
	-artifact_prefix="$artifacts/" "$@" "$corpus" "$seed" >"$log" 2>&1
rc=$?

# With -fork and -ignore_crashes libFuzzer exits 0 after failures, so the
# new files in artifacts/ count as well as the exit status.
found=$(($(nr_artifacts) - before))
grep -E '^#[0-9]+' "$log" | tail -n 1
grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
if ((rc == 0 && found == 0)); then
	echo "fuzz: nothing found in $seconds s"
	exit 0
fi
echo "fuzz: the fuzzer failed (exit status $rc, $found new input(s)):"
grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|==[0-9]+== ERROR: libFuzzer)' "$log" |
	head -n 5
# the first report's frames in the compiler, not libFuzzer's or libc's
grep -E '^ *#[0-9]+ 0x' "$log" | grep -vE ' in (fuzzer::|main |__libc|_start )' | head -n 10
find "$artifacts" -maxdepth 1 -type f -printf '%T@ %p\n' | sort -rn | head -n "$found" |
	sed 's|^[^ ]* |fuzz: input: |'
echo "fuzz: reproduce with: $fuzzer INPUT  (the whole report is in $log)"
exit 1
