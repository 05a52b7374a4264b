#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make series: the upstream patch series, generated from the overlays.

    scripts/series.py [--check-map] [--out DIR] [--work DIR] [--root DIR] [-v]

Reads patches/upstream.map (its header says how), checks that every file
of kernel-overlay/ and tools-perf-overlay/ and every hunk of the patches in
patches/series is claimed by exactly one patch of the map, then (unless
--check-map) builds the series as git commits over a pristine Linux 6.12
tree unpacked from /usr/src/linux-source-6.12.tar.xz and writes it with
git format-patch, cover letter included, to DIR (default build/series).

The scratch git tree is kept in build/series-src/ and reused while the
tarball stays the same.  The last commit's tree must equal the tree
scripts/prepare-tree.sh builds (the overlays over the tarball, with
patches/series applied), or the series is wrong and nothing is written.

Identity: AUTHOR="Name <email>" in the environment, else git config
user.name and user.email here, else "perf tap developers
<perf-tap@localhost>".  Dates are the date of the last commit here, so the
output depends only on the sources and the identity.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAP = os.path.join(ROOT, "patches", "upstream.map")
COVER = os.path.join(ROOT, "patches", "upstream-cover.txt")
SERIES = os.path.join(ROOT, "patches", "series")
OVERLAYS = ("kernel-overlay", "tools-perf-overlay")
TREE_NAME = "linux-source-6.12"
TARBALL = "/usr/src/%s.tar.xz" % TREE_NAME
DEFAULT_IDENT = "perf tap developers <perf-tap@localhost>"

verbose = False


class SeriesError(Exception):
    pass


def say(msg):
    print("series: " + msg, file=sys.stderr)


def debug(msg):
    if verbose:
        say(msg)


def run(cmd, cwd=None, env=None, capture=False, stdin=None):
    """Run a command; its failure is an error that shows its stderr."""
    p = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, text=True,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE)
    if p.returncode:
        raise SeriesError("%s failed (exit %d):\n%s" %
                          (" ".join(cmd), p.returncode, p.stderr.rstrip()))
    return p.stdout if capture else None


# ---- globs -------------------------------------------------------------------

def brace_expand(pat):
    m = re.search(r"\{([^{}]*)\}", pat)
    if not m:
        return [pat]
    out = []
    for alt in m.group(1).split(","):
        out += brace_expand(pat[:m.start()] + alt + pat[m.end():])
    return out


def glob_re(pat):
    """'*' and '?' stop at '/', '**' does not, [...] as in fnmatch."""
    out, i = "", 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            j = pat.find("]", i + 1)
            if j < 0:
                raise SeriesError("unterminated [ in glob %r" % pat)
            out += fnmatch.translate(pat[i:j + 1])[4:-3]
            i = j + 1
            continue
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


class Glob:
    def __init__(self, text, where):
        self.text = text
        self.where = where
        self.res = [glob_re(p) for p in brace_expand(text)]

    def match(self, path):
        return any(r.match(path) for r in self.res)


# ---- the map -------------------------------------------------------------------

class Patch:
    def __init__(self, subject, where):
        self.subject = subject
        self.where = where
        self.files = []         # Glob
        self.splits = []        # paths
        self.lines = []         # (path, regex, where)
        self.hunks = []         # (Glob over patch names, Glob over paths)
        self.body = []
        # filled by assign()
        self.overlay = []       # tree paths
        self.units = []         # (patch name, path) of patches/
        self.split_units = {}   # path -> number of units

    def claims_anything(self):
        return self.overlay or self.units or self.split_units


