#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The same script on the same kernel through the tracepoint_multi link and
# through one perf event per tracepoint (PERF_TAP_TP_MULTI=0, what a kernel
# without the link gets): the output is the same line for line, argstr and
# fields by name included, once the pids (which differ from run to run)
# are masked. Each run says which way it went; only the fallback leaves
# perf events to detach.
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

cat >some.tap <<'TAP'
trace sched:*, signal:*, task:* /execname == "workload"/ {
	n[probename] += 1
	if (probename == "sched_process_exec" || probename == "sched_process_exit" ||
	    probename == "signal_generate") {
		printf("%s: %s\n", probename, argstr)
	}
}
trace signal:signal_generate /execname == "workload"/ { printf("sig %d to %s\n", arg.sig, arg.comm) }
trace_end { printf("%d exec, %d exit\n", n["sched_process_exec"], n["sched_process_exit"]) }
TAP

# run NAME [ENV...]: perf tap with the workload, stdout in NAME.out with
# the pids masked, stderr in NAME.err
run() {
	local name=$1
	shift
	env "$@" "$PERF" tap -v some.tap -- "$WORKLOAD" call 3 >"$name.raw" 2>"$name.err" || {
		cat "$name.err" >&2
		fail "perf tap ($name): exit status $?"
	}
	sed -E 's/pid=[0-9]+/pid=PID/g' "$name.raw" >"$name.out"
}

kernel_log_mark
run link
run perf PERF_TAP_TP_MULTI=0
cat link.err perf.err

expect_eq "the same output both ways" "$(cat link.out)" "$(cat perf.out)"
grep -Eqx 'sched_process_exec: filename=[^ ]*/workload pid=PID old_pid=PID' link.out ||
	fail "no sched_process_exec line: $(cat link.out)"
grep -Eqx 'sched_process_exit: comm=workload pid=PID prio=[0-9]+( group_dead=true)?' link.out ||
	fail "no sched_process_exit line: $(cat link.out)"
grep -Eqx 'signal_generate: sig=17 errno=0 code=[0-9]+ comm=[^ ]+ pid=PID grp=1 res=[0-9]+' link.out ||
	fail "no signal_generate line (SIGCHLD to perf): $(cat link.out)"
grep -Eqx 'sig 17 to .+' link.out || fail "no arg.sig line: $(cat link.out)"
expect_eq "counts" "1 exec, 1 exit" "$(tail -n 1 link.out)"

grep -Eq '^perf tap: 2 tracepoint_multi links hold ([0-9]+) of \1 events$' link.err ||
	fail "the link run did not link every event: $(grep 'tracepoint_multi' link.err)"
grep -Eq '^perf tap: detached [0-9]+ links and 0 perf events in' link.err ||
	fail "the link run detached perf events"
grep -Eq '^perf tap: PERF_TAP_TP_MULTI=0: one perf event for each of [0-9]+ tracepoints$' perf.err ||
	fail "the fallback run did not say so"
grep -Eq '^perf tap: detached [0-9]+ links and [1-9][0-9]* perf events in' perf.err ||
	fail "the fallback run detached no perf events"
kernel_log_check
