#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# USDT probes: usdt:/PATH:PROVIDER:NAME (and ktap's sdt:/PATH:NAME) attach a
# uprobe at each SDT note's site of a test program built here
# (lib/usdt-probes.c, notes written by hand as sys/sdt.h writes them).
# Every firing is seen, arg0..arg2 are the note's operands (an int in a
# register, a long in memory, a constant), and the semaphore of the
# guarded probe is counted up by the kernel while perf tap is attached:
# the program fires it only then.  Built as PIE at -O2 and as a fixed
# executable at -O0, whose operands differ (rsp- and rbp-relative).
#! needs: syscalls uprobes
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

command -v gcc >/dev/null || skip "no gcc to build usdt-probes"
gcc -O2 -o usdt-pie "$TAP_TESTS/lib/usdt-probes.c" || fail "cannot build usdt-probes"
gcc -O0 -no-pie -o usdt-fixed "$TAP_TESTS/lib/usdt-probes.c" || fail "cannot build usdt-probes"

expect_eq "without perf tap" "listened 0" "$(./usdt-pie 3)"
expect_eq "-l" "usdt:$PWD/usdt-pie:tap_test:guarded
usdt:$PWD/usdt-pie:tap_test:hit" "$("$PERF" tap -l "usdt:$PWD/usdt-pie:*")"
"$PERF" tap -l -v "usdt:$PWD/usdt-pie:tap_test:hit" >out || fail "-l -v: exit status $?"
grep -Eqx $'\targuments: -4@%[a-z0-9]+ -8@[0-9]*\\(%r[sb]p\\) 4@\\$5' out ||
	fail "-l -v shows no operands: $(cat out)"

for prog in usdt-pie usdt-fixed; do
	"$PERF" tap -e "trace usdt:$PWD/$prog:tap_test:hit { printf(\"%s %d %d %d\\n\", probename, arg0, arg1, arg2) }
		trace sdt:$PWD/$prog:guarded { g += 1; s += arg0 }
		trace_end { print(\"guarded\", g, s) }" -- sh -c "exec ./$prog 4 >$prog.out" >out 2>err ||
		fail "$prog: exit status $?: $(cat err)"
	expect_eq "$prog: stderr" "" "$(cat err)"
	expect_eq "$prog: output" "hit 0 0 5
hit 1 -2 5
hit 2 -4 5
hit 3 -6 5
guarded 4 600" "$(cat out)"
	expect_eq "$prog: the program saw the semaphore" "listened 4" "$(cat "$prog.out")"
done
# a process that runs already: the kernel counts its semaphore up at attach
start_bg ./usdt-pie 3 wait
target=$bg_pid
wait_sig_caught "$target" 10
"$PERF" tap -p "$target" -e "trace usdt:$PWD/usdt-pie:guarded { g += 1 }
	trace_end { print(\"guarded\", g) }" >out 2>err &
tap=$!
wait_attached "$tap"
kill -USR1 "$target"
wait "$tap" || fail "-p: exit status $?: $(cat err)"
expect_eq "-p: guarded probes seen" "guarded 3" "$(cat out)"

# the semaphore is counted down again when perf tap detaches
expect_eq "after perf tap" "listened 0" "$(./usdt-pie 3)"

rc=0
"$PERF" tap -e "trace usdt:$PWD/usdt-pie:nosuch { }" >out 2>err || rc=$?
expect_eq "exit status for no match" 1 "$rc"
expect_eq "no match" "<cmdline>:1:7: error: no SDT probe (.note.stapsdt) of the file matches 'usdt:$PWD/usdt-pie:nosuch'" "$(head -1 err)"
rc=0
"$PERF" tap -e "trace usdt:$PWD/usdt-pie:hit, syscalls:sys_enter_getpid { print(arg0) }" >out 2>err || rc=$?
expect_eq "exit status for a mixed block" 1 "$rc"
col=$(($(printf 'trace usdt:%s/usdt-pie:hit, syscalls:sys_enter_getpid { print(' "$PWD" | wc -c) + 1))
expect_eq "mixed block" "<cmdline>:1:$col: error: 'arg0' of a block with USDT probes and other probes: give the USDT probes a block of their own" "$(head -1 err)"
# ... nor in a function a USDT block calls, where it would be a register
rc=0
"$PERF" tap -e "function f() { return arg0 } trace usdt:$PWD/usdt-pie:hit { print(f()) }" >out 2>err || rc=$?
expect_eq "exit status for arg0 in a function" 1 "$rc"
expect_eq "arg0 in a function" "<cmdline>:1:23: error: 'arg0' in a function called from a block of USDT probes: read it in the block and pass it" "$(head -1 err)"
