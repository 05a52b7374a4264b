#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ustack() with --call-graph dwarf: a program built with -O2
# -fomit-frame-pointer (lib/ustack-chain.c), whose frame-pointer stacks
# stop after the first frame, unwinds through main -> deep_a -> deep_b ->
# deep_c, live and through record/report; libc's frames (qsort calling a
# comparator back) resolve; a stack deeper than SIZE ends with a
# truncation line; the processes have exited when their snapshots are
# unwound (the rings are drained every 100 ms; report much later).  Tables
# keyed by DWARF stacks fold equal stacks into one element; a process
# whose mappings perf tap never saw prints its IP and "[unknown: ...]".
#! needs: syscalls
#! timeout: 240

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

command -v gcc >/dev/null || skip "no gcc to build ustack-chain"
gcc -O2 -fomit-frame-pointer -o chain "$TAP_TESTS/lib/ustack-chain.c" ||
	fail "cannot build ustack-chain"
[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
"$PERF" version --build-options | grep -q 'dwarf-unwind: \[ on' ||
	skip "perf is built without DWARF unwinding (libdw)"

# the frames of the first stack print_hist prints, without offsets
frames() {
	grep -E $'^\t' "$1" | sed -E 's/^\t//; s/\+0x[0-9a-f]+ / /' | head -"${2:-20}"
}

chain=$'deep_c (chain)\ndeep_b (chain)\ndeep_a (chain)\nmain (chain)'

# a uprobe at deep_c's entry; the process is gone before the ring is read
cat >entry.tap <<TAP
trace probe:$PWD/chain:deep_c { s[ustack()] += 1 }
trace_end { print_hist(s) }
TAP
"$PERF" tap --call-graph dwarf entry.tap -- ./chain spin 1 >live.out 2>live.err ||
	fail "live: exit status $?"
expect_eq "live stderr" "" "$(cat live.err)"
expect_eq "uprobe stack" "$chain" "$(frames live.out 4)"
frames live.out | grep -q ' (libc.so.6)$' || fail "no libc frame below main: $(cat live.out)"

# through perf tap record: unwound by report, from the file's maps
"$PERF" tap record --call-graph dwarf -o u.data entry.tap -- ./chain spin 1 >rec.out 2>rec.err ||
	fail "record: exit status $?"
"$PERF" tap report -i u.data >report.out 2>report.err || fail "report: exit status $?"
expect_eq "report stderr" "" "$(cat report.err)"
diff -u live.out report.out || fail "report differs from the live output"

# profile timer samples in user code: one stack folds the hot loop's samples
"$PERF" tap --call-graph dwarf -e 'profile-1ms /pid == cpid/ { s[ustack()] += 1 }
	trace_end { print_hist(s, 1) }' -- ./chain spin 400000000 >prof.out 2>prof.err ||
	fail "profile: exit status $?"
expect_eq "profile stderr" "" "$(cat prof.err)"
expect_eq "profile stack" "$chain" "$(frames prof.out 4)"
count=$(sed -n 2p prof.out | grep -Eo '[0-9]+$')
[[ ${count:-0} -ge 20 ]] || fail "the hottest stack has ${count:-no} samples: $(cat prof.out)"
# the same with frame pointers, to show the program has none: no deep_a
"$PERF" tap -e 'profile-1ms /pid == cpid/ { s[ustack()] += 1 }
	trace_end { print_hist(s, 1) }' -- ./chain spin 400000000 >fp.out 2>&1 ||
	fail "profile with frame pointers: exit status $?"
if grep -q 'deep_a' fp.out; then
	note "frame pointers found deep_a: the program has frame pointers after all"
fi

# libc calls the comparator back: libc's frames between it and deep_c
cat >sort.tap <<TAP
trace probe:$PWD/chain:cmp_leaf { s[ustack()] += 1 }
trace_end { print_hist(s, 1) }
TAP
"$PERF" tap -m 4M --call-graph dwarf sort.tap -- ./chain sort >sort.out 2>sort.err ||
	fail "sort: exit status $?"
expect_eq "sort stderr" "" "$(cat sort.err)"
frames sort.out >sort.frames
expect_eq "comparator" "cmp_leaf (chain)" "$(head -1 sort.frames)"
sed -n '2,/^deep_c /p' sort.frames | grep -q 'qsort.* (libc.so.6)$' ||
	fail "no libc qsort frame between cmp_leaf and deep_c: $(cat sort.out)"
grep -q '^main (chain)$' sort.frames || fail "no main frame: $(cat sort.out)"

# 20 frames of 1 KiB: more than 8192 bytes of stack, less than 24576
cat >big.tap <<TAP
trace probe:$PWD/chain:deep_c { s[ustack()] += 1 }
trace_end { print_hist(s) }
TAP
"$PERF" tap --call-graph dwarf big.tap -- ./chain big 20 >big.out 2>big.err ||
	fail "big: exit status $?"
expect_eq "big stderr" "" "$(cat big.err)"
expect_eq "big: innermost" "deep_c (chain)" "$(frames big.out 1)"
expect_eq "big: last line" $'\t[truncated: the stack is larger than the 8192 bytes copied]' \
	"$(tail -1 big.out)"
grep -q 'main' big.out && fail "main above 8192 bytes of stack: $(cat big.out)"
"$PERF" tap --call-graph dwarf,24576 big.tap -- ./chain big 20 >big2.out 2>&1 ||
	fail "big, 24576: exit status $?"
grep -q truncated big2.out && fail "truncated with 24576 bytes: $(cat big2.out)"
expect_eq "big, 24576: frames of big_frames" 21 "$(frames big2.out 100 | grep -c '^big_frames ')"
grep -q $'^\tmain+0x[0-9a-f]* (chain)$' big2.out || fail "no main: $(cat big2.out)"

# deep_c at the same SP through two paths, 5 times each: the frames of a
# snapshot taken where one was before are reused only with its callers
"$PERF" tap --call-graph dwarf entry.tap -- ./chain two 5 >two.out 2>two.err ||
	fail "two: exit status $?"
expect_eq "two stderr" "" "$(cat two.err)"
expect_eq "two: count lines" $'5\n5' "$(grep -Eo '\|@+ +[0-9]+$' two.out | grep -Eo '[0-9]+$')"
expect_eq "two: callers of deep_c" $'deep_b\nother_b' \
	"$(grep -A1 $'^\tdeep_c+' two.out | grep -Eo '(deep|other)_b' | sort)"
expect_eq "two: their callers" $'deep_a\nother_a' \
	"$(grep -A2 $'^\tdeep_c+' two.out | grep -Eo '(deep|other)_a' | sort)"

# a table keyed by DWARF stacks has an element per distinct stack, as with
# frame pointers: 500 snapshots on two paths are 2 elements for len(),
# pairs() and print_hist, their values merged per kind of table: counts
# (per-CPU t, shared u, which a probe reads) add, aggregations combine
# (count, sum, min, max against one element fed the same values), and in
# a table that is set the later value replaces the earlier
cat >fold.tap <<TAP
var t = {}
trace probe:$PWD/chain:deep_c {
	var x = gettimeofday_ns() % 1000000000
	t[ustack()] += 1
	u[ustack()] += 2
	if (len(u) < 0) { print("never") }
	a[ustack()] <<< x
	all["x"] <<< x
	last[ustack()] = x
	lastall["x"] = x
}
trace_end {
	var n = 0
	var s = 0
	for (k, v in pairs(t)) { n += 1; s += v }
	printf("t: len %d rows %d sum %d\n", len(t), n, s)
	n = 0
	s = 0
	for (k, v in pairs(u)) { n += 1; s += v }
	printf("u: len %d rows %d sum %d\n", len(u), n, s)
	n = 0
	s = 0
	var sum = 0
	var lo = 1000000000
	var hi = -1
	for (k, v in pairs(a)) {
		n += 1
		s += count(v)
		sum += sum(v)
		if (min(v) < lo) { lo = min(v) }
		if (max(v) > hi) { hi = max(v) }
	}
	printf("a: len %d rows %d count %d\n", len(a), n, s)
	if (sum == sum(all["x"]) && lo == min(all["x"]) && hi == max(all["x"])) {
		print("a: sum min max match")
	} else {
		printf("a: sum %d min %d max %d, all: %d %d %d\n", sum, lo, hi,
			sum(all["x"]), min(all["x"]), max(all["x"]))
	}
	n = 0
	s = 0
	for (k, v in pairs(last)) { n += 1; if (v == lastall["x"]) { s += 1 } }
	printf("last: len %d rows %d the last value %d\n", len(last), n, s)
	print_hist(t)
}
TAP
fold_want='t: len 2 rows 2 sum 500
u: len 2 rows 2 sum 1000
a: len 2 rows 2 count 500
a: sum min max match
last: len 2 rows 2 the last value 1'
"$PERF" tap -m 16M --call-graph dwarf fold.tap -- ./chain two 250 >fold.out 2>fold.err ||
	fail "fold: exit status $?"
expect_eq "fold stderr" "" "$(cat fold.err)"
expect_eq "fold: tables" "$fold_want" "$(head -5 fold.out)"
expect_eq "fold: print_hist rows" $'250\n250' \
	"$(grep -Eo '\|@+ +[0-9]+$' fold.out | grep -Eo '[0-9]+$')"
# through record: folded as it runs (trace_end runs there); report prints the same
"$PERF" tap record -m 16M --call-graph dwarf -o fold.data fold.tap -- ./chain two 250 \
	>/dev/null 2>fold-rec.err || fail "fold, record: exit status $?"
"$PERF" tap report -i fold.data >fold-rep.out 2>fold-rep.err || fail "fold, report: exit status $?"
expect_eq "fold, report stderr" "" "$(cat fold-rep.err)"
expect_eq "fold, report: tables" "$fold_want" "$(head -5 fold-rep.out)"
diff -u <(tail -n +6 fold.out) <(tail -n +6 fold-rep.out) ||
	fail "fold: the report's histogram differs from the live one"

# folded while the probes run: 256 elements hold a long profile
"$PERF" tap --table-size 256 --call-graph dwarf -e 'profile-1ms /pid == cpid/ {
	s[ustack()] += 1 }
	trace_end {
		var n = 0
		var c = 0
		for (k, v in pairs(s)) { n += 1; c += v }
		printf("%d %d %d\n", len(s), n, c) }' -- ./chain spin 3000000000 >size.out 2>size.err ||
	fail "table size: exit status $?"
