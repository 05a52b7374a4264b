#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# User stacks through perf tap record and report: the processes whose
# ustack() values were recorded have exited long before report runs, and
# report names their frames from the command names and mappings the file
# holds (and the build-ids of the files the stacks went through), line for
# line as the live run does.
#! needs: syscalls
#! timeout: 90

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

build_stack_paths
cat >u.tap <<TAP
trace probe:$PWD/stack-paths:leaf {
	s[ustack()] += 1
	n += 1
	if (n == 1) { print(ustack()) }
}
trace_end { print(n, len(s)); print_hist(s, 100) }
TAP

"$PERF" tap u.tap -- ./stack-paths 2 >live.out 2>live.err || fail "live: exit status $?"
"$PERF" tap record -o u.data u.tap -- ./stack-paths 2 >rec.out 2>rec.err ||
	fail "record: exit status $?"
"$PERF" tap report -i u.data >report.out 2>report.err || fail "report: exit status $?"
expect_eq "live stderr" "" "$(cat live.err)"
expect_eq "report stderr" "" "$(cat report.err)"
expect_eq "calls and stacks" "4 4" "$(grep -Ex '[0-9]+ [0-9]+' live.out)"
expect_eq "named leaf frames" 5 "$(grep -Ec $'^\tleaf\\+0x0 \\(stack-paths\\)$' live.out)"
grep -q $'^\tmain+0x[0-9a-f]* (stack-paths)$' live.out || fail "no main frame: $(cat live.out)"
diff -u live.out report.out || fail "report differs from the live output"

"$PERF" buildid-list -i u.data >buildids || fail "buildid-list: exit status $?"
grep -q " $PWD/stack-paths\$" buildids || fail "no build-id of stack-paths: $(cat buildids)"
# only what the stacks went through: not perf's own libraries, which the
# command's process had mapped before its exec
if grep -q "libtraceevent\|/perf$" buildids; then
	fail "build-ids of files no stack went through: $(cat buildids)"
fi
"$PERF" script -i u.data >/dev/null 2>&1 || fail "perf script: exit status $?"
