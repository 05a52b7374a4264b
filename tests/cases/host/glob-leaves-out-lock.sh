#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A glob over subsystems leaves out lock:* and preemptirq:*, whose events
# fire inside lock and interrupt-mask operations, BPF's own map code
# included (Documentation/kernel-link.md); -v says so at the spec; naming
# the subsystem still gives its events.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

tracefs=/sys/kernel/tracing
[[ -d $tracefs/events/lock ]] || skip "this kernel has no lock:* events"
want=$(find "$tracefs/events/lock" -mindepth 1 -maxdepth 1 -type d | wc -l)
((want > 0)) || skip "this kernel's lock subsystem has no events"

n=$("$PERF" tap -l 'lock:*' | grep -c '^lock:')
expect_eq "lock:* named: its events" "$want" "$n"
n=$("$PERF" tap -l '*:*' | grep -c '^lock:')
expect_eq "lock events in *:*" 0 "$n"
n=$("$PERF" tap -l 'lo?k:*' | grep -c '^lock:' || true)
expect_eq "lock events in lo?k:*" 0 "$n"

"$PERF" tap -v --dump-ast -e 'trace *:* { }' >/dev/null 2>err || fail "exit status $? $(cat err)"
grep -qx "perf tap: <cmdline>:1:7: '\*:\*' leaves out lock:\* and preemptirq:\*, whose events fire inside BPF's map code; name them to trace them" err ||
	fail "no -v note for *:*: $(grep -v 'no syscall number' err)"
"$PERF" tap -v --dump-ast -e 'trace lock:* { }' >/dev/null 2>err || fail "exit status $? $(cat err)"
grep -q 'leaves out' err && fail "a note for lock:* named: $(cat err)"
grep -qx "perf tap: <cmdline>:1:7: 'lock:\*' matches $want events\?" err ||
	fail "lock:* named: $(cat err)"
exit 0
