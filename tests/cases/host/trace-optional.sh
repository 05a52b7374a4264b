#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trace? marks a block whose specs may match nothing: such a spec is left
# out with a note at its place, the rest of the block runs; a trace? block
# left with no event, or none of whose events attach, stays unattached
# with a note; without '?' the same spec is an error; -q silences notes, not errors.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace? nosuch:event, syscalls:sys_enter_getpid /pid == cpid/ { n += 1 }
trace? probe:nosuchlib:f { m += 1 }
trace? ftrace:function { m += 1 }
trace_end { print(n, m) }'
out=$("$PERF" tap -e "$script" -- "$WORKLOAD" getpid 4 2>err) || fail "exit status $? $(cat err)"
expect_eq "the rest of the block ran" "4 0" "$out"
grep -qx "<cmdline>:1:8: note: left out (trace?): no such event: 'nosuch:event'" err ||
	fail "no note for the spec left out: $(cat err)"
grep -qx "<cmdline>:2:1: note: no event for this trace? block: it stays unattached" err ||
	fail "no note for the empty block: $(cat err)"
grep -q "^<cmdline>:3:1: note: no event of this trace? block could be attached" err ||
	fail "no note for the block that could not be attached: $(cat err)"

rc=0
"$PERF" tap -e 'trace nosuch:event { }' >out 2>err || rc=$?
expect_eq "without '?': exit status" 1 "$rc"
expect_eq "without '?': error" "<cmdline>:1:7: error: no such event: 'nosuch:event'" \
	"$(head -1 err)"

# -q: the same run says nothing on stderr, and errors still show
out=$("$PERF" tap -q -e "$script" -- "$WORKLOAD" getpid 4 2>err) || fail "-q: exit status $?"
expect_eq "-q: output" "4 0" "$out"
expect_eq "-q: stderr" "" "$(cat err)"
rc=0
"$PERF" tap -q -e 'trace nosuch:event { }' >out 2>err || rc=$?
expect_eq "-q: exit status of an error" 1 "$rc"
expect_eq "-q: the error" "<cmdline>:1:7: error: no such event: 'nosuch:event'" "$(head -1 err)"
