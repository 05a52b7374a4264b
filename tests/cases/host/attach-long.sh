#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A long attach.  1. Once it has taken half a second, perf tap says how
# many events it attaches and how, and at the end how long it took; -q
# silences both.  perf tap is frozen (SIGSTOP) for 0.7 s mid-attach, as a
# busy machine would hold it up.
# 2. Ctrl-C, SIGTERM, or the command's end while a long attach is going on:
# perf tap stops attaching, runs trace_end and exits at once (exit 0), and
# the perf events already attached, which take the kernel a grace period
# each to close, are left to a background process that detaches them all.
# The attach is made long on purpose: argstr puts every tracepoint of '*:*'
# on the slow path (a perf event each), and perf tap is frozen (SIGSTOP)
# once about 100 of them are attached, so the signal surely comes mid-attach.
# Before the fix, the same signal made perf tap close those 100 events itself
# (about 40 ms each) before exiting.  The runner checks that no BPF program
# or link is left behind once the background process is done.
#! needs: tracefs
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace *:* { if (pid == 1) { print(argstr) } } trace_end { print("end") }'

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# nr_fds PID: the number of fds of PID in $fds (no subshell: this must be quick)
nr_fds() {
	local f=("/proc/$1/fd/"*)
	fds=${#f[@]}
}

# wait_handlers PID: until PID catches SIGINT, which perf tap sets up just
# before attaching (bash builtins only: this must be quick).
wait_handlers() {
	local k v m i
	for ((i = 0; i < 2000000; i++)); do
		m=""
		while read -r k v; do
			[[ $k == SigCgt: ]] && m=$v && break
		done <"/proc/$1/status" || fail "perf tap $1 exited before attaching"
		(((16#$m >> 1) & 1)) && return 0
	done
	fail "perf tap $1 never set up its signal handlers"
}

# freeze_mid_attach PID: stop PID once it holds 200 more fds (100 perf events
# with their links) than before attaching.  Returns 1 (PID stopped all the
# same) unless it is mid-attach then.
freeze_mid_attach() {
	local pid=$1 base i
	wait_handlers "$pid"
	nr_fds "$pid"
	base=$fds
	for ((i = 0; i < 2000000; i++)); do
		nr_fds "$pid"
		((fds >= base + 200)) && break
		kill -0 "$pid" 2>/dev/null || fail "perf tap $pid exited while attaching"
	done
	kill -STOP "$pid"
	nr_fds "$pid"
	note "perf tap stopped with $((fds - base)) fds more than before attaching"
	# '*:*' has over a thousand tracepoints: two fds each once attached
	((fds < base + 1000))
}

# closer STDERR: wait for the background process named in STDERR to finish
# (or be a zombie nobody reaps yet); print how many events it had.
closer() {
	local pid n i state
	read -r pid n < <(sed -n 's/^perf tap: process \([0-9]*\) closes the other \([0-9]*\) events\? in the background$/\1 \2/p' "$1")
	[[ -n $pid ]] || fail "no line about a background process in $1"
	for ((i = 0; i < 600; i++)); do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || break
		[[ $state == Z ]] && break
		sleep 0.1
	done
	[[ -z $state || $state == Z ]] || fail "the background process $pid still runs after 60 s"
	echo "$n"
}

# 1. Announced: the count, the ways so far, and at the end the time taken.
announce='trace *:* { n += 1 } tick-200ms { exit() } trace_end { print("end") }'
for q in "" -q; do
	# raw tracepoints attach quickly: try again if perf tap was done
	for ((try = 1; ; try++)); do
		"$PERF" tap $q -e "$announce" >"out$q" 2>"err$q" &
		tap=$!
		freeze_mid_attach "$tap" && break
		kill -CONT "$tap"
		wait "$tap"
		((try < 5)) || skip "attaching was done before perf tap could be stopped, 5 times"
	done
	sleep 0.7
	kill -CONT "$tap"
	rc=0
	wait "$tap" || rc=$?
	grep -v '^perf tap: no syscall number known' "err$q" >&2
	expect_eq "exit status ($q)" 0 "$rc"
	expect_eq "trace_end output ($q)" end "$(cat "out$q")"
	if [[ -n $q ]]; then
		expect_eq "stderr with -q" "" "$(cat "err$q")"
		continue
	fi
	nr=$(sed -n 's/^perf tap: attaching \([0-9]*\) events (so far .*as raw tracepoints.*)\.\.\. Ctrl-C stops$/\1/p' err)
	((nr > 1000)) || fail "no 'attaching N events (so far ... as raw tracepoints ...)' line"
	line=$(grep '^perf tap: attached ' err) || fail "no 'attached' line at the end"
	[[ $line =~ ^perf\ tap:\ attached\ ([0-9]+)\ events\ in\ ([0-9.]+)\ s:\ ([0-9]+)\ as\ raw\ tracepoints ]] ||
		fail "not the expected 'attached' line: $line"
	expect_eq "events attached" "$nr" "${BASH_REMATCH[1]}"
	[[ ${BASH_REMATCH[2]} > 0.7 ]] || fail "attaching took ${BASH_REMATCH[2]} s with 0.7 s frozen"
	note "ok: announced: $(grep '^perf tap: attaching' err)"
done

# 2. Interrupted.
for sig in INT TERM; do
	"$PERF" tap -v -e "$script" >"out.$sig" 2>"err.$sig" &
	tap=$!
	freeze_mid_attach "$tap" || skip "attaching was done before perf tap could be stopped"
	kill -"$sig" "$tap"
	start=$(now_ms)
	kill -CONT "$tap"
	rc=0
	wait "$tap" || rc=$?
	ms=$(($(now_ms) - start))
	grep -v '^perf tap: no syscall number known' "err.$sig" >&2
	expect_eq "exit status after SIG$sig" 0 "$rc"
	expect_eq "trace_end output after SIG$sig" end "$(cat "out.$sig")"
	# -v says "attached N events" only when attaching ran to its end
	grep -q '^perf tap: attached ' "err.$sig" && fail "attaching went on after SIG$sig"
	# generous (a syscall under way may wait for the kernel): the 50 or more
	# events closed here would take 2 s, and the line below says who does
	((ms < 3000)) || fail "perf tap took $ms ms to exit after SIG$sig"
	n=$(closer "err.$sig")
	((n >= 50)) || fail "only '$n' events left to the background process"
	note "ok: SIG$sig mid-attach: exit after $ms ms, $n events detached in the background"
done

# The command killed while perf tap attaches: nothing is left to trace.
"$PERF" tap -v -e "$script" -- "$WORKLOAD" getpid 10 >out.cmd 2>err.cmd &
tap=$!
freeze_mid_attach "$tap" || skip "attaching was done before perf tap could be stopped"
cmd=$(pgrep -P "$tap")
[[ $(wc -w <<<"$cmd") == 1 ]] || fail "perf tap $tap has children '$cmd'"
kill -KILL "$cmd"
start=$(now_ms)
kill -CONT "$tap"
rc=0
wait "$tap" || rc=$?
ms=$(($(now_ms) - start))
grep -v '^perf tap: no syscall number known' err.cmd >&2
expect_eq "exit status after the command was killed" 0 "$rc"
expect_eq "trace_end output after the command was killed" end "$(cat out.cmd)"
grep -q '^perf tap: attached ' err.cmd && fail "attaching went on after the command was killed"
((ms < 3000)) || fail "perf tap took $ms ms to exit after the command was killed"
n=$(closer err.cmd)
note "ok: command killed mid-attach: exit after $ms ms, $n events detached in the background"
