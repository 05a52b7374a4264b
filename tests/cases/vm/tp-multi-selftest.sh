#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tracepoint_multi link's selftest (the kernel tree's
# tools/testing/selftests/bpf/prog_tests/tp_multi.c, built by make selftest)
# passes every subtest in the guest: cookies, patterns, the same records as
# perf events, coexistence with a perf event, each bad input, permissions,
# one grace period on release; and the kernel logs nothing while it runs
# (the guest kernel has lockdep).
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

need_selftest
kernel_log_mark
"$SELFTEST_DIR/tp_multi" >out 2>&1
rc=$?
cat out
[[ $rc == 0 ]] || fail "tp_multi failed (exit $rc): $(grep -m 1 FAIL out)"
grep -q '^tp_multi: 9 passed, 0 failed, 0 skipped$' out ||
	fail "not all 9 subtests passed: $(tail -n 1 out)"
kernel_log_check
