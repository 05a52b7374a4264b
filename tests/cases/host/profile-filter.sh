#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A filter on a profile timer runs the body only for the samples it lets
# through: /cpu == 0/ keeps CPU 0's samples, as many as an unfiltered
# profile timer takes on CPU 0, and none of the other CPUs'.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

ncpus=$(nproc)
# every CPU busy, so every CPU's timer fires
for ((c = 0; c < ncpus; c++)); do
	start_bg taskset -c "$c" "$WORKLOAD" getpid 1000000000
done
sleep 0.2
"$PERF" tap -e 'profile-1000hz /cpu == 0/ { zero += 1; if (cpu != 0) { wrong += 1 } }
profile-1000hz { all[cpu] += 1 }
tick-500ms { exit() }
trace_end {
	var others = 0
	for (c, n in pairs(all)) { if (c != 0) { others += n } }
	printf("%d %d %d %d\n", wrong, zero, all[0], others)
}' >out 2>err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
read -r wrong zero all0 others <out
expect_eq "samples of other CPUs that passed /cpu == 0/" 0 "$wrong"
((zero >= 100)) || fail "only $zero samples on CPU 0 in 0.5 s at 1000 Hz"
# both timers fire on CPU 0 at the same rate: equal up to the last few
((zero - all0 <= 5 && all0 - zero <= 5)) ||
	fail "CPU 0: $zero filtered samples, but $all0 unfiltered ones"
if ((ncpus > 1)); then
	((others >= 100)) || fail "the other CPUs took only $others samples"
fi
