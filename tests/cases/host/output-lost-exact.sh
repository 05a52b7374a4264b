#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Output records that do not fit are counted exactly: a one-page ring (-m 1)
# overrun on purpose by 200000 printf records, from one thread and from two
# (both CPUs' rings), and every record is either printed or in the warning's
# count of lost ones.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace syscalls:sys_enter_getpid { printf("%d %d\n", pid, tid) }'

# check NAME EVENTS: the records printed plus those said lost are EVENTS
check() {
	local printed lost
	printed=$(grep -c -E '^[0-9]+ [0-9]+$' "out.$1")
	lost=$(sed -n 's/^perf tap: warning: \([0-9]*\) output records lost (the rings were full; try a larger -m)$/\1/p' "err.$1")
	[[ -n $lost ]] || fail "$1: no 'output records lost' warning with a one-page ring: $(cat "err.$1")"
	((lost > 0 && printed > 0)) || fail "$1: printed $printed, lost $lost"
	expect_eq "$1: records printed ($printed) + lost ($lost)" "$2" $((printed + lost))
}

"$PERF" tap -m 1 -e "$script" -- "$WORKLOAD" getpid 200000 >out.one 2>err.one ||
	fail "one thread: exit status $?: $(cat err.one)"
check one 200000
# every line is the command's: one pid, one thread
expect_eq "one thread: distinct lines" 1 "$(sort -u out.one | wc -l)"

"$PERF" tap -m 1 -e "$script" -- "$WORKLOAD" threads 2 100000 >out.two 2>err.two ||
	fail "two threads: exit status $?: $(cat err.two)"
check two 200000
expect_eq "two threads: distinct threads printed" 2 "$(cut -d' ' -f2 out.two | sort -u | wc -l)"
