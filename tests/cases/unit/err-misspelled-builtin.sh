#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A misspelled built-in, or another tracer's name for one, is answered
# with the closest perf tap name.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# check SCRIPT EXPECTED-FIRST-LINE
check() {
	local rc=0

	"$PERF" tap -e "$1" > /dev/null 2> err || rc=$?
	[[ $rc == 1 ]] || fail "'$1': exit status $rc, expected 1"
	expect_eq "'$1'" "$2" "$(head -n 1 err)"
}

check 'print(comm)' \
	"<cmdline>:1:7: error: 'comm' is used but never assigned (did you mean 'execname'?)"
check 'print(nsecs())' \
	"<cmdline>:1:7: error: unknown function 'nsecs' (did you mean 'gettimeofday_ns'?)"
check 'prnt(1)' "<cmdline>:1:1: error: unknown function 'prnt' (did you mean 'print'?)"
check 'trace syscalls:sys_enter_getpid { n[probenam] += 1 }' \
	"<cmdline>:1:37: error: 'probenam' is used but never assigned (did you mean 'probename'?)"
# nothing close: no suggestion
check 'print(zzzzzz())' "<cmdline>:1:7: error: unknown function 'zzzzzz'"
check 'exit(1)' "<cmdline>:1:1: error: exit() takes no arguments"
check 'print(stack())' "<cmdline>:1:7: error: stack() has no value outside probes and timers"
