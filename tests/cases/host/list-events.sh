#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -l lists the events a spec matches, one SUBSYSTEM:EVENT a line, as tracefs
# has them; a spec that matches nothing is an error.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

out=$("$PERF" tap -l 'syscalls:sys_enter_getp*') || fail "perf tap -l: exit status $?"
expect_eq "events" "$(printf 'syscalls:sys_enter_getpeername\nsyscalls:sys_enter_getpgid\nsyscalls:sys_enter_getpgrp\nsyscalls:sys_enter_getpid\nsyscalls:sys_enter_getppid\nsyscalls:sys_enter_getpriority')" "$(printf '%s\n' "$out" | sort)"

tracefs=/sys/kernel/tracing
n=$("$PERF" tap -l 'syscalls:sys_enter_*' | wc -l)
want=$(find "$tracefs/events/syscalls" -maxdepth 1 -name 'sys_enter_*' | wc -l)
expect_eq "count of syscalls:sys_enter_*" "$want" "$n"

rc=0
"$PERF" tap -l 'nosuch:event' >out 2>err || rc=$?
expect_eq "exit status for no match" 1 "$rc"
expect_eq "message" "perf tap: no event matches 'nosuch:event'" "$(cat err)"
