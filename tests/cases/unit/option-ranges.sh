#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Numeric options out of range are refused with one sentence and exit 1,
# before anything is compiled or loaded: -C with a CPU the machine cannot
# have (libperf's parser would build an array entry per number of a range
# and hang on 0-999999), -p with a pid that is not positive (-1 would trace
# everything), and 0 for --table-size, --loop-max and -m (which used to
# become the defaults).  Valid values still pass the check.  These are
# perf tap's run options: make core's tap-core does not take them.
#! needs: perf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

ncpus=$(($(sed 's/.*-//' /sys/devices/system/cpu/possible) + 1))

# refused OPTION... -- EXPECTED-STDERR-REGEX
refused() {
	local args=() rc=0 start end
	while [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	start=$(date +%s%N)
	timeout 5 "$PERF" tap "${args[@]}" -e 'print(1)' >out 2>err || rc=$?
	end=$(date +%s%N)
	expect_eq "exit status for ${args[*]}" 1 "$rc"
	expect_eq "stdout for ${args[*]}" "" "$(cat out)"
	[[ $(wc -l <err) == 1 ]] || fail "${args[*]}: not one line on stderr: $(cat err)"
	grep -Eqx "$2" err || fail "${args[*]}: stderr '$(cat err)' does not match '$2'"
	(((end - start) / 1000000 < 2000)) || fail "${args[*]}: took $(((end - start) / 1000000)) ms"
}

refused -C 0-999999 -- "perf tap: -C: there is no CPU 999999 \(this machine has CPUs 0-$((ncpus - 1))\)"
refused -C "$ncpus" -- "perf tap: -C: there is no CPU $ncpus \(this machine has CPUs 0-$((ncpus - 1))\)"
refused -C 99999999999999999999999 -- "perf tap: -C: there is no CPU 9+ .*"
refused -C '' -- "perf tap: -C: not a CPU list: ''"
refused -C 0,x -- "perf tap: -C: not a CPU list: '0,x'"
refused -p -1 -- "perf tap: -p: not a process id: '-1'"
refused -p 0 -- "perf tap: -p: not a process id: '0'"
refused -p 12x -- "perf tap: -p: not a process id: '12x'"
refused -p 99999999999 -- "perf tap: -p: not a process id: '99999999999'"
refused --table-size 0 -- "perf tap: --table-size must be between 1 and 16777216"
refused --table-size 16777217 -- "perf tap: --table-size must be between 1 and 16777216"
refused --loop-max 0 -- "perf tap: --loop-max must be between 1 and 100000"
refused --loop-max 100001 -- "perf tap: --loop-max must be between 1 and 100000"
refused --str-size 15 -- "perf tap: --str-size must be between 16 and 4096"
refused --str-size 4097 -- "perf tap: --str-size must be between 16 and 4096"
refused -m 0 -- "perf tap: -m: not a number of pages or a size of at least one page: '0'"
refused -m 0K -- "perf tap: -m: not a number of pages or a size of at least one page: '0K'"
refused -m -1 -- "perf tap: -m: not a number of pages or a size of at least one page: '-1'"

# The bounds themselves are accepted (--dump-ast stops before loading).
"$PERF" tap --dump-ast -C "0-$((ncpus - 1))" -p 1 --table-size 16777216 --loop-max 100000 \
	--str-size 4096 -m 1M -e 'print(1)' >out 2>err || fail "valid options refused: $(cat err)"
