#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every script of the corpus (tests/corpus/*.tap) compiles: --dump-bpf
# runs the whole compiler without loading anything, so no root is needed.
# Reports the compile time of the largest script.  Also checks that each
# example of Documentation/language.md is its corpus file, verbatim (less
# the file's leading comment lines), so the examples cannot drift from
# the scripts that the host case corpus-verify loads into the kernel.
# A compile per corpus script can take longer than the unit tier's 10 s
# on a loaded machine, or with the sanitizer build of the compiler.
#! timeout: 40

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

shopt -s nullglob
corpus=("$TAP_TESTS"/corpus/*.tap)
min=40
((${#corpus[@]} >= min)) ||
	fail "the corpus has ${#corpus[@]} scripts, expected at least $min"

# Microseconds since the epoch, from bash's EPOCHREALTIME (no forks).
now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s' "$t"
}

# The compiler alone (tap-core, make check's sanitizer run) has no tracefs
# to type arg.NAME with: scripts that use fields are only parsed there.
alone=0
[[ $("$PERF" version 2>/dev/null) == "perf version "* ]] || alone=1

failed=() parsed=()
largest='' largest_size=-1 largest_us=0 slowest='' slowest_us=-1
for script in "${corpus[@]}"; do
	name=${script##*/}
	how=--dump-bpf
	# kernel data needs the kernel's BTF: without it, parsed only
	if { ((alone)) && grep -q '\<arg\.[A-Za-z_]' "$script"; } ||
		{ [[ ! -r /sys/kernel/btf/vmlinux ]] && grep -qE -- '->|curtask' "$script"; }; then
		how=--syntax-only
		parsed+=("$name")
	fi
	start=$(now_us)
	rc=0
	"$PERF" tap "$how" "$script" >/dev/null 2>"$name.err" || rc=$?
	us=$(($(now_us) - start))
	if ((rc != 0)); then
		failed+=("$name")
		echo "--- $name: exit status $rc" >&2
		head -n 5 "$name.err" >&2
		continue
	fi
	size=$(wc -c <"$script")
	if ((size > largest_size)); then
		largest=$name largest_size=$size largest_us=$us
	fi
	if ((us > slowest_us)); then
		slowest=$name slowest_us=$us
	fi
done
((${#failed[@]} == 0)) ||
	fail "${#failed[@]} corpus script(s) do not compile: ${failed[*]}"
ms() { printf '%d.%03d ms' $(($1 / 1000)) $(($1 % 1000)); }
note "compiled $((${#corpus[@]} - ${#parsed[@]})) corpus scripts"
((${#parsed[@]} == 0)) ||
	note "parsed only (arg.NAME and \$PERF is not perf, or kernel data without BTF): ${parsed[*]}"
note "largest: $largest ($largest_size bytes) compiled in $(ms "$largest_us")"
note "slowest: $slowest in $(ms "$slowest_us")"

# The examples of the language reference.  An example is a fenced block
# right after a line that names its file as `tests/corpus/NAME.tap` and
# ends with ':'.
doc=$TAP_ROOT/Documentation/language.md
[[ -f $doc ]] || fail "$doc is missing"
mkdir -p examples
awk -v dir=examples '
	want && /^```/ { file = dir "/" want; printf "" > file; inblock = 1; want = ""; next }
	inblock && /^```/ { close(file); inblock = 0; next }
	inblock { print > file; next }
	match($0, /`tests\/corpus\/[A-Za-z0-9_.-]+\.tap`:[[:space:]]*$/) {
		want = substr($0, RSTART + 14, RLENGTH - 14)
		sub(/`:[[:space:]]*$/, "", want)
		next
	}
	want && !/^[[:space:]]*$/ { want = "" }
' "$doc"
examples=(examples/*.tap)
((${#examples[@]} > 0)) || fail "no examples found in $doc"
bad=()
for ex in "${examples[@]}"; do
	name=${ex##*/}
	src=$TAP_TESTS/corpus/$name
	if [[ ! -f $src ]]; then
		bad+=("$name (no such corpus file)")
		continue
	fi
	# the corpus file without its leading comment and blank lines
	awk 'body || !/^(#|[[:space:]]*$)/ { body = 1; print }' "$src" >"$name.body"
	if ! diff -u "$name.body" "$ex" >"$name.diff"; then
		bad+=("$name")
		cat "$name.diff" >&2
	fi
done
((${#bad[@]} == 0)) ||
	fail "examples of language.md that differ from their corpus file: ${bad[*]}"
note "${#examples[@]} examples of language.md match their corpus files"
