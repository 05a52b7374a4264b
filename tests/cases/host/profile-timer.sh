#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# profile-10ms samples on every online CPU (a cpu-clock sampling event per
# CPU); tick-1s fires once, on one CPU.  Over one second each busy CPU
# gives about 100 samples.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

ncpus=$(nproc)
# keep every CPU busy, so each one has something to sample even where the
# kernel lets an idle CPU's timer sleep
for ((c = 0; c < ncpus; c++)); do
	start_bg taskset -c "$c" "$WORKLOAD" getpid 1000000000
done
sleep 0.2
"$PERF" tap -e 'profile-10ms { n[cpu] += 1 } tick-1s { ticks += 1; exit() }
trace_end { for (c, k in pairs(n)) { printf("%d %d\n", c, k) } print("ticks", ticks) }' \
	>out 2>err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
expect_eq "ticks" "ticks 1" "$(grep ticks out)"
expect_eq "CPUs sampled" "$ncpus" "$(grep -vc ticks out)"
while read -r c k; do
	[[ $c == ticks ]] && continue
	((k >= 20 && k <= 150)) || fail "CPU $c: $k samples in 1 s at 10 ms (about 100 expected)"
done <out
