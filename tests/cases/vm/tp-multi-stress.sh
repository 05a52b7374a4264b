#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two loops attach and release tracepoint_multi links on overlapping sets of
# tracepoints, 40 times each, at the same time, while perf record holds some
# of the same tracepoints. Afterwards a link still counts the workload's
# getpid calls exactly and the kernel has logged no warning (lockdep is
# on). With kmemleak on (TAP_VM_APPEND=kmemleak=on tests/run vm/tp-multi-stress:
# it slows the guest's boot by 20 to 30 s, so make check leaves it off),
# kmemleak also finds nothing leaked by the link or the perf trace code.
#! timeout: 600

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

need_selftest
kmemleak=/sys/kernel/debug/kmemleak
if ! echo clear 2>/dev/null >"$kmemleak"; then
	kmemleak=""
fi
kernel_log_mark

start_bg "$TP_MULTI_RUN" -l 40 'syscalls:sys_*_getpid' 'sched:*' 'signal:*'
loop=$bg_pid
"$PERF" record -q -a -e sched:sched_switch -e syscalls:sys_enter_getpid -o perf.data -- \
	"$TP_MULTI_RUN" -l 40 'sched:*' 'syscalls:sys_enter_get*' 'timer:*' >loop2.out 2>record.err ||
	fail "the loop under perf record failed: $(cat loop2.out record.err)"
wait "$loop" || fail "the other loop failed"
grep -qE '^40 links of [0-9]+ events$' loop2.out || fail "loop: $(cat loop2.out)"

expect_eq "link hits after the loops" "syscalls:sys_enter_getpid 1 200" \
	"$("$TP_MULTI_RUN" syscalls:sys_enter_getpid -- "$WORKLOAD" getpid 200)"

if [[ -n $kmemleak ]]; then
	# Twice: an object is reported once it has been unreferenced for two scans.
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	leaks=$(grep -E 'tp_multi|perf_trace_event|bpf_prog_array' "$kmemleak")
	[[ -z $leaks ]] || fail "kmemleak: $(grep -c unreferenced "$kmemleak") leaks, ours: $leaks"
	note "ok: kmemleak has nothing of ours"
else
	note "kmemleak is off (boot with kmemleak=on to check for leaks)"
fi
kernel_log_check
