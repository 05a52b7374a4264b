#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: perf tap side by side with bpftrace and perf, in one run.

    /usr/bin/python3 scripts/bench/bench.py [--quick] [--perf PERF]
        [--workload WORKLOAD] [--out FILE] [--runs N]

Every figure is the median (min-max) of N runs; ratios are taken between
figures of the same run. See Documentation/bench.md for what each row
measures. Prints a table on stdout and writes a JSON file (default
build/bench/results.json). Progress goes to stderr.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

TOOLS = ("perf tap", "bpftrace", "perf")

# The goals of issue 17, on perf tap's figure: row key -> (comparison, value,
# which statistic of the runs, text of the goal column)
GOALS = {
    "getpid_added_empty": ("<=", 60, "median", "<= +60 ns"),
    "getpid_added_comm": ("<=", 130, "median", "<= +130 ns"),
    "many_sys_enter": ("<=", 0.05, "median", "<= 50 ms"),
    "many_syscalls_all": ("<=", 0.05, "median", "<= 50 ms"),
    "many_all": ("<=", 0.5, "median", "<= 0.5 s"),
    "output_rate": (">=", 1e6, "median", ">= 1M/s, 0 lost"),
    "output_lost": ("<=", 0, "max", "0 in every run"),
}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args):
        self.quick = args.quick
        self.perf = os.path.abspath(args.perf)
        self.workload = os.path.abspath(args.workload)
        self.runs = args.runs or (3 if self.quick else 10)
        # The many-events row is slow for bpftrace and perf (tens of seconds).
        self.slow_runs = min(self.runs, 3)
        self.bpftrace = shutil.which("bpftrace")
        self.bpftool = shutil.which("bpftool")
        self.tmp = tempfile.mkdtemp(prefix="tap-bench.")
        self.rows = []
        self.notes = []

    # ---- running things -------------------------------------------------

    def timed(self, cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
              timeout=600):
        """Run cmd; return (wall seconds, peak RSS in KiB, exit status)."""
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=stdout, stderr=stderr,
                             stdin=subprocess.DEVNULL)
        killed = []

        def on_alarm(signum, frame):
            killed.append(1)
            p.kill()
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            # Blocking: no polling loop competing for the CPUs.
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        return wall, ru.ru_maxrss, 124 if killed else p.returncode

    def attached(self, pid):
        """True once process pid holds a BPF link or a BPF perf attachment."""
        for fd in glob.glob("/proc/%d/fdinfo/*" % pid):
            try:
                with open(fd) as f:
                    if "link_id:" in f.read():
                        return True
            except OSError:
                pass
        if self.bpftool:
            out = subprocess.run([self.bpftool, "-j", "perf", "show"],
                                 capture_output=True, text=True).stdout
            if re.search(r'"pid":%d[,}]' % pid, out):
                return True
        return False

    def start_tracer(self, cmd, name):
        out = open(os.path.join(self.tmp, name + ".out"), "w")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        out.close()
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            if p.poll() is not None:
                raise RuntimeError("%s exited (status %d) before attaching"
                                   % (name, p.returncode))
            if self.attached(p.pid):
                time.sleep(0.5)  # let it enable the events
                return p
            time.sleep(0.05)
        p.kill()
        p.wait()
        raise RuntimeError("%s did not attach within 60 s" % name)

    def stop_tracer(self, p):
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    # ---- results --------------------------------------------------------

    @staticmethod
    def stats(values):
        return {"median": statistics.median(values), "min": min(values),
                "max": max(values), "runs": len(values), "values": values}

    def row(self, key, label, unit, cells, better="lower", note=None,
            ratio=True, goal_also=True):
        """cells: tool -> stats dict, or a string (skipped, refused, ...).
        goal_also: a further condition of the row's goal (GOALS)."""
        r = {"key": key, "figure": label, "unit": unit, "better": better,
             "tools": {}}
        for t in TOOLS:
            c = cells.get(t, "n/a")
            r["tools"][t] = c if isinstance(c, dict) else {"status": c}
        tap = cells.get("perf tap")
        for t, name in (("bpftrace", "ratio_bpftrace_over_tap"),
                        ("perf", "ratio_perf_over_tap")):
            c = cells.get(t)
            if ratio and isinstance(tap, dict) and isinstance(c, dict) and \
                    tap["median"]:
                r[name] = c["median"] / tap["median"]
        if key in GOALS:
            op, value, stat, text = GOALS[key]
            met = None
            if isinstance(tap, dict):
                v = tap[stat]
                met = (v <= value if op == "<=" else v >= value) and goal_also
            r["goal"] = {"text": text, "op": op, "value": value, "of": stat,
                         "met": met}
        if note:
            r["note"] = note
        self.rows.append(r)
        log("%s: %s" % (label, self.fmt_row(r)[1:5]))

    @staticmethod
    def fmt_num(v, unit):
        if unit == "KiB" or abs(v) >= 1000:
            return "%.0f" % v
        if abs(v) >= 10:
            return "%.1f" % v
        if abs(v) >= 0.1:
            return "%.2f" % v
        return "%.3f" % v

    def fmt_cell(self, c, unit):
        if "status" in c:
            return c["status"]
        m = self.fmt_num(c["median"], unit)
        if c["runs"] == 1:
            return m
        return "%s (%s..%s)" % (m, self.fmt_num(c["min"], unit),
                                self.fmt_num(c["max"], unit))

    def fmt_row(self, r):
        cells = [r["figure"] + " [" + r["unit"] + "]"]
        cells += [self.fmt_cell(r["tools"][t], r["unit"]) for t in TOOLS]
        g = r.get("goal")
        if g:
            cells.append("%s: %s" % (g["text"], {True: "met", False: "not met",
                                                None: "no figure"}[g["met"]]))
        else:
            cells.append("-")
        for name in ("ratio_bpftrace_over_tap", "ratio_perf_over_tap"):
            ratio = r.get(name)
            cells.append("-" if ratio is None else "%.2fx" % ratio)
        return cells

    def table(self):
        head = ["figure", "perf tap", "bpftrace", "perf", "goal (perf tap)",
                "bpftrace/perf tap", "perf/perf tap"]
        body = [self.fmt_row(r) for r in self.rows]
        widths = [max(len(x[i]) for x in [head] + body)
                  for i in range(len(head))]
        lines = []

        def line(cells):
            lines.append("| " + " | ".join(c.ljust(w) for c, w in
                                            zip(cells, widths)) + " |")
        line(head)
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for b in body:
            line(b)
        return "\n".join(lines)

    # ---- 1. start-up ----------------------------------------------------

    def measure(self, cmd, runs, rss=False):
        """Run cmd runs times: (wall stats, rss stats) or error strings.

        Wall time is taken around cmd itself. The peak RSS comes from extra
        runs under /usr/bin/time: a forked child's ru_maxrss starts at its
        parent's RSS (Linux keeps the high-water mark across execve), so
        python's own 14 MB would hide anything smaller."""
        walls, rsss = [], []
        for _ in range(runs):
            wall, _, rc = self.timed(cmd)
            if rc:
                return "failed (exit %d)" % rc, "failed (exit %d)" % rc
            walls.append(wall)
        if not rss:
            return self.stats(walls), None
        if not os.access("/usr/bin/time", os.X_OK):
            return self.stats(walls), "no /usr/bin/time"
        f = os.path.join(self.tmp, "rss")
        for _ in range(runs):
            _, _, rc = self.timed(["/usr/bin/time", "-o", f, "-f", "%M"] + cmd)
            with open(f) as fh:
                last = fh.read().split()
            if rc or not last:
                return self.stats(walls), "failed (exit %d)" % rc
            rsss.append(int(last[-1]))
        return self.stats(walls), self.stats(rsss)

    def startup(self):
        n = self.runs
        hello = {"perf tap": [self.perf, "tap", "-e", 'print("hi")']}
        count = {
            "perf tap": [self.perf, "tap", "-e",
                         "trace syscalls:sys_enter_getpid { n += 1 } "
                         "tick-100ms { exit() }"],
            "perf": [self.perf, "stat", "-e", "syscalls:sys_enter_getpid",
                     "-a", "sleep", "0.1"],
        }
        if self.bpftrace:
            hello["bpftrace"] = [self.bpftrace, "-e",
                                 'BEGIN { printf("hi\\n"); exit(); }']
            count["bpftrace"] = [
                self.bpftrace, "-e",
                "tracepoint:syscalls:sys_enter_getpid { @n = count(); } "
                "interval:ms:100 { exit(); }"]
        for key, label, cmds in (
                ("hello", "start-up: print hi", hello),
                ("getpid_100ms", "start-up: getpid counter, 100 ms", count)):
            wall, rss = {}, {}
            for t in TOOLS:
                if t not in cmds:
                    wall[t] = rss[t] = self.missing(t)
                    continue
                log("%s: %s x%d" % (label, t, n))
                wall[t], rss[t] = self.measure(cmds[t], n, rss=True)
            self.row(key + "_wall", label + ", wall", "s", wall)
            self.row(key + "_rss", label + ", peak RSS", "KiB", rss)

    def missing(self, tool):
        if tool == "bpftrace" and not self.bpftrace:
            return "not installed"
        return "n/a"

    # ---- 2. per-event cost ----------------------------------------------

    def loop_times(self, calls, runs):
        cmd = ["taskset", "-c", "1", self.workload, "getpid", str(calls)]
        out = []
        for _ in range(runs):
            wall, _, rc = self.timed(cmd)
            if rc:
                raise RuntimeError("%s: exit %d" % (" ".join(cmd), rc))
            out.append(wall)
        return out

    def per_event(self):
        calls = 1000000 if self.quick else 10000000
        n = self.runs
        cpu = 1 if (os.cpu_count() or 1) > 1 else 0
        if cpu == 0:
            self.notes.append("one CPU only: loop pinned to CPU 0")
        # The cost of starting the workload process, taken off every loop.
        log("per-event: workload start-up and untraced loop x%d" % n)
        base = statistics.median(
            self.timed([self.workload, "getpid", "0"])[0] for _ in range(n))
        untraced = [(t - base) / calls * 1e9 for t in self.loop_times(calls, n)]
        u = statistics.median(untraced)
        cells = {"floor": {}, "empty": {}, "comm": {}}
        tracers = {
            # the smallest program, "return 0", where the empty handler's
            # program goes (raw_syscalls:sys_enter), by the same loader
            "floor": {"perf tap": ["env", "PERF_TAP_FLOOR=1", self.perf,
                                   "tap", "-e",
                                   "trace syscalls:sys_enter_getpid { }"]},
            "empty": {"perf tap": [self.perf, "tap", "-e",
                                   "trace syscalls:sys_enter_getpid { }"]},
            "comm": {"perf tap": [self.perf, "tap", "-e",
                                  "trace syscalls:sys_enter_getpid "
                                  "{ c[execname] += 1 }"]},
        }
        if self.bpftrace:
            tracers["empty"]["bpftrace"] = [
                self.bpftrace, "-e", "tracepoint:syscalls:sys_enter_getpid { }"]
            tracers["comm"]["bpftrace"] = [
                self.bpftrace, "-e",
                "tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }"]
        for kind in ("floor", "empty", "comm"):
            for t in TOOLS:
                if t not in tracers[kind]:
                    cells[kind][t] = self.missing(t)
                    continue
                log("per-event: %s handler, %s, %d x %d calls"
                    % (kind, t, n, calls))
                try:
                    p = self.start_tracer(tracers[kind][t],
                                          "%s-%s" % (kind, t.replace(" ", "")))
                except RuntimeError as e:
                    cells[kind][t] = "failed"
                    self.notes.append("per-event %s %s: %s" % (kind, t, e))
                    continue
                try:
                    vals = [(x - base) / calls * 1e9 - u
                            for x in self.loop_times(calls, n)]
                finally:
                    self.stop_tracer(p)
                cells[kind][t] = self.stats(vals)
        self.row("getpid_untraced", "getpid, untraced (%d calls)" % calls,
                 "ns/call", {"perf tap": self.stats(untraced),
                             "bpftrace": "(same)", "perf": "(same)"},
                 note="one untraced loop, the baseline of the rows below")
        self.row("getpid_added_floor", "getpid, added by the floor "
                 "(raw_tp 'return 0')", "ns/call", cells["floor"],
                 note="PERF_TAP_FLOOR=1: perf tap's loader attaches the "
                 "smallest program where the empty handler's goes")
        self.row("getpid_added_empty", "getpid, added by an empty handler",
                 "ns/call", cells["empty"])
        self.row("getpid_added_comm", "getpid, added by a count per comm",
                 "ns/call", cells["comm"])
        floor = cells["floor"].get("perf tap")
        for kind, label in (("empty", "an empty handler"),
                            ("comm", "a count per comm")):
            above = {}
            for t in TOOLS:
                c = cells[kind].get(t)
                if isinstance(c, dict) and isinstance(floor, dict):
                    above[t] = self.stats([v - floor["median"]
                                           for v in c["values"]])
                else:
                    above[t] = c if isinstance(c, str) else "n/a"
            self.row("getpid_above_floor_" + kind,
                     "getpid, %s above the floor" % label, "ns/call", above,
                     note="the row above minus perf tap's floor median")

    # ---- 2b. one counter on both CPUs -----------------------------------

    def two_cpus(self):
        """A hot key incremented from one thread, then from two threads on
        both CPUs, each making the same number of calls: the wall time of
        two over one.  1.0 is perfect scaling; 2.0 means the CPUs take
        turns (a shared counter's cache line bouncing between them)."""
        calls = 1000000 if self.quick else 5000000
        n = self.runs
        if (os.cpu_count() or 1) < 2:
            self.row("two_cpus_ratio", "one key from 2 threads / 1 thread",
                     "ratio", {"perf tap": "one CPU only"})
            return
        tracers = {"perf tap": [self.perf, "tap", "-e",
                                "trace syscalls:sys_enter_getpid "
                                "{ c[execname] += 1 }"]}
        if self.bpftrace:
            tracers["bpftrace"] = [
                self.bpftrace, "-e",
                "tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }"]

        def ratios():
            out = []
            for _ in range(n):
                one = self.timed([self.workload, "threads", "1", str(calls)])
                two = self.timed([self.workload, "threads", "2", str(calls)])
                if one[2] or two[2]:
                    raise RuntimeError("workload threads: exit %d/%d"
                                       % (one[2], two[2]))
                out.append(two[0] / one[0])
            return out
        log("two CPUs: untraced x%d" % n)
        untraced = self.stats(ratios())
        cells = {}
        for t in TOOLS:
            if t not in tracers:
                cells[t] = self.missing(t)
                continue
            log("two CPUs: %s, %d x %d calls a thread" % (t, n, calls))
            try:
                p = self.start_tracer(tracers[t], "two-" + t.replace(" ", ""))
            except RuntimeError as e:
                cells[t] = "failed"
                self.notes.append("two CPUs %s: %s" % (t, e))
                continue
            try:
                cells[t] = self.stats(ratios())
            finally:
                self.stop_tracer(p)
        self.row("two_cpus_untraced", "getpid loop, 2 threads / 1 thread, "
                 "untraced", "ratio", {"perf tap": untraced,
                                       "bpftrace": "(same)", "perf": "(same)"},
                 ratio=False)
        self.row("two_cpus_ratio", "count per comm, 2 threads / 1 thread",
                 "ratio", cells, note="same key from both CPUs; compare "
                 "with the untraced row above")
        # the same count as a per-CPU aggregation, folded when read
        agg = [self.perf, "tap", "-e", "trace syscalls:sys_enter_getpid "
               "{ c[execname] <<< 1 }"]
        log("two CPUs: perf tap aggregation, %d x %d calls a thread"
            % (n, calls))
        try:
            p = self.start_tracer(agg, "two-agg")
            try:
                cell = self.stats(ratios())
            finally:
                self.stop_tracer(p)
        except RuntimeError as e:
            cell = "failed"
            self.notes.append("two CPUs aggregation: %s" % e)
        self.row("two_cpus_agg_ratio", "same, per-CPU (c[execname] <<< 1), "
                 "2 threads / 1 thread", "ratio", {"perf tap": cell},
                 ratio=False)

    # ---- 3. many events -------------------------------------------------

    def many_events(self):
        n = self.slow_runs
        data = os.path.join(self.tmp, "x.data")
        # spec, key, perf tap's body, bpftrace's body, perf has a counterpart
        for spec, key, tap, bt, perf in (
                ("syscalls:sys_enter_*", "sys_enter", "n[probename] += 1",
                 "@[probe] = count();", True),
                ("syscalls:*", "syscalls_all", "n[probename] += 1",
                 "@[probe] = count();", True),
                ("*:*", "all", "n += 1", "@n = count();", False)):
            cells = {}
            cmds = {"perf tap": [self.perf, "tap", "-e",
                                 "trace %s { %s } tick-100ms { exit() }"
                                 % (spec, tap)]}
            if perf:
                cmds["perf"] = [self.perf, "record", "-q", "-e", spec, "-a",
                                "-o", data, "sleep", "0.1"]
            if self.bpftrace:
                cmds["bpftrace"] = [
                    self.bpftrace, "-e", "tracepoint:%s { %s } "
                    "interval:ms:100 { exit(); }" % (spec, bt)]
            if self.bpftrace and key == "all":
                # bpftrace refuses more than 512 probes unless told; issue
                # 17's 213 s were measured with the limits raised
                cmds["bpftrace"][:0] = ["env", "BPFTRACE_MAX_PROBES=8192",
                                        "BPFTRACE_MAX_BPF_PROGS=8192"]
            for t in TOOLS:
                if t not in cmds:
                    cells[t] = self.missing(t)
                    continue
                if self.quick and t != "perf tap":
                    cells[t] = "skipped (quick)"
                    continue
                log("many events: %s, %s x%d" % (spec, t, n))
                if t == "bpftrace":
                    # bpftrace 0.17 needs one program per event and refuses
                    # more than 512: see whether it refuses before timing.
                    errf = os.path.join(self.tmp, "bt-many.err")
                    with open(errf, "w") as ef:
                        wall, _, rc = self.timed(cmds[t], stderr=ef)
                    if rc:
                        with open(errf) as ef:
                            err = [x for x in ef.read().splitlines()
                                   if "RLIMIT_MEMLOCK" not in x]
                        cells[t] = "timed out" if rc == 124 else "refused"
                        self.notes.append("bpftrace %s: exit %d, %s"
                                          % (spec, rc, " / ".join(err[-2:])))
                        continue
                    walls = [wall] + [self.timed(cmds[t])[0]
                                      for _ in range(n - 1)]
                    cells[t] = self.stats(walls)
                    continue
                cells[t] = self.measure(cmds[t], n)[0]
            # start + stop: the wall time less the 100 ms the tool waits
            for t, c in cells.items():
                if isinstance(c, dict):
                    cells[t] = self.stats([v - 0.1 for v in c["values"]])
            label = "%s: start + stop (wall - 0.1 s)" % spec
            if not self.quick:
                label += ", N=%d" % n
            self.row("many_" + key, label, "s", cells)

    # ---- 4. output rate -------------------------------------------------

    def printf_cmds(self, k, data, record_opts):
        """Each tool printing a line per getpid of 'workload getpid K' (perf
        record writing them to DATA, with RECORD_OPTS)."""
        w = [self.workload, "getpid", str(k)]
        cmds = {
            "perf tap": [self.perf, "tap", "-e",
                         'trace syscalls:sys_enter_getpid '
                         '{ printf("%d\\n", pid) }', "--"] + w,
            "perf": [self.perf, "record"] + record_opts +
                    ["-e", "syscalls:sys_enter_getpid", "-o", data, "--"] + w,
        }
        if self.bpftrace:
            cmds["bpftrace"] = [
                self.bpftrace, "-e",
                'tracepoint:syscalls:sys_enter_getpid /pid == cpid/ '
                '{ printf("%d\\n", pid); }', "-c", " ".join(w)]
        return cmds

    def output_rate(self):
        k = 200000 if self.quick else 1000000
        n = self.runs
        rate, lost = {}, {}
        outf = os.path.join(self.tmp, "rate.out")
        errf = os.path.join(self.tmp, "rate.err")
        data = os.path.join(self.tmp, "rate.data")
        cmds = self.printf_cmds(k, data, [])
        for t in TOOLS:
            if t not in cmds:
                rate[t] = lost[t] = self.missing(t)
                continue
            log("output rate: %s, %d records x%d" % (t, k, n))
            rates, losses = [], []
            for _ in range(n):
                with open(outf, "w") as of, open(errf, "w") as ef:
                    wall, _, rc = self.timed(cmds[t], stdout=of, stderr=ef)
                if rc:
                    rates = "failed (exit %d)" % rc
                    break
                got = self.count_records(t, outf, errf, data)
                rates.append(got / wall)
                losses.append(k - got)
            if isinstance(rates, str):
                rate[t] = lost[t] = rates
                continue
            rate[t] = self.stats(rates)
            lost[t] = self.stats(losses)
        tap_lost = lost.get("perf tap")
        self.row("output_rate", "output: records/s, %d getpid" % k,
                 "records/s", rate, better="higher",
                 goal_also=isinstance(tap_lost, dict) and tap_lost["max"] <= 0)
        self.row("output_lost", "output: records missing of %d" % k,
                 "records", lost,
                 note="K minus records printed (perf: samples written); "
                 "negative: more records than calls", ratio=False)

    def reader_cpu(self):
        """The CPU time the tracer itself spends per record (perf stat
        --no-inherit: the tracer's process alone, not the workload): the
        cost of reading and printing, which the machine's load does not
        change the way it changes the records/s row."""
        k = 200000 if self.quick else 1000000
        n = min(self.runs, 5)
        outf = os.path.join(self.tmp, "cpu.out")
        statf = os.path.join(self.tmp, "cpu.stat")
        data = os.path.join(self.tmp, "cpu.data")
        cmds = self.printf_cmds(k, data, ["-q"])
        cells = {}
        for t in TOOLS:
            if t not in cmds:
                cells[t] = self.missing(t)
                continue
            log("reader CPU: %s, %d records x%d" % (t, k, n))
            vals = []
            for _ in range(n):
                cmd = [self.perf, "stat", "--no-inherit", "-x,", "-e",
                       "task-clock", "-o", statf, "--"] + cmds[t]
                with open(outf, "w") as of:
                    rc = self.timed(cmd, stdout=of)[2]
                ms = None
                with open(statf) as f:
                    for line in f:
                        parts = line.split(",")
                        if len(parts) > 2 and parts[2] == "task-clock":
                            ms = float(parts[0])
                if rc or ms is None:
                    vals = "failed (exit %d)" % rc
                    break
                vals.append(ms * 1e6 / k)
            cells[t] = vals if isinstance(vals, str) else self.stats(vals)
        self.row("reader_cpu", "output: tracer CPU per record, %d getpid" % k,
                 "ns/record", cells, note="perf stat --no-inherit task-clock "
                 "of the tracer's process, start-up included, over K")

    def count_records(self, tool, outf, errf, data):
        with open(errf) as ef:
            err = ef.read()
        if tool == "perf":
            m = re.search(r"\((\d+) samples\)", err)
            if not m:
                raise RuntimeError("perf record: no sample count in: " + err)
            return int(m.group(1))
        with open(outf) as of:
            got = sum(1 for x in of if re.fullmatch(r"\d+\n?", x))
        if tool == "perf tap":
            m = re.search(r"warning: (\d+) output records lost", err)
            if m:
                self.notes.append("perf tap reported %s records lost"
                                  % m.group(1))
        return got

    # ---- 4b. records written to perf.data -------------------------------

    def record_rate(self):
        """perf tap record beside perf record: the same event, into a file."""
        k = 200000 if self.quick else 1000000
        n = self.runs
        rate, lost = {}, {}
        errf = os.path.join(self.tmp, "record.err")
        data = os.path.join(self.tmp, "record.data")
        w = [self.workload, "getpid", str(k)]
        cmds = {
            "perf tap": [self.perf, "tap", "record", "-o", data, "-e",
                         'trace syscalls:sys_enter_getpid '
                         '{ printf("%d\\n", pid) }', "--"] + w,
            "perf": [self.perf, "record", "-e", "syscalls:sys_enter_getpid",
                     "-o", data, "--"] + w,
        }
        for t in TOOLS:
            if t not in cmds:
                rate[t] = lost[t] = "n/a (no perf.data)"
                continue
            log("record rate: %s, %d records x%d" % (t, k, n))
            rates, losses = [], []
            for _ in range(n):
                with open(errf, "w") as ef:
                    wall, _, rc = self.timed(cmds[t], stderr=ef)
                if rc:
                    rates = "failed (exit %d)" % rc
                    break
                with open(errf) as ef:
                    err = ef.read()
                m = re.search(r"\((\d+) samples\)" if t == "perf" else
                              r"perf tap: (\d+) records? .* written to", err)
                if not m:
                    rates = "no record count"
                    break
                got = int(m.group(1))
                if t == "perf tap":
                    # trace_end and top-level output: none in this script
                    bad = re.search(r"warning: (\d+) output records lost",
                                    err)
                    if bad:
                        self.notes.append("perf tap record reported %s "
                                          "records lost" % bad.group(1))
                rates.append(got / wall)
                losses.append(k - got)
            if isinstance(rates, str):
                rate[t] = lost[t] = rates
                continue
            rate[t] = self.stats(rates)
            lost[t] = self.stats(losses)
        self.row("record_rate", "record: records/s into perf.data, %d getpid"
                 % k, "records/s", rate, better="higher", ratio=False)
        self.row("record_lost", "record: records missing of %d" % k,
                 "records", lost, ratio=False,
                 note="K minus the records written (perf: samples written)")

    # ---- 5. compile time ------------------------------------------------

    def compile_time(self):
        files = sorted(glob.glob(os.path.join(ROOT, "tests/cases/**/*.tap"),
                                 recursive=True),
                       key=lambda f: (-os.path.getsize(f), f))
        chosen, mode = None, None
        for f in files:
            if self.timed([self.perf, "tap", "--dump-bpf", f])[2] == 0:
                chosen, mode = f, "--dump-bpf"
                break
        if not chosen:
            for f in files:
                if self.timed([self.perf, "tap", "--syntax-only", f])[2] == 0:
                    chosen, mode = f, "--syntax-only"
                    break
        if not chosen:
            self.row("compile", "compile: no test script compiles", "s",
                     {"perf tap": "failed"})
            return
        rel = os.path.relpath(chosen, ROOT)
        log("compile time: %s %s x%d" % (mode, rel, self.runs))
        cell = self.measure([self.perf, "tap", mode, chosen], self.runs)[0]
        self.row("compile", "compile: %s (%d B, %s)"
                 % (os.path.basename(rel), os.path.getsize(chosen), mode),
                 "s", {"perf tap": cell})

    # ---- 6. user stacks: frame pointers and DWARF snapshots -------------

    def ustack_loop(self, calls, runs):
        """ns per getpid over runs loops, each after the tracer drained."""
        base = statistics.median(
            self.timed([self.workload, "getpid", "0"])[0] for _ in range(3))
        out = []
        for _ in range(runs):
            out.append((self.loop_times(calls, 1)[0] - base) / calls * 1e9)
            time.sleep(0.5)     # user space unwinds what the loop sent
        return out

    @staticmethod
    def bpf_stats(on):
        """Set kernel.bpf_stats_enabled; return what it was (None: cannot)."""
        path = "/proc/sys/kernel/bpf_stats_enabled"
        try:
            with open(path) as f:
                was = f.read().strip() == "1"
            if on is not None:
                with open(path, "w") as f:
                    f.write("1" if on else "0")
            return was
        except OSError:
            return None

    @staticmethod
    def prog_time(pid):
        """ns per run of the BPF programs process pid holds that ran."""
        t = c = 0
        for fd in glob.glob("/proc/%d/fdinfo/*" % pid):
            try:
                with open(fd) as f:
                    info = f.read()
            except OSError:
                continue
            rt = re.search(r"run_time_ns:\s+(\d+)", info)
            rc = re.search(r"run_cnt:\s+(\d+)", info)
            if rt and rc:
                t += int(rt.group(1))
                c += int(rc.group(1))
        return Bench.stats([t / c]) if c else "no runs counted"

    def ustack_cost(self):
        """ustack() in a getpid probe: frame pointers (a stack map id) beside
        --call-graph dwarf (registers and 8192 bytes of stack copied into
        an output record, unwound in user space)."""
        calls = 2000 if self.quick else 5000
        n = self.runs
        body = "{ s[ustack()] += 1 }"
        log("ustack: untraced loop x%d" % n)
        u = statistics.median(self.ustack_loop(calls, n))
        modes = {
            "fp": {"perf tap": [self.perf, "tap", "-e",
                                "trace syscalls:sys_enter_getpid " + body]},
            "dwarf": {"perf tap": [self.perf, "tap", "--call-graph", "dwarf",
                                   "-m", "64M", "--table-size", "200000",
                                   "-e", "trace syscalls:sys_enter_getpid " +
                                   body]},
        }
        if self.bpftrace:
            modes["fp"]["bpftrace"] = [
                self.bpftrace, "-e",
                "tracepoint:syscalls:sys_enter_getpid { @[ustack] = count(); }"]
        cells = {"fp": {}, "dwarf": {}}
        prog = {"fp": "n/a", "dwarf": "n/a"}
        stats_was = self.bpf_stats(True)
        for mode in ("fp", "dwarf"):
            for t in TOOLS:
                if t not in modes[mode]:
                    cells[mode][t] = self.missing(t)
                    continue
                log("ustack: %s, %s, %d x %d calls" % (mode, t, n, calls))
                name = "ustack-%s-%s" % (mode, t.replace(" ", ""))
                try:
                    p = self.start_tracer(modes[mode][t], name)
                except RuntimeError as e:
                    cells[mode][t] = "failed"
                    self.notes.append("ustack %s %s: %s" % (mode, t, e))
                    continue
                try:
                    vals = [x - u for x in self.ustack_loop(calls, n)]
                finally:
                    self.stop_tracer(p)
                with open(os.path.join(self.tmp, name + ".out")) as f:
                    lost = re.search(r"warning: (\d+) output records lost",
                                     f.read())
                if lost:
                    self.notes.append("ustack %s %s: %s snapshots lost"
                                      % (mode, t, lost.group(1)))
                cells[mode][t] = self.stats(vals)
        # the BPF program's own time, from the kernel's statistics: on a
        # uprobe at getpid, as the syscall tracepoint's program runs (and
        # returns at once) for every system call of every process
        for mode in ("fp", "dwarf"):
            cmd = modes[mode]["perf tap"][:-1] + [
                "trace probe:%s:*getpid %s" % (self.workload, body)]
            log("ustack: BPF program time, %s, %d calls" % (mode, calls))
            try:
                p = self.start_tracer(cmd, "ustack-prog-" + mode)
            except RuntimeError as e:
                prog[mode] = "failed"
                self.notes.append("ustack BPF time %s: %s" % (mode, e))
                continue
            try:
                self.loop_times(calls, 1)
                prog[mode] = self.prog_time(p.pid)
            finally:
                self.stop_tracer(p)
        self.bpf_stats(stats_was)
        self.row("ustack_added_fp", "getpid, added by s[ustack()] += 1, "
                 "frame pointers", "ns/call", cells["fp"])
        self.row("ustack_added_dwarf", "getpid, added by s[ustack()] += 1, "
                 "--call-graph dwarf", "ns/call", cells["dwarf"])
        for mode in ("fp", "dwarf"):
            self.row("ustack_prog_" + mode, "getpid, BPF program time of "
                     "s[ustack()] += 1, %s" % ("frame pointers" if mode == "fp"
                                               else "--call-graph dwarf"),
                     "ns/event", {"perf tap": prog[mode]}, ratio=False,
                     note="a uprobe at getpid: run_time_ns / run_cnt "
                     "(kernel.bpf_stats_enabled)")
        # perf.data's growth per snapshot, and report's time to unwind one:
        # k getpid calls of one process (the same stack again: unwound once
        # and known after), and k processes of one call (each unwound anew)
        k = 2000
        loop = [self.workload, "getpid", str(k)]
        procs = ["/bin/sh", "-c", "for i in $(seq %d); do %s getpid 1; done"
                 % (k // 10, self.workload)]
        size, unwind = {}, {}
        for mode, what, cmdline, calls in (
                ("fp", "same", loop, k), ("dwarf", "same", loop, k),
                ("fp", "new", procs, k // 10), ("dwarf", "new", procs, k // 10)):
            data = os.path.join(self.tmp, "ustack-%s-%s.data" % (mode, what))
            cmd = [self.perf, "tap", "record", "-o", data, "-m", "64M"]
            if mode == "dwarf":
                cmd += ["--call-graph", "dwarf"]
            cmd += ["-e", "trace syscalls:sys_enter_getpid /pid == cpid/ " +
                    body, "--"] + cmdline
            log("ustack: record and report, %s, %s stacks x%d"
                % (mode, what, n))
            rc = self.timed(cmd)[2]
            if rc:
                size[mode, what] = unwind[mode, what] = "failed (exit %d)" % rc
                continue
            size[mode, what] = os.path.getsize(data) / calls
            unwind[mode, what] = self.measure([self.perf, "tap", "report",
                                               "-i", data], n)[0]
        rows = {}
        for what in ("same", "new"):
            if any(isinstance(unwind[m, what], str) for m in ("fp", "dwarf")):
                rows[what] = "failed"
                continue
            rows[what] = self.stats([(d - f) / (k if what == "same" else
                                                k // 10) * 1e6
                                     for d, f in zip(unwind["dwarf", what]["values"],
                                                     unwind["fp", what]["values"])])
        if any(isinstance(size[m, "same"], str) for m in ("fp", "dwarf")):
            per_rec = "failed"
        else:
            per_rec = self.stats([size["dwarf", "same"] - size["fp", "same"]])
        self.row("ustack_dwarf_bytes", "--call-graph dwarf: perf.data bytes "
                 "per getpid snapshot", "B", {"perf tap": per_rec},
                 ratio=False, note="the snapshot and its table element's "
                 "print_hist record; a frame-pointer ustack() writes neither")
        self.row("ustack_dwarf_unwind_same", "--call-graph dwarf: report "
                 "time per snapshot, the same stack again", "us",
                 {"perf tap": rows["same"]}, ratio=False)
        self.row("ustack_dwarf_unwind_new", "--call-graph dwarf: report "
                 "time per snapshot, a new process each", "us",
                 {"perf tap": rows["new"]}, ratio=False)

    # ---- main -----------------------------------------------------------

    def run(self):
        t0 = time.monotonic()
        for step in (self.startup, self.per_event, self.two_cpus,
                     self.many_events, self.output_rate, self.reader_cpu,
                     self.record_rate, self.compile_time, self.ustack_cost):
            step()
        self.elapsed = time.monotonic() - t0
        shutil.rmtree(self.tmp, ignore_errors=True)

    def versions(self):
        v = {"kernel": os.uname().release, "cpus": os.cpu_count()}
        for name, cmd in (("perf", [self.perf, "--version"]),
                          ("bpftrace", [self.bpftrace or "bpftrace",
                                        "--version"])):
            try:
                v[name] = subprocess.run(cmd, capture_output=True, text=True,
                                         timeout=10).stdout.strip()
            except OSError:
                v[name] = "not installed"
        return v


def workload(path):
    """The workload program: path if given, else build/tests/workload when
    tests/run has built it from the current source, else build one here."""
    src = os.path.join(ROOT, "tests/workload.c")
    # tests/workload.c wraps perf's 'tap' test workload (see tests/run)
    tap = os.path.join(ROOT, "tools-perf-overlay/tools/perf/tests/workloads/tap.c")
    tree = os.path.join(ROOT, "build/linux-source-6.12")
    newest = max(os.path.getmtime(src), os.path.getmtime(tap))
    if path:
        return path
    path = os.path.join(ROOT, "build/tests/workload")
    if os.access(path, os.X_OK) and os.path.getmtime(path) >= newest:
        return path
    path = os.path.join(ROOT, "build/bench/workload")
    if os.access(path, os.X_OK) and os.path.getmtime(path) >= newest:
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log("building " + os.path.relpath(path, ROOT))
    subprocess.run(["gcc", "-O2", "-Wall", "-pthread",
                    "-I" + os.path.join(tree, "tools/include"),
                    "-I" + os.path.join(tree, "tools/perf/tests/workloads"),
                    "-o", path, src], check=True)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer runs and calls; slow tools skipped in row 3")
    ap.add_argument("--perf", default=os.path.join(ROOT, "build/perf/perf"))
    ap.add_argument("--workload", default="",
                    help="default: build/tests/workload (built if missing)")
    ap.add_argument("--out", default=os.path.join(ROOT,
                                                  "build/bench/results.json"))
    ap.add_argument("--runs", type=int, default=0,
                    help="runs per figure (default 10, 3 with --quick)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (BPF and tracepoints)")
    if not os.access(args.perf, os.X_OK):
        sys.exit("bench: %s: not built (run make)" % args.perf)
    args.workload = workload(args.workload)
    b = Bench(args)
    b.run()
    mode = "quick" if b.quick else "full"
    print("perf tap bench (%s mode, N=%d; many-events rows N=%d; %.0f s)"
          % (mode, b.runs, b.slow_runs, b.elapsed))
    print("each cell: median (min..max)")
    print()
    print(b.table())
    if b.notes:
        print()
        for n in b.notes:
            print("note: " + n)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"mode": mode, "runs": b.runs, "slow_runs": b.slow_runs,
                   "elapsed_s": b.elapsed, "versions": b.versions(),
                   "rows": b.rows, "notes": b.notes}, f, indent=1)
        f.write("\n")
    print("\nresults: " + os.path.relpath(os.path.abspath(args.out)))


if __name__ == "__main__":
    main()
