#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -- CMD and -p PID follow children, as perf record's inherit does: what
# the command's children and a target's later children do is traced,
# -i (--no-inherit) turns that off; cpid is the command's pid, ppid a
# process's parent; profile timers sample only the targets.
#! needs: syscalls
#! timeout: 90

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

count='trace syscalls:sys_enter_getpid /pid != cpid/ { n += 1 } trace_end { print(n) }'
# shellcheck disable=SC2016 # $0 is the inner shell's
kids='"$0" getpid 100; "$0" getpid 200; echo "sh $$" >&2'

# 1. the command's two children: 300 calls, the shell's own not counted
out=$("$PERF" tap -e "$count" -- sh -c "$kids" "$WORKLOAD") || fail "exit status $?"
expect_eq "children of the command" 300 "$out"

# 2. -i: the command alone
out=$("$PERF" tap -i -e "$count" -- sh -c "$kids" "$WORKLOAD") || fail "-i: exit status $?"
expect_eq "children with -i" 0 "$out"

# 3. cpid and ppid: the children's parent is the command, the shell
"$PERF" tap -e 'trace syscalls:sys_enter_getpid /pid != cpid/ { printf("%d %d\n", ppid, cpid) }' \
	-- sh -c "$kids" "$WORKLOAD" > ids 2> sh || fail "ppid: exit status $?"
shpid=$(sed -n 's/^sh //p' sh)
[[ -n $shpid ]] || fail "the shell did not say its pid"
expect_eq "ppid and cpid of the children" "$shpid $shpid" "$(sort -u ids)"

# 4. -p PID: a child the target forks once perf tap runs
mkfifo go
# shellcheck disable=SC2016
start_bg bash -c 'read -r _ < go; "$0" getpid 250' "$WORKLOAD"
parent=$bg_pid
"$PERF" tap -p "$parent" -e 'trace syscalls:sys_enter_getpid /execname == "workload"/ {
	n += 1 } trace_end { print(n) }' > p.out 2> p.err &
tap=$!
wait_attached "$tap"
echo go > go
wait "$parent" || fail "the target's exit status $?"
rc=0
wait "$tap" || rc=$?
cat p.err >&2
[[ $rc == 0 ]] || fail "perf tap -p: exit status $rc"
expect_eq "the target's child" 250 "$(cat p.out)"

# 5. a profile timer samples the command, not a busy neighbour
# shellcheck disable=SC2016
start_bg bash -c 'while :; do :; done'
"$PERF" tap -e 'profile-1ms { s[pid == cpid] += 1 }
	trace_end { for (k, v in pairs(s)) { print(k) } }' \
	-- "$WORKLOAD" call 100000000 > prof || fail "profile: exit status $?"
expect_eq "profile samples (1: the command's)" 1 "$(sort -u prof)"
echo ok
