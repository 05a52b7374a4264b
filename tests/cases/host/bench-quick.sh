#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench QUICK=1 in miniature: the harness (scripts/bench/bench.py) runs
# in quick mode and prints its table and writes its results file, with sane
# perf tap figures. bpftrace is optional: its columns may say "not installed".
#! needs: syscalls bpftool
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

py=/usr/bin/python3
[[ -x $py ]] || skip "no $py"
command -v taskset >/dev/null || skip "taskset not installed"
harness=$TAP_ROOT/scripts/bench/bench.py
[[ -f $harness ]] || fail "no $harness"

SECONDS=0
rc=0
"$py" "$harness" --quick --perf "$PERF" --workload "$WORKLOAD" \
	--out "$TAP_TMP/results.json" >table.txt 2>bench.err || rc=$?
if ((rc != 0)); then
	cat table.txt bench.err >&2
	fail "bench.py --quick: exit status $rc"
fi
note "harness took ${SECONDS}s"
cat table.txt

# The table: a header and one line per figure.
grep -q '^| figure ' table.txt || fail "no table header on stdout"
for fig in 'start-up: print hi, wall' 'getpid, added by an empty handler' \
	'getpid, added by the floor' 'count per comm, 2 threads / 1 thread' \
	'syscalls:sys_enter_\*: start' 'syscalls:\*: start' '\*:\*: start' \
	'output: records/s' 'compile: ' \
	'getpid, added by s\[ustack()\] += 1, --call-graph dwarf'; do
	grep -q "^| $fig" table.txt || fail "no '$fig' row in the table"
done
note "ok: table"

# The goal column (issue 17): in the header, and a goal with a verdict on
# each row that has one; the rows without a goal say "-".
"$py" - table.txt <<'PY' || fail "the goal column is missing or incomplete"
import re, sys
lines = [x for x in open(sys.argv[1]) if x.startswith("| ")]
head = [c.strip() for c in lines[0].strip().strip("|").split("|")]
col = head.index("goal (perf tap)")
assert head[col + 1:] == ["bpftrace/perf tap", "perf/perf tap"], head
goals = {  # the start of a row's label: its goal's text
    "getpid, added by an empty handler": "<= +60 ns",
    "getpid, added by a count per comm": "<= +130 ns",
    "syscalls:sys_enter_*: start": "<= 50 ms",
    "syscalls:*: start": "<= 50 ms", "*:*: start": "<= 0.5 s",
    "output: records/s": ">= 1M/s, 0 lost",
    "output: records missing": "0 in every run",
}
seen = set()
for x in lines[2:]:
    cells = [c.strip() for c in x.strip().strip("|").split("|")]
    fig = [f for f in goals if cells[0].startswith(f)]
    if not fig:
        assert cells[col] == "-", x
        continue
    assert re.fullmatch(re.escape(goals[fig[0]]) + ": (met|not met)",
                        cells[col]), x
    print("ok: %s: %s" % (cells[0], cells[col]))
    seen.add(fig[0])
assert seen == set(goals), seen
PY

# The results file: every perf tap figure is a number in a sane range.
"$py" - "$TAP_TMP/results.json" <<'PY' || fail "results.json is not sane"
import json, sys
res = json.load(open(sys.argv[1]))
assert res["mode"] == "quick", res["mode"]
rows = {r["key"]: r for r in res["rows"]}
limits = {  # key: (lowest, highest) median for perf tap
    "hello_wall": (1e-5, 10), "hello_rss": (100, 1e6),
    "getpid_100ms_wall": (0.1, 10), "getpid_100ms_rss": (100, 1e6),
    "getpid_untraced": (1, 1e5), "getpid_added_empty": (-1e4, 1e5),
    "getpid_added_comm": (-1e4, 1e5), "many_sys_enter": (0.001, 60),
    "many_syscalls_all": (0.001, 60), "output_rate": (100, 1e9),
    "output_lost": (-1e3, 2e5), "compile": (1e-5, 10),
    "ustack_prog_fp": (1, 1e6), "ustack_prog_dwarf": (1, 1e6),
    "ustack_dwarf_bytes": (200, 3e4),
    "getpid_added_floor": (-1e4, 1e5), "getpid_above_floor_empty": (-1e5, 1e5),
    "getpid_above_floor_comm": (-1e5, 1e5), "two_cpus_untraced": (0.1, 20),
    "two_cpus_ratio": (0.1, 20), "reader_cpu": (1, 1e5),
    "many_all": (0.001, 120),
}
bad = []
for key, (lo, hi) in limits.items():
    cell = rows[key]["tools"]["perf tap"]
    if "median" not in cell or not lo <= cell["median"] <= hi:
        bad.append("%s: %s not in [%g, %g]" % (key, cell, lo, hi))
    else:
        print("ok: %s = %g" % (key, cell["median"]))
for key in ("many_sys_enter", "many_syscalls_all", "many_all"):
    for t in ("bpftrace", "perf"):
        ok = ("skipped (quick)", "not installed")
        if key == "many_all" and t == "perf":
            ok = ("n/a",)       # no perf counterpart
        if rows[key]["tools"][t].get("status") not in ok:
            bad.append("%s %s: not skipped in quick mode" % (key, t))
# the goals in the results: the same verdict as the perf tap figure gives
goals = {"getpid_added_empty": 60, "getpid_added_comm": 130,
         "many_sys_enter": 0.05, "many_syscalls_all": 0.05, "many_all": 0.5}
for key, value in goals.items():
    g, m = rows[key].get("goal"), rows[key]["tools"]["perf tap"]["median"]
    if not g or g["value"] != value or g["met"] != (m <= value):
        bad.append("%s: goal %s, median %g" % (key, g, m))
g = rows["output_rate"].get("goal")
if not g or g["met"] != (rows["output_rate"]["tools"]["perf tap"]["median"]
                         >= 1e6 and rows["output_lost"]["goal"]["met"]):
    bad.append("output_rate: goal %s" % g)
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
((SECONDS < 120)) || fail "quick mode took ${SECONDS}s, over 2 minutes"
