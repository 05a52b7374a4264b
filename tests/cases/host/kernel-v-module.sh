#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel_v() finds a symbol that /proc/kallsyms lists with its module's
# name ("name<TAB>[module]"), as it finds the kernel's own: here a BPF
# program's symbol ("[bpf]"), the one such symbol every machine with BPF has.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

"$PERF" tap -e 'tick-1s { n += 1 }' -- sleep 10 >bg.out 2>bg.err &
bg=$!
sym=
for _ in $(seq 100); do
	sym=$(awk '$4 == "[bpf]" && $3 ~ /_tap_/ { print $3; exit }' /proc/kallsyms)
	[ -n "$sym" ] && break
	sleep 0.1
done
[ -n "$sym" ] || { kill "$bg"; fail "no [bpf] symbol of perf tap in /proc/kallsyms"; }
awk -v s="$sym" '$3 == s' /proc/kallsyms | grep -q '^0000000000000000 ' &&
	{ kill "$bg"; skip "/proc/kallsyms hides addresses from this user"; }
rc=0
"$PERF" tap -e "print(kernel_v(\"$sym\") != 0)" >out 2>err || rc=$?
kill "$bg"
wait "$bg" 2>/dev/null
expect_eq "kernel_v of a [bpf] symbol: exit status" 0 "$rc"
expect_eq "kernel_v of a [bpf] symbol: the code's first 8 bytes are not 0" 1 "$(cat out)"
[ -s err ] && fail "stderr: $(cat err)"
true
