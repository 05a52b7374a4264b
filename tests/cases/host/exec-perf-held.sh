#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The command's own exec reaches a block on sched:sched_process_exec that
# reads fields by name (a perf event) also while another perf user holds
# that tracepoint: its perf probe then runs before tap_exec's raw
# tracepoint, so tap_exec must also run from a perf event of its own,
# attached before the block's.
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

"$PERF" record -q -a -e sched:sched_process_exec -o held.data -- sleep 20 >held.out 2>&1 &
held=$!
# wait until perf record has the tracepoint
for _ in $(seq 100); do
	grep -q 'sched_process_exec' /proc/$held/fdinfo/* 2>/dev/null && break
	[ -s held.data ] && break
	sleep 0.1
done
sleep 1
rc=0
"$PERF" tap -e 'trace sched:sched_process_exec { printf("exec %d %s\n", arg.pid == pid, arg.filename) }' \
	-- "$WORKLOAD" getpid 1 >out 2>err || rc=$?
kill -INT "$held" 2>/dev/null
wait "$held" 2>/dev/null
expect_eq "exit status" 0 "$rc"
expect_eq "the command's exec" "exec 1 $WORKLOAD" "$(cat out)"
expect_eq "stderr" "" "$(cat err)"
