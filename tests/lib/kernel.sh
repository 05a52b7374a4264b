# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the vm cases of the kernel patches (Documentation/kernel-link.md).
# Source it after case.sh:
#
#   . "$TAP_TESTS/lib/kernel.sh"

SELFTEST_DIR=$TAP_ROOT/build/selftest
TP_MULTI_RUN=$SELFTEST_DIR/tp-multi-run

# need_selftest: skip the case unless make selftest has built its programs.
need_selftest() {
	[[ -x $SELFTEST_DIR/tp_multi && -x $TP_MULTI_RUN ]] ||
		skip "no $SELFTEST_DIR/tp_multi (make selftest; it needs clang-14)"
}

# kernel_log_mark: remember where the kernel log ends now.
kernel_log_mark() {
	_kernel_log_lines=$(dmesg | wc -l)
}

# kernel_log_check: fail if the kernel logged a warning, a lockdep or RCU
# report, a BUG or an oops since kernel_log_mark.
kernel_log_check() {
	local new bad
	new=$(dmesg | tail -n +$((_kernel_log_lines + 1)))
	bad=$(grep -E 'WARNING:|BUG:|Oops|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|refcount_t:|Call Trace:|blocked for more than' <<<"$new")
	if [[ -n $bad ]]; then
		echo "$new" | head -n 60 >&2
		fail "the kernel logged: $(head -n 1 <<<"$bad")"
	fi
	note "ok: nothing in the kernel log"
}
