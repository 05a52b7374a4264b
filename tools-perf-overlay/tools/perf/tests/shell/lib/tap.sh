# SPDX-License-Identifier: GPL-2.0
# Shared by the perf tap shell tests (tap_*.sh): skipping, failing, and a
# check that perf tap left no BPF program or link behind.
# shellcheck shell=sh

tap_err=0
tap_test=perf-tap

# tap_init NAME: the test's name in its messages.
tap_init()
{
	tap_test=$1
}

# tap_skip REASON: the test cannot run here (perf test shows it as skipped).
tap_skip()
{
	echo "$tap_test [Skipped: $1]"
	exit 2
}

tap_fail()
{
	echo "$tap_test: FAIL: $*"
	tap_err=1
}

# tap_expect WHAT EXPECTED ACTUAL
tap_expect()
{
	if [ "$2" != "$3" ]; then
		tap_fail "$1: expected '$2', got '$3'"
	fi
}

tap_need_root()
{
	[ "$(id -u)" = 0 ] || tap_skip "not root"
}

# tap_need_event SUBSYSTEM:EVENT
tap_need_event()
{
	for tap_d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -d "$tap_d/events/${1%%:*}/${1#*:}" ]; then
			return 0
		fi
	done
	tap_skip "no $1 tracepoint (tracefs not mounted, or not in this kernel)"
}

tap_done()
{
	if [ "$tap_err" = 0 ]; then
		echo "$tap_test [Success]"
	fi
	exit "$tap_err"
}

# The ids of the loaded BPF programs perf tap names ("tap_*"), one a line.
tap_prog_ids()
{
	bpftool prog show 2> /dev/null |
		sed -n 's/^\([0-9][0-9]*\): .* name \(tap_[A-Za-z0-9_]*\) .*/\1/p'
}

# The ids of the BPF links to programs of tap_prog_ids.
tap_link_ids()
{
	tap_progs=" $(tap_prog_ids | tr '\n' ' ') "
	bpftool link show 2> /dev/null |
		sed -n 's/^\([0-9][0-9]*\): .* prog \([0-9][0-9]*\).*/\1 \2/p' |
		while read -r tap_l tap_p; do
			case $tap_progs in
			*" $tap_p "*) echo "$tap_l" ;;
			esac
		done
}

# tap_held KIND ID: some process holds an fd of BPF object KIND (prog or
# link) ID, so the object is someone's, not a leak.
tap_held()
{
	grep -l -E "^${1}_id:[[:space:]]+$2\$" /proc/[0-9]*/fdinfo/* > /dev/null 2>&1
}

# tap_snapshot: remember the tap_* programs and links there are now.
tap_snapshot()
{
	tap_before=" $(tap_prog_ids | sed 's/^/p/' | tr '\n' ' ') $(tap_link_ids |
		sed 's/^/l/' | tr '\n' ' ') "
}

# tap_check_leaks WHAT: fail if a tap_* program or link that was not there
# at tap_snapshot is still loaded and held by no process.  The kernel
# releases links asynchronously, so wait up to 10 s for them to go.
tap_check_leaks()
{
	tap_tries=0
	while :; do
		tap_left=""
		for tap_id in $(tap_prog_ids); do
			case $tap_before in *" p$tap_id "*) continue ;; esac
			tap_held prog "$tap_id" || tap_left="$tap_left prog:$tap_id"
		done
		for tap_id in $(tap_link_ids); do
			case $tap_before in *" l$tap_id "*) continue ;; esac
			tap_held link "$tap_id" || tap_left="$tap_left link:$tap_id"
		done
		[ -z "$tap_left" ] && return 0
		tap_tries=$((tap_tries + 1))
		if [ "$tap_tries" -ge 20 ]; then
			tap_fail "$1: left behind:$tap_left"
			return 1
		fi
		sleep 0.5
	done
}
