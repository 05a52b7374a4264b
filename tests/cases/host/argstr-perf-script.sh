#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# argstr prints an event's fields exactly as perf script prints them: perf
# record -a and perf tap watch the same calls of one workload, and perf
# tap's lines equal the field part of perf script's lines for it.
# Covers a syscall entry (rebuilt from pt_regs at raw_syscalls) and exit
# exactly, and the shape of a non-syscall tracepoint's fields taken through
# a perf tracepoint event.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

events=(syscalls:sys_enter_openat syscalls:sys_exit_openat sched:sched_process_exit)
"$PERF" record -q -a -o perf.data -e "${events[0]}" -e "${events[1]}" -e "${events[2]}" \
	2>record.err &
rec=$!
for ((i = 0; i < 100; i++)); do
	[[ -s perf.data ]] && break
	sleep 0.1
done
sleep 1

"$PERF" tap -e 'trace syscalls:sys_enter_openat, syscalls:sys_exit_openat,
	sched:sched_process_exit { print(argstr) }' \
	-- "$WORKLOAD" open /etc/hostname 2 >tap.out 2>tap.err || fail "perf tap: exit status $?"
sleep 0.5
kill -INT "$rec"
wait "$rec" || true
"$PERF" script -i perf.data 2>/dev/null >script.out || fail "perf script: exit status $?"

# perf script: "  workload  PID [CPU] TIME: sys:event: FIELDS"
want=$(awk '$1 == "workload"' script.out | grep -F ' syscalls:sys_' |
	sed 's/^.* [a-z_]*:[a-z_]*: //')
expect_eq "perf tap stderr" "" "$(cat tap.err)"
expect_eq "events seen" 5 "$(wc -l <tap.out)"
expect_eq "openat argstr lines" "$want" "$(head -n 4 tap.out)"
# perf record -a does not always keep the workload's exit; check its shape
tail -n 1 tap.out | grep -Eqx "comm=workload pid=[0-9]+ prio=[0-9]+ group_dead=true" ||
	fail "sched_process_exit: $(tail -n 1 tap.out)"
