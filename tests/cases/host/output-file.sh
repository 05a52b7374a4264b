#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -o FILE: the script's output goes to FILE, live and in report; stdout
# stays empty and warnings stay on stderr.  A file that cannot be written
# is one sentence and exit status 1, and a script that does not compile
# creates no file.
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# two keys in a table of one entry: one update is lost, with a warning
script='var t = {}
trace syscalls:sys_enter_getpid { t[pid] += 1 t[pid + 1] += 1 }
trace_end { printf("%d\n", len(t)) }'
want_err='perf tap: warning: 10 table updates lost (a table was full at 1 entries)'

"$PERF" tap -o live.txt --table-size 1 -e "$script" -- "$WORKLOAD" getpid 10 \
	>live.out 2>live.err || fail "live: exit status $?"
expect_eq "live stdout" "" "$(cat live.out)"
expect_eq "live -o file" "1" "$(cat live.txt)"
expect_eq "live stderr" "$want_err" "$(cat live.err)"

"$PERF" tap record -o rec.data --table-size 1 -e "$script" -- "$WORKLOAD" getpid 10 \
	>rec.out 2>rec.err || fail "record: exit status $?"
[[ -s rec.data ]] || fail "record -o did not name the perf.data"
[[ ! -e perf.data ]] || fail "record -o wrote perf.data too"
"$PERF" tap report -i rec.data -o report.txt >report.out 2>report.err ||
	fail "report: exit status $?"
expect_eq "report stdout" "" "$(cat report.out)"
expect_eq "report -o file" "1" "$(cat report.txt)"
expect_eq "report stderr" "$want_err" "$(cat report.err)"

rc=0
"$PERF" tap -o missing-dir/out.txt -e 'print(1)' >bad.out 2>bad.err || rc=$?
expect_eq "exit status for an unwritable -o" 1 "$rc"
expect_eq "message for an unwritable -o" \
	"perf tap: cannot write missing-dir/out.txt: No such file or directory" "$(cat bad.err)"
rc=0
"$PERF" tap -o never.txt -e 'print(' >/dev/null 2>&1 || rc=$?
expect_eq "exit status for a compile error" 1 "$rc"
[[ ! -e never.txt ]] || fail "-o created a file for a script that does not compile"
