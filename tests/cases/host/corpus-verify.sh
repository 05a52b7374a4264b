#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every script of the corpus (tests/corpus/*.tap: the examples of
# Documentation/language.md and realistic tracing scripts) compiles and
# passes the kernel's BPF verifier: perf tap --verify loads every program
# and exits without attaching anything.
#! needs: syscalls
#! timeout: 300

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

shopt -s nullglob
corpus=("$TAP_TESTS"/corpus/*.tap)
min=40
((${#corpus[@]} >= min)) ||
	fail "the corpus has ${#corpus[@]} scripts, expected at least $min"

failed=()
for script in "${corpus[@]}"; do
	name=${script##*/}
	if [[ ! -r /sys/kernel/btf/vmlinux ]] && grep -qE -- '->|curtask' "$script"; then
		note "$name: not verified, it reads kernel data and this kernel has no BTF"
		continue
	fi
	rc=0
	"$PERF" tap --verify "$script" >"$name.out" 2>"$name.err" || rc=$?
	if ((rc != 0)); then
		failed+=("$name")
		echo "--- $name: exit status $rc" >&2
		head -n 5 "$name.err" >&2
	fi
done
note "verified $((${#corpus[@]} - ${#failed[@]})) of ${#corpus[@]} corpus scripts"
((${#failed[@]} == 0)) ||
	fail "${#failed[@]} corpus script(s) failed --verify: ${failed[*]}"