expect_eq "table size: stderr" "" "$(cat size.err)"
read -r len rows samples <size.out
expect_eq "table size: rows" "$len" "$rows"
[[ $samples -gt 512 && $len -lt 64 ]] ||
	fail "table size: $samples samples in $len elements: $(cat size.out)"

# a process perf tap never saw the mappings of: started before it, its
# snapshots read (perf tap is stopped until then) when it is gone.  Only
# the IP is known: its 3 samples fold into one element, by that IP
# (wait_attached needs bpftool to see that perf tap has attached)
if command -v bpftool >/dev/null; then
	start_bg ./chain wait 3
	waiter=$bg_pid
	wait_sig_caught "$waiter" 10
	cat >nomaps.tap <<-TAP
	trace probe:$PWD/chain:deep_c { s[ustack()] += 1 }
	trace_end { print(len(s)); print_hist(s) }
	TAP
	start_bg "$PERF" tap --call-graph dwarf nomaps.tap >nomaps.out 2>nomaps.err
	tap=$bg_pid
	wait_attached "$tap"
	kill -STOP "$tap"
	kill -USR1 "$waiter"
	wait "$waiter"
	kill -CONT "$tap"
	kill -INT "$tap"
	wait "$tap" || fail "no mappings: exit status $?"
	expect_eq "no mappings: stderr" "" "$(cat nomaps.err)"
	expect_eq "no mappings: len" 1 "$(head -1 nomaps.out)"
	expect_eq "no mappings: count" 3 \
		"$(grep -Eo '\|@+ +[0-9]+$' nomaps.out | grep -Eo '[0-9]+$')"
	expect_eq "no mappings: frames" \
		$'\t0xADDR\n\t[unknown: no mappings of the process to unwind with]' \
		"$(tail -n +4 nomaps.out | sed -E 's/0x[0-9a-f]+/0xADDR/')"
