#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -- CMD, -p PID and -p PID1,PID2 count only their own processes' events, while another
# process makes getpid calls as fast as it can.
#! needs: syscalls
#! timeout: 90

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace syscalls:sys_enter_getpid { n += 1 } trace_end { print(n) }'

# The noise: getpid in a loop, for the whole case.
# shellcheck disable=SC2016 # expanded by the inner bash
start_bg bash -c 'while :; do "$WORKLOAD" getpid 100000; done'

# 1. perf tap ... -- CMD
out=$("$PERF" tap -e "$script" -- "$WORKLOAD" getpid 500) ||
	fail "perf tap -- CMD: exit status $?"
expect_eq "count with -- CMD" 500 "$out"

# perf tap -p PIDS on the stopped workloads given: once it has attached,
# SIGUSR1 lets each make its calls and exit, and perf tap stops by itself
# when the last one is gone.  $1: the output file; the rest: the pids.
tap_p() {
	local out=$1 tap rc=0 i t
	shift
	for t in "$@"; do
		wait_sig_caught "$t" 10
	done
	"$PERF" tap -p "$(IFS=,; echo "$*")" -e "$script" >"$out" 2>"$out.err" &
	tap=$!
	wait_attached "$tap"
	for t in "$@"; do
		kill -USR1 "$t"
		wait "$t" || fail "workload $t: exit status $?"
	done
	for ((i = 0; i < 50; i++)); do
		kill -0 "$tap" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$tap" 2>/dev/null && fail "perf tap -p did not stop when its targets exited"
	wait "$tap" || rc=$?
	cat "$out.err" >&2
	[[ $rc == 0 ]] || fail "perf tap -p $*: exit status $rc"
}

# 2. -p PID: 700 calls
start_bg "$WORKLOAD" pause getpid 700
tap_p ptap.out "$bg_pid"
expect_eq "count with -p" 700 "$(cat ptap.out)"

# 3. -p PID1,PID2 (perf's list syntax): both processes' calls
start_bg "$WORKLOAD" pause getpid 300
t1=$bg_pid
start_bg "$WORKLOAD" pause getpid 400
tap_p ptap2.out "$t1" "$bg_pid"
expect_eq "count with -p PID1,PID2" 700 "$(cat ptap2.out)"
