#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# strftime(FMT, NS) formats a wall-clock time in ns (as gettimeofday_ns()
# gives it) when it is printed, in the local time zone (TZ) as date(1)
# does; time(FMT) is the time now, at the probe, and time() is %H:%M:%S.
# They print with print and printf's %s and are table keys.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

out=$(TZ=UTC "$PERF" tap -e 'print(strftime("%Y-%m-%d %H:%M:%S", 0))
	printf("[%s] [%12s]\n", strftime("%a %d %b", 86400 * 1000000000 + 3661 * 1000000000),
	       strftime("%H:%M:%S", 3661 * 1000000000))') || fail "exit status $?"
expect_eq "fixed times in UTC" "1970-01-01 00:00:00
[Fri 02 Jan] [    01:01:01]" "$out"
if [[ -e /usr/share/zoneinfo/Asia/Tokyo ]]; then
	out=$(TZ=Asia/Tokyo "$PERF" tap -e 'print(strftime("%H:%M %Z", 0))') || fail "exit status $?"
	expect_eq "the time zone" "09:00 JST" "$out"
fi

# now, in a probe: between date before and date after; keys of a table
before=$(date +%s)
out=$("$PERF" tap -e 'trace syscalls:sys_enter_getpid /pid == cpid/ {
		print(time("%s"), time(), strftime("%s", gettimeofday_ns()))
		seen[time("%Y")] += 1
	}
	trace_end { print_hist(seen) }' -- "$WORKLOAD" getpid 3) || fail "exit status $?"
after=$(date +%s)
read -r secs hms secs2 <<<"$(head -1 <<<"$out")"
((secs >= before && secs <= after)) || fail "time(\"%s\") $secs is not between $before and $after"
((secs2 >= secs && secs2 <= after)) || fail "strftime(\"%s\", gettimeofday_ns()) $secs2 is off"
expect_eq "time()" "$(date -d "@$secs" +%H:%M:%S)" "$hms"
expect_eq "lines" 5 "$(wc -l <<<"$out")"
year=$(date -d "@$secs" +%Y)
grep -Eqx " *$year \|@{40}  3" <<<"$out" || fail "no key $year counted 3 times: $out"
