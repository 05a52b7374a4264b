#!/bin/sh
# perf tap compile errors
# SPDX-License-Identifier: GPL-2.0
#
# A mistake in a script is reported before anything is loaded, as
# FILE:LINE:COL with the script line and a caret under the column, exit
# status 1 and nothing on stdout.  Needs no privileges.

# shellcheck source=lib/tap.sh
. "$(dirname "$0")"/lib/tap.sh
tap_init "perf tap compile errors"

tmpdir=$(mktemp -d /tmp/__perf_test.tap_errors.XXXXX)
trap 'rm -rf "$tmpdir"' EXIT

if ! perf tap --syntax-only -e 'var x = 1' > /dev/null 2>&1; then
	tap_skip "perf tap is not built in"
fi

# check_error WHAT FILE LINE COL: perf tap must refuse FILE with an error
# at LINE:COL, show that line and put a caret under the column.
check_error()
{
	rc=0
	perf tap --dump-bpf "$2" > "$tmpdir/out" 2> "$tmpdir/err" || rc=$?
	tap_expect "$1: exit status" 1 "$rc"
	tap_expect "$1: stdout" "" "$(cat "$tmpdir/out")"
	first=$(head -n 1 "$tmpdir/err")
	case $first in
	"$2:$3:$4: error: "?*) ;;
	*) tap_fail "$1: first line of stderr: expected '$2:$3:$4: error: ...', got '$first'" ;;
	esac
	tap_expect "$1: the script line" "$(sed -n "$3p" "$2")" "$(sed -n 2p "$tmpdir/err")"
	# tabs in the line are copied to the caret line, so characters count
	tap_expect "$1: the caret's column" "$4" \
		"$(sed -n 3p "$tmpdir/err" | awk '{ print index($0, "^") }')"
}

printf 'var = 5\n' > "$tmpdir/missing-name.tap"
check_error "missing name" "$tmpdir/missing-name.tap" 1 5

printf '# counts\nvar n = 0\ntrace syscalls:sys_enter_getpid { n += "x" }\n' \
	> "$tmpdir/type.tap"
check_error "type conflict" "$tmpdir/type.tap" 3 40

printf 'tick-1s {\n\tprint(nosuchthing)\n}\n' > "$tmpdir/unknown.tap"
check_error "unknown name" "$tmpdir/unknown.tap" 2 8

# -e: the script is called <cmdline>
rc=0
perf tap -e 'trace_end { printf("%d\n") }' > /dev/null 2> "$tmpdir/err" || rc=$?
tap_expect "-e: exit status" 1 "$rc"
case $(head -n 1 "$tmpdir/err") in
"<cmdline>:1:13: error: "?*) ;;
*) tap_fail "-e: first line of stderr: $(head -n 1 "$tmpdir/err")" ;;
esac

tap_done
