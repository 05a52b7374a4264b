#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -- CMD and -p PID count only their own process's events, while another
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

# 2. perf tap -p PID: the target waits for SIGUSR1; once perf tap has
# attached, SIGUSR1 lets it make its 700 calls and exit.
start_bg "$WORKLOAD" pause getpid 700
target=$bg_pid
wait_sig_caught "$target" 10
"$PERF" tap -p "$target" -e "$script" >ptap.out 2>ptap.err &
tap=$!
wait_attached "$tap"
kill -USR1 "$target"
wait "$target" || fail "workload exit status $?"
# perf tap may stop by itself when its target exits; if not, Ctrl-C stops it.
for ((i = 0; i < 20; i++)); do
	kill -0 "$tap" 2>/dev/null || break
	sleep 0.1
done
kill -INT "$tap" 2>/dev/null
rc=0
wait "$tap" || rc=$?
cat ptap.err >&2
[[ $rc == 0 ]] || fail "perf tap -p: exit status $rc"
expect_eq "count with -p" 700 "$(cat ptap.out)"
