#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-vm: in one guest run (scripts/vm-run.sh), the time to attach
# and to detach one BPF program on many tracepoints through one
# tracepoint_multi link, against one perf event per tracepoint
# (Documentation/kernel-link.md). Rows: syscalls:* and every tracepoint
# (*:*, less ftrace's own events), with the selftest's program
# (tp-multi-run -b), then perf tap with a script that needs every event's
# record (argstr), through the link and with PERF_TAP_TP_MULTI=0 (one perf
# event per tracepoint, as on a kernel without the link; perf tap's
# syscalls:* go through raw_syscalls either way). Each measured RUNS times
# (default 3); each cell is the median (min..max) in ms.
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
	# perf tap -v says "attached N events in S s", "detached L links and P
	# perf events in S s" and, through the link, "K tracepoint_multi links
	# hold M of N events"; lines "PATTERN tap-link|tap-perf N ATTACH DETACH M".
	for pattern in 'syscalls:*' '*:*'; do
		script="trace $pattern { if (pid == 1) { print(argstr) } }"
		for how in tap-link tap-perf; do
			multi=1
			[ $how = tap-perf ] && multi=0
			for ((i = 0; i < runs; i++)); do
				PERF_TAP_TP_MULTI=$multi "$ROOT/build/perf/perf" tap -v -e "$script" \
					-- true 2>&1 >/dev/null | awk -v p="$pattern" -v h=$how '
					/^perf tap: attached [0-9]+ events in/ { n = $4; a = $7 * 1000 }
					/^perf tap: detached/ { d = $(NF - 1) * 1000 }
					/tracepoint_multi links hold/ { l = $7 }
					END { printf "%s %s %d %.0f %.0f %d\n", p, h, n, a, d, l }'
			done
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
    pattern, how, n, attach, detach, *linked = line.split()
    r = rows.setdefault((pattern, how), {"n": n, "attach": [], "detach": [],
                                         "linked": int(linked[0]) if linked else -1})
    r["attach"].append(float(attach))
    r["detach"].append(float(detach))
def cell(v):
    return "%.0f (%.0f..%.0f)" % (statistics.median(v), min(v), max(v))
print("%-11s %-10s %6s  %-22s %-22s" % ("events", "through", "count", "attach ms", "detach ms"))
names = {"link": "one link", "perf": "perf evts", "tap-link": "tap, link",
         "tap-perf": "tap, perf"}
for pattern in ("syscalls:*", "*:*"):
    for link, perf in (("link", "perf"), ("tap-link", "tap-perf")):
        for how in (link, perf):
            r = rows.get((pattern, how))
            if r:
                print("%-11s %-10s %6s  %-22s %-22s" % (pattern, names[how], r["n"],
                      cell(r["attach"]), cell(r["detach"])))
        l, p = rows.get((pattern, link)), rows.get((pattern, perf))
        if l and l["linked"] == 0:
            print("%-11s perf tap: no event needs the record path (raw tracepoints, "
                  "raw_syscalls)" % pattern)
        elif l and p:
            print("%-11s %s detach: link %.0fx faster, attach %.1fx" % (pattern,
                  "perf tap" if link == "tap-link" else "program",
                  statistics.median(p["detach"]) / max(statistics.median(l["detach"]), 0.01),
                  statistics.median(p["attach"]) / max(statistics.median(l["attach"]), 0.01)))
PY
