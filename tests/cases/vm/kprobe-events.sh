#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest kernel has kprobes: a kprobe event on do_sys_openat2, defined
# through tracefs (no perf tap, no perf probe), reads back as written, fires
# exactly once per openat of the workload, and is removed again (the runner
# checks that no dynamic event is left behind).

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

t=/sys/kernel/tracing
[[ -w $t/kprobe_events ]] || fail "$t/kprobe_events is missing or not writable"

cleanup() {
	if [[ -d $t/events/kprobes/tapvm ]]; then
		echo 0 >"$t/events/kprobes/tapvm/enable"
		echo '-:tapvm' >>"$t/kprobe_events"
	fi
	_case_cleanup
}
trap cleanup EXIT

echo 'p:tapvm do_sys_openat2' >>"$t/kprobe_events" || fail "cannot add a kprobe event"
expect_eq "kprobe_events" "p:kprobes/tapvm do_sys_openat2" "$(cat "$t/kprobe_events")"
[[ -d $t/events/kprobes/tapvm ]] || fail "no events/kprobes/tapvm after adding the kprobe"

# Count the hits of the workload's 25 openat calls in the trace buffer.
echo >"$t/trace"
echo 1 >"$t/events/kprobes/tapvm/enable" || fail "cannot enable the kprobe event"
"$WORKLOAD" open /dev/null 25 || fail "workload failed"
echo 0 >"$t/events/kprobes/tapvm/enable"
hits=$(grep -c '^ *workload-[0-9]* .* tapvm: ' "$t/trace")
expect_eq "kprobe hits by the workload" 25 "$hits"

echo '-:tapvm' >>"$t/kprobe_events" || fail "cannot remove the kprobe event"
expect_eq "kprobe_events after removal" "" "$(cat "$t/kprobe_events")"
