#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -l 'probe:GLOB' lists the kernel functions a kprobe can go on (tracefs
# available_filter_functions), each once, sorted, as specs to paste.
#! needs: kprobes

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

out=$("$PERF" tap -l 'probe:vfs_rea*') || fail "perf tap -l: exit status $?"
want=$(sed -n 's/^\(vfs_rea[^ ]*\).*/probe:\1/p' /sys/kernel/tracing/available_filter_functions |
	LC_ALL=C sort -u)
[[ -n $want ]] || fail "the guest kernel has no vfs_rea* function to list"
expect_eq "kprobe functions" "$want" "$out"
grep -qx 'probe:vfs_read' <<<"$out" || fail "probe:vfs_read is not listed: $out"
