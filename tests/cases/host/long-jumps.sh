#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A filter, an 'if' and the -- CMD target check in front of a body too
# long for a 16-bit BPF jump: the jumps over it must still land after
# it.  They used to wrap silently, and /pid == 0/ counted every event.
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# body FILTER: a probe whose body is ~48000 instructions.
body() {
	python3 -c "
print('trace syscalls:sys_enter_getpid $1 {')
print('\tn += 1')
print('\tif (pid == 0) { z += 1 }')
for i in range(12000): print('\tm += %d' % (i + 1))
print('\tif (pid == 0) {')
for i in range(12000): print('\t\tz += %d' % (i + 1))
print('\t}')
print('}')
print('trace_end { print(n, m, z) }')"
}

body '/pid == 0/' > never.tap
body '/pid != 0/' > always.tap
"$PERF" tap --dump-bpf never.tap > never.bpf || fail "--dump-bpf: exit status $?"
grep -q 'gotol' never.bpf || fail "no long jump (gotol) in a 48000-instruction body"

out=$("$PERF" tap never.tap -- "$WORKLOAD" getpid 10) || fail "/pid == 0/: exit status $?"
expect_eq "/pid == 0/: events, sum, skipped ifs" "0 0 0" "$out"
# 10 calls, each adding 1 + 2 + ... + 12000 = 72006000
out=$("$PERF" tap always.tap -- "$WORKLOAD" getpid 10) || fail "/pid != 0/: exit status $?"
expect_eq "/pid != 0/: events, sum, skipped ifs" "10 720060000 0" "$out"
