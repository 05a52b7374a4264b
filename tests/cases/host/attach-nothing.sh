#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A trace block none of whose events can be attached would never run: an
# error at the block, exit 1, before the command starts, nothing left
# attached (the runner checks for leaks).  ftrace's own events take no BPF
# program.  A block with some event attached runs on, with a warning.
#! needs: tracefs

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -d $TAP_TRACEFS/events/ftrace/function ]] || skip "no ftrace:function event"
rc=0
"$PERF" tap -e 'tick-1s { exit() }
trace ftrace:function { n += 1 }' -- touch started >out 2>err || rc=$?
expect_eq "exit status" 1 "$rc"
expect_eq "message" "<cmdline>:2:1: error: no event of this trace block could be attached (ftrace:function: ftrace's own events cannot run BPF programs)
trace ftrace:function { n += 1 }
^" "$(cat err)"
[[ -e started ]] && fail "the command ran"

rc=0
"$PERF" tap -e 'trace ftrace:function, sched:sched_switch { n += 1 } tick-200ms { exit() }
	trace_end { print(n > 0) }' >out 2>err || rc=$?
expect_eq "partly attached: exit status" 0 "$rc"
expect_eq "partly attached: output" 1 "$(cat out)"
expect_eq "partly attached: warning" "perf tap: warning: cannot attach ftrace:function: ftrace's own events cannot run BPF programs" "$(cat err)"