def parse_map(path):
    patches = []
    cur = None
    in_header = False
    last_key = None
    with open(path) as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        where = "%s:%d" % (os.path.relpath(path, ROOT), n)
        if line.startswith("#"):
            continue
        if line.startswith("Subject:"):
            cur = Patch(line[len("Subject:"):].strip(), where)
            if not cur.subject:
                raise SeriesError("%s: empty subject" % where)
            patches.append(cur)
            in_header = True
            last_key = None
            continue
        if cur is None:
            if line.strip():
                raise SeriesError("%s: text before the first Subject:" % where)
            continue
        if in_header:
            if not line.strip():
                in_header = False
                continue
            if line[0] in " \t":
                if last_key is None:
                    raise SeriesError("%s: continuation of no header" % where)
                key, val = last_key, line.strip()
            else:
                m = re.match(r"([A-Za-z-]+):\s*(.*)$", line)
                if not m:
                    raise SeriesError("%s: not a header line: %s" % (where, line))
                key, val = m.group(1), m.group(2).strip()
            last_key = key
            words = val.split()
            if key == "Files":
                cur.files += [Glob(w, where) for w in words]
            elif key == "Split":
                cur.splits += words
            elif key == "Lines":
                if len(words) < 2:
                    raise SeriesError("%s: Lines: wants PATH REGEX" % where)
                p, rx = val.split(None, 1)
                cur.lines.append((p, re.compile(rx), where))
            elif key == "Hunks":
                if len(words) != 2:
                    raise SeriesError("%s: Hunks: wants PATCH PATH-GLOB" % where)
                cur.hunks.append((Glob(words[0], where), Glob(words[1], where)))
            else:
                raise SeriesError("%s: unknown header %s:" % (where, key))
            continue
        cur.body.append(line)
    for p in patches:
        while p.body and not p.body[-1].strip():
            p.body.pop()
        while p.body and not p.body[0].strip():
            p.body.pop(0)
        if not p.body:
            raise SeriesError("%s: patch '%s' has no body" % (p.where, p.subject))
        for i, l in enumerate(p.body):
            if len(l) > 75:
                raise SeriesError("%s: body line %d of '%s' is longer than 75 "
                                  "columns" % (p.where, i + 1, p.subject))
    subjects = [p.subject for p in patches]
    for s in subjects:
        if subjects.count(s) > 1:
            raise SeriesError("two patches have the subject '%s'" % s)
    return patches


# ---- the sources ---------------------------------------------------------------

def overlay_files():
    """{tree path: file in the repository}"""
    files = {}
    for d in OVERLAYS:
        top = os.path.join(ROOT, d)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                if name == ".gitkeep":
                    continue
                src = os.path.join(dirpath, name)
                rel = os.path.relpath(src, top)
                if rel in files:
                    raise SeriesError("%s is in more than one overlay" % rel)
                files[rel] = src
    return files


def series_names():
    if not os.path.exists(SERIES):
        return []
    names = []
    with open(SERIES) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def split_patch(name):
    """A patch of patches/ as [(path, text of its diff for that path, hunks)]."""
    with open(os.path.join(ROOT, "patches", name)) as f:
        lines = f.read().split("\n")
    sections = []
    cur = None
    i = 0
    while i < len(lines):
        line = lines[i]
        starts = line.startswith("diff --git ") or (
            line.startswith("--- ") and i + 1 < len(lines) and
            lines[i + 1].startswith("+++ ") and
            (cur is None or cur["hunks"]))
        if line == "-- " and cur is not None:
            # git format-patch's signature ends the last section
            sections.append(cur)
            cur = None
            i += 1
            continue
        if starts:
            if cur is not None:
                sections.append(cur)
            cur = {"lines": [], "path": None, "hunks": 0}
        if cur is not None:
            cur["lines"].append(line)
            if line.startswith("+++ ") or line.startswith("--- "):
                p = line[4:].split("\t")[0].strip()
                if p != "/dev/null" and (cur["path"] is None or line.startswith("+++ ")):
                    cur["path"] = p.split("/", 1)[1] if "/" in p else p
            elif line.startswith("@@"):
                cur["hunks"] += 1
        i += 1
    if cur is not None:
        sections.append(cur)
    out = []
    for s in sections:
        if not s["path"]:
            raise SeriesError("patches/%s: a diff section without a file name" % name)
        while s["lines"] and not s["lines"][-1]:
            s["lines"].pop()
        out.append((s["path"], "\n".join(s["lines"]) + "\n", s["hunks"]))
    return out


# ---- split files (a Build file that grows patch by patch) ----------------------

