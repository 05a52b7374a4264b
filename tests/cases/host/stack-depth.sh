#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stack(N) and ustack(N) print only the first N frames (of the traced
# code: the tracing machinery's frames are left out before counting).
# The kernel keeps whole stacks, so a table keyed by ustack(2) has an
# element per full path (len() says 8 for stack-paths 3), and print_hist
# shows the elements that print the same as one line: leaf called from a
# and from b, 4 calls each, two frames each.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

build_stack_paths
"$PERF" tap -e "trace probe:$PWD/stack-paths:leaf { s[ustack(2)] += 1 }
	trace_end { print(len(s)); print_hist(s) }" -- ./stack-paths 3 >out 2>err ||
	fail "exit status $?: $(cat err)"
expect_eq "ustack(2)" "8
value ------------- Distribution -------------   count
      |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  4
	leaf+0x0 (stack-paths)
	a+0x1e (stack-paths)
      |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  4
	leaf+0x0 (stack-paths)
	b+0x1e (stack-paths)" "$(sed -E 's/\+0x[0-9a-f]+ \(stack-paths\)$/+0x__ (stack-paths)/; s/^\tleaf\+0x__/\tleaf+0x0/' out |
	sed -E 's/^\t(a|b)\+0x__/\t\1+0x1e/')"

# kernel stacks: print(stack(1)) is one frame, stack(2) two, stack() all
"$PERF" tap -e 'trace syscalls:sys_enter_getpid /pid == cpid/ {
		print("one"); print(stack(1)); print("two"); print(stack(2)); print("all"); print(stack())
	}' -- "$WORKLOAD" getpid 1 >out 2>err || fail "exit status $?: $(cat err)"
one=$(sed -n '/^one$/,/^two$/p' out | grep -c $'^\t')
two=$(sed -n '/^two$/,/^all$/p' out | grep -c $'^\t')
all=$(sed -n '/^all$/,$p' out | grep -c $'^\t')
expect_eq "frames of stack(1)" 1 "$one"
expect_eq "frames of stack(2)" 2 "$two"
((all > 2)) || fail "stack() has only $all frames: $(cat out)"
expect_eq "the first frames" "$(sed -n '/^all$/,$p' out | sed -n 2,3p)" "$(sed -n '/^two$/,/^all$/p' out | sed -n 2,3p)"