else
	note "no bpftool: the no-mappings check is left out"
fi

# a tracepoint in a system call: the user registers saved at the syscall
"$PERF" tap --call-graph dwarf -e 'trace syscalls:sys_enter_getpid /pid == cpid/ {
	s[ustack()] += 1 } trace_end { print_hist(s, 1) }' -- "$WORKLOAD" getpid 3 >tp.out 2>&1 ||
	fail "tracepoint: exit status $?"
grep -q $'^\t[a-z_]*getpid+0x[0-9a-f]* (' tp.out || fail "no getpid frame: $(cat tp.out)"
grep -q 'main' tp.out || fail "no main frame: $(cat tp.out)"

# kernel threads (kthreadd's children) have no user stack
"$PERF" tap --call-graph dwarf -e 'trace sched:sched_switch /ppid == 2/ { s[ustack()] += 1 }
	tick-500ms { exit() } trace_end { print_hist(s, 1) }' >kthread.out 2>&1 ||
	fail "kernel threads: exit status $?"
expect_eq "kernel thread stack" $'\t[no user stack]' "$(sed -n 3p kthread.out)"

# bad sizes, and what is not a way to find frames
for arg in dwarf,0 dwarf,28680 dwarf,x lbr dwarfx; do
	"$PERF" tap --call-graph "$arg" -e 'BEGIN' >bad.out 2>bad.err &&
		fail "--call-graph $arg: accepted"
	grep -q '^perf tap: --call-graph' bad.err || fail "--call-graph $arg: $(cat bad.err)"
done
exit 0
