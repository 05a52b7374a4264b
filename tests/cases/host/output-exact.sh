#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every record a probe writes is printed: 200000 printf records from a
# busy workload come out as 200000 lines, in order, with nothing on stderr.
# (A record dropped by the reader once went missing without a warning.)
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

"$PERF" tap -m 1024 -e 'trace syscalls:sys_enter_getpid { n += 1; printf("%d\n", n) }' \
	-- "$WORKLOAD" getpid 200000 >out 2>err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
expect_eq "lines" 200000 "$(wc -l <out)"
expect_eq "first..last in order" "ok" \
	"$(awk '$1 != NR && !bad { bad = "line " NR ": " $1 } END { print bad ? bad : "ok" }' out)"
