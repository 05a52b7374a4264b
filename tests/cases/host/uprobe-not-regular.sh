#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A uprobe goes on an executable or a library: a FIFO (whose open() would
# block until someone writes), a device or a directory is refused at once
# with the spec's position, and nothing is attached.
#! timeout: 30

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
mkfifo fifo || fail "cannot make a FIFO"
for path in "$TAP_TMP/fifo" /dev/zero "$TAP_TMP"; do
	rc=0
	timeout 10 "$PERF" tap -e "trace probe:$path:x { }" >out 2>err || rc=$?
	expect_eq "exit status for $path" 1 "$rc"
	expect_eq "stderr for $path" \
		"<cmdline>:1:7: error: not a regular file (an executable or library): 'probe:$path:x'
trace probe:$path:x { }
      ^" "$(cat err)"
done
