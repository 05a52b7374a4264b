#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kprobes go through the kprobe PMU: while perf tap runs, no entry appears
# in tracefs kprobe_events, and none is left after it is killed with
# SIGKILL (the kernel removes the probe with the perf event).
#! needs: kprobes
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

events=/sys/kernel/tracing/kprobe_events
before=$(cat "$events")
"$PERF" tap -e 'trace probe:vfs_read { n += 1 }' >out 2>err &
tap=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^link_id:' "/proc/$tap"/fdinfo/* 2>/dev/null && break
	sleep 0.1
done
expect_eq "kprobe_events while tracing" "$before" "$(cat "$events")"
kill -KILL "$tap"
wait "$tap" 2>/dev/null
sleep 0.5
expect_eq "kprobe_events after SIGKILL" "$before" "$(cat "$events")"
grep -q 'vfs_read' /sys/kernel/debug/kprobes/list 2>/dev/null &&
	fail "a kprobe on vfs_read is still registered"
exit 0
