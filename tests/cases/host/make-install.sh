#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install DESTDIR=... installs perf, perf's libexec directory with the
# perf tap shell tests, and the perf-tap man page where man finds it.  The
# prefix is the build's own (build/install), so that nothing is rebuilt
# under the other cases' feet; make install with the default /usr/local
# works the same way with two objects recompiled.
#! needs: perf
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ $PERF == "$TAP_ROOT/build/perf/perf" ]] || skip "PERF is not this tree's build/perf/perf"
prefix=$TAP_ROOT/build/install
dest=$TAP_TMP/dest
rc=0
make -C "$TAP_ROOT" --no-print-directory install prefix="$prefix" DESTDIR="$dest" \
	>make.log 2>&1 || rc=$?
((rc == 0)) || { tail -n 30 make.log >&2; fail "make install: exit status $rc"; }

bin=$dest$prefix/bin/perf
[[ -x $bin ]] || fail "no $bin"
[[ $("$bin" version) == "perf version "* ]] || fail "$bin version: $("$bin" version 2>&1)"
cmp -s "$bin" "$PERF" || fail "the installed perf is not build/perf/perf"

page=$(man -M "$dest$prefix/share/man" -w perf-tap 2>&1) || fail "man -w perf-tap: $page"
expect_eq "man page path" "$dest$prefix/share/man/man1/perf-tap.1" "$page"
MANPAGER=cat MANWIDTH=80 man -M "$dest$prefix/share/man" perf-tap >page.txt 2>&1 ||
	fail "man perf-tap: $(head -n 3 page.txt)"
grep -q "perf-tap - " page.txt || fail "man perf-tap has no NAME line: $(head -n 5 page.txt)"

shell=$dest$prefix/libexec/perf-core/tests/shell
for t in tap_errors.sh tap_tracepoint.sh tap_uprobe.sh tap_timer.sh tap_leaks.sh; do
	[[ -x $shell/$t ]] || fail "perf test's $t is not installed in $shell"
done
[[ -f $shell/lib/tap.sh ]] || fail "no $shell/lib/tap.sh"
