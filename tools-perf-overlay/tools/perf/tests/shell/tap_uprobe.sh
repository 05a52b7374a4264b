#!/bin/sh
# perf tap uprobe
# SPDX-License-Identifier: GPL-2.0
#
# A uprobe and a uretprobe on a function of the perf binary itself: the
# 'tap' workload calls workload_marker(i) for i = 0 .. 99, so the probe
# fires 100 times with arguments summing to 4950 and returns 100 times.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap uprobe"

tap_need_root
[ -e /sys/bus/event_source/devices/uprobe/type ] || tap_skip "no uprobe PMU in this kernel"
perf_bin=$(readlink -f "$(command -v perf)")
[ -x "$perf_bin" ] || tap_skip "cannot find the perf binary"

tap_snapshot
out=$(perf tap -e "trace probe:$perf_bin:workload_marker { n += 1; s += arg0 }
	trace probe:$perf_bin:workload_marker%return { r += 1 }
	trace_end { print(n, s, r) }" -- perf test -w tap call 100) ||
	tap_fail "exit status $?"
tap_expect "calls, argument sum, returns" "100 4950 100" "$out"

rc=0
perf tap -e "trace probe:$perf_bin:no_such_function_in_perf { }" \
	> /dev/null 2>&1 || rc=$?
tap_expect "exit status for a function that is not there" 1 "$rc"
tap_check_leaks "after the uprobes"
tap_done
