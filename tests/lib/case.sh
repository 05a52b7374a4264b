# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for shell-script cases (tests/cases/<tier>/<name>.sh). Source it:
#
#   . "$TAP_TESTS/lib/case.sh"
#
# tests/run runs a .sh case with bash in its own work directory ($TAP_TMP) and
# exports PERF, WORKLOAD, TAP_TMP, TAP_TESTS, TAP_ROOT, TAP_CASE, TAP_VERBOSE
# and TAP_TRACEFS. Exit 0 is PASS, 77 is SKIP (the last stderr line is the
# reason), anything else is FAIL.

set -u

: "${PERF:?run this case with tests/run}"
: "${WORKLOAD:?run this case with tests/run}"

# Background processes started with start_bg; killed when the case exits.
_case_bg_pids=()

_case_cleanup() {
	local p
	for p in "${_case_bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${_case_bg_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
}
trap _case_cleanup EXIT

# skip REASON: end the case as skipped.
skip() {
	echo "$*" >&2
	exit 77
}

# fail MESSAGE: end the case as failed.
fail() {
	echo "error: $*" >&2
	exit 1
}

# note MESSAGE: progress output, shown by tests/run -v or on failure.
note() {
	echo "$*"
}

# start_bg CMD [ARGS]: run a command in the background, to be killed at exit.
# Its pid is in $bg_pid.
start_bg() {
	"$@" &
	bg_pid=$!
	_case_bg_pids+=("$bg_pid")
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [[ $2 != "$3" ]]; then
		fail "$1: expected '$2', got '$3'"
	fi
	note "ok: $1 = '$3'"
}

# wait_sig_caught PID SIGNUM [SECONDS]: wait until PID has a handler for
# signal SIGNUM (workload's "pause" installs one for SIGUSR1 = 10 first
# thing), so that sending it cannot kill the process by accident.
wait_sig_caught() {
	local pid=$1 sig=$2 secs=${3:-10} mask i
	for ((i = 0; i < secs * 20; i++)); do
		mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) ||
			fail "process $pid is gone"
		[[ -n $mask ]] || fail "process $pid is gone"
		if (((16#$mask >> (sig - 1)) & 1)); then
			return 0
		fi
		sleep 0.05
	done
	fail "process $pid did not catch signal $sig within ${secs}s"
}

# wait_attached PID [SECONDS]: wait until process PID (a perf tap) holds a BPF
# link (seen in /proc/PID/fdinfo) or has a BPF program attached to a perf
# event (bpftool perf show), then give it a moment to enable its events.
wait_attached() {
	local pid=$1 secs=${2:-20} i
	command -v bpftool >/dev/null || skip "bpftool not installed"
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || fail "perf tap (pid $pid) exited before attaching"
		if grep -q '^link_id:' "/proc/$pid"/fdinfo/* 2>/dev/null ||
			bpftool -j perf show 2>/dev/null | grep -q "\"pid\":${pid}[,}]"; then
			sleep 1
			return 0
		fi
		sleep 0.1
	done
	fail "perf tap (pid $pid) did not attach within ${secs}s"
}

# build_stack_paths: compile lib/stack-paths.c into ./stack-paths (frame
# pointers, no optimization), or skip the case without a C compiler.
build_stack_paths() {
	command -v gcc >/dev/null || skip "no gcc to build stack-paths"
	gcc -O0 -fno-omit-frame-pointer -o stack-paths "$TAP_TESTS/lib/stack-paths.c" ||
		fail "cannot build stack-paths"
	[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
}