def split_units(text):
    """The file as units: [text of the unit, its code lines]."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    units = []
    pending = []            # comments and blank lines, for the next unit
    for line in lines:
        if not line.strip() or line.startswith("#"):
            pending.append(line)
            continue
        cont = units and (line.startswith("\t") or units[-1][1][-1].endswith("\\"))
        if cont and not pending:
            units[-1][0].append(line)
            units[-1][1].append(line)
            continue
        units.append([pending + [line], [line]])
        pending = []
    if pending:
        if units:
            units[-1][0].extend(pending)
        else:
            units.append([pending, []])
    return units


# ---- assignment ----------------------------------------------------------------

def assign(patches, files, names):
    """Give every overlay file and hunk its patch; all problems at once."""
    problems = []
    owner = {}

    for path in files:
        hit = [p for p in patches if any(g.match(path) for g in p.files) or
               path in p.splits]
        if not hit:
            problems.append("%s (overlay file) is in no patch of the map" % path)
        elif len(hit) > 1:
            problems.append("%s (overlay file) is in %d patches: %s" %
                            (path, len(hit), "; ".join(p.subject for p in hit)))
        else:
            owner[path] = hit[0]
            if path not in hit[0].splits:
                hit[0].overlay.append(path)
    for p in patches:
        for s in p.splits:
            if s not in files:
                problems.append("%s: Split: %s is not an overlay file" % (p.where, s))

    for name in names:
        for path, _, nhunks in split_patch(name):
            hit = [p for p in patches
                   if any(pg.match(name) and fg.match(path) for pg, fg in p.hunks)]
            what = "%s of patches/%s (%d hunk%s)" % (path, name, nhunks,
                                                    "" if nhunks == 1 else "s")
            if not hit:
                problems.append("%s is in no patch of the map" % what)
            elif len(hit) > 1:
                problems.append("%s is in %d patches: %s" %
                                (what, len(hit), "; ".join(p.subject for p in hit)))
            else:
                hit[0].units.append((name, path))

    # Lines of split files.
    index = {p: i for i, p in enumerate(patches)}
    split_plan = {}
    for p in patches:
        for path in p.splits:
            if path not in files:
                continue
            with open(files[path]) as f:
                units = split_units(f.read())
            plan = []
            d = os.path.dirname(path)
            for text, code in units:
                joined = "\n".join(code)
                by_re = [(q, w) for q in patches for lp, rx, w in q.lines
                         if lp == path and rx.search(joined)]
                where = "%s: %r" % (path, code[0] if code else text[0])
                if len(by_re) > 1:
                    problems.append("%s: matched by Lines: of %d patches (%s)" %
                                    (where, len(by_re), ", ".join(w for _, w in by_re)))
                    continue
                if by_re:
                    to = by_re[0][0]
                else:
                    # "x.o", "CFLAGS_x.o", "CFLAGS_REMOVE_x.o", "$(OUTPUT)dir/x.o"
                    objs = {re.sub(r"^C(PP)?FLAGS_(REMOVE_)?", "", o) for o in
                            re.findall(r"([A-Za-z0-9_.-]+)\.o\b", joined)}
                    homes = {owner[os.path.join(d, o + ".c")] for o in objs
                             if os.path.join(d, o + ".c") in owner}
                    if len(homes) > 1:
                        problems.append("%s: builds objects of %d patches; split the "
                                        "line or claim it with Lines:" % (where, len(homes)))
                        continue
                    to = homes.pop() if homes else p
                if index[to] < index[p]:
                    problems.append("%s: goes to '%s', before '%s' creates the file" %
                                    (where, to.subject, p.subject))
                    continue
                plan.append((text, to))
                to.split_units[path] = to.split_units.get(path, 0) + 1
            split_plan[path] = plan
    for p in patches:
        for lp, rx, w in p.lines:
            if not any(lp in q.splits for q in patches):
                problems.append("%s: Lines: %s is not a Split file" % (w, lp))
    if problems:
        raise SeriesError("the map (patches/upstream.map) does not match the sources:\n" +
                          "\n".join("  " + x for x in problems))
    return split_plan


# ---- the pristine tree -----------------------------------------------------------

def git(tree, *args, capture=False, env=None):
    return run(["git", "-C", tree] + list(args), capture=capture, env=env)


def tarball_id():
    st = os.stat(TARBALL)
    return "%d %d" % (st.st_size, int(st.st_mtime))


def tarball_version():
    try:
        v = run(["dpkg-query", "-W", "-f=${Version}", TREE_NAME], capture=True)
    except (SeriesError, OSError):
        v = "unknown"
    return v


def kernel_version(tree):
    """VERSION.PATCHLEVEL.SUBLEVEL of the unpacked tree's Makefile."""
    v = {}
    path = os.path.join(tree, "Makefile")
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", line)
                if m:
                    v[m.group(1)] = m.group(2)
    except OSError:
        pass
    return ".".join(v.get(k, "?") for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL"))


def pristine_tree(work):
    """build/series-src/linux-source-6.12 at its base commit (the tarball)."""
    tree = os.path.join(work, TREE_NAME)
    stamp = os.path.join(work, "tarball-id")
    if not os.path.exists(TARBALL):
        raise SeriesError("%s not found (package %s; run make prepare)" % (TARBALL, TREE_NAME))
    if os.path.isdir(os.path.join(tree, ".git")) and os.path.exists(stamp) and \
            open(stamp).read() == tarball_id():
        git(tree, "checkout", "-q", "-f", "--detach", "pristine")
        git(tree, "clean", "-q", "-f", "-d", "-x")
        return tree
    say("unpacking %s into %s" % (TARBALL, os.path.relpath(work, ROOT)))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(["tar", "-C", work, "-xf", TARBALL])
    if not os.path.isdir(tree):
        raise SeriesError("%s has no top directory %s" % (TARBALL, TREE_NAME))
    pristine_commit(tree)
    with open(stamp, "w") as f:
        f.write(tarball_id())
    return tree


def pristine_commit(tree):
    """git init + commit of an unpacked tree, tagged 'pristine'."""
    version = tarball_version()
    mtime = int(os.stat(TARBALL).st_mtime)
    env = dict(os.environ,
               GIT_AUTHOR_NAME="Debian", GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org",
               GIT_COMMITTER_NAME="Debian",
               GIT_COMMITTER_EMAIL="debian-kernel@lists.debian.org",
               GIT_AUTHOR_DATE="@%d +0000" % mtime, GIT_COMMITTER_DATE="@%d +0000" % mtime)
    git(tree, "init", "-q")
    git(tree, "config", "core.autocrlf", "false")
    git(tree, "config", "gc.auto", "0")
    # -f: the tarball has files the kernel's .gitignore files name.
    git(tree, "add", "-A", "-f")
    git(tree, "commit", "-q", "--no-verify", "-m",
        "%s %s (Debian)\n\nThe tree of %s as the package unpacks it." %
        (TREE_NAME, version, TARBALL), env=env)
    git(tree, "tag", "-f", "pristine")


# ---- writing the series ------------------------------------------------------------

def identity():
    ident = os.environ.get("AUTHOR", "").strip()
    if ident:
        m = re.match(r"(.+?)\s*<([^>]+)>$", ident)
        if not m:
            raise SeriesError("AUTHOR must look like 'Name <email>', not %r" % ident)
        return m.group(1), m.group(2)
    try:
        name = run(["git", "-C", ROOT, "config", "user.name"], capture=True).strip()
        email = run(["git", "-C", ROOT, "config", "user.email"], capture=True).strip()
        if name and email:
            return name, email
    except SeriesError:
        pass
    m = re.match(r"(.+?)\s*<([^>]+)>$", DEFAULT_IDENT)
    return m.group(1), m.group(2)


def source_date():
    try:
        return run(["git", "-C", ROOT, "log", "-1", "--format=%ct"], capture=True).strip()
    except SeriesError:
        return str(int(os.stat(MAP).st_mtime))


def apply_hunks(tree, name, path, text):
    with tempfile.NamedTemporaryFile("w", suffix=".diff", delete=False) as f:
        f.write(text)
        tmp = f.name
    try:
        p = subprocess.run(["patch", "-d", tree, "-p1", "--batch", "--forward",
                            "--no-backup-if-mismatch", "-i", tmp],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            raise SeriesError("the hunks of patches/%s for %s do not apply in series "
                              "order:\n%s" % (name, path, p.stdout.rstrip()))
    finally:
        os.unlink(tmp)


def copy_file(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    mode = 0o755 if os.access(src, os.X_OK) else 0o644
    os.chmod(dst, mode)


def build_commits(tree, patches, files, names, split_plan):
    name, email = identity()
    date = "@%s +0000" % source_date()
    env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    sections = {}
    for n in names:
        for path, text, _ in split_patch(n):
            sections[(n, path)] = text
    done = set()
    used = []
    for p in patches:
        if not p.claims_anything():
            debug("skipped (claims nothing yet): %s" % p.subject)
            continue
        for path in p.overlay:
            copy_file(files[path], os.path.join(tree, path))
        done.add(p)
        for path, plan in split_plan.items():
            if not any(to in done for _, to in plan):
                continue
            text = "".join(l + "\n" for t, to in plan if to in done for l in t)
            dst = os.path.join(tree, path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w") as f:
                f.write(text)
            shutil.copymode(files[path], dst)
        # patches/ hunks in patches/series order, whatever the map's order
        for n in names:
            for key in p.units:
                if key[0] == n:
                    apply_hunks(tree, n, key[1], sections[key])
        git(tree, "add", "-A", "-f")
        if not git(tree, "status", "--porcelain", capture=True).strip():
            raise SeriesError("%s: '%s' changes nothing" % (p.where, p.subject))
        msg = "%s\n\n%s\n\nSigned-off-by: %s <%s>\n" % (
            p.subject, "\n".join(p.body), name, email)
        run(["git", "-C", tree, "commit", "-q", "--no-verify", "-F", "-"],
            env=env, stdin=msg)
        used.append(p)
    return used


def expected_tree(tree, files, names):
    """Check HEAD against what prepare-tree.sh makes of the sources."""
    problems = []
    changed = set(git(tree, "diff", "--name-only", "pristine", "HEAD",
                      capture=True).split())
    patched = set()
    for n in names:
        for path, _, _ in split_patch(n):
            patched.add(path)
    expect = set(files) | patched
    for p in sorted(changed - expect):
        problems.append("%s changed by the series but by no source" % p)
    for p in sorted(expect - changed):
        problems.append("%s is in the sources but the series does not change it" % p)
    for path, src in files.items():
        with open(src, "rb") as a, open(os.path.join(tree, path), "rb") as b:
            if a.read() != b.read():
                problems.append("%s differs from its overlay file" % path)
        if os.access(src, os.X_OK) != os.access(os.path.join(tree, path), os.X_OK):
            problems.append("%s: executable bit differs from its overlay file" % path)
    # The patched files: the pristine ones with patches/series applied in order.
    with tempfile.TemporaryDirectory() as tmp:
        for path in patched - set(files):
            try:
                blob = subprocess.run(["git", "-C", tree, "show", "pristine:" + path],
                                      stdout=subprocess.PIPE, check=True).stdout
            except subprocess.CalledProcessError:
                continue
            os.makedirs(os.path.dirname(os.path.join(tmp, path)) or tmp, exist_ok=True)
            with open(os.path.join(tmp, path), "wb") as f:
                f.write(blob)
        for n in names:
            for path, text, _ in split_patch(n):
                if path in files:
                    continue
                apply_hunks(tmp, n, path, text)
        for path in sorted(patched - set(files)):
            a = os.path.join(tmp, path)
            b = os.path.join(tree, path)
            if os.path.exists(a) != os.path.exists(b) or \
                    (os.path.exists(a) and open(a, "rb").read() != open(b, "rb").read()):
                problems.append("%s differs from patches/series applied in order" % path)
    if problems:
        raise SeriesError("the series does not rebuild the project's tree:\n" +
                          "\n".join("  " + x for x in problems))
    # What git am --whitespace=error-all (make series-check) refuses:
    # trailing white space, a space before a tab, blank lines at the end.
    p = subprocess.run(["git", "-C", tree, "diff", "--check", "pristine", "HEAD"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise SeriesError("white space errors (git diff --check):\n" + p.stdout.rstrip())


def cover_letter(out, used, tree):
    with open(COVER) as f:
        text = f.read()
    kernel = any(not path.startswith("tools/") for p in used
                 for path in p.overlay + [u[1] for u in p.units])
    keep = []
    for line in text.split("\n"):
        if line.startswith("#"):
            continue
        if line.startswith("?kernel "):
            if not kernel:
                continue
            line = line[len("?kernel "):]
        elif line.startswith("?nokernel "):
            if kernel:
                continue
            line = line[len("?nokernel "):]
        keep.append(line)
    text = "\n".join(keep)
    subject, _, blurb = text.strip("\n").partition("\n")
    blurb = blurb.strip("\n")
    blurb = blurb.replace("@BASE@", "Linux %s as Debian ships it\n(%s %s)" %
                          (kernel_version(tree), TREE_NAME, tarball_version()))
    bench = bench_table()
    blurb = blurb.replace("@BENCH@", bench)
    path = os.path.join(out, "0000-cover-letter.patch")
    with open(path) as f:
        cl = f.read()
    if "*** SUBJECT HERE ***" not in cl or "*** BLURB HERE ***" not in cl:
        raise SeriesError("git format-patch wrote a cover letter without placeholders")
    cl = cl.replace("*** SUBJECT HERE ***", subject.strip())
    cl = cl.replace("*** BLURB HERE ***", blurb)
    with open(path, "w") as f:
        f.write(cl)


def bench_table():
    """make bench's last figures (build/bench/results.json), else a pointer."""
    path = os.path.join(ROOT, "build", "bench", "results.json")
    if not os.path.exists(path):
        return ("(No build/bench/results.json: run 'make bench' before 'make series'\n"
                "to put its figures here.)")
    try:
        with open(path) as f:
            res = json.load(f)
    except (OSError, ValueError) as e:
        return "(build/bench/results.json unreadable: %s)" % e
    return format_bench(res)


def fmt_num(v):
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    if abs(v) >= 0.1:
        return "%.2f" % v
    return "%.3f" % v


def format_bench(res):
    """The medians as a plain-text table that fits in 75 columns."""
    rows = res.get("rows") if isinstance(res, dict) else None
    if not isinstance(rows, list):
        return "(build/bench/results.json has no rows)"
    tools = ("perf tap", "bpftrace", "perf")
    fmt = "%-37s%9s%9s%9s%8s"
    lines = [fmt % ("median of %s runs" % res.get("runs", "?"),
                    "perf tap", "bpftrace", "perf", "bt/tap"),
             "-" * 72]
    for r in rows:
        label = "%s [%s]" % (r.get("figure", "?"), r.get("unit", "?"))
        if len(label) > 36:
            label = label[:35] + "~"
        cells = []
        for t in tools:
            c = (r.get("tools") or {}).get(t) or {}
            if isinstance(c.get("median"), (int, float)):
                cells.append(fmt_num(c["median"]))
            else:
                st = str(c.get("status", "-"))
                cells.append("-" if st == "n/a" else st.split()[0][:8])
        ratio = r.get("ratio_bpftrace_over_tap")
        cells.append("%.1fx" % ratio if isinstance(ratio, (int, float)) else "")
        lines.append((fmt % tuple([label] + cells)).rstrip())
    v = res.get("versions") or {}
    lines.append("(%s mode; kernel %s, %s CPUs)" %
                 (res.get("mode", "?"), v.get("kernel", "?"), v.get("cpus", "?")))
    return "\n".join(lines)


def set_root(root):
    global ROOT, MAP, COVER, SERIES
    ROOT = root
    MAP = os.path.join(ROOT, "patches", "upstream.map")
    COVER = os.path.join(ROOT, "patches", "upstream-cover.txt")
    SERIES = os.path.join(ROOT, "patches", "series")


def main():
    global verbose
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-map", action="store_true",
                    help="only check that the map and the sources agree")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "series"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "series-src"))
    ap.add_argument("--root", help="the repository (default: this script's)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    verbose = args.verbose
    if args.root:
        set_root(os.path.abspath(args.root))

    try:
        patches = parse_map(MAP)
        files = overlay_files()
        names = series_names()
        split_plan = assign(patches, files, names)
        if args.check_map:
            n = sum(1 for p in patches if p.claims_anything())
            print("series: the map assigns %d overlay files and %d hunk groups of "
                  "patches/ to %d patches" % (len(files), sum(len(p.units) for p in patches), n))
            return 0
        tree = pristine_tree(args.work)
        used = build_commits(tree, patches, files, names, split_plan)
        expected_tree(tree, files, names)
        tmp = args.out + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        run(["git", "-C", tree, "format-patch", "-q", "--cover-letter", "--no-signature",
             "--subject-prefix=PATCH", "-o", tmp, "pristine..HEAD"])
        cover_letter(tmp, used, tree)
        shutil.rmtree(args.out, ignore_errors=True)
        os.rename(tmp, args.out)
        for f in sorted(os.listdir(args.out)):
            print(os.path.join(os.path.relpath(args.out, os.getcwd()), f))
        say("%d patches in %s" % (len(used), os.path.relpath(args.out, ROOT)))
    except SeriesError as e:
        print("series: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
