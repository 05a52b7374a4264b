#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --json: one JSON object a line for every record, live and in report, as
# the man page describes them; the lines parse, print and printf carry
# their text and typed arguments, print_hist its rows with typed keys
# (stacks as frame lists) and the aggregation's buckets, exit() is a
# record, a loss is a "lost" object; report's objects equal live mode's
# but for time and cpu.
#! needs: syscalls
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

cat >j.tap <<'TAP'
var n = 0
var by = {}
var sizes = {}
var stacks = {}
print("tracing", 1, "\"quoted\"\ttab")
trace syscalls:sys_enter_getpid {
	n += 1
	by[execname, pid > 0] += 1
	sizes[execname] <<< n
	stacks[stack()] += 1
}
# (not close: the command's child closes pipes before its exec)
trace syscalls:sys_enter_openat { printf("open %s %d\n", argstr, 5) print("stack", stack()) }
trace_end {
	printf("%d getpids\n", n)
	print_hist(by)
	print_hist(sizes)
	print_hist(stacks, 0)
	exit()
}
TAP

norand=(setarch "$(uname -m)" -R)
run=("$WORKLOAD" getpid 100 open /etc/hostname 1)
"${norand[@]}" "$PERF" tap --json j.tap -- "${run[@]}" >live.json 2>live.err ||
	fail "live: exit status $?"
"${norand[@]}" "$PERF" tap record -o j.data j.tap -- "${run[@]}" >/dev/null 2>&1 ||
	fail "record: exit status $?"
"$PERF" tap report --json -i j.data >report.json 2>report.err || fail "report: exit status $?"
expect_eq "live stderr" "" "$(cat live.err)"
expect_eq "report stderr" "" "$(cat report.err)"

# one lost table update: a "lost" object at the end
"$PERF" tap --json --table-size 1 \
	-e 'var t = {} trace syscalls:sys_enter_getpid { t[pid] += 1 t[pid + 1] += 1 }' \
	-- "$WORKLOAD" getpid 3 >lost.json 2>lost.err || fail "lost: exit status $?"

python3 - <<'PY' || fail "the JSON lines are not as described"
import json
import re

def load(name):
	out = []
	for n, line in enumerate(open(name), 1):
		try:
			obj = json.loads(line)
		except ValueError as e:
			raise SystemExit(f"{name}:{n}: not JSON: {e}: {line!r}")
		assert isinstance(obj, dict), line
		out.append(obj)
	return out

live = load("live.json")
report = load("report.json")
types = [o["type"] for o in live]
assert types == ["print", "printf", "print", "printf", "hist", "hist", "hist", "exit"], types
for o in live:
	assert isinstance(o["time"], int) and o["time"] > 0, o
	assert isinstance(o["cpu"], int) and o["cpu"] >= 0, o

p = live[0]
assert p["text"] == 'tracing 1 "quoted"\ttab\n', p
assert p["args"] == ["tracing", 1, '"quoted"\ttab'], p
op = live[1]
assert re.fullmatch(r"open dfd: 0xffffff9c, filename: 0x[0-9a-f]+, flags: 0x0+, mode: 0x0+ 5\n",
		    op["text"]), op
assert op["args"][1] == 5 and op["text"] == "open " + op["args"][0] + " 5\n", op
st = live[2]
assert st["args"][0] == "stack" and isinstance(st["args"][1], list), st
frames = st["args"][1]
assert any(f.startswith("do_syscall_64+0x") for f in frames), frames
assert st["text"] == "stack\n" + "".join("\t" + f + "\n" for f in frames), st
assert live[3]["text"] == "100 getpids\n" and live[3]["args"] == [100], live[3]

by, sizes, stacks = live[4], live[5], live[6]
assert by["table"] == "by" and by["rows"] == [{"key": ["workload", 1], "value": 100}], by
row = sizes["rows"][0]
assert sizes["table"] == "sizes" and row["key"] == ["workload"], sizes
assert (row["count"], row["sum"], row["avg"], row["min"], row["max"]) == (100, 5050, 50, 1, 100), row
assert sum(b["count"] for b in row["buckets"]) == 100, row
assert row["buckets"][0] == {"low": 1, "high": 2, "count": 1}, row
assert row["buckets"][-1] == {"low": 64, "high": 128, "count": 37}, row
# print_hist(stacks, 0): no row, one more
assert stacks["rows"] == [] and stacks["more"] == 1, stacks

def strip(objs):
	return [{k: v for k, v in o.items() if k not in ("time", "cpu")} for o in objs]

assert strip(live) == strip(report), "report's objects differ from live mode's"

lost = load("lost.json")
# runs the kernel skipped depend on what else ran on the CPUs: a count
assert len(lost) == 1 and isinstance(lost[0].pop("skipped_runs"), int), lost
assert lost == [{"type": "lost", "records": 0, "table_updates": 3, "loops": 0,
		 "stacks_collided": 0, "stacks_full": 0, "stacks_other": 0,
		 "mapping_reports": 0, "undecoded": 0}], lost
PY
grep -q "3 table updates lost" lost.err || fail "the warning left stderr: $(cat lost.err)"
