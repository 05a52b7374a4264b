#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf's own tests of perf tap, as a maintainer runs them: 'perf test tap'
# from tools/perf of the prepared tree (where perf test finds its shell
# tests) runs the compiler suite (5 cases) and the 6 tap_*.sh shell tests.
# Every one must pass; none may fail or be skipped on a host that has what
# the host tier needs (root, BPF, bpftool), except the uprobe test on a
# kernel without the uprobe PMU.
#! needs: syscalls
#! timeout: 180

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

tree=$TAP_ROOT/build/linux-source-6.12/tools/perf
[[ -d $tree/tests/shell ]] || skip "no prepared tree: run make"
[[ $("$PERF" version 2>/dev/null) == "perf version "* ]] || skip "PERF is not perf"

rc=0
(cd "$tree" && "$PERF" test -v tap) >out 2>&1 || rc=$?
# one line per test case: "NNN: description : Ok|Skip|FAILED!"
results=$(grep -E '^ *[0-9]+(\.[0-9]+)?: .*: (Ok|Skip.*|FAILED!)$' out)
note "$results"
if grep -q 'FAILED!' <<<"$results" || ((rc != 0)); then
	cat out >&2
	fail "perf test tap failed (exit status $rc)"
fi

want=(
	"Compile a tap script to programs, maps and records"
	"Infer tap table types from use"
	"Report tap script errors at their line and column"
	"Refuse deeply nested tap scripts"
	"Compile tap timers"
	"perf tap compile errors"
	"perf tap leaves no BPF programs or links behind"
	"perf tap record and report"
	"perf tap timers"
	"perf tap tracepoint counts"
	"perf tap uprobe"
)
for w in "${want[@]}"; do
	line=$(grep -F ": $w " <<<"$results") || fail "perf test tap did not run '$w'"
	case $line in
	*": Ok") ;;
	*"perf tap uprobe"*Skip*)
		[[ -e /sys/bus/event_source/devices/uprobe/type ]] &&
			fail "'$w' skipped on a kernel with the uprobe PMU: $line"
		;;
	*) cat out >&2; fail "'$w': $line" ;;
	esac
done
