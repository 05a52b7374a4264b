#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf record and a tracepoint_multi link on the same tracepoint at once:
# the link counts each of the workload's 1000 getpid calls, perf records
# them all, and after the link is released perf goes on recording (500
# more). A link program that returns 0 drops the event's perf samples while
# it is attached, as a program attached through a perf event does.
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

need_selftest
kernel_log_mark

# record OPT: perf record of the workload's getpids, 1000 under the link
# (tp-multi-run OPT), then 500 without it. Prints the link's line.
record() {
	"$PERF" record -q -e syscalls:sys_enter_getpid -o perf.data -- bash -c \
		"'$TP_MULTI_RUN' $1 syscalls:sys_enter_getpid -- '$WORKLOAD' getpid 1000 &&
		 '$WORKLOAD' getpid 500" 2>record.err || {
		cat record.err >&2
		fail "perf record failed"
	}
}

samples() {
	"$PERF" script -i perf.data -F comm 2>/dev/null | awk '$1 == "workload"' | wc -l
}

expect_eq "link hits (returns 1)" "syscalls:sys_enter_getpid 1 1000" "$(record '')"
expect_eq "perf record samples (link returns 1)" 1500 "$(samples)"

expect_eq "link hits (returns 0)" "syscalls:sys_enter_getpid 1 1000" "$(record -n)"
expect_eq "perf record samples (link returns 0)" 500 "$(samples)"
kernel_log_check
