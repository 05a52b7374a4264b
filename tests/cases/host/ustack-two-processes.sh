#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A ustack() value names its process, so the same call path in two
# processes is two elements that printed as two identical stacks.
# print_hist now shows them as one line with the counts added: two runs
# of stack-paths 2 give 4 paths counted twice each, no stack printed twice.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

build_stack_paths
start_bg "$PERF" tap -e "trace probe:$PWD/stack-paths:leaf { s[ustack()] += 1; n += 1 }
	trace_end { print(n, len(s)); print_hist(s, 100) }" >out 2>err
tap=$bg_pid
wait_attached "$tap"
./stack-paths 2 || fail "stack-paths failed"
./stack-paths 2 || fail "stack-paths failed"
kill -INT "$tap"
wait "$tap" || fail "perf tap: exit status $?"
expect_eq "stderr" "" "$(cat err)"
expect_eq "calls and elements" "8 8" "$(head -1 out)"
expect_eq "lines, each counted twice" 4 "$(grep -Ec '^ +\|@{40}  2$' out)"
expect_eq "every stack printed once" "ok" "$(awk '
	/\|@/ { if (key != "") seen[key]++; key = ""; next }
	/^\t/ { key = key $0 "\n" }
	END { if (key != "") seen[key]++
	      for (k in seen) if (seen[k] > 1) bad = "twice: " k
	      print bad ? bad : "ok" }' out)"
