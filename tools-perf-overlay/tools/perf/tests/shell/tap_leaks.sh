#!/bin/sh
# perf tap leaves no BPF programs or links behind
# SPDX-License-Identifier: GPL-2.0
#
# However perf tap ends (exit() from the script, the end of the traced
# command, SIGINT, SIGTERM, a probe it cannot attach) every program and
# link it made goes with it.  Checked with bpftool: a tap_* program or a
# link to one that appeared during the run and that no process holds is
# attached with nobody left to detach it.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap leaves no BPF programs or links behind"

tap_need_root
command -v bpftool > /dev/null || tap_skip "bpftool not installed"
tap_need_event syscalls:sys_enter_getpid

script='trace syscalls:sys_enter_getpid, sched:sched_switch { n += 1 }
	tick-10ms { t += 1 }
	trace_end { print("done") }'

tap_snapshot
perf tap -e "$script tick-200ms { exit() }" > /dev/null 2>&1 ||
	tap_fail "exit(): exit status $?"
tap_check_leaks "exit() from the script"

perf tap -e "$script" -- perf test -w tap getpid 10 sleep 100 > /dev/null 2>&1 ||
	tap_fail "end of the command: exit status $?"
tap_check_leaks "the end of the traced command"

for sig in INT TERM; do
	perf tap -e "$script" > /dev/null 2>&1 &
	pid=$!
	# signal it once it runs: its programs are loaded
	i=0
	while [ $i -lt 100 ] && [ -z "$(tap_prog_ids)" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
	kill -s "$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	tap_expect "SIG$sig: exit status" 0 "$rc"
	tap_check_leaks "SIG$sig"
done

rc=0
perf tap -e 'trace syscalls:sys_enter_getpid { n += 1 }
	trace no_such_subsystem:no_such_event { n += 1 }' > /dev/null 2>&1 || rc=$?
tap_expect "an event that is not there: exit status" 1 "$rc"
tap_check_leaks "a failed attach"
tap_done
