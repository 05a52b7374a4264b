#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-vm: in one guest run (scripts/vm-run.sh), the time to attach
# and to detach one BPF program on many tracepoints through one
# tracepoint_multi link, against one perf event per tracepoint
# (Documentation/kernel-link.md). Rows: syscalls:* and every tracepoint
# (*:*, less ftrace's own events), each measured RUNS times (default 3);
# each cell is the median (min..max) in ms.
#
#   scripts/bench/vm-link.sh [RUNS]

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$ROOT/build/selftest/tp-multi-run
runs=${1:-3}

[ -x "$RUN" ] || { echo "vm-link: no $RUN (make selftest)" >&2; exit 1; }

if [ "$runs" = --guest ]; then
	# In the guest: RUNS times each pattern; lines "PATTERN link|perf N ATTACH DETACH".
	runs=$2
	for pattern in 'syscalls:*' '*:*'; do
		for ((i = 0; i < runs; i++)); do
			"$RUN" -b "$pattern" | sed "s|^|$pattern |"
		done
	done
	exit 0
fi

"$ROOT/scripts/vm-run.sh" --check || exit 1
out=$("$ROOT/scripts/vm-run.sh" -t 1800 -S "${BASH_SOURCE[0]}" --guest "$runs")
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in sys.argv[1].splitlines():
    pattern, how, n, attach, detach = line.split()
    r = rows.setdefault((pattern, how), {"n": n, "attach": [], "detach": []})
    r["attach"].append(float(attach))
    r["detach"].append(float(detach))
def cell(v):
    return "%.0f (%.0f..%.0f)" % (statistics.median(v), min(v), max(v))
print("%-11s %-10s %6s  %-22s %-22s" % ("events", "through", "count", "attach ms", "detach ms"))
for pattern in ("syscalls:*", "*:*"):
    for how, name in (("link", "one link"), ("perf", "perf events")):
        r = rows.get((pattern, how))
        if r:
            print("%-11s %-10s %6s  %-22s %-22s" % (pattern, name if how == "link" else "perf evts",
                  r["n"], cell(r["attach"]), cell(r["detach"])))
    l, p = rows.get((pattern, "link")), rows.get((pattern, "perf"))
    if l and p:
        print("%-11s detach: link %.0fx faster, attach %.1fx" % (pattern,
              statistics.median(p["detach"]) / max(statistics.median(l["detach"]), 0.01),
              statistics.median(p["attach"]) / max(statistics.median(l["attach"]), 0.01)))
PY
