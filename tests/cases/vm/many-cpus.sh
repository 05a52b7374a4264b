#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A guest of its own with 80 vCPUs (servers have 64 to 512; bit masks of
# 64 CPUs stop at 63): -C picks CPUs above 63 and leaves the others out, a
# profile timer samples every CPU, a per-CPU table folds the counts of all
# 80, and the output rings of 80 CPUs stay within the default's 64 MiB.
#! vm-cpus: 80
#! timeout: 400

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

expect_eq "online CPUs" 80 "$(nproc)"

# -C 70-79: counted on CPU 75, not on CPU 5
cat >pinned.tap <<'TAP'
trace syscalls:sys_enter_getpid /execname == "workload"/ { n[cpu] += 1 }
trace_end { for (k, v in pairs(n)) { printf("%d %d\n", k, v) } }
TAP
"$PERF" tap -q -C 70-79 pinned.tap -- taskset -c 75 "$WORKLOAD" getpid 300 >in.out 2>in.err ||
	fail "-C 70-79 on CPU 75: exit status $?: $(cat in.err)"
expect_eq "getpid counted on CPU 75 with -C 70-79" "75 300" "$(cat in.out)"
"$PERF" tap -q -C 70-79 pinned.tap -- taskset -c 5 "$WORKLOAD" getpid 300 >out.out 2>out.err ||
	fail "-C 70-79 on CPU 5: exit status $?: $(cat out.err)"
expect_eq "getpid counted on CPU 5 with -C 70-79" "" "$(cat out.out)"

# profile-10ms on every CPU for 3 s: samples from all 80 CPUs, folded from
# a per-CPU table (only added to by the probe, read in trace_end)
cat >profile.tap <<'TAP'
profile-10ms { p[cpu] += 1 }
tick-3s { exit() }
trace_end {
	high = 0
	for (k, v in pairs(p)) { if (k >= 64) { high += 1 } }
	printf("%d %d\n", len(p), high)
}
TAP
"$PERF" tap -q profile.tap >profile.out 2>profile.err || fail "profile: exit status $?: $(cat profile.err)"
expect_eq "CPUs with samples, of them above 63" "80 16" "$(cat profile.out)"

# The rings: one bpf-output ring a CPU, mapped by perf tap
start_bg "$PERF" tap -q -e 'tick-1s { n += 1 } tick-20s { exit() }'
tap=$bg_pid
# ring_sizes: "N KIB" of the perf event mappings of perf tap
ring_sizes() {
	local range n=0 kb=0
	while read -r range _ _ _ _ path; do
		[[ $path == *perf_event* ]] || continue
		n=$((n + 1))
		kb=$((kb + (16#${range#*-} - 16#${range%-*}) / 1024))
	done <"/proc/$tap/maps"
	echo "$n $kb"
	# (a here-string, not <(...): the guest has no /dev/fd)
}
for ((i = 0; i < 200; i++)); do
	read -r n kb <<<"$(ring_sizes)"
	((n >= 80)) && break
	sleep 0.1
done
((n >= 80)) || fail "perf tap mapped $n perf rings, not 80"
note "ok: $n rings, $kb KiB in all ($((kb / n)) KiB a CPU)"
((kb <= 64 * 1024 + n * 4)) || fail "the rings take $kb KiB, over 64 MiB"
kill -INT "$tap"
wait "$tap" || fail "perf tap: exit status $? after SIGINT"
