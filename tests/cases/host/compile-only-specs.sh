#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --dump-bpf and --dump-ast check the probe specs against the running
# kernel as a run does: an event that does not exist is an error at the
# spec, exit 1 (it used to pass with exit 0).  --syntax-only only parses,
# by design and as documented, so it still accepts the script.
#! needs: tracefs

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

for mode in --dump-bpf --dump-ast; do
	rc=0
	"$PERF" tap "$mode" -e 'trace nosuch:event { n += 1 }' >out 2>err || rc=$?
	expect_eq "$mode exit status" 1 "$rc"
	# the message, then the script line and a caret under the spec
	expect_eq "$mode message" "<cmdline>:1:7: error: no such event: 'nosuch:event'
trace nosuch:event { n += 1 }
      ^" "$(cat err)"
done
rc=0
"$PERF" tap --dump-bpf -e 'trace sched:sched_switch { n += 1 }' >out 2>err || rc=$?
expect_eq "--dump-bpf of an existing event: exit status" 0 "$rc"
grep -q '^tap_' out || fail "no program dumped: $(head -3 out)"
rc=0
"$PERF" tap --syntax-only -e 'trace nosuch:event { n += 1 }' >out 2>err || rc=$?
expect_eq "--syntax-only exit status" 0 "$rc"
expect_eq "--syntax-only stderr" "" "$(cat err)"
