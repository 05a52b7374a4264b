#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The stack map keeps one stack per hash bucket: of 4096 distinct user
# stacks (stack-paths 12) a tenth or so find their bucket taken
# (bpf_get_stackid() returns -EEXIST).  Those print as a hash collision,
# not as "the stack map is full" (it holds 8193), and perf tap ends with
# a warning that counts them; every call is still counted somewhere.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

build_stack_paths
"$PERF" tap -e "trace probe:$PWD/stack-paths:leaf { s[ustack()] += 1; n += 1 }
	trace_end { print(n); print_hist(s, 10000) }" -- ./stack-paths 12 >out 2>err ||
	fail "exit status $?"
expect_eq "calls" 4096 "$(head -1 out)"
expect_eq "counts in print_hist" 4096 "$(awk '/\|@* +[0-9]+$/ { s += $NF } END { print s }' out)"
lost=$(grep -A1 -E '^ +\|@* +[0-9]+$' out |
	awk '/^\t\[stack lost: its hash collided with another stack.s in the stack map\]$/ { n++ }
	     END { print n + 0 }')
expect_eq "elements whose stack was lost to a collision" 1 "$lost"
grep -q "stack map is full" out && fail "collisions reported as a full map"
# the warning counts every lost sample: the count of the lost element
lost_count=$(grep -B1 -F $'\t[stack lost: its hash collided' out | awk 'NR == 1 { print $NF }')
grep -Eqx "perf tap: warning: $lost_count stacks were lost to hash collisions in the stack map \\(16384 buckets\\)" err ||
	fail "no warning counting the $lost_count lost stacks: $(cat err)"
