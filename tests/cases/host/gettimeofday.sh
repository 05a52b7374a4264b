#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gettimeofday_s/ms/us/ns() are wall-clock time, read in the kernel: they
# agree with date(1) and with each other.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

before=$(date +%s)
read -r s ms us ns < <("$PERF" tap -e 'print(gettimeofday_s(), gettimeofday_ms(), gettimeofday_us(), gettimeofday_ns())') ||
	fail "perf tap failed"
after=$(date +%s)
((s >= before && s <= after)) || fail "gettimeofday_s() = $s, not within [$before, $after]"
((ms / 1000 == s || ms / 1000 == s + 1)) || fail "ms $ms does not match s $s"
((us / 1000 >= ms && us / 1000 - ms < 1000)) || fail "us $us does not follow ms $ms"
((ns / 1000 >= us && ns / 1000 - us < 1000)) || fail "ns $ns does not follow us $us"
note "ok: $s $ms $us $ns"
