#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The user stacks of a command that has exited by trace_end still get
# their names there: perf tap follows the mappings processes make (they
# used to print as bare addresses once the process was gone).
# stack-paths 3 reaches leaf() through 8 call paths, each seen once.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

build_stack_paths
"$PERF" tap -e "trace probe:$PWD/stack-paths:leaf { s[ustack()] += 1 }
	trace_end { print_hist(s, 100) }" -- ./stack-paths 3 >out 2>err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
expect_eq "elements, each counted once" 8 "$(grep -Ec '^ +\|@{40}  1$' out)"
expect_eq "stacks starting at leaf" 8 "$(grep -cx $'\tleaf+0x0 (stack-paths)' out)"
expect_eq "stacks through main" 8 "$(grep -Ec $'^\tmain\\+0x[0-9a-f]+ \\(stack-paths\\)$' out)"
# between leaf and main: a() and b() frames only, four each time
expect_eq "paths" "ok" "$(awk '
	/^\tleaf\+/ { depth = 0; path = ""; inside = 1; next }
	/^\tmain\+/ { if (depth != 4) bad = "depth " depth; seen[path]++; inside = 0; next }
	inside && /^\t[ab]\+0x[0-9a-f]+ \(stack-paths\)$/ { depth++; path = path $1; next }
	inside { bad = "unexpected frame: " $0 }
	END { n = 0; for (p in seen) n++; print bad ? bad : n == 8 ? "ok" : n " distinct paths" }' out)"
