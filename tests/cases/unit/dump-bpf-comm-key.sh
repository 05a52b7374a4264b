#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A table key part that only ever holds execname is stored in the 16 bytes
# of a comm, not in --str-size bytes; a part also indexed by anything else
# (a literal may be longer than a comm), a table given entries by its
# constructor, and --str-size 16 or less keep the full size.

#! needs: perf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# the "map NAME: key ..." lines of --dump-bpf (in $(...), where fail
# would not end the case: a failed compile prints what expect_eq then shows)
keys() {
	"$PERF" tap --dump-bpf "$@" 2> err > out || { echo "exit status $?: $(cat err)"; return; }
	grep -E '^map [a-z]+: key' out
	return 0
}

expect_eq "execname alone" "map c: key 1 is execname, 16 bytes of 16" \
	"$(keys -e 'tick-1s { c[execname] += 1 }')"
expect_eq "with a number" "map c: key 1 is execname, 16 bytes of 24" \
	"$(keys -e 'tick-1s { c[execname, pid] += 1 }')"
expect_eq "second part" "map c: key 2 is execname, 16 bytes of 24" \
	"$(keys -e 'tick-1s { c[pid, execname] += 1 }')"
expect_eq "also a literal" "" \
	"$(keys -e 'tick-1s { c[execname] += 1; c["a-name-longer-than-a-comm"] += 1 }')"
expect_eq "also a variable" "" \
	"$(keys -e 'tick-1s { var s = execname; c[execname] += 1; c[s] += 1 }')"
expect_eq "constructor" "" \
	"$(keys -e 'var c = { ["ab"] = 1 }; tick-1s { c[execname] += 1 }')"
expect_eq "empty constructor" "map c: key 1 is execname, 16 bytes of 16" \
	"$(keys -e 'var c = {}; tick-1s { c[execname] += 1 }')"
expect_eq "--str-size 16" "" \
	"$(keys --str-size 16 -e 'tick-1s { c[execname] += 1 }')"
expect_eq "two tables" "map c: key 1 is execname, 16 bytes of 16" \
	"$(keys -e 'tick-1s { c[execname] += 1; d[execname] += 1; d["x"] += 1 }')"
# the key: get_current_comm() into 16 bytes and the lookup right after
"$PERF" tap --dump-bpf -e 'tick-1s { c[execname] += 1 }' > out 2> err ||
	fail "dump: exit status $?"
grep -A1 -E 'r2 = 16$' out | grep -q 'call bpf_get_current_comm' ||
	fail "no 16-byte get_current_comm: $(cat out)"
echo ok
