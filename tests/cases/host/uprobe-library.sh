#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# probe:LIB:SYM names a library as a program links it (libc, or c): the
# versioned file in the system's library directories; a name no directory
# has is an error at the spec.
#! needs: uprobes

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

libc=$(readlink -f "$(ldd /bin/ls | sed -n 's/.*libc\.so\.6 => \([^ ]*\) .*/\1/p')")
[[ -f $libc ]] || skip "no dynamically linked libc.so.6 in ldd /bin/ls"
out=$("$PERF" tap -l 'probe:libc:malloc') || fail "-l: exit status $?"
# the directories are searched /lib first: compare the files, not the names
listed=${out#probe:}
listed=${listed%:malloc}
expect_eq "the library's file" "$libc" "$(readlink -f "$listed")"
expect_eq "the same with 'c'" "$out" "$("$PERF" tap -l 'probe:c:malloc')"

out=$("$PERF" tap -e 'trace probe:libc:malloc /pid == cpid/ { n += 1 }
	trace_end { print(n > 0) }' -- /bin/ls -d / 2>err) || fail "run: exit status $? $(cat err)"
expect_eq "ls's output, then: malloc calls of ls were counted" "/
1" "$out"

rc=0
"$PERF" tap -e 'trace probe:nosuchlib:f { }' >out 2>err || rc=$?
expect_eq "exit status for an unknown library" 1 "$rc"
expect_eq "message" "<cmdline>:1:7: error: no library of that name in the system's library directories for 'probe:nosuchlib:f'" "$(head -1 err)"
