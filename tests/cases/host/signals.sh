#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal) stop tracing:
# perf tap drains its rings, runs trace_end, detaches everything and exits 0.  (The runner checks that
# no BPF program or link is left behind.)
#! needs: syscalls
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

script='trace syscalls:sys_enter_getpid { n += 1 } trace_end { printf("end %d\n", n > 0) }'

# shellcheck disable=SC2016 # expanded by the inner bash
start_bg bash -c 'while :; do "$WORKLOAD" getpid 1000; sleep 0.01; done'

for sig in INT TERM HUP; do
	"$PERF" tap -e "$script" >"out.$sig" 2>"err.$sig" &
	tap=$!
	wait_attached "$tap"
	kill -"$sig" "$tap"
	rc=0
	wait "$tap" || rc=$?
	cat "err.$sig" >&2
	expect_eq "exit status after SIG$sig" 0 "$rc"
	expect_eq "output after SIG$sig" "end 1" "$(cat "out.$sig")"
done
