#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -v says how many events each probe spec matched, at the spec's place.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

"$PERF" tap -v -e 'trace sched:sched_process_*, syscalls:sys_enter_getp* { }' \
	-- "$WORKLOAD" getpid 1 > out 2> err || fail "exit status $?"
events=/sys/kernel/tracing/events
want_sched=$(find "$events/sched" -maxdepth 1 -name 'sched_process_*' | wc -l)
want_sys=$(find "$events/syscalls" -maxdepth 1 -name 'sys_enter_getp*' | wc -l)
grep -qx "perf tap: <cmdline>:1:7: 'sched:sched_process_\*' matches $want_sched events" err ||
	fail "no count for the first spec: $(cat err)"
grep -qx "perf tap: <cmdline>:1:30: 'syscalls:sys_enter_getp\*' matches $want_sys events" err ||
	fail "no count for the second spec: $(cat err)"
echo ok
