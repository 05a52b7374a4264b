#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Detaching perf tracepoint events costs the kernel grace periods (about
# 50 ms an event on 6.18).  When that adds up to seconds, perf tap stops
# every probe at once, prints trace_end's output first, then says what it
# is doing ("detaching N events (~T s)..."), and a second Ctrl-C leaves
# the rest to a background process, so perf tap exits at once.  Without
# the second Ctrl-C, everything is detached and perf tap exits 0.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# argstr needs the events' records: every event is a perf tracepoint event
script='trace sched:*, irq:*, timer:*, workqueue:*, kmem:* { if (pid == 1) { print(argstr) } }
	trace_end { print("end") }'

ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# wait_for FILE REGEX SECONDS
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -Eq "$2" "$1" && return 0
		sleep 0.05
	done
	return 1
}

# 1. One Ctrl-C: trace_end's output comes before the long detach.
"$PERF" tap -v -e "$script" >out1 2>err1 &
tap=$!
wait_attached "$tap"
start=$(date +%s%N)
kill -INT "$tap"
wait_for out1 '^end$' 5 || fail "no trace_end output 5 s after Ctrl-C"
ms=$(ms_since "$start")
((ms < 2000)) || fail "trace_end's output came $ms ms after Ctrl-C"
note "ok: trace_end output $ms ms after Ctrl-C"
rc=0
wait "$tap" || rc=$?
ms=$(ms_since "$start")
cat err1 >&2
expect_eq "exit status" 0 "$rc"
grep -Eq '^perf tap: detaching [0-9]+ events \(~[0-9]+ s\)\.\.\. Ctrl-C finishes it in the background$' err1 ||
	fail "no 'detaching' line"
n=$(sed -n 's/^perf tap: detached [0-9]* links and \([0-9]*\) perf events .*/\1/p' err1)
((n > 60)) || fail "only '$n' perf events detached"
note "ok: $n events detached in $ms ms"

# 2. A second Ctrl-C while detaching: perf tap exits now, a child closes the rest.
"$PERF" tap -e "$script" >out2 2>err2 &
tap=$!
wait_attached "$tap"
kill -INT "$tap"
wait_for err2 '^perf tap: detaching ' 5 || fail "no 'detaching' line 5 s after Ctrl-C"
start=$(date +%s%N)
kill -INT "$tap"
rc=0
wait "$tap" || rc=$?
ms=$(ms_since "$start")
cat err2 >&2
expect_eq "exit status after the second Ctrl-C" 0 "$rc"
expect_eq "output" "end" "$(cat out2)"
((ms < 1000)) || fail "perf tap took $ms ms to exit after the second Ctrl-C"
closer=$(sed -n 's/^perf tap: process \([0-9]*\) closes the other [0-9]* events in the background$/\1/p' err2)
[[ -n $closer ]] || fail "no line about the background process"
expect_eq "the background process's name" perf-tap-close "$(cat "/proc/$closer/comm" 2>/dev/null)"
for ((i = 0; i < 600; i++)); do
	[[ -e /proc/$closer ]] || break
	sleep 0.1
done
[[ -e /proc/$closer ]] && fail "the background process $closer still runs after 60 s"
note "ok: perf tap exited $ms ms after the second Ctrl-C"
