#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The scripts that aborted perf tap (heap overflow formatting a key with a
# stack before other keys): profile samples keyed by a kernel stack and
# the command name, and by a kernel and a user stack.  They exit 0 and
# print only well-formed lines: the header, "keys |bar  count" lines, each
# followed by indented frames ("--" between two stacks), and the "more".
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

check_layout() {
	awk -v keys="$1" '
		NR == 1 { if ($0 !~ /^ *value -+ Distribution -+   count$/) bad = "header: " $0; next }
		/^\t--$/ { if (!frames) bad = "-- before any frame, line " NR; next }
		/^\t/ { if (!bar) bad = "frame before any bar, line " NR; frames++; next }
		/^ *\.\.\.   \([0-9]+ more\)$/ { next }
		$0 ~ "^ *" keys "\\|@* +[0-9]+$" { bars++; bar = 1; next }
		{ bad = "line " NR ": " $0 }
		END {
			if (!bad && !bars) bad = "no element"
			if (!bad && !frames) bad = "no frame"
			print bad ? bad : "ok"
		}' out
}

# busy CPUs, so that the samples are not all of the idle task
start_bg "$WORKLOAD" getpid 100000000
"$PERF" tap -e 'profile-99hz { s[stack(), execname] += 1 } tick-2s { exit() }
	trace_end { print_hist(s, 3) }' >out 2>err || fail "stack, execname: exit status $?"
expect_eq "stack, execname: layout" ok "$(check_layout '.+ ')"

"$PERF" tap -e 'profile-99hz { s[stack(), ustack()] += 1 } tick-2s { exit() }
	trace_end { print_hist(s, 3) }' >out 2>err || fail "stack, ustack: exit status $?"
expect_eq "stack, ustack: layout" ok "$(check_layout '')"
grep -qx $'\t--' out || fail "no -- between the kernel and the user stack: $(cat out)"
