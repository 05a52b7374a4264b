#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf tap record saves a run in a perf.data and perf tap report prints
# from it what live mode prints for the same script and workload, line for
# line: top-level output, printf with argstr, kernel stacks as values and
# as table keys, a table, an aggregation and trace_end.  The file is a
# real perf.data: perf script and perf report read it and exit 0.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

cat >rec.tap <<'TAP'
var n = 0
var by = {}
var sizes = {}
var stacks = {}
print("tracing")
trace syscalls:sys_enter_getpid {
	n += 1
	by[execname] += 1
	sizes[execname] <<< n
	stacks[stack()] += 1
}
# (not close: the command's child closes pipes before its exec)
trace syscalls:sys_enter_openat { printf("open %s\n", argstr) print("stack", stack()) }
trace_end {
	printf("%d getpids\n", n)
	print_hist(by)
	print_hist(sizes)
	print_hist(stacks)
}
TAP

# no address randomization (the workload inherits it): argstr shows the
# file name's address
norand=(setarch "$(uname -m)" -R)
run=("$WORKLOAD" getpid 100 open /etc/hostname 3)
"${norand[@]}" "$PERF" tap rec.tap -- "${run[@]}" >live.out 2>live.err ||
	fail "live run: exit status $?"
"${norand[@]}" "$PERF" tap record -o rec.data rec.tap -- "${run[@]}" >rec.out 2>rec.err ||
	fail "record: exit status $?"
"$PERF" tap report -i rec.data >report.out 2>report.err || fail "report: exit status $?"

expect_eq "record's stdout" "" "$(cat rec.out)"
grep -Eq '^perf tap: [0-9]+ records .* written to rec\.data$' rec.err ||
	fail "record's stderr: $(cat rec.err)"
expect_eq "live stderr" "" "$(cat live.err)"
expect_eq "report stderr" "" "$(cat report.err)"
# the run printed what the script says, so the comparison below means something
grep -qx "tracing" live.out || fail "no top-level output"
grep -qx "100 getpids" live.out || fail "no trace_end output"
expect_eq "argstr lines" 3 "$(grep -c '^open dfd: 0xffffff9c, filename: 0x' live.out)"
expect_eq "stack values" 3 "$(grep -c '^stack$' live.out)"
grep -q $'^\t.*do_syscall_64+0x' live.out || fail "no kernel stack frames"
grep -q "count 100, sum 5050, avg 50, min 1, max 100" live.out || fail "no aggregation"
diff -u live.out report.out || fail "report differs from the live output"

"$PERF" script -i rec.data >script.out 2>script.err || fail "perf script: exit status $?"
grep -q "bpf-output" script.out || fail "perf script shows no bpf-output sample"
"$PERF" report -i rec.data --stdio >preport.out 2>preport.err ||
	fail "perf report: exit status $?"
"$PERF" report -i rec.data --header-only >header.out 2>&1 || fail "perf report --header-only"
grep -q "^# perf tap: [0-9]* bytes" header.out || fail "no HEADER_TAP in the header"
grep -q "^# event : name = syscalls:sys_enter_openat" header.out ||
	fail "the traced tracepoint's attr is not in the file"
"$PERF" buildid-list -i rec.data | grep -q "kernel.kallsyms" ||
	fail "no kernel build-id although the run took kernel stacks"

# a timer's attr is in the file too: cpu-clock with the timer's period
"$PERF" tap record -o timer.data -e 'tick-100ms { exit() }' >/dev/null 2>&1 ||
	fail "record a timer: exit status $?"
"$PERF" report -i timer.data --header-only >theader.out 2>&1 || fail "header of the timer's file"
grep -q "^# event : name = tick-100ms, .*type = 1 (software), .*config = 0 (PERF_COUNT_SW_CPU_CLOCK), { sample_period, sample_freq } = 100000000," theader.out ||
	fail "no cpu-clock attr for the timer: $(grep '^# event' theader.out)"
