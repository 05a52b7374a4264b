#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf tap 'trace *:*' with argstr in the guest, whose kernel has the
# tracepoint_multi link: every tracepoint outside syscalls:* needs its
# record, so all of them (about 500 in this kernel) go into one link and
# not one perf event goes with them (x86's irq_work_exit, which neither
# the link nor a sampling perf event takes, fails with a warning, as on a
# kernel without the link); syscalls:* go through raw_syscalls.
# The workload's calls and its exec and exit are counted exactly, the exit
# event's argstr is what perf script would print, and detaching takes one
# grace period, not one per event.
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

# Counts in globals, not in a table keyed by probename: on this kernel
# (lockdep), a program on lock:lock_release that updates a hash map can
# run inside the map's own update, and the map's bucket list ends up
# looping on itself (seen with raw tracepoints as well as the link).
cat >all.tap <<'TAP'
trace *:* /execname == "workload"/ {
	if (probename == "sys_enter_getpid") { nenter += 1 }
	if (probename == "sys_exit_getpid") { nexit += 1 }
	if (probename == "sched_process_exec") { nexec += 1 }
	if (probename == "sched_process_exit") { ngone += 1; print(argstr) }
}
trace_end { printf("%d %d %d %d\n", nenter, nexit, nexec, ngone) }
TAP
kernel_log_mark
"$PERF" tap -v all.tap -- "$WORKLOAD" getpid 1000 >out 2>err || {
	cat err >&2
	fail "perf tap: exit status $?"
}
cat err

head -n 1 out | grep -Eqx 'comm=workload pid=[0-9]+ prio=[0-9]+( group_dead=true)?' ||
	fail "sched_process_exit's argstr: $(head -n 1 out)"
expect_eq "counts: getpid enter, exit; exec; exit" "1000 1000 1 1" "$(tail -n +2 out)"

# (no process substitution: the guest has no /dev/fd)
pat='^perf tap: \([0-9]*\) tracepoint_multi links hold \([0-9]*\) of \([0-9]*\) events$'
line=$(sed -n "s/$pat/\1 \2 \3/p" err)
read -r links linked wanted <<<"$line"
[[ -n ${linked:-} ]] || fail "no '... tracepoint_multi links hold ...' line"
((wanted > 300)) || fail "only $wanted events wanted the record path"
# x86's irq_work_exit: not asked of the link, which refuses it; its perf
# event is refused too, as on a kernel without the link
if [[ -e /sys/kernel/tracing/events/irq_vectors/irq_work_exit ]]; then
	grep -qx 'perf tap: warning: cannot attach irq_vectors:irq_work_exit: Operation not permitted' err ||
		fail "no warning about irq_work_exit"
fi
expect_eq "events linked" "$wanted" "$linked"
expect_eq "links" 1 "$links"
grep -Eq '^perf tap: detached [0-9]+ links and 0 perf events in [0-9.]+ s$' err ||
	fail "perf events were detached: $(grep '^perf tap: detached' err)"
kernel_log_check
