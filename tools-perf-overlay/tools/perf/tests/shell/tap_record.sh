#!/bin/sh
# perf tap record and report
# SPDX-License-Identifier: GPL-2.0
#
# 'perf tap record' writes a perf.data and 'perf tap report' prints from it
# what the live run printed for the same script and workload; plain
# 'perf script' reads the file too.  A file perf tap did not record is
# refused with a message, not decoded.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap record and report"

tap_need_root
tap_need_event syscalls:sys_enter_getpid

dir=$(mktemp -d /tmp/perf-tap-record.XXXXXX)
cleanup()
{
	rm -rf "$dir"
}
trap cleanup EXIT

script='trace syscalls:sys_enter_getpid { n[execname] += 1 printf("getpid %d\n", pid) }
	trace_end { for (k, v in pairs(n)) { printf("%s %d\n", k, v) } }'

tap_snapshot
live=$(perf tap -e "$script" -- perf test -w tap getpid 20 | grep -c '^getpid ') ||
	tap_fail "live run: exit status $?"
perf tap record -q -o "$dir/tap.data" -e "$script" -- perf test -w tap getpid 20 ||
	tap_fail "record: exit status $?"
perf tap report -i "$dir/tap.data" > "$dir/report" || tap_fail "report: exit status $?"
tap_expect "getpid records, live" 20 "$live"
tap_expect "getpid records, report" 20 "$(grep -c '^getpid ' "$dir/report")"
grep -q '^perf 20$' "$dir/report" || tap_fail "report: no 'perf 20' line in: $(cat "$dir/report")"

# a real perf.data: perf script reads it and shows the bpf-output samples
perf script -i "$dir/tap.data" > "$dir/script" 2> /dev/null ||
	tap_fail "perf script: exit status $?"
lines=$(grep -c . "$dir/script")
[ "$lines" -ge 20 ] || tap_fail "perf script shows $lines lines"

# a perf.data of perf record's has no perf tap run in it
perf record -q -o "$dir/plain.data" -e syscalls:sys_enter_getpid -- true 2> /dev/null ||
	tap_fail "perf record: exit status $?"
if perf tap report -i "$dir/plain.data" > /dev/null 2> "$dir/err"; then
	tap_fail "report of a plain perf.data succeeded"
fi
grep -q 'perf tap' "$dir/err" || tap_fail "report of a plain perf.data: message: $(cat "$dir/err")"
tap_check_leaks "after record and report"
tap_done
