#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A perf tap record run stopped by SIGINT (Ctrl-C) or SIGTERM still ends
# as a live run does (drain the rings, trace_end) and leaves a complete
# perf.data: report prints what was recorded up to the signal and the
# output of trace_end, with no warning.  Sending the signal while the
# previous file is there keeps it as perf.data.old, as perf record does.
#! needs: syscalls
#! timeout: 90

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='var n = 0
trace syscalls:sys_enter_getpid { n += 1 }
tick-200ms { print("tick") }
trace_end { printf("end %d %s\n", n > 0, SIG) }'

# shellcheck disable=SC2016 # expanded by the inner bash
start_bg bash -c 'while :; do "$WORKLOAD" getpid 1000; sleep 0.01; done'

for sig in INT TERM; do
	"$PERF" tap record -e "${script/SIG/\"$sig\"}" >"rec.$sig.out" 2>"rec.$sig.err" &
	tap=$!
	wait_attached "$tap"
	kill -"$sig" "$tap"
	rc=0
	wait "$tap" || rc=$?
	expect_eq "record's exit status after SIG$sig" 0 "$rc"
	expect_eq "record's stdout after SIG$sig" "" "$(cat "rec.$sig.out")"
	"$PERF" tap report >"report.$sig" 2>"report.$sig.err" ||
		fail "report after SIG$sig: exit status $?"
	expect_eq "report's stderr after SIG$sig" "" "$(cat "report.$sig.err")"
	expect_eq "last line after SIG$sig" "end 1 $sig" "$(tail -n 1 "report.$sig")"
	grep -qx tick "report.$sig" || fail "no tick recorded before SIG$sig"
done
# the first run's file, kept when the second one began
[[ -f perf.data.old ]] || fail "no perf.data.old"
"$PERF" tap report -i perf.data.old >report.old || fail "report of perf.data.old"
expect_eq "perf.data.old's last line" "end 1 INT" "$(tail -n 1 report.old)"
