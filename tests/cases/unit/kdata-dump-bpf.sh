#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --dump-bpf attributes the reads of a member chain to the script line
# that has it: curtask->real_parent->tgid on line 3 is bpf_get_current_task
# then two bpf_probe_read_kernel calls (the pointer, then the 4-byte tgid,
# sign-extended), all under "; line 3".
#! needs: btf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

"$PERF" tap --dump-bpf -e 'tick-1s {
	x = 1
	y = curtask->real_parent->tgid
	z = 2
}' > dump 2> err || fail "--dump-bpf failed: $(cat err)"
# the timer's program, from its line 3 to the next line marker
awk '/^tap_/ { p = /^tap_timer/ } p && /^; line/ { l = $3 } p && l == 3' dump > line3
[[ -s line3 ]] || fail "no '; line 3' in the timer's program: $(cat dump)"
expect_eq "reads on line 3" 2 "$(grep -c 'call bpf_probe_read_kernel#' line3)"
expect_eq "current task on line 3" 1 "$(grep -c 'call bpf_get_current_task#' line3)"
expect_eq "sign extension of the int" 1 "$(grep -c 's>>= 32' line3)"
# and none of them anywhere else in the program
expect_eq "reads in the program" 2 \
	"$(awk '/^tap_/ { p = /^tap_timer/ } p' dump | grep -c 'call bpf_probe_read_kernel#')"
exit 0
