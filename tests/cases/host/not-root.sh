#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without root (or CAP_BPF + CAP_PERFMON) perf tap says so in one sentence
# and exits 1 before it loads anything.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

command -v setpriv >/dev/null || skip "setpriv not installed"
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PERF" tap -e 'print("hi")' >out 2>err || rc=$?
expect_eq "exit status" 1 "$rc"
expect_eq "stdout" "" "$(cat out)"
expect_eq "stderr" "perf tap: permission denied: tracing with BPF needs root, or the CAP_BPF and CAP_PERFMON capabilities" "$(cat err)"
