#!/bin/sh
# perf tap tracepoint counts
# SPDX-License-Identifier: GPL-2.0
#
# Count the getpid system calls of a workload that makes an exact number
# of them: 'trace syscalls:sys_enter_getpid' with '-- cmd' sees each call
# of the traced command once, and only those.  perf itself may call getpid
# before the workload starts, so the count of 'getpid 0' is the baseline.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap tracepoint counts"

tap_need_root
tap_need_event syscalls:sys_enter_getpid

count()
{
	perf tap -e 'var n = 0
		trace syscalls:sys_enter_getpid { n += 1 }
		trace_end { print(n) }' -- perf test -w tap getpid "$1"
}

tap_snapshot
base=$(count 0) || tap_fail "getpid 0: exit status $?"
got=$(count 1000) || tap_fail "getpid 1000: exit status $?"
case $base in
'' | *[!0-9]*) tap_fail "getpid 0: not a count: '$base'" ;;
*) tap_expect "getpid calls counted" $((base + 1000)) "$got" ;;
esac

# A table keyed by probename over a glob: one line per event that fired.
out=$(perf tap -e 'trace syscalls:sys_enter_getpid, syscalls:sys_enter_clock_nanosleep {
		n[probename] += 1 }
	trace_end { for (k, v in pairs(n)) { printf("%s %d\n", k, v) } }' \
	-- perf test -w tap getpid 50 sleep 1 | sort) || tap_fail "table: exit status $?"
getpid=$(printf '%s\n' "$out" | sed -n 's/^sys_enter_getpid //p')
if [ -z "$getpid" ] || [ "$getpid" -lt 50 ] || [ "$getpid" -gt $((base + 50)) ]; then
	tap_fail "table: getpid count '$getpid' (want 50 to $((base + 50))) in: $out"
fi
case $out in
*"sys_enter_clock_nanosleep 1"*) ;;
*) tap_fail "table: no 'sys_enter_clock_nanosleep 1' line in: $out" ;;
esac
tap_check_leaks "after counting"
tap_done
