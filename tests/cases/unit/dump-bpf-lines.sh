#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --dump-bpf compiles without loading anything and prints every program
# with the script line each instruction came from.


# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

printf '%s\n' 'var n = 0' \
	'trace syscalls:sys_enter_getpid {' \
	'	n += 1' \
	'}' \
	'trace_end { print(n) }' > s.tap
"$PERF" tap --dump-bpf s.tap > out 2> err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
# the programs: top level, the trace block (at raw_syscalls, and other ways
# with the compiler alone: dump-bpf-variants), trace_end
expect_eq "program headers" "tap_main
tap_trace_2 (syscalls
tap_end" "$(grep -E '^tap_(main|end|trace_2 \(syscalls)' out | sed 's/:.*//')"
# n += 1 is an atomic add on the globals map, attributed to line 3
grep -A4 '^; line 3$' out | grep -q 'lock \*(u64 \*)(r1 +0) += r0' ||
	fail "no atomic add under '; line 3'"
# print(n) sends a record from line 5
grep -A40 '^; line 5$' out | grep -q 'call bpf_perf_event_output' ||
	fail "no bpf_perf_event_output under '; line 5'"
