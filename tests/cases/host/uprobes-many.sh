#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A uprobe on every function of a binary (1000+ in the static workload)
# attaches and detaches in about a second: one uprobe_multi link per
# block, file and direction instead of a perf event per function (which
# took 97 ms each to close on 6.18, minutes in all).  Functions the kernel
# cannot probe are warnings, not the end of the run.
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
IFS=. read -r major minor _ <<<"$(uname -r)"
((major > 6 || (major == 6 && minor >= 6))) || skip "no uprobe_multi links before Linux 6.6"
nfuncs=$(nm "$WORKLOAD" 2>/dev/null | grep -ci ' t ') || skip "nm not installed"
((nfuncs > 500)) || skip "the workload has only $nfuncs functions"

start=$(date +%s%N)
"$PERF" tap -v -e "trace probe:$WORKLOAD:* { n += 1; if (probename == \"workload_marker\") { m += 1 } }
	trace probe:$WORKLOAD:workload_marker%return { r += 1 }
	trace_end { print(n > 100, m, r) }" -- "$WORKLOAD" call 100 >out 2>err ||
	fail "exit status $?: $(cat err)"
ms=$((($(date +%s%N) - start) / 1000000))
cat err
expect_eq "output" "1 100 100" "$(cat out)"
attached=$(sed -n 's/^perf tap: attached \([0-9]*\) events.*/\1/p' err)
((attached > 500)) || fail "only '$attached' events attached"
((ms < 10000)) || fail "attaching and detaching $attached uprobes took $ms ms"
note "ok: $attached uprobes in $ms ms"
