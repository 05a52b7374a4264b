#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -C CPUS runs trace probes only on those CPUs: a workload pinned to the
# last CPU is invisible from the others and fully counted on its own.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

last=$(($(nproc) - 1))
((last > 0)) || skip "needs two CPUs"
script='trace syscalls:sys_enter_getpid { n += 1 } trace_end { print(n) }'
out=$("$PERF" tap -C 0 -e "$script" -- taskset -c "$last" "$WORKLOAD" getpid 1000) ||
	fail "exit status $?"
expect_eq "count on CPU 0" 0 "$out"
out=$("$PERF" tap -C "$last" -e "$script" -- taskset -c "$last" "$WORKLOAD" getpid 1000) ||
	fail "exit status $?"
expect_eq "count on CPU $last" 1000 "$out"
rc=0
"$PERF" tap -C 4096 -e 'print(1)' >out 2>err || rc=$?
expect_eq "exit status for a CPU that is not there" 1 "$rc"
