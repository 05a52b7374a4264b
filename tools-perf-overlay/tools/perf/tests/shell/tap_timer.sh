#!/bin/sh
# perf tap timers
# SPDX-License-Identifier: GPL-2.0
#
# tick-N fires on one CPU every N, and exit() from it stops tracing and
# runs trace_end; profile-N samples on every CPU.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap timers"

tap_need_root

tap_snapshot
start=$(date +%s%N)
out=$(perf tap -e 'var ticks = 0
	tick-100ms { ticks += 1; if (ticks == 5) { exit() } }
	trace_end { print("ticks", ticks) }') || tap_fail "tick: exit status $?"
ms=$((($(date +%s%N) - start) / 1000000))
tap_expect "tick-100ms until exit()" "ticks 5" "$out"
# five ticks take half a second; start-up and teardown are added
if [ "$ms" -lt 450 ] || [ "$ms" -gt 10000 ]; then
	tap_fail "five ticks of 100 ms took $ms ms"
fi

# profile-10ms on every CPU while one CPU is kept busy: some samples, and
# none from a CPU that does not exist.
out=$(perf tap -e 'profile-10ms { n[cpu] += 1 }
	tick-500ms { exit() }
	trace_end { for (c, k in pairs(n)) { printf("%d %d\n", c, k) } }' \
	-- perf test -w tap getpid 100000000) || tap_fail "profile: exit status $?"
[ -n "$out" ] || tap_fail "profile-10ms: no samples"
ncpus=$(getconf _NPROCESSORS_CONF)
bad=$(printf '%s\n' "$out" | awk -v n="$ncpus" 'NF && ($1 >= n || $2 < 1)')
[ -z "$bad" ] || tap_fail "profile-10ms: CPUs that do not exist or have no samples: $bad"
tap_check_leaks "after the timers"
tap_done
