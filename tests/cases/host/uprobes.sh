#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uprobes and uretprobes through the uprobe PMU: probe:/PATH:SYMBOL, the
# symbol a glob over the file's functions, its file offset found with
# perf's symbol code.  workload_marker(i) is called for i = 0..99: 100 calls, arguments
# summing to 4950, 100 returns.  Nothing is left in uprobe_events.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
before=$(cat /sys/kernel/tracing/uprobe_events 2>/dev/null)
out=$("$PERF" tap -e "trace probe:$WORKLOAD:workload_mark* { n += 1; s += arg0; where = probename }
	trace probe:$WORKLOAD:workload_marker%return { r += 1 }
	trace_end { print(n, s, r, where) }" -- "$WORKLOAD" call 100) || fail "exit status $?"
expect_eq "output" "100 4950 100 workload_marker" "$out"
expect_eq "uprobe_events" "$before" "$(cat /sys/kernel/tracing/uprobe_events 2>/dev/null)"

rc=0
"$PERF" tap -e "trace probe:$WORKLOAD:no_such_function_here { }" >out 2>err || rc=$?
expect_eq "exit status for an unknown symbol" 1 "$rc"
grep -q "error: no function in the file matches" err || fail "message: $(cat err)"
