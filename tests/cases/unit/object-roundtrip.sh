#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A compiled object read back from the bytes perf tap record saves is the
# same object: --dump-bpf of every corpus script is the same through the
# copy.  Needs the standalone compiler (make core or make core-asan), whose
# --roundtrip option swaps the object for its copy.
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

core=
for c in "$TAP_ROOT/build/core-asan/tap-core" "$TAP_ROOT/build/core/tap-core"; do
	[[ -x $c ]] && core=$c && break
done
[[ $core ]] || skip "no standalone compiler: make core"

shopt -s nullglob
n=0
for script in "$TAP_TESTS"/corpus/*.tap; do
	name=${script##*/}
	"$core" --dump-bpf "$script" > "$name.direct" 2> /dev/null || continue
	"$core" --roundtrip --dump-bpf "$script" > "$name.copy" 2> "$name.err" ||
		fail "$name: the copy fails: $(head -n 3 "$name.err")"
	cmp -s "$name.direct" "$name.copy" ||
		fail "$name: --dump-bpf differs through the copy: $(diff "$name.direct" "$name.copy" | head -n 5)"
	n=$((n + 1))
done
((n >= 40)) || fail "only $n corpus scripts compiled"
note "$n objects read back the same"
