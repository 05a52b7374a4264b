#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A table of numbers that probes only add to ('+=', '-=') and that only
# top-level code and trace_end read is kept per CPU (a percpu_hash map:
# CPUs counting the same key do not take turns at it), and every way of
# reading it adds the copies up: t[k], pairs(), sort_pairs(), print_hist().
# Counts stay exact with two threads on both CPUs.  A table a probe reads
# stays one shared hash map.
#! needs: syscalls bpftool
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace syscalls:sys_enter_getpid { c[execname] += 2; c[execname] -= 1; r[1] += 1; if (r[1] < 0) { print("never") } }
trace_end {
	printf("%d %d\n", c["workload"], r[1])
	for (k, v in pairs(c)) { printf("pairs %s %d\n", k, v) }
	for (k, v in sort_pairs(c)) { printf("sorted %s %d\n", k, v) }
	print_hist(c)
}'

# map_type PID NAME: the type bpftool gives the BPF map NAME of process PID
map_type() {
	local id
	for id in $(grep -h '^map_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }'); do
		bpftool map show id "$id" 2>/dev/null | awk -v n="$2" '$0 ~ " name " n " " { print $2; exit }'
	done | head -1
}

"$PERF" tap -e "$script" -- "$WORKLOAD" threads 2 100000 sleep 3000 >out 2>err &
tap=$!
wait_attached "$tap"
expect_eq "map type of c (only added to in probes)" percpu_hash "$(map_type "$tap" c)"
expect_eq "map type of r (read in a probe)" hash "$(map_type "$tap" r)"
rc=0
wait "$tap" || rc=$?
cat err >&2
expect_eq "exit status" 0 "$rc"
expect_eq "c[k] and r[k] in trace_end" "200000 200000" "$(sed -n 1p out)"
expect_eq "pairs()" "pairs workload 200000" "$(grep '^pairs ' out)"
expect_eq "sort_pairs()" "sorted workload 200000" "$(grep '^sorted ' out)"
grep -Eq '^workload +\|@+ +200000$' out || fail "print_hist() does not show 200000: $(cat out)"
note "ok: print_hist(): $(grep '^workload ' out)"
