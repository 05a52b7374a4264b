#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bpftool, built from the patched tree, shows a tracepoint_multi link: its
# type, its number of events and each event's id, cookie and name, in plain
# text and in JSON. Once the process holding it lets go, the link is gone.
#! timeout: 120

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"
# shellcheck source-path=SCRIPTDIR source=../../lib/kernel.sh
. "$TAP_TESTS/lib/kernel.sh"

need_selftest
bpftool=$TAP_ROOT/build/bpftool/bpftool
[[ -x $bpftool ]] || skip "no $bpftool (make selftest)"
ev=/sys/kernel/tracing/events/syscalls
enter=$(cat "$ev/sys_enter_getpid/id") || fail "no syscalls:sys_enter_getpid"
exit_=$(cat "$ev/sys_exit_getpid/id") || fail "no syscalls:sys_exit_getpid"

# The holder keeps the link while its stdin, a fifo, is open (in the
# guest's /tmp: the shared work directory cannot hold one).
hold=$(mktemp -u /tmp/tp-multi-hold.XXXXXX)
mkfifo "$hold" || fail "cannot make a fifo in /tmp"
# Read and write: opening it does not wait for a reader.
exec 3<>"$hold"
# Not start_bg: an asynchronous command's stdin is /dev/null unless it has
# a redirection of its own. Without fd 3, so that closing it ends the input.
"$TP_MULTI_RUN" -w syscalls:sys_enter_getpid syscalls:sys_exit_getpid <"$hold" >attached 3>&- &
holder=$!
_case_bg_pids+=("$holder")
rm -f "$hold"
id=""
for ((i = 0; i < 600; i++)); do
	read -r _ n _ id <attached 2>/dev/null
	[[ -n $id ]] && break
	kill -0 "$holder" 2>/dev/null || fail "tp-multi-run -w exited before attaching"
	sleep 0.05
done
[[ -n $id ]] || fail "tp-multi-run -w did not attach in 30 s"
expect_eq "events of the link" 2 "$n"

# Not its exit status: with an id, bpftool 6.12 gives 0 only if errno
# happens to be ENOENT at the end (do_show()).
plain=$("$bpftool" link show id "$id" 2>&1)
note "$plain"
row() {
	printf '\t%-8u %-16x %s' "$1" "$2" "$3"
}
grep -qE "^$id: tracepoint_multi  prog [0-9]+" <<<"$plain" || fail "no '$id: tracepoint_multi' line"
grep -qxF "$(printf '\ttracepoint.multi  tp_cnt 2  ')" <<<"$plain" || fail "no tp_cnt 2 line"
grep -qxF "$(row "$enter" 1 syscalls:sys_enter_getpid)" <<<"$plain" || fail "no sys_enter_getpid row"
grep -qxF "$(row "$exit_" 2 syscalls:sys_exit_getpid)" <<<"$plain" || fail "no sys_exit_getpid row"

json=$("$bpftool" -j link show id "$id" 2>&1)
note "$json"
events=$(python3 -c '
import json, sys
link = json.loads(sys.stdin.read())
print(link["type"], link["tp_cnt"], " ".join(
    "%d/%d/%s" % (e["id"], e["cookie"], e["event"]) for e in sorted(link["events"], key=lambda e: e["id"])))
' <<<"$json") || fail "bpftool's JSON does not parse"
expected=$(printf '%s\n' "$enter/1/syscalls:sys_enter_getpid" "$exit_/2/syscalls:sys_exit_getpid" |
	sort -t/ -n -k1,1 | tr '\n' ' ')
expect_eq "JSON type, tp_cnt and events" "tracepoint_multi 2 ${expected% }" "$events"

exec 3>&-
wait "$holder" || fail "tp-multi-run -w failed"
gone=$("$bpftool" link show id "$id" 2>&1)
grep -q "failed to get link with ID $id" <<<"$gone" ||
	fail "link $id is still there after its holder exited: $gone"
