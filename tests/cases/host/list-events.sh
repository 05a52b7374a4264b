#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -l lists the events a spec matches, one SUBSYSTEM:EVENT a line, as tracefs
# has them; a spec that matches nothing is an error.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

out=$("$PERF" tap -l 'syscalls:sys_enter_getp*') || fail "perf tap -l: exit status $?"
expect_eq "events, sorted" "$(printf 'syscalls:sys_enter_getpeername\nsyscalls:sys_enter_getpgid\nsyscalls:sys_enter_getpgrp\nsyscalls:sys_enter_getpid\nsyscalls:sys_enter_getppid\nsyscalls:sys_enter_getpriority')" "$out"

tracefs=/sys/kernel/tracing
n=$("$PERF" tap -l 'syscalls:sys_enter_*' | wc -l)
want=$(find "$tracefs/events/syscalls" -maxdepth 1 -name 'sys_enter_*' | wc -l)
expect_eq "count of syscalls:sys_enter_*" "$want" "$n"

rc=0
"$PERF" tap -l 'nosuch:event' >out 2>err || rc=$?
expect_eq "exit status for no match" 1 "$rc"
expect_eq "message" "perf tap -l:1:1: error: no such event: 'nosuch:event'" "$(head -1 err)"

# -v: each event's fields, as arg.NAME reads them
out=$("$PERF" tap -l -v 'sched:sched_process_exec') || fail "perf tap -l -v: exit status $?"
expect_eq "fields" "sched:sched_process_exec
	__data_loc char[] filename;	(a string)
	pid_t pid;
	pid_t old_pid;" "$out"
# a __u8 array is bytes where the kernel's BTF types the record, a char array text
if [[ -e /sys/kernel/btf/vmlinux ]] &&
	out=$("$PERF" tap -l -v 'sock:inet_sock_set_state' 2>/dev/null); then
	grep -qx $'\t__u8\[4\] saddr;\t(bytes: x\[i\], ntop(), hex())' <<<"$out" ||
		fail "saddr not listed as bytes: $out"
fi

# a file's functions, as uprobe specs
out=$("$PERF" tap -l "probe:$WORKLOAD:workload_mark*") || fail "uprobe -l: exit status $?"
expect_eq "uprobe functions" "probe:$WORKLOAD:workload_marker" "$out"

# timers are no events; a user who cannot read tracefs is told why
rc=0
"$PERF" tap -l 'tick-1s' >out 2>err || rc=$?
expect_eq "exit status for a timer" 1 "$rc"
expect_eq "timer message" "perf tap: -l lists events, and 'tick-1s' is a timer" "$(cat err)"
if id nobody >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
	rc=0
	su nobody -s /bin/sh -c "'$PERF' tap -l 'sched:*'" >out 2>err || rc=$?
	expect_eq "exit status without permission" 1 "$rc"
	grep -q "listing them needs root" err || fail "no permission hint: $(cat err)"
fi
