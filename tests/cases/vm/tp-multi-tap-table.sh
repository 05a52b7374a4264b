#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A table keyed by probename in a 'trace *:*' script, on the lockdep guest:
# before globs left out lock:* and preemptirq:* (whose events fire inside
# BPF's own map code), the table's bucket lists looped and trace_end never
# ended, or the kernel deadlocked (Documentation/kernel-link.md). Run
# twice: without argstr (raw tracepoints) and with it (through the
# tracepoint_multi link). Each run must finish, count the workload's 1000
# getpid calls (a few updates may be refused by the map's own re-entry
# guard, as drops), its exit once, and leave the kernel log clean.
#! timeout: 400

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

kernel_log_mark
for how in raw link; do
	body='n[probename] += 1'
	[[ $how == link ]] && body+='; if (pid == 1) { print(argstr) }'
	printf '%s\n' "trace *:* /execname == \"workload\"/ { $body }" \
		'trace_end { printf("%d %d %d %d\n", n["sys_enter_getpid"], n["sys_exit_getpid"], n["sched_process_exit"], n["lock_release"]) }' \
		>table.tap
	# a looping table never lets trace_end finish: fail, do not hang the tier
	rc=0
	timeout -s KILL 150 "$PERF" tap -v table.tap -- "$WORKLOAD" getpid 1000 >out 2>err || rc=$?
	((rc != 137)) || fail "$how: perf tap did not finish in 150 s (a looping table?)"
	((rc == 0)) || { cat err >&2; fail "$how: exit status $rc"; }
	grep -q "^perf tap: table.tap:1:7: '\*:\*' leaves out lock:\* and preemptirq:\*" err ||
		fail "$how: no -v note for the events left out"
	read -r enter exit gone lock <out
	((enter >= 990 && enter <= 1000)) || fail "$how: $enter getpid entries, not 1000"
	((exit >= 990 && exit <= 1000)) || fail "$how: $exit getpid exits, not 1000"
	expect_eq "$how: exits" 1 "$gone"
	expect_eq "$how: lock_release, left out" 0 "$lock"
	if [[ $how == link ]]; then
		grep -q 'tracepoint_multi links hold' err || fail "link: the link was not used"
	fi
	note "ok: $how: $enter $exit $gone"
done
kernel_log_check
