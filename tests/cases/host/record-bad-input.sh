#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf tap report on files it cannot use: one sentence on stderr that
# says what is wrong, exit status 1, no crash and nothing on stdout.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# bad_input FILE REGEX: report on FILE fails with one line matching REGEX
bad_input() {
	local rc=0

	"$PERF" tap report -i "$1" >bad.out 2>bad.err || rc=$?
	expect_eq "exit status for $1" 1 "$rc"
	expect_eq "stdout for $1" "" "$(cat bad.out)"
	expect_eq "stderr lines for $1" 1 "$(wc -l <bad.err)"
	grep -Eqx "perf tap: $2" bad.err || fail "stderr for $1: $(cat bad.err)"
	note "ok: $1: $(cat bad.err)"
}

"$PERF" tap record -o good.data \
	-e 'var s = {} trace syscalls:sys_enter_getpid { s[stack()] += 1 } trace_end { print_hist(s) }' \
	-- "$WORKLOAD" getpid 10 2>/dev/null || fail "record: exit status $?"
"$PERF" tap report -i good.data >good.out || fail "report of the good file: exit status $?"
grep -q "  10$" good.out || fail "the good file does not report: $(cat good.out)"
size=$(stat -c %s good.data)

echo 'print("hello")' >notperf.data
bad_input notperf.data "notperf\.data is not a perf\.data file"
: >empty.data
bad_input empty.data "empty\.data is not a perf\.data file"
bad_input missing.data "cannot open missing\.data: No such file or directory"
mkdir dir.data
bad_input dir.data "dir\.data is a directory, not a perf\.data file"

"$PERF" record -q -o plain.data -e syscalls:sys_enter_getpid -- "$WORKLOAD" getpid 10 \
	2>/dev/null || fail "perf record: exit status $?"
bad_input plain.data "plain\.data has no perf tap data: it was not written by perf tap record"

# cut inside perf's file header, in the attrs, in the features, at the end
head -c 50 good.data >cut-header.data
bad_input cut-header.data "cannot read cut-header\.data: it is damaged or truncated"
head -c 200 good.data >cut-attrs.data
bad_input cut-attrs.data "cut-attrs\.data is truncated: it ends at byte 200 of [0-9]+"
head -c $((size / 2)) good.data >cut-half.data
bad_input cut-half.data "cut-half\.data is truncated.*"
head -c $((size - 16)) good.data >cut-end.data
bad_input cut-end.data "cut-end\.data is truncated.*"

# the tap data's version, and the compiled script's version inside it
python3 - <<'PY' || fail "cannot make the damaged files"
data = open("good.data", "rb").read()
tap = data.find(b"TAPDATA\0")
obj = data.find(b"TAPOBJ\0\0")
assert tap > 0 and obj > tap

def write(name, at, value):
	d = bytearray(data)
	d[at:at + 4] = value.to_bytes(4, "little")
	open(name, "wb").write(d)

write("newer.data", tap + 8, 2)
write("newer-object.data", obj + 8, 99)
write("bad-length.data", tap + 12, 12345)
write("bad-count.data", obj - 4, 0x7fffffff)
PY
bad_input newer.data "newer\.data was written by another version of perf tap \(data version 2\.0; this perf reads version 1\.[0-9]+\)"
bad_input newer-object.data "newer-object\.data was written by another version of perf tap \(data version 1\.99; .*\)"
bad_input bad-length.data "the perf tap data in bad-length\.data is damaged"
bad_input bad-count.data "the perf tap data in bad-count\.data is damaged"
