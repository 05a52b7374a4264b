#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A trace block is compiled once for each way its events attach, no more:
# a syscall at raw_syscalls, a kprobe as a kprobe program, a tracepoint as
# a raw tracepoint (and as a perf tracepoint program, where raw fails), a
# block that reads argstr only as a perf tracepoint program.

# the events decide the variants: the compiler alone makes them all
#! needs: perf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

headers() {
	"$PERF" tap --dump-bpf -e "$1" 2> err > out || fail "'$1': exit status $?"
	grep -E '^tap_trace' out | sed 's/:[^:]*$//'
}

expect_eq "kprobe" "tap_trace_1 (as a kprobe program)" \
	"$(headers 'trace probe:do_sys_openat2 { print(pid) }')"
expect_eq "tracepoint" "tap_trace_1
tap_trace_1 (as a perf tracepoint program)" \
	"$(headers 'trace sched:sched_switch { print(pid) }')"
expect_eq "tracepoint with argstr" "tap_trace_1 (as a perf tracepoint program)" \
	"$(headers 'trace sched:sched_switch { print(argstr) }')"
expect_eq "syscalls and a tracepoint" "tap_trace_1
tap_trace_1 (syscalls:* at raw_syscalls)
tap_trace_1 (as a perf tracepoint program)" \
	"$(headers 'trace syscalls:sys_enter_getpid, sched:sched_switch { print(pid) }')"
echo ok
