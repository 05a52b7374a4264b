#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The command after -- never outlives perf tap: not when perf tap is
# killed with SIGKILL (the command has PR_SET_PDEATHSIG), not when perf
# tap stops at SIGHUP, and not when the command ignores SIGTERM (perf tap
# sends SIGKILL a second later).  trace_end still runs at SIGHUP.
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace syscalls:sys_enter_getpid { n += 1 } trace_end { printf("end %d\n", n) }'

# the_workload TAP_PID: the pid of perf tap's one child
the_workload() {
	local i kids
	for ((i = 0; i < 50; i++)); do
		kids=$(pgrep -P "$1")
		[[ -n $kids ]] && break
		sleep 0.1
	done
	[[ $(wc -w <<<"$kids") == 1 ]] || fail "perf tap $1 has children '$kids'"
	echo "$kids"
}

# gone PID SECONDS: wait until PID has exited (or is a zombie nobody reaps)
gone() {
	local i state
	for ((i = 0; i < $2 * 10; i++)); do
		state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
		[[ $state == Z ]] && return 0
		sleep 0.1
	done
	return 1
}

# 1. SIGKILL: perf tap cannot clean up; the kernel ends the command.
"$PERF" tap -e "$script" -- "$WORKLOAD" getpid 10 sleep 100000 >out.kill 2>err.kill &
tap=$!
wait_attached "$tap"
cmd=$(the_workload "$tap")
kill -KILL "$tap"
wait "$tap" 2>/dev/null
gone "$cmd" 5 || fail "the command (pid $cmd) still runs after SIGKILL of perf tap"
note "ok: the command died with perf tap"

# 2. SIGHUP: stop like Ctrl-C: trace_end runs, the command is ended, exit 0.
"$PERF" tap -e "$script" -- "$WORKLOAD" getpid 10 sleep 100000 >out.hup 2>err.hup &
tap=$!
wait_attached "$tap"
cmd=$(the_workload "$tap")
kill -HUP "$tap"
rc=0
wait "$tap" || rc=$?
cat err.hup >&2
expect_eq "exit status after SIGHUP" 0 "$rc"
expect_eq "output after SIGHUP" "end 10" "$(cat out.hup)"
gone "$cmd" 1 || fail "the command (pid $cmd) still runs after perf tap exited"

# 3. A command that ignores SIGTERM (and SIGINT) is killed a second later.
"$PERF" tap -e "$script" -- bash -c "trap '' TERM INT; exec \"\$0\" sleep 100000" \
	"$WORKLOAD" >out.term 2>err.term &
tap=$!
wait_attached "$tap"
cmd=$(the_workload "$tap")
start=$(date +%s%N)
kill -INT "$tap"
rc=0
wait "$tap" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
cat err.term >&2
expect_eq "exit status after SIGINT" 0 "$rc"
((ms < 5000)) || fail "perf tap took $ms ms to end a command that ignores SIGTERM"
gone "$cmd" 1 || fail "the command (pid $cmd) that ignores SIGTERM still runs"
note "ok: stopped in $ms ms"
