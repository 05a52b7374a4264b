#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# patches/upstream.map claims every overlay file and every hunk of
# patches/series exactly once (make series fails otherwise, and so does
# this case, as soon as a new file is not in the map).  On a copy of the
# sources, a file the map does not name and a hunk two patches claim are
# both reported by name.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

py=/usr/bin/python3
[[ -x $py ]] || skip "no $py"
series=$TAP_ROOT/scripts/series.py

out=$("$py" "$series" --check-map 2>&1) || fail "the map and the sources disagree: $out"
[[ $out == "series: the map assigns "*" overlay files and "*" patches" ]] ||
	fail "unexpected output: $out"

# A copy of what the map covers, then two mistakes in it.
copy=$TAP_TMP/copy
mkdir -p "$copy"
cp -r "$TAP_ROOT/patches" "$TAP_ROOT/tools-perf-overlay" "$copy/"
[[ -d $TAP_ROOT/kernel-overlay ]] && cp -r "$TAP_ROOT/kernel-overlay" "$copy/"
"$py" "$series" --root "$copy" --check-map >/dev/null 2>&1 || fail "the copy does not check"

touch "$copy/tools-perf-overlay/tools/perf/util/tap/not-in-the-map.c"
rc=0
"$py" "$series" --root "$copy" --check-map >out 2>err || rc=$?
expect_eq "exit status with an unmapped file" 1 "$rc"
grep -q "tools/perf/util/tap/not-in-the-map.c (overlay file) is in no patch of the map" err ||
	fail "the unmapped file is not named: $(cat err)"
rm "$copy/tools-perf-overlay/tools/perf/util/tap/not-in-the-map.c"

# a second patch that also claims tools/perf/perf.c's hunk
printf '\nSubject: perf tap: A second claim\nHunks: * tools/perf/perf.c\n\nBody.\n' \
	>>"$copy/patches/upstream.map"
rc=0
"$py" "$series" --root "$copy" --check-map >out 2>err || rc=$?
expect_eq "exit status with a hunk claimed twice" 1 "$rc"
grep -q "tools/perf/perf.c of patches/.* is in 2 patches" err ||
	fail "the doubly claimed hunk is not named: $(cat err)"
