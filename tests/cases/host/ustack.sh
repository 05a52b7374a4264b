#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ustack(): user stacks as table keys, named from the process's mappings
# and the mapped file's ELF symbols.  A uprobe on workload_marker in a
# running workload (-p): the innermost frame is the function itself.
# (Deeper frames need frame pointers, which the -O2 workload lacks.)
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
start_bg "$WORKLOAD" call 1000000000
target=$bg_pid
sleep 0.3
"$PERF" tap -p "$target" -e "trace probe:$WORKLOAD:workload_marker { s[ustack()] += 1 }
	tick-300ms { exit() } trace_end { print_hist(s, 1) }" >out 2>err ||
	fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
sed -n 2p out | grep -Eq '^ +\|@+  [0-9]+$' || fail "no count line in: $(cat out)"
sed -n 3p out | grep -Eqx $'\tworkload_marker\\+0x0 \\(workload\\)' ||
	fail "first frame: $(sed -n 3p out)"
