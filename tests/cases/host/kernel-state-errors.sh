#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# in_interrupt() and kernel_v() need kernel symbols the host kernel does not
# list (no CONFIG_KALLSYMS_ALL): perf tap says so in one sentence, exit 1.
# (The vm tier tests them where the kernel has them.)

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

grep -qw jiffies /proc/kallsyms && skip "this kernel lists data symbols"
rc=0
"$PERF" tap -e 'print(kernel_v("jiffies"))' >out 2>err || rc=$?
expect_eq "kernel_v exit status" 1 "$rc"
expect_eq "kernel_v message" 'perf tap: kernel_v("jiffies"): no such symbol in /proc/kallsyms, which lists no data symbols on this kernel (built without CONFIG_KALLSYMS_ALL)' "$(cat err)"
# a function symbol is found; the error names the symbol that is missing
rc=0
"$PERF" tap -e 'print(kernel_v("kallsyms_lookup_name"), kernel_v("no_such_symbol_here"))' \
	>out 2>err || rc=$?
expect_eq "kernel_v exit status for an unknown name" 1 "$rc"
grep -q 'kernel_v("no_such_symbol_here"): no such symbol in /proc/kallsyms' err ||
	fail "message: $(cat err)"
rc=0
"$PERF" tap -e 'trace syscalls:sys_enter_getpid { a[in_interrupt()] += 1 }' \
	-- "$WORKLOAD" getpid 1 >out 2>err || rc=$?
expect_eq "in_interrupt exit status" 1 "$rc"
grep -q "in_interrupt() needs the kernel's BTF and per-CPU symbols" err ||
	fail "message: $(cat err)"
